/* mg.c: error strings, the allocation wrappers that abort on exhaustion, the monotonic clock. */
#include "core/mg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *mg_strerror(enum mg_err err)
{
	static const char *const names[] = {
	    [MG_OK] = "success",
	    [MG_ERR_INVALID] = "invalid input",
	    [MG_ERR_TOO_LARGE] = "input too large",
	    [MG_ERR_NOT_FOUND] = "not found",
	    [MG_ERR_CONFLICT] = "conflict",
	    [MG_ERR_DB] = "database unavailable",
	    [MG_ERR_TIMEOUT] = "timed out",
	    [MG_ERR_IO] = "input/output error",
	    [MG_ERR_INTERNAL] = "internal error",
	};
	if ((size_t)err >= sizeof(names) / sizeof(names[0]) || names[err] == NULL)
		return "unknown error";
	return names[err];
}

static void out_of_memory(size_t size)
{
	fprintf(stderr, "musicgraph: out of memory allocating %zu bytes\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		out_of_memory(size);
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

long long mg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
