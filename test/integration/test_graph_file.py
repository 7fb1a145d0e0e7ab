"""test_graph_file.py: /api/graph sent by nginx from MUSICGRAPH_GRAPH_DIR (docs/configuration.md).

The stack's server writes graph-<version>.json into STATE/graph and answers /api/graph with
X-Accel-Redirect; nginx sends the file from its internal /_graph/ location. Checked here: the
bytes are those a server without the setting sends from memory, the client sees the same
headers as before (application/json, the "g<version>" ETag and its 304, Cache-Control,
X-Request-Id, gzip), a data change writes the new version's file and keeps the previous one,
files are pruned GRAPH_FILE_KEEP seconds after their successor appeared (file mtimes are set
back instead of waiting), a file that vanished is written again, a folder that cannot be
written falls back to memory (200, the whole body), and a relative folder stops the server.
The tests that delete files or break the folder use private servers (FastCGI, no nginx) with
folders of their own, so that the stack's files stay as other tests expect them."""
import glob
import gzip
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

import mgtest
import opsutil
from mgtest import env, get, psql

GRAPH_FILE_KEEP = 60  # app/src/server/graph_file.h
RUN = opsutil.run_id()


def graph_dir():
    d = env("MG_GRAPH_DIR")
    if not d:
        mgtest.skip("the stack runs with MUSICGRAPH_GRAPH_DIR empty")
    return d


def db_version():
    return int(psql("SELECT version FROM data_version")[0][0])


def current_graph(min_version=None):
    """GET /api/graph until it shows the database's version (or a later one)."""
    want = db_version() if min_version is None else min_version

    def attempt():
        r = get("/api/graph")
        return r if r.status == 200 and json.loads(r.body)["version"] >= want else None
    return mgtest.wait_until(attempt, timeout=5, interval=0.02, what="/api/graph to catch up")


def file_of(version):
    return os.path.join(graph_dir(), f"graph-{version}.json")


def versions_on_disk():
    return sorted(int(os.path.basename(p)[6:-5]) for p in glob.glob(file_of("*")))


class PrivateServer:
    """The server on the stack's database, spoken to in FastCGI (no nginx)."""

    def __init__(self, graph_dir_value):
        self.held = opsutil.HeldSocket()
        self.server = opsutil.Server(self.held, env("MUSICGRAPH_DATABASE_URL"), workers=1,
                                     extra_env={"MUSICGRAPH_GRAPH_DIR": graph_dir_value})

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()
        self.held.close()

    def get(self, uri, headers=None):
        status, hdrs, body = opsutil.exchange(self.held.path, "GET", uri, headers=headers)
        return status, dict(hdrs), body

    def log(self):
        with open(self.server.log, encoding="utf-8", errors="replace") as f:
            return f.read()


def test_nginx_sends_the_file_with_the_apps_headers():
    r = current_graph()
    version = json.loads(r.body)["version"]
    path = file_of(version)
    assert os.path.isfile(path), (path, os.listdir(graph_dir()))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    with open(path, "rb") as f:
        assert f.read() == r.body, "nginx sent other bytes than the file holds"
    assert r.header("content-type") == "application/json"
    assert r.header("cache-control") == "no-cache"
    assert r.header("etag") == f'"g{version}"'
    assert r.header("x-request-id"), "the app's X-Request-Id is kept"
    assert r.header("x-accel-redirect") is None
    assert r.headers.get_all("etag") == [f'"g{version}"'], "one ETag"
    # conditional GET: the app answers 304 itself; a stale ETag gets the file again
    r304 = get("/api/graph", {"If-None-Match": f'"g{version}"'})
    if r304.status == 200:  # another test changed the data in between
        assert json.loads(r304.body)["version"] > version
    else:
        assert r304.status == 304 and r304.body == b"", r304
    assert get("/api/graph", {"If-None-Match": '"g0"'}).status == 200
    # gzip as before, with the weak form of the same ETag
    rz = get("/api/graph", {"Accept-Encoding": "gzip"})
    assert rz.header("content-encoding") == "gzip", rz.headers
    doc = json.loads(gzip.decompress(rz.body))
    assert rz.header("etag") == f'W/"g{doc["version"]}"'
    # HEAD: headers, no body
    rh = mgtest.request("HEAD", "/api/graph")
    assert rh.status == 200 and rh.body == b"" and rh.header("etag"), rh
    # the internal location is not reachable from outside
    assert get(f"/_graph/graph-{version}.json").status == 404


def test_same_bytes_as_a_server_without_the_setting():
    with PrivateServer("") as mem, PrivateServer(tempfile.mkdtemp(prefix="mg-graph-")) as f:
        for _ in range(50):  # the same version on both sides (other tests change data)
            r = current_graph()
            status, hdrs, body = mem.get("/api/graph")
            if status == 200 and json.loads(body)["version"] == json.loads(r.body)["version"]:
                break
            time.sleep(0.1)
        assert status == 200 and "x-accel-redirect" not in hdrs
        assert body == r.body, "the file differs from the JSON sent from memory"
        assert hdrs["etag"] == r.header("etag")
        # with the setting: X-Accel-Redirect to its own file, no body, the same headers
        fdir = f.server.extra_env["MUSICGRAPH_GRAPH_DIR"]
        try:
            status, hdrs, fbody = f.get("/api/graph")
            assert status == 200 and fbody == b"", (status, fbody[:100])
            version = json.loads(body)["version"]
            name = hdrs["x-accel-redirect"]
            assert name.startswith("/_graph/graph-") and name.endswith(".json"), name
            v = int(name[len("/_graph/graph-"):-5])
            assert hdrs["etag"] == f'"g{v}"' and hdrs["content-type"] == "application/json"
            assert hdrs["cache-control"] == "no-cache"
            with open(os.path.join(fdir, f"graph-{v}.json"), "rb") as fh:
                written = fh.read()
            if v == version:
                assert written == body
            assert f.get("/api/graph", {"If-None-Match": hdrs["etag"]})[0] == 304
        finally:
            shutil.rmtree(fdir, ignore_errors=True)


def test_the_stack_writes_a_changes_file_and_keeps_the_previous():
    v0 = json.loads(current_graph().body)["version"]
    gid = f"graph-file-{RUN}".replace("_", "-")
    psql("INSERT INTO genres (id, name) VALUES ($1, $2)", gid, "Graph file probe")
    try:
        r = current_graph(db_version())
        assert gid in r.text
        v = json.loads(r.body)["version"]
        assert os.path.isfile(file_of(v)) and os.path.isfile(file_of(v0)), versions_on_disk()
    finally:
        psql("DELETE FROM genres WHERE id = $1", gid)


def private_version(s, min_version):
    """The version whose file s redirects /api/graph to, once it is min_version or later."""
    def attempt():
        status, hdrs, body = s.get("/api/graph")
        assert status == 200 and body == b"", (status, body[:100])
        v = int(hdrs["x-accel-redirect"][len("/_graph/graph-"):-5])
        return v if v >= min_version else None
    return mgtest.wait_until(attempt, timeout=5, interval=0.02, what="the new version")


def test_old_files_are_pruned_after_their_successor_is_old():
    d = tempfile.mkdtemp(prefix="mg-graph-")
    gid = f"graph-prune-{RUN}".replace("_", "-")
    try:
        with PrivateServer(d) as s:
            v0 = private_version(s, 0)
            psql("INSERT INTO genres (id, name) VALUES ($1, $2)", gid, "Graph prune probe")
            v1 = private_version(s, db_version())
            on_disk = sorted(int(n[6:-5]) for n in os.listdir(d) if n.startswith("graph-"))
            assert v0 in on_disk and v1 in on_disk, on_disk
            # age the files past GRAPH_FILE_KEEP: the next change prunes v0 (its successor
            # is old) but keeps v1 (its successor, the next change's file, is new)
            old = time.time() - GRAPH_FILE_KEEP - 30
            for n in os.listdir(d):
                os.utime(os.path.join(d, n), (old, old))
            psql("UPDATE genres SET name = $2 WHERE id = $1", gid, "Graph prune probe 2")
            v2 = private_version(s, db_version())
            on_disk = sorted(int(n[6:-5]) for n in os.listdir(d) if n.startswith("graph-"))
            assert v0 not in on_disk, f"version {v0} was not pruned: {on_disk}"
            assert v2 in on_disk, on_disk
            newest_old = max(v for v in on_disk if v < v2)
            assert newest_old >= v1, f"the version before {v2} must stay: {on_disk}"
    finally:
        psql("DELETE FROM genres WHERE id = $1", gid)
        shutil.rmtree(d, ignore_errors=True)


def test_a_vanished_file_is_written_again():
    # a private server with its own folder: the stack's file must not vanish under other tests
    d = tempfile.mkdtemp(prefix="mg-graph-")
    try:
        with PrivateServer(d) as s:
            status, hdrs, _ = s.get("/api/graph")
            name = hdrs["x-accel-redirect"]
            path = os.path.join(d, os.path.basename(name))
            with open(path, "rb") as f:
                before = f.read()
            os.unlink(path)
            status, hdrs, body = s.get("/api/graph")
            assert status == 200 and body == b"", (status, body[:100])
            if hdrs["x-accel-redirect"] == name:  # (unless the data changed in between)
                with open(path, "rb") as f:
                    assert f.read() == before, "written again, with the same bytes"
            assert os.path.isfile(os.path.join(d, os.path.basename(hdrs["x-accel-redirect"])))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_an_unusable_folder_falls_back_to_memory():
    tmp = tempfile.mkdtemp(prefix="mg-graph-")
    not_a_dir = os.path.join(tmp, "file")
    with open(not_a_dir, "w") as f:
        f.write("not a folder\n")
    try:
        for bad in (os.path.join(tmp, "missing"), not_a_dir):
            with PrivateServer(bad) as s:
                for _ in range(3):
                    status, hdrs, body = s.get("/api/graph")
                    assert status == 200 and "x-accel-redirect" not in hdrs, (status, hdrs)
                    doc = json.loads(body)
                    assert hdrs["etag"] == f'"g{doc["version"]}"'
                log = s.log()
                assert log.count("serving /api/graph from memory") == 1, log
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_relative_folder_stops_the_server_at_start():
    p = subprocess.run([env("MG_SERVER")], env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                "MUSICGRAPH_GRAPH_DIR": "graph"},
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert 'MUSICGRAPH_GRAPH_DIR="graph" is not an absolute path' in p.stderr, p.stderr


if __name__ == "__main__":
    mgtest.main()
