/* search.c: GET /search?q=: genres (names and aliases) and bands whose names contain q. */
#include "pages/pages.h"
#include "core/buf.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/entity.h"
#include "render/html.h"
#include "render/layout.h"

#include <string.h>

#define SEARCH_MAX_RESULTS 100
#define SEARCH_MAX_QUERY   200

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* contains: ASCII-case-insensitive substring test (other bytes compare exactly). */
static int contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && lower(hay[i]) == lower(needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static int genre_matches(const struct genre *x, const char *q)
{
	if (contains(x->name, q) || contains(x->id, q))
		return 1;
	for (size_t i = 0; i < x->naliases; i++)
		if (contains(x->aliases[i], q))
			return 1;
	return 0;
}

void page_search(struct request *req, struct response *resp)
{
	const char *q = params_get(&req->query, "q");
	if (q == NULL)
		q = "";
	if (strlen(q) > SEARCH_MAX_QUERY) {
		page_error(req, resp, 400, "The search text is too long (200 characters at most).");
		return;
	}
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct buf *b = resp->body;
	struct page p = {.title = "Search", .body_class = "page-search"};
	page_begin(req, resp, &p);
	html_raw(b,
	         "<article class=\"entity\"><h1>Search</h1><form class=\"form\" action=\"/search\" "
	         "method=\"get\" role=\"search\"><div class=\"field\"><label for=\"q\">Genre or "
	         "band</label><input id=\"q\" name=\"q\" type=\"search\" value=\"");
	html_attr(b, q);
	html_raw(b, "\"></div><button class=\"button\" type=\"submit\">Search</button></form>");
	if (q[0] != '\0') {
		size_t shown = 0;
		html_raw(b, "<h2>Genres</h2><ul class=\"link-list\">");
		for (size_t i = 0; i < g->ngenres && shown < SEARCH_MAX_RESULTS; i++) {
			if (!genre_matches(&g->genres[i], q))
				continue;
			html_raw(b, "<li>");
			entity_genre_link(b, g, i);
			html_raw(b, "</li>");
			shown++;
		}
		html_raw(b, "</ul><h2>Bands</h2><ul class=\"link-list\">");
		shown = 0;
		for (size_t i = 0; i < g->nbands && shown < SEARCH_MAX_RESULTS; i++) {
			if (!contains(g->bands[i].name, q) && !contains(g->bands[i].id, q))
				continue;
			html_raw(b, "<li>");
			entity_band_link(b, g, i);
			html_raw(b, "</li>");
			shown++;
		}
		html_raw(b, "</ul>");
	}
	html_raw(b, "</article>");
	layout_end(b);
}
