/* db.h: the worker's one PostgreSQL connection: reconnect (back-off when slow), prepared
 * statements from per-module tables, and libpq errors mapped onto enum mg_err. */
#ifndef MG_DB_H
#define MG_DB_H

#include "core/mg.h"

#include <libpq-fe.h>
#include <stdbool.h>

struct arena;

/* A named SQL statement; each data module keeps its statements in one static array. */
struct db_stmt {
	const char *name; /* unique across modules: "<module>_<verb>_<key>" */
	const char *sql;
	int nparams;
};

/* statements a connection prepares; further ones run unprepared (the sanitizer build sets it
 * low, so that its test run covers that path too) */
#ifndef DB_MAX_PREPARED
#define DB_MAX_PREPARED 128
#endif

struct db {
	PGconn *conn;
	const char *conninfo;
	long connect_timeout;      /* seconds */
	long statement_timeout_ms; /* 0 = none */
	const struct db_stmt *prepared[DB_MAX_PREPARED];
	int nprepared;
	bool in_tx;
	long long retry_at_ms; /* no new connection attempt before this time (slow failures) */
	long backoff_ms;
	long long connect_log_at_ms;    /* no "connect failed" warning before this time */
	unsigned long connect_unlogged; /* failed connects not logged since the last warning */
	unsigned long errors;           /* database errors seen (for metrics) */
	unsigned long generation; /* successful connects so far: moves when conn is a new session */
	unsigned long notices;    /* notices and errors the server sent outside any statement's
	                           * result (logged); e.g. why it is about to close the connection */
	char last_constraint[64]; /* the constraint named by the last failed statement */
	char last_sqlstate[6];    /* and its SQLSTATE ("" when none) */
	char last_error[256];
};

/* db_init: remember the settings; connects lazily. */
void db_init(struct db *db, const char *conninfo, long connect_timeout, long statement_timeout_ms);
/* db_close: close the connection (safe to call twice). */
void db_close(struct db *db);
/* db_ensure: connect if not connected (respecting the back-off). MG_OK or MG_ERR_DB. */
enum mg_err db_ensure(struct db *db);

/* db_exec: run st with params (NULL entries are SQL NULL). On MG_OK *res (if res is not NULL)
 * is a PGresult freed when the arena is reset. When the connection turns out to be broken and
 * no transaction is open, it reconnects once and retries. Errors: MG_ERR_DB (unreachable),
 * MG_ERR_TIMEOUT (statement timeout), MG_ERR_CONFLICT (a constraint refused; *sqlstate says
 * which, valid until the next statement), MG_ERR_INTERNAL (anything else; logged).
 * sqlstate may be NULL. */
enum mg_err db_exec(struct db *db, struct arena *a, const struct db_stmt *st,
                    const char *const *params, PGresult **res, const char **sqlstate);

/* db_begin / db_commit / db_rollback: transaction control; rollback is safe when none is
 * open. begin_sql is "BEGIN" or e.g. "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY". */
enum mg_err db_begin(struct db *db, const char *begin_sql);
enum mg_err db_commit(struct db *db);
void db_rollback(struct db *db);

/* db_value: the text of row r, column c, or NULL for SQL NULL. */
const char *db_value(const PGresult *res, int r, int c);
/* db_bytea: n bytes as a bytea text parameter ("\\x…" hex) in the arena. */
const char *db_bytea(struct arena *a, const unsigned char *bytes, size_t n);

#endif
