/* throttle.c: SQL statements for the login_failures table. */
#include "db/throttle.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdlib.h>

enum { STMT_COUNTS, STMT_RECORD, STMT_RESET, STMT__MAX };

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_COUNTS] = {"throttle_counts",
                     "WITH w AS (SELECT now() - make_interval(secs => $3::int) AS since),"
                     " a AS (SELECT count(*) AS n, min(at) AS oldest FROM login_failures, w"
                     " WHERE account = $1 AND at > w.since),"
                     " i AS (SELECT count(*) AS n, min(at) AS oldest FROM login_failures, w"
                     " WHERE ip = $2 AND at > w.since)"
                     " SELECT a.n, i.n,"
                     " coalesce(ceil(extract(epoch FROM a.oldest + make_interval(secs => $3::int)"
                     " - now())), 0)::bigint,"
                     " coalesce(ceil(extract(epoch FROM i.oldest + make_interval(secs => $3::int)"
                     " - now())), 0)::bigint FROM a, i",
                     3},
    [STMT_RECORD] =
        {"throttle_record_failure",
         "INSERT INTO login_failures (account, ip) VALUES (left($1, 254), left($2, 64))", 2},
    [STMT_RESET] = {"throttle_reset_account", "DELETE FROM login_failures WHERE account = $1", 1},
};

enum mg_err db_throttle_counts(struct db *db, struct arena *a, const char *account, const char *ip,
                               long window_seconds, struct throttle_counts *out)
{
	PGresult *r;
	const char *params[] = {account, ip, arena_sprintf(a, "%ld", window_seconds)};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_COUNTS], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	out->account_failures = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	out->ip_failures = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	out->account_retry_after = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	out->ip_retry_after = strtol(PQgetvalue(r, 0, 3), NULL, 10);
	return MG_OK;
}

enum mg_err db_throttle_record_failure(struct db *db, struct arena *a, const char *account,
                                       const char *ip)
{
	const char *params[] = {account, ip};
	return db_exec(db, a, &stmts[STMT_RECORD], params, NULL, NULL);
}

enum mg_err db_throttle_reset_account(struct db *db, struct arena *a, const char *account)
{
	const char *params[] = {account};
	return db_exec(db, a, &stmts[STMT_RESET], params, NULL, NULL);
}
