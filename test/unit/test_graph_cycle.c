/* test_graph_cycle.c: cycle detection over child → parent edge lists. */
#include "check.h"
#include "util/graph_cycle.h"

#include <stdbool.h>
#include <stdlib.h>

#define E(a, b)                                                                                    \
	{                                                                                          \
		(a), (b)                                                                           \
	}
#define N_EDGES(arr) (sizeof(arr) / sizeof((arr)[0]))

/* is_cycle: the nodes follow edges of the graph around and back to the start, no repeats. */
static bool is_cycle(const struct graph_edge *edges, size_t ne, const size_t *c, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		for (size_t j = i + 1; j < len; j++)
			if (c[i] == c[j])
				return false;
		bool found = false;
		for (size_t k = 0; k < ne && !found; k++)
			found = edges[k].from == c[i] && edges[k].to == c[(i + 1) % len];
		if (!found)
			return false;
	}
	return true;
}

static void test_acyclic(void)
{
	size_t *c = (size_t *)1, len = 99;
	CHECK(!graph_find_cycle(0, NULL, 0, &c, &len));
	CHECK(c == NULL && len == 0);
	CHECK(!graph_find_cycle(5, NULL, 0, &c, &len));
	/* a diamond with several parents is not a cycle */
	const struct graph_edge diamond[] = {E(0, 1), E(0, 2), E(1, 3), E(2, 3), E(3, 4)};
	CHECK(!graph_find_cycle(5, diamond, N_EDGES(diamond), &c, &len));
	CHECK(c == NULL);
	/* a forest */
	const struct graph_edge forest[] = {E(1, 0), E(2, 0), E(4, 3), E(5, 4), E(6, 4)};
	CHECK(!graph_find_cycle(7, forest, N_EDGES(forest), NULL, NULL));
	/* out-of-range edges are ignored */
	const struct graph_edge outside[] = {E(0, 7), E(7, 0), E(1, 0)};
	CHECK(!graph_find_cycle(2, outside, N_EDGES(outside), &c, &len));
}

static void test_cycles(void)
{
	size_t *c, len;
	const struct graph_edge self[] = {E(0, 1), E(2, 2)};
	CHECK(graph_find_cycle(3, self, N_EDGES(self), &c, &len));
	CHECK(len == 1 && c[0] == 2);
	free(c);

	const struct graph_edge two[] = {E(0, 1), E(1, 0)};
	CHECK(graph_find_cycle(2, two, N_EDGES(two), &c, &len));
	CHECK(len == 2 && is_cycle(two, N_EDGES(two), c, len));
	free(c);

	/* a cycle hanging off an acyclic part: 0 → 1 → 2 → 3 → 1 */
	const struct graph_edge tail[] = {E(0, 1), E(1, 2), E(2, 3), E(3, 1), E(4, 0)};
	CHECK(graph_find_cycle(5, tail, N_EDGES(tail), &c, &len));
	CHECK(len == 3 && is_cycle(tail, N_EDGES(tail), c, len));
	bool has0 = false;
	for (size_t i = 0; i < len; i++)
		has0 |= c[i] == 0 || c[i] == 4;
	CHECK(!has0);
	free(c);

	/* found from any start: the cycle is among the last nodes */
	const struct graph_edge late[] = {E(0, 1), E(1, 2), E(5, 6), E(6, 7), E(7, 5)};
	CHECK(graph_find_cycle(8, late, N_EDGES(late), &c, &len));
	CHECK(len == 3 && is_cycle(late, N_EDGES(late), c, len));
	free(c);

	/* NULL outputs are allowed */
	CHECK(graph_find_cycle(2, two, N_EDGES(two), NULL, NULL));
	len = 0;
	CHECK(graph_find_cycle(2, two, N_EDGES(two), NULL, &len) && len == 2);
}

/* a chain of a million nodes: no recursion, so no stack overflow; closing it is one cycle */
static void test_long_chain(void)
{
	size_t n = 1000000;
	struct graph_edge *e = malloc(n * sizeof(*e));
	for (size_t i = 0; i + 1 < n; i++)
		e[i] = (struct graph_edge){i, i + 1};
	size_t *c, len;
	CHECK(!graph_find_cycle(n, e, n - 1, &c, &len));
	e[n - 1] = (struct graph_edge){n - 1, 0};
	CHECK(graph_find_cycle(n, e, n, &c, &len));
	CHECK(len == n);
	CHECK(len == n && c[0] == 0 && c[n - 1] == n - 1);
	free(c);
	free(e);
}

/* a dense DAG (every i → every j > i) stays linear in the number of edges */
static void test_dense(void)
{
	size_t n = 600, ne = 0;
	struct graph_edge *e = malloc(n * n / 2 * sizeof(*e) + sizeof(*e));
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			e[ne++] = (struct graph_edge){i, j};
	CHECK(!graph_find_cycle(n, e, ne, NULL, NULL));
	e[ne++] = (struct graph_edge){n - 1, n / 2};
	size_t *c, len;
	CHECK(graph_find_cycle(n, e, ne, &c, &len));
	CHECK(is_cycle(e, ne, c, len));
	free(c);
	free(e);
}

int main(void)
{
	test_acyclic();
	test_cycles();
	test_long_chain();
	test_dense();
	return check_done("test_graph_cycle");
}
