/* auth.c: log in, register and log out. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "auth/session.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "db/throttle.h"
#include "db/users.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/form.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"
#include "util/account.h"
#include "util/password.h"
#include "util/strength.h"

#include <stdio.h>
#include <string.h>

#define MAX_ERRORS 8

const char *safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/')
		return "/";
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p < 0x21 || *p >= 0x7f || *p == '\\')
			return "/"; /* browsers drop tabs and read \ as /: "/\t/x" is "//x" */
	return next;
}

/* ---- log in ---- */

static void login_form(struct request *req, struct response *resp, const char *username,
                       const char *error)
{
	struct buf *b = resp->body;
	struct page p = {.title = "Log in", .body_class = "page-login"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity narrow\"><h1>Log in</h1>");
	if (error)
		form_errors(b, &error, 1);
	form_begin(b, "/login", csrf_token(req, resp));
	const char *next = params_get(&req->form, "next");
	if (next == NULL)
		next = params_get(&req->query, "next");
	form_field(b, &(struct field){"hidden", "next", NULL, safe_next(next), NULL, NULL, 0});
	form_field(b, &(struct field){"text", "username", "Username or email", username, NULL,
	                              "username", 1});
	form_field(b, &(struct field){"password", "password", "Password", NULL, NULL,
	                              "current-password", 1});
	form_end(b, "Log in");
	if (strcmp(req->worker->cfg->registration, "open") == 0)
		html_raw(b, "<p>No account yet? <a href=\"/register\">Register</a>.</p>");
	html_raw(b, "</article>");
	layout_end(b);
}

void page_login(struct request *req, struct response *resp)
{
	if (req->user != NULL) {
		response_redirect(resp, 302, "/");
		return;
	}
	login_form(req, resp, NULL, NULL);
}

static void too_many(struct request *req, struct response *resp, long retry_after)
{
	if (retry_after < 1)
		retry_after = 1;
	page_error(req, resp, 429,
	           arena_sprintf(req->arena,
	                         "Too many failed logins. Wait %ld minute%s, then try again.",
	                         (retry_after + 59) / 60, (retry_after + 59) / 60 == 1 ? "" : "s"));
	response_header(resp, "Retry-After", arena_sprintf(req->arena, "%ld", retry_after));
}

/* account_key: what failed logins are counted against: the account when it exists (so its
 * username and email share one count), else a digest of the name that was tried (fixed
 * length, whatever was typed). */
static const char *account_key(struct arena *a, const struct user *u, const char *login)
{
	if (u != NULL)
		return arena_sprintf(a, "user:%lld", u->id);
	char *lower = arena_strdup(a, login);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	unsigned char d[32];
	token_hash(lower, d);
	char *k = arena_alloc(a, 6 + 32 + 1);
	memcpy(k, "login:", 6);
	for (int i = 0; i < 16; i++)
		snprintf(k + 6 + 2 * i, 3, "%02x", d[i]);
	return k;
}

void page_login_post(struct request *req, struct response *resp)
{
	if (req->user != NULL) {
		response_redirect(resp, 303, "/");
		return;
	}
	struct worker *w = req->worker;
	const struct config *cfg = w->cfg;
	const char *login = params_get(&req->form, "username");
	const char *password = params_get(&req->form, "password");
	if (login == NULL || login[0] == '\0' || password == NULL || password[0] == '\0') {
		resp->status = 422;
		login_form(req, resp, login, "Enter your username (or email) and your password.");
		return;
	}
	size_t plen = strlen(password);
	struct user found, *u = NULL;
	enum mg_err rc = db_user_get_by_login(&w->db, req->arena, login, &found);
	if (rc == MG_OK)
		u = &found;
	else if (rc != MG_ERR_NOT_FOUND) {
		page_fail(req, resp, rc);
		return;
	}
	const char *key = account_key(req->arena, u, login);
	struct throttle_counts tc;
	rc = db_throttle_counts(&w->db, req->arena, key, req->remote_addr, cfg->login_window, &tc);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	/* refused before any hashing, so a flood of guesses cannot eat the CPU */
	if (tc.account_failures >= cfg->login_max_account) {
		too_many(req, resp, tc.account_retry_after);
		return;
	}
	if (tc.ip_failures >= cfg->login_max_ip) {
		too_many(req, resp, tc.ip_retry_after);
		return;
	}

	enum password_verdict v = PASSWORD_MISMATCH;
	worker_before_slow_work(w); /* the hash below takes ~140 ms, real or dummy */
	if (u == NULL || plen > PASSWORD_MAX_BYTES)
		password_dummy_verify(password, plen > PASSWORD_MAX_BYTES ? 0 : plen,
		                      cfg->pbkdf2_iterations);
	else
		v = password_verify(password, plen, u->password_hash, cfg->pbkdf2_iterations);
	if (v == PASSWORD_UNSUPPORTED) {
		db_throttle_record_failure(&w->db, req->arena, key, req->remote_addr);
		resp->status = 401;
		login_form(
		    req, resp, login,
		    "This account's password was stored in a form this version cannot check. "
		    "Ask an administrator to set a new one (musicgraph-admin set-password).");
		return;
	}
	if (v == PASSWORD_MISMATCH) {
		db_throttle_record_failure(&w->db, req->arena, key, req->remote_addr);
		resp->status = 401;
		login_form(req, resp, login, "Invalid username or password.");
		return;
	}
	if (v == PASSWORD_OK_REHASH) {
		char hash[PASSWORD_HASH_MAX];
		if (password_hash(password, plen, cfg->pbkdf2_iterations, hash, sizeof(hash)) ==
		    MG_OK)
			db_user_replace_password_hash(&w->db, req->arena, u->id, u->password_hash,
			                              hash);
	}
	db_throttle_reset_account(&w->db, req->arena, key);
	db_user_logged_in(&w->db, req->arena, u->id);
	rc = session_start(req, resp, u);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	flash_add(req, resp, "success",
	          arena_sprintf(req->arena, "Welcome back, %s!", u->username));
	response_redirect(resp, 303, safe_next(params_get(&req->form, "next")));
}

/* ---- log out ---- */

void page_logout_post(struct request *req, struct response *resp)
{
	enum mg_err rc = session_end(req, resp);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	flash_add(req, resp, "info", "You have been logged out.");
	response_redirect(resp, 303, "/");
}

/* ---- register ---- */

struct signup {
	const char *username, *email, *password, *confirm;
	const char *errors[MAX_ERRORS];
	const char *username_error, *email_error, *password_error, *confirm_error;
	int nerrors;
};

static void add_error(struct signup *s, const char **slot, const char *message)
{
	if (*slot == NULL)
		*slot = message;
	if (s->nerrors < MAX_ERRORS)
		s->errors[s->nerrors++] = message;
}

static void register_page(struct request *req, struct response *resp, const struct signup *s)
{
	struct buf *b = resp->body;
	struct page p = {.title = "Register", .body_class = "page-register"};
	page_begin(req, resp, &p);
	html_raw(b, "<article class=\"entity narrow\"><h1>Create an account</h1>");
	if (strcmp(req->worker->cfg->registration, "open") != 0) {
		html_raw(b, "<p>Registration is closed on this site. Ask an administrator for an "
		            "account.</p></article>");
		layout_end(b);
		return;
	}
	form_errors(b, s->errors, s->nerrors);
	form_begin(b, "/register", csrf_token(req, resp));
	form_field(b, &(struct field){"text", "username", "Username", s->username,
	                              s->username_error, "username", 1});
	form_field(
	    b, &(struct field){"email", "email", "Email", s->email, s->email_error, "email", 1});
	form_field(b, &(struct field){"password", "password", "Password", NULL, s->password_error,
	                              "new-password", 1});
	form_field(b, &(struct field){"password", "password_confirm", "Repeat the password", NULL,
	                              s->confirm_error, "new-password", 1});
	html_raw(b, "<p class=\"hint\">At least ");
	html_int(b, req->worker->cfg->password_min);
	html_raw(b, " characters. A few unrelated words make a strong password.</p>");
	form_end(b, "Create account");
	html_raw(b, "<p>Already have an account? <a href=\"/login\">Log in</a>.</p></article>");
	layout_end(b);
}

void page_register(struct request *req, struct response *resp)
{
	if (req->user != NULL) {
		response_redirect(resp, 302, "/");
		return;
	}
	struct signup s = {0};
	register_page(req, resp, &s);
}

/* password_rules: the checks shared by registration and password change. */
const char *password_rules(struct request *req, const char *password, const char *confirm,
                           const char *username, const char *email, const char **confirm_error)
{
	const char *problem = NULL;
	*confirm_error = NULL;
	if (password == NULL || password[0] == '\0')
		return "Password is required";
	if (confirm == NULL || strcmp(password, confirm) != 0)
		*confirm_error = "Passwords do not match";
	if (password_policy_check(password, username, email, req->worker->cfg->password_min,
	                          req->arena, &problem) != MG_OK)
		return problem ? problem : "This password cannot be used.";
	return NULL;
}

static void validate_signup(struct request *req, struct signup *s)
{
	if (s->username[0] == '\0')
		add_error(s, &s->username_error, "Username is required");
	else if (!account_username_valid(s->username))
		add_error(s, &s->username_error,
		          "A username has 3 to 32 letters, digits, dots, hyphens or underscores");
	if (s->email[0] == '\0')
		add_error(s, &s->email_error, "Email is required");
	else if (!account_email_valid(s->email))
		add_error(s, &s->email_error, "Enter an email address such as name@example.org");
	const char *confirm_error;
	const char *perr =
	    password_rules(req, s->password, s->confirm, s->username, s->email, &confirm_error);
	if (perr)
		add_error(s, &s->password_error, perr);
	if (confirm_error)
		add_error(s, &s->confirm_error, confirm_error);
}

static enum mg_err check_taken(struct request *req, struct signup *s)
{
	if (s->username_error || s->email_error)
		return MG_OK;
	bool utaken, etaken;
	enum mg_err rc =
	    db_user_taken(&req->worker->db, req->arena, s->username, s->email, &utaken, &etaken);
	if (rc != MG_OK)
		return rc;
	if (utaken)
		add_error(s, &s->username_error,
		          arena_sprintf(req->arena, "Username '%s' is already taken", s->username));
	if (etaken)
		add_error(s, &s->email_error,
		          arena_sprintf(req->arena, "Email '%s' is already registered", s->email));
	return MG_OK;
}

void page_register_post(struct request *req, struct response *resp)
{
	struct worker *w = req->worker;
	if (strcmp(w->cfg->registration, "open") != 0) {
		page_error(req, resp, 403, "Registration is closed on this site.");
		return;
	}
	if (req->user != NULL) {
		response_redirect(resp, 303, "/");
		return;
	}
	struct signup s = {0};
	const char *f;
	s.username = (f = params_get(&req->form, "username")) ? f : "";
	s.email = (f = params_get(&req->form, "email")) ? f : "";
	s.password = params_get(&req->form, "password");
	s.confirm = params_get(&req->form, "password_confirm");
	validate_signup(req, &s);
	enum mg_err rc = check_taken(req, &s);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	char hash[PASSWORD_HASH_MAX];
	long long id = 0;
	if (s.nerrors == 0) {
		worker_before_slow_work(w);
		rc = password_hash(s.password, strlen(s.password), w->cfg->pbkdf2_iterations, hash,
		                   sizeof(hash));
		if (rc == MG_OK)
			rc = db_user_create(&w->db, req->arena, s.username, s.email, hash, false,
			                    &id);
		if (rc == MG_ERR_CONFLICT) {
			/* another registration won the race: the unique index decided */
			rc = check_taken(req, &s);
			if (s.nerrors == 0)
				add_error(&s, &s.username_error, "That account already exists.");
		}
		if (rc != MG_OK && rc != MG_ERR_CONFLICT) {
			page_fail(req, resp, rc);
			return;
		}
	}
	if (s.nerrors > 0) {
		resp->status = 422;
		register_page(req, resp, &s);
		return;
	}
	struct user u = {.id = id, .username = s.username, .email = s.email, .is_admin = false};
	rc = session_start(req, resp, &u);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	db_user_logged_in(&w->db, req->arena, id);
	flash_add(req, resp, "success",
	          arena_sprintf(req->arena, "Welcome, %s! Your account is ready.", s.username));
	response_redirect(resp, 303, "/");
}
