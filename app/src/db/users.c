/* users.c: SQL statements and row mapping for the users table. */
#include "db/users.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

enum {
	STMT_BY_LOGIN,
	STMT_CREATE,
	STMT_TAKEN,
	STMT_SET_HASH,
	STMT_REPLACE_HASH,
	STMT_LOGGED_IN,
	STMT__MAX
};

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_BY_LOGIN] = {"users_get_by_login",
                       "SELECT id, username, email, password_hash, is_admin FROM users"
                       " WHERE lower(username) = lower($1) OR lower(email) = lower($1)"
                       " ORDER BY id LIMIT 1",
                       1},
    [STMT_CREATE] = {"users_create",
                     "INSERT INTO users (username, email, password_hash, is_admin)"
                     " VALUES ($1, $2, $3, $4) RETURNING id",
                     4},
    [STMT_TAKEN] = {"users_taken",
                    "SELECT coalesce(bool_or(lower(username) = lower($1)), false),"
                    " coalesce(bool_or(lower(email) = lower($2)), false) FROM users"
                    " WHERE lower(username) = lower($1) OR lower(email) = lower($2)",
                    2},
    [STMT_SET_HASH] = {"users_set_password_hash",
                       "UPDATE users SET password_hash = $2 WHERE id = $1", 2},
    [STMT_REPLACE_HASH] =
        {"users_replace_password_hash",
         "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2", 3},
    [STMT_LOGGED_IN] = {"users_logged_in", "UPDATE users SET last_login_at = now() WHERE id = $1",
                        1},
};

enum mg_err db_user_get_by_login(struct db *db, struct arena *a, const char *login,
                                 struct user *out)
{
	PGresult *r;
	const char *params[] = {login};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_BY_LOGIN], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(r) != 1)
		return MG_ERR_NOT_FOUND;
	out->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->username = PQgetvalue(r, 0, 1);
	out->email = PQgetvalue(r, 0, 2);
	out->password_hash = PQgetvalue(r, 0, 3);
	out->is_admin = PQgetvalue(r, 0, 4)[0] == 't';
	return MG_OK;
}

enum mg_err db_user_create(struct db *db, struct arena *a, const char *username, const char *email,
                           const char *password_hash, bool is_admin, long long *id)
{
	PGresult *r;
	const char *params[] = {username, email, password_hash, is_admin ? "true" : "false"};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_CREATE], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	return MG_OK;
}

enum mg_err db_user_taken(struct db *db, struct arena *a, const char *username, const char *email,
                          bool *username_taken, bool *email_taken)
{
	PGresult *r;
	const char *params[] = {username, email};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_TAKEN], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*username_taken = PQgetvalue(r, 0, 0)[0] == 't';
	*email_taken = PQgetvalue(r, 0, 1)[0] == 't';
	return MG_OK;
}

static enum mg_err exec_id(struct db *db, struct arena *a, int stmt, long long id,
                           const char *second)
{
	const char *idtext = arena_sprintf(a, "%lld", id);
	const char *params[] = {idtext, second};
	return db_exec(db, a, &stmts[stmt], params, NULL, NULL);
}

enum mg_err db_user_set_password_hash(struct db *db, struct arena *a, long long id,
                                      const char *hash)
{
	return exec_id(db, a, STMT_SET_HASH, id, hash);
}

enum mg_err db_user_logged_in(struct db *db, struct arena *a, long long id)
{
	return exec_id(db, a, STMT_LOGGED_IN, id, NULL);
}

enum mg_err db_user_replace_password_hash(struct db *db, struct arena *a, long long id,
                                          const char *old_hash, const char *hash)
{
	const char *params[] = {arena_sprintf(a, "%lld", id), old_hash, hash};
	return db_exec(db, a, &stmts[STMT_REPLACE_HASH], params, NULL, NULL);
}
