/* entity.c: links and lists shared by the genre and band pages. */
#include "pages/entity.h"
#include "core/buf.h"
#include "db/graph.h"
#include "render/html.h"
#include "render/markdown.h"

void entity_genre_link(struct buf *b, const struct graph *g, size_t genre)
{
	html_link(b, "/genres/", g->genres[genre].id, g->genres[genre].name);
}

void entity_band_link(struct buf *b, const struct graph *g, size_t band)
{
	html_link(b, "/bands/", g->bands[band].id, g->bands[band].name);
}

static void list(struct buf *b, const struct graph *g, const size_t *idx, size_t n,
                 void (*one)(struct buf *, const struct graph *, size_t))
{
	if (n == 0) {
		html_raw(b, "<p class=\"muted\">None.</p>");
		return;
	}
	html_raw(b, "<ul class=\"link-list\">");
	for (size_t i = 0; i < n; i++) {
		html_raw(b, "<li>");
		one(b, g, idx[i]);
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul>");
}

void entity_genre_list(struct buf *b, const struct graph *g, const size_t *idx, size_t n)
{
	list(b, g, idx, n, entity_genre_link);
}

void entity_band_list(struct buf *b, const struct graph *g, const size_t *idx, size_t n)
{
	list(b, g, idx, n, entity_band_link);
}

void entity_description(struct buf *b, const char *md)
{
	if (md == NULL || md[0] == '\0')
		return;
	html_raw(b, "<div class=\"description\">");
	markdown_render(b, md);
	html_raw(b, "</div>");
}
