/* admin_bands.c: the admin's band forms: add, edit (with its genres) and delete. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/bands_admin.h"
#include "db/graph.h"
#include "db/users.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "pages/admin_form.h"
#include "render/form.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"
#include "util/slug.h"

#include <stddef.h>
#include <string.h>

static const struct admin_kind kind = {
    .noun = "Band",
    .stale = "This band was changed by someone else since you opened the form. Reload it to see "
             "the current version.",
    .gone = "This band no longer exists; it may have been deleted.",
};

/* What the form holds: as typed on the way in, cleaned by validate. */
struct band_form {
	bool edit;      /* else a new band */
	const char *id; /* edit: the route's (arena), never a pointer into a graph */
	const char *name, *primary, *description, *version;
	const char **genres;
	size_t ngenres;
	bool preview;
	struct admin_errors errors;
	const char *id_error, *name_error, *primary_error, *genres_error, *description_error;
};

/* field_slot: the error slot of a form field named as the data module names it. */
static const char **field_slot(struct band_form *f, const char *field)
{
	static const struct {
		const char *name;
		size_t offset;
	} slots[] = {
	    {"id", offsetof(struct band_form, id_error)},
	    {"name", offsetof(struct band_form, name_error)},
	    {"primary_genre_id", offsetof(struct band_form, primary_error)},
	    {"genres", offsetof(struct band_form, genres_error)},
	    {"description", offsetof(struct band_form, description_error)},
	};
	for (size_t i = 0; field != NULL && i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(slots[i].name, field) == 0)
			return (const char **)((char *)f + slots[i].offset);
	return NULL;
}

static void band_page(struct request *req, struct response *resp, const struct graph *g,
                      const struct band_form *f)
{
	struct buf *b = resp->body;
	struct page p = {.title = f->edit ? "Edit band" : "Add a band",
	                 .body_class = "page-admin-form",
	                 .with_admin_script = 1};
	page_begin(req, resp, &p);
	const char *csrf = csrf_token(req, resp);
	const struct band *self = f->edit ? graph_band(g, f->id) : NULL;
	html_raw(b, "<article class=\"entity admin-form\"><p class=\"kicker\"><a href=\"/admin\">"
	            "Admin</a> · Bands</p><h1>");
	if (f->edit) {
		html_raw(b, "Edit band “");
		html_text(b, self ? self->name : f->name);
		html_raw(b, "”");
	} else {
		html_raw(b, "Add a band");
	}
	html_raw(b, "</h1>");
	form_errors(b, f->errors.v, f->errors.n);
	form_begin(b,
	           f->edit ? arena_sprintf(req->arena, "/admin/bands/%s/edit", f->id)
	                   : "/admin/bands/new",
	           csrf);
	if (f->edit)
		form_field(b,
		           &(struct field){"hidden", "version", NULL, f->version, NULL, NULL, 0});
	form_field(b, &(struct field){"text", "name", "Name", f->name, f->name_error, "off", 1});
	admin_slug_field(b, "ID (slug)", f->id, f->id_error, !f->edit);
	size_t *order = admin_genres_by_name(req->arena, g);
	admin_genre_select(b, g, order,
	                   &(struct admin_select){.name = "primary_genre_id",
	                                          .label = "Primary genre",
	                                          .hint = "The genre the band is shown under in "
	                                                  "the graph; any genre can be primary.",
	                                          .error = f->primary_error,
	                                          .empty = "Choose a genre",
	                                          .selected = &f->primary,
	                                          .nselected = 1,
	                                          .also_select = "genres"});
	admin_genre_select(
	    b, g, order,
	    &(struct admin_select){.name = "genres",
	                           .label = "All genres",
	                           .hint = "Every genre of the band, the primary one included. "
	                                   "Hold Ctrl (⌘ on a Mac) to choose several.",
	                           .error = f->genres_error,
	                           .multiple = 1,
	                           .selected = f->genres,
	                           .nselected = f->ngenres});
	admin_description_field(b, f->description, f->description_error, f->preview);
	admin_form_end(b, f->edit ? "Save changes" : "Add band");
	if (f->edit) {
		long version;
		admin_version_parse(f->version, &version);
		html_raw(b, "<section class=\"danger-zone\"><h2>Delete this band</h2>");
		admin_delete_button(b, arena_sprintf(req->arena, "/admin/bands/%s/delete", f->id),
		                    csrf, version,
		                    arena_sprintf(req->arena, "Delete the band \"%s\"?",
		                                  self ? self->name : f->name),
		                    "Delete band");
		html_raw(b, "</section>");
	}
	html_raw(b, "</article>");
	layout_end(b);
}

/* ---- reading and checking the form ---- */

static void read_form(struct request *req, struct band_form *f)
{
	const char *v;
	size_t n;
	f->id = (v = params_get(&req->form, "id")) ? v : "";
	f->name = (v = params_get(&req->form, "name")) ? v : "";
	f->primary = (v = params_get(&req->form, "primary_genre_id")) ? v : "";
	f->description = (v = params_get(&req->form, "description")) ? v : "";
	f->version = (v = params_get(&req->form, "version")) ? v : "";
	const char **all = params_get_all(req->arena, &req->form, "genres", &n);
	f->genres = admin_unique(req->arena, all, n, &f->ngenres);
	f->preview = (v = params_get(&req->form, "preview")) != NULL && strcmp(v, "1") == 0;
}

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* validate: every rule at once; cleans name and description, completes the genres with the
 * primary genre and the primary genre from a single genre. */
static void validate(struct request *req, const struct graph *g, struct band_form *f)
{
	struct arena *a = req->arena;
	const char *problem;
	if (!f->edit) {
		if (f->id[0] == '\0')
			admin_form_error(&f->errors, &f->id_error, "Band ID is required");
		else if (!slug_valid(f->id))
			admin_form_error(
			    &f->errors, &f->id_error,
			    "A band ID has lowercase letters, digits and single hyphens (at "
			    "most 64 characters)");
		else if (graph_band(g, f->id) != NULL)
			admin_form_error(&f->errors, &f->id_error,
			                 arena_sprintf(a, "Band ID '%s' already exists", f->id));
	}
	f->name = admin_name_clean(a, f->name, &problem);
	if (problem)
		admin_form_error(&f->errors, &f->name_error, problem);
	f->description = admin_description_clean(a, f->description, &problem);
	if (problem)
		admin_form_error(&f->errors, &f->description_error, problem);

	for (size_t i = 0; i < f->ngenres; i++)
		if (graph_genre(g, f->genres[i]) == NULL)
			admin_form_error(
			    &f->errors, &f->genres_error,
			    arena_sprintf(a, "Genre '%s' does not exist", f->genres[i]));
	if (f->primary[0] != '\0') {
		if (graph_genre(g, f->primary) == NULL)
			admin_form_error(&f->errors, &f->primary_error,
			                 arena_sprintf(a, "Genre '%s' does not exist", f->primary));
		if (f->ngenres == 0) { /* only a primary genre: it is the one genre */
			f->genres = arena_calloc(a, 2, sizeof(*f->genres));
			f->genres[0] = f->primary;
			f->ngenres = 1;
		} else if (!listed(f->genres, f->ngenres, f->primary)) {
			admin_form_error(&f->errors, &f->primary_error,
			                 "The primary genre must be one of the selected genres");
		}
	} else if (f->ngenres == 0) {
		admin_form_error(&f->errors, &f->genres_error, "A band needs at least one genre");
	} else if (f->ngenres == 1) {
		f->primary = f->genres[0]; /* one genre: it is the primary one */
	} else {
		admin_form_error(&f->errors, &f->primary_error,
		                 "Choose the primary genre among the selected genres");
	}
}

static struct band_input input_of(const struct band_form *f)
{
	long version;
	admin_version_parse(f->version, &version);
	return (struct band_input){.id = f->id,
	                           .name = f->name,
	                           .primary_genre_id = f->primary,
	                           .description_md = f->description,
	                           .genres = f->genres,
	                           .ngenres = f->ngenres,
	                           .version = version};
}

/* refused: the form again (resp->status already set) after a write that did not happen, with
 * why (the stale message, or the refusal at its field), over the graph as it is now (ours may
 * have been replaced). */
static void refused(struct request *req, struct response *resp, struct band_form *f,
                    const struct admin_result *res)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	admin_form_error(&f->errors, field_slot(f, res->field),
	                 res->outcome == ADMIN_STALE ? kind.stale : res->message);
	band_page(req, resp, g, f);
}

/* ---- add ---- */

void page_admin_band_new(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct band_form f = {.id = "", .name = "", .primary = "", .description = ""};
	const char *genre = params_get(&req->query, "genre");
	if (genre != NULL && graph_genre(g, genre) != NULL) { /* "Add a band" from a genre */
		f.primary = genre;
		f.genres = &f.primary;
		f.ngenres = 1;
	}
	band_page(req, resp, g, &f);
}

void page_admin_band_new_post(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct band_form f = {0};
	read_form(req, &f);
	if (f.preview) {
		f.description =
		    admin_description_clean(req->arena, f.description, &(const char *){0});
		band_page(req, resp, g, &f);
		return;
	}
	validate(req, g, &f);
	if (f.errors.n == 0) {
		struct admin_result res;
		struct band_input in = input_of(&f);
		enum mg_err rc = db_bands_admin_create(&req->worker->db, req->arena, req->user->id,
		                                       req->user->username, &in, &res);
		if (admin_write_answer(req, resp, rc, &kind, &res, "added", f.name,
		                       admin_url(req->arena, "/bands/", f.id)))
			return;
		refused(req, resp, &f, &res);
		return;
	}
	resp->status = 422;
	band_page(req, resp, g, &f);
}

/* ---- edit ---- */

/* find: the route's band in the current graph (*g), or NULL after answering 503 or 404. */
static const struct band *find(struct request *req, struct response *resp, const struct graph **g)
{
	if ((*g = page_graph(req, resp)) == NULL)
		return NULL;
	const struct band *x = graph_band(*g, req->route_arg);
	if (x == NULL)
		page_error(req, resp, 404, "There is no band with that ID.");
	return x;
}

void page_admin_band_edit(struct request *req, struct response *resp)
{
	const struct graph *g;
	const struct band *x = find(req, resp, &g);
	if (x == NULL)
		return;
	struct band_record r;
	enum mg_err rc = db_bands_admin_get(&req->worker->db, req->arena, req->route_arg, &r);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	struct band_form f = {.edit = true,
	                      .id = r.id,
	                      .name = r.name,
	                      .primary = r.primary_genre_id,
	                      .description = r.description_md,
	                      .version = arena_sprintf(req->arena, "%ld", r.version),
	                      .genres = r.genres,
	                      .ngenres = r.ngenres};
	band_page(req, resp, g, &f);
}

void page_admin_band_edit_post(struct request *req, struct response *resp)
{
	const struct graph *g;
	if (find(req, resp, &g) == NULL)
		return;
	struct band_form f = {.edit = true};
	read_form(req, &f);
	f.id = req->route_arg;
	if (f.preview) {
		f.description =
		    admin_description_clean(req->arena, f.description, &(const char *){0});
		band_page(req, resp, g, &f);
		return;
	}
	validate(req, g, &f);
	if (admin_form_rejected(resp, &f.errors, f.version, &kind)) {
		band_page(req, resp, g, &f);
		return;
	}
	struct admin_result res;
	struct band_input in = input_of(&f);
	enum mg_err rc = db_bands_admin_update(&req->worker->db, req->arena, req->user->id,
	                                       req->user->username, &in, &res);
	if (!admin_write_answer(req, resp, rc, &kind, &res, "updated", f.name, "/admin"))
		refused(req, resp, &f, &res);
}

/* ---- delete ---- */

/* delete_page: what deleting x does and a button that does it (confirm=1); notice is why the
 * last attempt did not. */
static void delete_page(struct request *req, struct response *resp, const struct band *x,
                        long version, const char *notice)
{
	struct arena *a = req->arena;
	struct buf *b = resp->body;
	struct page p = {
	    .title = "Delete band", .body_class = "page-admin-form", .with_admin_script = 1};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity narrow admin-form\"><p class=\"kicker\"><a "
	            "href=\"/admin\">Admin</a> · Bands</p><h1>Delete the band “");
	html_text(b, x->name);
	html_raw(b, "”?</h1>");
	if (notice != NULL)
		form_errors(b, &notice, 1);
	html_raw(b, "<p>Its links to its genres go with it. The change is recorded in the audit "
	            "log.</p>");
	form_begin(b, arena_sprintf(a, "/admin/bands/%s/delete", x->id), csrf_token(req, resp));
	form_field(b, &(struct field){"hidden", "version", NULL, arena_sprintf(a, "%ld", version),
	                              NULL, NULL, 0});
	form_field(b, &(struct field){"hidden", "confirm", NULL, "1", NULL, NULL, 0});
	html_raw(b, "<div class=\"form-actions\"><button class=\"button button-danger\" "
	            "type=\"submit\">Delete band</button> <a href=\"");
	html_url(b, "/admin/bands/", x->id);
	html_raw(b, "/edit\">Back to the band</a> <a href=\"/admin\">Admin</a></div></form>"
	            "</article>");
	layout_end(b);
}

/* current_version: the band's version now, for a new confirmation form. */
static enum mg_err current_version(struct request *req, const char *id, long *version)
{
	struct band_record r;
	enum mg_err rc = db_bands_admin_get(&req->worker->db, req->arena, id, &r);
	if (rc == MG_OK)
		*version = r.version;
	return rc;
}

void page_admin_band_delete_post(struct request *req, struct response *resp)
{
	const struct graph *g;
	const struct band *x = find(req, resp, &g);
	if (x == NULL)
		return;
	struct arena *a = req->arena;
	const char *id = req->route_arg;
	long version;
	admin_version_parse(params_get(&req->form, "version"), &version);
	const char *confirm = params_get(&req->form, "confirm");
	enum mg_err rc = MG_OK;
	if (confirm == NULL || strcmp(confirm, "1") != 0) {
		/* the first step without admin.js: say what will happen, ask again */
		if (version == 0 && (rc = current_version(req, id, &version)) != MG_OK) {
			page_fail(req, resp, rc);
			return;
		}
		delete_page(req, resp, x, version, NULL);
		return;
	}
	struct admin_result res;
	rc = db_bands_admin_delete(&req->worker->db, a, req->user->id, req->user->username, id,
	                           version, &res);
	if (admin_write_answer(req, resp, rc, &kind, &res, "deleted", res.name, "/admin"))
		return;
	/* the page shows the band as it is now, with its current version */
	if ((x = find(req, resp, &g)) == NULL)
		return;
	if ((rc = current_version(req, id, &version)) != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	resp->status = 409;
	delete_page(req, resp, x, version, res.outcome == ADMIN_STALE ? kind.stale : res.message);
}
