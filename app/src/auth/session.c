/* session.c: server-side sessions keyed by the SHA-256 of a random cookie token. */
#include "auth/session.h"
#include "auth/cookie.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/config.h"
#include "db/sessions.h"
#include "http/request.h"
#include "server/worker.h"

#include <string.h>

#define TOUCH_AFTER_SECONDS 60 /* last_seen_at is refreshed at most this often */

enum mg_err session_load(struct request *req)
{
	const char *token = params_get(&req->cookies, COOKIE_SESSION);
	if (!token_valid(token))
		return MG_OK;
	struct worker *w = req->worker;
	unsigned char hash[32];
	token_hash(token, hash);
	struct session *s = arena_calloc(req->arena, 1, sizeof(*s));
	struct user *u = arena_calloc(req->arena, 1, sizeof(*u));
	enum mg_err rc = db_session_load(&w->db, req->arena, hash, w->cfg->session_idle, s, u);
	if (rc == MG_ERR_NOT_FOUND)
		return MG_OK;
	if (rc != MG_OK)
		return rc;
	if (s->idle_seconds >= TOUCH_AFTER_SECONDS)
		db_session_touch(&w->db, req->arena, s->id); /* best effort */
	req->session = s;
	req->user = u;
	return MG_OK;
}

enum mg_err session_start(struct request *req, struct response *resp, const struct user *user)
{
	struct worker *w = req->worker;
	char token[TOKEN_CHARS + 1], csrf[TOKEN_CHARS + 1];
	if (token_new(token) != MG_OK || token_new(csrf) != MG_OK)
		return MG_ERR_INTERNAL;
	unsigned char hash[32];
	token_hash(token, hash);
	const char *ua = request_param(req, "HTTP_USER_AGENT");
	long long id;
	enum mg_err rc =
	    db_session_create(&w->db, req->arena, hash, user->id, csrf, w->cfg->session_max,
	                      ua ? ua : "", req->remote_addr, &id);
	if (rc != MG_OK)
		return rc;
	struct session *s = arena_calloc(req->arena, 1, sizeof(*s));
	s->id = id;
	s->csrf_token = arena_strdup(req->arena, csrf);
	req->session = s;
	req->user = arena_memdup(req->arena, user, sizeof(*user));
	cookie_set(resp, req->arena, COOKIE_SESSION, arena_strdup(req->arena, token),
	           w->cfg->session_max);
	return MG_OK;
}

enum mg_err session_end(struct request *req, struct response *resp)
{
	enum mg_err rc = MG_OK;
	if (req->session != NULL)
		rc = db_session_delete(&req->worker->db, req->arena, req->session->id);
	cookie_set(resp, req->arena, COOKIE_SESSION, "", 0);
	req->session = NULL;
	req->user = NULL;
	return rc;
}
