/* data_version.c: the worker's current data version, from LISTEN/NOTIFY or a query. */
#include "db/data_version.h"
#include "core/log.h"
#include "db/db.h"
#include "db/graph.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>

/* how long one data_version_poll may read: a socket that filled while the worker was idle
 * empties in well under that (some 400 notifications per 16 kB read, a read every 0.1 ms),
 * and a flood cannot keep the worker from accepting for longer */
#define POLL_BUDGET_MS 100
/* after a read that brought notifications, how long to wait for more: PostgreSQL, blocked on
 * the full socket, writes again once there is room and it has been scheduled */
#define POLL_MORE_MS 10
/* reads of the version before giving up on having it from the connection that LISTENs
 * (each retry follows a reconnect in the middle, i.e. a database restart) */
#define READ_ATTEMPTS 3

static const struct db_stmt stmt_listen = {"data_version_listen", "LISTEN musicgraph_data_version",
                                           0};

/* POSTs finished by any worker of this server; mapped by the master before it forks */
static uint64_t *posts;

int data_version_shared_init(void)
{
	void *p =
	    mmap(NULL, sizeof(*posts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	posts = p; /* zeroed */
	return 0;
}

void data_version_init(struct data_version *dv, enum data_version_mode mode)
{
	*dv = (struct data_version){.mode = mode};
	/* without the shared counter a POST answered by another worker could be followed by a
	 * page from before it: read the version every time instead (the master has logged it) */
	if (posts == NULL)
		dv->mode = DATA_VERSION_QUERY;
}

void data_version_read_always(struct data_version *dv, bool on)
{
	dv->read_always = on;
}

void data_version_note_post(void)
{
	if (posts != NULL)
		__atomic_fetch_add(posts, 1, __ATOMIC_RELEASE);
}

static uint64_t posts_now(void)
{
	return posts != NULL ? __atomic_load_n(posts, __ATOMIC_ACQUIRE) : 0;
}

/* take_notifies: free the notifications libpq holds; returns how many. One whose payload is
 * a version above the remembered one makes it stale, and so does one whose payload is not a
 * number (then the table says what the version is). A version at or below the remembered one
 * is a change already read: the notification of our own POST's commit, or one that arrived
 * after the version was read for another reason. The version only grows (data_version_bump
 * adds 1 under the row's lock), so no newer change can hide behind an older number. */
static int take_notifies(struct data_version *dv, struct db *db)
{
	int n = 0;
	PGnotify *nf;
	while ((nf = PQnotifies(db->conn)) != NULL) {
		char *end;
		errno = 0;
		long long v = strtoll(nf->extra, &end, 10);
		if (errno != 0 || end == nf->extra || *end != '\0' || v > dv->version)
			dv->current = false;
		PQfreemem(nf);
		n++;
	}
	return n;
}

void data_version_drain(struct data_version *dv, struct db *db)
{
	if (dv->mode == DATA_VERSION_LISTEN && db->conn != NULL)
		take_notifies(dv, db);
}

/* consume: read what has arrived, without waiting. false when the connection is broken. */
static bool consume(struct db *db)
{
	return PQconsumeInput(db->conn) == 1 && PQstatus(db->conn) == CONNECTION_OK;
}

void data_version_poll(struct data_version *dv, struct db *db)
{
	if (dv->mode != DATA_VERSION_LISTEN || db->conn == NULL)
		return;
	long long deadline = mg_now_ms() + POLL_BUDGET_MS;
	for (;;) {
		if (!consume(db)) {
			dv->current = false; /* the next request reconnects */
			return;
		}
		int wait_ms = take_notifies(dv, db) > 0 ? POLL_MORE_MS : 0;
		struct pollfd p = {.fd = PQsocket(db->conn), .events = POLLIN};
		if (mg_now_ms() >= deadline || poll(&p, 1, wait_ms) <= 0)
			return;
	}
}

/* still_current: nothing says the remembered version moved. Costs no round trip: one
 * non-blocking read of the connection's socket. */
static bool still_current(struct data_version *dv, struct db *db)
{
	if (!dv->current || db->in_tx || db->conn == NULL ||
	    db->generation != dv->listen_generation || posts_now() != dv->posts_seen)
		return false;
	if (!consume(db))
		return false;
	take_notifies(dv, db);
	/* the server spoke outside a statement: most likely the FATAL error it sends before it
	 * closes the connection (a restart), read before the end of the stream */
	return dv->current && db->notices == dv->notices_seen;
}

/* listen_on_connection: connect if needed, and LISTEN once per connection. */
static enum mg_err listen_on_connection(struct data_version *dv, struct db *db, struct arena *a)
{
	enum mg_err rc = db_ensure(db);
	if (rc != MG_OK || dv->listen_generation == db->generation)
		return rc;
	rc = db_exec(db, a, &stmt_listen, NULL, NULL, NULL);
	if (rc == MG_OK) {
		dv->listen_generation = db->generation; /* db_exec may have reconnected first */
		log_debug("data version: listening for changes");
	}
	return rc;
}

/* read_version: SELECT the version, after LISTEN on the same connection so that no change
 * after the read can go unannounced. What makes it stale is taken before the read: the POST
 * counter, and the notifications already received (those that arrive during the read are
 * kept for the next check: they may be for a change the read did not see). In a transaction
 * a LISTEN would wait for its COMMIT: read only. */
static enum mg_err read_version(struct data_version *dv, struct db *db, struct arena *a,
                                long long *version)
{
	dv->current = false;
	if (dv->mode == DATA_VERSION_QUERY || db->in_tx)
		return db_graph_version(db, a, version);
	uint64_t seen = posts_now();
	if (db->conn != NULL)
		take_notifies(dv, db);
	for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
		enum mg_err rc = listen_on_connection(dv, db, a);
		if (rc != MG_OK)
			return rc;
		unsigned long generation = db->generation;
		rc = db_graph_version(db, a, version);
		if (rc != MG_OK)
			return rc;
		if (db->generation == generation) { /* read on the connection that LISTENs */
			dv->version = *version;
			dv->current = true;
			dv->posts_seen = seen;
			dv->notices_seen = db->notices;
			return MG_OK;
		}
	}
	return MG_OK; /* a good value, but read again next time */
}

enum mg_err data_version_get(struct data_version *dv, struct db *db, struct arena *a,
                             long long *version)
{
	if (dv->mode == DATA_VERSION_LISTEN && !dv->read_always && still_current(dv, db)) {
		*version = dv->version;
		return MG_OK;
	}
	return read_version(dv, db, a, version);
}
