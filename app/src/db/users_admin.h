/* users_admin.h: the SQL behind the admin's user list and the race-free admin flag change. */
#ifndef MG_DB_USERS_ADMIN_H
#define MG_DB_USERS_ADMIN_H

#include "core/mg.h"

#include <stdbool.h>

struct arena;
struct db;

/* One account as the admin's list shows it; strings live in the arena. */
struct users_admin_row {
	long long id;
	const char *username, *email;
	bool is_admin;
	const char *created_at;    /* "YYYY-MM-DD HH:MM UTC" */
	const char *last_login_at; /* the same, or NULL when the user never logged in */
};

/* db_users_admin_list: every account, newest first (created_at, then id, descending).
 * *out is an arena array of *n rows. */
enum mg_err db_users_admin_list(struct db *db, struct arena *a, struct users_admin_row **out,
                                int *n);

/* What db_users_admin_set_admin did. Only USERS_ADMIN_CHANGED wrote anything. */
enum users_admin_outcome {
	USERS_ADMIN_CHANGED,         /* the flag changed and the audit entry was written */
	USERS_ADMIN_UNCHANGED,       /* the user already had the wanted flag */
	USERS_ADMIN_NOT_FOUND,       /* there is no user with that id */
	USERS_ADMIN_SELF,            /* the actor tried to change their own flag */
	USERS_ADMIN_LAST_ADMIN,      /* demoting the user would leave no admin */
	USERS_ADMIN_ACTOR_NOT_ADMIN, /* the actor lost admin rights before the change */
};

struct users_admin_change {
	enum users_admin_outcome outcome;
	const char *username; /* the user's name (arena), unless NOT_FOUND */
	bool before, after;   /* is_admin before and after (equal unless CHANGED) */
};

/* db_users_admin_set_admin: set user_id's admin flag to want (1 or 0; -1 flips it) on behalf
 * of the admin actor_id (whose name, actor, goes into the audit log), in one transaction: it
 * locks every admin row (SELECT ... FOR UPDATE, in id order) and then the user's, so that two
 * concurrent demotions cannot remove the last two admins; then refuses, in this order, when
 * the actor is no longer an admin, when the user is the last admin and would be demoted, and
 * when the user is the actor; updates the flag and writes the audit entry (user.promote or
 * user.demote, target the user's id, detail {"before": {"is_admin": …}, "after": {"is_admin":
 * …}}); commits. The outcome is in *out. Returns MG_OK, or a database error after rolling the
 * transaction back (*out is then meaningless). */
enum mg_err db_users_admin_set_admin(struct db *db, struct arena *a, long long actor_id,
                                     const char *actor, long long user_id, int want,
                                     struct users_admin_change *out);

#endif
