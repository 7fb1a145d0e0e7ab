/* genres.c: the plain HTML genre pages: the index and one page per genre. */
#include "pages/pages.h"
#include "core/buf.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/entity.h"
#include "render/html.h"
#include "render/layout.h"

void page_genre_index(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct buf *b = resp->body;
	struct page p = {.title = "Genres", .body_class = "page-genres"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity\"><h1>Genres</h1><p class=\"muted\">");
	html_int(b, (long)g->ngenres);
	html_raw(b, " genres.</p><table class=\"data-table\"><thead><tr><th>Name</th><th>Type</th>"
	            "<th>Primary parent</th><th>Subgenres</th><th>Bands</th></tr></thead><tbody>");
	for (size_t i = 0; i < g->ngenres; i++) {
		const struct genre *x = &g->genres[i];
		html_raw(b, "<tr><td>");
		entity_genre_link(b, g, i);
		html_raw(b, "</td><td>");
		html_text(b, x->type);
		html_raw(b, "</td><td>");
		if (x->nparents > 0)
			entity_genre_link(b, g, x->parents[0]);
		html_raw(b, "</td><td>");
		html_int(b, (long)x->nchildren);
		html_raw(b, "</td><td>");
		html_int(b, (long)x->nbands);
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table></article>");
	layout_end(b);
}

void page_genre_show(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	const struct genre *x = graph_genre(g, req->route_arg);
	if (x == NULL) {
		page_error(req, resp, 404, "There is no genre with that name.");
		return;
	}
	struct buf *b = resp->body;
	struct page p = {.title = x->name, .body_class = "page-genre"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity\"><p class=\"kicker\">Genre · <span class=\"type\">");
	html_text(b, x->type);
	html_raw(b, "</span></p><h1>");
	html_text(b, x->name);
	html_raw(b, "</h1><dl class=\"facts\"><dt>Primary parent</dt><dd>");
	if (x->nparents > 0)
		entity_genre_link(b, g, x->parents[0]);
	else
		html_raw(b, "None (a root genre)");
	html_raw(b, "</dd><dt>All parents</dt><dd>");
	for (size_t i = 0; i < x->nparents; i++) {
		if (i)
			html_raw(b, ", ");
		entity_genre_link(b, g, x->parents[i]);
	}
	if (x->nparents == 0)
		html_raw(b, "None");
	html_raw(b, "</dd>");
	if (x->naliases > 0) {
		html_raw(b, "<dt>Also known as</dt><dd>");
		for (size_t i = 0; i < x->naliases; i++) {
			if (i)
				html_raw(b, ", ");
			html_text(b, x->aliases[i]);
		}
		html_raw(b, "</dd>");
	}
	html_raw(b, "</dl>");
	entity_description(b, x->description_md);
	html_raw(b, "<h2>Subgenres</h2>");
	entity_genre_list(b, g, x->children, x->nchildren);
	html_raw(b, "<h2>Bands</h2>");
	entity_band_list(b, g, x->bands, x->nbands);
	html_raw(b, "<p><a class=\"button\" href=\"");
	html_url(b, "/#genre=", x->id);
	html_raw(b, "\">Show in the graph</a></p></article>");
	layout_end(b);
}
