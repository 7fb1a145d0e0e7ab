/* admin_bands.c: the admin's band forms (add, edit with its genres, delete): the table for the
 * shared forms (pages/admin_editor.c). */
#include "db/bands_admin.h"
#include "db/graph.h"
#include "pages/admin_editor.h"
#include "pages/pages.h"

#include <stddef.h>

static const char *band_name(const struct graph *g, const char *id)
{
	const struct band *x = graph_band(g, id);
	return x ? x->name : NULL;
}

static const struct admin_editor bands = {
    .kind = {.noun = "Band",
             .stale = "This band was changed by someone else since you opened the form. Reload "
                      "it to see the current version.",
             .gone = "This band no longer exists; it may have been deleted."},
    .noun = "band",
    .section = "Bands",
    .admin_prefix = "/admin/bands/",
    .public_prefix = "/bands/",
    .preselect = "genre",
    .primary = {.name = "primary_genre_id",
                .label = "Primary genre",
                .hint = "The genre the band is shown under in the graph; any genre can be "
                        "primary.",
                .empty = "Choose a genre",
                .also_select = "genres"},
    .links = {.name = "genres",
              .label = "All genres",
              .hint = "Every genre of the band, the primary one included. Hold Ctrl (⌘ on a "
                      "Mac) to choose several.",
              .multiple = 1},
    .link_noun = "Genre",
    .primary_unlisted = "The primary genre must be one of the selected genres",
    .primary_unchosen = "Choose the primary genre among the selected genres",
    .links_required = "A band needs at least one genre",
    .consequence = "Its links to its genres go with it.",
    .table = &db_bands_admin_entity,
    .name_of = band_name,
};

void page_admin_band_new(struct request *req, struct response *resp)
{
	admin_editor_new(req, resp, &bands);
}

void page_admin_band_new_post(struct request *req, struct response *resp)
{
	admin_editor_new_post(req, resp, &bands);
}

void page_admin_band_edit(struct request *req, struct response *resp)
{
	admin_editor_edit(req, resp, &bands);
}

void page_admin_band_edit_post(struct request *req, struct response *resp)
{
	admin_editor_edit_post(req, resp, &bands);
}

void page_admin_band_delete_post(struct request *req, struct response *resp)
{
	admin_editor_delete_post(req, resp, &bands);
}
