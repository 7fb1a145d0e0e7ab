"""test_faults.py: a killed worker is replaced while requests keep being answered; a
PostgreSQL restart is answered with 503 and then recovered without restarting the server;
SIGHUP replaces every worker without a failed request."""
import os
import signal
import subprocess
import threading
import time

import mgtest
from mgtest import get, env


def worker_pids():
    master = int(env("MG_SERVER_PID"))
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Load:
    """A bounded background load of GET requests from a few threads, counting failures."""

    def __init__(self, paths=("/genres/rock", "/api/graph", "/"), threads=3, seconds=20):
        self.paths, self.nthreads, self.seconds = paths, threads, seconds
        self.ok = self.failed = 0
        self.failures = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def run(self, n):
        deadline = time.monotonic() + self.seconds
        i = n
        while not self.stop.is_set() and time.monotonic() < deadline:
            path = self.paths[i % len(self.paths)]
            i += 1
            try:
                status, _, _ = get(path)
            except Exception as e:  # a reset connection counts as a failure
                status = repr(e)
            with self.lock:
                if status == 200:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.failures.append((path, status))

    def __enter__(self):
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(self.nthreads)]
        for t in self.threads:
            t.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self.stop.set()
        for t in self.threads:
            t.join()


def test_killed_worker_is_replaced_under_load():
    before = worker_pids()
    assert len(before) >= 2, before
    with Load() as load:
        os.kill(before[0], signal.SIGKILL)
        wait_for(lambda: len(worker_pids()) == len(before) and before[0] not in worker_pids(),
                 1.0, "the master to respawn the killed worker")
        time.sleep(0.5)
    assert load.ok > 20, load.ok
    # only a request the killed worker was serving at that instant may fail
    assert load.failed <= 1, load.failures


def test_sighup_replaces_workers_without_failures():
    before = set(worker_pids())
    with Load() as load:
        os.kill(int(env("MG_SERVER_PID")), signal.SIGHUP)
        wait_for(lambda: not (set(worker_pids()) & before) and
                 len(worker_pids()) == len(before), 10, "every worker to be replaced")
    assert load.ok > 20 and load.failed == 0, (load.ok, load.failures)


def test_database_restart_is_survived():
    assert get("/genres/rock")[0] == 200
    mgtest.stack("stop-db")
    try:
        for path in ("/genres/rock", "/api/graph", "/healthz"):
            status, headers, body = get(path)
            assert status == 503, (path, status)
        status, _, body = get("/genres/rock")
        mgtest.check_html(body)
        assert b"database" in body.lower()
    finally:
        mgtest.stack("start-db")
    start = time.monotonic()
    wait_for(lambda: all(get(p)[0] == 200 for p in ("/genres/rock", "/api/graph", "/healthz",
                                                     "/bands/death")),
             10, "the workers to reconnect")
    print(f"  recovered {time.monotonic() - start:.2f}s after the database came back")
    # every worker has reconnected: a burst of requests all succeed
    statuses = [get("/genres/rock")[0] for _ in range(20)]
    assert statuses == [200] * 20, statuses


if __name__ == "__main__":
    mgtest.main()
