/* sessions.c: SQL statements and row mapping for the sessions table. */
#include "db/sessions.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdlib.h>

enum {
	STMT_CREATE,
	STMT_LOAD,
	STMT_TOUCH,
	STMT_DELETE,
	STMT_DELETE_OF_USER,
	STMT_DELETE_OTHERS,
	STMT_LIST,
	STMT_PURGE,
	STMT__MAX
};

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_CREATE] =
        {"sessions_create",
         "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, user_agent,"
         " ip) VALUES ($1, $2, $3, now() + make_interval(secs => $4::int),"
         " left($5, 512), left($6, 64)) RETURNING id",
         6},
    [STMT_LOAD] = {"sessions_load",
                   "SELECT s.id, s.csrf_token, extract(epoch FROM now() - s.last_seen_at)::bigint,"
                   " u.id, u.username, u.email, u.is_admin"
                   " FROM sessions s JOIN users u ON u.id = s.user_id"
                   " WHERE s.token_hash = $1 AND s.expires_at > now()"
                   " AND s.last_seen_at > now() - make_interval(secs => $2::int)",
                   2},
    [STMT_TOUCH] = {"sessions_touch", "UPDATE sessions SET last_seen_at = now() WHERE id = $1", 1},
    [STMT_DELETE] = {"sessions_delete", "DELETE FROM sessions WHERE id = $1", 1},
    [STMT_DELETE_OF_USER] = {"sessions_delete_of_user",
                             "DELETE FROM sessions WHERE user_id = $1 AND id = $2", 2},
    [STMT_DELETE_OTHERS] = {"sessions_delete_others",
                            "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", 2},
    [STMT_LIST] =
        {"sessions_list",
         "SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
         " to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
         " user_agent, ip FROM sessions WHERE user_id = $1 AND expires_at > now()"
         " AND last_seen_at > now() - make_interval(secs => $2::int)"
         " ORDER BY last_seen_at DESC, id DESC",
         2},
    [STMT_PURGE] =
        {"sessions_purge",
         "WITH s AS (DELETE FROM sessions WHERE expires_at <= now()"
         " OR last_seen_at <= now() - make_interval(secs => $1::int)),"
         " f AS (DELETE FROM flash_messages WHERE created_at < now() - interval '1 hour'),"
         " l AS (DELETE FROM login_failures WHERE at < now() - interval '1 day')"
         " SELECT 1",
         1},
};

enum mg_err db_session_create(struct db *db, struct arena *a, const unsigned char hash[32],
                              long long user_id, const char *csrf_token, long max_seconds,
                              const char *user_agent, const char *ip, long long *id)
{
	PGresult *r;
	const char *params[] = {db_bytea(a, hash, 32),
	                        arena_sprintf(a, "%lld", user_id),
	                        csrf_token,
	                        arena_sprintf(a, "%ld", max_seconds),
	                        user_agent,
	                        ip};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_CREATE], params, &r, NULL);
	if (rc == MG_OK)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	return rc;
}

enum mg_err db_session_load(struct db *db, struct arena *a, const unsigned char hash[32],
                            long idle_seconds, struct session *s, struct user *u)
{
	PGresult *r;
	const char *params[] = {db_bytea(a, hash, 32), arena_sprintf(a, "%ld", idle_seconds)};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LOAD], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(r) != 1)
		return MG_ERR_NOT_FOUND;
	s->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	s->csrf_token = PQgetvalue(r, 0, 1);
	s->idle_seconds = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	u->id = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	u->username = PQgetvalue(r, 0, 4);
	u->email = PQgetvalue(r, 0, 5);
	u->is_admin = PQgetvalue(r, 0, 6)[0] == 't';
	u->password_hash = NULL;
	return MG_OK;
}

static enum mg_err exec_ids(struct db *db, struct arena *a, int stmt, long long first,
                            long long second)
{
	const char *params[] = {arena_sprintf(a, "%lld", first), arena_sprintf(a, "%lld", second)};
	return db_exec(db, a, &stmts[stmt], params, NULL, NULL);
}

enum mg_err db_session_touch(struct db *db, struct arena *a, long long id)
{
	return exec_ids(db, a, STMT_TOUCH, id, 0);
}

enum mg_err db_session_delete(struct db *db, struct arena *a, long long id)
{
	return exec_ids(db, a, STMT_DELETE, id, 0);
}

enum mg_err db_session_delete_of_user(struct db *db, struct arena *a, long long user_id,
                                      long long id)
{
	return exec_ids(db, a, STMT_DELETE_OF_USER, user_id, id);
}

enum mg_err db_session_delete_others(struct db *db, struct arena *a, long long user_id,
                                     long long keep)
{
	return exec_ids(db, a, STMT_DELETE_OTHERS, user_id, keep);
}

enum mg_err db_session_list(struct db *db, struct arena *a, long long user_id, long idle_seconds,
                            struct session_row **rows, int *n)
{
	PGresult *r;
	const char *params[] = {arena_sprintf(a, "%lld", user_id),
	                        arena_sprintf(a, "%ld", idle_seconds)};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LIST], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*n = PQntuples(r);
	*rows = arena_calloc(a, (size_t)*n, sizeof(**rows));
	for (int i = 0; i < *n; i++) {
		struct session_row *row = &(*rows)[i];
		row->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		row->created_at = PQgetvalue(r, i, 1);
		row->last_seen_at = PQgetvalue(r, i, 2);
		row->user_agent = PQgetvalue(r, i, 3);
		row->ip = PQgetvalue(r, i, 4);
	}
	return MG_OK;
}

enum mg_err db_session_purge(struct db *db, struct arena *a, long idle_seconds)
{
	const char *params[] = {arena_sprintf(a, "%ld", idle_seconds)};
	return db_exec(db, a, &stmts[STMT_PURGE], params, NULL, NULL);
}
