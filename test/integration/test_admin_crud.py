"""test_admin_crud.py: curating genres and bands through the admin forms over HTTPS through
nginx: create / edit / delete with their audit entries, every validation message, cycles,
delete refusals, stale versions, preview, access for users and visitors, escaping.

An admin and a regular user are made with psql (pbkdf2_sha256 hash computed here) and logged
in once through /login. Every genre and band the tests make has a slug starting with
"zt<run>-" and is deleted at exit, together with the two users.
"""
import atexit
import json
import re
import secrets
import threading
import time
import urllib.parse

import mgtest
from mgtest import check_html, env, form_fields, psql

RUN = secrets.token_hex(3)
PREFIX = f"zt{RUN}-"
STALE_GENRE = ("This genre was changed by someone else since you opened the form. "
               "Reload it to see the current version.")
STALE_BAND = ("This band was changed by someone else since you opened the form. "
              "Reload it to see the current version.")


# ---------------------------------------------------------------------------------------------
# Users and clients

_users = {}
_clients = {}


def make_user(role):
    name = f"{role[:5]}_{RUN}_{secrets.token_hex(2)}"
    password = "mg-" + secrets.token_urlsafe(15)
    (uid,) = psql("INSERT INTO users (username, email, password_hash, is_admin) "
                  "VALUES ($1, $2, $3, $4) RETURNING id",
                  name, f"{name}@example.org", mgtest.stored_hash(password), role == "admin")[0]
    _users[role] = {"id": uid, "username": name, "password": password}
    return _users[role]


def client(role):
    """A logged-in mgtest.Client for "admin" or "user" (made once per run)."""
    if role in _clients:
        return _clients[role]
    u = make_user(role)
    c = mgtest.Client()
    r = c.get("/login")
    token = form_fields(r.body, "/login")["csrf_token"]
    r = c.post("/login", {"username": u["username"], "password": u["password"],
                          "csrf_token": token, "next": "/"})
    assert r.status == 303, r
    _clients[role] = c
    return c


def cleanup():
    try:
        psql("BEGIN; DELETE FROM bands WHERE id LIKE $1;"
             "DELETE FROM band_genres WHERE genre_id LIKE $1;"
             "UPDATE genres SET parent_id = NULL WHERE id LIKE $1;"
             "DELETE FROM genre_parents WHERE genre_id LIKE $1 OR parent_id LIKE $1;"
             "DELETE FROM genres WHERE id LIKE $1; COMMIT;", PREFIX + "%")
    except Exception as e:  # noqa: BLE001 - best effort at exit
        print(f"cleanup of the test data failed: {e}")
    for u in _users.values():
        psql("DELETE FROM users WHERE id = $1", u["id"])


atexit.register(cleanup)


# ---------------------------------------------------------------------------------------------
# Helpers

def html(r, *status):
    """Assert the status (when given) and that the body is well-formed HTML; the text."""
    if status:
        mgtest.assert_status(r, *status)
    assert r.header("Content-Type", "").startswith("text/html"), r
    check_html(r.body, f"{r.method} {r.url}")
    text = r.text
    assert text.count("<script") == text.count("<script src="), "inline script"
    return text


def page_text(body):
    tree = check_html(body)
    return " ".join(" ".join(tree.itertext()).split())


def location(r):
    loc = r.header("Location")
    assert loc, f"no Location in {r!r}"
    base = env("MG_BASE_URL")
    return loc[len(base):] if loc.startswith(base + "/") else loc


def token(c, path="/admin"):
    r = c.get(path)
    m = re.search(rb'name="csrf_token" value="([^"]+)"', r.body)
    assert m, r
    return m.group(1).decode()


def post(c, path, fields):
    """POST fields (a dict; list values repeat the name) with the session's CSRF token."""
    items = [("csrf_token", token(c))]
    for k, v in fields.items():
        for x in (v if isinstance(v, list) else [v]):
            items.append((k, x))
    return c.post(path, items)


def follow(c, r):
    """GET the redirect target of r; its HTML text."""
    assert r.status in (302, 303), r
    return html(c.get(location(r)), 200)


def slug(name):
    return PREFIX + name


def genre_row(gid):
    rows = psql("SELECT name, coalesce(parent_id, ''), description_md, version FROM genres "
                "WHERE id = $1", gid)
    return rows[0] if rows else None


def parents_of(gid):
    return sorted(p for (p,) in psql("SELECT parent_id FROM genre_parents WHERE genre_id = $1",
                                     gid))


def band_row(bid):
    rows = psql("SELECT name, primary_genre_id, description_md, version FROM bands "
                "WHERE id = $1", bid)
    return rows[0] if rows else None


def genres_of(bid):
    return sorted(g for (g,) in psql("SELECT genre_id FROM band_genres WHERE band_id = $1", bid))


def audit(target_type, target_id):
    """The audit entries of one record, oldest first: (action, actor, detail dict, xmin)."""
    return [(a, who, json.loads(d), x) for a, who, d, x in psql(
        "SELECT action, actor, detail::text, xmin::text FROM audit_log "
        "WHERE target_type = $1 AND target_id = $2 ORDER BY id", target_type, target_id)]


def data_version_xmin():
    return psql("SELECT xmin::text FROM data_version")[0][0]


def api_graph():
    r = mgtest.get("/api/graph")
    assert r.status == 200, r
    return r.json()


def new_genre(name, parents=(), primary="", description="", **extra):
    c = client("admin")
    gid = extra.pop("id", None) or slug(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
    r = post(c, "/admin/genres/new", {"id": gid, "name": name, "parent_id": primary,
                                      "parent_genres": list(parents),
                                      "description": description, **extra})
    assert r.status == 303, r
    return gid


def new_band(name, genres=(), primary="", description=""):
    c = client("admin")
    bid = slug(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
    r = post(c, "/admin/bands/new", {"id": bid, "name": name, "primary_genre_id": primary,
                                     "genres": list(genres), "description": description})
    assert r.status == 303, r
    return bid


def edit_fields(c, path):
    """The fields of the edit form at path as a dict (multi-selects as lists)."""
    r = c.get(path)
    html(r, 200)
    tree = check_html(r.body)
    form = [f for f in tree.iter("form") if f.get("action") == path][0]
    out = {}
    for el in form.iter():
        name = el.get("name")
        if not name or name == "csrf_token":
            continue
        if el.tag == "input":
            out[name] = el.get("value", "")
        elif el.tag == "textarea":
            out[name] = (el.text or "").removeprefix("\n")
        elif el.tag == "select":
            chosen = [o.get("value") for o in el.iter("option") if o.get("selected") is not None]
            out[name] = chosen if el.get("multiple") is not None else (chosen or [""])[0]
    return out


# ---------------------------------------------------------------------------------------------
# The admin page

def test_admin_page_lists_everything_with_counts():
    c = client("admin")
    r = c.get("/admin")
    text = html(r, 200)
    assert re.search(r'<script src="/static/js/admin\.js(\?v=[0-9a-f]{12})?" defer></script>', text)
    (ng,) = psql("SELECT count(*) FROM genres")[0]
    (nb,) = psql("SELECT count(*) FROM bands")[0]
    plain = page_text(r.body)
    assert f"Genres ({ng})" in plain and f"Bands ({nb})" in plain, plain[:300]
    tree = check_html(r.body)
    tables = [t for t in tree.iter("table") if "admin-table" in (t.get("class") or "")]
    assert len(tables) == 2
    genre_rows = tables[0].find("tbody").findall("tr")
    band_rows = tables[1].find("tbody").findall("tr")
    assert len(genre_rows) == int(ng) and len(band_rows) == int(nb)
    # sorted by name without the script
    names = [" ".join(tr.find("td").itertext()).strip().lower() for tr in genre_rows]
    assert names[:50] == sorted(names[:50], key=str.lower) or names == sorted(names), names[:10]
    # each row: an Edit link and a Delete button posting (with the CSRF token) to delete
    metal = [tr for tr in genre_rows if tr.find("td/code") is not None
             and tr.find("td/code").text == "metal"][0]
    cells = ["".join(td.itertext()).strip() for td in metal.findall("td")]
    (np, nc, nbands) = psql("SELECT (SELECT count(*) FROM genre_parents WHERE genre_id = 'metal'),"
                            " (SELECT count(*) FROM genre_parents WHERE parent_id = 'metal'),"
                            " (SELECT count(*) FROM band_genres WHERE genre_id = 'metal')")[0]
    assert cells[4:7] == [np, nc, nbands], cells
    assert metal.find(".//a[@href='/admin/genres/metal/edit']") is not None
    button = metal.find(".//button[@formaction='/admin/genres/metal/delete']")
    assert button is not None and button.get("data-confirm")
    form = [f for f in tree.iter("form") if f.find(".//table") is tables[0]][0]
    assert form.get("method") == "post"
    assert form.find(".//input[@name='csrf_token']").get("value")
    # the recent changes and the whole log
    assert tree.find(".//a[@href='/admin/audit']") is not None
    assert "Recent changes" in plain


def test_admin_script_is_served_on_admin_pages_only():
    assert "admin.js" not in mgtest.get("/genres").text
    assert "admin.js" not in client("admin").get("/account").text
    r = mgtest.get("/static/js/admin.js")
    assert r.status == 200, r
    assert "javascript" in r.header("Content-Type", ""), r.header("Content-Type")
    assert b"confirm(" in r.body and b"slugify" in r.body


# ---------------------------------------------------------------------------------------------
# Genres

def test_genre_create_edit_delete():
    c = client("admin")
    admin = _users["admin"]
    r = c.get("/admin/genres/new")
    text = html(r, 200)
    f = form_fields(r.body, "/admin/genres/new")
    assert {"csrf_token", "id", "name", "parent_id", "parent_genres", "description"} <= set(f)
    assert 'select name="parent_genres" id="f-parent_genres" multiple' in text
    assert '<select name="parent_id" id="f-parent_id"' in text
    assert '<button class="button button-secondary" type="submit" name="preview" value="1">' in text

    gid = slug("polka-core")
    before = api_graph()["version"]
    r = post(c, "/admin/genres/new", {"id": gid, "name": "Polka Core", "parent_id": "metal",
                                      "parent_genres": ["metal", "rock"],
                                      "description": "Fast *polka*.\r\nLoud."})
    assert r.status == 303 and location(r) == f"/genres/{gid}", r
    text = follow(c, r)
    assert 'Genre &quot;Polka Core&quot; added.' in text
    assert genre_row(gid) == ("Polka Core", "metal", "Fast *polka*.\nLoud.", "1")
    assert parents_of(gid) == ["metal", "rock"]
    entries = audit("genre", gid)
    assert [e[0] for e in entries] == ["genre.create"] and entries[0][1] == admin["username"]
    assert entries[0][2] == {"after": {"name": "Polka Core", "parent_id": "metal",
                                       "parents": ["metal", "rock"],
                                       "description_md": "Fast *polka*.\nLoud."}}
    assert entries[0][3] == data_version_xmin(), "audit row not in the change's transaction"
    g = api_graph()  # the next request sees it
    assert g["version"] > before
    mine = [x for x in g["genres"] if x["id"] == gid][0]
    assert mine["parent_id"] == "metal" and sorted(mine["parents"]) == ["metal", "rock"]

    # edit: slug read-only, version hidden, current values
    path = f"/admin/genres/{gid}/edit"
    fields = edit_fields(c, path)
    assert "id" not in fields and fields["version"] == "1", fields
    assert fields["parent_id"] == "metal" and sorted(fields["parent_genres"]) == ["metal", "rock"]
    assert fields["description"] == "Fast *polka*.\nLoud."
    text = html(c.get(path), 200)
    assert re.search(r'<input type="text" id="f-id" value="' + gid + '" readonly', text)
    fields.update(name="Polka Core II", parent_id="rock", parent_genres=["rock"])
    r = post(c, path, fields)
    assert r.status == 303 and location(r) == "/admin", r
    assert 'Genre &quot;Polka Core II&quot; updated.' in follow(c, r)
    assert genre_row(gid)[:2] == ("Polka Core II", "rock") and genre_row(gid)[3] == "2"
    assert parents_of(gid) == ["rock"]
    entries = audit("genre", gid)
    assert entries[-1][0] == "genre.update"
    assert entries[-1][2] == {"before": {"name": "Polka Core", "parent_id": "metal",
                                         "parents": ["metal", "rock"]},
                              "after": {"name": "Polka Core II", "parent_id": "rock",
                                        "parents": ["rock"]}}, entries[-1][2]
    assert entries[-1][3] == psql("SELECT xmin::text FROM genres WHERE id = $1", gid)[0][0]
    mine = [x for x in api_graph()["genres"] if x["id"] == gid][0]
    assert mine["name"] == "Polka Core II" and mine["parents"] == ["rock"]

    # saving the same values again changes nothing and writes no audit entry
    fields = edit_fields(c, path)
    r = post(c, path, fields)
    assert r.status == 303, r
    assert "was not changed" in follow(c, r)
    assert len(audit("genre", gid)) == 2 and genre_row(gid)[3] == "2"

    # delete (confirmed, as admin.js sends it)
    r = post(c, f"/admin/genres/{gid}/delete", {"version": "2", "confirm": "1"})
    assert r.status == 303 and location(r) == "/admin", r
    assert 'Genre &quot;Polka Core II&quot; deleted.' in follow(c, r)
    assert genre_row(gid) is None and parents_of(gid) == []
    entries = audit("genre", gid)
    assert entries[-1][0] == "genre.delete"
    assert entries[-1][2] == {"before": {"name": "Polka Core II", "parent_id": "rock",
                                         "parents": ["rock"],
                                         "description_md": "Fast *polka*.\nLoud.",
                                         "aliases": []}}
    assert entries[-1][3] == data_version_xmin()
    assert gid not in {x["id"] for x in api_graph()["genres"]}


def test_genre_delete_without_script_asks_first():
    c = client("admin")
    gid = new_genre("Ask First")
    r = post(c, f"/admin/genres/{gid}/delete", {"version": genre_row(gid)[3]})
    text = html(r, 200)
    assert "Delete the genre “Ask First”?" in text
    f = form_fields(r.body, f"/admin/genres/{gid}/delete")
    assert f["confirm"] == "1" and f["version"] == genre_row(gid)[3] and f["csrf_token"]
    assert genre_row(gid) is not None, "the first step deleted"
    r = post(c, f"/admin/genres/{gid}/delete", {"version": f["version"], "confirm": "1"})
    assert r.status == 303 and genre_row(gid) is None, r


def test_genre_validation_reports_every_error_at_once():
    c = client("admin")
    r = post(c, "/admin/genres/new", {"id": "", "name": "  ", "parent_id": "",
                                      "description": ""})
    text = html(r, 422)
    assert "Genre ID is required" in text and "Name is required" in text

    r = post(c, "/admin/genres/new", {"id": "Bad Slug", "name": "Kept <Name>",
                                      "parent_id": "rock", "parent_genres": ["metal", "nope-x"],
                                      "description": "kept description"})
    text = html(r, 422)
    plain = page_text(r.body)
    assert "A genre ID has lowercase letters, digits and single hyphens" in plain
    assert "Parent genre 'nope-x' does not exist" in plain
    assert "The primary parent must be one of the selected parents" in plain
    # refilled: name, slug, description, selections
    f = form_fields(r.body, "/admin/genres/new")
    assert f["name"] == "Kept <Name>" and f["id"] == "Bad Slug"
    assert f["description"].strip() == "kept description" and f["parent_id"] == "rock"
    assert '<option value="metal" selected>' in text

    for bad in ("-a", "a--b", "a-", "ab_c", "x" * 65, "É"):
        r = post(c, "/admin/genres/new", {"id": bad, "name": "N"})
        assert "A genre ID has lowercase letters" in html(r, 422), bad

    r = post(c, "/admin/genres/new", {"id": "metal", "name": "Metal again"})
    assert "Genre ID &#39;metal&#39; already exists" in html(r, 422)

    gid = slug("selfish")
    r = post(c, "/admin/genres/new", {"id": gid, "name": "Selfish", "parent_id": gid,
                                      "parent_genres": [gid]})
    assert "A genre cannot be its own parent" in html(r, 422)
    r = post(c, "/admin/genres/new", {"id": gid, "name": "x" * 201})
    assert "The name can have at most 200 characters" in html(r, 422)
    r = post(c, "/admin/genres/new", {"id": gid, "name": "two\nlines"})
    assert "control characters" in html(r, 422)
    r = post(c, "/admin/genres/new", {"id": gid, "name": "Long", "description": "d" * 20001})
    assert "The description can have at most 20,000 characters" in html(r, 422)
    r = post(c, "/admin/genres/new", {"id": gid, "name": "Two", "parent_genres": ["metal", "rock"]})
    assert "Choose the primary parent among the selected parents" in html(r, 422)
    assert genre_row(gid) is None

    # a primary parent alone counts as selected; one parent alone is the primary one
    gid = new_genre("Only Primary", primary="metal")
    assert genre_row(gid)[1] == "metal" and parents_of(gid) == ["metal"]
    gid = new_genre("Only One", parents=["rock"])
    assert genre_row(gid)[1] == "rock" and parents_of(gid) == ["rock"]
    gid = new_genre("A Root")
    assert genre_row(gid)[1] == "" and parents_of(gid) == []


def test_genre_edit_refuses_a_cycle():
    c = client("admin")
    # metal <- death-metal: making death-metal a parent of metal closes the loop
    path = "/admin/genres/metal/edit"
    fields = edit_fields(c, path)
    old = genre_row("metal")
    fields.update(parent_id="death-metal", parent_genres=["death-metal"])
    r = post(c, path, fields)
    html(r, 422)
    plain = page_text(r.body)
    assert "These parents would make a cycle: metal → death metal → metal" in plain, plain
    assert genre_row("metal") == old and parents_of("metal") == []
    # a longer one, through genres made here
    a = new_genre("Cycle A")
    b = new_genre("Cycle B", parents=[a])
    d = new_genre("Cycle D", parents=[b])
    fields = edit_fields(c, f"/admin/genres/{a}/edit")
    fields.update(parent_id="rock", parent_genres=["rock", d])
    r = post(c, f"/admin/genres/{a}/edit", fields)
    html(r, 422)
    assert "Cycle A → Cycle D → Cycle B → Cycle A" in page_text(r.body)
    assert parents_of(a) == []
    # self
    fields.update(parent_id=a, parent_genres=[a])
    r = post(c, f"/admin/genres/{a}/edit", fields)
    assert "A genre cannot be its own parent" in html(r, 422)
    # the same edit without the cycle goes through
    fields.update(parent_id="rock", parent_genres=["rock"])
    assert post(c, f"/admin/genres/{a}/edit", fields).status == 303


def race(sql, *params, hold=0.8):
    """Run sql in a transaction that holds the data_version row lock for `hold` seconds
    before it commits (in a thread); returns the thread once the lock is taken."""
    ready = threading.Event()

    # named, so that only this transaction's lock counts (other tests run at the same time
    # and take the same lock for their own writes)
    name = f"mg-race-{secrets.token_hex(4)}"

    def run():
        psql(f"SET application_name = '{name}'; BEGIN; "
             "SELECT version FROM data_version WHERE singleton FOR UPDATE; " + sql
             + f"; SELECT pg_sleep({hold}); COMMIT;", *params)

    t = threading.Thread(target=run)
    t.start()
    wait_locked = time.monotonic() + 10
    while time.monotonic() < wait_locked and not ready.is_set():
        rows = psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE c.relname = 'data_version' AND l.mode = 'RowShareLock' "
                    "AND l.granted AND a.application_name = $1", name)
        if int(rows[0][0]) > 0:
            ready.set()
        else:
            time.sleep(0.05)
    assert ready.is_set(), "the racing transaction did not start"
    return t


def test_database_backstops_races_with_the_same_messages():
    """Validation passes on the graph as it was; a transaction that commits meanwhile makes
    the write fail in the database (cycle trigger MG001, primary key): same messages."""
    c = client("admin")
    a = new_genre("Race A")
    b = new_genre("Race B")
    path = f"/admin/genres/{a}/edit"
    fields = edit_fields(c, path)
    fields.update(parent_id=b, parent_genres=[b])
    items = [("csrf_token", token(c))] + [(k, x) for k, v in fields.items()
                                          for x in (v if isinstance(v, list) else [v])]
    t = race("UPDATE genres SET parent_id = $1 WHERE id = $2; "
             "INSERT INTO genre_parents VALUES ($2, $1)", a, b)
    t0 = time.monotonic()
    r = c.post(path, items)  # waits for the lock, then the trigger refuses
    assert time.monotonic() - t0 > 0.3, "the request did not wait for the racing change"
    t.join()
    html(r, 422)
    assert "These parents would make a cycle: Race A → Race B → Race A" in page_text(r.body)
    assert parents_of(a) == [] and parents_of(b) == [a]

    gid = slug("race-taken")
    items = [("csrf_token", token(c)), ("id", gid), ("name", "Mine"), ("description", "")]
    t = race("INSERT INTO genres (id, name) VALUES ($1, 'Theirs')", gid)
    r = c.post("/admin/genres/new", items)
    t.join()
    html(r, 422)
    assert f"Genre ID '{gid}' already exists" in page_text(r.body)
    assert genre_row(gid)[0] == "Theirs"


def test_genre_delete_refusals_name_the_dependents():
    c = client("admin")
    p = new_genre("Parent Genre")
    new_genre("Kid Two", parents=[p])
    new_genre("Kid One", parents=[p])
    new_band("Band Zed", genres=[p])
    new_band("Band Amp", genres=[p])
    version = genre_row(p)[3]
    r = post(c, f"/admin/genres/{p}/delete", {"version": version, "confirm": "1"})
    html(r, 409)
    plain = page_text(r.body)
    assert "Cannot delete 'Parent Genre': it has subgenres: Kid One, Kid Two" in plain, plain
    assert "Cannot delete 'Parent Genre': it is the primary genre of: Band Amp, Band Zed" in plain
    assert not [f for f in check_html(r.body).iter("form")
                if f.get("action") == f"/admin/genres/{p}/delete"], "no delete button"
    assert genre_row(p) is not None
    # the first (no-script) step says so too, without a delete button
    r = post(c, f"/admin/genres/{p}/delete", {"version": version})
    assert "it has subgenres: Kid One, Kid Two" in page_text(r.body)
    html(r, 200)


def test_genre_delete_drops_secondary_band_links():
    c = client("admin")
    main = new_genre("Main Style")
    side = new_genre("Side Style", parents=[main])
    bid = new_band("Two Styles", genres=[main, side], primary=main)
    band_version = band_row(bid)[3]
    r = post(c, f"/admin/genres/{side}/delete", {"version": genre_row(side)[3], "confirm": "1"})
    assert r.status == 303, r
    assert genre_row(side) is None and genres_of(bid) == [main]
    assert int(band_row(bid)[3]) == int(band_version) + 1, "the band's version moves"
    entries = audit("band", bid)
    assert entries[-1][0] == "band.update"
    assert entries[-1][2] == {"before": {"genres": sorted([main, side])},
                              "after": {"genres": [main]}}
    assert entries[-1][3] == audit("genre", side)[-1][3], "one transaction"


def test_genre_stale_edit_and_delete():
    c = client("admin")
    gid = new_genre("Stale Genre", parents=["rock"])
    path = f"/admin/genres/{gid}/edit"
    fields = edit_fields(c, path)
    psql("UPDATE genres SET name = 'Changed Elsewhere' WHERE id = $1", gid)
    fields.update(name="My Typing", description="typed text")
    r = post(c, path, fields)
    text = html(r, 409)
    assert STALE_GENRE in page_text(r.body)
    f = form_fields(r.body, path)
    assert f["name"] == "My Typing" and f["description"].strip() == "typed text"
    assert f["version"] == fields["version"], "kept what the form was loaded with"
    assert genre_row(gid)[0] == "Changed Elsewhere"
    # a link change elsewhere moves the version too
    fields = edit_fields(c, path)
    psql("INSERT INTO genre_parents VALUES ($1, 'metal')", gid)
    fields.update(name="Again")
    assert STALE_GENRE in page_text(post(c, path, fields).body)
    # and a stale delete is refused, offering the current version
    r = post(c, f"/admin/genres/{gid}/delete", {"version": fields["version"], "confirm": "1"})
    html(r, 409)
    assert STALE_GENRE in page_text(r.body) and genre_row(gid) is not None
    assert form_fields(r.body, f"/admin/genres/{gid}/delete")["version"] == genre_row(gid)[3]
    # a missing or malformed version is stale too
    fields = edit_fields(c, path)
    fields["version"] = "x"
    assert post(c, path, fields).status == 409


def test_genre_preview_renders_markdown_without_saving():
    c = client("admin")
    gid = slug("preview-only")
    md = "**bold** and [a link](https://example.org)\n\n<script>alert(1)</script>"
    r = post(c, "/admin/genres/new", {"id": gid, "name": "Preview Only", "description": md,
                                      "preview": "1"})
    text = html(r, 200)
    assert "<strong>bold</strong>" in text and 'href="https://example.org"' in text
    assert "<script>alert" not in text
    assert form_fields(r.body, "/admin/genres/new")["description"].strip() == md.strip()
    assert genre_row(gid) is None
    gid = new_genre("Preview Edit", description="old")
    path = f"/admin/genres/{gid}/edit"
    fields = edit_fields(c, path)
    fields.update(description="# Title", preview="1")
    r = post(c, path, fields)
    assert "<h1>Title</h1>" in html(r, 200)
    assert genre_row(gid)[2] == "old"


def test_unknown_records_are_404():
    c = client("admin")
    for path in ("/admin/genres/no-such-genre/edit", "/admin/bands/no-such-band/edit"):
        html(c.get(path), 404)
    html(post(c, "/admin/genres/no-such-genre/delete", {"confirm": "1"}), 404)
    html(post(c, "/admin/bands/no-such-band/delete", {"confirm": "1"}), 404)


# ---------------------------------------------------------------------------------------------
# Bands

def test_band_create_edit_delete():
    c = client("admin")
    r = c.get("/admin/bands/new")
    text = html(r, 200)
    f = form_fields(r.body, "/admin/bands/new")
    assert {"csrf_token", "id", "name", "primary_genre_id", "genres", "description"} <= set(f)
    assert 'select name="genres" id="f-genres" multiple' in text

    bid = slug("the-testers")
    r = post(c, "/admin/bands/new", {"id": bid, "name": "The Testers",
                                     "primary_genre_id": "metal",  # not a leaf: allowed
                                     "genres": ["metal", "death-metal"], "description": "Loud."})
    assert r.status == 303 and location(r) == f"/bands/{bid}", r
    assert 'Band &quot;The Testers&quot; added.' in follow(c, r)
    assert band_row(bid) == ("The Testers", "metal", "Loud.", "1")
    assert genres_of(bid) == ["death-metal", "metal"]
    entries = audit("band", bid)
    assert entries[0][0] == "band.create" and entries[0][2] == {
        "after": {"name": "The Testers", "primary_genre_id": "metal",
                  "genres": ["death-metal", "metal"], "description_md": "Loud."}}
    assert entries[0][3] == data_version_xmin()
    mine = [x for x in api_graph()["bands"] if x["id"] == bid][0]
    assert mine["primary_genre_id"] == "metal" and mine["genres"][0] == "metal"

    path = f"/admin/bands/{bid}/edit"
    fields = edit_fields(c, path)
    assert "id" not in fields and fields["version"] == "1"
    assert fields["primary_genre_id"] == "metal"
    assert sorted(fields["genres"]) == ["death-metal", "metal"]
    fields.update(primary_genre_id="death-metal", genres=["death-metal", "rock"])
    r = post(c, path, fields)
    assert r.status == 303 and location(r) == "/admin", r
    assert 'Band &quot;The Testers&quot; updated.' in follow(c, r)
    assert band_row(bid)[1] == "death-metal" and genres_of(bid) == ["death-metal", "rock"]
    entries = audit("band", bid)
    assert entries[-1][2] == {"before": {"primary_genre_id": "metal",
                                         "genres": ["death-metal", "metal"]},
                              "after": {"primary_genre_id": "death-metal",
                                        "genres": ["death-metal", "rock"]}}, entries[-1][2]
    assert entries[-1][3] == psql("SELECT xmin::text FROM bands WHERE id = $1", bid)[0][0]
    mine = [x for x in api_graph()["bands"] if x["id"] == bid][0]
    assert mine["primary_genre_id"] == "death-metal"

    r = post(c, f"/admin/bands/{bid}/delete", {"version": band_row(bid)[3]})
    assert "Delete the band “The Testers”?" in html(r, 200)
    r = post(c, f"/admin/bands/{bid}/delete", {"version": band_row(bid)[3], "confirm": "1"})
    assert r.status == 303 and location(r) == "/admin", r
    assert 'Band &quot;The Testers&quot; deleted.' in follow(c, r)
    assert band_row(bid) is None and genres_of(bid) == []
    entries = audit("band", bid)
    assert entries[-1][0] == "band.delete" and entries[-1][2]["before"]["name"] == "The Testers"
    assert entries[-1][3] == data_version_xmin()
    assert bid not in {x["id"] for x in api_graph()["bands"]}


def test_band_validation_reports_every_error_at_once():
    c = client("admin")
    r = post(c, "/admin/bands/new", {"id": "", "name": "", "primary_genre_id": ""})
    plain = page_text(r.body)
    html(r, 422)
    assert "Band ID is required" in plain and "Name is required" in plain
    assert "A band needs at least one genre" in plain

    bid = slug("valid-band")
    r = post(c, "/admin/bands/new", {"id": "Not OK", "name": "Kept", "primary_genre_id": "rock",
                                     "genres": ["metal", "no-such-genre"]})
    html(r, 422)
    plain = page_text(r.body)
    assert "A band ID has lowercase letters" in plain
    assert "Genre 'no-such-genre' does not exist" in plain
    assert "The primary genre must be one of the selected genres" in plain
    f = form_fields(r.body, "/admin/bands/new")
    assert f["name"] == "Kept" and f["primary_genre_id"] == "rock"

    r = post(c, "/admin/bands/new", {"id": "metallica", "name": "Metallica",
                                     "genres": ["metal"]})
    assert "Band ID &#39;metallica&#39; already exists" in html(r, 422)
    r = post(c, "/admin/bands/new", {"id": bid, "name": "Two", "genres": ["metal", "rock"]})
    assert "Choose the primary genre among the selected genres" in html(r, 422)
    r = post(c, "/admin/bands/new", {"id": bid, "name": "Nope", "primary_genre_id": "zz-none"})
    assert "Genre &#39;zz-none&#39; does not exist" in html(r, 422)
    assert band_row(bid) is None
    # the primary genre alone counts as selected
    bid = new_band("Primary Only", primary="rock")
    assert band_row(bid)[1] == "rock" and genres_of(bid) == ["rock"]
    bid = new_band("One Genre", genres=["metal"])
    assert band_row(bid)[1] == "metal" and genres_of(bid) == ["metal"]


def test_band_stale_edit():
    c = client("admin")
    bid = new_band("Stale Band", genres=["rock"])
    path = f"/admin/bands/{bid}/edit"
    fields = edit_fields(c, path)
    psql("INSERT INTO band_genres VALUES ($1, 'metal')", bid)  # a link moves the version
    fields.update(name="Typed Name")
    r = post(c, path, fields)
    html(r, 409)
    assert STALE_BAND in page_text(r.body)
    assert form_fields(r.body, path)["name"] == "Typed Name"
    assert band_row(bid)[0] == "Stale Band"
    r = post(c, f"/admin/bands/{bid}/delete", {"version": fields["version"], "confirm": "1"})
    html(r, 409)
    assert STALE_BAND in page_text(r.body) and band_row(bid) is not None


def test_band_preview():
    c = client("admin")
    bid = slug("band-preview")
    r = post(c, "/admin/bands/new", {"id": bid, "name": "P", "genres": ["rock"],
                                     "description": "_em_", "preview": "1"})
    assert "<em>em</em>" in html(r, 200) and band_row(bid) is None


# ---------------------------------------------------------------------------------------------
# Access

ADMIN_ROUTES = [
    ("GET", "/admin"), ("GET", "/admin/genres/new"), ("POST", "/admin/genres/new"),
    ("GET", "/admin/genres/metal/edit"), ("POST", "/admin/genres/metal/edit"),
    ("POST", "/admin/genres/metal/delete"), ("GET", "/admin/bands/new"),
    ("POST", "/admin/bands/new"), ("GET", "/admin/bands/metallica/edit"),
    ("POST", "/admin/bands/metallica/edit"), ("POST", "/admin/bands/metallica/delete"),
]


def test_regular_user_is_refused_everywhere():
    c = client("user")
    before = (genre_row("metal"), band_row("metallica"), psql("SELECT count(*) FROM genres"))
    csrf = token(c, "/account")
    crafted = {"csrf_token": csrf, "id": slug("by-user"), "name": "By User", "confirm": "1",
               "version": "1", "genres": "rock", "parent_genres": "rock", "parent_id": "rock",
               "primary_genre_id": "rock"}
    for method, path in ADMIN_ROUTES:
        r = c.request(method, path, crafted if method == "POST" else None)
        assert r.status == 302 and location(r) == "/", (method, path, r)
        text = html(c.get("/"), 200)
        assert "Admin access required." in text, (method, path)
    assert (genre_row("metal"), band_row("metallica"),
            psql("SELECT count(*) FROM genres")) == before
    assert genre_row(slug("by-user")) is None and band_row(slug("by-user")) is None
    # the navigation offers a regular user no admin links
    assert 'href="/admin"' not in c.get("/genres").text


def test_anonymous_is_sent_to_log_in():
    for method, path in ADMIN_ROUTES:
        r = mgtest.request(method, path, {"name": "x"} if method == "POST" else None)
        assert r.status == 302, (method, path, r)
        assert location(r) == "/login?next=" + urllib.parse.quote(path, safe=""), location(r)


# ---------------------------------------------------------------------------------------------
# Escaping

def test_hostile_names_are_escaped():
    c = client("admin")
    evil = '<script>alert("g")</script> & \'q\' "x"'
    gid = new_genre(evil, id=slug("evil-genre"), description="<img src=x onerror=alert(1)>")
    bid = slug("evil-band")
    r = post(c, "/admin/bands/new", {"id": bid, "name": evil.replace("g", "b"),
                                     "genres": [gid]})
    assert r.status == 303, r
    pages = [c.get("/admin"), c.get(f"/admin/genres/{gid}/edit"),
             c.get(f"/admin/bands/{bid}/edit"), c.get("/admin/genres/new"),
             post(c, f"/admin/genres/{gid}/delete", {}), post(c, f"/admin/bands/{bid}/delete", {}),
             post(c, f"/admin/genres/{gid}/edit", {**edit_fields(c, f"/admin/genres/{gid}/edit"),
                                                  "preview": "1"})]
    for r in pages:
        text = html(r)
        assert r.status == 200, r
        assert "<script>alert" not in text and "<img" not in text, r.url
        assert "&lt;script&gt;alert(&quot;" in text, r.url
    # the flash message too
    r = post(c, f"/admin/bands/{bid}/delete", {"confirm": "1"})
    text = follow(c, r)
    assert "<script>alert" not in text and "&lt;script&gt;alert(&quot;b&quot;)" in text


def test_control_characters_are_refused_and_never_reach_a_page():
    c = client("admin")
    gid = slug("ctl-genre")
    for name in ["Ctl\x01Genre", "Ctl\x7fGenre", "Ctl\u0085Genre"]:
        r = post(c, "/admin/genres/new", {"id": gid, "name": name})
        text = html(r, 400)
        assert "control character" in text, text
    assert genre_row(gid) is None, "stored"
    # data that did not come through a form (an import, SQL) is shown with U+FFFD instead
    psql("INSERT INTO genres (id, name, description_md) VALUES ($1, $2, $3)",
         gid, "Ctl\x01Genre", "a\x02b **c**\x7f", superuser=True)
    for path in [f"/genres/{gid}", f"/admin/genres/{gid}/edit", "/admin"]:
        mgtest.wait_until(lambda: "Ctl\ufffdGenre" in c.get(path).text, what=f"{path} shows it")
        text = html(c.get(path), 200)
        assert "\x01" not in text and "\x02" not in text and "\x7f" not in text, path
    assert "a\ufffdb <strong>c</strong>\ufffd" in c.get(f"/genres/{gid}").text


if __name__ == "__main__":
    mgtest.main()
