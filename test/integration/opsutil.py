"""opsutil.py: what the operations tests (test_roles.py, test_backup.py, test_upgrade.py) share.

- Databases and roles made for one run on the stack's PostgreSQL, named uniquely and dropped
  again: `RolesDb` runs sql/setup/roles.sql for them, as an operator would.
- `HeldSocket` + `Server`: a private musicgraph on a unix FastCGI socket that the test itself
  holds open and passes to the server as systemd does (fd 3, LISTEN_FDS, LISTEN_PID), so the
  socket outlives the server and a restart can be observed as systemd's musicgraph.socket
  makes it. (systemd-socket-activate cannot show that: it execs the server in its own place,
  so the socket closes with the server.)
- `Client`: FastCGI requests with a cookie jar (every Set-Cookie kept), for logging in.
- `Load`: GET requests from a few threads, recording every failure and when each request ran.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

import fcgi
import mgtest
from mgtest import env

# ---------------------------------------------------------------------------------------------
# PostgreSQL: URLs, psql, musicgraph-admin


def run_id():
    return f"{int(time.time()) % 1000000}_{os.getpid()}"


def pg_url(db, user):
    """libpq URI for db as user over the stack's unix socket (trust authentication)."""
    host = urllib.parse.quote(env("MG_PG_SOCKET_DIR"), safe="/")
    return f"postgresql://{user}@/{db}?host={host}&port={env('PGPORT', '5432')}"


def psql_bin(name="psql"):
    p = os.path.join(env("MG_PG_BIN", "/usr/lib/postgresql/15/bin"), name)
    return p if os.access(p, os.X_OK) else f"/usr/bin/{name}"


def psql_run(url, sql=None, args=(), check=True):
    """psql -X -v ON_ERROR_STOP=1 -d url [-c sql] args...; returns CompletedProcess (text)."""
    cmd = [psql_bin(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, *args]
    if sql is not None:
        cmd += ["-c", sql]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if check and p.returncode != 0:
        raise AssertionError(f"psql {' '.join(cmd[1:])} failed ({p.returncode}): {p.stderr}")
    return p


def q(url, sql):
    """The output of one query (rows joined by newlines, columns by |)."""
    return psql_run(url, sql).stdout.strip()


def admin(url, *args, input=None, migrations_dir=None, check=True):
    """musicgraph-admin ARGS against url (fast password hashes); returns CompletedProcess."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MUSICGRAPH_DATABASE_URL": url,
         "MUSICGRAPH_MIGRATIONS_DIR": migrations_dir or env("MUSICGRAPH_MIGRATIONS_DIR"),
         "MUSICGRAPH_PBKDF2_ITERATIONS": "1000"}
    p = subprocess.run([env("MG_ADMIN"), *args], input=input, capture_output=True, text=True,
                       timeout=300, env=e, cwd=env("MG_SOURCE_DIR"))
    if check and p.returncode != 0:
        raise AssertionError(f"musicgraph-admin {' '.join(args)} exited {p.returncode}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


class RolesDb:
    """A database with its migration role and application role, made by sql/setup/roles.sql
    under names unique to this run. drop() removes all three (safe to repeat)."""

    def __init__(self, tag, roles_of=None):
        """roles_of: another RolesDb whose two roles this database uses (its drop() then
        drops only the database)."""
        rid = run_id()
        self.db = f"mg_{tag}_{rid}"
        self.own_roles = roles_of is None
        self.app = roles_of.app if roles_of else f"mg_{tag}_app_{rid}"
        self.migrate = roles_of.migrate if roles_of else f"mg_{tag}_mig_{rid}"
        self.super_url = env("MG_PG_SUPERUSER_URL")
        self.app_url = pg_url(self.db, self.app)
        self.migrate_url = pg_url(self.db, self.migrate)
        self.owner_url = pg_url(self.db, "postgres")  # the superuser, in this database

    def roles_sql(self, check=True, **names):
        """Run roles.sql as the superuser (names override db/app_role/migrate_role)."""
        v = {"db": self.db, "app_role": self.app, "migrate_role": self.migrate, **names}
        args = ["-f", os.path.join(env("MG_SOURCE_DIR"), "sql/setup/roles.sql")]
        for k, val in v.items():
            args += ["-v", f"{k}={val}"]
        return psql_run(self.super_url, args=args, check=check)

    def drop(self):
        psql_run(self.super_url, f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        if self.own_roles:
            psql_run(self.super_url, f'DROP ROLE IF EXISTS "{self.app}", "{self.migrate}"')


def run_backup(db_url, backup_dir, keep=None, check=True):
    """The script musicgraph-backup.service runs ($MG_BUILD_DIR/musicgraph-backup)."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MUSICGRAPH_DATABASE_URL": db_url,
         "MUSICGRAPH_BACKUP_DIR": backup_dir}
    if keep is not None:
        e["MUSICGRAPH_BACKUP_KEEP"] = str(keep)
    p = subprocess.run([os.path.join(env("MG_BUILD_DIR"), "musicgraph-backup")], env=e,
                       capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"musicgraph-backup exited {p.returncode}: {p.stdout}{p.stderr}")
    return p


def restore(dump_file, target):
    """The restore of docs/operations.md: as the superuser, into the database roles.sql made,
    the dump on standard input (there: `sudo -u musicgraph cat DUMP | sudo -u postgres
    pg_restore --no-owner --role=musicgraph_migrate --exit-on-error --single-transaction
    --dbname=DB`)."""
    cmd = [psql_bin("pg_restore"), "--no-owner", f"--role={target.migrate}", "--exit-on-error",
           "--single-transaction", f"--dbname={target.owner_url}"]
    with open(dump_file, "rb") as f:
        p = subprocess.run(cmd, stdin=f, capture_output=True, timeout=300)
    p.stderr = p.stderr.decode(errors="replace")
    assert p.returncode == 0, f"pg_restore failed ({p.returncode}): {p.stderr}"
    assert p.stderr.strip() == "", p.stderr


# ---------------------------------------------------------------------------------------------
# A private server on a socket the test holds


class HeldSocket:
    """A listening unix socket in a temp folder, held by this process as systemd holds the
    one of musicgraph.socket."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mg-ops-")
        self.path = os.path.join(self.dir, "fcgi.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1024)

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """musicgraph (or another binary) on a HeldSocket, given as fd 3 with LISTEN_FDS=1 and
    LISTEN_PID=its own pid, the way systemd starts musicgraph.service."""

    def __init__(self, held, db_url, workers=2, program=None, extra_env=None):
        self.held, self.db_url, self.workers = held, db_url, workers
        self.program = program or env("MG_SERVER")
        self.extra_env = extra_env or {}
        self.proc = None
        self.generation = 0

    def start(self, program=None, wait=True):
        if program:
            self.program = program
        self.generation += 1
        self.log = os.path.join(self.held.dir, f"server-{self.generation}.log")
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "MUSICGRAPH_DATABASE_URL": self.db_url, "MUSICGRAPH_WORKERS": str(self.workers),
             "MUSICGRAPH_LISTEN": os.path.join(self.held.dir, "unused.sock"),
             "LISTEN_FDS": "1", **self.extra_env}
        fd = self.held.sock.fileno()

        def child():
            if fd != 3:
                os.dup2(fd, 3)
            os.set_inheritable(3, True)  # Python's sockets are close-on-exec

        with open(self.log, "wb") as log:
            # sh's $$ is the pid the server will have: exec keeps it
            self.proc = subprocess.Popen(
                ["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0"', self.program], env=e,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=False,
                preexec_fn=child, start_new_session=True)
        if wait:
            try:
                self.wait_ready()
            except BaseException:
                self.kill()
                raise
        return self

    def wait_ready(self, timeout=30):
        def answers():
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited ({self.proc.returncode}):\n"
                                     + self.read_log())
            return fcgi.request(self.held.path, uri="/healthz", timeout=5)[0] == 200
        mgtest.wait_until(answers, timeout=timeout, interval=0.05,
                          what=f"the private server to answer on {self.held.path}")

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def kill(self):
        """SIGKILL to the server and its workers (its own process group; a worker outlives a
        killed master)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self, timeout=30):
        """SIGTERM (what systemctl stop sends) and wait; the server must exit 0 with no
        sanitizer report."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the server did not exit within {timeout} s of SIGTERM")
        self.check_exit()

    def check_exit(self):
        """After the server exited: status 0 and no sanitizer report in its log. Returns the
        log."""
        text = self.read_log()
        assert self.proc.returncode == 0, (self.proc.returncode, text[-3000:])
        assert "ERROR: AddressSanitizer" not in text and "runtime error:" not in text, text
        return text


# ---------------------------------------------------------------------------------------------
# FastCGI with cookies


def exchange(address, method="GET", uri="/", body=b"", headers=None, timeout=30):
    """One FastCGI request (as fcgi.request) returning (status, [(name, value)...], body):
    every header line kept, Set-Cookie included."""
    sock = fcgi.connect(address, timeout)
    try:
        sock.sendall(fcgi.encode(method, uri, body, headers))
        stdout, ended = fcgi.read_reply(sock)
        if not ended:
            raise ConnectionError("the connection closed before the end of the response")
    finally:
        sock.close()
    head, _, body = stdout.partition(b"\r\n\r\n")
    status, hdrs = 200, []
    for line in head.decode("latin-1").split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            if k.lower() == "status":
                status = int(v.split()[0])
            else:
                hdrs.append((k.strip().lower(), v.strip()))
    return status, hdrs, body


class Client:
    """FastCGI requests to a private server with a cookie jar."""

    def __init__(self, address):
        self.address = address
        self.cookies = {}

    def request(self, method, uri, form=None):
        body = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else b""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, hdrs, data = exchange(self.address, method, uri, body, headers)
        for name, value in hdrs:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                k, _, v = pair.partition("=")
                if v == "" or re.search(r"(?i)max-age=0\b", value):
                    self.cookies.pop(k.strip(), None)
                else:
                    self.cookies[k.strip()] = v
        return status, dict(hdrs), data

    def get(self, uri):
        return self.request("GET", uri)

    def post(self, uri, form):
        return self.request("POST", uri, form)

    def login(self, username, password):
        status, _, body = self.get("/login")
        assert status == 200, status
        token = mgtest.form_fields(body, "/login")["csrf_token"]
        status, headers, body = self.post("/login", {"username": username, "password": password,
                                                     "csrf_token": token, "next": "/"})
        assert status == 303, (status, body[:500])
        return headers


# ---------------------------------------------------------------------------------------------
# Load


class Load:
    """GET requests over FastCGI from a few threads until stopped. Records (start, end, path,
    outcome) of each: outcome 200, another status, or the exception's repr."""

    def __init__(self, address, paths, threads=4):
        self.address, self.paths, self.nthreads = address, paths, threads
        self.records = []
        self.lock = threading.Lock()
        self.halt = threading.Event()

    def run(self, n):
        i = n
        while not self.halt.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            t0 = time.monotonic()
            try:
                outcome = exchange(self.address, "GET", path, timeout=60)[0]
            except Exception as e:  # a refused or reset connection is a failure
                outcome = repr(e)
            with self.lock:
                self.records.append((t0, time.monotonic(), path, outcome))

    def __enter__(self):
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True)
                        for n in range(self.nthreads)]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        for t in self.threads:
            t.join(90)

    def failures(self):
        return [r for r in self.records if r[3] != 200]

    def started_between(self, t0, t1):
        return [r for r in self.records if t0 <= r[0] <= t1]
