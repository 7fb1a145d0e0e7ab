/* bands.c: the plain HTML band pages: the index and one page per band. */
#include "pages/pages.h"
#include "core/buf.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/entity.h"
#include "render/html.h"
#include "render/layout.h"

void page_band_index(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct buf *b = resp->body;
	struct page p = {.title = "Bands", .body_class = "page-bands"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity\"><h1>Bands</h1><p class=\"muted\">");
	html_int(b, (long)g->nbands);
	html_raw(b, " bands and artists.</p><table class=\"data-table\"><thead><tr><th>Name</th>"
	            "<th>Primary genre</th><th>Genres</th></tr></thead><tbody>");
	for (size_t i = 0; i < g->nbands; i++) {
		const struct band *x = &g->bands[i];
		html_raw(b, "<tr><td>");
		entity_band_link(b, g, i);
		html_raw(b, "</td><td>");
		if (x->ngenres > 0)
			entity_genre_link(b, g, x->genres[0]);
		html_raw(b, "</td><td>");
		html_int(b, (long)x->ngenres);
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table></article>");
	layout_end(b);
}

void page_band_show(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	const struct band *x = graph_band(g, req->route_arg);
	if (x == NULL) {
		page_error(req, resp, 404, "There is no band with that name.");
		return;
	}
	struct buf *b = resp->body;
	struct page p = {.title = x->name, .body_class = "page-band"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity\"><p class=\"kicker\">Band</p><h1>");
	html_text(b, x->name);
	html_raw(b, "</h1><dl class=\"facts\"><dt>Primary genre</dt><dd>");
	if (x->ngenres > 0)
		entity_genre_link(b, g, x->genres[0]);
	html_raw(b, "</dd></dl>");
	entity_description(b, x->description_md);
	html_raw(b, "<h2>Genres</h2>");
	entity_genre_list(b, g, x->genres, x->ngenres);
	html_raw(b, "<p><a class=\"button\" href=\"");
	html_url(b, "/#band=", x->id);
	html_raw(b, "\">Show in the graph</a></p></article>");
	layout_end(b);
}
