/* graph_json.c: struct graph → the /api/graph JSON contract, through the JSON writer. */
#include "render/graph_json.h"
#include "core/buf.h"
#include "core/mg.h"
#include "db/graph.h"
#include "render/json.h"
#include "render/markdown.h"

static void write_description(struct json *j, struct buf *scratch, const char *md)
{
	buf_clear(scratch);
	markdown_render(scratch, md);
	json_key(j, "description_html");
	json_str(j, buf_cstr(scratch));
}

static void write_genre(struct json *j, struct buf *scratch, const struct graph *g,
                        const struct genre *x)
{
	json_obj_begin(j);
	json_key(j, "id");
	json_str(j, x->id);
	json_key(j, "name");
	json_str(j, x->name);
	json_key(j, "type");
	json_str(j, x->type);
	json_key(j, "parent_id");
	json_str(j, x->parent_id);
	json_key(j, "parents");
	json_arr_begin(j);
	for (size_t i = 0; i < x->nparents; i++)
		json_str(j, g->genres[x->parents[i]].id);
	json_arr_end(j);
	json_key(j, "aliases");
	json_arr_begin(j);
	for (size_t i = 0; i < x->naliases; i++)
		json_str(j, x->aliases[i]);
	json_arr_end(j);
	write_description(j, scratch, x->description_md);
	json_obj_end(j);
}

static void write_band(struct json *j, struct buf *scratch, const struct graph *g,
                       const struct band *b)
{
	json_obj_begin(j);
	json_key(j, "id");
	json_str(j, b->id);
	json_key(j, "name");
	json_str(j, b->name);
	json_key(j, "primary_genre_id");
	json_str(j, b->primary_genre_id);
	json_key(j, "genres");
	json_arr_begin(j);
	for (size_t i = 0; i < b->ngenres; i++)
		json_str(j, g->genres[b->genres[i]].id);
	json_arr_end(j);
	write_description(j, scratch, b->description_md);
	json_obj_end(j);
}

void graph_json_write(struct buf *out, const struct graph *g)
{
	struct json j;
	struct buf scratch;
	buf_init(&scratch);
	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "version");
	json_int(&j, g->version);
	json_key(&j, "genres");
	json_arr_begin(&j);
	for (size_t i = 0; i < g->ngenres; i++)
		write_genre(&j, &scratch, g, &g->genres[i]);
	json_arr_end(&j);
	json_key(&j, "bands");
	json_arr_begin(&j);
	for (size_t i = 0; i < g->nbands; i++)
		write_band(&j, &scratch, g, &g->bands[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	buf_free(&scratch);
	/* the document is cached for as long as the graph: give back what the doubling of the
	 * buffer left unused (up to half of it) */
	out->data = xrealloc(out->data, out->len + 1);
	out->cap = out->len + 1;
}
