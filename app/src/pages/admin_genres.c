/* admin_genres.c: the admin's genre forms: add, edit (with its parents) and delete. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/genres_admin.h"
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
#include "util/graph_cycle.h"
#include "util/slug.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct admin_kind kind = {
    .noun = "Genre",
    .stale = "This genre was changed by someone else since you opened the form. Reload it to "
             "see the current version.",
    .gone = "This genre no longer exists; it may have been deleted.",
};

/* What the form holds: as typed on the way in, cleaned by validate. */
struct genre_form {
	bool edit;      /* else a new genre */
	const char *id; /* edit: the route's (arena), never a pointer into a graph */
	const char *name, *parent_id, *description, *version;
	const char **parents;
	size_t nparents;
	bool preview;
	struct admin_errors errors;
	const char *id_error, *name_error, *parent_error, *parents_error, *description_error;
};

/* field_slot: the error slot of a form field named as the data module names it. */
static const char **field_slot(struct genre_form *f, const char *field)
{
	static const struct {
		const char *name;
		size_t offset;
	} slots[] = {
	    {"id", offsetof(struct genre_form, id_error)},
	    {"name", offsetof(struct genre_form, name_error)},
	    {"parent_id", offsetof(struct genre_form, parent_error)},
	    {"parent_genres", offsetof(struct genre_form, parents_error)},
	    {"description", offsetof(struct genre_form, description_error)},
	};
	for (size_t i = 0; field != NULL && i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(slots[i].name, field) == 0)
			return (const char **)((char *)f + slots[i].offset);
	return NULL;
}

static const char *action(struct request *req, const struct genre_form *f)
{
	if (!f->edit)
		return "/admin/genres/new";
	return arena_sprintf(req->arena, "/admin/genres/%s/edit", f->id);
}

static void genre_page(struct request *req, struct response *resp, const struct graph *g,
                       const struct genre_form *f)
{
	struct buf *b = resp->body;
	struct page p = {.title = f->edit ? "Edit genre" : "Add a genre",
	                 .body_class = "page-admin-form",
	                 .with_admin_script = 1};
	page_begin(req, resp, &p);
	const char *csrf = csrf_token(req, resp);
	html_raw(b, "<article class=\"entity admin-form\"><p class=\"kicker\"><a href=\"/admin\">"
	            "Admin</a> · Genres</p><h1>");
	const struct genre *self = f->edit ? graph_genre(g, f->id) : NULL;
	if (f->edit) {
		html_raw(b, "Edit genre “");
		html_text(b, self ? self->name : f->name);
		html_raw(b, "”");
	} else {
		html_raw(b, "Add a genre");
	}
	html_raw(b, "</h1>");
	form_errors(b, f->errors.v, f->errors.n);
	form_begin(b, action(req, f), csrf);
	if (f->edit)
		form_field(b,
		           &(struct field){"hidden", "version", NULL, f->version, NULL, NULL, 0});
	form_field(b, &(struct field){"text", "name", "Name", f->name, f->name_error, "off", 1});
	admin_slug_field(b, "ID (slug)", f->id, f->id_error, !f->edit);
	size_t *order = admin_genres_by_name(req->arena, g);
	const char *exclude = f->edit ? f->id : NULL;
	admin_genre_select(b, g, order,
	                   &(struct admin_select){.name = "parent_id",
	                                          .label = "Primary parent",
	                                          .hint = "Where the genre hangs in the graph. "
	                                                  "Leave empty for a root genre.",
	                                          .error = f->parent_error,
	                                          .empty = "None (a root genre)",
	                                          .selected = &f->parent_id,
	                                          .nselected = 1,
	                                          .exclude = exclude,
	                                          .also_select = "parent_genres"});
	admin_genre_select(
	    b, g, order,
	    &(struct admin_select){.name = "parent_genres",
	                           .label = "All parent genres",
	                           .hint = "Every parent, the primary one included. Hold Ctrl "
	                                   "(⌘ on a Mac) to choose several.",
	                           .error = f->parents_error,
	                           .multiple = 1,
	                           .selected = f->parents,
	                           .nselected = f->nparents,
	                           .exclude = exclude});
	admin_description_field(b, f->description, f->description_error, f->preview);
	admin_form_end(b, f->edit ? "Save changes" : "Add genre");
	if (f->edit) {
		long version;
		admin_version_parse(f->version, &version);
		html_raw(
		    b, "<section class=\"danger-zone\"><h2>Delete this genre</h2><p>A genre "
		       "with subgenres, or that is a band's primary genre, cannot be deleted.</p>");
		admin_delete_button(b, arena_sprintf(req->arena, "/admin/genres/%s/delete", f->id),
		                    csrf, version,
		                    arena_sprintf(req->arena, "Delete the genre \"%s\"?",
		                                  self ? self->name : f->name),
		                    "Delete genre");
		html_raw(b, "</section>");
	}
	html_raw(b, "</article>");
	layout_end(b);
}

/* ---- reading and checking the form ---- */

static void read_form(struct request *req, struct genre_form *f)
{
	const char *v;
	size_t n;
	f->id = (v = params_get(&req->form, "id")) ? v : "";
	f->name = (v = params_get(&req->form, "name")) ? v : "";
	f->parent_id = (v = params_get(&req->form, "parent_id")) ? v : "";
	f->description = (v = params_get(&req->form, "description")) ? v : "";
	f->version = (v = params_get(&req->form, "version")) ? v : "";
	const char **all = params_get_all(req->arena, &req->form, "parent_genres", &n);
	f->parents = admin_unique(req->arena, all, n, &f->nparents);
	f->preview = (v = params_get(&req->form, "preview")) != NULL && strcmp(v, "1") == 0;
}

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

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* validate: every rule at once; cleans name and description, completes parents with the
 * primary parent and the primary parent from a single parent. */
static void validate(struct request *req, const struct graph *g, struct genre_form *f)
{
	struct arena *a = req->arena;
	const char *id = f->id, *problem;
	if (!f->edit) {
		if (id[0] == '\0')
			admin_form_error(&f->errors, &f->id_error, "Genre ID is required");
		else if (!slug_valid(id))
			admin_form_error(
			    &f->errors, &f->id_error,
			    "A genre ID has lowercase letters, digits and single hyphens (at "
			    "most 64 characters)");
		else if (graph_genre(g, id) != NULL)
			admin_form_error(&f->errors, &f->id_error,
			                 arena_sprintf(a, "Genre ID '%s' already exists", id));
	}
	f->name = admin_name_clean(a, f->name, &problem);
	if (problem)
		admin_form_error(&f->errors, &f->name_error, problem);
	f->description = admin_description_clean(a, f->description, &problem);
	if (problem)
		admin_form_error(&f->errors, &f->description_error, problem);

	int bad_parents = 0;
	for (size_t i = 0; i < f->nparents; i++) {
		if (strcmp(f->parents[i], id) == 0) {
			admin_form_error(&f->errors, &f->parents_error,
			                 "A genre cannot be its own parent");
			bad_parents++;
		} else if (graph_genre(g, f->parents[i]) == NULL) {
			admin_form_error(
			    &f->errors, &f->parents_error,
			    arena_sprintf(a, "Parent genre '%s' does not exist", f->parents[i]));
			bad_parents++;
		}
	}
	if (f->parent_id[0] != '\0') {
		if (strcmp(f->parent_id, id) == 0) {
			admin_form_error(&f->errors, &f->parent_error,
			                 "A genre cannot be its own parent");
			bad_parents++;
		} else if (graph_genre(g, f->parent_id) == NULL) {
			admin_form_error(
			    &f->errors, &f->parent_error,
			    arena_sprintf(a, "Parent genre '%s' does not exist", f->parent_id));
			bad_parents++;
		}
		if (f->nparents == 0) { /* only a primary parent: it is the one parent */
			f->parents = arena_calloc(a, 2, sizeof(*f->parents));
			f->parents[0] = f->parent_id;
			f->nparents = 1;
		} else if (!listed(f->parents, f->nparents, f->parent_id)) {
			admin_form_error(&f->errors, &f->parent_error,
			                 "The primary parent must be one of the selected parents");
			bad_parents++;
		}
	} else if (f->nparents == 1) {
		f->parent_id = f->parents[0]; /* one parent: it is the primary one */
	} else if (f->nparents > 1) {
		admin_form_error(&f->errors, &f->parent_error,
		                 "Choose the primary parent among the selected parents");
	}
	if (f->edit && bad_parents == 0) {
		const char *cycle = cycle_problem(a, g, id, f->parents, f->nparents);
		if (cycle)
			admin_form_error(&f->errors, &f->parents_error, cycle);
	}
}

static struct genre_input input_of(const struct genre_form *f)
{
	long version;
	admin_version_parse(f->version, &version);
	return (struct genre_input){.id = f->id,
	                            .name = f->name,
	                            .description_md = f->description,
	                            .parent_id = f->parent_id,
	                            .parents = f->parents,
	                            .nparents = f->nparents,
	                            .version = version};
}

/* refused: the form again (resp->status already set) after a write that did not happen, over
 * the graph as it is now (ours may have been replaced), with why: the stale message, or the
 * data module's refusal at its field (the cycle trigger's named from that graph, with the
 * change that raced ours). */
static void refused(struct request *req, struct response *resp, struct genre_form *f,
                    const struct admin_result *res)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	if (res->outcome == ADMIN_STALE) {
		admin_form_error(&f->errors, NULL, kind.stale);
	} else if (res->outcome == ADMIN_REFUSED) {
		const char *message = res->message;
		if (res->cycle) {
			const char *named =
			    cycle_problem(req->arena, g, f->id, f->parents, f->nparents);
			if (named)
				message = named;
		}
		admin_form_error(&f->errors, field_slot(f, res->field), message);
	}
	genre_page(req, resp, g, f);
}

/* ---- add ---- */

void page_admin_genre_new(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct genre_form f = {.id = "", .name = "", .parent_id = "", .description = ""};
	const char *parent = params_get(&req->query, "parent");
	if (parent != NULL && graph_genre(g, parent) != NULL) { /* "Add a subgenre" links */
		f.parent_id = parent;
		f.parents = &f.parent_id;
		f.nparents = 1;
	}
	genre_page(req, resp, g, &f);
}

void page_admin_genre_new_post(struct request *req, struct response *resp)
{
	const struct graph *g = page_graph(req, resp);
	if (g == NULL)
		return;
	struct genre_form f = {0};
	read_form(req, &f);
	if (f.preview) {
		f.description =
		    admin_description_clean(req->arena, f.description, &(const char *){0});
		genre_page(req, resp, g, &f);
		return;
	}
	validate(req, g, &f);
	if (f.errors.n == 0) {
		struct genres_admin_result res;
		struct genre_input in = input_of(&f);
		enum mg_err rc = db_genres_admin_create(&req->worker->db, req->arena, req->user->id,
		                                        req->user->username, &in, &res);
		if (admin_write_answer(req, resp, rc, &kind, &res.base, "added", f.name,
		                       admin_url(req->arena, "/genres/", f.id)))
			return;
		refused(req, resp, &f, &res.base);
		return;
	}
	resp->status = 422;
	genre_page(req, resp, g, &f);
}

/* ---- edit ---- */

/* find: the route's genre in the current graph (*g), or NULL after answering 503 or 404. */
static const struct genre *find(struct request *req, struct response *resp, const struct graph **g)
{
	if ((*g = page_graph(req, resp)) == NULL)
		return NULL;
	const struct genre *x = graph_genre(*g, req->route_arg);
	if (x == NULL)
		page_error(req, resp, 404, "There is no genre with that ID.");
	return x;
}

void page_admin_genre_edit(struct request *req, struct response *resp)
{
	const struct graph *g;
	const struct genre *x = find(req, resp, &g);
	if (x == NULL)
		return;
	struct genre_record r;
	enum mg_err rc = db_genres_admin_get(&req->worker->db, req->arena, x->id, &r);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	struct genre_form f = {.edit = true,
	                       .id = r.id,
	                       .name = r.name,
	                       .parent_id = r.parent_id ? r.parent_id : "",
	                       .description = r.description_md,
	                       .version = arena_sprintf(req->arena, "%ld", r.version),
	                       .parents = r.parents,
	                       .nparents = r.nparents};
	genre_page(req, resp, g, &f);
}

void page_admin_genre_edit_post(struct request *req, struct response *resp)
{
	const struct graph *g;
	const struct genre *x = find(req, resp, &g);
	if (x == NULL)
		return;
	struct genre_form f = {.edit = true};
	read_form(req, &f);
	f.id = req->route_arg;
	if (f.preview) {
		f.description =
		    admin_description_clean(req->arena, f.description, &(const char *){0});
		genre_page(req, resp, g, &f);
		return;
	}
	validate(req, g, &f);
	if (admin_form_rejected(resp, &f.errors, f.version, &kind)) {
		genre_page(req, resp, g, &f);
		return;
	}
	struct genres_admin_result res;
	struct genre_input in = input_of(&f);
	enum mg_err rc = db_genres_admin_update(&req->worker->db, req->arena, req->user->id,
	                                        req->user->username, &in, &res);
	if (!admin_write_answer(req, resp, rc, &kind, &res.base, "updated", f.name, "/admin"))
		refused(req, resp, &f, &res.base);
}

/* ---- delete ---- */

static int cmp_name(const void *x, const void *y)
{
	const char *p = *(const char *const *)x, *q = *(const char *const *)y;
	int c = strcasecmp(p, q);
	return c != 0 ? c : strcmp(p, q);
}

/* in_use: the reasons, from the graph, why x cannot be deleted (at most 2); *secondary gets
 * the names of the bands that would lose it as a secondary genre. */
static int in_use(struct arena *a, const struct graph *g, const struct genre *x, const char **why,
                  const char ***secondary, size_t *nsecondary)
{
	int nwhy = 0;
	const char **children = arena_calloc(a, x->nchildren + 1, sizeof(*children));
	const char **primary = arena_calloc(a, x->nbands + 1, sizeof(*primary));
	size_t nprimary = 0;
	*secondary = arena_calloc(a, x->nbands + 1, sizeof(**secondary));
	*nsecondary = 0;
	for (size_t i = 0; i < x->nchildren; i++)
		children[i] = g->genres[x->children[i]].name;
	for (size_t i = 0; i < x->nbands; i++) {
		const struct band *band = &g->bands[x->bands[i]];
		if (strcmp(band->primary_genre_id, x->id) == 0)
			primary[nprimary++] = band->name;
		else
			(*secondary)[(*nsecondary)++] = band->name;
	}
	qsort(children, x->nchildren, sizeof(*children), cmp_name);
	qsort(primary, nprimary, sizeof(*primary), cmp_name);
	qsort(*secondary, *nsecondary, sizeof(**secondary), cmp_name);
	if (x->nchildren > 0)
		why[nwhy++] = arena_sprintf(a, "Cannot delete '%s': it has subgenres: %s", x->name,
		                            admin_name_list(a, children, x->nchildren));
	if (nprimary > 0)
		why[nwhy++] = arena_sprintf(a, "Cannot delete '%s': it is the primary genre of: %s",
		                            x->name, admin_name_list(a, primary, nprimary));
	return nwhy;
}

/* delete_page: what deleting x would do and a button that does it (confirm=1), or why it
 * cannot be deleted. refusal (NULL, or up to 2 messages) is why the database refused it just
 * now and replaces the graph's reasons; notice is shown without blocking a new attempt. */
static void delete_page(struct request *req, struct response *resp, const struct graph *g,
                        const struct genre *x, long version, const char *const *refusal,
                        int nrefusal, const char *notice)
{
	struct arena *a = req->arena;
	const char *why[4], **secondary = NULL;
	size_t nsecondary = 0;
	int nwhy = 0;
	if (notice != NULL)
		why[nwhy++] = notice;
	int blocked =
	    nrefusal > 0 ? nrefusal : in_use(a, g, x, why + nwhy, &secondary, &nsecondary);
	if (nrefusal > 0) {
		for (int i = 0; i < nrefusal && i < 2; i++)
			why[nwhy++] = refusal[i];
	} else {
		nwhy += blocked;
	}
	struct buf *b = resp->body;
	struct page p = {
	    .title = "Delete genre", .body_class = "page-admin-form", .with_admin_script = 1};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity narrow admin-form\"><p class=\"kicker\"><a "
	            "href=\"/admin\">Admin</a> · Genres</p><h1>Delete the genre “");
	html_text(b, x->name);
	html_raw(b, "”?</h1>");
	form_errors(b, why, nwhy);
	if (blocked == 0) {
		html_raw(b, "<p>Its links to its parents go with it.");
		if (nsecondary > 0) {
			html_raw(b, " These bands lose it as a secondary genre: ");
			html_text(b, admin_name_list(a, secondary, nsecondary));
			html_raw(b, ".");
		}
		html_raw(b, " The change is recorded in the audit log.</p>");
		form_begin(b, arena_sprintf(a, "/admin/genres/%s/delete", x->id),
		           csrf_token(req, resp));
		form_field(b, &(struct field){"hidden", "version", NULL,
		                              arena_sprintf(a, "%ld", version), NULL, NULL, 0});
		form_field(b, &(struct field){"hidden", "confirm", NULL, "1", NULL, NULL, 0});
		html_raw(b, "<div class=\"form-actions\"><button class=\"button button-danger\" "
		            "type=\"submit\">Delete genre</button> ");
	} else {
		html_raw(b, "<div class=\"form-actions\">");
	}
	html_raw(b, "<a href=\"");
	html_url(b, "/admin/genres/", x->id);
	html_raw(b, "/edit\">Back to the genre</a> <a href=\"/admin\">Admin</a></div>");
	if (blocked == 0)
		html_raw(b, "</form>");
	html_raw(b, "</article>");
	layout_end(b);
}

/* current_version: the genre's version now, for a new confirmation form. */
static enum mg_err current_version(struct request *req, const char *id, long *version)
{
	struct genre_record r;
	enum mg_err rc = db_genres_admin_get(&req->worker->db, req->arena, id, &r);
	if (rc == MG_OK)
		*version = r.version;
	return rc;
}

void page_admin_genre_delete_post(struct request *req, struct response *resp)
{
	const struct graph *g;
	const struct genre *x = find(req, resp, &g);
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
		delete_page(req, resp, g, x, version, NULL, 0, NULL);
		return;
	}
	struct genres_admin_result res;
	rc = db_genres_admin_delete(&req->worker->db, a, req->user->id, req->user->username, id,
	                            version, &res);
	if (admin_write_answer(req, resp, rc, &kind, &res.base, "deleted", res.base.name, "/admin"))
		return;
	const char *refusal[2], *notice = NULL;
	int nrefusal = 0;
	switch (res.base.outcome) {
	case ADMIN_STALE:
		notice = kind.stale;
		break;
	case ADMIN_IN_USE:
		if (res.nchildren > 0)
			refusal[nrefusal++] = arena_sprintf(
			    a, "Cannot delete '%s': it has subgenres: %s", res.base.name,
			    admin_name_list(a, res.children, res.nchildren));
		if (res.nprimary_of > 0)
			refusal[nrefusal++] = arena_sprintf(
			    a, "Cannot delete '%s': it is the primary genre of: %s", res.base.name,
			    admin_name_list(a, res.primary_of, res.nprimary_of));
		break;
	default:
		notice = res.base.message;
		break;
	}
	/* the page shows the genre as it is now, with its current version */
	if ((x = find(req, resp, &g)) == NULL)
		return;
	if ((rc = current_version(req, id, &version)) != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	resp->status = 409;
	delete_page(req, resp, g, x, version, refusal, nrefusal, notice);
}
