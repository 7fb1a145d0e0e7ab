/* admin_db.c: the CLI's database connection, statement helpers and array parameters. */
#include "admin.h"
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGconn *admin_db_connect(const struct config *cfg)
{
	char timeout[32];
	snprintf(timeout, sizeof(timeout), "%ld", cfg->db_connect_timeout);
	const char *const keys[] = {"dbname", "connect_timeout", "application_name",
	                            "client_encoding", NULL};
	const char *const vals[] = {cfg->database_url, timeout, "musicgraph-admin", "UTF8", NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL) {
		admin_warn("cannot connect to the database: out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message ends with a newline and never contains the password */
		fprintf(stderr, "musicgraph-admin: cannot connect to the database: %s",
		        PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	if (admin_db_cmd(conn, "session setup", "SET client_min_messages = warning", 0, NULL) !=
	    MG_OK) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

void admin_db_report(const PGresult *res, PGconn *conn, const char *what)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (primary == NULL) {
		const char *m = PQerrorMessage(conn);
		size_t n = strlen(m);
		while (n > 0 && m[n - 1] == '\n')
			n--;
		fprintf(stderr, "musicgraph-admin: %s: %.*s\n", what, (int)n, m);
		return;
	}
	fprintf(stderr, "musicgraph-admin: %s: %s\n", what, primary);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (detail != NULL)
		fprintf(stderr, "  detail: %s\n", detail);
	if (hint != NULL)
		fprintf(stderr, "  hint: %s\n", hint);
	else if (state != NULL && strcmp(state, "42P01") == 0)
		fprintf(stderr, "  hint: run \"musicgraph-admin migrate\" first\n");
}

PGresult *admin_db_exec(PGconn *conn, const char *what, const char *sql, int nparams,
                        const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	admin_db_report(res, conn, what);
	PQclear(res);
	return NULL;
}

enum mg_err admin_db_cmd(PGconn *conn, const char *what, const char *sql, int nparams,
                         const char *const *params)
{
	PGresult *res = admin_db_exec(conn, what, sql, nparams, params);
	if (res == NULL)
		return MG_ERR_DB;
	PQclear(res);
	return MG_OK;
}

void pg_array_init(struct pg_array *a)
{
	a->b = xmalloc(sizeof(*a->b));
	buf_init(a->b);
	buf_putc(a->b, '{');
	a->n = 0;
	a->closed = false;
}

void pg_array_free(struct pg_array *a)
{
	if (a->b != NULL) {
		buf_free(a->b);
		free(a->b);
	}
	a->b = NULL;
}

void pg_array_add(struct pg_array *a, const char *s)
{
	if (a->n++ > 0)
		buf_putc(a->b, ',');
	if (s == NULL) {
		buf_puts(a->b, "NULL");
		return;
	}
	buf_putc(a->b, '"');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(a->b, '\\');
		buf_putc(a->b, *p);
	}
	buf_putc(a->b, '"');
}

const char *pg_array_cstr(struct pg_array *a)
{
	if (!a->closed) {
		buf_putc(a->b, '}');
		a->closed = true;
	}
	return buf_cstr(a->b);
}
