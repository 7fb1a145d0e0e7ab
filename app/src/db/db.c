/* db.c: connection management, lazy preparation and error mapping for libpq. */
#include "db/db.h"
#include "core/arena.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000
/* A failed connect that took less than this (refused, "starting up") cost the request nothing
 * worth saving: the next request tries again, so a worker serves as soon as the database is
 * back. Only slow failures (a host that does not answer, up to connect_timeout) back off. */
#define SLOW_CONNECT_MS 100
/* at most one "connect failed" warning per interval while the database stays away */
#define CONNECT_LOG_MS 1000

void db_init(struct db *db, const char *conninfo, long connect_timeout, long statement_timeout_ms)
{
	memset(db, 0, sizeof(*db));
	db->conninfo = conninfo;
	db->connect_timeout = connect_timeout;
	db->statement_timeout_ms = statement_timeout_ms;
}

void db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->nprepared = 0;
	db->in_tx = false;
}

static void record_error(struct db *db, const char *what)
{
	db->errors++;
	const char *msg = db->conn ? PQerrorMessage(db->conn) : "no connection";
	snprintf(db->last_error, sizeof(db->last_error), "%s: %s", what, msg);
}

static void note_error(struct db *db, const char *what)
{
	record_error(db, what);
	log_warn("database: %s", db->last_error);
}

static enum mg_err set_session(struct db *db)
{
	char ms[32];
	snprintf(ms, sizeof(ms), "%ld", db->statement_timeout_ms);
	const char *params[] = {ms};
	/* jit off: the graph's genre query is estimated above jit_above_cost from about 20,000
	 * genres, and compiling it took 12 ms of its 55 (docs/performance.md); no query of ours
	 * runs long enough to win that back */
	PGresult *r = PQexecParams(db->conn,
	                           "SELECT set_config('statement_timeout', $1, false),"
	                           " set_config('jit', 'off', false)",
	                           1, NULL, params, NULL, NULL, 0);
	enum mg_err rc = PQresultStatus(r) == PGRES_TUPLES_OK ? MG_OK : MG_ERR_DB;
	PQclear(r);
	return rc;
}

/* note_connect_error: count it; warn for the first failure and then at most once per
 * CONNECT_LOG_MS, saying how many were not logged, so an outage under load does not flood
 * the journal. */
static void note_connect_error(struct db *db, long long now)
{
	record_error(db, "connect");
	if (now < db->connect_log_at_ms) {
		db->connect_unlogged++;
		return;
	}
	if (db->connect_unlogged > 0)
		log_warn("database: %s (and %lu more failed connects)", db->last_error,
		         db->connect_unlogged);
	else
		log_warn("database: %s", db->last_error);
	db->connect_unlogged = 0;
	db->connect_log_at_ms = now + CONNECT_LOG_MS;
}

/* on_notice: libpq hands us what the server sends outside a statement's result: a NOTICE,
 * or the FATAL error an idle connection gets before the server closes it (read when
 * data_version.c looks for notifications). Logged instead of libpq's bare stderr line. */
static void on_notice(void *arg, const char *message)
{
	struct db *db = arg;
	db->notices++;
	int n = (int)strcspn(message, "\n");
	log_warn("database: %.*s", n, message);
}

enum mg_err db_ensure(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return MG_OK;
	long long now = mg_now_ms();
	if (now < db->retry_at_ms)
		return MG_ERR_DB;
	db_close(db);
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%ld", db->connect_timeout);
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {db->conninfo, timeout, "musicgraph", NULL};
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db->conn) != CONNECTION_OK || set_session(db) != MG_OK) {
		long long done = mg_now_ms();
		note_connect_error(db, done);
		db_close(db);
		if (done - now >= SLOW_CONNECT_MS) {
			db->backoff_ms = db->backoff_ms ? db->backoff_ms * 2 : BACKOFF_MIN_MS;
			if (db->backoff_ms > BACKOFF_MAX_MS)
				db->backoff_ms = BACKOFF_MAX_MS;
			db->retry_at_ms = done + db->backoff_ms;
		}
		return MG_ERR_DB;
	}
	PQsetNoticeProcessor(db->conn, on_notice, db);
	db->generation++;
	db->backoff_ms = 0;
	db->retry_at_ms = 0;
	db->connect_log_at_ms = 0;
	db->connect_unlogged = 0;
	log_info("database: connected");
	return MG_OK;
}

static bool is_prepared(const struct db *db, const struct db_stmt *st)
{
	for (int i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == st)
			return true;
	return false;
}

static void clear_result(void *r)
{
	PQclear(r);
}

static enum mg_err map_failure(struct db *db, PGresult *r, const char *what, const char **sqlstate)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	snprintf(db->last_constraint, sizeof(db->last_constraint), "%s",
	         constraint ? constraint : "");
	snprintf(db->last_sqlstate, sizeof(db->last_sqlstate), "%s", state ? state : "");
	if (sqlstate)
		*sqlstate = db->last_sqlstate; /* r is cleared by the caller */
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		note_error(db, what);
		return MG_ERR_DB;
	}
	if (state != NULL && strcmp(state, "57014") == 0) {
		note_error(db, what);
		return MG_ERR_TIMEOUT;
	}
	/* class 23: integrity constraints; 40001/40P01: serialization failure or deadlock;
	 * MG...: our own trigger exceptions (such as a cycle of parents) */
	if (state != NULL && (strncmp(state, "23", 2) == 0 || strcmp(state, "40001") == 0 ||
	                      strcmp(state, "40P01") == 0 || strncmp(state, "MG", 2) == 0))
		return MG_ERR_CONFLICT;
	/* class 08 (connection), 57P0x (shutdown), 53 (resources): the database, not us */
	if (state != NULL && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	                      strncmp(state, "53", 2) == 0)) {
		note_error(db, what);
		return MG_ERR_DB;
	}
	note_error(db, what);
	return MG_ERR_INTERNAL;
}

static PGresult *run(struct db *db, const struct db_stmt *st, const char *const *params)
{
	if (!is_prepared(db, st)) {
		/* the table of prepared statements is full: run this one unprepared rather than
		 * prepare its name a second time (which PostgreSQL refuses) */
		if (db->nprepared == DB_MAX_PREPARED)
			return PQexecParams(db->conn, st->sql, st->nparams, NULL, params, NULL,
			                    NULL, 0);
		PGresult *p = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
		if (PQresultStatus(p) != PGRES_COMMAND_OK)
			return p;
		PQclear(p);
		db->prepared[db->nprepared++] = st;
	}
	return PQexecPrepared(db->conn, st->name, st->nparams, params, NULL, NULL, 0);
}

enum mg_err db_exec(struct db *db, struct arena *a, const struct db_stmt *st,
                    const char *const *params, PGresult **res, const char **sqlstate)
{
	if (sqlstate)
		*sqlstate = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		enum mg_err rc = db_ensure(db);
		if (rc != MG_OK)
			return rc;
		PGresult *r = run(db, st, params);
		ExecStatusType s = PQresultStatus(r);
		if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
			if (res) {
				arena_defer(a, clear_result, r);
				*res = r;
			} else {
				PQclear(r);
			}
			return MG_OK;
		}
		bool broken = PQstatus(db->conn) != CONNECTION_OK;
		rc = map_failure(db, r, st->name, sqlstate);
		PQclear(r);
		if (!broken || db->in_tx)
			return rc;
		/* the server restarted under us: a fresh connection, then one more try */
		db_close(db);
	}
	return MG_ERR_DB;
}

static enum mg_err simple(struct db *db, const char *sql)
{
	enum mg_err rc = db_ensure(db);
	if (rc != MG_OK)
		return rc;
	PGresult *r = PQexec(db->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		bool broken = PQstatus(db->conn) != CONNECTION_OK;
		rc = map_failure(db, r, sql, NULL);
		PQclear(r);
		if (broken)
			db_close(db);
		return rc;
	}
	PQclear(r);
	return MG_OK;
}

enum mg_err db_begin(struct db *db, const char *begin_sql)
{
	enum mg_err rc = simple(db, begin_sql);
	if (rc == MG_ERR_DB && db->conn == NULL)
		rc = simple(db, begin_sql); /* reconnected: try once more */
	db->in_tx = rc == MG_OK;
	return rc;
}

enum mg_err db_commit(struct db *db)
{
	enum mg_err rc = simple(db, "COMMIT");
	db->in_tx = false;
	return rc;
}

void db_rollback(struct db *db)
{
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(db->conn, "ROLLBACK");
		PQclear(r);
	}
	db->in_tx = false;
}

const char *db_bytea(struct arena *a, const unsigned char *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *s = arena_alloc(a, 2 * n + 3);
	s[0] = '\\';
	s[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		s[2 + 2 * i] = hex[bytes[i] >> 4];
		s[3 + 2 * i] = hex[bytes[i] & 15];
	}
	s[2 * n + 2] = '\0';
	return s;
}

const char *db_value(const PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	return PQgetvalue(res, r, c);
}
