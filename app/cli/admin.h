/* admin.h: what the musicgraph-admin subcommands share: handlers, database and file helpers. */
#ifndef MG_ADMIN_H
#define MG_ADMIN_H

#include "core/config.h"
#include "core/mg.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Exit statuses of every subcommand. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* A subcommand: argv[0] is its name; returns one of the exit statuses above. */
typedef int (*admin_handler)(const struct config *cfg, int argc, char **argv);

int cmd_migrate(const struct config *cfg, int argc, char **argv);
int cmd_import_genres(const struct config *cfg, int argc, char **argv);
int cmd_import_bands(const struct config *cfg, int argc, char **argv);
/* users.c: accounts. create-user and set-password read the password from the terminal (twice,
 * without echo) or from standard input's first line, never from argv. */
int cmd_create_user(const struct config *cfg, int argc, char **argv);
int cmd_set_password(const struct config *cfg, int argc, char **argv);
int cmd_list_users(const struct config *cfg, int argc, char **argv);
int cmd_promote(const struct config *cfg, int argc, char **argv);
int cmd_demote(const struct config *cfg, int argc, char **argv);
/* sessions.c: end-sessions USER | --all (log out at once, with audit entries). */
int cmd_end_sessions(const struct config *cfg, int argc, char **argv);
/* import_flask.c: the Flask original's database, in one transaction. */
int cmd_import_flask(const struct config *cfg, int argc, char **argv);

/* cli_actor (users.c): the audit log's actor for the CLI, "cli:<operator>" (SUDO_USER under
 * sudo, else the login name); static storage. */
const char *cli_actor(void);

/* admin_warn: print "musicgraph-admin: <message>" on stderr. */
void admin_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* admin_usage_error: print "musicgraph-admin: <message>" and "usage: musicgraph-admin <usage>"
 * on stderr and return EXIT_USAGE. */
int admin_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* admin_db_connect: connect with cfg->database_url (a libpq URI or conninfo; empty means the
 * PG* variables), client_encoding UTF8, notices above warning only. On failure prints why on
 * stderr and returns NULL. Close with PQfinish. */
PGconn *admin_db_connect(const struct config *cfg);

/* admin_db_exec: run sql with nparams text parameters (no data ever goes into sql itself) and
 * return the result when its status is PGRES_COMMAND_OK or PGRES_TUPLES_OK. Otherwise print
 * "musicgraph-admin: <what>: <server message>" (with detail and hint) on stderr, clear the
 * result and return NULL. The caller PQclear()s a returned result. */
PGresult *admin_db_exec(PGconn *conn, const char *what, const char *sql, int nparams,
                        const char *const *params);

/* admin_db_cmd: admin_db_exec for statements whose result is not needed; MG_OK or MG_ERR_DB. */
enum mg_err admin_db_cmd(PGconn *conn, const char *what, const char *sql, int nparams,
                         const char *const *params);

/* admin_db_report: print a failed result's message (primary, detail, hint) under "what". */
void admin_db_report(const PGresult *res, PGconn *conn, const char *what);

/* admin_read_file: the whole file at path, NUL-terminated, malloc'd into *data (caller frees)
 * with its length in *len (the NUL not counted). Refuses files over max bytes. On failure
 * writes the reason (without the path) into err and returns MG_ERR_IO or MG_ERR_TOO_LARGE. */
enum mg_err admin_read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                            size_t errlen);

/* A PostgreSQL text array literal built element by element, to pass a list as one bound
 * parameter ($1::text[]); data never becomes SQL text. */
struct pg_array {
	struct buf *b;
	size_t n;
	bool closed;
};

/* pg_array_init / pg_array_free: an empty array; free releases its buffer. */
void pg_array_init(struct pg_array *a);
void pg_array_free(struct pg_array *a);
/* pg_array_add: append s (quoted and escaped), or an SQL NULL when s is NULL. */
void pg_array_add(struct pg_array *a, const char *s);
/* pg_array_cstr: the finished literal, e.g. {"a","b",NULL}; no pg_array_add after this.
 * Valid until pg_array_free. */
const char *pg_array_cstr(struct pg_array *a);

#endif
