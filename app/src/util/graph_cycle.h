/* graph_cycle.h: cycle detection in a directed graph given as an edge list (child → parent). */
#ifndef MG_GRAPH_CYCLE_H
#define MG_GRAPH_CYCLE_H

#include <stdbool.h>
#include <stddef.h>

/* One directed edge between node indices: from is the child, to is the parent. */
struct graph_edge {
	size_t from;
	size_t to;
};

/* graph_find_cycle: look for a directed cycle among nodes 0..n_nodes-1 joined by the n_edges
 * edges (iterative depth-first search, O(n_nodes + n_edges) time and memory, no recursion).
 * Edges with an endpoint >= n_nodes are ignored. A self-loop is a cycle of one node.
 * Returns false when the graph is acyclic (and sets *cycle = NULL, *cycle_len = 0). Returns
 * true when there is a cycle, and then, when cycle is not NULL, stores in *cycle a malloc'd
 * array (the caller frees it) of the *cycle_len nodes of one cycle in edge order:
 * cycle[0] → cycle[1] → … → cycle[len-1] → cycle[0]. Aborts on out-of-memory. */
bool graph_find_cycle(size_t n_nodes, const struct graph_edge *edges, size_t n_edges,
                      size_t **cycle, size_t *cycle_len);

#endif
