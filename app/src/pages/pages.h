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
void page_metrics(struct request *req, struct response *resp);
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

/* The old application's paths: 301 to their new homes. */
void page_legacy_add_genre(struct request *req, struct response *resp);
void page_legacy_add_band(struct request *req, struct response *resp);
void page_legacy_edit_genre(struct request *req, struct response *resp);
void page_legacy_edit_band(struct request *req, struct response *resp);

/* safe_next: next when it is a path on this site ("/x", not "//x", "/\x" or with control
 * characters), else "/": the only redirect targets taken from a request. */
const char *safe_next(const char *next);
/* password_rules: the rules for a new password (presence, policy, confirmation) shared by
 * registration and the account page; returns the password's problem or NULL and sets
 * *confirm_error when the confirmation differs. */
const char *password_rules(struct request *req, const char *password, const char *confirm,
                           const char *username, const char *email, const char **confirm_error);

#endif
