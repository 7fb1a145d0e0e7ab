/* admin.c: the admin overview (genres, bands, recent changes) and the pieces that the genre
 * and band forms share. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "db/bands_admin.h"
#include "db/genres_admin.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "pages/admin_form.h"
#include "render/html.h"
#include "render/layout.h"
#include "render/markdown.h"
#include "server/worker.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_CHARS        200
#define DESCRIPTION_MAX_CHARS 20000
#define RECENT_AUDIT          10

/* ---- shared by the forms ---- */

struct by_name {
	const char *name, *id;
	size_t index;
};

static int cmp_by_name(const void *x, const void *y)
{
	const struct by_name *p = x, *q = y;
	int c = strcasecmp(p->name, q->name);
	return c != 0 ? c : strcmp(p->id, q->id);
}

size_t *admin_genres_by_name(struct arena *a, const struct graph *g)
{
	struct by_name *v = arena_calloc(a, g->ngenres + 1, sizeof(*v));
	for (size_t i = 0; i < g->ngenres; i++)
		v[i] = (struct by_name){g->genres[i].name, g->genres[i].id, i};
	qsort(v, g->ngenres, sizeof(*v), cmp_by_name);
	size_t *order = arena_calloc(a, g->ngenres + 1, sizeof(*order));
	for (size_t i = 0; i < g->ngenres; i++)
		order[i] = v[i].index;
	return order;
}

static bool chosen(const struct admin_select *s, const char *id)
{
	for (size_t i = 0; i < s->nselected; i++)
		if (s->selected[i] != NULL && strcmp(s->selected[i], id) == 0)
			return true;
	return false;
}

void admin_genre_select(struct buf *b, const struct graph *g, const size_t *order,
                        const struct admin_select *s)
{
	html_raw(b, "<div class=\"field");
	if (s->error)
		html_raw(b, " field-invalid");
	html_raw(b, "\"><label for=\"f-");
	html_attr(b, s->name);
	html_raw(b, "\">");
	html_text(b, s->label);
	html_raw(b, "</label><select name=\"");
	html_attr(b, s->name);
	html_raw(b, "\" id=\"f-");
	html_attr(b, s->name);
	html_raw(b, "\"");
	if (s->multiple)
		html_raw(b, " multiple size=\"12\" class=\"multi-select\"");
	if (s->also_select) {
		html_raw(b, " data-also-select=\"f-");
		html_attr(b, s->also_select);
		html_raw(b, "\"");
	}
	if (s->hint) {
		html_raw(b, " aria-describedby=\"h-");
		html_attr(b, s->name);
		html_raw(b, "\"");
	}
	if (s->error)
		html_raw(b, " aria-invalid=\"true\"");
	html_raw(b, ">");
	if (!s->multiple) {
		html_raw(b, "<option value=\"\">");
		html_text(b, s->empty ? s->empty : "");
		html_raw(b, "</option>");
	}
	for (size_t k = 0; k < g->ngenres; k++) {
		const struct genre *x = &g->genres[order[k]];
		if (s->exclude != NULL && strcmp(x->id, s->exclude) == 0)
			continue;
		html_raw(b, "<option value=\"");
		html_attr(b, x->id);
		html_raw(b, chosen(s, x->id) ? "\" selected>" : "\">");
		html_text(b, x->name);
		html_raw(b, "</option>");
	}
	html_raw(b, "</select>");
	if (s->hint) {
		html_raw(b, "<p class=\"hint\" id=\"h-");
		html_attr(b, s->name);
		html_raw(b, "\">");
		html_text(b, s->hint);
		html_raw(b, "</p>");
	}
	if (s->error) {
		html_raw(b, "<p class=\"field-error\">");
		html_text(b, s->error);
		html_raw(b, "</p>");
	}
	html_raw(b, "</div>");
}

void admin_slug_field(struct buf *b, const char *label, const char *value, const char *error,
                      bool editable)
{
	html_raw(b, "<div class=\"field");
	if (error)
		html_raw(b, " field-invalid");
	html_raw(b, "\"><label for=\"f-id\">");
	html_text(b, label);
	html_raw(b, "</label><input type=\"text\" id=\"f-id\" value=\"");
	html_attr(b, value ? value : "");
	if (editable)
		html_raw(
		    b, "\" name=\"id\" maxlength=\"64\" autocomplete=\"off\" spellcheck=\"false\" "
		       "aria-describedby=\"h-id\" required");
	else
		html_raw(b, "\" readonly aria-describedby=\"h-id\"");
	if (error)
		html_raw(b, " aria-invalid=\"true\"");
	html_raw(b, "><p class=\"hint\" id=\"h-id\">");
	html_raw(b, editable ? "Lowercase letters, digits and single hyphens, such as "
	                       "<code>death-metal</code>; filled in from the name. It is part of "
	                       "the address and cannot be changed later."
	                     : "Part of the address; it cannot be changed.");
	html_raw(b, "</p>");
	if (error) {
		html_raw(b, "<p class=\"field-error\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	html_raw(b, "</div>");
}

void admin_description_field(struct buf *b, const char *value, const char *error, bool preview)
{
	html_raw(b, "<div class=\"field");
	if (error)
		html_raw(b, " field-invalid");
	html_raw(b, "\"><label for=\"f-description\">Description</label><textarea "
	            "name=\"description\" id=\"f-description\" rows=\"10\" "
	            "aria-describedby=\"h-description\"");
	if (error)
		html_raw(b, " aria-invalid=\"true\"");
	html_raw(b, ">\n");
	html_text(b, value);
	html_raw(
	    b, "</textarea><p class=\"hint\" id=\"h-description\">Markdown: <code>*italic*</code>, "
	       "<code>**bold**</code>, <code>[link](https://…)</code>, lists. Up to 20,000 "
	       "characters.</p>");
	if (error) {
		html_raw(b, "<p class=\"field-error\">");
		html_text(b, error);
		html_raw(b, "</p>");
	}
	html_raw(b, "</div>");
	if (preview) {
		html_raw(b, "<section class=\"admin-preview\" aria-label=\"Preview of the "
		            "description\"><h2>Preview</h2><div class=\"description\">");
		if (value == NULL || value[0] == '\0')
			html_raw(b, "<p class=\"muted\">The description is empty.</p>");
		else
			markdown_render(b, value);
		html_raw(b, "</div></section>");
	}
}

void admin_form_end(struct buf *b, const char *save)
{
	html_raw(b, "<div class=\"form-actions\"><button class=\"button\" type=\"submit\">");
	html_text(b, save);
	html_raw(b, "</button> <button class=\"button button-secondary\" type=\"submit\" "
	            "name=\"preview\" value=\"1\">Preview</button> <a href=\"/admin\">Cancel</a>"
	            "</div></form>");
}

void admin_delete_button(struct buf *b, const char *action, const char *csrf, long version,
                         const char *confirm_text, const char *label)
{
	html_raw(b, "<form class=\"inline-form delete-form\" method=\"post\" action=\"");
	html_attr(b, action);
	html_raw(b, "\"><input type=\"hidden\" name=\"csrf_token\" value=\"");
	html_attr(b, csrf);
	html_raw(b, "\"><input type=\"hidden\" name=\"version\" value=\"");
	html_int(b, version);
	html_raw(b, "\"><input type=\"hidden\" name=\"confirm\" value=\"\">"
	            "<button class=\"button button-danger\" type=\"submit\" data-confirm=\"");
	html_attr(b, confirm_text);
	html_raw(b, "\">");
	html_text(b, label);
	html_raw(b, "</button></form>");
}

/* chars: the characters (code points) of UTF-8 s, as PostgreSQL's length() counts them. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

const char *admin_name_clean(struct arena *a, const char *name, const char **problem)
{
	const char *s = name ? name : "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	char *t = arena_strndup(a, s, n);
	*problem = NULL;
	if (n == 0)
		*problem = "Name is required";
	else if (chars(t) > NAME_MAX_CHARS)
		*problem = "The name can have at most 200 characters";
	for (size_t i = 0; i < n && *problem == NULL; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			*problem = "The name cannot contain control characters such as line breaks";
	return t;
}

const char *admin_description_clean(struct arena *a, const char *md, const char **problem)
{
	const char *s = md ? md : "";
	char *t = arena_alloc(a, strlen(s) + 1), *o = t;
	for (; *s != '\0'; s++)
		if (!(s[0] == '\r' && s[1] == '\n')) /* browsers send CRLF; store LF */
			*o++ = *s;
	*o = '\0';
	*problem = chars(t) > DESCRIPTION_MAX_CHARS
	               ? "The description can have at most 20,000 characters"
	               : NULL;
	return t;
}

const char **admin_unique(struct arena *a, const char *const *v, size_t n, size_t *out_n)
{
	const char **u = arena_calloc(a, n + 1, sizeof(*u));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == NULL || v[i][0] == '\0')
			continue;
		size_t k = 0;
		while (k < m && strcmp(u[k], v[i]) != 0)
			k++;
		if (k == m)
			u[m++] = v[i];
	}
	*out_n = m;
	return u;
}

bool admin_version_parse(const char *s, long *version)
{
	size_t n = s ? strlen(s) : 0;
	*version = 0;
	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return false;
	*version = strtol(s, NULL, 10);
	return *version > 0;
}

const char *admin_name_list(struct arena *a, const char *const *names, size_t n)
{
	enum { SHOWN = 20 };
	struct buf *b = buf_new_in(a);
	for (size_t i = 0; i < n && i < SHOWN; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		buf_puts(b, names[i]);
	}
	if (n > SHOWN)
		buf_printf(b, " and %zu more", n - SHOWN);
	return arena_strdup(a, buf_cstr(b));
}

/* ---- shared by the form handlers ---- */

void admin_form_error(struct admin_errors *e, const char **slot, const char *message)
{
	if (slot != NULL && *slot == NULL)
		*slot = message;
	/* the same message may come from two fields (an unknown genre both primary and listed,
	 * "cannot be its own parent" from both parent fields) */
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->v[i], message) == 0)
			return;
	if (e->n < ADMIN_MAX_ERRORS)
		e->v[e->n++] = message;
}

bool admin_form_rejected(struct response *resp, struct admin_errors *e, const char *version,
                         const struct admin_kind *k)
{
	long parsed;
	if (e->n > 0) {
		resp->status = 422;
		return true;
	}
	if (!admin_version_parse(version, &parsed)) {
		resp->status = 409;
		admin_form_error(e, NULL, k->stale);
		return true;
	}
	return false;
}

bool admin_write_answer(struct request *req, struct response *resp, enum mg_err rc,
                        const struct admin_kind *k, const struct admin_result *res,
                        const char *verb, const char *name, const char *to)
{
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return true;
	}
	switch (res->outcome) {
	case ADMIN_DONE:
		flash_add(req, resp, "success",
		          arena_sprintf(req->arena, "%s \"%s\" %s.", k->noun, name, verb));
		response_redirect(resp, 303, to);
		return true;
	case ADMIN_UNCHANGED:
		flash_add(req, resp, "info",
		          arena_sprintf(req->arena, "%s \"%s\" was not changed.", k->noun, name));
		response_redirect(resp, 303, to);
		return true;
	case ADMIN_NOT_FOUND:
		page_error(req, resp, 404, k->gone);
		return true;
	case ADMIN_STALE:
		resp->status = 409;
		return false;
	default:
		resp->status = 422;
		return false;
	}
}

const char *admin_url(struct arena *a, const char *prefix, const char *id)
{
	struct buf *b = buf_new_in(a);
	html_url(b, prefix, id);
	return arena_strdup(a, buf_cstr(b));
}

/* ---- the overview ---- */

/* row_actions: the Edit link and the Delete button (a POST of the surrounding form, with
 * the row's version) that end every row of the admin tables. */
static void row_actions(struct buf *b, const char *prefix, const char *id, long version,
                        const char *confirm)
{
	html_raw(b, "<td class=\"actions\"><a href=\"");
	html_url(b, prefix, id);
	html_raw(b, "/edit\">Edit</a> <button class=\"link-button danger\" type=\"submit\" "
	            "formaction=\"");
	html_url(b, prefix, id);
	html_raw(b, "/delete\" name=\"version\" value=\"");
	html_int(b, version);
	html_raw(b, "\" data-confirm=\"");
	html_attr(b, confirm);
	html_raw(b, "\">Delete</button></td></tr>");
}

static void genres_table(struct request *req, struct buf *b, const char *csrf,
                         const struct genres_admin_row *rows, size_t n)
{
	html_raw(b, "<section aria-labelledby=\"admin-genres\"><h2 id=\"admin-genres\">Genres (");
	html_int(b, (long)n);
	html_raw(b, ")</h2><form class=\"table-form\" method=\"post\" action=\"/admin\">"
	            "<input type=\"hidden\" name=\"csrf_token\" value=\"");
	html_attr(b, csrf);
	html_raw(b,
	         "\"><input type=\"hidden\" name=\"confirm\" value=\"\">"
	         "<table class=\"data-table admin-table\" data-sortable data-filter-label=\"Filter "
	         "genres\"><thead><tr><th data-sort=\"text\">Name</th><th data-sort=\"text\">Slug"
	         "</th><th data-sort=\"text\">Type</th><th data-sort=\"text\">Primary parent</th>"
	         "<th data-sort=\"num\">Parents</th><th data-sort=\"num\">Subgenres</th>"
	         "<th data-sort=\"num\">Bands</th><th><span class=\"visually-hidden\">Actions"
	         "</span></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct genres_admin_row *x = &rows[i];
		html_raw(b, "<tr><td>");
		html_link(b, "/genres/", x->id, x->name);
		html_raw(b, "</td><td><code>");
		html_text(b, x->id);
		html_raw(b, "</code></td><td>");
		html_text(b, x->type);
		html_raw(b, "</td><td>");
		if (x->parent_id != NULL)
			html_link(b, "/genres/", x->parent_id, x->parent_name);
		buf_printf(b, "</td><td>%ld</td><td>%ld</td><td>%ld</td>", x->nparents,
		           x->nchildren, x->nbands);
		row_actions(b, "/admin/genres/", x->id, x->version,
		            arena_sprintf(req->arena, "Delete the genre \"%s\"?", x->name));
	}
	html_raw(b, "</tbody></table></form></section>");
}

static void bands_table(struct request *req, struct buf *b, const char *csrf,
                        const struct bands_admin_row *rows, size_t n)
{
	html_raw(b, "<section aria-labelledby=\"admin-bands\"><h2 id=\"admin-bands\">Bands (");
	html_int(b, (long)n);
	html_raw(b, ")</h2><form class=\"table-form\" method=\"post\" action=\"/admin\">"
	            "<input type=\"hidden\" name=\"csrf_token\" value=\"");
	html_attr(b, csrf);
	html_raw(b,
	         "\"><input type=\"hidden\" name=\"confirm\" value=\"\">"
	         "<table class=\"data-table admin-table\" data-sortable data-filter-label=\"Filter "
	         "bands\"><thead><tr><th data-sort=\"text\">Name</th><th data-sort=\"text\">Slug"
	         "</th><th data-sort=\"text\">Primary genre</th><th data-sort=\"num\">Genres</th>"
	         "<th><span class=\"visually-hidden\">Actions</span></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct bands_admin_row *x = &rows[i];
		html_raw(b, "<tr><td>");
		html_link(b, "/bands/", x->id, x->name);
		html_raw(b, "</td><td><code>");
		html_text(b, x->id);
		html_raw(b, "</code></td><td>");
		html_link(b, "/genres/", x->primary_genre_id, x->primary_genre_name);
		buf_printf(b, "</td><td>%ld</td>", x->ngenres);
		row_actions(b, "/admin/bands/", x->id, x->version,
		            arena_sprintf(req->arena, "Delete the band \"%s\"?", x->name));
	}
	html_raw(b, "</tbody></table></form></section>");
}

static void recent_changes(struct buf *b, const struct audit_entry *e, int n)
{
	html_raw(b, "<section aria-labelledby=\"admin-recent\"><h2 id=\"admin-recent\">Recent "
	            "changes</h2>");
	if (n == 0) {
		html_raw(b, "<p class=\"muted\">No changes yet.</p>");
	} else {
		html_raw(b, "<table class=\"data-table\"><thead><tr><th>When</th><th>Who</th>"
		            "<th>Action</th><th>Record</th></tr></thead><tbody>");
		for (int i = 0; i < n; i++) {
			html_raw(b, "<tr><td>");
			html_text(b, e[i].at);
			html_raw(b, "</td><td>");
			html_text(b, e[i].actor);
			html_raw(b, "</td><td><code>");
			html_text(b, e[i].action);
			html_raw(b, "</code></td><td>");
			bool linked = strcmp(e[i].target_type, "genre") == 0 ||
			              strcmp(e[i].target_type, "band") == 0;
			if (linked) {
				html_raw(b, "<a href=\"");
				html_url(b,
				         strcmp(e[i].target_type, "genre") == 0 ? "/genres/"
				                                                : "/bands/",
				         e[i].target_id);
				html_raw(b, "\">");
			}
			html_text(b, e[i].target_type);
			html_raw(b, " ");
			html_text(b, e[i].target_id);
			html_raw(b, linked ? "</a></td></tr>" : "</td></tr>");
		}
		html_raw(b, "</tbody></table>");
	}
	html_raw(b, "<p><a href=\"/admin/audit\">The whole audit log</a></p></section>");
}

void page_admin(struct request *req, struct response *resp)
{
	struct db *db = &req->worker->db;
	struct genres_admin_row *genres;
	struct bands_admin_row *bands;
	struct audit_entry *audit;
	size_t ngenres, nbands;
	int naudit, more;
	enum mg_err rc = db_genres_admin_list(db, req->arena, &genres, &ngenres);
	if (rc == MG_OK)
		rc = db_bands_admin_list(db, req->arena, &bands, &nbands);
	if (rc == MG_OK)
		rc = db_audit_list(db, req->arena, NULL, NULL, NULL, RECENT_AUDIT, 0, &audit,
		                   &naudit, &more);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	struct buf *b = resp->body;
	struct page p = {.title = "Admin", .body_class = "page-admin", .with_admin_script = 1};
	page_begin(req, resp, &p);
	const char *csrf = csrf_token(req, resp);
	html_raw(b,
	         "<article class=\"entity admin-overview\"><h1>Admin</h1><p class=\"admin-links\">"
	         "<a class=\"button\" href=\"/admin/genres/new\">Add a genre</a> "
	         "<a class=\"button\" href=\"/admin/bands/new\">Add a band</a> "
	         "<a href=\"/admin/users\">Users</a> <a href=\"/admin/audit\">Audit log</a></p>");
	recent_changes(b, audit, naudit);
	genres_table(req, b, csrf, genres, ngenres);
	bands_table(req, b, csrf, bands, nbands);
	html_raw(b, "</article>");
	layout_end(b);
}
