"""test_socket.py: the server takes a socket from systemd (socket activation), listens on a
unix socket path with the configured mode, and drains on SIGTERM there too."""
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import fcgi
import mgtest
from mgtest import env


def start(args, extra_env):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
         "MUSICGRAPH_DATABASE_URL": env("MUSICGRAPH_DATABASE_URL"),
         "MUSICGRAPH_WORKERS": "2", **extra_env}
    return subprocess.Popen(args, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the server did not exit within 20 s of SIGTERM")
    err = proc.stderr.read().decode(errors="replace")
    assert proc.returncode == 0, (proc.returncode, err)
    assert "ERROR: AddressSanitizer" not in err and "runtime error" not in err, err


def wait_answers(path):
    mgtest.wait_until(lambda: os.path.exists(path) and _answers(path), timeout=10,
                      what=f"the server to answer on {path}")


def _answers(path):
    try:
        return fcgi.request(path, uri="/healthz")[0] == 200
    except OSError:
        return False


def test_unix_socket_with_mode():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "fcgi.sock")
    proc = start([env("MG_SERVER")], {"MUSICGRAPH_LISTEN": path,
                                      "MUSICGRAPH_SOCKET_MODE": "0600"})
    try:
        wait_answers(path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        status, headers, body = fcgi.request(path, uri="/genres/rock")
        assert status == 200 and b"<h1>rock</h1>" in body, status
        status, _, _ = fcgi.request(path, uri="/genres/%zz")
        assert status == 400
    finally:
        stop(proc)
        assert not os.path.exists(path), "the socket file is removed at exit"
        shutil.rmtree(d)


def test_systemd_socket_activation():
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        mgtest.skip("systemd-socket-activate is not installed")
    d = tempfile.mkdtemp()
    path = os.path.join(d, "activated.sock")
    # MUSICGRAPH_LISTEN names another place: the inherited socket must win
    # systemd-socket-activate passes on only the variables named with -E
    passed = ["-E", "MUSICGRAPH_DATABASE_URL", "-E", "MUSICGRAPH_WORKERS", "-E",
              "MUSICGRAPH_LISTEN"]
    proc = start([tool, "-l", path, *passed, env("MG_SERVER")],
                 {"MUSICGRAPH_LISTEN": os.path.join(d, "unused.sock")})
    try:
        mgtest.wait_until(lambda: os.path.exists(path), timeout=10, what="the socket")
        wait_answers(path)
        assert not os.path.exists(os.path.join(d, "unused.sock"))
        status, _, body = fcgi.request(path, uri="/bands/metallica")
        assert status == 200 and b"Metallica" in body
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


def test_bad_configuration_is_refused_at_start():
    proc = subprocess.run([env("MG_SERVER")], env={"MUSICGRAPH_WORKERS": "many"},
                          capture_output=True, text=True, timeout=10)
    assert proc.returncode == 2, proc.returncode
    assert "MUSICGRAPH_WORKERS" in proc.stderr, proc.stderr


if __name__ == "__main__":
    mgtest.main()
