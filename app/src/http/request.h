/* request.h: one HTTP request as the worker sees it, parsed once from the FastCGI params. */
#ifndef MG_REQUEST_H
#define MG_REQUEST_H

#include "http/decode.h"

#include <stddef.h>

struct arena;
struct worker;
struct user;
struct session;

struct request {
	struct arena *arena;
	struct worker *worker; /* the worker's state: config, database, caches */
	char **envp;           /* the FastCGI params (NAME=value strings) */
	void *in;              /* FCGX_Stream * of the body, or NULL in tests */
	const char *method;    /* "GET", "POST", ...; HEAD is routed as GET */
	int head;              /* 1 for HEAD: headers only */
	const char *path;      /* percent-decoded, valid UTF-8, no NUL */
	const char *raw_query; /* as sent, "" when absent */
	struct params query;   /* decoded query parameters */
	struct params form;    /* decoded urlencoded body (POST) */
	struct params cookies;
	const char *remote_addr;
	const char *request_id;  /* shared with nginx's access log (server/request_log.c) */
	const char *route_arg;   /* the ":slug" part of the matched route, or NULL */
	const char *error;       /* why parsing failed, for the 4xx page */
	struct user *user;       /* the logged-in user, or NULL (loaded once per request) */
	struct session *session; /* the user's session, or NULL */
	const char *csrf_cookie; /* the anonymous double-submit token (sent or new), or NULL */
	const char *flash_key;   /* the flash cookie's key (sent or new), or NULL */
};

/* request_param: a FastCGI parameter ("HTTP_COOKIE", "REQUEST_URI", ...) or NULL. */
const char *request_param(const struct request *req, const char *name);

/* request_parse: fill req from its envp (and read the body from req->in for POST).
 * Returns 0 when the request is usable, else the HTTP status to answer (400 or 413) with
 * req->error set. max_body bounds the body in bytes. */
int request_parse(struct request *req, long max_body);

/* request_drain_body: read and discard what is left of the body, so that a kept-alive
 * FastCGI connection never sees a stale record of this request. */
void request_drain_body(struct request *req);

#endif
