"""test_admin_users.py: the admin's user list (/admin/users), the admin flag toggle
(POST /admin/users/<id>/toggle-admin) and the audit log page (/admin/audit), over HTTPS
through nginx.

Users are made with psql under unique names (test_accounts.make_user) and deleted when the
test ends, with the audit entries they wrote or that are about them; audit entries inserted
here carry a unique actor name and are deleted too. Every page is checked with check_html.
"""
import functools
import re
import secrets
import threading
import urllib.parse

import mgtest
import test_accounts as ta
from mgtest import check_html, psql
from test_accounts import (Client, cleanup, forms, links, location, logged_in_client, make_user,
                           page_text)

ACCESS_REQUIRED = "Admin access required."

_actors = []  # actor names of audit entries inserted by the current test


def audited(test):
    """test_accounts.cleanup, and before the users go, delete the audit entries written by
    them, about them, or under an actor name from new_actor()."""
    @functools.wraps(test)
    def run():
        _actors.clear()
        try:
            test()
        finally:
            for name in list(ta._created):
                psql("DELETE FROM audit_log WHERE actor_id IN (SELECT id FROM users WHERE "
                     "lower(username) = lower($1)) OR (target_type = 'user' AND target_id IN "
                     "(SELECT id::text FROM users WHERE lower(username) = lower($1)))",
                     name, superuser=True)
            for actor in _actors:
                psql("DELETE FROM audit_log WHERE actor = $1", actor, superuser=True)
            _actors.clear()
    return cleanup(run)


def new_actor(prefix="t-audit"):
    name = f"{prefix}-{secrets.token_hex(5)}"
    _actors.append(name)
    return name


def admin_client():
    """A new admin and a client logged in as them."""
    u = make_user(ta.uniq("adm"), admin=True)
    return u, logged_in_client(u)


def is_admin(user):
    return psql("SELECT is_admin FROM users WHERE id = $1", user["id"])[0][0] == "t"


def audit_rows(user):
    """(actor, actor_id, action, target_type, target_id, detail) of the entries about user."""
    return psql("SELECT actor, actor_id, action, target_type, target_id, detail::text "
                "FROM audit_log WHERE target_type = 'user' AND target_id = $1 ORDER BY id",
                user["id"])


def flashes(body):
    """[(category, text)] of the flash messages of a page."""
    tree = check_html(body)
    out = []
    for div in tree.iter("div"):
        cls = (div.get("class") or "").split()
        if "flash" in cls:
            cat = next((c[len("flash-"):] for c in cls if c.startswith("flash-")), "")
            out.append((cat, " ".join(" ".join(div.itertext()).split())))
    return out


def users_table(body):
    """[{username, email, admin, created, last_login, action: (form action, fields, text) or
    the cell's text}] of the users page, in page order."""
    tree = check_html(body)
    table = next(t for t in tree.iter("table") if "admin-users-table" in (t.get("class") or ""))
    rows = []
    for tr in table.find("tbody").iter("tr"):
        tds = tr.findall("td")
        text = [" ".join(" ".join(td.itertext()).split()) for td in tds]
        form = tds[5].find("form")
        if form is not None:
            fields = {i.get("name"): i.get("value") for i in form.iter("input")}
            action = (form.get("action"), form.get("method"), fields, text[5])
        else:
            action = text[5]
        rows.append({"username": text[0], "email": text[1], "admin": text[2],
                     "created": text[3], "last_login": text[4], "action": action})
    return rows


def toggle(client, user, token, **extra):
    return client.post(f"/admin/users/{user['id']}/toggle-admin",
                       {"csrf_token": token, **extra})


def toggled(client, user, token, **extra):
    """POST the toggle, expect 303 back to /admin/users, return that page's flashes."""
    r = toggle(client, user, token, **extra)
    mgtest.assert_status(r, 303)
    assert location(r) == "/admin/users", location(r)
    page = client.get("/admin/users")
    mgtest.assert_status(page, 200)
    return flashes(page.body)


def audit_table(body):
    """[{when, who, action, record, changes, links}] of the audit page's entries."""
    tree = check_html(body)
    tables = [t for t in tree.iter("table") if "audit-table" in (t.get("class") or "")]
    if not tables:
        return []
    rows = []
    for tr in tables[0].find("tbody").iter("tr"):
        tds = tr.findall("td")
        text = [" ".join(" ".join(td.itertext()).split()) for td in tds]
        rows.append({"when": text[0], "who": text[1], "action": text[2], "record": text[3],
                     "changes": text[4], "links": [a.get("href") for a in tds[3].iter("a")],
                     "who_link": tds[1].find("a").get("href")})
    return rows


def pager_links(body):
    return {a.get("rel"): a.get("href") for a in check_html(body).iter("a") if a.get("rel")}


# ---------------------------------------------------------------------------------------------
# The users page

@audited
def test_users_page_lists_everyone_newest_first_escaped():
    admin, c = admin_client()
    old = make_user(ta.uniq("old"))
    name = ta.uniq("esc")
    odd = make_user(name, email=f"{name}<b>&'\"x@example.org")
    psql("UPDATE users SET created_at = now() - interval '10 years' WHERE id = $1", old["id"])
    r = c.get("/admin/users")
    mgtest.assert_status(r, 200)
    check_html(r.body)
    assert r.header("Cache-Control") == "no-store", r
    html = r.text
    assert "<b>" not in html and "&lt;b&gt;&amp;&#39;&quot;x@example.org" in html, \
        "the email is not escaped"
    rows = users_table(r.body)
    want = [u for (u,) in psql("SELECT username FROM users ORDER BY created_at DESC, id DESC")]
    assert [row["username"] for row in rows] == want, ([row["username"] for row in rows], want)
    by_name = {row["username"]: row for row in rows}
    assert by_name[odd["username"]]["email"] == odd["email"], by_name[odd["username"]]
    assert rows.index(by_name[odd["username"]]) < rows.index(by_name[old["username"]])
    assert by_name[old["username"]]["last_login"] == "never", by_name[old["username"]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", by_name[admin["username"]]["last_login"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", by_name[old["username"]]["created"])
    assert by_name[admin["username"]]["admin"] == "Yes" and by_name[old["username"]]["admin"] == "No"
    # the viewer's own row has no button; the others have a POST form with the session's token
    assert by_name[admin["username"]]["action"] == "You", by_name[admin["username"]]
    token = ta.csrf_of(c, "/admin/users")
    action, method, fields, text = by_name[old["username"]]["action"]
    assert action == f"/admin/users/{old['id']}/toggle-admin" and method == "post", action
    assert fields["csrf_token"] == token and text == "Make admin", (fields, text)
    psql("UPDATE users SET is_admin = true WHERE id = $1", old["id"])
    rows = {row["username"]: row for row in users_table(c.get("/admin/users").body)}
    assert rows[old["username"]]["action"][3] == "Remove admin", rows[old["username"]]
    assert ("/admin/users", "Users") in links(r.body)


# ---------------------------------------------------------------------------------------------
# The toggle

@audited
def test_toggle_promotes_and_demotes_with_flash_and_audit():
    admin, c = admin_client()
    user = make_user(ta.uniq("usr"))
    token = ta.csrf_of(c, "/admin/users")
    assert toggled(c, user, token, make_admin="1") == \
        [("success", f"Admin rights granted for {user['username']}")]
    assert is_admin(user)
    rows = audit_rows(user)
    assert len(rows) == 1, rows
    actor, actor_id, action, ttype, tid, detail = rows[0]
    assert (actor, actor_id, action, ttype, tid) == \
        (admin["username"], admin["id"], "user.promote", "user", user["id"]), rows[0]
    assert detail == '{"after": {"is_admin": true}, "before": {"is_admin": false}}', detail

    # without make_admin the flag flips
    assert toggled(c, user, token) == [("success", f"Admin rights removed for {user['username']}")]
    assert not is_admin(user)
    rows = audit_rows(user)
    assert [r[2] for r in rows] == ["user.promote", "user.demote"], rows
    assert rows[1][5] == '{"after": {"is_admin": false}, "before": {"is_admin": true}}', rows[1]

    # a stale page's button asks for the state the user already has: nothing happens
    assert toggled(c, user, token, make_admin="0") == \
        [("info", f"{user['username']} is not an admin")]
    assert not is_admin(user) and len(audit_rows(user)) == 2
    mgtest.assert_status(toggle(c, user, token, make_admin="yes"), 400)

    # unknown or malformed ids: 404, nothing written
    (missing,) = psql("SELECT coalesce(max(id), 0) + 1000 FROM users")[0]
    for arg in (missing, "0", "-1", "abc", "1e3", "99999999999999999999"):
        r = c.post(f"/admin/users/{arg}/toggle-admin", {"csrf_token": token})
        mgtest.assert_status(r, 404)
        check_html(r.body)


@audited
def test_own_flag_refused():
    admin, c = admin_client()
    make_user(ta.uniq("adm2"), admin=True)  # not the last admin: the own-flag rule decides
    token = ta.csrf_of(c, "/admin/users")
    for extra in ({}, {"make_admin": "0"}, {"make_admin": "1"}):
        assert toggled(c, admin, token, **extra) == \
            [("error", "You cannot change your own admin status")], extra
    assert is_admin(admin) and audit_rows(admin) == []


@audited
def test_last_admin_refused():
    admin, c = admin_client()
    token = ta.csrf_of(c, "/admin/users")
    others = [i for (i,) in psql("SELECT id FROM users WHERE is_admin AND id <> $1", admin["id"])]
    try:
        psql("UPDATE users SET is_admin = false WHERE is_admin AND id <> $1", admin["id"])
        assert toggled(c, admin, token) == [("error", "Cannot remove the last admin")]
        assert toggled(c, admin, token, make_admin="0") == \
            [("error", "Cannot remove the last admin")]
        assert is_admin(admin) and audit_rows(admin) == []
        (n,) = psql("SELECT count(*) FROM users WHERE is_admin")[0]
        assert n == "1", n
    finally:
        for uid in others:
            psql("UPDATE users SET is_admin = true WHERE id = $1", uid)


@audited
def test_concurrent_demotion_cannot_remove_the_last_admin():
    """Admins A and B only. While a transaction that demotes A (as `musicgraph-admin demote`
    does: admin rows locked first) is open, A asks to demote B. A's request must wait for
    the lock, then find that A is no longer an admin: B stays, so one admin is left."""
    admin, c = admin_client()
    other = make_user(ta.uniq("adm2"), admin=True)
    token = ta.csrf_of(c, "/admin/users")
    others = [i for (i,) in psql("SELECT id FROM users WHERE is_admin AND id NOT IN ($1, $2)",
                                 admin["id"], other["id"])]
    errors = []

    def demote_admin_slowly():
        try:
            psql("BEGIN; SELECT id FROM users WHERE is_admin ORDER BY id FOR UPDATE; "
                 "UPDATE users SET is_admin = false WHERE id = $1; SELECT pg_sleep(1); COMMIT;",
                 admin["id"])
        except Exception as e:  # noqa: BLE001 - reported by the test below
            errors.append(e)

    try:
        psql("UPDATE users SET is_admin = false WHERE id = ANY(string_to_array($1, ',')::bigint[])",
             ",".join(others) or None)
        t = threading.Thread(target=demote_admin_slowly)
        t.start()
        mgtest.wait_until(lambda: psql(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%' AND "
            "wait_event = 'PgSleep'", superuser=True)[0][0] == "1", what="the open transaction")
        r = toggle(c, other, token, make_admin="0")
        t.join()
        assert not errors, errors
        mgtest.assert_status(r, 303)
        assert location(r) == "/", location(r)
        assert ("error", ACCESS_REQUIRED) in flashes(c.get("/").body)
        assert is_admin(other) and not is_admin(admin)
        assert audit_rows(other) == []
    finally:
        for uid in others:
            psql("UPDATE users SET is_admin = true WHERE id = $1", uid)


@audited
def test_csrf_less_post_refused():
    admin, c = admin_client()
    user = make_user(ta.uniq("usr"))
    for body in ({}, {"csrf_token": "x" * 43}, {"csrf_token": ""}):
        r = c.post(f"/admin/users/{user['id']}/toggle-admin", body)
        mgtest.assert_status(r, 403)
        check_html(r.body)
    assert not is_admin(user) and audit_rows(user) == []


@audited
def test_regular_user_and_anonymous_are_refused():
    user = make_user(ta.uniq("usr"))
    target = make_user(ta.uniq("tgt"))
    c = logged_in_client(user)
    token = ta.csrf_of(c, "/account")
    attempts = [("GET", "/admin/users", None), ("GET", "/admin/audit", None),
                ("GET", "/admin/audit?page=2&actor=x", None),
                ("POST", f"/admin/users/{target['id']}/toggle-admin", {"csrf_token": token}),
                ("POST", f"/admin/users/{user['id']}/toggle-admin", {"csrf_token": token})]
    for method, path, body in attempts:
        r = c.request(method, path, body)
        mgtest.assert_status(r, 302)
        assert location(r) == "/", (path, location(r))
        home = c.get("/")
        assert ("error", ACCESS_REQUIRED) in flashes(home.body), (path, flashes(home.body))
    assert not is_admin(user) and not is_admin(target)
    assert audit_rows(user) == [] and audit_rows(target) == []

    anon = Client()
    for method, path, body in attempts:
        r = anon.request(method, path, body if method == "POST" else None)
        mgtest.assert_status(r, 302)
        want = "/login?next=" + path.split("?")[0].replace("/", "%2F")
        assert location(r) == want, (path, location(r))
    assert not is_admin(target)


@audited
def test_promotion_takes_effect_on_the_next_request():
    admin, c = admin_client()
    user = make_user(ta.uniq("usr"))
    uc = logged_in_client(user)
    hrefs = {h for h, _ in links(uc.get("/").body)}
    assert "/admin" not in hrefs and "/admin/users" not in hrefs, hrefs
    token = ta.csrf_of(c, "/admin/users")
    toggled(c, user, token, make_admin="1")
    r = uc.get("/")
    assert ("/admin", "Admin") in links(r.body), links(r.body)
    mgtest.assert_status(uc.get("/admin/users"), 200)
    mgtest.assert_status(uc.get("/admin/audit"), 200)
    toggled(c, user, token, make_admin="0")
    assert ("/admin", "Admin") not in links(uc.get("/").body)
    mgtest.assert_status(uc.get("/admin/users"), 302)


# ---------------------------------------------------------------------------------------------
# The audit log page

def insert_entries(actor, slug, n):
    """n band.update entries by actor, newest first g = 1..n, on records slug-0/1/2 (g % 3)."""
    psql("INSERT INTO audit_log (at, actor, action, target_type, target_id, detail) "
         "SELECT now() - make_interval(secs => g), $1, 'band.update', 'band', "
         "$2 || '-' || (g % 3), jsonb_build_object('before', jsonb_build_object('name', "
         "'Old ' || g, 'genres', '[\"rock\"]'::jsonb), 'after', jsonb_build_object('name', "
         "'New ' || g, 'genres', '[\"rock\"]'::jsonb)) FROM generate_series(1, $3::int) g",
         actor, slug, n, superuser=True)


@audited
def test_audit_page_filters_and_pages():
    admin, c = admin_client()
    actor = new_actor()
    slug = f"t-band-{secrets.token_hex(4)}"
    insert_entries(actor, slug, 120)

    r = c.get(f"/admin/audit?actor={actor}")
    mgtest.assert_status(r, 200)
    rows = audit_table(r.body)
    assert len(rows) == 50, len(rows)
    assert all(row["who"] == actor and row["action"] == "band.update" for row in rows)
    assert rows[0]["changes"] == "name Old 1 → New 1", rows[0]  # genres did not change
    assert rows[49]["changes"] == "name Old 50 → New 50", rows[49]
    assert f"/bands/{slug}-1" in rows[0]["links"], rows[0]
    assert f"/admin/audit?type=band&id={slug}-1" in rows[0]["links"], rows[0]
    assert rows[0]["who_link"] == f"/admin/audit?actor={actor}", rows[0]
    form = ta.form_fields(r.body, "/admin/audit")
    assert form == {"actor": actor, "type": "", "id": ""}, form
    p = pager_links(r.body)
    assert "prev" not in p and p["next"] == f"/admin/audit?actor={actor}&page=2", p

    r = c.get(p["next"])
    mgtest.assert_status(r, 200)
    rows = audit_table(r.body)
    assert [row["changes"] for row in rows] == [f"name Old {g} → New {g}" for g in range(51, 101)]
    p = pager_links(r.body)
    assert p == {"prev": f"/admin/audit?actor={actor}",
                 "next": f"/admin/audit?actor={actor}&page=3"}, p
    r = c.get(p["next"])
    rows = audit_table(r.body)
    assert [row["changes"] for row in rows] == [f"name Old {g} → New {g}" for g in range(101, 121)]
    p = pager_links(r.body)
    assert p == {"prev": f"/admin/audit?actor={actor}&page=2"}, p
    r = c.get(f"/admin/audit?actor={actor}&page=4")
    mgtest.assert_status(r, 200)
    assert audit_table(r.body) == [] and "No entries on this page." in page_text(r.body)

    # by record (type + id), and both filters at once
    r = c.get(f"/admin/audit?type=band&id={slug}-0")
    rows = audit_table(r.body)
    assert len(rows) == 40 and all(f"{slug}-0" in row["record"] for row in rows), len(rows)
    assert "next" not in pager_links(r.body)
    assert ta.form_fields(r.body, "/admin/audit") == {"actor": "", "type": "band",
                                                      "id": f"{slug}-0"}
    r = c.get(f"/admin/audit?actor={actor}&type=band&id={slug}-2&page=1")
    assert len(audit_table(r.body)) == 40
    r = c.get(f"/admin/audit?actor=nobody-{secrets.token_hex(4)}")
    mgtest.assert_status(r, 200)
    assert audit_table(r.body) == [] and "No entries." in page_text(r.body)
    r = c.get(f"/admin/audit?actor={actor}&type=genre")
    assert audit_table(r.body) == []

    # unfiltered: newest first across everyone; our toggle shows up on top
    user = make_user(ta.uniq("usr"))
    toggled(c, user, ta.csrf_of(c, "/admin/users"), make_admin="1")
    r = c.get("/admin/audit")
    rows = audit_table(r.body)
    assert rows[0]["who"] == admin["username"] and rows[0]["action"] == "user.promote", rows[0]
    assert rows[0]["changes"] == "is_admin false → true", rows[0]
    assert rows[0]["record"].startswith(f"user {user['id']}"), rows[0]
    r = c.get(f"/admin/audit?type=user&id={user['id']}")
    assert [row["action"] for row in audit_table(r.body)] == ["user.promote"]


@audited
def test_audit_page_shows_odd_details_safely():
    admin, c = admin_client()
    actor = new_actor("<b>t&a")
    rec = f"t-{secrets.token_hex(4)}"
    details = [
        ("genre.update", "genre", "rock",
         '{"before": {"name": "Rock", "description": "a <script>alert(1)</script> & \\"b\\""},'
         ' "after": {"name": "Rock", "description": "x\\u0001y \\ud83c\\udfb8 \\u00e9 \\n z"}}'),
        ("genre.create", "genre", rec,
         '{"after": {"name": "<i>New</i>", "parents": ["a", {"b": [1, 2.5e3, null]}],'
         ' "empty": "", "gone": null}}'),
        ("genre.delete", "genre", rec, '{"before": {"name": "<i>New</i>"}}'),
        ("band.update", "band", rec, '{"note": "</pre><script>x</script>"}'),
        ("band.update", "band", rec, '{}'),
        ("band.update", "band", rec, '{"before": {"name": "same"}, "after": {"name": "same"}}'),
    ]
    for action, ttype, tid, detail in details:
        psql("INSERT INTO audit_log (actor, action, target_type, target_id, detail) "
             "VALUES ($1, $2, $3, $4, $5::jsonb)", actor, action, ttype, tid, detail,
             superuser=True)
    r = c.get("/admin/audit?actor=" + urllib.parse.quote(actor, safe=""))
    mgtest.assert_status(r, 200)
    check_html(r.body)
    html = r.text
    assert "<script" not in html and "<i>" not in html and "<b>t" not in html, "not escaped"
    rows = list(reversed(audit_table(r.body)))  # oldest first, as inserted
    assert len(rows) == len(details), rows
    assert rows[0]["who"] == actor
    assert "/genres/rock" in rows[0]["links"], rows[0]
    assert rows[0]["changes"].startswith("description a <script>alert(1)</script> & \"b\" → x\ufffdy"), rows[0]
    assert "\U0001f3b8 é" in rows[0]["changes"] and "name" not in rows[0]["changes"], rows[0]
    # jsonb orders keys by length, then bytes, and writes 2.5e3 as 2500
    assert rows[1]["changes"] == ('gone (none) name <i>New</i> empty (empty) '
                                  'parents ["a", {"b": [1, 2500, null]}]'), rows[1]
    assert f"/genres/{rec}" in rows[1]["links"], rows[1]
    assert rows[2]["changes"] == "name <i>New</i>" and f"/genres/{rec}" not in rows[2]["links"]
    assert rows[3]["changes"] == '{"note": "</pre><script>x</script>"}', rows[3]
    assert rows[4]["changes"] == "—", rows[4]
    assert rows[5]["changes"] == "No field changed.", rows[5]


@audited
def test_audit_page_rejects_bad_input():
    admin, c = admin_client()
    for query in ("page=abc", "page=-1", "page=0", "page=1.5", "page=%201", "page=+1",
                  "page=99999999999999999999", "page=100001", "page=0x10", "type=bogus",
                  "type=genres", "actor=" + "a" * 129, "id=" + "b" * 129, "page=abc&page=2",
                  "actor=" + "%C3%A9" * 129):
        r = c.get(f"/admin/audit?{query}")
        mgtest.assert_status(r, 400)
        check_html(r.body)
    for query in ("", "page=", "page=1", "page=100000", "type=", "actor=&type=&id=",
                  "type=user", "id=rock", "actor=" + "a" * 128, "id=" + "%C3%A9" * 128):
        r = c.get(f"/admin/audit?{query}")
        mgtest.assert_status(r, 200)
        check_html(r.body)


if __name__ == "__main__":
    mgtest.main()
