/* graph_cycle.c: iterative three-colour depth-first search over a CSR adjacency list. */
#include "util/graph_cycle.h"
#include "core/mg.h"

#include <stdint.h>
#include <stdlib.h>

enum { WHITE = 0, GREY = 1, BLACK = 2 };

bool graph_find_cycle(size_t n_nodes, const struct graph_edge *edges, size_t n_edges,
                      size_t **cycle, size_t *cycle_len)
{
	if (cycle != NULL)
		*cycle = NULL;
	if (cycle_len != NULL)
		*cycle_len = 0;
	if (n_nodes == 0)
		return false;
	if (n_nodes >= SIZE_MAX / sizeof(size_t))
		abort(); /* no such graph fits in memory */

	/* compressed adjacency: the successors of node v are adj[start[v] .. start[v+1]) */
	size_t *start = xcalloc(n_nodes + 1, sizeof(*start));
	size_t n_valid = 0;
	for (size_t i = 0; i < n_edges; i++) {
		if (edges[i].from < n_nodes && edges[i].to < n_nodes) {
			start[edges[i].from + 1]++;
			n_valid++;
		}
	}
	for (size_t v = 0; v < n_nodes; v++)
		start[v + 1] += start[v];
	size_t *adj = xmalloc((n_valid ? n_valid : 1) * sizeof(*adj));
	size_t *fill = xmalloc(n_nodes * sizeof(*fill));
	for (size_t v = 0; v < n_nodes; v++)
		fill[v] = start[v];
	for (size_t i = 0; i < n_edges; i++)
		if (edges[i].from < n_nodes && edges[i].to < n_nodes)
			adj[fill[edges[i].from]++] = edges[i].to;

	/* fill[] is reused as each node's next unexplored edge; stack holds the grey path */
	unsigned char *colour = xcalloc(n_nodes, 1);
	size_t *stack = xmalloc(n_nodes * sizeof(*stack));
	for (size_t v = 0; v < n_nodes; v++)
		fill[v] = start[v];

	bool found = false;
	for (size_t root = 0; root < n_nodes && !found; root++) {
		if (colour[root] != WHITE)
			continue;
		size_t depth = 0;
		stack[depth++] = root;
		colour[root] = GREY;
		while (depth > 0 && !found) {
			size_t v = stack[depth - 1];
			if (fill[v] == start[v + 1]) {
				colour[v] = BLACK;
				depth--;
				continue;
			}
			size_t w = adj[fill[v]++];
			if (colour[w] == WHITE) {
				colour[w] = GREY;
				stack[depth++] = w;
			} else if (colour[w] == GREY) {
				/* w is on the path: the cycle is stack[k..depth) where stack[k] ==
				 * w */
				size_t k = depth;
				while (stack[k - 1] != w)
					k--;
				k--;
				found = true;
				if (cycle != NULL) {
					size_t len = depth - k;
					*cycle = xmalloc(len * sizeof(**cycle));
					for (size_t j = 0; j < len; j++)
						(*cycle)[j] = stack[k + j];
					if (cycle_len != NULL)
						*cycle_len = len;
				} else if (cycle_len != NULL) {
					*cycle_len = depth - k;
				}
			}
		}
	}
	free(start);
	free(adj);
	free(fill);
	free(colour);
	free(stack);
	return found;
}
