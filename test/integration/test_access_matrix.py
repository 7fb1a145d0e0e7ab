"""test_access_matrix.py: every route × role (anonymous, user, admin) × method answers as its
declared access says; a regular user's crafted POSTs change nothing; the old application's
addresses redirect; two concurrent creations of one slug leave exactly one row."""
import threading

import mgtest
from mgtest import psql
from test_admin_crud import client, location, token, slug, cleanup  # noqa: F401

# (method, path, access) for every route; ":" arguments are filled with existing records
ROUTES = [
    ("GET", "/", "public"), ("GET", "/api/graph", "public"), ("GET", "/genres", "public"),
    ("GET", "/genres/rock", "public"), ("GET", "/bands", "public"),
    ("GET", "/bands/metallica", "public"), ("GET", "/search?q=rock", "public"),
    ("GET", "/healthz", "public"), ("GET", "/login", "public"), ("GET", "/register", "public"),
    ("GET", "/account", "user"),
    ("GET", "/admin", "admin"), ("GET", "/admin/users", "admin"), ("GET", "/admin/audit", "admin"),
    ("GET", "/admin/genres/new", "admin"), ("GET", "/admin/genres/rock/edit", "admin"),
    ("GET", "/admin/bands/new", "admin"), ("GET", "/admin/bands/metallica/edit", "admin"),
]

# state-changing routes: POST only; a GET is never allowed to change anything
POSTS = [
    ("/admin/genres/new", "admin"), ("/admin/genres/rock/edit", "admin"),
    ("/admin/genres/rock/delete", "admin"), ("/admin/bands/new", "admin"),
    ("/admin/bands/metallica/edit", "admin"), ("/admin/bands/metallica/delete", "admin"),
    ("/admin/users/1/toggle-admin", "admin"), ("/account/password", "user"),
    ("/account/sessions/end-others", "user"),
]


def snapshot():
    """Everything a crafted request could try to change."""
    return psql("SELECT (SELECT version FROM data_version),"
                " (SELECT string_agg(id || ':' || is_admin, ',' ORDER BY id) FROM users),"
                " (SELECT count(*) FROM audit_log)")[0]


def expect_denied(r, role, path):
    if role == "anonymous":
        assert r.status == 302 and location(r).startswith("/login?next="), (path, r.status)
    else:
        assert r.status == 302 and location(r) == "/", (path, r.status)


def test_get_matrix():
    clients = {"anonymous": mgtest.Client(), "user": client("user"), "admin": client("admin")}
    for method, path, access in ROUTES:
        for role, c in clients.items():
            r = c.request(method, path)
            allowed = (access == "public" or (access == "user" and role != "anonymous")
                       or role == "admin")
            if path in ("/login", "/register") and role != "anonymous":
                assert r.status == 302, (role, path, r.status)  # already logged in
            elif allowed:
                assert r.status == 200, (role, method, path, r.status)
            else:
                expect_denied(r, role, path)
            if path.startswith("/admin") and role == "user":
                assert b"Admin access required." in c.get("/").body


def test_posts_need_the_role_and_change_nothing_otherwise():
    user = client("user")
    for path, access in POSTS:
        before = snapshot()
        anon = mgtest.Client()
        r = anon.post(path, {"csrf_token": "x" * 43})
        assert r.status in (302, 403), (path, r.status)
        if access == "admin":
            # a regular user with a valid CSRF token and every field an admin form takes,
            # including a crafted is_admin
            r = user.post(path, {"csrf_token": token(user, "/account"), "id": slug("crafted"),
                                 "name": "crafted", "is_admin": "true", "make_admin": "1",
                                 "confirm": "1", "version": "1", "genres": "rock",
                                 "primary_genre_id": "rock"})
            expect_denied(r, "user", path)
        assert snapshot() == before, path
        # GET on a POST-only route is never a way in
        for c in (anon, user):
            assert c.get(path).status in (302, 404, 405), path
        assert snapshot() == before, path


def test_old_addresses_redirect():
    anon = mgtest.Client()
    for old, new in (("/add-genre", "/admin/genres/new"), ("/add-band", "/admin/bands/new"),
                     ("/edit-genre/death-metal", "/admin/genres/death-metal/edit"),
                     ("/edit-band/death", "/admin/bands/death/edit")):
        r = anon.get(old)
        assert r.status == 301 and location(r) == new, (old, r.status)
    assert anon.get("/edit-genre/%3Cx%3E").status == 404


def test_concurrent_creations_of_one_slug():
    admin = client("admin")
    gid = slug("race")
    tok = token(admin)
    results = []

    def create():
        c = mgtest.Client()
        c.cookies = dict(admin.cookies)  # the same session, one connection per thread
        results.append(c.post("/admin/genres/new", {"csrf_token": tok, "id": gid,
                                                      "name": "race genre"}).status)
    threads = [threading.Thread(target=create) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(303) == 1, results
    assert all(s == 422 for s in results if s != 303), results
    assert psql("SELECT count(*) FROM genres WHERE id = $1", gid)[0][0] == "1"


if __name__ == "__main__":
    mgtest.main()
