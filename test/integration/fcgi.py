"""fcgi.py: a minimal FastCGI client (the responder role) for talking to musicgraph without
nginx: one request per connection, or several in a row on a kept one (keep=True: the flag
FCGI_KEEP_CONN, as nginx's fastcgi_keep_conn sends it)."""
import socket
import struct

FCGI_VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1
FCGI_KEEP_CONN = 1  # the BEGIN_REQUEST flag: do not close the connection after the reply


def _record(rtype, content, request_id=1):
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        out += struct.pack(">BBHHBx", FCGI_VERSION, rtype, request_id, len(chunk), 0) + chunk
        if not content:
            break
    return out


def _pair(name, value):
    def length(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


def connect(address, timeout=10):
    """A connection to a unix socket path or (host, port)."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(address)
    return sock


def request(address, method="GET", uri="/", body=b"", headers=None, timeout=10, sock=None,
            keep=False):
    """Send one request to a unix socket path or (host, port), or on sock (from connect());
    returns (status, headers dict, body bytes) parsed from the CGI-style reply.
    keep=False: the server may close the connection, and the socket is closed here after the
    reply. keep=True: the server is asked to keep it (FCGI_KEEP_CONN) and the socket stays
    open for the next request on it (sock=); a reply cut short raises ConnectionError."""
    if sock is None:
        sock = connect(address, timeout)
    sock.sendall(encode(method, uri, body, headers, keep))
    stdout, ended = read_reply(sock)
    if not keep:
        sock.close()
    elif not ended:
        raise ConnectionError("the connection closed before the end of the reply")
    return _parse(stdout)


def encode(method="GET", uri="/", body=b"", headers=None, keep=False, remote_addr="127.0.0.1"):
    """The records of one whole request (request id 1), keep as in request()."""
    path, _, query = uri.partition("?")
    params = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "QUERY_STRING": query,
              "DOCUMENT_URI": path, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": remote_addr,
              "HTTPS": "on", "HTTP_HOST": "localhost", "CONTENT_LENGTH": str(len(body))}
    if body:
        params["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    for k, v in (headers or {}).items():
        params["HTTP_" + k.upper().replace("-", "_")] = v
    data = _record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, FCGI_KEEP_CONN if keep else 0))
    data += _record(PARAMS, b"".join(_pair(k, v) for k, v in params.items()))
    data += _record(PARAMS, b"")
    if body:
        data += _record(STDIN, body)
    data += _record(STDIN, b"")
    return data


def read_reply(sock):
    """Read one reply's records from sock: (its stdout bytes, True if END_REQUEST came, False
    if the connection closed first). Bytes after END_REQUEST are not expected (one request at
    a time) and not read."""
    stdout, buf = b"", b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return stdout, False
        buf += chunk
        while len(buf) >= 8:
            _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == STDOUT:
                stdout += content
            elif rtype == END_REQUEST:
                return stdout, True


def _parse(stdout):
    head, _, body = stdout.partition(b"\r\n\r\n")
    status, headers = 200, {}
    for line in head.decode("latin-1").split("\r\n"):
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        if k.lower() == "status":
            status = int(v.split()[0])
        else:
            headers[k.strip().lower()] = v.strip()
    return status, headers, body
