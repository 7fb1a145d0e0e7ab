"""test_lifecycle.py: SIGTERM lets a request in progress finish before the server exits;
a statement that runs past the timeout gets a 503 page while other pages keep working."""
import atexit
import os
import secrets
import signal
import subprocess
import threading
import time

import mgtest
from mgtest import get, env, psql


_viewer = []


def viewer():
    """A logged-in client: its pages read data_version first (an anonymous page is served
    from the worker's graph without a query, so nothing would wait on the lock)."""
    if not _viewer:
        name = f"life_{secrets.token_hex(4)}"
        password = "mg-" + secrets.token_urlsafe(15)
        mgtest.insert_user(name, password)
        atexit.register(psql, "DELETE FROM users WHERE username = $1", name)
        c = mgtest.Client()
        fields = mgtest.form_fields(c.get("/login").body, "/login")
        fields.update(username=name, password=password, next="/")
        assert c.post("/login", fields).status == 303
        _viewer.append(c)
    return _viewer[0]


def hold_lock(seconds):
    """Lock data_version (which a logged-in viewer's graph page reads first) for `seconds` in
    a background psql session; returns once the lock is held."""
    url = mgtest._with_user(env("MUSICGRAPH_DATABASE_URL"), "postgres")
    sql = (f"BEGIN; LOCK TABLE data_version IN ACCESS EXCLUSIVE MODE; "
           f"SELECT pg_sleep({seconds}); COMMIT;")
    proc = subprocess.Popen([mgtest._psql_bin(), "-X", "-q", "-d", url, "-c", sql],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    mgtest.wait_until(lambda: psql("SELECT count(*) FROM pg_locks l JOIN pg_class c "
                                   "ON c.oid = l.relation WHERE c.relname = 'data_version' "
                                   "AND l.mode = 'AccessExclusiveLock' AND l.granted",
                                   superuser=True)[0][0] == "1",
                      timeout=10, what="the lock to be held")
    return proc


def in_background(fn):
    result = {}

    def run():
        try:
            result["value"] = fn()
        except Exception as e:  # reported by the caller
            result["error"] = e
    t = threading.Thread(target=run)
    t.start()
    return t, result


def test_sigterm_finishes_the_request_in_progress():
    master = int(env("MG_SERVER_PID"))
    c = viewer()
    locker = hold_lock(1.5)
    try:
        t, result = in_background(lambda: c.get("/genres/rock"))
        time.sleep(0.4)  # the request is now waiting inside a worker
        assert t.is_alive(), "the request should be waiting on the lock"
        os.kill(master, signal.SIGTERM)
        t.join(15)
        assert "error" not in result, result.get("error")
        status, _, body = result["value"]
        assert status == 200, status
        assert b"<h1>rock</h1>" in body
        mgtest.wait_until(lambda: not os.path.exists(f"/proc/{master}"), timeout=10,
                          what="the master to exit")
        # with the server gone nginx cannot reach the application any more
        assert get("/genres/rock")[0] in (502, 503, 504)
    finally:
        locker.wait(10)
        mgtest.stack("restart-server")
    assert get("/genres/rock")[0] == 200


def test_statement_timeout_gets_503_and_other_pages_work():
    # the stack runs the server with a short statement timeout (see stack.sh)
    timeout_ms = int(env("MUSICGRAPH_STATEMENT_TIMEOUT", "5000"))
    c = viewer()
    locker = hold_lock(timeout_ms / 1000 + 2)
    try:
        t0 = time.monotonic()
        status, _, body = c.get("/genres/rock")
        elapsed = time.monotonic() - t0
        assert status == 503, status
        mgtest.check_html(body)
        assert b"took too long" in body
        assert elapsed < timeout_ms / 1000 + 1.5, elapsed
        # a page that needs no database still answers at once
        status, _, _ = get("/static/css/site.css")
        assert status == 200
    finally:
        locker.wait(30)
    assert get("/genres/rock")[0] == 200


if __name__ == "__main__":
    mgtest.main()
