/* pages.h: the route table, the request handlers and the helpers they share. */
#ifndef MG_PAGES_H
#define MG_PAGES_H

#include "core/mg.h"
#include "http/router.h"

#include <stdbool.h>
#include <stddef.h>

struct graph;
struct request;
struct response;

/* The application's routes, in match order. */
extern const struct route routes[];
extern const size_t routes_count;

/* page_error: an error page (HTML, or JSON for /api/ paths) with status and a message in
 * plain words. message is escaped; NULL uses the status's standard phrase. */
void page_error(struct request *req, struct response *resp, int status, const char *message);
/* page_fail: the error page for an internal error code (503 for the database, 504 for a
 * timeout, 500 otherwise). */
void page_fail(struct request *req, struct response *resp, enum mg_err rc);
/* page_begin: the layout's opening for this request's viewer (navigation by role, the
 * flash messages waiting for this browser). */
struct page;
void page_begin(struct request *req, struct response *resp, const struct page *p);
/* page_graph: the current graph, or NULL after answering 503 itself. */
const struct graph *page_graph(struct request *req, struct response *resp);

void page_home(struct request *req, struct response *resp);
void page_api_graph(struct request *req, struct response *resp);
void page_genre_index(struct request *req, struct response *resp);
void page_genre_show(struct request *req, struct response *resp);
void page_band_index(struct request *req, struct response *resp);
void page_band_show(struct request *req, struct response *resp);
void page_search(struct request *req, struct response *resp);
void page_healthz(struct request *req, struct response *resp);
void page_login(struct request *req, struct response *resp);
void page_login_post(struct request *req, struct response *resp);
void page_logout_post(struct request *req, struct response *resp);
void page_register(struct request *req, struct response *resp);
void page_register_post(struct request *req, struct response *resp);
void page_account(struct request *req, struct response *resp);
void page_account_password_post(struct request *req, struct response *resp);
void page_account_session_end_post(struct request *req, struct response *resp);
void page_account_end_others_post(struct request *req, struct response *resp);
void page_admin_users(struct request *req, struct response *resp);
void page_admin_users_toggle_post(struct request *req, struct response *resp);
void page_admin_audit(struct request *req, struct response *resp);
void page_admin(struct request *req, struct response *resp);
void page_admin_genre_new(struct request *req, struct response *resp);
void page_admin_genre_new_post(struct request *req, struct response *resp);
void page_admin_genre_edit(struct request *req, struct response *resp);
void page_admin_genre_edit_post(struct request *req, struct response *resp);
void page_admin_genre_delete_post(struct request *req, struct response *resp);
void page_admin_band_new(struct request *req, struct response *resp);
void page_admin_band_new_post(struct request *req, struct response *resp);
void page_admin_band_edit(struct request *req, struct response *resp);
void page_admin_band_edit_post(struct request *req, struct response *resp);
void page_admin_band_delete_post(struct request *req, struct response *resp);

/* safe_next: next when it is a path on this site ("/x", not "//x", "/\x" or with control
 * characters), else "/": the only redirect targets taken from a request. */
const char *safe_next(const char *next);
/* password_rules: the rules for a new password (presence, policy, confirmation) shared by
 * registration and the account page; returns the password's problem or NULL and sets
 * *confirm_error when the confirmation differs. */
const char *password_rules(struct request *req, const char *password, const char *confirm,
                           const char *username, const char *email, const char **confirm_error);

/* ---- the pieces the admin genre and band forms share (pages/admin.c) ---- */
struct arena;
struct buf;

/* admin_script: the admin pages' static script (auto-slug, select filters, table sorting and
 * filtering, confirmations); every page works without it. */
void admin_script(struct buf *b);
/* admin_genres_by_name: the indices of g's genres sorted by name (ASCII case-insensitive,
 * then id), an arena array of g->ngenres. */
size_t *admin_genres_by_name(struct arena *a, const struct graph *g);
/* A <select> over every genre, in the order admin_genres_by_name gives. */
struct admin_select {
	const char *name, *label, *hint, *error; /* hint and error may be NULL */
	int multiple;                            /* else single, with an empty first option: */
	const char *empty;                       /* its text */
	const char *const *selected;             /* the ids shown selected */
	size_t nselected;
	const char *exclude; /* a genre id left out (the genre being edited), or NULL */
	/* single: the name of the multiple select that admin.js keeps in step, or NULL */
	const char *also_select;
};
void admin_genre_select(struct buf *b, const struct graph *g, const size_t *order,
                        const struct admin_select *s);
/* admin_slug_field: the id (slug) input, or when !editable a read-only copy without a name. */
void admin_slug_field(struct buf *b, const char *label, const char *value, const char *error,
                      bool editable);
/* admin_description_field: the Markdown textarea and, when preview, the rendered Markdown. */
void admin_description_field(struct buf *b, const char *value, const char *error, bool preview);
/* admin_form_end: Save (the default button), Preview (name="preview" value="1"), Cancel, and
 * </form>. */
void admin_form_end(struct buf *b, const char *save);
/* admin_delete_button: a one-button POST form to action with the CSRF token, the version and
 * an empty "confirm" field that admin.js sets to 1 after confirm(confirm_text); without it the
 * handler answers with a confirmation page first. */
void admin_delete_button(struct buf *b, const char *action, const char *csrf, long version,
                         const char *confirm_text, const char *label);
/* admin_name_clean: name without surrounding blanks (arena), *problem set when it is empty,
 * over 200 characters or holds a control character. */
const char *admin_name_clean(struct arena *a, const char *name, const char **problem);
/* admin_description_clean: md with CRLF as LF (arena), *problem set when over 20,000
 * characters. */
const char *admin_description_clean(struct arena *a, const char *md, const char **problem);
/* admin_unique: the non-empty strings of v without repeats, in order (arena array). */
const char **admin_unique(struct arena *a, const char *const *v, size_t n, size_t *out_n);
/* admin_version_parse: a form's version (1 to 9 digits, > 0); false (and 0) otherwise. */
bool admin_version_parse(const char *s, long *version);
/* admin_name_list: "A, B, C" (at most 20, then " and N more"), in the arena. */
const char *admin_name_list(struct arena *a, const char *const *names, size_t n);

#endif
