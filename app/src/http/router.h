/* router.h: the static route table type and its matcher; access is declared per route. */
#ifndef MG_ROUTER_H
#define MG_ROUTER_H

#include <stddef.h>

struct request;
struct response;

/* Who may use a route. Deny by default: a route must say. */
enum access { ACCESS_PUBLIC = 1, ACCESS_USER, ACCESS_ADMIN };

typedef void (*route_handler)(struct request *req, struct response *resp);

struct route {
	const char *method;  /* "GET" (also serves HEAD) or "POST" */
	const char *pattern; /* "/genres" exactly; ":" stands for one segment, the arg */
	enum access access;
	route_handler handler;
};

/* router_match: the route for req's method and path, setting req->route_arg; NULL when none,
 * with *status 404 (no such path) or 405 (path exists, method does not). */
const struct route *router_match(const struct route *table, size_t n, struct request *req,
                                 int *status);

#endif
