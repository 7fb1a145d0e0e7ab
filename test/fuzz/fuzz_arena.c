/* fuzz_arena.c: core/arena.h with one malloc per allocation, linked into the fuzz targets in
 * place of core/arena.c (which then stays out of the link), so that AddressSanitizer sees the
 * exact bounds of every arena allocation: the real arena carves them out of 16 KB blocks, where
 * an overflow into the neighbour would go unnoticed. */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *arg;
};

struct arena {
	void **ptrs;
	size_t n, cap;
	struct cleanup *cleanups;
	size_t bytes;
};

static void *must(void *p, size_t size)
{
	if (p == NULL && size > 0) {
		fprintf(stderr, "fuzz_arena: out of memory (%zu bytes)\n", size);
		abort();
	}
	return p;
}

struct arena *arena_new(void)
{
	return must(calloc(1, sizeof(struct arena)), sizeof(struct arena));
}

void arena_reset(struct arena *a)
{
	while (a->cleanups != NULL) {
		struct cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->fn(c->arg);
	}
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	a->n = 0;
	a->bytes = 0;
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->ptrs);
	free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->ptrs = must(realloc(a->ptrs, a->cap * sizeof(*a->ptrs)), a->cap);
	}
	void *p = must(malloc(size), size);
	a->ptrs[a->n++] = p;
	a->bytes += size;
	return p;
}

void arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t arena_bytes(const struct arena *a)
{
	return a->bytes;
}
