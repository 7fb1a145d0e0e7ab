"""test_roles.py: least privilege in the database (sql/setup/roles.sql; docs/operations.md,
"Database roles").

On the stack's PostgreSQL, a database and its two roles are made for this run by roles.sql
(unique names; dropped at the end): `musicgraph-admin migrate` runs as the migration role,
which then owns everything; the application's role runs every other musicgraph-admin command
and a private server (pages, a login, an admin write, end-sessions), but cannot create, alter,
drop or truncate anything, and cannot migrate. A later migration's table is covered by the
default privileges."""
import atexit
import os
import shutil
import tempfile

import mgtest
import opsutil
from opsutil import admin, q, psql_run

R = opsutil.RolesDb("roles")
PASSWORD = "violet tundra quokka marble"
atexit.register(R.drop)

TABLES = ["audit_log", "band_genres", "bands", "data_version", "flash_messages", "genre_aliases",
          "genre_parents", "genre_types", "genres", "login_failures", "schema_migrations",
          "sessions", "users"]  # genre_types is a view


def as_app(sql):
    """psql as the application's role; returns CompletedProcess (not checked)."""
    return psql_run(R.app_url, sql, check=False)


def test_roles_sql_makes_the_database_and_roles():
    p = R.roles_sql()
    assert "done" in p.stdout + p.stderr, p
    rows = q(R.super_url, "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, "
             f"rolreplication, rolbypassrls FROM pg_roles WHERE rolname IN ('{R.app}', "
             f"'{R.migrate}') ORDER BY rolname = '{R.app}'").splitlines()
    assert rows == [f"{R.migrate}|t|f|f|f|f|f", f"{R.app}|t|f|f|f|f|f"], rows
    # the database: the superuser's, UTF-8; only the two roles may connect; nobody else creates
    assert q(R.super_url, "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), "
             f"datcollate FROM pg_database WHERE datname = '{R.db}'") == "postgres|UTF8|C.UTF-8"
    checks = {
        f"has_database_privilege('{R.app}', '{R.db}', 'CONNECT')": "t",
        f"has_database_privilege('{R.migrate}', '{R.db}', 'CONNECT')": "t",
        f"has_database_privilege('public', '{R.db}', 'CONNECT')": "f",
        f"has_database_privilege('{R.app}', '{R.db}', 'CREATE')": "f",
        f"has_database_privilege('{R.app}', '{R.db}', 'TEMPORARY')": "f",
        f"has_database_privilege('{R.migrate}', '{R.db}', 'CREATE')": "f",
        f"has_schema_privilege('{R.app}', 'public', 'USAGE')": "t",
        f"has_schema_privilege('{R.app}', 'public', 'CREATE')": "f",
        f"has_schema_privilege('{R.migrate}', 'public', 'CREATE')": "t",
        "has_schema_privilege('public', 'public', 'USAGE')": "f",
    }
    got = q(R.owner_url, "SELECT " + ", ".join(checks)).split("|")
    assert dict(zip(checks, got)) == checks, dict(zip(checks, got))
    # running it again changes nothing and fails nothing
    R.roles_sql()


def test_roles_sql_refuses_a_superuser_or_one_role_for_both():
    p = R.roles_sql(check=False, app_role="postgres")
    assert p.returncode != 0 and "is a superuser" in p.stderr, p
    p = R.roles_sql(check=False, app_role=R.migrate)
    assert p.returncode != 0 and "two different roles" in p.stderr, p
    assert q(R.super_url, "SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'") == "t"


def test_the_app_role_cannot_migrate_an_empty_database():
    p = admin(R.app_url, "migrate", check=False)
    assert p.returncode == 1, p
    assert "permission denied for schema public" in p.stderr, p.stderr
    assert q(R.owner_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0"


def test_migrate_runs_as_the_migration_role_which_owns_everything():
    p = admin(R.migrate_url, "migrate")
    assert "Database is up to date" in p.stdout, p.stdout
    owners = q(R.owner_url, "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c "
               "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
    assert owners == R.migrate, owners
    funcs = q(R.owner_url, "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc p "
              "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'")
    assert funcs == R.migrate, funcs
    # the application's role: exactly SELECT, INSERT, UPDATE, DELETE on every table
    privs = q(R.owner_url, "SELECT table_name, string_agg(privilege_type, ',' ORDER BY "
              "privilege_type) FROM information_schema.role_table_grants WHERE grantee = "
              f"'{R.app}' AND table_schema = 'public' GROUP BY table_name ORDER BY 1")
    tables = q(R.owner_url, "SELECT table_name FROM information_schema.tables WHERE "
               "table_schema = 'public' ORDER BY 1").splitlines()
    assert tables == TABLES, tables
    assert privs.splitlines() == [f"{t}|DELETE,INSERT,SELECT,UPDATE" for t in TABLES], privs


def test_the_app_role_cannot_migrate_a_migrated_database():
    p = admin(R.app_url, "migrate", check=False)
    assert p.returncode == 1, p
    assert f"migrate must run as the role that owns the schema, {R.migrate}" in p.stderr, p.stderr
    assert f"not as {R.app}" in p.stderr, p.stderr
    # --status only reads: any role may ask
    p = admin(R.app_url, "migrate", "--status")
    assert ", 0 pending" in p.stdout, p.stdout


def test_the_app_role_has_no_ddl_rights():
    refused = {
        "CREATE TABLE t (a int)": "permission denied for schema public",
        "CREATE VIEW v AS SELECT 1": "permission denied for schema public",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'":
            "permission denied for schema public",
        "CREATE TEMP TABLE t (a int)": "permission denied to create temporary tables",
        f'CREATE SCHEMA "s_{R.app}"': "permission denied for database",
        "DROP TABLE sessions": "must be owner of table sessions",
        "ALTER TABLE users ADD COLUMN x int": "must be owner of table users",
        "ALTER TABLE genres DISABLE TRIGGER ALL": "must be owner of table genres",
        "CREATE INDEX ON genres (name)": "must be owner of table genres",
        "CREATE TRIGGER t AFTER INSERT ON genres EXECUTE FUNCTION data_version_bump()":
            "permission denied for table genres",
        "DROP FUNCTION data_version_bump() CASCADE": "must be owner of function",
        "TRUNCATE sessions": "permission denied for table sessions",
        "TRUNCATE genres CASCADE": "permission denied for table",
        "ALTER SEQUENCE users_id_seq RESTART": "must be owner of sequence",
    }
    for sql, message in refused.items():
        p = as_app(sql)
        assert p.returncode != 0 and message in p.stderr, (sql, p.returncode, p.stderr)
    # and it can use the tables as the application does
    p = as_app("SELECT count(*) FROM genres; SELECT last_value FROM users_id_seq")
    assert p.returncode == 0, p.stderr


def test_every_other_command_runs_as_the_app_role():
    src = os.environ.get("MG_SOURCE_DIR") or mgtest.env("MG_SOURCE_DIR")
    demo = os.path.join(src, "sql/demo")
    p = admin(R.app_url, "import-genres", f"{demo}/musicbrainz/genres.csv",
              f"{demo}/musicbrainz/genre_aliases.csv")
    assert "Imported 2184 genres" in p.stdout, p.stdout
    p = admin(R.app_url, "import-bands", f"{demo}/bands/bands.csv")
    assert "Imported 394 bands" in p.stdout, p.stdout
    p = admin(R.app_url, "create-user", "alice", "alice@example.org", "--admin",
              input=PASSWORD + "\n")
    assert p.stdout.strip() == "Created admin 'alice'.", p.stdout
    admin(R.app_url, "create-user", "bob", "bob@example.org",
          input="copper lagoon whistle fathom\n")
    assert "Success" in admin(R.app_url, "promote", "bob").stdout
    assert "Success" in admin(R.app_url, "demote", "bob").stdout
    p = admin(R.app_url, "set-password", "bob", input="saffron glacier pivot humming\n")
    assert "Password changed for 'bob'" in p.stdout, p.stdout
    assert "2 users." in admin(R.app_url, "list-users").stdout
    # everything above left its audit entries, written by the application's role
    actions = q(R.owner_url, "SELECT string_agg(action, ' ' ORDER BY id) FROM audit_log "
                "WHERE target_type = 'user'")
    assert actions == "user.create user.create user.promote user.demote user.set_password", \
        actions


def test_a_server_as_the_app_role_serves_and_writes():
    held = opsutil.HeldSocket()
    server = opsutil.Server(held, R.app_url).start()
    try:
        c = opsutil.Client(held.path)
        for uri, needle in [("/", b"<html"), ("/genres/rock", b"<h1>rock</h1>"),
                            ("/bands/metallica", b"Metallica"), ("/api/graph", b'"genres":[{'),
                            ("/healthz", b"ok")]:
            status, _, body = c.get(uri)
            assert status == 200 and needle in body, (uri, status, body[:300])
        c.login("alice", PASSWORD)
        assert c.get("/account")[0] == 200
        # an admin write: a genre (its triggers and functions run as the application's role)
        status, _, body = c.get("/admin/genres/new")
        assert status == 200, status
        token = mgtest.form_fields(body, "/admin/genres/new")["csrf_token"]
        status, _, body = c.post("/admin/genres/new", {
            "id": "roles-probe", "name": "Roles Probe", "parent_id": "rock",
            "parent_genres": ["rock"], "description": "", "csrf_token": token})
        assert status == 303, (status, body[:500])
        status, _, body = c.get("/genres/roles-probe")
        assert status == 200 and b"Roles Probe" in body, status
        assert q(R.owner_url, "SELECT action FROM audit_log WHERE target_id = 'roles-probe'") \
            == "genre.create"
        # end-sessions (as the application's role) logs the browser out at its next request
        p = admin(R.app_url, "end-sessions", "ALICE")
        assert p.stdout.strip() == "Ended 1 session(s) of 'alice'.", p.stdout
        status, headers, _ = c.get("/account")
        assert status in (302, 303) and headers["location"].startswith("/login"), \
            (status, headers)
    finally:
        server.stop()
        held.close()


def test_a_later_migrations_table_is_covered_by_the_default_privileges():
    d = tempfile.mkdtemp()
    try:
        mig = os.path.join(d, "migrations")
        shutil.copytree(mgtest.env("MUSICGRAPH_MIGRATIONS_DIR"), mig)
        with open(os.path.join(mig, "9000_roles_probe.sql"), "w") as f:
            f.write("CREATE TABLE roles_probe (id bigint GENERATED ALWAYS AS IDENTITY "
                    "PRIMARY KEY, note text NOT NULL);\n")
        p = admin(R.app_url, "migrate", migrations_dir=mig, check=False)
        assert p.returncode == 1 and "must run as the role that owns the schema" in p.stderr, p
        assert as_app("SELECT 1 FROM roles_probe").returncode != 0
        p = admin(R.migrate_url, "migrate", migrations_dir=mig)
        assert "Applied 9000_roles_probe.sql" in p.stdout, p.stdout
        p = as_app("INSERT INTO roles_probe (note) VALUES ('a'), ('b');"
                   "UPDATE roles_probe SET note = 'c' WHERE id = 1;"
                   "DELETE FROM roles_probe WHERE id = 2; SELECT id, note FROM roles_probe")
        assert p.returncode == 0 and p.stdout.strip() == "1|c", (p.stdout, p.stderr)
        for sql in ("DROP TABLE roles_probe", "TRUNCATE roles_probe",
                    "ALTER TABLE roles_probe ADD COLUMN x int"):
            assert as_app(sql).returncode != 0, sql
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    mgtest.main()
