/* users_admin.c: SQL statements for the admin's user list and admin flag changes. */
#include "db/users_admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "db/db.h"
#include "render/json.h"

#include <stdlib.h>
#include <string.h>

enum { STMT_LIST, STMT_LOCK_ADMINS, STMT_GET_LOCKED, STMT_SET_ADMIN, STMT__MAX };

#define SQL_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"')"
#define SQL_CREATED  SQL_UTC("created_at")
#define SQL_LAST     SQL_UTC("last_login_at")

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_LIST] = {"users_admin_list",
                   "SELECT id, username, email, is_admin, " SQL_CREATED ", " SQL_LAST
                   " FROM users ORDER BY created_at DESC, id DESC",
                   0},
    /* every admin row, locked in one order (the CLI's demote locks them the same way) */
    [STMT_LOCK_ADMINS] = {"users_admin_lock_admins",
                          "SELECT id FROM users WHERE is_admin ORDER BY id FOR UPDATE", 0},
    [STMT_GET_LOCKED] = {"users_admin_get_locked",
                         "SELECT username, is_admin FROM users WHERE id = $1 FOR UPDATE", 1},
    [STMT_SET_ADMIN] = {"users_admin_set_admin",
                        "UPDATE users SET is_admin = $2::boolean WHERE id = $1", 2},
};

enum mg_err db_users_admin_list(struct db *db, struct arena *a, struct users_admin_row **out,
                                int *n)
{
	PGresult *r;
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LIST], NULL, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*n = PQntuples(r);
	*out = arena_calloc(a, (size_t)*n, sizeof(**out));
	for (int i = 0; i < *n; i++) {
		struct users_admin_row *u = &(*out)[i];
		u->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		u->username = PQgetvalue(r, i, 1);
		u->email = PQgetvalue(r, i, 2);
		u->is_admin = PQgetvalue(r, i, 3)[0] == 't';
		u->created_at = PQgetvalue(r, i, 4);
		u->last_login_at = db_value(r, i, 5);
	}
	return MG_OK;
}

/* role_detail: {"before":{"is_admin":B},"after":{"is_admin":A}} in the arena. */
static const char *role_detail(struct arena *a, bool before, bool after)
{
	struct buf *b = buf_new_in(a);
	struct json j;
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "before");
	json_obj_begin(&j);
	json_key(&j, "is_admin");
	json_bool(&j, before);
	json_obj_end(&j);
	json_key(&j, "after");
	json_obj_begin(&j);
	json_key(&j, "is_admin");
	json_bool(&j, after);
	json_obj_end(&j);
	json_obj_end(&j);
	return arena_strdup(a, buf_cstr(b));
}

enum mg_err db_users_admin_set_admin(struct db *db, struct arena *a, long long actor_id,
                                     const char *actor, long long user_id, int want,
                                     struct users_admin_change *out)
{
	PGresult *admins, *user;
	memset(out, 0, sizeof(*out));
	const char *id = arena_sprintf(a, "%lld", user_id);
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	/* the admins first: none can lose the flag between our count and our update */
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK_ADMINS], NULL, &admins, NULL)) != MG_OK)
		goto out;
	const char *params[] = {id, NULL};
	if ((rc = db_exec(db, a, &stmts[STMT_GET_LOCKED], params, &user, NULL)) != MG_OK)
		goto out;
	if (PQntuples(user) != 1) {
		out->outcome = USERS_ADMIN_NOT_FOUND;
		goto out;
	}
	out->username = PQgetvalue(user, 0, 0);
	out->before = out->after = PQgetvalue(user, 0, 1)[0] == 't';
	bool after = want < 0 ? !out->before : want != 0;
	bool actor_admin = false;
	int others = 0; /* locked admins besides the user */
	for (int i = 0; i < PQntuples(admins); i++) {
		long long aid = strtoll(PQgetvalue(admins, i, 0), NULL, 10);
		actor_admin = actor_admin || aid == actor_id;
		others += aid != user_id;
	}
	/* in this order: the sole admin demoting themselves hears about the last admin */
	if (!actor_admin)
		out->outcome = USERS_ADMIN_ACTOR_NOT_ADMIN;
	else if (out->before && !after && others == 0)
		out->outcome = USERS_ADMIN_LAST_ADMIN;
	else if (user_id == actor_id)
		out->outcome = USERS_ADMIN_SELF;
	else if (after == out->before)
		out->outcome = USERS_ADMIN_UNCHANGED;
	else
		out->outcome = USERS_ADMIN_CHANGED;
	if (out->outcome != USERS_ADMIN_CHANGED)
		goto out;
	out->after = after;
	params[1] = out->after ? "true" : "false";
	if ((rc = db_exec(db, a, &stmts[STMT_SET_ADMIN], params, NULL, NULL)) != MG_OK)
		goto out;
	rc = db_audit_write(db, a, actor_id, actor, out->after ? "user.promote" : "user.demote",
	                    "user", id, role_detail(a, out->before, out->after));
	if (rc != MG_OK)
		goto out;
	if ((rc = db_commit(db)) != MG_OK)
		goto out;
	return MG_OK;
out:
	db_rollback(db);
	return rc;
}
