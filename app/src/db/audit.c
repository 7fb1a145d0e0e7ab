/* audit.c: SQL statements for the audit_log table. */
#include "db/audit.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdlib.h>

enum { STMT_WRITE, STMT_LIST, STMT__MAX };

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_WRITE] =
        {"audit_write",
         "INSERT INTO audit_log (actor_id, actor, action, target_type, target_id, detail)"
         " VALUES (nullif($1::bigint, 0), $2, $3, $4, $5, $6::jsonb)",
         6},
    [STMT_LIST] = {"audit_list",
                   "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'),"
                   " actor, action, target_type, target_id, detail::text FROM audit_log"
                   " WHERE (coalesce($1, '') = '' OR actor = $1)"
                   " AND (coalesce($2, '') = '' OR target_type = $2)"
                   " AND (coalesce($3, '') = '' OR target_id = $3)"
                   " ORDER BY at DESC, id DESC LIMIT $4::int + 1 OFFSET $5::int",
                   5},
};

enum mg_err db_audit_write(struct db *db, struct arena *a, long long actor_id, const char *actor,
                           const char *action, const char *target_type, const char *target_id,
                           const char *detail)
{
	const char *params[] = {arena_sprintf(a, "%lld", actor_id),
	                        actor,
	                        action,
	                        target_type,
	                        target_id,
	                        detail ? detail : "{}"};
	return db_exec(db, a, &stmts[STMT_WRITE], params, NULL, NULL);
}

enum mg_err db_audit_list(struct db *db, struct arena *a, const char *actor,
                          const char *target_type, const char *target_id, long limit, long offset,
                          struct audit_entry **out, int *n, int *more)
{
	PGresult *r;
	const char *params[] = {actor, target_type, target_id, arena_sprintf(a, "%ld", limit),
	                        arena_sprintf(a, "%ld", offset)};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LIST], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	int rows = PQntuples(r);
	*more = rows > limit;
	*n = *more ? (int)limit : rows;
	*out = arena_calloc(a, (size_t)*n, sizeof(**out));
	for (int i = 0; i < *n; i++) {
		struct audit_entry *e = &(*out)[i];
		e->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		e->at = PQgetvalue(r, i, 1);
		e->actor = PQgetvalue(r, i, 2);
		e->action = PQgetvalue(r, i, 3);
		e->target_type = PQgetvalue(r, i, 4);
		e->target_id = PQgetvalue(r, i, 5);
		e->detail = PQgetvalue(r, i, 6);
	}
	return MG_OK;
}
