"""test_upgrade.py: the upgrade of docs/operations.md ("Upgrading") drops no request.

A copy of the stack's database, set up with the two roles as installed, is served by a private
server whose FastCGI socket this test holds open, as systemd's musicgraph.socket does. Under a
steady GET load: a new migration (a nullable column and an index, backward compatible with
the running version) is applied as the migration role while the old server keeps serving;
then the server is restarted the way `systemctl restart musicgraph` does it (SIGTERM, wait for
the exit, start the new binary on the same socket). Every request succeeds, including those
sent while no server process existed at all: they wait in the socket's backlog."""
import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time

import mgtest
import opsutil
from mgtest import env
from opsutil import admin, q

R = opsutil.RolesDb("upgrade")
TMP = tempfile.mkdtemp(prefix="mg-upgrade-")
PATHS = ["/", "/genres/rock", "/api/graph", "/bands/metallica", "/healthz", "/genres/death-metal"]
PROBE = "9001_upgrade_probe.sql"


def cleanup():
    R.drop()
    shutil.rmtree(TMP, ignore_errors=True)


atexit.register(cleanup)


def test_a_copy_of_the_stack_with_two_roles():
    R.roles_sql()
    p = opsutil.run_backup(env("MUSICGRAPH_DATABASE_URL"), os.path.join(TMP, "backup"))
    (dump,) = os.listdir(os.path.join(TMP, "backup"))
    opsutil.restore(os.path.join(TMP, "backup", dump), R)
    assert q(R.owner_url, "SELECT count(*) FROM genres") == \
        q(env("MUSICGRAPH_DATABASE_URL"), "SELECT count(*) FROM genres"), p.stdout


def test_migrate_then_restart_under_load_loses_no_request():
    migrations = os.path.join(TMP, "migrations")
    shutil.copytree(env("MUSICGRAPH_MIGRATIONS_DIR"), migrations)
    with open(os.path.join(migrations, PROBE), "w") as f:
        f.write("-- an upgrade's migration: backward compatible (the running version ignores "
                "both)\nALTER TABLE bands ADD COLUMN upgrade_probe text;\n"
                "CREATE INDEX genres_upgrade_probe_idx ON genres (lower(name));\n")
    # "install the new build": a new file at another path (cmake --install replaces the
    # program's file too; the running server keeps its old one until it is restarted)
    new_dir = os.path.join(TMP, "new")
    os.mkdir(new_dir)
    new_server = os.path.join(new_dir, "musicgraph")
    shutil.copy2(env("MG_SERVER"), new_server)

    held = opsutil.HeldSocket()
    server = opsutil.Server(held, R.app_url, workers=2).start()
    try:
        with opsutil.Load(held.path, PATHS, threads=6) as load:
            time.sleep(1.0)
            p = admin(R.migrate_url, "migrate", migrations_dir=migrations)
            assert f"Applied {PROBE}" in p.stdout, p.stdout
            time.sleep(0.5)
            old_pid = server.proc.pid
            t_stop = time.monotonic()
            server.stop()  # systemctl restart: SIGTERM, wait for the exit ...
            t_gone = time.monotonic()
            server.start(program=new_server, wait=False)  # ... then start on the same socket
            server.wait_ready()
            t_ready = time.monotonic()
            time.sleep(1.0)
        assert server.proc.pid != old_pid
        failures = load.failures()
        total = len(load.records)
        gap = load.started_between(t_gone, t_ready)
        waited = [r for r in load.records if r[0] < t_ready and r[1] > t_gone]
        print(f"  {total} requests; stop took {t_gone - t_stop:.3f}s, no server for "
              f"{t_ready - t_gone:.3f}s; {len(gap)} requests sent meanwhile, "
              f"{len(waited)} answered only by the new server")
        assert failures == [], failures[:10]
        assert total > 50, total
        # the restart really happened under load: requests were sent while no server ran
        assert len(gap) >= 1 and len(waited) >= 1, (len(gap), len(waited))
        # the new server on the migrated schema
        c = opsutil.Client(held.path)
        for path in PATHS:
            assert c.get(path)[0] == 200, path
        assert q(R.owner_url, "SELECT count(upgrade_probe) FROM bands") == "0"
    finally:
        server.stop()
        held.close()


def worker_pids(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return set(int(p) for p in out.stdout.split())


def test_reload_with_more_clients_than_workers_loses_no_request():
    """systemctl reload (SIGHUP) while connections queue all the time: every old worker
    still takes its stop signal between two requests, and none is refused."""
    held = opsutil.HeldSocket()
    server = opsutil.Server(held, R.app_url, workers=2).start()
    try:
        before = worker_pids(server.proc.pid)
        assert len(before) == 2, before
        with opsutil.Load(held.path, PATHS, threads=6) as load:
            time.sleep(0.5)
            t0 = time.monotonic()
            server.proc.send_signal(signal.SIGHUP)
            mgtest.wait_until(lambda: len(worker_pids(server.proc.pid)) == 2 and
                              not worker_pids(server.proc.pid) & before, timeout=10,
                              interval=0.05, what="both workers to be replaced")
            print(f"  both workers replaced {time.monotonic() - t0:.3f}s after SIGHUP")
            time.sleep(0.5)
        assert load.failures() == [], load.failures()[:10]
        assert len(load.records) > 50, len(load.records)
    finally:
        server.stop()
        held.close()


if __name__ == "__main__":
    mgtest.main()
