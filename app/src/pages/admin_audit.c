/* admin_audit.c: the audit log for admins: newest first, paged, filtered by actor or record. */
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/audit_detail.h"
#include "pages/pages.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PATH     "/admin/audit"
#define AUDIT_PER_PAGE 50
#define AUDIT_MAX_PAGE 100000 /* offset 5 million: far past any real log */
#define AUDIT_MAX_TEXT 128    /* the longest actor or target_id the table accepts */

/* The page's query: every field validated, "" when not given. */
struct audit_query {
	const char *actor, *type, *id;
	long page;
};

/* page_parse: the page number: absent or "" is 1; else 1 to AUDIT_MAX_PAGE in plain digits. */
static bool page_parse(const char *s, long *page)
{
	*page = 1;
	if (s == NULL || s[0] == '\0')
		return true;
	size_t n = strlen(s);
	if (n > 6 || strspn(s, "0123456789") != n)
		return false;
	*page = strtol(s, NULL, 10);
	return *page >= 1 && *page <= AUDIT_MAX_PAGE;
}

/* chars: the characters (code points) of UTF-8 s, as PostgreSQL's length() counts them. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* query_parse: the validated query, or the message of the 400 page. */
static const char *query_parse(const struct request *req, struct audit_query *q)
{
	const char *type;
	q->actor = params_get(&req->query, "actor");
	q->id = params_get(&req->query, "id");
	q->type = type = params_get(&req->query, "type");
	if (q->actor == NULL)
		q->actor = "";
	if (q->id == NULL)
		q->id = "";
	if (type == NULL)
		q->type = "";
	if (!page_parse(params_get(&req->query, "page"), &q->page))
		return "The page number must be a whole number from 1 to 100000.";
	if (chars(q->actor) > AUDIT_MAX_TEXT)
		return "The name to filter by is too long (128 characters at most).";
	if (chars(q->id) > AUDIT_MAX_TEXT)
		return "The record to filter by is too long (128 characters at most).";
	if (q->type[0] != '\0' && strcmp(q->type, "genre") != 0 && strcmp(q->type, "band") != 0 &&
	    strcmp(q->type, "user") != 0)
		return "The record type must be genre, band or user.";
	return NULL;
}

/* audit_href: the address of this page with the given filters and page (escaped for an
 * attribute); empty filters and page 1 are left out. */
static void audit_href(struct request *req, struct buf *b, const char *actor, const char *type,
                       const char *id, long page)
{
	const char *names[] = {"actor", "type", "id", "page"};
	const char *values[] = {actor, type, id,
	                        page > 1 ? arena_sprintf(req->arena, "%ld", page) : NULL};
	bool any = false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (values[i] == NULL || values[i][0] == '\0')
			continue;
		html_url(b,
		         arena_sprintf(req->arena, "%s%s=", any ? "&" : AUDIT_PATH "?", names[i]),
		         values[i]);
		any = true;
	}
	if (!any)
		html_raw(b, AUDIT_PATH);
}

static void type_option(struct buf *b, const char *value, const char *label, const char *current)
{
	html_raw(b, "<option value=\"");
	html_attr(b, value);
	html_raw(b, strcmp(value, current) == 0 ? "\" selected>" : "\">");
	html_text(b, label);
	html_raw(b, "</option>");
}

static void filter_form(struct buf *b, const struct audit_query *q)
{
	html_raw(b, "<form class=\"form audit-filter\" method=\"get\" action=\"" AUDIT_PATH "\">"
	            "<div class=\"field\"><label for=\"f-actor\">Who</label><input type=\"text\" "
	            "name=\"actor\" id=\"f-actor\" maxlength=\"128\" value=\"");
	html_attr(b, q->actor);
	html_raw(b, "\"></div><div class=\"field\"><label for=\"f-type\">Record type</label>"
	            "<select name=\"type\" id=\"f-type\">");
	type_option(b, "", "Any", q->type);
	type_option(b, "genre", "Genre", q->type);
	type_option(b, "band", "Band", q->type);
	type_option(b, "user", "User", q->type);
	html_raw(b, "</select></div><div class=\"field\"><label for=\"f-id\">Record (slug or "
	            "user id)</label><input type=\"text\" name=\"id\" id=\"f-id\" "
	            "maxlength=\"128\" value=\"");
	html_attr(b, q->id);
	html_raw(b, "\"></div><div class=\"audit-filter-actions\"><button class=\"button\" "
	            "type=\"submit\">Filter</button> <a href=\"" AUDIT_PATH "\">Clear</a></div>"
	            "</form>");
}

/* record_cell: the record an entry is about, linked to its page when it has one, and to its
 * own history in the log. */
static void record_cell(struct request *req, struct buf *b, const struct audit_entry *e)
{
	const char *page = strcmp(e->target_type, "genre") == 0  ? "/genres/"
	                   : strcmp(e->target_type, "band") == 0 ? "/bands/"
	                                                         : NULL;
	const char *verb = strchr(e->action, '.');
	bool gone = verb != NULL && strcmp(verb, ".delete") == 0;
	html_raw(b, "<span class=\"tag\">");
	html_text(b, e->target_type);
	html_raw(b, "</span> ");
	if (page != NULL && !gone) {
		html_link(b, page, e->target_id, e->target_id);
	} else {
		html_text(b, e->target_id);
	}
	html_raw(b, " <a class=\"audit-history\" href=\"");
	audit_href(req, b, NULL, e->target_type, e->target_id, 1);
	html_raw(b, "\">history</a>");
}

static void entries_table(struct request *req, struct buf *b, const struct audit_entry *e, int n)
{
	html_raw(b, "<table class=\"data-table audit-table\"><thead><tr><th>When</th><th>Who</th>"
	            "<th>Action</th><th>Record</th><th>Changes</th></tr></thead><tbody>");
	for (int i = 0; i < n; i++) {
		html_raw(b, "<tr><td class=\"audit-when\">");
		html_text(b, e[i].at);
		html_raw(b, "</td><td><a href=\"");
		audit_href(req, b, e[i].actor, NULL, NULL, 1);
		html_raw(b, "\">");
		html_text(b, e[i].actor);
		html_raw(b, "</a></td><td><code>");
		html_text(b, e[i].action);
		html_raw(b, "</code></td><td class=\"audit-record\">");
		record_cell(req, b, &e[i]);
		html_raw(b, "</td><td class=\"audit-detail-cell\">");
		audit_detail_html(req->arena, b, e[i].detail);
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table>");
}

static void pager(struct request *req, struct buf *b, const struct audit_query *q, bool more)
{
	if (q->page == 1 && !more)
		return;
	html_raw(b, "<nav class=\"pager\" aria-label=\"Audit log pages\">");
	if (q->page > 1) {
		html_raw(b, "<a rel=\"prev\" href=\"");
		audit_href(req, b, q->actor, q->type, q->id, q->page - 1);
		html_raw(b, "\">&larr; Newer</a>");
	}
	html_raw(b, " <span class=\"pager-current\">Page ");
	html_int(b, q->page);
	html_raw(b, "</span> ");
	if (more) {
		html_raw(b, "<a rel=\"next\" href=\"");
		audit_href(req, b, q->actor, q->type, q->id, q->page + 1);
		html_raw(b, "\">Older &rarr;</a>");
	}
	html_raw(b, "</nav>");
}

void page_admin_audit(struct request *req, struct response *resp)
{
	struct audit_query q;
	const char *problem = query_parse(req, &q);
	if (problem != NULL) {
		page_error(req, resp, 400, problem);
		return;
	}
	struct audit_entry *entries;
	int n, more;
	enum mg_err rc =
	    db_audit_list(&req->worker->db, req->arena, q.actor, q.type, q.id, AUDIT_PER_PAGE,
	                  (q.page - 1) * AUDIT_PER_PAGE, &entries, &n, &more);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	struct buf *b = resp->body;
	struct page p = {.title = "Audit log", .body_class = "page-admin-audit"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity admin-audit\"><h1>Audit log</h1><p class=\"muted\">"
	            "Every change of genres, bands and admin rights, newest first. "
	            "<a href=\"/admin/users\">Users</a></p>");
	filter_form(b, &q);
	if (n == 0) {
		html_raw(b, q.page > 1 ? "<p class=\"audit-empty\">No entries on this page.</p>"
		                       : "<p class=\"audit-empty\">No entries.</p>");
	} else {
		long first = (q.page - 1) * AUDIT_PER_PAGE + 1;
		html_raw(b, "<p class=\"audit-range muted\">Entries ");
		html_int(b, first);
		html_raw(b, "&ndash;");
		html_int(b, first + n - 1);
		html_raw(b, ".</p>");
		entries_table(req, b, entries, n);
	}
	pager(req, b, &q, more != 0);
	html_raw(b, "</article>");
	layout_end(b);
}
