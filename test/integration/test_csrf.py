"""test_csrf.py: every POST needs the right csrf_token (the session's when logged in, the
__Host-mg_csrf cookie's when anonymous), a same-origin Origin when one is sent and no
Sec-Fetch-Site: cross-site; a refused POST gets a 403 HTML page and changes nothing.
A GET never changes state. Helpers come from test_accounts.py."""
import secrets

import mgtest
from mgtest import check_html, env, form_fields, psql
from test_accounts import (CSRF_COOKIE, SESSION_COOKIE, Client, cleanup, csrf_of,
                           current_session_id, forms, is_anonymous, logged_in_client, login,
                           make_user, session_count, set_cookies, strong_password, track, uniq,
                           user_row)


def origin():
    """What a browser sends as Origin for this site: https://<Host header>."""
    return env("MG_BASE_URL").rstrip("/")


def login_form(client):
    r = client.get("/login")
    mgtest.assert_status(r, 200)
    return form_fields(r.body, "/login")


def assert_refused(r, what):
    mgtest.assert_status(r, 403)
    check_html(r.body, what)
    assert SESSION_COOKIE not in {k for k, (v, _) in set_cookies(r).items() if v}, \
        f"{what}: a session cookie came with the refusal"


def failures_count():
    return int(psql("SELECT count(*) FROM login_failures", superuser=True)[0][0])


@cleanup
def test_login_post_needs_the_csrf_token():
    u = make_user()
    good = {"username": u["username"], "password": u["password"]}

    c = Client()
    f = login_form(c)
    assert f["csrf_token"] == c.cookies[CSRF_COOKIE]
    # no token
    assert_refused(c.post("/login", {**good, "next": "/"}), "no csrf_token")
    # a wrong one (well-formed, just not the cookie's)
    assert_refused(c.post("/login", {**good, "csrf_token": secrets.token_urlsafe(32)}),
                   "wrong csrf_token")
    # an empty one
    assert_refused(c.post("/login", {**good, "csrf_token": ""}), "empty csrf_token")
    # the right token but no cookie to match it (double submit)
    assert_refused(Client(cookies=False).post("/login", {**good, "csrf_token": f["csrf_token"]}),
                   "token without its cookie")
    assert session_count(u["id"]) == 0, "a refused login made a session"
    assert user_row(u["username"])["last_login_at"] is None
    assert failures_count() == 0, "a refused POST was counted as a failed login"
    # the same client with the right token logs in: the refusals above were the token's doing
    r = c.post("/login", {**good, "csrf_token": f["csrf_token"]})
    mgtest.assert_status(r, 303)


@cleanup
def test_login_post_origin_and_fetch_metadata():
    u = make_user()
    good = {"username": u["username"], "password": u["password"]}
    for headers in ({"Origin": "https://evil.example"},
                    {"Origin": "null"},
                    {"Origin": "http://" + origin().split("://", 1)[1]},  # http, not https
                    {"Origin": origin() + ".evil.example"},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": origin(), "Sec-Fetch-Site": "cross-site"}):
        c = Client()
        f = login_form(c)
        assert_refused(c.post("/login", {**good, "csrf_token": f["csrf_token"]}, headers),
                       repr(headers))
    assert session_count(u["id"]) == 0
    # what a browser on this site sends is accepted
    for headers in ({"Origin": origin()}, {"Origin": origin(), "Sec-Fetch-Site": "same-origin"},
                    {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}):
        c = Client()
        f = login_form(c)
        r = c.post("/login", {**good, "csrf_token": f["csrf_token"]}, headers)
        mgtest.assert_status(r, 303)


@cleanup
def test_register_post_needs_the_csrf_token():
    name = track(uniq("csrf"))
    fields = {"username": name, "email": f"{name}@example.org", "password": "",
              "password_confirm": ""}
    fields["password"] = fields["password_confirm"] = strong_password()
    c = Client()
    r = c.get("/register")
    token = form_fields(r.body, "/register")["csrf_token"]
    assert_refused(c.post("/register", fields), "register without token")
    assert_refused(c.post("/register", {**fields, "csrf_token": secrets.token_urlsafe(32)}),
                   "register with a wrong token")
    assert_refused(c.post("/register", {**fields, "csrf_token": token},
                          {"Origin": "https://evil.example"}), "register from another origin")
    assert user_row(name) is None, "a refused registration created the user"
    mgtest.assert_status(c.post("/register", {**fields, "csrf_token": token}), 303)
    assert user_row(name) is not None


@cleanup
def test_logged_in_posts_need_the_session_token():
    u = make_user()
    c = Client()
    anon_token = login_form(c)["csrf_token"]
    r = login(c, u["username"], u["password"])
    mgtest.assert_status(r, 303)
    token = csrf_of(c, "/")
    sid = current_session_id(c)
    (stored,) = psql("SELECT csrf_token FROM sessions WHERE id = $1", sid)[0]
    assert token == stored, "the forms do not carry the session's csrf token"
    assert token != anon_token, "the anonymous double-submit token became the session's"

    # log out with a wrong token, the anonymous cookie's token, or none: refused, still in
    for body in ({"csrf_token": secrets.token_urlsafe(32)}, {"csrf_token": anon_token}, {}):
        assert_refused(c.post("/logout", body), f"logout with {body}")
        assert not is_anonymous(c), f"logged out by a refused POST {body}"
    assert session_count(u["id"]) == 1
    # with the right token but from another site
    assert_refused(c.post("/logout", {"csrf_token": token}, {"Origin": "https://evil.example"}),
                   "logout from another origin")
    assert_refused(c.post("/logout", {"csrf_token": token}, {"Sec-Fetch-Site": "cross-site"}),
                   "logout cross-site")
    assert not is_anonymous(c)

    # another session's token does not work for this one
    other = logged_in_client(u)
    other_token = csrf_of(other, "/")
    assert other_token != token, "two sessions share a csrf token"
    assert_refused(c.post("/logout", {"csrf_token": other_token}), "another session's token")
    assert not is_anonymous(c)

    # the account forms
    old_hash = user_row(u["username"])["password_hash"]
    new = strong_password()
    assert_refused(c.post("/account/password", {
        "csrf_token": secrets.token_urlsafe(32), "current_password": u["password"],
        "new_password": new, "new_password_confirm": new}), "password change, wrong token")
    assert user_row(u["username"])["password_hash"] == old_hash
    assert_refused(c.post("/account/sessions/end-others", {"csrf_token": other_token}),
                   "end-others, wrong token")
    other_id = current_session_id(other)
    assert_refused(c.post(f"/account/sessions/{other_id}/end", {}), "end session, no token")
    assert not is_anonymous(other), "a refused POST ended a session"
    assert session_count(u["id"]) == 2

    # and the right token works
    r = c.post("/logout", {"csrf_token": token})
    mgtest.assert_status(r, 303)
    assert is_anonymous(c)


@cleanup
def test_get_never_changes_state():
    u = make_user()
    c = logged_in_client(u)
    for path in ("/logout", "/account/password", "/account/sessions/end-others",
                 f"/account/sessions/{current_session_id(c)}/end"):
        r = c.get(path)
        mgtest.assert_status(r, 404, 405)
        check_html(r.body, path)
        assert not is_anonymous(c), f"GET {path} logged out"
    assert session_count(u["id"]) == 1
    # GET /login and /register with credentials in the query do nothing either
    d = Client()
    r = d.get(f"/login?username={u['username']}&password={u['password']}")
    mgtest.assert_status(r, 200)
    assert SESSION_COOKIE not in d.cookies
    name = track(uniq("getreg"))
    pw = strong_password()
    r = d.get(f"/register?username={name}&email={name}%40example.org&password={pw}"
              f"&password_confirm={pw}")
    mgtest.assert_status(r, 200)
    assert user_row(name) is None


@cleanup
def test_every_form_has_a_csrf_token():
    u = make_user()
    anon = Client()
    for path in ("/login", "/register"):
        r = anon.get(path)
        fs = [f for f in forms(r.body) if f[1] == "post"]
        assert fs, path
        for action, _, fields, _ in fs:
            assert fields.get("csrf_token") == anon.cookies[CSRF_COOKIE], (path, action)
    c = logged_in_client(u)
    logged_in_client(u)  # a second session, so that /account lists one to end
    token = csrf_of(c, "/")
    for path in ("/", "/account", "/genres/rock"):
        r = c.get(path)
        mgtest.assert_status(r, 200)
        fs = [f for f in forms(r.body) if f[1] == "post"]
        assert fs, f"{path}: no POST form (the Log out button?)"
        for action, _, fields, _ in fs:
            assert fields.get("csrf_token") == token, (path, action)


if __name__ == "__main__":
    mgtest.main()
