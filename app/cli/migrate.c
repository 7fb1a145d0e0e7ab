/* migrate.c: "musicgraph-admin migrate": numbered SQL files applied once, in order, checksummed. */
#include "admin.h"
#include "core/buf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_USAGE "migrate [--dir DIR] [--status]"
#define MIGRATION_MAX (16u * 1024 * 1024)
/* pg_advisory_lock(MG_LOCK_CLASS, MG_LOCK_MIGRATE): one migrate at a time ("MG" = 19783) */
#define MG_LOCK_CLASS   "19783"
#define MG_LOCK_MIGRATE "1"

enum stmt {
	S_TRY_LOCK,
	S_LOCK,
	S_OWNER,
	S_CREATE,
	S_EXISTS,
	S_APPLIED,
	S_BEGIN,
	S_RECORD,
	S_COMMIT,
	S_ROLLBACK,
	S__MAX
};

static const char *const sql[S__MAX] = {
    [S_TRY_LOCK] = "SELECT pg_try_advisory_lock(" MG_LOCK_CLASS ", " MG_LOCK_MIGRATE ")",
    [S_LOCK] = "SELECT pg_advisory_lock(" MG_LOCK_CLASS ", " MG_LOCK_MIGRATE ")",
    /* who we are, and who owns the migrated schema (NULL before the first migrate) */
    [S_OWNER] = "SELECT current_user, (SELECT pg_get_userbyid(relowner) FROM pg_class"
                " WHERE oid = to_regclass('schema_migrations'))",
    [S_CREATE] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " filename text PRIMARY KEY,"
                 " checksum text NOT NULL,"
                 " applied_at timestamptz NOT NULL DEFAULT now())",
    [S_EXISTS] = "SELECT to_regclass('schema_migrations') IS NOT NULL",
    [S_APPLIED] = "SELECT filename, checksum, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS TZ')"
                  " FROM schema_migrations ORDER BY filename",
    [S_BEGIN] = "BEGIN",
    [S_RECORD] = "INSERT INTO schema_migrations (filename, checksum) VALUES ($1, $2)",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
};

struct migration {
	char *name; /* file name, e.g. 0001_genres_bands.sql */
	unsigned long number;
	char checksum[65]; /* SHA-256 of the file, lower-case hex */
	char *text;        /* the file's bytes, NUL-terminated */
	size_t len;
	const char *applied_at;  /* from schema_migrations, NULL when pending */
	const char *db_checksum; /* likewise */
	bool applied;
};

struct plan {
	const char *dir;
	struct migration *m;
	size_t n;
};

/* parse_name: for NNNN_name.sql (4+ digits, '_', letters/digits/._- , ".sql") store the
 * number and return true. */
static bool parse_name(const char *name, unsigned long *number)
{
	size_t digits = 0;
	unsigned long v = 0;
	while (isdigit((unsigned char)name[digits]) && digits < 9) {
		v = v * 10 + (unsigned long)(name[digits] - '0');
		digits++;
	}
	if (digits < 4 || name[digits] != '_')
		return false;
	size_t len = strlen(name);
	if (len < digits + 1 + 1 + 4 || strcmp(name + len - 4, ".sql") != 0)
		return false;
	for (size_t i = digits + 1; i < len - 4; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	*number = v;
	return true;
}

static int by_number(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		admin_warn("SHA-256 failed (OpenSSL)");
		abort();
	}
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->m[i].name);
		free(p->m[i].text);
	}
	free(p->m);
	p->m = NULL;
	p->n = 0;
}

/* plan_load: read, checksum and sort the migrations in dir; print problems and return false
 * when the folder cannot be read or two files share a number. */
static bool plan_load(struct plan *p, const char *dir)
{
	p->dir = dir;
	p->m = NULL;
	p->n = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		admin_warn("migrations folder %s: %s", dir, strerror(errno));
		return false;
	}
	size_t cap = 0;
	bool ok = true;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		unsigned long number;
		size_t nlen = strlen(e->d_name);
		if (nlen < 4 || strcmp(e->d_name + nlen - 4, ".sql") != 0)
			continue;
		if (!parse_name(e->d_name, &number)) {
			admin_warn("warning: ignoring %s/%s (not named NNNN_name.sql)", dir,
			           e->d_name);
			continue;
		}
		if (p->n == cap) {
			cap = cap ? cap * 2 : 16;
			p->m = xrealloc(p->m, cap * sizeof(*p->m));
		}
		struct migration *m = &p->m[p->n++];
		memset(m, 0, sizeof(*m));
		m->name = xstrdup(e->d_name);
		m->number = number;
	}
	closedir(d);
	if (p->n > 0)
		qsort(p->m, p->n, sizeof(*p->m), by_number);
	for (size_t i = 0; i < p->n; i++) {
		struct migration *m = &p->m[i];
		if (i > 0 && p->m[i - 1].number == m->number) {
			admin_warn("%s and %s have the same number; renumber one of them",
			           p->m[i - 1].name, m->name);
			ok = false;
		}
		struct buf path;
		buf_init(&path);
		buf_printf(&path, "%s/%s", dir, m->name);
		char err[128];
		if (admin_read_file(buf_cstr(&path), MIGRATION_MAX, &m->text, &m->len, err,
		                    sizeof(err)) != MG_OK) {
			admin_warn("%s: %s", buf_cstr(&path), err);
			ok = false;
		}
		buf_free(&path);
		if (m->text == NULL)
			continue;
		sha256_hex(m->text, m->len, m->checksum);
		if (memchr(m->text, '\0', m->len) != NULL) {
			admin_warn("%s: contains a NUL byte", m->name);
			ok = false;
		}
	}
	return ok;
}

static struct migration *plan_find(struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->m[i].name, name) == 0)
			return &p->m[i];
	return NULL;
}

/* plan_check: mark applied migrations from the schema_migrations rows in res; print every
 * edited, missing or out-of-order migration and return how many problems there are.
 * With status set, print one line per migration as well. */
static int plan_check(struct plan *p, const PGresult *res, bool status)
{
	int problems = 0;
	int rows = res ? PQntuples(res) : 0;
	for (int r = 0; r < rows; r++) {
		const char *name = PQgetvalue(res, r, 0);
		const char *sum = PQgetvalue(res, r, 1);
		struct migration *m = plan_find(p, name);
		if (m == NULL) {
			problems++;
			if (status)
				printf("missing  %s  (applied %s, but not in %s)\n", name,
				       PQgetvalue(res, r, 2), p->dir);
			else
				admin_warn("%s was applied but is missing from %s; restore it",
				           name, p->dir);
			continue;
		}
		m->applied = true;
		m->applied_at = PQgetvalue(res, r, 2);
		m->db_checksum = sum;
		if (strcmp(m->checksum, sum) != 0) {
			problems++;
			if (!status)
				admin_warn(
				    "%s was changed after it was applied (sha256 %.12s… applied, "
				    "%.12s… on disk); restore it and put the change in a new "
				    "migration",
				    name, sum, m->checksum);
		}
	}
	unsigned long highest = 0;
	bool any = false;
	for (size_t i = 0; i < p->n; i++)
		if (p->m[i].applied) {
			highest = p->m[i].number;
			any = true;
		}
	for (size_t i = 0; i < p->n; i++) {
		struct migration *m = &p->m[i];
		bool late = !m->applied && any && m->number < highest;
		if (late) {
			problems++;
			if (!status)
				admin_warn(
				    "%s is pending but a later-numbered migration is already "
				    "applied; give it a number above the last applied one",
				    m->name);
		}
		if (!status)
			continue;
		if (!m->applied)
			printf("pending  %s%s\n", m->name,
			       late ? "  (numbered below an applied migration)" : "");
		else if (strcmp(m->checksum, m->db_checksum) == 0)
			printf("applied  %s  (%s)\n", m->name, m->applied_at);
		else
			printf("changed  %s  (applied %s; the file was edited since)\n", m->name,
			       m->applied_at);
	}
	return problems;
}

/* error_line: the 1-based line in text of the 1-based character position pos (0 if unknown). */
static unsigned long error_line(const char *text, size_t len, const char *pos)
{
	if (pos == NULL)
		return 0;
	long want = strtol(pos, NULL, 10);
	if (want <= 0)
		return 0;
	unsigned long line = 1;
	long chars = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c & 0xC0) != 0x80 && ++chars == want)
			return line;
		if (c == '\n')
			line++;
	}
	return line;
}

/* apply: run one migration and record it, in one transaction. */
static enum mg_err apply(PGconn *conn, struct migration *m)
{
	if (admin_db_cmd(conn, "BEGIN", sql[S_BEGIN], 0, NULL) != MG_OK)
		return MG_ERR_DB;
	PGresult *res = PQexec(conn, m->text); /* a trusted file from the migrations folder */
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		unsigned long line =
		    error_line(m->text, m->len,
		               res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL);
		char what[300];
		if (line > 0)
			snprintf(what, sizeof(what), "%s:%lu", m->name, line);
		else
			snprintf(what, sizeof(what), "%s", m->name);
		admin_db_report(res, conn, what);
		PQclear(res);
		PQclear(PQexec(conn, sql[S_ROLLBACK]));
		return MG_ERR_DB;
	}
	PQclear(res);
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		admin_warn(
		    "%s: ended the transaction itself (remove BEGIN/COMMIT/ROLLBACK from it); "
		    "it is NOT recorded as applied: check the database by hand",
		    m->name);
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, sql[S_ROLLBACK]));
		return MG_ERR_INVALID;
	}
	const char *params[2] = {m->name, m->checksum};
	if (admin_db_cmd(conn, m->name, sql[S_RECORD], 2, params) != MG_OK ||
	    admin_db_cmd(conn, m->name, sql[S_COMMIT], 0, NULL) != MG_OK) {
		PQclear(PQexec(conn, sql[S_ROLLBACK]));
		return MG_ERR_DB;
	}
	return MG_OK;
}

static int migrate_status(PGconn *conn, struct plan *p)
{
	PGresult *res = admin_db_exec(conn, "migrate --status", sql[S_EXISTS], 0, NULL);
	if (res == NULL)
		return EXIT_FAIL;
	bool exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	res = NULL;
	if (exists &&
	    (res = admin_db_exec(conn, "migrate --status", sql[S_APPLIED], 0, NULL)) == NULL)
		return EXIT_FAIL;
	int problems = plan_check(p, res, true);
	size_t applied = 0;
	for (size_t i = 0; i < p->n; i++)
		applied += p->m[i].applied;
	printf("%zu applied, %zu pending", applied, p->n - applied);
	if (problems > 0)
		printf(", %d problem%s", problems, problems == 1 ? "" : "s");
	printf(".\n");
	PQclear(res);
	return problems > 0 ? EXIT_FAIL : EXIT_OK;
}

/* owner_ok: false (with a message) when schema_migrations belongs to another role than ours.
 * Objects created by another role would be owned by it, and a later migration run as the
 * owner could not alter them; the application's role, which may not create anything, would
 * only get "permission denied" (docs/operations.md, "Database roles"). */
static bool owner_ok(PGconn *conn)
{
	PGresult *res = admin_db_exec(conn, "migrate", sql[S_OWNER], 0, NULL);
	if (res == NULL)
		return false;
	bool ok =
	    PQgetisnull(res, 0, 1) || strcmp(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)) == 0;
	if (!ok)
		admin_warn("migrate must run as the role that owns the schema, %s (the owner of "
		           "schema_migrations), not as %s: use that role's MUSICGRAPH_DATABASE_URL "
		           "(installed: /etc/musicgraph/migrate.env); nothing was changed",
		           PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

static int migrate_apply(PGconn *conn, struct plan *p)
{
	PGresult *res = admin_db_exec(conn, "migrate lock", sql[S_TRY_LOCK], 0, NULL);
	if (res == NULL)
		return EXIT_FAIL;
	bool locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!locked) {
		admin_warn("another migrate is running; waiting for it to finish");
		if (admin_db_cmd(conn, "migrate lock", sql[S_LOCK], 0, NULL) != MG_OK)
			return EXIT_FAIL;
	}
	if (!owner_ok(conn))
		return EXIT_FAIL;
	if (admin_db_cmd(conn, "schema_migrations", sql[S_CREATE], 0, NULL) != MG_OK)
		return EXIT_FAIL;
	res = admin_db_exec(conn, "schema_migrations", sql[S_APPLIED], 0, NULL);
	if (res == NULL)
		return EXIT_FAIL;
	int problems = plan_check(p, res, false);
	if (problems > 0) {
		admin_warn("refusing to migrate: %d problem%s, nothing was changed", problems,
		           problems == 1 ? "" : "s");
		PQclear(res);
		return EXIT_FAIL;
	}
	size_t done = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct migration *m = &p->m[i];
		if (m->applied) {
			done++;
			continue;
		}
		if (apply(conn, m) != MG_OK) {
			admin_warn("stopped at %s (%zu migration%s before it stay%s applied)",
			           m->name, done, done == 1 ? "" : "s", done == 1 ? "s" : "");
			PQclear(res);
			return EXIT_FAIL;
		}
		printf("Applied %s\n", m->name);
		fflush(stdout);
		done++;
	}
	PQclear(res);
	printf("Database is up to date (%zu migration%s).\n", done, done == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
	const char *dir = cfg->migrations_dir;
	bool status = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0) {
			status = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strncmp(argv[i], "--dir=", 6) == 0) {
			dir = argv[i] + 6;
		} else {
			return admin_usage_error(MIGRATE_USAGE,
			                         "migrate: unexpected argument \"%s\"", argv[i]);
		}
	}
	if (dir == NULL || dir[0] == '\0')
		return admin_usage_error(MIGRATE_USAGE, "migrate: no migrations folder");
	struct plan p;
	int rc = EXIT_FAIL;
	PGconn *conn = NULL;
	if (!plan_load(&p, dir))
		goto out;
	if ((conn = admin_db_connect(cfg)) == NULL)
		goto out;
	rc = status ? migrate_status(conn, &p) : migrate_apply(conn, &p);
out:
	PQfinish(conn); /* also releases the session's advisory lock */
	plan_free(&p);
	return rc;
}
