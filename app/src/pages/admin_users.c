/* admin_users.c: the admin's list of users and the button that grants or removes admin rights. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/users.h"
#include "db/users_admin.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"

#include <stdlib.h>
#include <string.h>

#define USERS_PATH "/admin/users"

/* user_id_parse: a route argument of 1 to 18 decimal digits (no sign, no spaces) as an id. */
static bool user_id_parse(const char *s, long long *id)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
		return false;
	*id = strtoll(s, NULL, 10);
	return *id > 0;
}

/* toggle_form: the one-button form that flips row's admin flag; make_admin says which way the
 * page meant it, so that a stale page cannot flip the flag back. */
static void toggle_form(struct request *req, struct buf *b, const struct users_admin_row *row,
                        const char *csrf)
{
	html_raw(b, "<form class=\"inline-form\" method=\"post\" action=\"");
	html_attr(b, arena_sprintf(req->arena, USERS_PATH "/%lld/toggle-admin", row->id));
	html_raw(b, "\"><input type=\"hidden\" name=\"csrf_token\" value=\"");
	html_attr(b, csrf);
	html_raw(b, "\"><input type=\"hidden\" name=\"make_admin\" value=\"");
	html_raw(b, row->is_admin ? "0" : "1");
	html_raw(b, row->is_admin ? "\"><button class=\"button button-small button-danger\" "
	                            "type=\"submit\">Remove admin</button></form>"
	                          : "\"><button class=\"button button-small\" type=\"submit\">"
	                            "Make admin</button></form>");
}

void page_admin_users(struct request *req, struct response *resp)
{
	struct users_admin_row *rows;
	int n;
	enum mg_err rc = db_users_admin_list(&req->worker->db, req->arena, &rows, &n);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	struct buf *b = resp->body;
	struct page p = {.title = "Users", .body_class = "page-admin-users"};
	page_begin(req, resp, &p);
	const char *csrf = csrf_token(req, resp);
	html_raw(b, "<article class=\"entity admin-users\"><h1>Users</h1><p class=\"muted\">");
	html_int(b, n);
	html_raw(b, n == 1 ? " user" : " users");
	html_raw(b, ", newest first. Changes of admin rights are recorded in the "
	            "<a href=\"/admin/audit?type=user\">audit log</a>.</p>"
	            "<table class=\"data-table admin-users-table\"><thead><tr><th>Username</th>"
	            "<th>Email</th><th>Admin</th><th>Created</th><th>Last login</th>"
	            "<th>Admin rights</th></tr></thead><tbody>");
	for (int i = 0; i < n; i++) {
		const struct users_admin_row *row = &rows[i];
		html_raw(b, "<tr><td class=\"admin-user-name\"><a href=\"");
		html_url(b,
		         "/admin/audit?type=user&id=", arena_sprintf(req->arena, "%lld", row->id));
		html_raw(b, "\" title=\"This user's entries in the audit log\">");
		html_text(b, row->username);
		html_raw(b, "</a></td><td class=\"admin-user-email\">");
		html_text(b, row->email);
		html_raw(b, row->is_admin
		                ? "</td><td><span class=\"admin-flag is-admin\">Yes</span>"
		                : "</td><td><span class=\"admin-flag\">No</span>");
		html_raw(b, "</td><td>");
		html_text(b, row->created_at);
		html_raw(b, "</td><td>");
		if (row->last_login_at != NULL)
			html_text(b, row->last_login_at);
		else
			html_raw(b, "<span class=\"muted\">never</span>");
		html_raw(b, "</td><td>");
		if (row->id == req->user->id)
			html_raw(b, "<span class=\"admin-you\">You</span>");
		else
			toggle_form(req, b, row, csrf);
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table></article>");
	layout_end(b);
}

void page_admin_users_toggle_post(struct request *req, struct response *resp)
{
	long long id;
	if (!user_id_parse(req->route_arg, &id)) {
		page_error(req, resp, 404, "There is no such user.");
		return;
	}
	/* "1" or "0" from our form; absent means flip whatever the flag is now */
	const char *make = params_get(&req->form, "make_admin");
	int want = -1;
	if (make != NULL && strcmp(make, "1") == 0) {
		want = 1;
	} else if (make != NULL && strcmp(make, "0") == 0) {
		want = 0;
	} else if (make != NULL) {
		page_error(req, resp, 400, "make_admin must be 1 or 0.");
		return;
	}
	struct users_admin_change c;
	enum mg_err rc = db_users_admin_set_admin(&req->worker->db, req->arena, req->user->id,
	                                          req->user->username, id, want, &c);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	const char *category = "error", *message = NULL, *to = USERS_PATH;
	switch (c.outcome) {
	case USERS_ADMIN_NOT_FOUND:
		page_error(req, resp, 404, "There is no such user.");
		return;
	case USERS_ADMIN_ACTOR_NOT_ADMIN:
		message = "Admin access required.";
		to = "/";
		break;
	case USERS_ADMIN_LAST_ADMIN:
		message = "Cannot remove the last admin";
		break;
	case USERS_ADMIN_SELF:
		message = "You cannot change your own admin status";
		break;
	case USERS_ADMIN_UNCHANGED:
		category = "info";
		message = arena_sprintf(req->arena,
		                        c.before ? "%s is already an admin" : "%s is not an admin",
		                        c.username);
		break;
	case USERS_ADMIN_CHANGED:
		category = "success";
		message = arena_sprintf(req->arena,
		                        c.after ? "Admin rights granted for %s"
		                                : "Admin rights removed for %s",
		                        c.username);
		break;
	}
	if (message != NULL)
		flash_add(req, resp, category, message);
	response_redirect(resp, 303, to);
}
