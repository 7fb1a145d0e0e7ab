/* worker.h: one worker process's state and its request loop. */
#ifndef MG_WORKER_H
#define MG_WORKER_H

#include "core/buf.h"
#include "core/mg.h"
#include "db/data_version.h"
#include "db/db.h"

#include <limits.h>

struct FCGX_Request;
struct arena;
struct config;
struct conns;
struct graph;

struct worker {
	const struct config *cfg;
	int index; /* 0-based slot in the master's table */
	struct db db;
	/* whether the graph below is still current (db/data_version.h) */
	struct data_version dv;
	struct graph *graph;   /* the last graph read; rebuilt when the data version moves */
	struct buf graph_json; /* /api/graph body for graph->version when not served as a file */
	char graph_etag[48];
	/* with MUSICGRAPH_GRAPH_DIR: graph->version's file and the X-Accel-Redirect URI that
	 * makes nginx send it (graph_accel is "" while the JSON is served from memory) */
	char graph_file[PATH_MAX];
	char graph_accel[64];
	int graph_dir_warned; /* the folder failed and that was logged (once, until it works) */
	struct conns *conns;  /* the FastCGI connections it holds */
	const struct FCGX_Request *current; /* the one whose request is being served */
	unsigned long requests;
	long long next_purge; /* time() of the next housekeeping run */
};

/* worker_graph: the graph at the database's current data version; reloads it when the
 * version moved. The result belongs to the worker and stays valid for this request. */
enum mg_err worker_graph(struct worker *w, struct arena *a, const struct graph **out);

/* worker_graph_accel: the X-Accel-Redirect URI for /api/graph at the graph's version, or NULL
 * when the JSON is in w->graph_json. A file that vanished is written again, and when that
 * fails the JSON is built in memory instead: the answer never depends on the folder. */
const char *worker_graph_accel(struct worker *w);

/* worker_before_slow_work: before work that takes long (a password hash, ~140 ms; a graph
 * rebuild), hand the connections this worker holds, but the current request's, to the other
 * workers, so that requests nginx sends on them meanwhile are not held up. */
void worker_before_slow_work(struct worker *w);

/* worker_run: accept and serve requests on listen_fd until asked to stop; returns the exit
 * status for the process. handoff: the master's socket pair (server/conns.h) over which a
 * worker being replaced hands its kept connections to the others, or NULL. */
int worker_run(const struct config *cfg, int index, int listen_fd, const int *handoff);

#endif
