/* graph_file.h: /api/graph as a file that nginx serves (MUSICGRAPH_GRAPH_DIR), so that no
 * worker keeps the JSON in memory: the worker answers with X-Accel-Redirect to
 * GRAPH_FILE_URI_PREFIX "graph-<version>.json" and nginx sends <dir>/graph-<version>.json. */
#ifndef MG_GRAPH_FILE_H
#define MG_GRAPH_FILE_H

#include <stddef.h>
#include <time.h>

struct graph;

/* the internal nginx location that aliases the folder (nginx/musicgraph*.conf*) */
#define GRAPH_FILE_URI_PREFIX "/_graph/"
/* seconds a version's file stays after a newer version's file was written: a redirect just
 * sent for the older version must still find its file (test_graph_file.py relies on it) */
#define GRAPH_FILE_KEEP 60

/* graph_file_publish: make sure <dir>/graph-<version>.json holds g's JSON, writing it only
 * when it does not exist yet (to a temporary name in dir, mode 0644, then renamed: workers
 * that race write the same bytes). The file's path goes to path. Returns 0, or -1 with
 * errno set (the caller then serves the JSON from memory). */
int graph_file_publish(const char *dir, const struct graph *g, char *path, size_t pathlen);

/* graph_file_prune: delete the files of versions older than current once the next newer
 * file is GRAPH_FILE_KEEP seconds old, and temporary files left by a writer that died. */
void graph_file_prune(const char *dir, long long current, time_t now);

/* graph_file_clear: delete every graph file (at start: a new program may write other JSON
 * for the same version, and a file cut short by a crash must not be served). */
void graph_file_clear(const char *dir);

#endif
