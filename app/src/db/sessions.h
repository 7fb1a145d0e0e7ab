/* sessions.h: the SQL for server-side sessions (looked up by the token's SHA-256). */
#ifndef MG_DB_SESSIONS_H
#define MG_DB_SESSIONS_H

#include "core/mg.h"
#include "db/users.h"

struct arena;
struct db;

struct session {
	long long id;
	const char *csrf_token;
	long long idle_seconds; /* since last_seen_at */
};

/* A row of the account page's session list. */
struct session_row {
	long long id;
	const char *created_at, *last_seen_at, *user_agent, *ip;
};

/* db_session_create: store a session for user_id; *id gets its id. */
enum mg_err db_session_create(struct db *db, struct arena *a, const unsigned char hash[32],
                              long long user_id, const char *csrf_token, long max_seconds,
                              const char *user_agent, const char *ip, long long *id);
/* db_session_load: the live session with this token hash (not expired, not idle longer than
 * idle_seconds) and its user. MG_ERR_NOT_FOUND when there is none. */
enum mg_err db_session_load(struct db *db, struct arena *a, const unsigned char hash[32],
                            long idle_seconds, struct session *s, struct user *u);
enum mg_err db_session_touch(struct db *db, struct arena *a, long long id);
enum mg_err db_session_delete(struct db *db, struct arena *a, long long id);
/* db_session_delete_of_user: session id, only if it belongs to user_id.
 * db_session_delete_others: every session of user_id except keep. */
enum mg_err db_session_delete_of_user(struct db *db, struct arena *a, long long user_id,
                                      long long id);
enum mg_err db_session_delete_others(struct db *db, struct arena *a, long long user_id,
                                     long long keep);
/* db_session_list: the user's live sessions, most recently seen first. */
enum mg_err db_session_list(struct db *db, struct arena *a, long long user_id, long idle_seconds,
                            struct session_row **rows, int *n);
/* db_session_purge: delete expired and idle sessions, old flash messages and old login
 * failures (housekeeping, run now and then by each worker). */
enum mg_err db_session_purge(struct db *db, struct arena *a, long idle_seconds);

#endif
