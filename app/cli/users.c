/* users.c: "musicgraph-admin" accounts: create-user, set-password, list-users, promote, demote. */
#include "admin.h"
#include "core/arena.h"
#include "util/account.h"
#include "util/password.h"
#include "util/strength.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CREATE_USER_USAGE  "create-user USER EMAIL [--admin]"
#define SET_PASSWORD_USAGE "set-password USER"
#define LIST_USERS_USAGE   "list-users"
#define NO_PASSWORD_ARG                                                                            \
	"the password is never taken from the command line: it is read from the terminal, or "     \
	"from the first line of standard input when that is not a terminal"

enum stmt {
	U_BEGIN,
	U_COMMIT,
	U_ROLLBACK,
	U_TAKEN,
	U_INSERT,
	U_GET,
	U_GET_LOCKED,
	U_SET_PASSWORD,
	U_END_SESSIONS,
	U_LIST,
	U_LOCK_ADMINS,
	U_SET_ADMIN,
	U_AUDIT_ROLE,
	U_AUDIT_PASSWORD,
	U__MAX
};

#define SQL_GET      "SELECT id, username, email, is_admin FROM users WHERE lower(username) = lower($1)"
#define SQL_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'"

static const char *const sql[U__MAX] = {
    [U_BEGIN] = "BEGIN",
    [U_COMMIT] = "COMMIT",
    [U_ROLLBACK] = "ROLLBACK",
    [U_TAKEN] = "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1)),"
                " EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2))",
    /* the account and its audit entry in one statement: both or neither */
    [U_INSERT] = "WITH u AS (INSERT INTO users (username, email, password_hash, is_admin)"
                 " VALUES ($1, $2, $3, $4::boolean) RETURNING id)"
                 " INSERT INTO audit_log (actor, action, target_type, target_id, detail)"
                 " SELECT $5, 'user.create', 'user', u.id::text, jsonb_build_object('after',"
                 " jsonb_build_object('username', $1::text, 'email', $2::text,"
                 " 'is_admin', $4::boolean)) FROM u",
    [U_GET] = SQL_GET,
    [U_GET_LOCKED] = SQL_GET " FOR UPDATE",
    [U_SET_PASSWORD] = "UPDATE users SET password_hash = $2 WHERE id = $1",
    [U_END_SESSIONS] = "DELETE FROM sessions WHERE user_id = $1",
    [U_LIST] =
        "SELECT username, email, CASE WHEN is_admin THEN 'yes' ELSE 'no' END,"
        " " SQL_UTC(
            "created_at") ","
                          " coalesce(" SQL_UTC(
                              "last_login_at") ", 'never')"
                                               " FROM users ORDER BY created_at DESC, id DESC",
    /* demote: every admin row locked (in id order) before counting them */
    [U_LOCK_ADMINS] = "SELECT id FROM users WHERE is_admin ORDER BY id FOR UPDATE",
    [U_SET_ADMIN] = "UPDATE users SET is_admin = $2::boolean WHERE id = $1",
    [U_AUDIT_ROLE] = "INSERT INTO audit_log (actor, action, target_type, target_id, detail)"
                     " VALUES ($1, CASE WHEN $3::boolean THEN 'user.promote' ELSE 'user.demote'"
                     " END, 'user', $2, jsonb_build_object('before', jsonb_build_object("
                     "'is_admin', NOT $3::boolean), 'after', jsonb_build_object('is_admin',"
                     " $3::boolean)))",
    [U_AUDIT_PASSWORD] = "INSERT INTO audit_log (actor, action, target_type, target_id)"
                         " VALUES ($1, 'user.set_password', 'user', $2)",
};

/* ---- the audit log's actor ---- */

/* cli_actor: "cli:<the operator>" (SUDO_USER when run through sudo, else the login name). */
const char *cli_actor(void)
{
	static char actor[80];
	const char *who = getenv("SUDO_USER");
	struct passwd *pw = NULL;
	if (who == NULL || who[0] == '\0')
		pw = getpwuid(getuid());
	if (pw != NULL)
		who = pw->pw_name;
	snprintf(actor, sizeof(actor), "cli:%s", who ? who : "unknown");
	return actor;
}

/* ---- messages ---- */

/* put_safe: s on f with control characters (C0, DEL, C1) shown as '?', so that text from the
 * database or the command line cannot drive the terminal. Returns the characters written. */
static size_t put_safe(FILE *f, const char *s)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { /* U+0080..U+009F */
			fputc('?', f);
			p++;
		} else if (*p < 0x20 || *p == 0x7F) {
			fputc('?', f);
		} else {
			fputc(*p, f);
		}
	}
	return chars;
}

/* say_v: fmt and a newline on f; each %s argument goes through put_safe. Knows only %s, %%. */
static void say_v(FILE *f, const char *fmt, va_list ap)
{
	for (const char *p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			put_safe(f, va_arg(ap, const char *));
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			fputc('%', f);
			p++;
		} else {
			fputc(*p, f);
		}
	}
	fputc('\n', f);
}

/* user_say: a result line on stdout (say_v's formats). */
static void user_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void user_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_v(stdout, fmt, ap);
	va_end(ap);
}

/* user_error: "Error: <message>" on stderr (say_v's formats); returns EXIT_FAIL. */
static int user_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int user_error(const char *fmt, ...)
{
	va_list ap;
	fputs("Error: ", stderr);
	va_start(ap, fmt);
	say_v(stderr, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

/* ---- validation (the registration form's rules) ---- */

/* ---- reading a password ---- */

/* The terminal whose echo is off, and its settings before: for the signal handler. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_TTY_SIGNALS (sizeof(tty_signals) / sizeof(tty_signals[0]))
static struct sigaction tty_old_actions[N_TTY_SIGNALS];

/* tty_on_signal: turn echo back on, end the prompt's line, then die of the same signal (the
 * handler was installed with SA_RESETHAND and the signal is blocked until it returns). */
static void tty_on_signal(int sig)
{
	int fd = tty_fd;
	if (fd >= 0) {
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
		ssize_t w = write(fd, "\n", 1);
		(void)w;
	}
	raise(sig);
}

/* tty_echo_off: remember fd's settings, arrange for them to come back on a fatal signal, then
 * switch echo off. Undo with tty_echo_restore (also after a failure here). */
static enum mg_err tty_echo_off(int fd)
{
	if (tcgetattr(fd, &tty_saved) != 0)
		return MG_ERR_IO;
	tty_fd = fd;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_TTY_SIGNALS; i++)
		sigaddset(&sa.sa_mask, tty_signals[i]);
	for (size_t i = 0; i < N_TTY_SIGNALS; i++)
		sigaction(tty_signals[i], &sa, &tty_old_actions[i]);
	struct termios t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0)
		return MG_ERR_IO;
	return MG_OK;
}

static void tty_echo_restore(void)
{
	int fd = tty_fd;
	if (fd < 0)
		return;
	tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_fd = -1;
	for (size_t i = 0; i < N_TTY_SIGNALS; i++)
		sigaction(tty_signals[i], &tty_old_actions[i], NULL);
}

/* read_line: bytes from fd up to a newline (not stored) or the end, at most max of them, into
 * buf (NUL-terminated; it holds max + 1 bytes); *len gets how many. MG_ERR_TOO_LARGE when the
 * line goes on past max bytes (with drain, the rest of the line is read and dropped: on a
 * terminal it must not reach the shell); MG_ERR_NOT_FOUND at the end of the input before any
 * byte; MG_ERR_IO (errno set) when read fails. One byte per read(), so nothing after the line
 * is consumed. */
static enum mg_err read_line(int fd, char *buf, size_t max, size_t *len, bool drain)
{
	size_t n = 0;
	bool any = false, over = false;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return MG_ERR_IO;
		if (r == 0)
			break;
		any = true;
		if (c == '\n')
			break;
		if (n == max) {
			over = true;
			if (!drain)
				break;
			continue;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	*len = n;
	if (over)
		return MG_ERR_TOO_LARGE;
	return any ? MG_OK : MG_ERR_NOT_FOUND;
}

/* A password as typed: up to PASSWORD_MAX_BYTES bytes (one more for a "\r" before the "\n"). */
struct secret {
	char s[PASSWORD_MAX_BYTES + 2];
	size_t len;
};

static void secret_clear(struct secret *p)
{
	OPENSSL_cleanse(p->s, sizeof(p->s));
	p->len = 0;
}

/* tty_prompt: echo off, write prompt on the terminal fd, read one line into p, echo back on. */
static enum mg_err tty_prompt(int fd, const char *prompt, struct secret *p)
{
	size_t n = strlen(prompt);
	enum mg_err rc = tty_echo_off(fd);
	if (rc == MG_OK && write(fd, prompt, n) != (ssize_t)n)
		rc = MG_ERR_IO;
	if (rc == MG_OK)
		rc = read_line(fd, p->s, PASSWORD_MAX_BYTES, &p->len, true);
	int saved = errno;
	tty_echo_restore();
	ssize_t w = write(fd, "\n", 1); /* the newline typed was not echoed */
	(void)w;
	errno = saved;
	return rc;
}

/* password_input: the new password into p: typed twice on /dev/tty without echo when standard
 * input is a terminal, else the first line of standard input (without its "\n" or "\r\n").
 * Prints "Error: …" and returns false when there is none, it is over PASSWORD_MAX_BYTES, or the
 * two entries differ. */
static bool password_input(struct secret *p)
{
	enum mg_err rc;
	p->len = 0;
	if (!isatty(STDIN_FILENO)) {
		rc = read_line(STDIN_FILENO, p->s, PASSWORD_MAX_BYTES + 1, &p->len, false);
		if (rc == MG_OK && p->len > 0 && p->s[p->len - 1] == '\r')
			p->s[--p->len] = '\0';
		if (rc == MG_OK && p->len > PASSWORD_MAX_BYTES)
			rc = MG_ERR_TOO_LARGE;
	} else {
		int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			user_error(
			    "Cannot open the terminal (/dev/tty) to ask for the password: %s",
			    strerror(errno));
			return false;
		}
		struct secret again;
		bool differ = false;
		rc = tty_prompt(fd, "Password: ", p);
		if (rc == MG_OK && p->len > 0) {
			rc = tty_prompt(fd, "Repeat the password: ", &again);
			differ = rc == MG_OK &&
			         (again.len != p->len || memcmp(again.s, p->s, p->len) != 0);
			secret_clear(&again);
		}
		close(fd);
		if (differ) {
			user_error("Passwords do not match");
			return false;
		}
	}
	switch (rc) {
	case MG_OK:
		if (p->len > 0)
			return true;
		/* fall through */
	case MG_ERR_NOT_FOUND:
		user_error("No password given (type it at the prompt, or give it on the first line "
		           "of standard input)");
		return false;
	case MG_ERR_TOO_LARGE:
		_Static_assert(PASSWORD_MAX_BYTES == 1024, "say the new limit below");
		user_error("The password is longer than 1024 bytes; it is refused, not shortened");
		return false;
	default:
		user_error("Cannot read the password: %s", strerror(errno));
		return false;
	}
}

/* new_password_hash: read the new password for the account username/email, apply the policy
 * and hash it with cfg's iterations into hash (PASSWORD_HASH_MAX bytes). Prints the problem
 * and returns false when the password is refused. */
static bool new_password_hash(const struct config *cfg, const char *username, const char *email,
                              char *hash)
{
	struct secret p;
	bool ok = false;
	if (!password_input(&p))
		goto out;
	struct arena *a = arena_new();
	const char *problem = NULL;
	if (password_policy_check_n(p.s, p.len, username, email, cfg->password_min, a, &problem) !=
	    MG_OK) {
		user_error("%s", problem ? problem : "This password cannot be used.");
		arena_free(a);
		goto out;
	}
	arena_free(a);
	enum mg_err rc = password_hash(p.s, p.len, cfg->pbkdf2_iterations, hash, PASSWORD_HASH_MAX);
	if (rc != MG_OK) {
		admin_warn("hashing the password failed: %s", mg_strerror(rc));
		goto out;
	}
	ok = true;
out:
	secret_clear(&p);
	return ok;
}

/* ---- the database ---- */

/* A user row: its fields point into res (PQclear it when done). */
struct user_row {
	PGresult *res;
	const char *id, *username, *email;
	bool is_admin;
};

/* user_get: look username up, ignoring case (stmt U_GET or U_GET_LOCKED). MG_ERR_NOT_FOUND
 * (nothing printed) when there is no such user; MG_ERR_DB after printing why. */
static enum mg_err user_get(PGconn *conn, enum stmt stmt, const char *username, struct user_row *u)
{
	const char *params[1] = {username};
	memset(u, 0, sizeof(*u));
	PGresult *res = admin_db_exec(conn, "looking up the user", sql[stmt], 1, params);
	if (res == NULL)
		return MG_ERR_DB;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return MG_ERR_NOT_FOUND;
	}
	u->res = res;
	u->id = PQgetvalue(res, 0, 0);
	u->username = PQgetvalue(res, 0, 1);
	u->email = PQgetvalue(res, 0, 2);
	u->is_admin = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	return MG_OK;
}

static void rollback(PGconn *conn)
{
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, sql[U_ROLLBACK]));
}

/* report_taken: the "already taken" messages for username and email; true when any was. */
static bool report_taken(PGconn *conn, const char *username, const char *email, bool *failed)
{
	const char *params[2] = {username, email};
	PGresult *res =
	    admin_db_exec(conn, "checking the username and email", sql[U_TAKEN], 2, params);
	*failed = res == NULL;
	if (res == NULL)
		return false;
	bool utaken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	bool etaken = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (utaken)
		user_error("Username '%s' is already taken", username);
	if (etaken)
		user_error("Email '%s' is already registered", email);
	return utaken || etaken;
}

/* ---- the commands ---- */

/* positional: collect the arguments that are not options into pos (at most max); "--" ends
 * the options, "--admin" sets *admin when admin is not NULL. Anything that looks like a
 * password option, and (when password is set) an extra argument, is answered with
 * NO_PASSWORD_ARG. Returns the count, or -1 after printing a usage error. */
static int positional(int argc, char **argv, const char *usage, bool password, bool *admin,
                      char **pos, int max)
{
	int n = 0;
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (options && strcmp(arg, "--") == 0) {
			options = false;
		} else if (options && admin != NULL && strcmp(arg, "--admin") == 0) {
			*admin = true;
		} else if (options && arg[0] == '-' && arg[1] != '\0') {
			if (password &&
			    (strncmp(arg, "--password", 10) == 0 || strcmp(arg, "-p") == 0))
				admin_usage_error(usage, "%s: %s", argv[0], NO_PASSWORD_ARG);
			else
				admin_usage_error(usage, "%s: unknown option \"%s\"", argv[0], arg);
			return -1;
		} else if (n == max) {
			admin_usage_error(usage, "%s: unexpected argument \"%s\"%s%s", argv[0], arg,
			                  password ? "; " : "", password ? NO_PASSWORD_ARG : "");
			return -1;
		} else {
			pos[n++] = argv[i];
		}
	}
	return n;
}

int cmd_create_user(const struct config *cfg, int argc, char **argv)
{
	char *pos[2];
	bool admin = false;
	int n = positional(argc, argv, CREATE_USER_USAGE, true, &admin, pos, 2);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 2)
		return admin_usage_error(CREATE_USER_USAGE,
		                         "create-user needs a username and an email");
	const char *username = pos[0], *email = pos[1];
	if (!account_username_valid(username))
		return user_error("Username '%s' is not valid: a username has 3 to 32 letters, "
		                  "digits, dots, hyphens or underscores",
		                  username);
	if (!account_email_valid(email))
		return user_error("Email '%s' is not valid: enter an address such as "
		                  "name@example.org",
		                  email);

	int rc = EXIT_FAIL;
	char hash[PASSWORD_HASH_MAX] = "";
	PGresult *res = NULL;
	PGconn *conn = admin_db_connect(cfg);
	if (conn == NULL)
		goto out;
	bool failed;
	if (report_taken(conn, username, email, &failed) || failed)
		goto out; /* before asking for a password that could not be used */
	if (!new_password_hash(cfg, username, email, hash))
		goto out;
	const char *params[5] = {username, email, hash, admin ? "true" : "false", cli_actor()};
	res = PQexecParams(conn, sql[U_INSERT], 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		user_say(admin ? "Created admin '%s'." : "Created user '%s'.", username);
		rc = EXIT_OK;
		goto out;
	}
	/* someone took the name or address meanwhile: the unique indexes decide */
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	if (state != NULL && strcmp(state, "23505") == 0 && constraint != NULL &&
	    strcmp(constraint, "users_username_lower_key") == 0)
		user_error("Username '%s' is already taken", username);
	else if (state != NULL && strcmp(state, "23505") == 0 && constraint != NULL &&
	         strcmp(constraint, "users_email_lower_key") == 0)
		user_error("Email '%s' is already registered", email);
	else
		admin_db_report(res, conn, "create-user");
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

int cmd_set_password(const struct config *cfg, int argc, char **argv)
{
	char *pos[1];
	int n = positional(argc, argv, SET_PASSWORD_USAGE, true, NULL, pos, 1);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1)
		return admin_usage_error(SET_PASSWORD_USAGE, "set-password needs a username");

	int rc = EXIT_FAIL;
	char hash[PASSWORD_HASH_MAX] = "";
	struct user_row u = {0};
	PGresult *res = NULL;
	PGconn *conn = admin_db_connect(cfg);
	if (conn == NULL)
		goto out;
	enum mg_err e = user_get(conn, U_GET, pos[0], &u);
	if (e == MG_ERR_NOT_FOUND)
		user_error("User '%s' not found", pos[0]);
	if (e != MG_OK)
		goto out;
	if (!new_password_hash(cfg, u.username, u.email, hash))
		goto out;
	/* the new hash and the end of every session, together or not at all */
	const char *params[2] = {u.id, hash};
	if (admin_db_cmd(conn, "set-password", sql[U_BEGIN], 0, NULL) != MG_OK)
		goto out;
	res = admin_db_exec(conn, "set-password", sql[U_SET_PASSWORD], 2, params);
	if (res == NULL)
		goto out;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		user_error("User '%s' not found", u.username); /* deleted meanwhile */
		goto out;
	}
	PQclear(res);
	const char *audit[2] = {cli_actor(), u.id};
	if (admin_db_cmd(conn, "set-password", sql[U_AUDIT_PASSWORD], 2, audit) != MG_OK)
		goto out;
	res = admin_db_exec(conn, "ending the sessions", sql[U_END_SESSIONS], 1, params);
	if (res == NULL || admin_db_cmd(conn, "set-password", sql[U_COMMIT], 0, NULL) != MG_OK)
		goto out;
	user_say("Password changed for '%s'; %s session(s) ended.", u.username, PQcmdTuples(res));
	rc = EXIT_OK;
out:
	if (conn != NULL)
		rollback(conn);
	PQclear(res);
	PQclear(u.res);
	PQfinish(conn);
	return rc;
}

/* utf8_width: the characters (code points) in s, as the table counts them. */
static size_t utf8_width(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

int cmd_list_users(const struct config *cfg, int argc, char **argv)
{
	static const char *const header[] = {"username", "email", "admin", "created", "last login"};
	enum { NCOLS = sizeof(header) / sizeof(header[0]) };
	char *pos[1];
	if (positional(argc, argv, LIST_USERS_USAGE, false, NULL, pos, 0) != 0)
		return EXIT_USAGE;
	PGconn *conn = admin_db_connect(cfg);
	if (conn == NULL)
		return EXIT_FAIL;
	PGresult *res = admin_db_exec(conn, "list-users", sql[U_LIST], 0, NULL);
	if (res == NULL) {
		PQfinish(conn);
		return EXIT_FAIL;
	}
	int rows = PQntuples(res);
	size_t width[NCOLS];
	for (int c = 0; c < NCOLS; c++) {
		width[c] = strlen(header[c]);
		for (int r = 0; r < rows; r++) {
			size_t w = utf8_width(PQgetvalue(res, r, c));
			if (w > width[c])
				width[c] = w;
		}
	}
	for (int r = -1; r < rows; r++) {
		for (int c = 0; c < NCOLS; c++) {
			size_t w = put_safe(stdout, r < 0 ? header[c] : PQgetvalue(res, r, c));
			if (c + 1 < NCOLS)
				printf("%*s", (int)(width[c] - w + 2), "");
		}
		putchar('\n');
	}
	printf("%d user%s.\n", rows, rows == 1 ? "" : "s");
	PQclear(res);
	PQfinish(conn);
	return EXIT_OK;
}

/* set_admin: promote (make true) or demote one user, race-free: the rows that decide are
 * locked in one transaction. */
static int set_admin(const struct config *cfg, int argc, char **argv, bool make)
{
	char usage[64];
	snprintf(usage, sizeof(usage), "%s USER", argv[0]);
	char *pos[1];
	int n = positional(argc, argv, usage, false, NULL, pos, 1);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1)
		return admin_usage_error(usage, "%s needs a username", argv[0]);

	int rc = EXIT_FAIL;
	struct user_row u = {0};
	PGresult *admins = NULL;
	PGconn *conn = admin_db_connect(cfg);
	if (conn == NULL)
		goto out;
	if (admin_db_cmd(conn, argv[0], sql[U_BEGIN], 0, NULL) != MG_OK)
		goto out;
	/* demote: no admin can lose the rights between our count and our update */
	if (!make && (admins = admin_db_exec(conn, "locking the admins", sql[U_LOCK_ADMINS], 0,
	                                     NULL)) == NULL)
		goto out;
	enum mg_err e = user_get(conn, U_GET_LOCKED, pos[0], &u);
	if (e == MG_ERR_NOT_FOUND)
		user_error("User '%s' not found", pos[0]);
	if (e != MG_OK)
		goto out;
	if (u.is_admin == make) {
		user_say(make ? "User '%s' is already an admin" : "User '%s' is not an admin",
		         u.username);
		rc = EXIT_OK;
		goto out;
	}
	if (!make && PQntuples(admins) <= 1) {
		user_error("'%s' is the last admin; promote another user first", u.username);
		goto out;
	}
	const char *params[2] = {u.id, make ? "true" : "false"};
	const char *audit[3] = {cli_actor(), u.id, make ? "true" : "false"};
	if (admin_db_cmd(conn, argv[0], sql[U_SET_ADMIN], 2, params) != MG_OK ||
	    admin_db_cmd(conn, argv[0], sql[U_AUDIT_ROLE], 3, audit) != MG_OK ||
	    admin_db_cmd(conn, argv[0], sql[U_COMMIT], 0, NULL) != MG_OK)
		goto out;
	user_say(make ? "Success: '%s' is now an admin" : "Success: Admin rights removed from '%s'",
	         u.username);
	rc = EXIT_OK;
out:
	if (conn != NULL)
		rollback(conn);
	PQclear(admins);
	PQclear(u.res);
	PQfinish(conn);
	return rc;
}

int cmd_promote(const struct config *cfg, int argc, char **argv)
{
	return set_admin(cfg, argc, argv, true);
}

int cmd_demote(const struct config *cfg, int argc, char **argv)
{
	return set_admin(cfg, argc, argv, false);
}
