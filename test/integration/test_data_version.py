"""test_data_version.py: how the workers learn that the data changed (MUSICGRAPH_DATA_VERSION,
app/src/db/data_version.c). In listen mode, the default, an anonymous page costs no database
round trip: a change is announced by NOTIFY and seen on every worker within a second; a POST
(an admin's edit) is seen by every following request at once; a logged-in viewer always
reads the version; after a PostgreSQL restart the workers listen again; idle workers keep
reading their notifications. query mode, on a second server, reads the version on every
request.

A "silent" change is made as the superuser with session_replication_role = replica, which
fires no trigger: no data_version bump and no NOTIFY. Only a server that reads data_version
itself can see it, which tells the two modes apart. Every test ends with an ordinary bump, so
the stack's workers are current again afterwards."""
import atexit
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time

import fcgi
import mgtest
from mgtest import env, form_fields, psql
from test_socket import start, stop, wait_answers

RUN = secrets.token_hex(3)
GID = f"zdv{RUN}"  # the genre whose name the tests change
NOTICED_WITHIN = 1.0  # seconds from a commit to every worker showing it


def worker_pids():
    out = subprocess.run(["pgrep", "-P", env("MG_SERVER_PID")], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def h1(body):
    m = re.search(rb"<h1>([^<]*)</h1>", body)
    return m.group(1).decode() if m else None


def heading(r):
    return h1(r.body)


def gets(path, n=24, threads=8):
    """n GETs of path through nginx from `threads` threads at once (so that several workers
    answer); [(status, <h1> text)] in no particular order."""
    out, lock = [], threading.Lock()
    todo = list(range(n))

    def run():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            r = mgtest.get(path)
            with lock:
                out.append((r.status, heading(r)))
    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def all_show(name):
    """Do concurrent GETs of the genre all answer 200 with <h1>name</h1>?"""
    return all(r == (200, name) for r in gets(f"/genres/{GID}"))


def still_old(old):
    """The genre still shows <h1>old</h1>: through nginx, and on every worker."""
    results = gets(f"/genres/{GID}")
    assert all(r == (200, old) for r in results), f"wanted {old!r}: {results}"
    every_worker(old)


def fcgi_address():
    listen = env("MUSICGRAPH_LISTEN")
    if "/" in listen:
        return listen
    host, _, port = listen.rpartition(":")
    return (host.strip("[]") or "127.0.0.1", int(port))


def accept_queue():
    """Connections waiting in the app's listening socket for a worker to accept them."""
    address = fcgi_address()
    if isinstance(address, str):
        out = subprocess.run(["ss", "-Hlx", "src", address], capture_output=True, text=True)
        return int(out.stdout.split()[2])
    out = subprocess.run(["ss", "-Hltn", f"sport = :{address[1]}"], capture_output=True,
                         text=True)
    return int(out.stdout.split()[1])


def on_every_worker(uri, method="GET"):
    """One request for uri answered by each worker, spoken directly in FastCGI. A worker that
    accepts a connection with bytes waiting reads the request at once, and blocks until the
    request is whole; so each connection below sends only the request's first record, and
    the next connection is opened once a worker has accepted it: each worker takes one.
    Then the requests are completed. [(status, headers, body)]"""
    data = fcgi.encode(method, uri)
    socks, pids = [], worker_pids()
    try:
        for _ in pids:
            s = fcgi.connect(fcgi_address())
            socks.append(s)
            s.sendall(data[:16])  # BEGIN_REQUEST alone: the worker waits for the PARAMS
            mgtest.wait_until(lambda: accept_queue() == 0, timeout=10, interval=0.01,
                              what="a worker to accept the connection")
        answers = []
        for s in socks:
            s.sendall(data[16:])
            answers.append(fcgi._parse(fcgi.read_reply(s)[0]))
        served_by = sorted(int(h["x-request-id"].split("-")[0]) for _, h, _ in answers)
        assert served_by == pids, f"answered by {served_by}, workers {pids}"
        return answers
    finally:
        for s in socks:
            s.close()


def every_worker(name):
    """Every worker shows the genre with <h1>name</h1>."""
    answers = [(status, h1(body)) for status, _, body in on_every_worker(f"/genres/{GID}")]
    assert answers == [(200, name)] * len(answers), f"wanted {name!r}: {answers}"


def noticed_within(name, seconds=NOTICED_WITHIN):
    """After a commit: wait (polling, deadline `seconds`) until a whole batch of concurrent
    GETs shows name, then check that every worker does."""
    t0 = time.monotonic()
    while not all_show(name):
        assert time.monotonic() - t0 < seconds, \
            f"{name!r} not shown by every answer {seconds}s after the commit"
    print(f"  seen by every answer {time.monotonic() - t0:.3f}s after the commit")
    every_worker(name)


def settle():
    """Wait until every worker's graph is at the database's version: each has heard of every
    change so far (a silent change after this is seen only by reading data_version)."""
    want = '"g%s"' % psql("SELECT version FROM data_version")[0][0]
    mgtest.wait_until(lambda: all(s == 200 and h.get("etag") == want for s, h, _ in
                                  on_every_worker("/api/graph", "HEAD")),
                      timeout=5, interval=0.05, what=f"every worker to have the graph {want}")


def rename(name):
    """An ordinary change (triggers: data_version bump and NOTIFY), committed on return."""
    psql("UPDATE genres SET name = $1 WHERE id = $2", name, GID)


def rename_silently(name):
    """A change no trigger sees: no bump, no NOTIFY; data_version moved by hand, so a server
    that reads it does reload."""
    psql("SET session_replication_role = replica; UPDATE genres SET name = $1 WHERE id = $2; "
         "UPDATE data_version SET version = version + 1", name, GID, superuser=True)


def current_name():
    return psql("SELECT name FROM genres WHERE id = $1", GID)[0][0]


def bump():
    psql("UPDATE data_version SET version = version + 1")


def genre():
    """Make the test genre (once); every test starts with it."""
    if not psql("SELECT 1 FROM genres WHERE id = $1", GID):
        psql("INSERT INTO genres (id, name) VALUES ($1, $2)", GID, f"Start {RUN}")
        noticed_within(f"Start {RUN}")


def cleanup():
    psql("DELETE FROM genres WHERE id = $1", GID)
    psql("DELETE FROM users WHERE username = $1", f"dvadm_{RUN}")


atexit.register(cleanup)


def admin_client():
    name = f"dvadm_{RUN}"
    password = "mg-" + secrets.token_urlsafe(15)
    mgtest.insert_user(name, password, admin=True)
    c = mgtest.Client()
    fields = form_fields(c.get("/login").body, "/login")
    fields.update(username=name, password=password, next="/")
    r = c.post("/login", fields)
    assert r.status == 303, r
    return c


def edit_fields(c, path):
    """The fields of the edit form at path, multi-selects as lists (as a browser sends them)."""
    r = c.get(path)
    assert r.status == 200, r
    tree = mgtest.check_html(r.body)
    form = [f for f in tree.iter("form") if f.get("action") == path][0]
    out = []
    for el in form.iter():
        name = el.get("name")
        if not name:
            continue
        if el.tag == "input":
            out.append((name, el.get("value", "")))
        elif el.tag == "textarea":
            out.append((name, (el.text or "").removeprefix("\n")))
        elif el.tag == "select":
            out += [(name, o.get("value")) for o in el.iter("option")
                    if o.get("selected") is not None]
    return out


_admin = []


def admin():
    if not _admin:
        _admin.append(admin_client())
    return _admin[0]


# ---------------------------------------------------------------------------------------------


def test_a_change_with_psql_is_seen_by_every_worker_within_a_second():
    genre()
    for i in range(3):
        rename(f"Psql {i} {RUN}")
        noticed_within(f"Psql {i} {RUN}")


def test_anonymous_pages_do_not_read_the_version():
    genre()
    settle()
    old = current_name()
    rename_silently(f"Silent {RUN}")
    try:
        # no notification came, so no worker asks the database: the cached graph stands
        for _ in range(3):
            still_old(old)
    finally:
        bump()
    noticed_within(f"Silent {RUN}")


def test_any_post_makes_every_worker_read_the_version():
    genre()
    settle()
    old = current_name()
    rename_silently(f"Posted {RUN}")
    try:
        still_old(old)
        # a POST that changes nothing (refused: no CSRF token) counts as well
        assert mgtest.post("/login", b"username=x&password=y").status == 403
        every_worker(f"Posted {RUN}")
    finally:
        bump()


def test_a_logged_in_viewer_reads_the_version():
    genre()
    c = admin()
    settle()  # every worker has read the version after the login's POST
    old = current_name()
    rename_silently(f"Viewer {RUN}")
    try:
        still_old(old)
        for _ in range(8):
            r = c.get(f"/genres/{GID}")
            assert r.status == 200 and heading(r) == f"Viewer {RUN}", r
    finally:
        bump()


def test_an_admin_edit_is_seen_by_every_following_request():
    genre()
    c = admin()
    path = f"/admin/genres/{GID}/edit"
    for i in range(5):
        fields = edit_fields(c, path)
        fields = [(k, f"Edited {i} {RUN}" if k == "name" else v) for k, v in fields]
        r = c.post(path, fields)
        assert r.status == 303, r
        # at once, no waiting: anonymous pages on every worker, then the admin's own
        results = gets(f"/genres/{GID}")
        stale = [r for r in results if r != (200, f"Edited {i} {RUN}")]
        assert not stale, f"answers from before edit {i}: {stale}"
        r = c.get(f"/genres/{GID}")
        assert r.status == 200 and heading(r) == f"Edited {i} {RUN}", r
    every_worker(f"Edited 4 {RUN}")


def test_after_a_database_restart_changes_are_still_noticed():
    genre()
    mgtest.stack("restart-db")
    name = current_name()
    mgtest.wait_until(lambda: all_show(name), timeout=15, what="the pages to answer again")
    rename(f"Restarted {RUN}")
    noticed_within(f"Restarted {RUN}")
    # and listening again, not reading the version on every request
    settle()
    rename_silently(f"Restarted quietly {RUN}")
    try:
        still_old(f"Restarted {RUN}")
    finally:
        bump()
    noticed_within(f"Restarted quietly {RUN}")


def backends_writing():
    """The server's database sessions blocked writing to it (a full socket)."""
    return int(psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                    "'musicgraph' AND wait_event = 'ClientWrite'", superuser=True)[0][0])


def test_idle_workers_read_their_notifications():
    genre()
    name = current_name()
    every_worker(name)  # every worker listens
    # 20,000 notifications (800 kB) in one commit, several times what a socket holds: a
    # worker that never read them would leave its PostgreSQL session blocked writing, and the
    # server's notification queue could not move past it
    psql("SELECT count(pg_notify('musicgraph_data_version', g::text)) "
         "FROM generate_series(1, 20000) g")
    print(f"  sessions blocked writing right after: {backends_writing()}")
    mgtest.wait_until(lambda: backends_writing() == 0 and float(psql(
        "SELECT pg_notification_queue_usage()")[0][0]) == 0, timeout=20, interval=0.25,
        what="the idle workers to read every notification")
    every_worker(name)


def test_query_mode_reads_the_version_on_every_request():
    genre()
    d = tempfile.mkdtemp()
    path = os.path.join(d, "fcgi.sock")
    proc = start([env("MG_SERVER")], {"MUSICGRAPH_LISTEN": path,
                                      "MUSICGRAPH_DATA_VERSION": "query"})
    try:
        wait_answers(path)

        def name():
            status, _, body = fcgi.request(path, uri=f"/genres/{GID}")
            assert status == 200, status
            return h1(body)
        assert {name() for _ in range(6)} == {current_name()}
        rename_silently(f"Queried {RUN}")
        # no notification, yet the very next request on either worker shows it
        assert {name() for _ in range(10)} == {f"Queried {RUN}"}
    finally:
        bump()
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def test_a_bad_mode_stops_the_server_at_start():
    p = subprocess.run([env("MG_SERVER")], capture_output=True, text=True, timeout=20,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                            "MUSICGRAPH_DATA_VERSION": "notify"})
    assert p.returncode != 0
    assert 'MUSICGRAPH_DATA_VERSION="notify" is not listen or query' in p.stderr, p.stderr


if __name__ == "__main__":
    mgtest.main()
