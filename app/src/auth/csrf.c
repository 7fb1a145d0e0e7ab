/* csrf.c: session-bound CSRF tokens, double-submit cookies before login, Origin checks. */
#include "auth/csrf.h"
#include "auth/cookie.h"
#include "auth/token.h"
#include "core/arena.h"
#include "db/sessions.h"
#include "http/request.h"

#include <string.h>

const char *csrf_token(struct request *req, struct response *resp)
{
	if (req->session != NULL)
		return req->session->csrf_token;
	if (req->csrf_cookie != NULL)
		return req->csrf_cookie;
	const char *sent = params_get(&req->cookies, COOKIE_CSRF);
	if (token_valid(sent)) {
		req->csrf_cookie = sent;
		return sent;
	}
	char fresh[TOKEN_CHARS + 1];
	if (token_new(fresh) != MG_OK)
		return NULL;
	req->csrf_cookie = arena_strdup(req->arena, fresh);
	cookie_set(resp, req->arena, COOKIE_CSRF, req->csrf_cookie, -1);
	return req->csrf_cookie;
}

/* origin_ok: no Origin header, or exactly https://<Host>. */
static bool origin_ok(const struct request *req)
{
	const char *origin = request_param(req, "HTTP_ORIGIN");
	if (origin == NULL)
		return true;
	const char *host = request_param(req, "HTTP_HOST");
	if (host == NULL || strncmp(origin, "https://", 8) != 0)
		return false;
	return strcmp(origin + 8, host) == 0;
}

bool csrf_check(const struct request *req)
{
	const char *site = request_param(req, "HTTP_SEC_FETCH_SITE");
	if (site != NULL && strcmp(site, "cross-site") == 0)
		return false;
	if (!origin_ok(req))
		return false;
	const char *sent = params_get(&req->form, CSRF_FIELD);
	if (sent == NULL)
		return false;
	const char *expected =
	    req->session ? req->session->csrf_token : params_get(&req->cookies, COOKIE_CSRF);
	if (expected == NULL || !token_valid(expected))
		return false;
	return token_equal(sent, expected);
}
