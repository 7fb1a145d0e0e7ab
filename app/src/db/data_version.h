/* data_version.h: what a worker believes the current data version is, and when it must ask.
 *
 * listen (MUSICGRAPH_DATA_VERSION=listen, the default): the worker's connection LISTENs on
 * musicgraph_data_version, which a trigger NOTIFYs whenever the version moves (migration
 * 0004). The version read once after LISTEN stays current until a notification arrives, so a
 * request costs no round trip. The version is read again when a notification came, the
 * connection is new or broken, the viewer is logged in (data_version_read_always), or a POST
 * finished in any worker of this server since the last read (data_version_note_post).
 * query: read `SELECT version FROM data_version` on every request (needed behind a PgBouncer
 * in transaction pooling, which cannot LISTEN). */
#ifndef MG_DB_DATA_VERSION_H
#define MG_DB_DATA_VERSION_H

#include "core/mg.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct db;

enum data_version_mode { DATA_VERSION_LISTEN, DATA_VERSION_QUERY };

struct data_version {
	enum data_version_mode mode;
	long long version;               /* the version last read */
	bool current;                    /* nothing since then says it may have moved */
	bool read_always;                /* read it on every call (a logged-in viewer) */
	unsigned long listen_generation; /* db->generation of the connection that LISTENs */
	unsigned long notices_seen;      /* db->notices when version was read */
	uint64_t posts_seen;             /* the shared POST counter when version was read */
};

/* data_version_shared_init: map the counter of finished POSTs that the workers share; the
 * master calls it once, before it forks. Returns 0, or -1 (workers then always query). */
int data_version_shared_init(void);

/* data_version_init: a worker's state; nothing is read until the first data_version_get. */
void data_version_init(struct data_version *dv, enum data_version_mode mode);

/* data_version_get: the current data version into *version: the remembered one when it is
 * known to be current, else read from db (LISTENing first on a new connection). Errors are
 * db_exec's. */
enum mg_err data_version_get(struct data_version *dv, struct db *db, struct arena *a,
                             long long *version);

/* data_version_read_always: while on, every data_version_get reads the version, as in query
 * mode: for a request of a logged-in viewer, who may have just changed the data through any
 * app host, or be changing it in this request (a handler that reads the graph again after its
 * write failed must see the change that beat it). Set for each request. */
void data_version_read_always(struct data_version *dv, bool on);

/* data_version_note_post: a POST finished in this worker (its change, if any, is committed);
 * every worker of this server reads the version again before its next use. Call before the
 * answer goes out, so that a request the client sends after it sees the change. */
void data_version_note_post(void);

/* data_version_drain: take the notifications libpq has already read (no system call); any
 * marks the version stale. Keeps libpq's list from growing in a worker that serves requests
 * which never need the graph. */
void data_version_drain(struct data_version *dv, struct db *db);

/* data_version_poll: read what the connection has received without waiting, then drain. For an
 * idle worker, so that PostgreSQL never blocks writing notifications to a full socket (its
 * notification queue could not advance past this connection meanwhile). */
void data_version_poll(struct data_version *dv, struct db *db);

#endif
