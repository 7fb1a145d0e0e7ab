"""test_backup.py: backups and the restore of docs/operations.md ("Backups").

musicgraph-backup (the script musicgraph-backup.service runs) dumps the stack's database in
pg_dump's custom format and keeps the newest MUSICGRAPH_BACKUP_KEEP dumps; the dump is
restored into a fresh database made by roles.sql (`pg_restore --no-owner
--role=<migration role> --exit-on-error --single-transaction`), which a private server, running
as the application's role, then serves exactly like the stack: the same /api/graph, the same
genre page, and a user made before the backup logs in. `musicgraph-admin migrate` on the
restored database applies nothing."""
import atexit
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time

import mgtest
import opsutil
from mgtest import env
from opsutil import admin, q

RUN = opsutil.run_id()
TMP = tempfile.mkdtemp(prefix="mg-backup-")
BACKUPS = os.path.join(TMP, "backups")
DUMP = os.path.join(TMP, "restore-me.dump")
R = opsutil.RolesDb("restore")
R2 = opsutil.RolesDb("restore2", roles_of=R)
USER, PASSWORD = f"bk_{RUN}"[:32], "ember quartz lantern meadow"
STABLE = ["genres", "genre_parents", "genre_aliases", "bands", "band_genres", "users",
          "audit_log", "schema_migrations", "data_version"]
NAME = re.compile(r"musicgraph-\d{8}-\d{6}\.dump")
counts_at_backup = {}


def cleanup():
    R2.drop()
    R.drop()
    mgtest.psql("DELETE FROM users WHERE username = $1", USER)
    shutil.rmtree(TMP, ignore_errors=True)


atexit.register(cleanup)


def counts(url):
    return dict(zip(STABLE, q(url, "SELECT " + ", ".join(
        f"(SELECT count(*) FROM {t})" for t in STABLE)).split("|")))


def dumps():
    return sorted(f for f in os.listdir(BACKUPS) if NAME.fullmatch(f))


def test_backup_writes_a_complete_custom_format_dump():
    admin(env("MUSICGRAPH_DATABASE_URL"), "create-user", USER, f"{USER}@example.org",
          input=PASSWORD + "\n")
    counts_at_backup.update(counts(env("MUSICGRAPH_DATABASE_URL")))
    p = opsutil.run_backup(env("MUSICGRAPH_DATABASE_URL"), BACKUPS)
    made = dumps()
    assert len(made) == 1, made
    path = os.path.join(BACKUPS, made[0])
    assert p.stdout.strip() == f"Backup written: {path} ({os.path.getsize(path)} bytes)", p.stdout
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, oct(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(BACKUPS).st_mode) == 0o700
    assert not [f for f in os.listdir(BACKUPS) if f.endswith(".partial")]
    listing = subprocess.run([opsutil.psql_bin("pg_restore"), "--list", path],
                             capture_output=True, text=True, check=True).stdout
    assert "Format: CUSTOM" in listing, listing[:500]
    for table in ("genres", "bands", "users", "schema_migrations"):
        assert re.search(rf"TABLE DATA public {table} ", listing), table
    shutil.copy(path, DUMP)


def test_older_dumps_beyond_keep_are_deleted():
    olds = [f"musicgraph-2020010{i}-030000.dump" for i in range(1, 6)]
    others = ["notes.txt", "musicgraph-latest.dump", "musicgraph-2020-01-01.dump"]
    for f in olds + others:
        with open(os.path.join(BACKUPS, f), "w") as fh:
            fh.write("x")
    before = dumps()
    time.sleep(1.1)  # a backup in the same second has the same name (and is refused)
    p = opsutil.run_backup(env("MUSICGRAPH_DATABASE_URL"), BACKUPS, keep=3)
    after = dumps()
    new = [f for f in after if f not in before]
    assert len(new) == 1, (before, after)
    # the newest three by name (= by time): the new one, the first one, and 2020-01-05
    assert after == sorted([new[0], before[-1], olds[-1]]), after
    for f in others:
        assert os.path.exists(os.path.join(BACKUPS, f)), f
    deleted = re.findall(r"^Deleted old backup: .*/(\S+)$", p.stdout, re.M)
    assert sorted(deleted) == sorted(set(before) - set(after)), p.stdout


def test_a_failed_dump_writes_and_deletes_nothing():
    before = sorted(os.listdir(BACKUPS))
    url = opsutil.pg_url(f"no_such_db_{RUN}", "postgres")
    p = opsutil.run_backup(url, BACKUPS, keep=1, check=False)
    assert p.returncode == 1 and "pg_dump failed; no backup written, none deleted" in p.stderr, p
    assert sorted(os.listdir(BACKUPS)) == before
    p = opsutil.run_backup(env("MUSICGRAPH_DATABASE_URL"), BACKUPS, keep=0, check=False)
    assert p.returncode == 2 and "MUSICGRAPH_BACKUP_KEEP" in p.stderr, p
    assert sorted(os.listdir(BACKUPS)) == before


def test_restore_into_a_fresh_database():
    R.roles_sql()
    opsutil.restore(DUMP, R)
    assert counts(R.owner_url) == counts_at_backup
    # the restored objects belong to the migration role, and the application's role has
    # exactly its rights again (default privileges of roles.sql)
    owners = q(R.owner_url, "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c "
               "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
    assert owners == R.migrate, owners
    p = opsutil.psql_run(R.app_url, "CREATE TABLE t (a int)", check=False)
    assert p.returncode != 0 and "permission denied for schema public" in p.stderr, p.stderr
    p = opsutil.psql_run(R.app_url, "TRUNCATE sessions", check=False)
    assert p.returncode != 0 and "permission denied" in p.stderr, p.stderr


def test_migrate_on_the_restored_database_is_a_no_op():
    n = len([f for f in os.listdir(env("MUSICGRAPH_MIGRATIONS_DIR")) if f.endswith(".sql")])
    p = admin(R.migrate_url, "migrate")
    assert p.stdout.strip() == f"Database is up to date ({n} migrations).", p.stdout
    assert p.stderr == "", p.stderr


def test_the_restored_database_is_served_as_before():
    stack_graph = mgtest.get("/api/graph")
    assert stack_graph.status == 200
    held = opsutil.HeldSocket()
    server = opsutil.Server(held, R.app_url).start()
    try:
        c = opsutil.Client(held.path)
        status, _, body = c.get("/api/graph")
        assert status == 200
        assert json.loads(body) == json.loads(stack_graph.body), "the graphs differ"
        ours, theirs = c.get("/genres/death-metal"), mgtest.get("/genres/death-metal")
        assert ours[0] == theirs.status == 200
        h1 = re.compile(rb"<h1>.*?</h1>", re.S)
        assert h1.search(ours[2]).group(0) == h1.search(theirs.body).group(0)
        c.login(USER, PASSWORD)  # a user of the backup logs in (a write: the session)
        status, _, body = c.get("/account")
        assert status == 200 and USER.encode() in body, status
    finally:
        server.stop()
        held.close()


def test_a_backup_made_as_the_app_role_restores_the_same_way():
    """As installed: the service dumps as the application's role; the dump then carries the
    grants and default privileges, and is restored over a database that roles.sql made for
    the same two roles."""
    d = os.path.join(TMP, "second")
    p = opsutil.run_backup(R.app_url, d)
    (made,) = os.listdir(d)
    R2.roles_sql()
    opsutil.restore(os.path.join(d, made), R2)
    assert counts(R2.owner_url) == counts_at_backup
    acl = "SELECT c.relname, c.relacl FROM pg_class c JOIN pg_namespace n ON n.oid = " \
          "c.relnamespace WHERE n.nspname = 'public' ORDER BY 1"
    assert q(R2.owner_url, acl) == q(R.owner_url, acl)
    dacl = "SELECT defaclobjtype, defaclacl FROM pg_default_acl ORDER BY 1"
    assert q(R2.owner_url, dacl) == q(R.owner_url, dacl)
    p = admin(R2.migrate_url, "migrate")
    assert "Applied" not in p.stdout and "up to date" in p.stdout, p.stdout


if __name__ == "__main__":
    mgtest.main()
