"""test_observability.py: the request log (one line per request, its id shared with nginx's
access log, no secret in any log) and the Prometheus metrics endpoint (loopback-only nginx
server; counts requests, latencies, worker restarts and database errors)."""
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.request

import mgtest
from mgtest import env, form_fields, get, psql


def log_text(name):
    with open(env(name), encoding="utf-8", errors="replace") as f:
        return f.read()


def log_lines_with(name, needle, timeout=5):
    """The lines of log file env(name) containing needle (waits for nginx/journal flush)."""
    found = []

    def look():
        found[:] = [line for line in log_text(name).splitlines() if needle in line]
        return found

    mgtest.wait_until(look, timeout=timeout, what=f"{needle!r} in {name}")
    return found


def scrape():
    with urllib.request.urlopen(env("MG_METRICS_URL"), timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values


def make_user():
    name = f"obs_{secrets.token_hex(3)}"
    password = "mg-" + secrets.token_urlsafe(15)
    return mgtest.insert_user(name, password), name, password


def test_request_id_ties_the_app_log_to_the_nginx_log():
    r = get("/genres/rock")
    assert r.status == 200
    rid = r.header("X-Request-Id")
    assert rid and re.fullmatch(r"[0-9a-f]{32}", rid), rid  # nginx's $request_id
    (line,) = log_lines_with("MG_SERVER_LOG", f"rid={rid} ")
    assert re.search(rf"request rid={rid} GET /genres/rock 200 [0-9.]+ms user=-$", line), line
    (access,) = log_lines_with("MG_NGINX_ACCESS_LOG", f"rid={rid}")
    assert '"GET /genres/rock HTTP/' in access, access
    # an error answer carries it too, so a user can quote it
    r = get("/genres/no-such-genre-here")
    assert r.status == 404 and re.fullmatch(r"[0-9a-f]{32}", r.header("X-Request-Id"))


def test_log_line_names_the_user_and_never_a_secret():
    uid, name, password = make_user()
    c = mgtest.Client()
    token = form_fields(c.get("/login").body, "/login")["csrf_token"]
    r = c.post("/login", {"username": name, "password": password, "csrf_token": token,
                          "next": "/account"})
    assert r.status == 303, r
    r = c.get("/account")
    assert r.status == 200
    (line,) = log_lines_with("MG_SERVER_LOG", f"rid={r.header('X-Request-Id')} ")
    assert line.endswith(f" GET /account 200 {line.split()[-2]} user={uid}"), line
    # the query string is not logged (the path is)
    r = get("/search?q=" + (probe := "qs" + secrets.token_hex(6)))
    (line,) = log_lines_with("MG_SERVER_LOG", f"rid={r.header('X-Request-Id')} ")
    assert " GET /search 200 " in line and probe not in line, line
    secrets_seen = [password, token] + [v for v in c.cookies.values()]
    for log in ("MG_SERVER_LOG", "MG_NGINX_ACCESS_LOG", "MG_NGINX_ERROR_LOG"):
        text = log_text(log)
        for s in secrets_seen:
            assert len(s) >= 16 and s not in text, (log, "holds a secret")


def test_a_path_cannot_forge_or_split_a_log_line():
    r = get("/genres/x%0A%3C3%3Emaster%5B1%5D:%20forged%20%22q%22")
    assert r.status == 404
    (line,) = log_lines_with("MG_SERVER_LOG", f"rid={r.header('X-Request-Id')} ")
    assert "/genres/x%0A<3>master[1]:%20forged%20%22q%22 404 " in line, line
    assert not any(l.startswith("<3>master[1]") for l in log_text("MG_SERVER_LOG").splitlines())


def test_metrics_are_served_on_the_internal_server_only():
    for headers in ({}, {"Musicgraph-Metrics": "1"}, {"X-Forwarded-For": "127.0.0.1"}):
        r = get("/metrics", headers=headers)
        assert r.status == 404, (headers, r.status)
        assert b"musicgraph_http_requests_total" not in r.body
    before = scrape()
    for _ in range(5):
        assert get("/genres/rock").status == 200
    assert get("/genres/no-such-genre-here").status == 404
    after = scrape()
    ok = 'musicgraph_http_requests_total{code="2xx"}'
    missing = 'musicgraph_http_requests_total{code="4xx"}'
    assert after[ok] >= before[ok] + 5, (before[ok], after[ok])
    assert after[missing] >= before[missing] + 1
    count = "musicgraph_http_request_duration_seconds_count"
    assert after[count] >= before[count] + 6
    assert after['musicgraph_http_request_duration_seconds_bucket{le="+Inf"}'] == after[count]
    buckets = [v for k, v in after.items() if k.startswith(
        "musicgraph_http_request_duration_seconds_bucket")]
    assert buckets == sorted(buckets), "histogram buckets are cumulative"
    assert after["musicgraph_http_request_duration_seconds_sum"] > 0
    assert after["musicgraph_workers"] >= 2
    assert after["musicgraph_start_time_seconds"] <= time.time()


def worker_pids():
    out = subprocess.run(["pgrep", "-P", env("MG_SERVER_PID")], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def test_metrics_count_worker_restarts_and_database_errors():
    before = scrape()
    pids = worker_pids()
    os.kill(pids[0], signal.SIGKILL)
    mgtest.wait_until(lambda: len(worker_pids()) == len(pids) and pids[0] not in worker_pids(),
                      timeout=10, what="the killed worker to be replaced")
    mgtest.wait_until(lambda: scrape()["musicgraph_worker_restarts_total"] ==
                      before["musicgraph_worker_restarts_total"] + 1, timeout=5,
                      what="the restart to be counted")
    mgtest.stack("stop-db")
    try:
        for _ in range(4):
            assert get("/genres/rock").status == 503
    finally:
        mgtest.stack("start-db")
    mgtest.wait_until(lambda: get("/healthz").status == 200, timeout=15,
                      what="the database to be back")
    after = scrape()
    assert after["musicgraph_database_errors_total"] > before["musicgraph_database_errors_total"]
    assert after['musicgraph_http_requests_total{code="5xx"}'] >= \
        before['musicgraph_http_requests_total{code="5xx"}'] + 4


if __name__ == "__main__":
    mgtest.main()
