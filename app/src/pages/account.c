/* account.c: the account page: change the password, see and end sessions. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/sessions.h"
#include "db/users.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/form.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"
#include "util/password.h"

#include <stdlib.h>
#include <string.h>

struct pw_change {
	const char *current_error, *new_error, *confirm_error;
	const char *errors[3];
	int nerrors;
};

static void sessions_table(struct request *req, struct response *resp, const char *csrf)
{
	struct buf *b = resp->body;
	struct session_row *rows;
	int n;
	if (db_session_list(&req->worker->db, req->arena, req->user->id,
	                    req->worker->cfg->session_idle, &rows, &n) != MG_OK) {
		html_raw(b, "<p class=\"muted\">The session list is not available right now.</p>");
		return;
	}
	html_raw(b, "<table class=\"data-table\"><thead><tr><th>Started</th><th>Last seen</th>"
	            "<th>Browser</th><th>Address</th><th></th></tr></thead><tbody>");
	for (int i = 0; i < n; i++) {
		html_raw(b, "<tr><td>");
		html_text(b, rows[i].created_at);
		html_raw(b, "</td><td>");
		html_text(b, rows[i].last_seen_at);
		html_raw(b, "</td><td>");
		html_text(b, rows[i].user_agent);
		html_raw(b, "</td><td>");
		html_text(b, rows[i].ip);
		html_raw(b, "</td><td>");
		if (rows[i].id == req->session->id) {
			html_raw(b, "This session");
		} else {
			form_begin(
			    b, arena_sprintf(req->arena, "/account/sessions/%lld/end", rows[i].id),
			    csrf);
			form_end(b, "End");
		}
		html_raw(b, "</td></tr>");
	}
	html_raw(b, "</tbody></table>");
	if (n > 1) {
		form_begin(b, "/account/sessions/end-others", csrf);
		form_end(b, "End all other sessions");
	}
}

static void account_page(struct request *req, struct response *resp, const struct pw_change *c)
{
	struct buf *b = resp->body;
	struct page p = {.title = "Your account", .body_class = "page-account"};
	page_begin(req, resp, &p);
	const char *csrf = csrf_token(req, resp);
	html_raw(b, "<article class=\"entity\"><h1>Your account</h1><dl class=\"facts\">"
	            "<dt>Username</dt><dd>");
	html_text(b, req->user->username);
	html_raw(b, "</dd><dt>Email</dt><dd>");
	html_text(b, req->user->email);
	html_raw(b, "</dd><dt>Role</dt><dd>");
	html_raw(b, req->user->is_admin ? "Administrator" : "User");
	html_raw(b, "</dd></dl><h2>Change your password</h2>");
	form_errors(b, c->errors, c->nerrors);
	form_begin(b, "/account/password", csrf);
	form_field(b, &(struct field){"password", "current_password", "Current password", NULL,
	                              c->current_error, "current-password", 1});
	form_field(b, &(struct field){"password", "new_password", "New password", NULL,
	                              c->new_error, "new-password", 1});
	form_field(b, &(struct field){"password", "new_password_confirm", "Repeat the new password",
	                              NULL, c->confirm_error, "new-password", 1});
	form_end(b, "Change password");
	html_raw(b, "<p class=\"hint\">Changing the password ends your other sessions.</p>"
	            "<h2>Your sessions</h2>");
	sessions_table(req, resp, csrf);
	html_raw(b, "</article>");
	layout_end(b);
}

void page_account(struct request *req, struct response *resp)
{
	struct pw_change c = {0};
	account_page(req, resp, &c);
}

static void add(struct pw_change *c, const char **slot, const char *message)
{
	*slot = message;
	c->errors[c->nerrors++] = message;
}

void page_account_password_post(struct request *req, struct response *resp)
{
	struct worker *w = req->worker;
	struct pw_change c = {0};
	const char *current = params_get(&req->form, "current_password");
	const char *fresh = params_get(&req->form, "new_password");
	const char *confirm = params_get(&req->form, "new_password_confirm");
	struct user u;
	enum mg_err rc = db_user_get_by_login(&w->db, req->arena, req->user->username, &u);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	size_t clen = current ? strlen(current) : 0;
	enum password_verdict v = PASSWORD_MISMATCH;
	worker_before_slow_work(w); /* one or two password hashes below */
	if (current != NULL && clen <= PASSWORD_MAX_BYTES)
		v = password_verify(current, clen, u.password_hash, w->cfg->pbkdf2_iterations);
	/* only a verified password counts: UNSUPPORTED (a hash we cannot check) is no proof */
	if (v != PASSWORD_OK && v != PASSWORD_OK_REHASH)
		add(&c, &c.current_error, "Current password is incorrect");
	const char *confirm_error;
	const char *perr = password_rules(req, fresh, confirm, u.username, u.email, &confirm_error);
	if (perr)
		add(&c, &c.new_error, perr);
	if (confirm_error)
		add(&c, &c.confirm_error, confirm_error);
	if (c.nerrors > 0) {
		resp->status = 422;
		account_page(req, resp, &c);
		return;
	}
	char hash[PASSWORD_HASH_MAX];
	rc = password_hash(fresh, strlen(fresh), w->cfg->pbkdf2_iterations, hash, sizeof(hash));
	if (rc == MG_OK)
		rc = db_user_set_password_hash(&w->db, req->arena, u.id, hash);
	if (rc == MG_OK)
		rc = db_session_delete_others(&w->db, req->arena, u.id, req->session->id);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	flash_add(req, resp, "success",
	          "Your password has been changed, and your other sessions have ended.");
	response_redirect(resp, 303, "/account");
}

void page_account_session_end_post(struct request *req, struct response *resp)
{
	char *end;
	long long id = strtoll(req->route_arg, &end, 10);
	if (*end != '\0' || id <= 0) {
		page_error(req, resp, 404, "There is no such session.");
		return;
	}
	enum mg_err rc = db_session_delete_of_user(&req->worker->db, req->arena, req->user->id, id);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	flash_add(req, resp, "info", "The session has ended.");
	response_redirect(resp, 303, id == req->session->id ? "/" : "/account");
}

void page_account_end_others_post(struct request *req, struct response *resp)
{
	enum mg_err rc =
	    db_session_delete_others(&req->worker->db, req->arena, req->user->id, req->session->id);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	flash_add(req, resp, "info", "All your other sessions have ended.");
	response_redirect(resp, 303, "/account");
}
