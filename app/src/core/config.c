/* config.c: one directive table parsed into struct config. */
#include "core/config.h"
#include "core/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* K_DATA_DIR: a string whose default is the folder paths_data_dir(def) finds (installed, else
 * the source tree's). */
enum kind { K_STRING, K_LONG, K_MODE, K_DATA_DIR };

struct directive {
	const char *name;
	enum kind kind;
	size_t offset;
	const char *def;
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

static const struct directive directives[] = {
    {"MUSICGRAPH_LISTEN", K_STRING, OFF(listen), "127.0.0.1:9000", 0, 0,
     "FastCGI socket: a unix socket path (/run/musicgraph/fcgi.sock) or host:port; "
     "ignored when systemd passes a socket (LISTEN_FDS)"},
    {"MUSICGRAPH_SOCKET_MODE", K_MODE, OFF(socket_mode), "0660", 0, 0777,
     "permissions (octal) of the unix socket the server creates"},
    {"MUSICGRAPH_WORKERS", K_LONG, OFF(workers), "0", 0, 256,
     "worker processes; 0 means one per CPU core"},
    {"MUSICGRAPH_DATABASE_URL", K_STRING, OFF(database_url), "", 0, 0,
     "libpq connection string or URI; empty uses libpq's PG* variables"},
    {"MUSICGRAPH_MAX_BODY", K_LONG, OFF(max_body), "1048576", 0, 1L << 30,
     "largest request body in bytes; larger requests get 413"},
    {"MUSICGRAPH_STATEMENT_TIMEOUT", K_LONG, OFF(statement_timeout_ms), "5000", 0, 3600000,
     "milliseconds one SQL statement may run before the request gets 503"},
    {"MUSICGRAPH_DB_CONNECT_TIMEOUT", K_LONG, OFF(db_connect_timeout), "3", 1, 600,
     "seconds to wait for a database connection"},
    {"MUSICGRAPH_SHUTDOWN_TIMEOUT", K_LONG, OFF(shutdown_timeout), "30", 1, 3600,
     "seconds in-flight requests get to finish after SIGTERM before workers are killed"},
    {"MUSICGRAPH_MIGRATIONS_DIR", K_DATA_DIR, OFF(migrations_dir), "migrations", 0, 0,
     "folder of numbered .sql migrations applied by musicgraph-admin migrate"},
    {"MUSICGRAPH_STATIC_DIR", K_DATA_DIR, OFF(static_dir), "static", 0, 0,
     "folder of the static files nginx serves as /static/; read at start for the ?v= "
     "fingerprints in the pages' links"},
    {"MUSICGRAPH_LOG_LEVEL", K_STRING, OFF(log_level), "info", 0, 0, "error, warn, info or debug"},
    {"MUSICGRAPH_PBKDF2_ITERATIONS", K_LONG, OFF(pbkdf2_iterations), "600000", 1000, 10000000,
     "PBKDF2-HMAC-SHA256 iterations for new password hashes; older hashes are upgraded at login"},
    {"MUSICGRAPH_PASSWORD_MIN", K_LONG, OFF(password_min), "12", 8, 1024,
     "fewest characters (not bytes) a new password may have"},
    {"MUSICGRAPH_REGISTRATION", K_STRING, OFF(registration), "open", 0, 0,
     "open: anyone may register; closed: accounts are made with musicgraph-admin"},
    {"MUSICGRAPH_SESSION_IDLE", K_LONG, OFF(session_idle), "7200", 60, 31536000,
     "seconds without a request after which a session ends"},
    {"MUSICGRAPH_SESSION_MAX", K_LONG, OFF(session_max), "2592000", 60, 31536000,
     "seconds after login at which a session ends, however active"},
    {"MUSICGRAPH_LOGIN_MAX_FAILURES_ACCOUNT", K_LONG, OFF(login_max_account), "5", 1, 1000,
     "failed logins for one account within the window before further attempts get 429"},
    {"MUSICGRAPH_LOGIN_MAX_FAILURES_IP", K_LONG, OFF(login_max_ip), "20", 1, 100000,
     "failed logins from one client address within the window before it gets 429"},
    {"MUSICGRAPH_LOGIN_WINDOW", K_LONG, OFF(login_window), "900", 10, 86400,
     "seconds over which failed logins are counted"},
    {"MUSICGRAPH_DATA_VERSION", K_STRING, OFF(data_version), "listen", 0, 0,
     "listen: workers learn of data changes by LISTEN/NOTIFY and read the data version only "
     "then; query: they read it on every request (behind PgBouncer's transaction pooling)"},
    {"MUSICGRAPH_GRAPH_DIR", K_STRING, OFF(graph_dir), "", 0, 0,
     "absolute folder where workers write /api/graph as graph-<version>.json for nginx to send "
     "(X-Accel-Redirect to /_graph/); empty: each worker keeps the JSON in memory and sends "
     "it (needed when nginx runs on another host)"},
};

enum mg_err config_load(struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];
		const char *v = getenv(d->name);
		if (v == NULL)
			v = d->kind == K_DATA_DIR ? paths_data_dir(d->def) : d->def;
		char *field = (char *)cfg + d->offset;
		if (d->kind == K_STRING || d->kind == K_DATA_DIR) {
			memcpy(field, &v, sizeof(v));
			continue;
		}
		char *end;
		errno = 0;
		long n = strtol(v, &end, d->kind == K_MODE ? 8 : 10);
		if (errno != 0 || end == v || *end != '\0' || n < d->min || n > d->max) {
			snprintf(err, errlen, "%s=\"%s\" is not a whole number from %ld to %ld",
			         d->name, v, d->min, d->max);
			return MG_ERR_INVALID;
		}
		memcpy(field, &n, sizeof(n));
	}
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	int ok = 0;
	for (size_t i = 0; i < 4; i++)
		ok |= strcmp(cfg->log_level, levels[i]) == 0;
	if (!ok) {
		snprintf(err, errlen,
		         "MUSICGRAPH_LOG_LEVEL=\"%s\" is not error, warn, info or debug",
		         cfg->log_level);
		return MG_ERR_INVALID;
	}
	if (strcmp(cfg->registration, "open") != 0 && strcmp(cfg->registration, "closed") != 0) {
		snprintf(err, errlen, "MUSICGRAPH_REGISTRATION=\"%s\" is not open or closed",
		         cfg->registration);
		return MG_ERR_INVALID;
	}
	if (strcmp(cfg->data_version, "listen") != 0 && strcmp(cfg->data_version, "query") != 0) {
		snprintf(err, errlen, "MUSICGRAPH_DATA_VERSION=\"%s\" is not listen or query",
		         cfg->data_version);
		return MG_ERR_INVALID;
	}
	if (cfg->graph_dir[0] != '\0' && cfg->graph_dir[0] != '/') {
		snprintf(err, errlen, "MUSICGRAPH_GRAPH_DIR=\"%s\" is not an absolute path",
		         cfg->graph_dir);
		return MG_ERR_INVALID;
	}
	return MG_OK;
}

void config_describe(const struct config *cfg, void *stream)
{
	FILE *f = stream;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];
		const char *field = (const char *)cfg + d->offset;
		if (d->kind == K_STRING || d->kind == K_DATA_DIR) {
			const char *v;
			memcpy(&v, field, sizeof(v));
			/* the database URL may hold a password: never print it */
			if (strcmp(d->name, "MUSICGRAPH_DATABASE_URL") == 0 && v[0])
				v = "(set)";
			fprintf(f, "  %-30s %s\n      %s\n", d->name, v, d->help);
		} else {
			long v;
			memcpy(&v, field, sizeof(v));
			if (d->kind == K_MODE)
				fprintf(f, "  %-30s %04lo\n      %s\n", d->name, (unsigned long)v,
				        d->help);
			else
				fprintf(f, "  %-30s %ld\n      %s\n", d->name, v, d->help);
		}
	}
}
