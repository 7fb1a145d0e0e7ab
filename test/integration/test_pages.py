"""test_pages.py: the graph page, /api/graph, genre and band pages, errors and headers,
checked over HTTPS through nginx against what the database holds."""
import json
import re

import mgtest
from mgtest import get, psql, check_html, raw_request

SECURITY_HEADERS = ["strict-transport-security", "content-security-policy",
                    "x-content-type-options", "referrer-policy"]


def header(headers, name):
    """The first value of a header, case-insensitively, or None."""
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def assert_security_headers(headers):
    for h in SECURITY_HEADERS:
        assert header(headers, h), f"missing {h}"
    csp = header(headers, "content-security-policy")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "unsafe-inline" not in csp, csp
    assert header(headers, "x-content-type-options") == "nosniff"


def get_when(path, ok, headers=None):
    """GET path until ok(response) holds, for at most 5 s. A change made with psql reaches the
    workers as a notification, milliseconds after its commit (docs/architecture.md, "The
    graph cache"): a worker may answer from the data just before it until then."""
    def attempt():
        r = get(path, headers)
        return r if ok(r) else None
    return mgtest.wait_until(attempt, timeout=5, interval=0.02, what=f"GET {path} to show it")


def test_home_page_is_a_static_shell():
    status, headers, body = get("/")
    assert status == 200, status
    check_html(body)
    text = body.decode()
    # (?v=: the file's fingerprint, see test_install.sh)
    assert re.search(r'<script src="/static/js/graph\.bundle\.js(\?v=[0-9a-f]{12})?" defer></script>',
                     text), text[:600]
    # no inline script: every <script has a src
    assert text.count("<script") == text.count("<script src="), "inline script found"
    assert 'id="graph"' in text and 'id="search"' in text
    assert_security_headers(headers)


def test_api_graph_matches_database():
    (version,) = psql("SELECT version FROM data_version")[0]
    # the last change (an earlier test's, with psql) may be a few milliseconds old
    status, headers, body = get_when("/api/graph", lambda r: r.status == 200 and
                                     json.loads(r.body)["version"] == int(version))
    assert header(headers, "content-type").startswith("application/json")
    doc = json.loads(body)
    genres = {g["id"]: g for g in doc["genres"]}
    bands = {b["id"]: b for b in doc["bands"]}
    (ngenres,) = psql("SELECT count(*) FROM genres")[0]
    (nbands,) = psql("SELECT count(*) FROM bands")[0]
    assert len(genres) == int(ngenres) and len(bands) == int(nbands)
    assert len(genres) >= 2184 and len(bands) >= 394, (len(genres), len(bands))
    for gid, gtype in psql("SELECT id, type FROM genre_types"):
        assert genres[gid]["type"] == gtype, gid
    edges = psql("SELECT genre_id, parent_id FROM genre_parents")
    assert sum(len(g["parents"]) for g in genres.values()) == len(edges)
    for gid, pid in edges:
        assert pid in genres[gid]["parents"]
    for gid, pid in psql("SELECT id, coalesce(parent_id, '') FROM genres"):
        assert (genres[gid]["parent_id"] or "") == pid
        if pid:
            assert genres[gid]["parents"][0] == pid, "primary parent first"
    for g in genres.values():
        assert set(g) >= {"id", "name", "type", "parent_id", "parents", "description_html"}
    for bid, gid in psql("SELECT band_id, genre_id FROM band_genres"):
        assert gid in bands[bid]["genres"]
    for bid, pg in psql("SELECT id, primary_genre_id FROM bands"):
        assert bands[bid]["primary_genre_id"] == pg and bands[bid]["genres"][0] == pg
    # types follow the graph: root has no parent; leaf has no children
    children = {pid for _, pid in edges}
    for g in genres.values():
        if not g["parents"]:
            assert g["type"] == "root"
        elif g["id"] in children:
            assert g["type"] == "intermediate"
        else:
            assert g["type"] == "leaf"


def test_api_graph_etag_and_304():
    status, headers, _ = get("/api/graph")
    etag = header(headers, "etag")
    assert status == 200 and etag and etag.startswith('"'), etag
    status, headers, body = get("/api/graph", {"If-None-Match": etag})
    assert status == 304 and body == b"", status
    status, _, _ = get("/api/graph", {"If-None-Match": '"other", ' + etag})
    assert status == 304
    status, _, _ = get("/api/graph", {"If-None-Match": '"stale"'})
    assert status == 200
    # any write moves the version, and with it the ETag
    psql("INSERT INTO genres (id, name) VALUES ('etag-probe', 'etag probe')")
    try:
        status, headers2, body = get_when("/api/graph", lambda r: r.status == 200,
                                          {"If-None-Match": etag})
        assert header(headers2, "etag") != etag
        assert "etag-probe" in {g["id"] for g in json.loads(body)["genres"]}
    finally:
        psql("DELETE FROM genres WHERE id = 'etag-probe'")


def test_genre_and_band_pages():
    status, _, body = get("/genres/death-metal")
    assert status == 200, status
    check_html(body)
    text = body.decode()
    assert "<h1>death metal</h1>" in text
    assert 'href="/bands/death"' in text, "bands of the genre are listed"
    (parent,) = psql("SELECT parent_id FROM genres WHERE id = 'death-metal'")[0]
    assert f'href="/genres/{parent}"' in text
    status, _, body = get("/bands/metallica")
    assert status == 200
    check_html(body)
    assert "<h1>Metallica</h1>" in body.decode()
    assert 'href="/genres/thrash-metal"' in body.decode()
    for path in ("/genres", "/bands", "/search?q=metal"):
        status, _, body = get(path)
        assert status == 200, path
        check_html(body)


def test_unknown_slug_is_404():
    for path in ("/genres/no-such-genre", "/bands/no-such-band", "/nowhere",
                 "/genres/a/b"):
        status, headers, body = get(path)
        assert status == 404, (path, status)
        check_html(body)
        assert_security_headers(headers)
    status, headers, body = get("/api/nowhere")
    assert status == 404 and json.loads(body)["status"] == 404


def test_hostile_names_are_escaped():
    evil = "<script>alert(1)</script> \"q\" 'a' & Motörhead ☃"
    psql("INSERT INTO genres (id, name) VALUES ('evil-genre', $1)", evil)
    psql("BEGIN; INSERT INTO bands (id, name, primary_genre_id) VALUES ('evil-band', $1, "
         "'evil-genre'); INSERT INTO band_genres VALUES ('evil-band', 'evil-genre'); COMMIT",
         evil)
    try:
        escaped = ("&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;a&#39; &amp; "
                   "Motörhead ☃")
        for path in ("/genres/evil-genre", "/bands/evil-band", "/genres", "/bands",
                     "/search?q=script"):
            status, _, body = get_when(path, lambda r: r.status == 200 and b"evil-" in r.body)
            check_html(body)
            text = body.decode()
            assert "<script>alert" not in text, path
            assert escaped in text, path
        status, _, body = get_when("/api/graph", lambda r: b'"evil-band"' in r.body)
        assert b"<script>" not in body
        doc = json.loads(body)
        assert {g["id"]: g["name"] for g in doc["genres"]}["evil-genre"] == evil
        assert {b["id"]: b["name"] for b in doc["bands"]}["evil-band"] == evil
    finally:
        psql("DELETE FROM bands WHERE id = 'evil-band'")
        psql("DELETE FROM genres WHERE id = 'evil-genre'")


def test_markdown_description_is_safe():
    md = ("**Loud** music. <script>alert(1)</script> <img src=x onerror=alert(1)> "
          "[click](javascript:alert(1)) [ok](https://example.org/)")
    psql("UPDATE genres SET description_md = $1 WHERE id = 'grindcore'", md)
    try:
        status, _, body = get_when("/genres/grindcore", lambda r: b"<strong>Loud" in r.body)
        check_html(body)
        text = body.decode()
        assert "<strong>Loud</strong>" in text
        assert "<script>alert" not in text and "onerror" not in text
        assert "javascript:" not in text
        assert 'href="https://example.org/"' in text
        doc = json.loads(get_when("/api/graph", lambda r: b"Loud" in r.body)[2])
        html = {g["id"]: g for g in doc["genres"]}["grindcore"]["description_html"]
        assert "<strong>Loud</strong>" in html and "javascript:" not in html
        assert "<script>" not in html and "onerror" not in html
    finally:
        psql("UPDATE genres SET description_md = '' WHERE id = 'grindcore'")


def test_malformed_requests_get_400():
    for target in ("/genres/%zz", "/genres/a%00b", "/genres/%ff", "/genres/%C0%AF",
                   "/search?q=%", "/search?q=%00", "/search?q=%e2%82"):
        status, _, body = raw_request("GET", target)
        assert status == 400, (target, status)
        check_html(body)


def test_oversized_body_gets_413():
    big = b"x=" + b"a" * (1024 * 1024 + 100)
    status, _, body = mgtest.request("POST", "/search", big,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413, status
    check_html(body)


def test_method_not_allowed_and_head():
    status, headers, _ = mgtest.request("POST", "/", b"", {})
    assert status == 405, status
    status, headers, body = mgtest.request("HEAD", "/genres/rock", None, {})
    assert status == 200 and body == b""
    assert int(header(headers, "content-length")) > 0


def test_static_files_and_redirect():
    status, headers, body = get("/static/css/site.css")
    assert status == 200 and len(body) > 0
    assert_security_headers(headers)
    assert "max-age" in (header(headers, "cache-control") or "")
    status, headers, _ = raw_request("GET", "/genres/rock", tls=False)
    assert status in (301, 308), status
    assert header(headers, "location").startswith("https://")


if __name__ == "__main__":
    mgtest.main()
