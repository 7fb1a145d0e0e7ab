/* graph_json.h: the public /api/graph document (see docs/api.md). */
#ifndef MG_GRAPH_JSON_H
#define MG_GRAPH_JSON_H

struct buf;
struct graph;

/* graph_json_write: append the whole graph as JSON: version, genres and bands, with the
 * descriptions rendered from Markdown. */
void graph_json_write(struct buf *out, const struct graph *g);

#endif
