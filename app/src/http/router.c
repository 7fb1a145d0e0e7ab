/* router.c: matching a request against the static route table. */
#include "http/router.h"
#include "core/arena.h"
#include "http/request.h"

#include <string.h>

/* match: 1 if path fits pattern; ":" in the pattern stands for one non-empty segment, which
 * *arg receives (in the arena). */
static int match(const char *pattern, const char *path, struct arena *a, const char **arg)
{
	const char *colon = strchr(pattern, ':');
	if (colon == NULL)
		return strcmp(pattern, path) == 0;
	size_t plen = (size_t)(colon - pattern);
	if (strncmp(pattern, path, plen) != 0)
		return 0;
	const char *seg = path + plen;
	size_t slen = strcspn(seg, "/");
	if (slen == 0 || strcmp(seg + slen, colon + 1) != 0)
		return 0;
	*arg = arena_strndup(a, seg, slen);
	return 1;
}

const struct route *router_match(const struct route *table, size_t n, struct request *req,
                                 int *status)
{
	int path_found = 0;
	for (size_t i = 0; i < n; i++) {
		const char *arg = NULL;
		if (!match(table[i].pattern, req->path, req->arena, &arg))
			continue;
		path_found = 1;
		if (strcmp(table[i].method, req->method) == 0) {
			req->route_arg = arg;
			return &table[i];
		}
	}
	*status = path_found ? 405 : 404;
	return NULL;
}
