"""test_config.py: settings that change what users see, checked on a second server started
with them (over its own unix socket, spoken to directly in FastCGI)."""
import os
import shutil
import tempfile

import fcgi
import mgtest
from test_socket import start, stop, wait_answers

TOKEN = "A" * 43  # any well-formed token works as a double-submit pair


def test_registration_closed():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "fcgi.sock")
    proc = start([mgtest.env("MG_SERVER")], {"MUSICGRAPH_LISTEN": path,
                                             "MUSICGRAPH_REGISTRATION": "closed"})
    try:
        wait_answers(path)
        status, _, body = fcgi.request(path, uri="/register")
        assert status == 200, status
        mgtest.check_html(body)
        assert b"Registration is closed" in body
        assert b'name="password"' not in body, "no form while closed"
        status, _, body = fcgi.request(path, uri="/")
        assert b'href="/register"' not in body, "no Register link in the navbar"
        assert b'href="/login"' in body
        form = (f"csrf_token={TOKEN}&username=closeduser&email=closed@example.org"
                "&password=velvet-crane-orbit-47-lagoon"
                "&password_confirm=velvet-crane-orbit-47-lagoon").encode()
        status, _, body = fcgi.request(path, method="POST", uri="/register", body=form,
                                       headers={"Cookie": f"__Host-mg_csrf={TOKEN}"})
        assert status == 403, status
        assert b"Registration is closed" in body
        rows = mgtest.psql("SELECT count(*) FROM users WHERE username = 'closeduser'")
        assert rows[0][0] == "0"
    finally:
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    mgtest.main()
