/* session.h: who is making this request: the session cookie → the session row → the user. */
#ifndef MG_AUTH_SESSION_H
#define MG_AUTH_SESSION_H

#include "core/mg.h"

struct request;
struct response;
struct user;

/* session_load: look up the request's session cookie and set req->user and req->session.
 * A missing, malformed, expired or unknown cookie leaves both NULL (and MG_OK); only a
 * database failure is an error. Refreshes last_seen_at at most once a minute. */
enum mg_err session_load(struct request *req);
/* session_start: a brand-new session for user (never a token the client sent), with its
 * cookie; sets req->user and req->session. */
enum mg_err session_start(struct request *req, struct response *resp, const struct user *user);
/* session_end: delete the request's session row and clear the cookie. */
enum mg_err session_end(struct request *req, struct response *resp);

#endif
