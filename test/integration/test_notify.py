"""test_notify.py: the server speaks systemd's notification protocol (sd_notify) to the socket
named by NOTIFY_SOCKET, as systemd would see it: the test binds that AF_UNIX datagram socket
itself, with SO_PASSCRED, so every datagram carries the sender's pid (SCM_CREDENTIALS).

Checked: READY=1 (with MAINPID= and a STATUS=) once the workers are ready, and requests are
answered then; READY=1 waits for the workers, not only for the fork; WATCHDOG=1 at about
WATCHDOG_USEC/2, never when WATCHDOG_PID names another process; SIGHUP gives RELOADING=1 then
READY=1; SIGTERM gives STOPPING=1 and exit 0; only the master ever sends; an abstract socket
(@name) works; a NOTIFY_SOCKET nobody listens on breaks nothing."""
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import fcgi
import mgtest
from mgtest import env

WORKERS = 2
WATCHDOG_USEC = 300000  # pings every 150 ms; the master's loop turns every 100 ms


class Notifications:
    """The receiving end of NOTIFY_SOCKET: a datagram socket with SO_PASSCRED; every message
    is kept as (arrival time, sender pid, {key: value})."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(address)
        self.messages = []

    def close(self):
        self.sock.close()

    def receive(self, timeout):
        """The next message, or None after timeout seconds."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, _uid, _gid = struct.unpack("iII", payload[:12])
        assert pid is not None, "no SCM_CREDENTIALS on the datagram"
        fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
        msg = (time.monotonic(), pid, fields)
        self.messages.append(msg)
        return msg

    def wait_for(self, key, value="1", timeout=20):
        """Receive until a message has key=value; returns that message."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            msg = self.receive(left) if left > 0 else None
            if msg is None:
                raise AssertionError(f"no {key}={value} within {timeout}s; got "
                                     f"{[m[2] for m in self.messages]}")
            if msg[2].get(key) == value:
                return msg

    def collect(self, seconds):
        """Every message of the next `seconds`."""
        out = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            msg = self.receive(left)
            if msg is not None:
                out.append(msg)
        return out

    def senders(self):
        return {m[1] for m in self.messages}


class Server:
    """A private musicgraph on a unix FastCGI socket in a temporary folder, with NOTIFY_SOCKET
    pointing at a Notifications socket (or `notify_socket` as given)."""

    def __init__(self, extra_env=None, notify_socket=None, abstract=False, shell_prefix=None):
        self.dir = tempfile.mkdtemp(prefix="mg-notify-")
        self.fcgi = os.path.join(self.dir, "fcgi.sock")
        if notify_socket is not None:
            self.notes, name = None, notify_socket
        elif abstract:
            name = f"@mg-notify-test-{os.getpid()}-{time.monotonic_ns()}"
            self.notes = Notifications("\0" + name[1:])
        else:
            name = os.path.join(self.dir, "notify.sock")
            self.notes = Notifications(name)
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "MUSICGRAPH_DATABASE_URL": env("MUSICGRAPH_DATABASE_URL"),
             "MUSICGRAPH_WORKERS": str(WORKERS), "MUSICGRAPH_LISTEN": self.fcgi,
             "NOTIFY_SOCKET": name, **(extra_env or {})}
        args = [env("MG_SERVER")]
        if shell_prefix:  # e.g. to set WATCHDOG_PID to the server's own pid, as systemd does
            args = ["/bin/sh", "-c", shell_prefix + ' exec "$0"', env("MG_SERVER")]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, env=e, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.pid = self.proc.pid
        self.stderr = ""

    def request(self, uri="/healthz"):
        return fcgi.request(self.fcgi, uri=uri)

    def workers(self):
        out = subprocess.run(["pgrep", "-P", str(self.pid)], capture_output=True, text=True)
        return sorted(int(p) for p in out.stdout.split())

    def stop(self):
        """SIGTERM, wait, and check the exit: 0, no sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the server did not exit within 20 s of SIGTERM")
        self.stderr = self.proc.stderr.read().decode(errors="replace")
        assert self.proc.returncode == 0, (self.proc.returncode, self.stderr)
        assert "ERROR: AddressSanitizer" not in self.stderr, self.stderr
        assert "runtime error" not in self.stderr, self.stderr

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.notes is not None:
            self.notes.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def assert_only_master(srv):
    """Every datagram came from the master, never from a worker."""
    senders = srv.notes.senders()
    assert senders <= {srv.pid}, f"senders {senders}, master {srv.pid}, messages " \
                                 f"{srv.notes.messages}"


def test_ready_then_serves():
    with Server() as srv:
        _, pid, ready = srv.notes.wait_for("READY")
        assert pid == srv.pid, (pid, srv.pid)
        assert ready.get("MAINPID") == str(srv.pid), ready
        assert ready.get("STATUS") == f"{WORKERS} workers, serving", ready
        assert len(srv.workers()) == WORKERS, srv.workers()
        status, _, body = srv.request("/genres/rock")
        assert status == 200 and b"<h1>rock</h1>" in body, status
        srv.stop()
        assert_only_master(srv)


def test_ready_waits_for_the_workers():
    """A database that accepts the connection but never answers holds each worker in its
    first connection attempt (MUSICGRAPH_DB_CONNECT_TIMEOUT): the workers are forked at once,
    but READY=1 comes only when they give up and reach their accept loop. Until then no worker
    is ready, so the master does not count itself healthy and sends no WATCHDOG=1."""
    silent_dir = tempfile.mkdtemp(prefix="mg-silent-pg-")
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        silent.bind(os.path.join(silent_dir, ".s.PGSQL.5432"))
        silent.listen(16)  # connections wait in the backlog, unanswered
        url = f"postgresql:///musicgraph?host={silent_dir}&port=5432"
        with Server(extra_env={"MUSICGRAPH_DATABASE_URL": url,
                               "MUSICGRAPH_DB_CONNECT_TIMEOUT": "2",
                               "WATCHDOG_USEC": str(WATCHDOG_USEC)}) as srv:
            mgtest.wait_until(lambda: len(srv.workers()) == WORKERS, timeout=10,
                              what="the workers to be forked")
            forked = time.monotonic()
            arrived, _, _ = srv.notes.wait_for("READY", timeout=30)
            assert arrived - forked >= 1.0, \
                f"READY=1 {arrived - forked:.2f}s after the fork, before the workers' " \
                f"connection attempts (2 s) ended"
            starting = [m[2]["STATUS"] for m in srv.notes.messages
                        if m[2].get("STATUS", "").startswith("starting")]
            assert f"starting: 0 of {WORKERS} workers ready" in starting, srv.notes.messages
            # the STATUS= that counts a first ready worker comes before any ping
            msgs = [m[2] for m in srv.notes.messages]
            first = next(i for i, m in enumerate(msgs)
                         if m.get("STATUS", "").startswith(("starting: 1", f"{WORKERS} ")))
            assert not [m for m in msgs[:first] if "WATCHDOG" in m], msgs
            srv.notes.wait_for("WATCHDOG")  # and pings once one is
            srv.stop()
            assert_only_master(srv)
    finally:
        silent.close()
        shutil.rmtree(silent_dir, ignore_errors=True)


def test_watchdog_pings():
    # WATCHDOG_PID set to the server's own pid, as systemd does: `exec` keeps the shell's pid
    with Server(extra_env={"WATCHDOG_USEC": str(WATCHDOG_USEC)},
                shell_prefix="WATCHDOG_PID=$$; export WATCHDOG_PID;") as srv:
        srv.notes.wait_for("READY")
        window = srv.notes.collect(2.0)
        pings = [m for m in window if m[2].get("WATCHDOG") == "1"]
        assert len(pings) >= 3, f"{len(pings)} WATCHDOG=1 in 2 s (interval 150 ms)"
        # never faster than WATCHDOG_USEC/2: whatever the delays, pings sent since the start
        # are at least 150 ms apart
        elapsed = time.monotonic() - srv.started
        every = [m for m in srv.notes.messages if m[2].get("WATCHDOG") == "1"]
        most = int(elapsed / (WATCHDOG_USEC / 2e6)) + 1
        assert len(every) <= most, f"{len(every)} pings in {elapsed:.2f}s (at most {most})"
        srv.stop()
        assert_only_master(srv)


def test_no_watchdog_for_another_pid():
    with Server(extra_env={"WATCHDOG_USEC": str(WATCHDOG_USEC),
                           "WATCHDOG_PID": str(os.getpid())}) as srv:
        srv.notes.wait_for("READY")
        srv.notes.collect(1.5)  # ten intervals
        pings = [m for m in srv.notes.messages if "WATCHDOG" in m[2]]
        assert not pings, pings
        assert srv.request()[0] == 200
        srv.stop()
        assert_only_master(srv)


def test_reload_and_stop():
    with Server(extra_env={"WATCHDOG_USEC": str(WATCHDOG_USEC)}) as srv:
        srv.notes.wait_for("READY")
        old = srv.workers()
        assert len(old) == WORKERS, old
        srv.proc.send_signal(signal.SIGHUP)
        _, _, reloading = srv.notes.wait_for("RELOADING")
        assert int(reloading.get("MONOTONIC_USEC", "0")) > 0, reloading
        _, _, ready = srv.notes.wait_for("READY")
        assert ready.get("STATUS") == f"{WORKERS} workers, serving", ready
        new = srv.workers()
        assert len(new) == WORKERS and not set(new) & set(old), (old, new)
        assert srv.request()[0] == 200
        # a worker killed outright is replaced; the workers still never notify
        os.kill(new[0], signal.SIGKILL)
        mgtest.wait_until(lambda: len(srv.workers()) == WORKERS and new[0] not in srv.workers(),
                          timeout=10, what="the killed worker to be replaced")
        assert srv.request()[0] == 200
        srv.proc.send_signal(signal.SIGTERM)
        _, _, stopping = srv.notes.wait_for("STOPPING")
        assert stopping.get("STATUS", "").startswith("stopping"), stopping
        srv.stop()
        order = [k for m in srv.notes.messages for k in ("READY", "RELOADING", "STOPPING")
                 if k in m[2]]
        assert order == ["READY", "RELOADING", "READY", "STOPPING"], order
        after_stop = False
        for _, _, fields in srv.notes.messages:
            after_stop = after_stop or "STOPPING" in fields
            assert not (after_stop and "WATCHDOG" in fields), "a ping after STOPPING=1"
        assert_only_master(srv)


def test_abstract_socket():
    with Server(abstract=True) as srv:
        _, pid, ready = srv.notes.wait_for("READY")
        assert pid == srv.pid and ready.get("MAINPID") == str(srv.pid), (pid, ready)
        srv.stop()
        assert_only_master(srv)


def test_nobody_listening_breaks_nothing():
    with tempfile.TemporaryDirectory() as d:
        with Server(notify_socket=os.path.join(d, "nobody.sock")) as srv:
            mgtest.wait_until(lambda: os.path.exists(srv.fcgi) and srv.request()[0] == 200,
                              timeout=15, what="the server to answer")
            srv.stop()
            assert srv.stderr.count("cannot send to NOTIFY_SOCKET") == 1, srv.stderr


if __name__ == "__main__":
    mgtest.main()
