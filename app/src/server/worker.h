/* worker.h: one worker process's state and its request loop. */
#ifndef MG_WORKER_H
#define MG_WORKER_H

#include "core/buf.h"
#include "core/mg.h"
#include "db/data_version.h"
#include "db/db.h"

struct arena;
struct config;
struct graph;

struct worker {
	const struct config *cfg;
	int index; /* 0-based slot in the master's table */
	struct db db;
	/* whether the graph below is still current (db/data_version.h) */
	struct data_version dv;
	struct graph *graph;   /* the last graph read; rebuilt when the data version moves */
	struct buf graph_json; /* /api/graph body for graph->version, built on first use */
	char graph_etag[48];
	unsigned long requests;
	long long next_purge; /* time() of the next housekeeping run */
};

/* worker_graph: the graph at the database's current data version; reloads it when the
 * version moved. The result belongs to the worker and stays valid for this request. */
enum mg_err worker_graph(struct worker *w, struct arena *a, const struct graph **out);

/* worker_run: accept and serve requests on listen_fd until asked to stop; returns the exit
 * status for the process. */
int worker_run(const struct config *cfg, int index, int listen_fd);

#endif
