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

void *arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		abort();
	void *p = arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *q = arena_alloc(a, n + 1);
	memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_sprintf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return arena_strdup(a, "");
	}
	char *s = arena_alloc(a, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return s;
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
