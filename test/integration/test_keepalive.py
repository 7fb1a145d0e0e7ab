"""test_keepalive.py: kept FastCGI connections (nginx's fastcgi_keep_conn + upstream keepalive).

A worker keeps a connection open after a request that asked for it (FCGI_KEEP_CONN), serves
several kept connections at once (an idle one never pins it), and keeps them across a rolling
replacement (SIGHUP: a retiring worker hands its connections to a running one). It closes
them when the server stops, after the request in progress. Each test runs a private server
(opsutil.Server) on a socket it holds, so that it can signal the master and its workers; which
worker answered is the pid in X-Request-Id ("<pid>-<seq>" when nginx sets none).
"""
import os
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse

import fcgi
import mgtest
import opsutil
from mgtest import env

# generous for the ASan build; the bounds a test is about are written where they are checked
TIMEOUT = 30

# what each page holds, so that a reply is known to be its own request's
PAGES = {"/healthz": b"ok\n", "/": b'id="graph"', "/genres": b'href="/genres/rock"'}


class Private:
    """A private server with `workers` workers on a socket this test holds. Every connection
    made by connect() is closed at the end; the server is stopped (exit 0 and no sanitizer
    report, opsutil.Server.stop) unless the test has stopped it itself."""

    def __init__(self, workers):
        self.held = opsutil.HeldSocket()
        self.server = opsutil.Server(self.held, env("MUSICGRAPH_DATABASE_URL"), workers=workers)
        self.socks = []

    def __enter__(self):
        self.server.start()
        mgtest.wait_until(lambda: len(self.workers()) == self.server.workers, timeout=TIMEOUT,
                          interval=0.05, what=f"{self.server.workers} workers")
        return self

    def __exit__(self, exc_type, *exc):
        for s in self.socks:
            s.close()
        try:
            if exc_type is None:
                self.server.stop()
            elif self.server.proc.poll() is None:
                self.server.kill()  # the test's own failure is the one to report
        finally:
            self.held.close()

    @property
    def master(self):
        return self.server.proc.pid

    def connect(self, timeout=TIMEOUT):
        s = fcgi.connect(self.held.path, timeout)
        self.socks.append(s)
        return s

    def workers(self):
        """The master's children (its workers)."""
        out = subprocess.run(["pgrep", "-P", str(self.master)], capture_output=True, text=True)
        return {int(p) for p in out.stdout.split()}

    def wait_replaced(self, old):
        """After SIGHUP: wait until the master has its number of workers again, none of them
        in old; returns their pids."""
        def replaced():
            now = self.workers()
            return now if len(now) == self.server.workers and not now & old else None
        return mgtest.wait_until(replaced, timeout=TIMEOUT, interval=0.05,
                                 what=f"every worker of {sorted(old)} to be replaced")

    def wait_exit(self, timeout):
        """After a SIGTERM sent by the test: the master exits 0 within timeout seconds, and
        its log holds no sanitizer report."""
        try:
            self.server.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit within {timeout} s of SIGTERM:\n"
                                 + self.server.read_log()[-3000:])
        text = self.server.check_exit()
        assert "LeakSanitizer" not in text, text


def ask(sock, uri="/healthz", keep=True):
    """One GET on sock; checks the reply is the page asked for. Returns the pid that served
    it."""
    status, headers, body = fcgi.request(None, uri=uri, sock=sock, keep=keep)
    assert status == 200, (uri, status, body[:300])
    assert PAGES[uri] in body, (uri, body[:300])
    return served_by(headers)


def served_by(headers):
    rid = headers.get("x-request-id", "")
    pid, _, seq = rid.partition("-")
    assert pid.isdigit() and seq.isdigit(), f"X-Request-Id {rid!r} is not <pid>-<seq>"
    return int(pid)


def closed_by_server(sock, timeout=TIMEOUT):
    """sock reads EOF within timeout (a reset counts too: the peer is gone)."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def still_open(sock, why="the connection should be open and quiet"):
    """Nothing to read and no EOF on sock: the server still holds its end, and has sent
    nothing (else AssertionError with why)."""
    sock.setblocking(False)
    try:
        data = sock.recv(1)
    except BlockingIOError:
        return True
    finally:
        sock.settimeout(TIMEOUT)
    raise AssertionError(f"{why}, read {data!r}")


def test_kept_connection_answers_requests_in_a_row():
    with Private(workers=1) as p:
        s = p.connect()
        pids = {ask(s, uri) for uri in ("/healthz", "/", "/genres")}
        assert len(pids) == 1, pids
        assert ask(s, "/healthz") in pids  # a fourth, after the page with the largest body
        # nginx writes the next request as soon as it has read the end of the last reply:
        # it may be waiting on the connection before the worker is done with the last one
        for i in range(60):
            assert ask(s, ("/healthz", "/genres")[i % 2]) in pids, i
        time.sleep(0.2)
        assert still_open(s)

        # without FCGI_KEEP_CONN the server closes the connection after the reply
        s = p.connect()
        s.sendall(fcgi.encode(uri="/healthz"))
        stdout, ended = fcgi.read_reply(s)
        assert ended, stdout[:300]
        assert fcgi._parse(stdout)[0] == 200
        assert closed_by_server(s, timeout=10), "the server should close an unkept connection"


def test_one_worker_serves_several_kept_connections():
    with Private(workers=1) as p:
        conns = {name: p.connect(timeout=5) for name in "ABCD"}
        pids = {ask(s) for s in conns.values()}
        uris = list(PAGES)
        for i, name in enumerate("CADBACDBBADC"):
            pids.add(ask(conns[name], uris[i % len(uris)]))
        # a request on every connection before any reply is read: each is answered (a small
        # page: the worker writes a whole reply before the next, and this client reads
        # them in another order)
        for s in conns.values():
            s.sendall(fcgi.encode(uri="/", keep=True))
        for name in "DBCA":
            stdout, ended = fcgi.read_reply(conns[name])
            status, headers, body = fcgi._parse(stdout)
            assert ended and status == 200 and PAGES["/"] in body, (name, status)
            pids.add(served_by(headers))
        assert pids == p.workers(), (pids, p.workers())


def test_idle_kept_connections_do_not_block_new_ones():
    with Private(workers=1) as p:
        idle = [p.connect() for _ in range(3)]
        for s in idle:
            ask(s)
        s = p.connect(timeout=2)
        t0 = time.monotonic()
        assert ask(s, "/genres", keep=False) in p.workers()
        assert time.monotonic() - t0 < 2
        for s in idle:  # and they are still kept
            ask(s, "/")


def test_a_closed_or_garbled_connection_does_not_hurt_the_worker():
    with Private(workers=1) as p:
        (pid,) = p.workers()
        kept = p.connect()
        assert ask(kept) == pid
        # the client closes a kept connection
        gone = p.connect()
        assert ask(gone) == pid
        gone.close()
        # bytes that are not FastCGI on a kept connection, and on a new one
        garbled = p.connect()
        assert ask(garbled) == pid
        garbled.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        fresh = p.connect()
        fresh.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        # the client goes away in the middle of a request's parameters
        cut = p.connect()
        assert ask(cut) == pid
        data = fcgi.encode(uri="/genres", keep=True)
        cut.sendall(data[:len(data) // 2])
        cut.close()
        assert closed_by_server(garbled), "a connection that sent garbage should be closed"
        assert closed_by_server(fresh), "a connection that sent garbage should be closed"
        # the same worker serves the kept connection and new ones
        for uri in PAGES:
            assert ask(kept, uri) == pid
            assert ask(p.connect(), uri, keep=False) == pid
        assert p.workers() == {pid}


def test_a_password_hash_does_not_hold_up_the_workers_other_connections():
    """A worker about to hash a password (~140 ms) hands its other kept connections to the
    other worker: a request that nginx sends on one of them meanwhile is answered at once,
    not after the hash."""
    with Private(workers=2) as p:
        browser = opsutil.Client(p.held.path)
        status, _, page = browser.get("/login")
        assert status == 200, status
        token = mgtest.form_fields(page, "/login")["csrf_token"]
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        by_pid = {}
        for _ in range(40):  # kept connections until one worker holds two
            s = p.connect()
            held = by_pid.setdefault(ask(s), [])
            held.append(s)
            if len(held) == 2:
                break
        hashing, other = held
        form = urllib.parse.urlencode({"username": f"nobody-{secrets.token_hex(4)}",
                                       "password": "wrong", "csrf_token": token}).encode()
        # an address of its own, so that no other test's failed logins throttle this one
        addr = f"192.0.2.{secrets.randbelow(250) + 1}"
        hashing.sendall(fcgi.encode("POST", "/login", form, {"Cookie": cookie}, keep=True,
                                    remote_addr=addr))
        time.sleep(0.05)  # the worker has the login by now
        ask(other)
        # answered while the hash still runs: the login's reply is not there yet
        assert still_open(hashing, "the other connection waited for the password hash")
        status, _, body = fcgi._parse(fcgi.read_reply(hashing)[0])
        assert status == 401 and b"Invalid username or password" in body, (status, body[:300])


def test_rolling_replacement_keeps_the_connections():
    with Private(workers=2) as p:
        old = p.workers()
        kept = [p.connect() for _ in range(4)]
        for s in kept:
            assert ask(s) in old
        os.kill(p.master, signal.SIGHUP)
        new = p.wait_replaced(old)
        # the same sockets: handed to the new workers, none closed
        for s in kept:
            for uri in PAGES:
                assert ask(s, uri) in new
        assert p.workers() == new


def test_rolling_replacement_while_kept_connections_are_busy():
    """Requests keep coming on kept connections while every worker is replaced: the
    connection a retiring worker hands off has requests arriving on it all the time."""
    with Private(workers=2) as p:
        old = p.workers()
        halt = threading.Event()
        results = []  # per connection: [pids that answered], or the failure

        def client(s, out):
            try:
                while not halt.is_set():
                    out.append(ask(s, "/healthz"))
            except Exception as e:  # noqa: BLE001 - reported below
                out.append(e)

        threads = []
        for _ in range(3):
            out = []
            results.append(out)
            threads.append(threading.Thread(target=client, args=(p.connect(), out), daemon=True))
        for t in threads:
            t.start()
        time.sleep(0.5)
        os.kill(p.master, signal.SIGHUP)
        new = None
        try:
            new = p.wait_replaced(old)
            time.sleep(0.5)
        finally:
            halt.set()
            for t in threads:
                t.join(TIMEOUT)
        for out in results:
            failed = [r for r in out if isinstance(r, Exception)]
            assert not failed, f"a request on a kept connection failed: {failed[0]!r}"
            assert out and out[0] in old and out[-1] in new, (out[:1], out[-1:], old, new)


def test_stop_closes_idle_kept_connections():
    with Private(workers=2) as p:
        kept = [p.connect(), p.connect()]
        for s in kept:
            ask(s)
            ask(s, "/")
        time.sleep(0.2)
        for s in kept:
            assert still_open(s)
        os.kill(p.master, signal.SIGTERM)
        p.wait_exit(10)
        for s in kept:
            assert closed_by_server(s, timeout=5), "a kept connection outlived the server"


def test_request_in_progress_at_stop_is_finished():
    """A POST whose body is still coming when SIGTERM arrives gets its whole reply (403: it
    has no CSRF token), on a new connection and on a kept one that served a request before."""
    body = ("username=" + "x" * 3000 + "&password=y").encode()
    for keep in (False, True):
        with Private(workers=1) as p:
            s = p.connect()
            if keep:
                ask(s)
            data = fcgi.encode("POST", "/login", body, keep=keep)
            # the records' head and half the body; the rest after the signal
            cut = len(data) - 8 - len(body) // 2
            s.sendall(data[:cut])
            time.sleep(0.5)  # the worker is reading the body now
            os.kill(p.master, signal.SIGTERM)
            time.sleep(0.5)
            assert p.server.proc.poll() is None, "the server exited with a request unfinished"
            s.sendall(data[cut:])
            stdout, ended = fcgi.read_reply(s)
            assert ended, f"keep={keep}: the reply was cut short: {stdout[:300]!r}"
            status, headers, reply = fcgi._parse(stdout)
            assert status == 403 and b"form has expired" in reply, (keep, status, reply[:300])
            assert "x-request-id" in headers
            assert closed_by_server(s, timeout=10)
            p.wait_exit(10)


def test_killed_worker_loses_only_its_own_connections():
    with Private(workers=2) as p:
        kept = [p.connect() for _ in range(6)]
        by_pid = {}
        for s in kept:
            by_pid.setdefault(ask(s), []).append(s)
        time.sleep(0.2)
        for s in kept:
            assert still_open(s)
        victim = next(iter(by_pid))
        deadline = time.monotonic() + 2
        os.kill(victim, signal.SIGKILL)
        for s in by_pid[victim]:
            assert closed_by_server(s, timeout=2), "the killed worker's connection stays open"
        mgtest.wait_until(lambda: len(p.workers()) == 2 and victim not in p.workers(),
                          timeout=max(0.1, deadline - time.monotonic()), interval=0.02,
                          what="the master to start a new worker")
        s = p.connect(timeout=max(0.1, deadline - time.monotonic()))
        assert ask(s, keep=False) in p.workers()
        assert time.monotonic() < deadline, "no new worker and answer within 2 s of the kill"
        # the other worker's connections still answer (by it, or by the new worker if it
        # handed them over before a graph rebuild: another test may have changed the data)
        for pid, socks in by_pid.items():
            if pid != victim:
                for s in socks:
                    assert ask(s, "/genres") in p.workers()
        assert "killed by signal 9" in p.server.read_log()


if __name__ == "__main__":
    mgtest.main()
