/* admin_genres.c: the admin's genre forms (add, edit with its parents, delete): the table for
 * the shared forms (pages/admin_editor.c) and what only genres have: cycles among parents,
 * and deletes refused while subgenres or bands depend on the genre. */
#include "core/arena.h"
#include "core/buf.h"
#include "db/genres_admin.h"
#include "db/graph.h"
#include "pages/admin_editor.h"
#include "pages/pages.h"
#include "util/graph_cycle.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *genre_name(const struct graph *g, const char *id)
{
	const struct genre *x = graph_genre(g, id);
	return x ? x->name : NULL;
}

/* ---- parents ---- */

/* cycle_problem: the message naming the genres on a cycle that giving self these parents
 * would make, or NULL; checked over the whole graph with self's links replaced. */
static const char *cycle_problem(struct arena *a, const struct graph *g, const char *self_id,
                                 const char *const *parents, size_t nparents)
{
	const struct genre *self = graph_genre(g, self_id);
	if (self == NULL)
		return NULL; /* a new genre has no children: it cannot close a cycle */
	size_t si = (size_t)(self - g->genres), nedges = nparents;
	for (size_t i = 0; i < g->ngenres; i++)
		nedges += i == si ? 0 : g->genres[i].nparents;
	struct graph_edge *edges = arena_calloc(a, nedges + 1, sizeof(*edges));
	size_t k = 0;
	for (size_t i = 0; i < g->ngenres; i++)
		for (size_t j = 0; i != si && j < g->genres[i].nparents; j++)
			edges[k++] = (struct graph_edge){i, g->genres[i].parents[j]};
	for (size_t j = 0; j < nparents; j++) {
		const struct genre *p = graph_genre(g, parents[j]);
		if (p != NULL)
			edges[k++] = (struct graph_edge){si, (size_t)(p - g->genres)};
	}
	size_t *cycle, len;
	if (!graph_find_cycle(g->ngenres, edges, k, &cycle, &len))
		return NULL;
	size_t start = 0; /* the old graph has no cycle, so this one goes through self */
	while (start < len && cycle[start] != si)
		start++;
	if (start == len)
		start = 0;
	struct buf *b = buf_new_in(a);
	buf_puts(b, "These parents would make a cycle: ");
	for (size_t i = 0; i <= len; i++) {
		if (i > 0)
			buf_puts(b, " → ");
		buf_puts(b, g->genres[cycle[(start + i) % len]].name);
	}
	buf_puts(b, " (“A → B”: B is a parent of A). A genre cannot be its own ancestor.");
	free(cycle);
	return arena_strdup(a, buf_cstr(b));
}

/* ---- delete ---- */

/* in_use_why: why the genre name cannot be deleted (at most 2 messages into why, their
 * number): its subgenres, the bands whose primary genre it is. */
static int in_use_why(struct arena *a, const char *name, const char *const *children,
                      size_t nchildren, const char *const *primary_of, size_t nprimary_of,
                      const char **why)
{
	int nwhy = 0;
	if (nchildren > 0)
		why[nwhy++] = arena_sprintf(a, "Cannot delete '%s': it has subgenres: %s", name,
		                            admin_name_list(a, children, nchildren));
	if (nprimary_of > 0)
		why[nwhy++] = arena_sprintf(a, "Cannot delete '%s': it is the primary genre of: %s",
		                            name, admin_name_list(a, primary_of, nprimary_of));
	return nwhy;
}

static int cmp_name(const void *x, const void *y)
{
	const char *p = *(const char *const *)x, *q = *(const char *const *)y;
	int c = strcasecmp(p, q);
	return c != 0 ? c : strcmp(p, q);
}

/* sorted_names: names sorted in place (ASCII case-insensitive, then bytewise). */
static const char **sorted_names(const char **names, size_t n)
{
	qsort(names, n, sizeof(*names), cmp_name);
	return names;
}

/* blockers: the reasons, from the graph, why id cannot be deleted; with none, the consequence
 * names the bands that would lose it as a secondary genre. */
static int blockers(struct arena *a, const struct graph *g, const char *id, const char **why,
                    const char **consequence)
{
	const struct genre *x = graph_genre(g, id);
	const char **children = arena_calloc(a, x->nchildren + 1, sizeof(*children));
	const char **primary = arena_calloc(a, x->nbands + 1, sizeof(*primary));
	const char **secondary = arena_calloc(a, x->nbands + 1, sizeof(*secondary));
	size_t nprimary = 0, nsecondary = 0;
	for (size_t i = 0; i < x->nchildren; i++)
		children[i] = g->genres[x->children[i]].name;
	for (size_t i = 0; i < x->nbands; i++) {
		const struct band *band = &g->bands[x->bands[i]];
		if (strcmp(band->primary_genre_id, x->id) == 0)
			primary[nprimary++] = band->name;
		else
			secondary[nsecondary++] = band->name;
	}
	int nwhy = in_use_why(a, x->name, sorted_names(children, x->nchildren), x->nchildren,
	                      sorted_names(primary, nprimary), nprimary, why);
	if (nsecondary > 0)
		*consequence = arena_sprintf(
		    a, "%s These bands lose it as a secondary genre: %s.", *consequence,
		    admin_name_list(a, sorted_names(secondary, nsecondary), nsecondary));
	return nwhy;
}

/* remove_genre: delete id, with the database's reasons when it is in use after all. */
static enum mg_err remove_genre(const struct admin_write *w, const char *id, long version,
                                struct admin_result *res, const char **why, int *nwhy)
{
	struct genres_admin_result r;
	enum mg_err rc = db_genres_admin_delete(w, id, version, &r);
	*res = r.base;
	if (rc == MG_OK && r.base.outcome == ADMIN_IN_USE)
		*nwhy = in_use_why(w->a, r.base.name, r.children, r.nchildren, r.primary_of,
		                   r.nprimary_of, why);
	return rc;
}

/* ---- the table and the routes ---- */

static const struct admin_editor genres = {
    .kind = {.noun = "Genre",
             .stale = "This genre was changed by someone else since you opened the form. "
                      "Reload it to see the current version.",
             .gone = "This genre no longer exists; it may have been deleted."},
    .noun = "genre",
    .section = "Genres",
    .admin_prefix = "/admin/genres/",
    .public_prefix = "/genres/",
    .preselect = "parent",
    .primary = {.name = "parent_id",
                .label = "Primary parent",
                .hint = "Where the genre hangs in the graph. Leave empty for a root genre.",
                .empty = "None (a root genre)",
                .also_select = "parent_genres"},
    .links = {.name = "parent_genres",
              .label = "All parent genres",
              .hint = "Every parent, the primary one included. Hold Ctrl (⌘ on a Mac) to "
                      "choose several.",
              .multiple = 1},
    .link_noun = "Parent genre",
    .own_link = "A genre cannot be its own parent",
    .primary_unlisted = "The primary parent must be one of the selected parents",
    .primary_unchosen = "Choose the primary parent among the selected parents",
    .danger_note = "<p>A genre with subgenres, or that is a band's primary genre, cannot be "
                   "deleted.</p>",
    .consequence = "Its links to its parents go with it.",
    .table = &db_genres_admin_entity,
    .name_of = genre_name,
    .cycle = cycle_problem,
    .blockers = blockers,
    .remove = remove_genre,
};

void page_admin_genre_new(struct request *req, struct response *resp)
{
	admin_editor_new(req, resp, &genres);
}

void page_admin_genre_new_post(struct request *req, struct response *resp)
{
	admin_editor_new_post(req, resp, &genres);
}

void page_admin_genre_edit(struct request *req, struct response *resp)
{
	admin_editor_edit(req, resp, &genres);
}

void page_admin_genre_edit_post(struct request *req, struct response *resp)
{
	admin_editor_edit_post(req, resp, &genres);
}

void page_admin_genre_delete_post(struct request *req, struct response *resp)
{
	admin_editor_delete_post(req, resp, &genres);
}
