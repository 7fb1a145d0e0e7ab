/* config.h: the typed configuration, read once from MUSICGRAPH_* environment variables. */
#ifndef MG_CONFIG_H
#define MG_CONFIG_H

#include "core/mg.h"

#include <stddef.h>

struct config {
	const char *listen;         /* MUSICGRAPH_LISTEN: unix path or host:port */
	long socket_mode;           /* MUSICGRAPH_SOCKET_MODE: permissions of a unix socket */
	long workers;               /* MUSICGRAPH_WORKERS: 0 means one per core */
	const char *database_url;   /* MUSICGRAPH_DATABASE_URL: libpq conninfo or URI */
	long max_body;              /* MUSICGRAPH_MAX_BODY: bytes */
	long statement_timeout_ms;  /* MUSICGRAPH_STATEMENT_TIMEOUT: milliseconds */
	long db_connect_timeout;    /* MUSICGRAPH_DB_CONNECT_TIMEOUT: seconds */
	long shutdown_timeout;      /* MUSICGRAPH_SHUTDOWN_TIMEOUT: seconds to drain */
	const char *migrations_dir; /* MUSICGRAPH_MIGRATIONS_DIR */
	const char *static_dir;     /* MUSICGRAPH_STATIC_DIR: what nginx serves as /static/ */
	const char *log_level;      /* MUSICGRAPH_LOG_LEVEL: error, warn, info, debug */
	long pbkdf2_iterations;     /* MUSICGRAPH_PBKDF2_ITERATIONS */
	long password_min;          /* MUSICGRAPH_PASSWORD_MIN: characters */
	const char *registration;   /* MUSICGRAPH_REGISTRATION: open or closed */
	long session_idle;          /* MUSICGRAPH_SESSION_IDLE: seconds */
	long session_max;           /* MUSICGRAPH_SESSION_MAX: seconds */
	long login_max_account;     /* MUSICGRAPH_LOGIN_MAX_FAILURES_ACCOUNT */
	long login_max_ip;          /* MUSICGRAPH_LOGIN_MAX_FAILURES_IP */
	long login_window;          /* MUSICGRAPH_LOGIN_WINDOW: seconds */
	const char *data_version;   /* MUSICGRAPH_DATA_VERSION: listen or query */
	const char *graph_dir;      /* MUSICGRAPH_GRAPH_DIR: /api/graph files for nginx; "" = off */
};

/* config_load: fill *cfg from the environment (defaults where unset). On a bad value returns
 * MG_ERR_INVALID and writes a one-line reason naming the variable into err. The strings point
 * into the environment or static storage. */
enum mg_err config_load(struct config *cfg, char *err, size_t errlen);

/* config_describe: print every directive, its current value and its meaning (for --help). */
void config_describe(const struct config *cfg, void *stream);

#endif
