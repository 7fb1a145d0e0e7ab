/* sessions.c: "musicgraph-admin end-sessions": log one user, or everyone, out at once. */
#include "admin.h"
#include "util/account.h"

#include <stdio.h>
#include <string.h>

#define END_SESSIONS_USAGE "end-sessions USER | end-sessions --all"

/* The deletion and one audit entry per user who had sessions, in one statement: both or
 * neither. The server reads the session on every request, so the next request of every
 * browser concerned is anonymous. */
#define SQL_AUDIT_ENDED                                                                            \
	" a AS (INSERT INTO audit_log (actor, action, target_type, target_id, detail)"             \
	" SELECT $1, 'user.end_sessions', 'user', user_id::text, jsonb_build_object("              \
	"'before', jsonb_build_object('sessions', n), 'after', jsonb_build_object('sessions', 0))" \
	" FROM c)"

/* $1 actor, $2 username: one row (username, sessions ended), none when there is no such user */
static const char sql_user[] =
    "WITH u AS (SELECT id, username FROM users WHERE lower(username) = lower($2)),"
    " d AS (DELETE FROM sessions s USING u WHERE s.user_id = u.id RETURNING s.user_id),"
    " c AS (SELECT user_id, count(*) AS n FROM d GROUP BY user_id)," SQL_AUDIT_ENDED
    " SELECT u.username, (SELECT count(*) FROM d) FROM u";

/* $1 actor: one row (sessions ended, users they belonged to) */
static const char sql_all[] =
    "WITH d AS (DELETE FROM sessions RETURNING user_id),"
    " c AS (SELECT user_id, count(*) AS n FROM d GROUP BY user_id)," SQL_AUDIT_ENDED
    " SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM c)";

int cmd_end_sessions(const struct config *cfg, int argc, char **argv)
{
	const char *user = NULL;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (argv[i][0] == '-' || user != NULL)
			return admin_usage_error(END_SESSIONS_USAGE,
			                         "end-sessions: unexpected argument \"%s\"",
			                         argv[i]);
		else
			user = argv[i];
	}
	if (all == (user != NULL))
		return admin_usage_error(END_SESSIONS_USAGE,
		                         "end-sessions needs a username, or --all for every user");
	if (user != NULL && !account_username_valid(user)) {
		fputs(
		    "Error: No such user (a username has 3 to 32 letters, digits, dots, hyphens or "
		    "underscores)\n",
		    stderr);
		return EXIT_FAIL;
	}
	PGconn *conn = admin_db_connect(cfg);
	if (conn == NULL)
		return EXIT_FAIL;
	const char *params[2] = {cli_actor(), user};
	PGresult *res =
	    admin_db_exec(conn, "end-sessions", all ? sql_all : sql_user, all ? 1 : 2, params);
	int rc = EXIT_FAIL;
	if (res == NULL) {
		/* reported */
	} else if (PQntuples(res) != 1) {
		fprintf(stderr, "Error: User '%s' not found\n", user);
	} else if (all) {
		printf("Ended %s session(s) of %s user(s).\n", PQgetvalue(res, 0, 0),
		       PQgetvalue(res, 0, 1));
		rc = EXIT_OK;
	} else {
		printf("Ended %s session(s) of '%s'.\n", PQgetvalue(res, 0, 1),
		       PQgetvalue(res, 0, 0));
		rc = EXIT_OK;
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}
