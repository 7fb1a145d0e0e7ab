"""Smoke test of the integration harness: the stack answers through nginx over verified TLS,
plain HTTP redirects, the security headers are everywhere, and mgtest's own tools work."""

import os
import http.client
import ssl
import warnings

import mgtest
from mgtest import (assert_security_headers, assert_status, check_html, env, get, psql,
                    raw_request, request)


def _static_file():
    """A file nginx serves from app/static (the built bundle if there is one)."""
    root = os.path.join(env("MG_SOURCE_DIR"), "app", "static")
    preferred = os.path.join(root, "js", "graph.bundle.js")
    if os.path.isfile(preferred):
        return "/static/js/graph.bundle.js", preferred
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            return "/static/" + os.path.relpath(full, root).replace(os.sep, "/"), full
    raise AssertionError(f"{root} holds no file to test static serving with")


def test_healthz_over_verified_tls():
    r = get("/healthz")
    assert_status(r, 200)
    assert r.body.strip() == b"ok", r
    assert_security_headers(r)


def test_certificate_from_an_unknown_ca_is_refused():
    # Python's default trust store does not hold the development CA: the handshake must fail,
    # which shows that get() above really verified the certificate.
    _, host, port = mgtest._base()
    conn = http.client.HTTPSConnection(host, port, timeout=10, context=ssl.create_default_context())
    try:
        conn.request("GET", "/healthz")
        conn.getresponse()
    except ssl.SSLCertVerificationError:
        return
    finally:
        conn.close()
    raise AssertionError("a certificate not signed by a trusted CA was accepted")


def test_tls_1_2_and_1_3_only():
    _, host, port = mgtest._base()
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = mgtest.ssl_context()
        ctx.minimum_version = ctx.maximum_version = version
        conn = http.client.HTTPSConnection(host, port, timeout=10, context=ctx)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        assert conn.sock.version() == version.name.replace("_", "."), conn.sock.version()
        conn.close()
    old = mgtest.ssl_context()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old.set_ciphers("DEFAULT:@SECLEVEL=0")
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ssl.SSLError, ValueError):
        mgtest.skip("this OpenSSL cannot even offer TLS 1.1")
    conn = http.client.HTTPSConnection(host, port, timeout=10, context=old)
    try:
        conn.request("GET", "/healthz")
        raise AssertionError("a TLS 1.1 handshake succeeded")
    except ssl.SSLError:
        pass
    finally:
        conn.close()


def test_http_redirects_to_https():
    r = request("GET", "/genres?sort=name&q=a%20b", base_url=env("MG_HTTP_URL"))
    assert_status(r, 301)
    assert r.header("Location") == env("MG_BASE_URL") + "/genres?sort=name&q=a%20b", r


def test_security_headers_on_a_static_file():
    path, full = _static_file()
    r = get(path)
    assert_status(r, 200)
    with open(full, "rb") as f:
        assert r.body == f.read(), f"{path}: body differs from {full}"
    assert_security_headers(r)
    assert r.header("Cache-Control") == "public, max-age=3600", r


def test_static_text_is_gzipped_when_asked():
    path, full = _static_file()
    if os.path.getsize(full) < 1024 or not path.endswith((".js", ".css", ".svg", ".json")):
        mgtest.skip(f"{path} is too small or not text")
    r = get(path, headers={"Accept-Encoding": "gzip"})
    assert_status(r, 200)
    assert r.header("Content-Encoding") == "gzip", r
    assert_security_headers(r)


def test_security_headers_on_404s():
    # nginx's own 404 (a missing static file): no caching of a 404
    r = get("/static/no-such-file-4b1d.css")
    assert_status(r, 404)
    assert_security_headers(r)
    assert r.header("Cache-Control") is None, r
    # the app's 404
    r = get("/no-such-page-4b1d")
    assert_status(r, 404)
    assert_security_headers(r)


def test_favicon_is_answered_by_nginx():
    r = get("/favicon.ico")
    assert_status(r, 200, 204)
    assert_security_headers(r)


def test_raw_sender_sends_what_http_client_refuses():
    # bad percent-encoding and a NUL byte in the path: refused (by nginx or the app) with a
    # 400 that still carries the security headers
    for target in (b"/genres/%zz", b"/genres/a\x00b"):
        r = raw_request("GET", target)
        assert_status(r, 400)
        assert_security_headers(r)
    # invalid UTF-8 in the path reaches the app: any clean 4xx answer, never a 5xx
    r = raw_request("GET", b"/genres/\xff\xfe")
    assert 400 <= r.status < 500, r
    assert_security_headers(r)


def test_nginx_body_limit_is_above_the_apps():
    # nginx refuses bodies over 2 MiB itself (Content-Length is enough to tell)
    r = raw_request("POST", "/genres", headers={"Content-Length": str(3 * 1024 * 1024),
                                                "Content-Type": "application/x-www-form-urlencoded"})
    assert_status(r, 413)
    assert_security_headers(r)


def test_psql_helper():
    assert psql("SELECT $1::int + 1, $2::text, NULL::text", 41, "it's") == [("42", "it's", None)]
    assert psql("SELECT current_database()")[0][0] == env("PGDATABASE")
    rows = psql("SELECT x, 'a,b\n\"c\"' FROM generate_series(1, 3) AS x")
    assert rows == [(str(i), 'a,b\n"c"') for i in (1, 2, 3)], rows
    assert psql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", superuser=True) == [("t",)]


def test_check_html_is_strict():
    check_html(b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>t</title></head>"
               b"<body><p>ok</p></body></html>")
    for bad in (b"<html><title>no doctype</title></html>",
                b"<!DOCTYPE html><title>t</title><p><div></span></div>",
                b"<!DOCTYPE html><title>t</title>\xff"):
        try:
            check_html(bad)
        except AssertionError:
            continue
        raise AssertionError(f"check_html accepted {bad!r}")


if __name__ == "__main__":
    mgtest.main()
