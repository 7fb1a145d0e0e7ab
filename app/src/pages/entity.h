/* entity.h: pieces shared by the genre and band pages (links and link lists). */
#ifndef MG_ENTITY_H
#define MG_ENTITY_H

#include <stddef.h>

struct buf;
struct graph;

/* entity_genre_link / entity_band_link: <a href="/genres/ID">NAME</a>, escaped. */
void entity_genre_link(struct buf *b, const struct graph *g, size_t genre);
void entity_band_link(struct buf *b, const struct graph *g, size_t band);
/* entity_genre_list / entity_band_list: a <ul class="link-list"> of links, or a muted
 * "none" line when n is 0. */
void entity_genre_list(struct buf *b, const struct graph *g, const size_t *idx, size_t n);
void entity_band_list(struct buf *b, const struct graph *g, const size_t *idx, size_t n);
/* entity_description: the rendered Markdown in <div class="description">, if any. */
void entity_description(struct buf *b, const char *md);

#endif
