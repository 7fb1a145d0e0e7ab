-- roles.sql: the Music Graph database and its two roles, with least privilege.
--
-- Run once as PostgreSQL's superuser, before the first migration:
--
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -f /usr/local/share/musicgraph/setup/roles.sql
--   sudo -u postgres psql -c '\password musicgraph_migrate'
--
-- It makes (what is missing; running it again changes nothing that is already right):
--
--   musicgraph_migrate  LOGIN. Owns every table, sequence, function and trigger the
--                       migrations create: `musicgraph-admin migrate` runs as this role
--                       (musicgraph-migrate.service, with its password in
--                       /etc/musicgraph/migrate.env). The only role with CREATE on the schema.
--   musicgraph          LOGIN. The application's role, for the server and every other
--                       musicgraph-admin command. Owns nothing and has no DDL rights: no CREATE
--                       on the database or the schema, no temporary tables, no TRUNCATE, no
--                       ALTER or DROP (only an owner may). It gets SELECT, INSERT, UPDATE,
--                       DELETE on the tables and USAGE, SELECT on the sequences that
--                       musicgraph_migrate creates, now and in every later migration (ALTER
--                       DEFAULT PRIVILEGES), and nothing else. Peer authentication: the
--                       operating-system user musicgraph logs in as it without a password.
--   musicgraph          the database (UTF-8, locale C.UTF-8), owned by the superuser; only
--                       these two roles may connect to it. Its schema public: USAGE for both,
--                       CREATE for musicgraph_migrate only, nothing for PUBLIC.
--
-- Other names: psql -v db=NAME -v app_role=NAME -v migrate_role=NAME (the tests use this; the
-- units and env examples assume the defaults). Passwords are never set here, where they would
-- end up in the shell history or `ps`: set them afterwards with psql's \password, which asks.
-- Neither role may be a superuser (the script refuses), and they must differ.

\set ON_ERROR_STOP 1
\if :{?db}
\else
\set db musicgraph
\endif
\if :{?app_role}
\else
\set app_role musicgraph
\endif
\if :{?migrate_role}
\else
\set migrate_role musicgraph_migrate
\endif

-- Refuse names that would give this script's grants (or its ALTER ROLE) to the wrong role.
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
              'roles.sql: app_role and migrate_role must be two different roles')
WHERE :'app_role' = :'migrate_role' \gexec
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
              format('roles.sql: role %s is a superuser; choose another name', rolname))
FROM pg_roles WHERE rolname IN (:'app_role', :'migrate_role') AND rolsuper \gexec

-- The roles: they log in, nothing more.
SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY[:'migrate_role', :'app_role']) AS r
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE :"migrate_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- The database, owned by the superuser (its owner could create schemas in it).
SELECT format('CREATE DATABASE %I TEMPLATE template0 ENCODING %L LOCALE %L', :'db', 'UTF8',
              'C.UTF-8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"migrate_role", :"app_role";

\connect :"db"

-- The schema: PUBLIC (every role of the cluster) gets nothing, not even USAGE.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"migrate_role";
GRANT USAGE ON SCHEMA public TO :"app_role";

-- What musicgraph_migrate creates from now on, the application may use but not change.
-- SELECT on sequences: pg_dump reads them, and the backups run as the application's role.
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrate_role" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migrate_role" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

-- Tables that already exist (the script run again after migrations): the same rights.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

\echo roles.sql: database :"db", migration role :"migrate_role", application role :"app_role": done
