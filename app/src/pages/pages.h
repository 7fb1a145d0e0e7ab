/* pages.h: the route table, the request handlers and the helpers they share. */
#ifndef MG_PAGES_H
#define MG_PAGES_H

#include "core/mg.h"
#include "http/router.h"

#include <stddef.h>

struct graph;
struct request;
struct response;

/* The application's routes, in match order. */
extern const struct route routes[];
extern const size_t routes_count;

/* page_error: an error page (HTML, or JSON for /api/ paths) with status and a message in
 * plain words. message is escaped; NULL uses the status's standard phrase. */
void page_error(struct request *req, struct response *resp, int status, const char *message);
/* page_fail: the error page for an internal error code (503 for the database, 504 for a
 * timeout, 500 otherwise). */
void page_fail(struct request *req, struct response *resp, enum mg_err rc);
/* page_graph: the current graph, or NULL after answering 503 itself. */
const struct graph *page_graph(struct request *req, struct response *resp);

void page_home(struct request *req, struct response *resp);
void page_api_graph(struct request *req, struct response *resp);
void page_genre_index(struct request *req, struct response *resp);
void page_genre_show(struct request *req, struct response *resp);
void page_band_index(struct request *req, struct response *resp);
void page_band_show(struct request *req, struct response *resp);
void page_search(struct request *req, struct response *resp);
void page_healthz(struct request *req, struct response *resp);

#endif
