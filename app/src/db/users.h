/* users.h: the SQL for accounts: lookup by login, creation, password and login updates. */
#ifndef MG_DB_USERS_H
#define MG_DB_USERS_H

#include "core/mg.h"

#include <stdbool.h>

struct arena;
struct db;

struct user {
	long long id;
	const char *username, *email, *password_hash;
	bool is_admin;
};

/* db_user_get_by_login: the user whose username or email equals login (ignoring case).
 * MG_ERR_NOT_FOUND when there is none; strings live in the arena. */
enum mg_err db_user_get_by_login(struct db *db, struct arena *a, const char *login,
                                 struct user *out);
/* db_user_create: insert a user; *id gets the new id. MG_ERR_CONFLICT when the username or
 * email is taken (db->last_constraint says which: users_username_lower_key or
 * users_email_lower_key). */
enum mg_err db_user_create(struct db *db, struct arena *a, const char *username, const char *email,
                           const char *password_hash, bool is_admin, long long *id);
/* db_user_taken: whether the username and/or the email are already used (ignoring case). */
enum mg_err db_user_taken(struct db *db, struct arena *a, const char *username, const char *email,
                          bool *username_taken, bool *email_taken);
enum mg_err db_user_set_password_hash(struct db *db, struct arena *a, long long id,
                                      const char *hash);
/* db_user_replace_password_hash: set the hash only if it is still old_hash (a rehash at login
 * must never undo a password change made meanwhile). */
enum mg_err db_user_replace_password_hash(struct db *db, struct arena *a, long long id,
                                          const char *old_hash, const char *hash);
enum mg_err db_user_logged_in(struct db *db, struct arena *a, long long id);

#endif
