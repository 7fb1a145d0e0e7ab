"""mgtest: the helper library of Music Graph's Python integration tests.

Standard library + html5lib only (Debian's /usr/bin/python3 and python3-html5lib). A test
module looks like this:

    import mgtest
    from mgtest import get, post, check_html

    def test_home_page():
        r = get("/")
        assert r.status == 200, r
        check_html(r.body)

    if __name__ == "__main__":
        mgtest.main()

The stack is started by test/lib/stack.sh (ctest fixture `stack`); its settings are read
from $MG_STATE_DIR/env. Run one test file by hand (the stack must be up):

    test/lib/stack.sh start /tmp/mg && MG_STATE_DIR=/tmp/mg /usr/bin/python3 test/integration/test_smoke.py [test_name ...]

Main pieces:
  env(name)                     a value from the stack's env file (or the process environment)
  get / post / request          HTTPS through nginx, certificate verified against MG_CA_FILE;
                                return Response(status, headers, body) (also unpacks as a tuple)
  Client()                      the same with a cookie jar (log in, then keep the session)
  raw_request / raw             send bytes exactly as given (bad percent-encoding, NUL bytes,
                                invalid UTF-8...) over TLS or plain TCP
  psql(sql, *params)            SQL through Debian's psql; $1, $2... are bound safely
  check_html(body)              html5lib strict parse; fails on the first parse error
  form_fields(body)             the <input>s of a form (CSRF tokens and the like)
  main()                        run the calling module's test_* functions, print
                                "N passed, M failed", exit 1 on failure
"""

import csv
import http.client
import io
import os
import re
import shlex
import socket
import ssl
import subprocess
import sys
import time
import traceback
import urllib.parse

__all__ = [
    "env", "reload_env", "Response", "Client", "get", "post", "request", "raw", "raw_request",
    "psql", "PsqlError", "check_html", "form_fields", "admin", "stack", "wait_until", "Skip",
    "skip", "assert_status", "assert_security_headers", "SECURITY_HEADERS", "main",
]

# ---------------------------------------------------------------------------------------------
# The stack's environment

_ENV = None


def _parse_env_file(path):
    """The `export NAME='value'` lines of stack.sh's env file, as a dict."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            # only the top-level `export NAME='value'` lines (the override block at the end
            # is indented and handled in reload_env)
            if not line.startswith("export "):
                continue
            for part in shlex.split(line[len("export "):], comments=False, posix=True):
                k, eq, v = part.partition("=")
                if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
                    values[k] = v
    return values


def reload_env():
    """Read $MG_STATE_DIR/env again (after stack.sh restart-server, say)."""
    global _ENV
    state = os.environ.get("MG_STATE_DIR")
    if not state:
        raise RuntimeError("MG_STATE_DIR is not set: run through ctest, or set it to a stack "
                           "started with test/lib/stack.sh start DIR")
    path = os.path.join(state, "env")
    if not os.path.exists(path):
        raise RuntimeError(f"{path} is missing: is the stack started? (test/lib/stack.sh start {state})")
    values = _parse_env_file(path)
    # stack.sh with-empty-db hands a test its own database (the env file does the same)
    if os.environ.get("MG_TEST_DATABASE"):
        values["PGDATABASE"] = os.environ["MG_TEST_DATABASE"]
        values["MUSICGRAPH_DATABASE_URL"] = os.environ["MG_TEST_DATABASE_URL"]
    _ENV = values
    return values


def env(name=None, default=None):
    """env() -> the whole dict; env(NAME) -> the env file's value, else os.environ's, else default."""
    if _ENV is None:
        reload_env()
    if name is None:
        return dict(_ENV)
    if name in _ENV:
        return _ENV[name]
    return os.environ.get(name, default)


def _base(url=None):
    u = urllib.parse.urlsplit(url or env("MG_BASE_URL"))
    return u.scheme, u.hostname, u.port or (443 if u.scheme == "https" else 80)


def ssl_context(alpn=None):
    """A client context that trusts only the stack's development CA (hostname checked)."""
    ctx = ssl.create_default_context(cafile=env("MG_CA_FILE"))
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


# ---------------------------------------------------------------------------------------------
# HTTP

class Response(tuple):
    """A (status, headers, body) tuple — r[0], r[2], `status, headers, body = r` all work —
    with attributes: status (int), reason, headers (http.client.HTTPMessage:
    case-insensitive .get(name), .get_all(name) for repeated headers such as Set-Cookie),
    body (bytes), method, url."""

    def __new__(cls, status, reason, headers, body, method="", url=""):
        self = super().__new__(cls, (status, headers, body))
        self.reason, self.method, self.url = reason, method, url
        return self

    @property
    def status(self):
        return self[0]

    @property
    def headers(self):
        return self[1]

    @property
    def body(self):
        return self[2]

    def header(self, name, default=None):
        return self.headers.get(name, default)

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        import json
        return json.loads(self.body)

    def __repr__(self):
        body = self.body[:600].decode("utf-8", "replace")
        more = "..." if len(self.body) > 600 else ""
        hdrs = "".join(f"\n  {k}: {v}" for k, v in self.headers.items())
        return f"<Response {self.method} {self.url} -> {self.status} {self.reason}{hdrs}\n\n{body}{more}>"


def _encode_body(body, headers):
    if body is None:
        return None
    if isinstance(body, (dict, list, tuple)):
        items = body.items() if isinstance(body, dict) else body
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urllib.parse.urlencode(list(items)).encode("ascii")
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


class Client:
    """An HTTPS (or HTTP) client for the stack, one connection per request, with a simple
    cookie jar: cookies set by responses are sent back on later requests.

        c = Client()
        r = c.get("/login"); token = form_fields(r.body)["csrf_token"]
        c.post("/login", {"username": "a", "password": "b", "csrf_token": token})
    """

    def __init__(self, base_url=None, cookies=True, timeout=30):
        self.base_url = base_url or env("MG_BASE_URL")
        self.use_cookies = cookies
        self.cookies = {}
        self.timeout = timeout
        self.last = None

    def request(self, method, path, body=None, headers=None):
        scheme, host, port = _base(self.base_url)
        hdrs = dict(headers or {})
        data = _encode_body(body, hdrs)
        if self.use_cookies and self.cookies and not any(k.lower() == "cookie" for k in hdrs):
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=ssl_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            resp = Response(r.status, r.reason, r.msg, r.read(), method, f"{self.base_url}{path}")
        finally:
            conn.close()
        if self.use_cookies:
            self._store_cookies(resp.headers.get_all("Set-Cookie") or [])
        self.last = resp
        # every HTML page any test fetches must be well-formed HTML5 (html5lib, strict);
        # not a redirect's body, which browsers never show (nginx's own for the HTTP port)
        if (resp.body and not 300 <= resp.status < 400 and
                (resp.headers.get("Content-Type") or "").startswith("text/html")):
            check_html(resp.body, f"{method} {path} ({resp.status})")
        return resp

    def _store_cookies(self, set_cookies):
        for sc in set_cookies:
            first, *attrs = [p.strip() for p in sc.split(";")]
            if "=" not in first:
                continue
            name, value = first.split("=", 1)
            expired = False
            for a in attrs:
                k, _, v = a.partition("=")
                if k.strip().lower() == "max-age":
                    try:
                        expired = int(v) <= 0
                    except ValueError:
                        pass
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def get(self, path, headers=None):
        return self.request("GET", path, None, headers)

    def post(self, path, body=None, headers=None):
        return self.request("POST", path, body if body is not None else b"", headers)

    def head(self, path, headers=None):
        return self.request("HEAD", path, None, headers)


def request(method, path, body=None, headers=None, base_url=None):
    """One request without cookies; base_url defaults to MG_BASE_URL (MG_HTTP_URL for plain HTTP)."""
    return Client(base_url, cookies=False).request(method, path, body, headers)


def get(path, headers=None, base_url=None):
    return request("GET", path, None, headers, base_url)


def post(path, body=b"", headers=None, base_url=None):
    return request("POST", path, body, headers, base_url)


def _as_bytes(x):
    if isinstance(x, bytes):
        return x
    return str(x).encode("utf-8", "surrogateescape")


def raw(data, tls=True, timeout=10, base_url=None):
    """Send DATA (bytes) exactly as given, read until the server closes (or `timeout`), and
    parse what came back into a Response (status 0 when nothing parseable came back).
    Include `Connection: close` yourself, or use raw_request."""
    _, host, port = _base(base_url or (env("MG_BASE_URL") if tls else env("MG_HTTP_URL")))
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if tls:
            sock = ssl_context(alpn=["http/1.1"]).wrap_socket(sock, server_hostname=host)
        sock.sendall(data)
        chunks, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except (ssl.SSLError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if _complete(b"".join(chunks)):
                break  # (nginx may linger for seconds before closing after an error)
    finally:
        sock.close()
    return parse_response(b"".join(chunks))


def _complete(data):
    """data holds one whole HTTP response (by Content-Length or the last chunk)."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:[ \t]*(\d+)[ \t]*\r?$", head)
    if m:
        return len(rest) >= int(m.group(1))
    if re.search(rb"(?im)^transfer-encoding:.*chunked", head):
        return rest.endswith(b"0\r\n\r\n")
    return re.match(rb"HTTP/1\.[01] (1\d\d|204|304)", head) is not None


def raw_request(method, target, headers=None, body=b"", tls=True, version="HTTP/1.1",
                host=None, timeout=10):
    """Build and send one HTTP/1.1 request line + headers + body as raw bytes. `target`
    (and `method`) may be bytes with anything in them: b"/genres/%zz", b"/a\\x00b",
    b"/\\xff\\xfe". Host defaults to localhost:PORT; Connection: close and, with a body,
    Content-Length are added unless given."""
    _, h, port = _base(env("MG_BASE_URL") if tls else env("MG_HTTP_URL"))
    lines = [_as_bytes(method) + b" " + _as_bytes(target) + b" " + _as_bytes(version)]
    hdrs = list((headers or {}).items()) if isinstance(headers, dict) else list(headers or [])
    names = {_as_bytes(k).lower() for k, _ in hdrs}
    if b"host" not in names:
        hdrs.insert(0, ("Host", host or f"{h}:{port}"))
    if b"connection" not in names:
        hdrs.append(("Connection", "close"))
    body = _as_bytes(body) if body else b""
    if body and b"content-length" not in names and b"transfer-encoding" not in names:
        hdrs.append(("Content-Length", str(len(body))))
    for k, v in hdrs:
        lines.append(_as_bytes(k) + b": " + _as_bytes(v))
    return raw(b"\r\n".join(lines) + b"\r\n\r\n" + body, tls=tls, timeout=timeout)


def parse_response(data):
    """Parse raw HTTP/1.x response bytes (Content-Length or chunked) into a Response."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/"):
        return Response(0, "no HTTP response", http.client.parse_headers(io.BytesIO(b"\r\n")), data)
    status_line, _, header_block = head.partition(b"\r\n")
    parts = status_line.decode("latin-1").split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    reason = parts[2] if len(parts) > 2 else ""
    headers = http.client.parse_headers(io.BytesIO(header_block + b"\r\n\r\n"))
    body = rest
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        out, buf = [], rest
        while buf:
            size_line, _, buf = buf.partition(b"\r\n")
            try:
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                break
            if size == 0:
                break
            out.append(buf[:size])
            buf = buf[size + 2:]
        body = b"".join(out)
    elif headers.get("Content-Length", "").isdigit():
        body = rest[: int(headers["Content-Length"])]
    return Response(status, reason, headers, body, "RAW", "")


# ---------------------------------------------------------------------------------------------
# Assertions about responses

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": None,  # present; the value is nginx's business
}


def assert_status(resp, *expected):
    """Fail with the whole response shown when resp.status is not one of `expected`."""
    if resp.status not in expected:
        raise AssertionError(f"expected status {' or '.join(map(str, expected))}, got {resp!r}")


def assert_security_headers(resp, hsts=True):
    """Every security header nginx adds is there exactly once, with the expected value."""
    for name, want in SECURITY_HEADERS.items():
        if name == "Strict-Transport-Security" and not hsts:
            continue
        got = resp.headers.get_all(name) or []
        if len(got) != 1:
            raise AssertionError(f"{name}: expected once, got {got!r} in {resp!r}")
        if want is not None and got[0] != want:
            raise AssertionError(f"{name}: expected {want!r}, got {got[0]!r}")


# ---------------------------------------------------------------------------------------------
# HTML

def check_html(body, what="page"):
    """Parse `body` (bytes or str) with html5lib in strict mode: any parse error (missing
    doctype, misnested or unclosed tags, bad attributes...) fails with its line, column and
    the source around it. The body must be valid UTF-8. Returns the parsed tree (an
    xml.etree Element, no namespaces: tree.iter("a"), tree.find(".//title"))."""
    import html5lib
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(f"{what}: not valid UTF-8: {e}") from None
    else:
        text = body
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        return parser.parse(text)
    except html5lib.html5parser.ParseError as e:
        if parser.errors:
            (line, col), code, datavars = parser.errors[-1]
        else:
            line, col, code, datavars = 0, 0, str(e), {}
        lines = text.splitlines()
        lo, hi = max(0, line - 3), min(len(lines), line + 2)
        context = "\n".join(f"{'>' if i + 1 == line else ' '}{i + 1:5} | {lines[i]}" for i in range(lo, hi))
        raise AssertionError(f"{what}: HTML parse error {code} {datavars or ''} at line {line}, "
                             f"column {col}:\n{context}") from None


def form_fields(body, form=0):
    """{name: value} of the <input>, <select> (first/selected option) and <textarea> fields of
    a form in the page: `form` is its index, or a string matched against its action."""
    import html5lib
    tree = html5lib.parse(body if isinstance(body, str) else body.decode("utf-8"),
                          namespaceHTMLElements=False)
    forms = list(tree.iter("form"))
    if isinstance(form, str):
        forms = [f for f in forms if (f.get("action") or "") == form]
        index = 0
    else:
        index = form
    if index >= len(forms):
        raise AssertionError(f"no form {form!r} in the page ({len(list(tree.iter('form')))} forms)")
    f = forms[index]
    fields = {}
    for el in f.iter():
        name = el.get("name")
        if not name:
            continue
        if el.tag == "input":
            if el.get("type") in ("checkbox", "radio") and el.get("checked") is None:
                continue
            fields[name] = el.get("value", "")
        elif el.tag == "textarea":
            fields[name] = el.text or ""
        elif el.tag == "select":
            opts = list(el.iter("option"))
            sel = [o for o in opts if o.get("selected") is not None] or opts[:1]
            fields[name] = (sel[0].get("value", sel[0].text or "")) if sel else ""
    return fields


# ---------------------------------------------------------------------------------------------
# Database, CLI, stack

class PsqlError(Exception):
    pass


_NULL = "\x01"


def psql(sql, *params, url=None, superuser=False, timeout=60):
    """Run SQL (one or more statements) with Debian's psql against MUSICGRAPH_DATABASE_URL
    (or `url`; superuser=True: as the cluster's superuser, same database) and return the rows
    of every statement that returns rows, as tuples of str (None for NULL).
    Parameters: $1, $2 ... in `sql` are replaced by psql variables, so values are quoted
    safely (None becomes NULL): psql("SELECT id FROM users WHERE username = $1", "alice")."""
    target = url or env("MUSICGRAPH_DATABASE_URL")
    if superuser:
        target = _with_user(target, "postgres")
    args = [_psql_bin(), "-X", "-q", "--csv", "-t", "-P", f"null={_NULL}", "-v", "ON_ERROR_STOP=1",
            "-d", target, "-f", "-"]

    def bind(m):
        i = int(m.group(1))
        if i < 1 or i > len(params):
            raise PsqlError(f"${i} in the SQL but {len(params)} parameter(s) given")
        p = params[i - 1]
        if p is None:
            return "NULL"
        return f":'mg_p{i}'"

    for i, p in enumerate(params, 1):
        if p is not None:
            v = ("true" if p else "false") if isinstance(p, bool) else str(p)
            if "\0" in v:
                raise PsqlError("psql parameters cannot hold NUL bytes")
            args[1:1] = ["-v", f"mg_p{i}={v}"]
    text = re.sub(r"\$(\d+)", bind, sql) if params else sql
    proc = subprocess.run(args, input=text, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "10", "PGAPPNAME": "mgtest"})
    if proc.returncode != 0:
        raise PsqlError(f"psql failed ({proc.returncode}): {proc.stderr.strip()}\nSQL: {sql}")
    rows = []
    for row in csv.reader(io.StringIO(proc.stdout)):
        rows.append(tuple(None if v == _NULL else v for v in row))
    return rows


def stored_hash(password):
    """The server's own stored format for password: pbkdf2_sha256$n$<b64 salt>$<b64 key>,
    PBKDF2-HMAC-SHA256 over the salt field's text, n = MUSICGRAPH_PBKDF2_ITERATIONS."""
    import base64
    import hashlib
    import secrets
    n = int(env("MUSICGRAPH_PBKDF2_ITERATIONS", "600000"))
    salt = base64.b64encode(secrets.token_bytes(16)).decode("ascii")
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), n, 32)
    return f"pbkdf2_sha256${n}${salt}${base64.b64encode(key).decode('ascii')}"


def insert_user(name, password, admin=False):
    """Add an account straight into the database (email NAME@example.org); returns its id."""
    return psql("INSERT INTO users (username, email, password_hash, is_admin) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                name, f"{name}@example.org", stored_hash(password), admin)[0][0]


def _with_user(url, user):
    u = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(u.query) if k != "user"]
    netloc = f"{user}@{u.netloc.rpartition('@')[2]}"
    return urllib.parse.urlunsplit((u.scheme, netloc, u.path, urllib.parse.urlencode(q, safe="/"), ""))


def _psql_bin():
    p = os.path.join(env("MG_PG_BIN", "/usr/lib/postgresql/15/bin"), "psql")
    return p if os.access(p, os.X_OK) else "/usr/bin/psql"


def admin(*args, check=True, input=None, extra_env=None, timeout=120):
    """Run musicgraph-admin ARGS with the stack's configuration; returns CompletedProcess
    (text stdout/stderr). check=True fails the test on a non-zero exit."""
    prog = os.environ.get("MG_ADMIN") or env("MG_ADMIN")
    e = {**os.environ,
         "MUSICGRAPH_DATABASE_URL": env("MUSICGRAPH_DATABASE_URL"),
         "MUSICGRAPH_MIGRATIONS_DIR": env("MUSICGRAPH_MIGRATIONS_DIR"),
         **(extra_env or {})}
    proc = subprocess.run([prog, *map(str, args)], input=input, capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=env("MG_SOURCE_DIR"))
    if check and proc.returncode != 0:
        raise AssertionError(f"musicgraph-admin {' '.join(map(str, args))} exited {proc.returncode}\n"
                             f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


def stack(command, *args, timeout=120):
    """test/lib/stack.sh COMMAND STATE ARGS... (restart-db, restart-server, createdb...);
    re-reads the env file afterwards. Returns stdout."""
    script = env("MG_STACK") or os.path.join(env("MG_SOURCE_DIR"), "test/lib/stack.sh")
    proc = subprocess.run(["bash", script, command, env("MG_STATE_DIR"), *args],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"stack.sh {command} failed ({proc.returncode}):\n{proc.stderr}")
    reload_env()
    return proc.stdout


def wait_until(predicate, timeout=15, interval=0.2, what="condition"):
    """Poll predicate() until it returns something truthy (returned) or fail after timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = predicate()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - keep polling, report the last one
            last_exc = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                         + (f" (last error: {last_exc!r})" if last_exc else ""))


# ---------------------------------------------------------------------------------------------
# The runner

class Skip(Exception):
    """raise Skip("why") (or call skip("why")) to skip the current test."""


def skip(reason):
    raise Skip(reason)


def main(argv=None):
    """Run the test_* functions of the __main__ module in definition order. Arguments select
    tests by exact name, or by substring with -k TEXT. Prints each failure's traceback and the
    summary line 'N passed, M failed' (', K skipped'); exits 1 if any failed or none ran."""
    argv = list(sys.argv[1:] if argv is None else argv)
    mod = sys.modules["__main__"]
    tests = [(n, f) for n, f in vars(mod).items()
             if n.startswith("test_") and callable(f) and getattr(f, "__module__", None) == mod.__name__]
    if "-k" in argv:
        i = argv.index("-k")
        pattern = argv[i + 1] if i + 1 < len(argv) else ""
        del argv[i:i + 2]
        tests = [(n, f) for n, f in tests if pattern in n]
    if argv:
        unknown = [a for a in argv if a not in dict(tests)]
        if unknown:
            print(f"no such test(s): {', '.join(unknown)}", file=sys.stderr)
            print("0 passed, 1 failed")
            return sys.exit(1)
        tests = [(n, f) for n, f in tests if n in argv]

    name = os.path.basename(getattr(mod, "__file__", "tests"))
    try:
        base = env("MG_BASE_URL")
    except RuntimeError as e:
        print(f"{name}: {e}")
        print("0 passed, 1 failed")
        sys.exit(1)
    print(f"{name}: {len(tests)} test(s) against {base}", flush=True)
    passed = failed = skipped = 0
    failures = []
    for tname, func in tests:
        t0 = time.monotonic()
        try:
            func()
        except Skip as e:
            skipped += 1
            print(f"SKIP  {tname}: {e}", flush=True)
            continue
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - a test's SystemExit is a failure too
            failed += 1
            failures.append(tname)
            print(f"FAIL  {tname} ({time.monotonic() - t0:.2f}s)", flush=True)
            traceback.print_exc(file=sys.stdout)
            print(flush=True)
            continue
        passed += 1
        print(f"ok    {tname} ({time.monotonic() - t0:.2f}s)", flush=True)
    if failures:
        print(f"failed: {', '.join(failures)}")
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary, flush=True)
    sys.exit(1 if failed or not tests else 0)
