/* flask_pg.c: the Flask original's PostgreSQL database, read in one read-only snapshot. */
#include "admin.h"
#include "core/arena.h"
#include "flask_source.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECT_TIMEOUT "10"

/* report: a failed result's message (or the connection's), on one line. */
static void report(PGconn *conn, const PGresult *res, const char *what)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (m == NULL)
		m = PQerrorMessage(conn);
	size_t n = strlen(m);
	while (n > 0 && m[n - 1] == '\n')
		n--;
	admin_warn("import-flask: %s: %.*s", what, (int)n, m);
}

static bool exec_simple(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		report(conn, res, sql);
	PQclear(res);
	return ok;
}

/* pg_open: connect (target is a URI or key=value string; a password comes from it, ~/.pgpass
 * or PGPASSWORD), then one REPEATABLE READ READ ONLY transaction in UTC for every table. */
static void *pg_open(const char *target, char **label)
{
	const char *const keys[] = {"dbname", "connect_timeout", "application_name",
	                            "client_encoding", NULL};
	const char *const vals[] = {target, CONNECT_TIMEOUT, "musicgraph-admin import-flask",
	                            "UTF8", NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message never contains the password */
		const char *m = conn ? PQerrorMessage(conn) : "out of memory\n";
		fprintf(stderr,
		        "musicgraph-admin: import-flask: cannot connect to the Flask database: %s",
		        m);
		PQfinish(conn);
		*label = xstrdup("PostgreSQL database");
		return NULL;
	}
	const char *db = PQdb(conn), *host = PQhost(conn);
	size_t n = strlen(db) + (host ? strlen(host) : 0) + 40;
	*label = xmalloc(n);
	snprintf(*label, n, "PostgreSQL database %s%s%s", db, host && host[0] != '/' ? " on " : "",
	         host && host[0] != '/' ? host : "");
	if (!exec_simple(conn, "SET TimeZone = 'UTC'") ||
	    !exec_simple(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* pg_has_table: a table or view of that name on the search path (as the queries see it). */
static int pg_has_table(void *h, const char *name)
{
	PGconn *conn = h;
	const char *params[1] = {name};
	PGresult *res = PQexecParams(conn, "SELECT to_regclass(quote_ident($1)) IS NOT NULL", 1,
	                             NULL, params, NULL, NULL, 0);
	int out = -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	else
		report(conn, res, "reading the list of tables");
	PQclear(res);
	return out;
}

static enum mg_err pg_query(void *h, const char *sql, struct arena *a, struct flask_rows *out)
{
	PGconn *conn = h;
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report(conn, res, out->name);
		PQclear(res);
		return MG_ERR_DB;
	}
	size_t rows = (size_t)PQntuples(res), ncols = (size_t)PQnfields(res);
	out->n = rows;
	out->ncols = ncols;
	out->cell =
	    rows > 0 && ncols > 0 ? arena_alloc(a, rows * ncols * sizeof(*out->cell)) : NULL;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			struct flask_cell *cell = &out->cell[r * ncols + c];
			if (PQgetisnull(res, (int)r, (int)c)) {
				cell->s = NULL;
				cell->problem = NULL;
				continue;
			}
			flask_cell_set(a, cell, PQgetvalue(res, (int)r, (int)c),
			               (size_t)PQgetlength(res, (int)r, (int)c));
		}
	}
	PQclear(res);
	return MG_OK;
}

static void pg_close(void *h)
{
	PQfinish(h); /* the read-only transaction ends with the connection */
}

const struct flask_backend flask_pg_backend = {
    "PostgreSQL", pg_open, pg_has_table, pg_query, pg_close,
};
