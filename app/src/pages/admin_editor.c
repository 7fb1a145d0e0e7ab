/* admin_editor.c: the add, edit and delete forms of a genre or a band, from the table that
 * describes it (pages/admin_editor.h). */
#include "pages/admin_editor.h"
#include "auth/csrf.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/admin_entity.h"
#include "db/graph.h"
#include "db/users.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/form.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"
#include "util/slug.h"

#include <string.h>

/* What the form holds: as typed on the way in, cleaned by validate. */
struct form {
	bool edit;      /* else a new record */
	const char *id; /* edit: the route's (arena), never a pointer into a graph */
	const char *name, *primary, *description, *version;
	const char *const *links;
	size_t nlinks;
	bool preview;
	struct admin_errors errors;
	const char *id_error, *name_error, *primary_error, *links_error, *description_error;
};

/* field_slot: the error slot of a form field named as the data module names it. */
static const char **field_slot(const struct admin_editor *e, struct form *f, const char *field)
{
	const struct {
		const char *name;
		const char **slot;
	} slots[] = {
	    {"id", &f->id_error},
	    {"name", &f->name_error},
	    {e->primary.name, &f->primary_error},
	    {e->links.name, &f->links_error},
	    {"description", &f->description_error},
	};
	for (size_t i = 0; field != NULL && i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(slots[i].name, field) == 0)
			return slots[i].slot;
	return NULL;
}

/* ---- the form page ---- */

static void genre_selects(struct buf *b, const struct admin_editor *e, const struct graph *g,
                          const size_t *order, const struct form *f)
{
	struct admin_select primary = e->primary, links = e->links;
	primary.exclude = links.exclude = f->edit && e->own_link != NULL ? f->id : NULL;
	primary.error = f->primary_error;
	primary.selected = &f->primary;
	primary.nselected = 1;
	links.error = f->links_error;
	links.selected = f->links;
	links.nselected = f->nlinks;
	admin_genre_select(b, g, order, &primary);
	admin_genre_select(b, g, order, &links);
}

/* danger_zone: the edit form's delete button, asking for confirmation. */
static void danger_zone(struct request *req, struct buf *b, const struct admin_editor *e,
                        const struct form *f, const char *csrf, const char *name)
{
	long version;
	admin_version_parse(f->version, &version);
	html_raw(b, "<section class=\"danger-zone\"><h2>Delete this ");
	html_text(b, e->noun);
	html_raw(b, "</h2>");
	if (e->danger_note != NULL)
		html_raw(b, e->danger_note);
	admin_delete_button(b, arena_sprintf(req->arena, "%s%s/delete", e->admin_prefix, f->id),
	                    csrf, version,
	                    arena_sprintf(req->arena, "Delete the %s \"%s\"?", e->noun, name),
	                    arena_sprintf(req->arena, "Delete %s", e->noun));
	html_raw(b, "</section>");
}

static void form_page(struct request *req, struct response *resp, const struct admin_editor *e,
                      const struct graph *g, const struct form *f)
{
	struct arena *a = req->arena;
	struct buf *b = resp->body;
	const char *title =
	    f->edit ? arena_sprintf(a, "Edit %s", e->noun) : arena_sprintf(a, "Add a %s", e->noun);
	struct page p = {.title = title, .body_class = "page-admin-form", .with_admin_script = 1};
	page_begin(req, resp, &p);
	const char *csrf = csrf_token(req, resp);
	const char *stored = f->edit ? e->name_of(g, f->id) : NULL;
	const char *name = stored ? stored : f->name;
	html_raw(b, "<article class=\"entity admin-form\"><p class=\"kicker\"><a href=\"/admin\">"
	            "Admin</a> · ");
	html_text(b, e->section);
	html_raw(b, "</p><h1>");
	html_text(b, title);
	if (f->edit) {
		html_raw(b, " “");
		html_text(b, name);
		html_raw(b, "”");
	}
	html_raw(b, "</h1>");
	form_errors(b, f->errors.v, f->errors.n);
	form_begin(b,
	           f->edit ? arena_sprintf(a, "%s%s/edit", e->admin_prefix, f->id)
	                   : arena_sprintf(a, "%snew", e->admin_prefix),
	           csrf);
	if (f->edit)
		form_field(b,
		           &(struct field){"hidden", "version", NULL, f->version, NULL, NULL, 0});
	form_field(b, &(struct field){"text", "name", "Name", f->name, f->name_error, "off", 1});
	admin_slug_field(b, "ID (slug)", f->id, f->id_error, !f->edit);
	genre_selects(b, e, g, admin_genres_by_name(a, g), f);
	admin_description_field(b, f->description, f->description_error, f->preview);
	admin_form_end(b, f->edit ? "Save changes" : arena_sprintf(a, "Add %s", e->noun));
	if (f->edit)
		danger_zone(req, b, e, f, csrf, name);
	html_raw(b, "</article>");
	layout_end(b);
}

/* ---- reading and checking the form ---- */

static const char *form_value(struct request *req, const char *name)
{
	const char *v = params_get(&req->form, name);
	return v ? v : "";
}

static void read_form(struct request *req, const struct admin_editor *e, struct form *f)
{
	size_t n;
	f->id = form_value(req, "id");
	f->name = form_value(req, "name");
	f->primary = form_value(req, e->primary.name);
	f->description = form_value(req, "description");
	f->version = form_value(req, "version");
	const char **all = params_get_all(req->arena, &req->form, e->links.name, &n);
	f->links = admin_unique(req->arena, all, n, &f->nlinks);
	f->preview = strcmp(form_value(req, "preview"), "1") == 0;
}

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void validate_id(struct arena *a, const struct admin_editor *e, const struct graph *g,
                        struct form *f)
{
	const char *problem = NULL;
	if (f->id[0] == '\0')
		problem = arena_sprintf(a, "%s ID is required", e->kind.noun);
	else if (!slug_valid(f->id))
		problem = arena_sprintf(a,
		                        "A %s ID has lowercase letters, digits and single hyphens "
		                        "(at most 64 characters)",
		                        e->noun);
	else if (e->name_of(g, f->id) != NULL)
		problem = arena_sprintf(a, "%s ID '%s' already exists", e->kind.noun, f->id);
	if (problem)
		admin_form_error(&f->errors, &f->id_error, problem);
}

/* link_problem: why link (a genre id) cannot be one of record id's links, or NULL. */
static const char *link_problem(struct arena *a, const struct admin_editor *e,
                                const struct graph *g, const char *id, const char *link)
{
	if (e->own_link != NULL && strcmp(link, id) == 0)
		return e->own_link;
	if (graph_genre(g, link) == NULL)
		return arena_sprintf(a, "%s '%s' does not exist", e->link_noun, link);
	return NULL;
}

/* validate_links: the links and the primary one; completes the links with the primary and the
 * primary from a single link. Returns how many links are wrong (bad or not listed). */
static int validate_links(struct arena *a, const struct admin_editor *e, const struct graph *g,
                          struct form *f)
{
	const char *problem;
	int bad = 0;
	for (size_t i = 0; i < f->nlinks; i++)
		if ((problem = link_problem(a, e, g, f->id, f->links[i])) != NULL) {
			admin_form_error(&f->errors, &f->links_error, problem);
			bad++;
		}
	if (f->primary[0] != '\0') {
		if ((problem = link_problem(a, e, g, f->id, f->primary)) != NULL) {
			admin_form_error(&f->errors, &f->primary_error, problem);
			bad++;
		}
		if (f->nlinks == 0) { /* only a primary: it is the one link */
			const char **one = arena_calloc(a, 2, sizeof(*one));
			one[0] = f->primary;
			f->links = one;
			f->nlinks = 1;
		} else if (!listed(f->links, f->nlinks, f->primary)) {
			admin_form_error(&f->errors, &f->primary_error, e->primary_unlisted);
			bad++;
		}
	} else if (f->nlinks == 1) {
		f->primary = f->links[0]; /* one link: it is the primary one */
	} else if (f->nlinks > 1) {
		admin_form_error(&f->errors, &f->primary_error, e->primary_unchosen);
	} else if (e->links_required != NULL) {
		admin_form_error(&f->errors, &f->links_error, e->links_required);
	}
	return bad;
}

/* validate: every rule at once; cleans name and description, completes primary and links. */
static void validate(struct request *req, const struct admin_editor *e, const struct graph *g,
                     struct form *f)
{
	struct arena *a = req->arena;
	const char *problem;
	if (!f->edit)
		validate_id(a, e, g, f);
	f->name = admin_name_clean(a, f->name, &problem);
	if (problem)
		admin_form_error(&f->errors, &f->name_error, problem);
	f->description = admin_description_clean(a, f->description, &problem);
	if (problem)
		admin_form_error(&f->errors, &f->description_error, problem);
	int bad = validate_links(a, e, g, f);
	if (f->edit && bad == 0 && e->cycle != NULL) {
		const char *cycle = e->cycle(a, g, f->id, f->links, f->nlinks);
		if (cycle)
			admin_form_error(&f->errors, &f->links_error, cycle);
	}
}

/* previewed: whether the form asked for a preview, which it then shows (nothing is checked or
 * written). */
static bool previewed(struct request *req, struct response *resp, const struct admin_editor *e,
                      const struct graph *g, struct form *f)
{
	if (!f->preview)
		return false;
	f->description = admin_description_clean(req->arena, f->description, &(const char *){0});
	form_page(req, resp, e, g, f);
	return true;
}

/* ---- writing ---- */

static struct admin_write writer(struct request *req)
{
	return (struct admin_write){&req->worker->db, req->arena, req->user->id,
	                            req->user->username};
}

static struct admin_record record_of(const struct form *f)
{
	long version;
	admin_version_parse(f->version, &version);
	return (struct admin_record){.id = f->id,
	                             .name = f->name,
	                             .description_md = f->description,
	                             .primary = f->primary,
	                             .links = f->links,
	                             .nlinks = f->nlinks,
	                             .version = version};
}

/* refused: the form again (resp->status already set) after a write that did not happen, over
 * the graph as it is now (ours may have been replaced), with why: the stale message, or the
 * data module's refusal at its field (the cycle trigger's named from that graph, with the
 * change that raced ours). */
static void refused(struct request *req, struct response *resp, const struct admin_editor *e,
                    struct form *f, const struct admin_result *res)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	if (res->outcome == ADMIN_STALE) {
		admin_form_error(&f->errors, NULL, e->kind.stale);
	} else if (res->outcome == ADMIN_REFUSED) {
		const char *message = res->message;
		if (res->cycle && e->cycle != NULL) {
			const char *named = e->cycle(req->arena, g, f->id, f->links, f->nlinks);
			if (named)
				message = named;
		}
		admin_form_error(&f->errors, field_slot(e, f, res->field), message);
	}
	form_page(req, resp, e, g, f);
}

/* rejected: whether the checked form must be shown again instead of written, with
 * resp->status set: 422 for its errors, 409 for an edit without a valid version. */
static bool rejected(struct response *resp, const struct admin_editor *e, struct form *f)
{
	if (f->edit)
		return admin_form_rejected(resp, &f->errors, f->version, &e->kind);
	if (f->errors.n == 0)
		return false;
	resp->status = 422;
	return true;
}

/* save: a posted add or edit form: the preview, or checked and written (a flash message and
 * a redirect to the new record or the overview), or shown again with why it was not. */
static void save(struct request *req, struct response *resp, const struct admin_editor *e,
                 const struct graph *g, struct form *f)
{
	if (previewed(req, resp, e, g, f))
		return;
	validate(req, e, g, f);
	if (rejected(resp, e, f)) {
		form_page(req, resp, e, g, f);
		return;
	}
	struct admin_write w = writer(req);
	struct admin_record in = record_of(f);
	struct admin_result res;
	enum mg_err rc = f->edit ? admin_entity_update(&w, e->table, &in, &res)
	                         : admin_entity_create(&w, e->table, &in, &res);
	const char *to = f->edit ? "/admin" : admin_url(req->arena, e->public_prefix, f->id);
	if (!admin_write_answer(req, resp, rc, &e->kind, &res, f->edit ? "updated" : "added",
	                        f->name, to))
		refused(req, resp, e, f, &res);
}

/* ---- add ---- */

void admin_editor_new(struct request *req, struct response *resp, const struct admin_editor *e)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct form f = {.id = "", .name = "", .primary = "", .description = ""};
	const char *genre = params_get(&req->query, e->preselect);
	if (genre != NULL && graph_genre(g, genre) != NULL) { /* "Add a subgenre", "Add a band" */
		f.primary = genre;
		f.links = &f.primary;
		f.nlinks = 1;
	}
	form_page(req, resp, e, g, &f);
}

void admin_editor_new_post(struct request *req, struct response *resp, const struct admin_editor *e)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct form f = {0};
	read_form(req, e, &f);
	save(req, resp, e, g, &f);
}

/* ---- edit ---- */

/* find: the route's record's name in the current graph (*g), or NULL after answering 503 or
 * 404. */
static const char *find(struct request *req, struct response *resp, const struct admin_editor *e,
                        const struct graph **g)
{
	if ((*g = page_graph(req, resp)) == NULL)
		return NULL;
	const char *name = e->name_of(*g, req->route_arg);
	if (name == NULL)
		page_error(req, resp, 404,
		           arena_sprintf(req->arena, "There is no %s with that ID.", e->noun));
	return name;
}

void admin_editor_edit(struct request *req, struct response *resp, const struct admin_editor *e)
{
	const struct graph *g;
	if (find(req, resp, e, &g) == NULL)
		return;
	struct admin_record r;
	enum mg_err rc =
	    admin_entity_get(&req->worker->db, req->arena, e->table, req->route_arg, &r);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	struct form f = {.edit = true,
	                 .id = r.id,
	                 .name = r.name,
	                 .primary = r.primary ? r.primary : "",
	                 .description = r.description_md,
	                 .version = arena_sprintf(req->arena, "%ld", r.version),
	                 .links = r.links,
	                 .nlinks = r.nlinks};
	form_page(req, resp, e, g, &f);
}

void admin_editor_edit_post(struct request *req, struct response *resp,
                            const struct admin_editor *e)
{
	const struct graph *g;
	if (find(req, resp, e, &g) == NULL)
		return;
	struct form f = {.edit = true};
	read_form(req, e, &f);
	f.id = req->route_arg;
	save(req, resp, e, g, &f);
}

/* ---- delete ---- */

/* delete_page: what deleting the route's record would do and a button that does it
 * (confirm=1), or why it cannot be deleted. refusal (NULL, or up to 2 messages) is why the
 * database refused it just now and replaces the graph's reasons; notice is shown without
 * blocking a new attempt. */
static void delete_page(struct request *req, struct response *resp, const struct admin_editor *e,
                        const struct graph *g, long version, const char *const *refusal,
                        int nrefusal, const char *notice)
{
	struct arena *a = req->arena;
	const char *id = req->route_arg, *why[ADMIN_EDITOR_MAX_WHY], *consequence = e->consequence;
	int nwhy = 0, blocked = nrefusal;
	if (notice != NULL)
		why[nwhy++] = notice;
	for (int i = 0; i < nrefusal && i < 2; i++)
		why[nwhy++] = refusal[i];
	if (nrefusal == 0 && e->blockers != NULL) {
		blocked = e->blockers(a, g, id, why + nwhy, &consequence);
		nwhy += blocked;
	}
	struct buf *b = resp->body;
	struct page p = {.title = arena_sprintf(a, "Delete %s", e->noun),
	                 .body_class = "page-admin-form",
	                 .with_admin_script = 1};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity narrow admin-form\"><p class=\"kicker\"><a "
	            "href=\"/admin\">Admin</a> · ");
	html_text(b, e->section);
	html_raw(b, "</p><h1>Delete the ");
	html_text(b, e->noun);
	html_raw(b, " “");
	html_text(b, e->name_of(g, id));
	html_raw(b, "”?</h1>");
	form_errors(b, why, nwhy);
	if (blocked == 0) {
		html_raw(b, "<p>");
		html_text(b, consequence);
		html_raw(b, " The change is recorded in the audit log.</p>");
		form_begin(b, arena_sprintf(a, "%s%s/delete", e->admin_prefix, id),
		           csrf_token(req, resp));
		form_field(b, &(struct field){"hidden", "version", NULL,
		                              arena_sprintf(a, "%ld", version), NULL, NULL, 0});
		form_field(b, &(struct field){"hidden", "confirm", NULL, "1", NULL, NULL, 0});
		html_raw(b, "<div class=\"form-actions\"><button class=\"button button-danger\" "
		            "type=\"submit\">Delete ");
		html_text(b, e->noun);
		html_raw(b, "</button> ");
	} else {
		html_raw(b, "<div class=\"form-actions\">");
	}
	html_raw(b, "<a href=\"");
	html_url(b, e->admin_prefix, id);
	html_raw(b, "/edit\">Back to the ");
	html_text(b, e->noun);
	html_raw(b, "</a> <a href=\"/admin\">Admin</a></div>");
	if (blocked == 0)
		html_raw(b, "</form>");
	html_raw(b, "</article>");
	layout_end(b);
}

/* current_version: the route's record's version now, for a new confirmation form. */
static enum mg_err current_version(struct request *req, const struct admin_editor *e, long *version)
{
	struct admin_record r;
	enum mg_err rc =
	    admin_entity_get(&req->worker->db, req->arena, e->table, req->route_arg, &r);
	if (rc == MG_OK)
		*version = r.version;
	return rc;
}

/* delete_refused: the delete page again (409) after a delete that did not happen, showing the
 * record as it is now, with its current version. */
static void delete_refused(struct request *req, struct response *resp, const struct admin_editor *e,
                           const struct admin_result *res, const char *const *refusal, int nrefusal)
{
	const char *notice = res->outcome == ADMIN_STALE    ? e->kind.stale
	                     : res->outcome == ADMIN_IN_USE ? NULL
	                                                    : res->message;
	const struct graph *g;
	long version;
	enum mg_err rc;
	if (find(req, resp, e, &g) == NULL)
		return;
	if ((rc = current_version(req, e, &version)) != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	resp->status = 409;
	delete_page(req, resp, e, g, version, refusal, nrefusal, notice);
}

void admin_editor_delete_post(struct request *req, struct response *resp,
                              const struct admin_editor *e)
{
	const struct graph *g;
	if (find(req, resp, e, &g) == NULL)
		return;
	long version;
	admin_version_parse(params_get(&req->form, "version"), &version);
	const char *confirm = params_get(&req->form, "confirm");
	enum mg_err rc;
	if (confirm == NULL || strcmp(confirm, "1") != 0) {
		/* the first step without admin.js: say what will happen, ask again */
		if (version == 0 && (rc = current_version(req, e, &version)) != MG_OK) {
			page_fail(req, resp, rc);
			return;
		}
		delete_page(req, resp, e, g, version, NULL, 0, NULL);
		return;
	}
	struct admin_write w = writer(req);
	struct admin_result res;
	const char *refusal[2];
	int nrefusal = 0;
	rc = e->remove ? e->remove(&w, req->route_arg, version, &res, refusal, &nrefusal)
	               : admin_entity_delete(&w, e->table, req->route_arg, version, &res);
	if (!admin_write_answer(req, resp, rc, &e->kind, &res, "deleted", res.name, "/admin"))
		delete_refused(req, resp, e, &res, refusal, nrefusal);
}
