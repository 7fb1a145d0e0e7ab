/* request.c: FastCGI params and body → struct request, validating every byte once. */
#include "http/request.h"
#include "core/arena.h"
#include "util/utf8.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 1000

const char *request_param(const struct request *req, const char *name)
{
	if (req->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, req->envp);
}

static int fail(struct request *req, int status, const char *why)
{
	req->error = why;
	return status;
}

/* read_body: read exactly len bytes of stdin; a short read means the client went away. */
static int read_body(struct request *req, long len, char **out)
{
	char *body = arena_alloc(req->arena, (size_t)len + 1);
	long got = 0;
	while (got < len) {
		int n = FCGX_GetStr(body + got, (int)(len - got), req->in);
		if (n <= 0)
			break;
		got += n;
	}
	body[got] = '\0';
	if (got != len)
		return fail(req, 400, "The request body ended early.");
	*out = body;
	return 0;
}

void request_drain_body(struct request *req)
{
	char scratch[8192];
	if (req->in == NULL)
		return;
	while (FCGX_GetStr(scratch, sizeof(scratch), req->in) > 0)
		;
}

static int parse_body(struct request *req, long max_body)
{
	const char *cl = request_param(req, "CONTENT_LENGTH");
	long len = 0;
	if (cl != NULL && *cl != '\0') {
		char *end;
		len = strtol(cl, &end, 10);
		if (*end != '\0' || len < 0)
			return fail(req, 400, "The Content-Length header is not a number.");
	}
	if (len > max_body) {
		request_drain_body(req);
		return fail(req, 413, "The request body is larger than this server accepts.");
	}
	if (len == 0 || req->in == NULL)
		return 0;
	char *body;
	int st = read_body(req, len, &body);
	if (st != 0)
		return st;
	const char *ct = request_param(req, "CONTENT_TYPE");
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return 0; /* handlers that take forms refuse a missing form themselves */
	enum mg_err rc = form_parse(req->arena, body, (size_t)len, MAX_FIELDS, &req->form);
	if (rc == MG_ERR_TOO_LARGE)
		return fail(req, 413, "The form has too many fields.");
	if (rc != MG_OK)
		return fail(req, 400,
		            "The form data is not valid (a bad %-escape, a control character or "
		            "invalid UTF-8).");
	return 0;
}

int request_parse(struct request *req, long max_body)
{
	const char *method = request_param(req, "REQUEST_METHOD");
	const char *uri = request_param(req, "REQUEST_URI");
	if (method == NULL || uri == NULL || uri[0] != '/')
		return fail(req, 400, "The request line is not valid.");
	req->method = method;
	req->head = strcmp(method, "HEAD") == 0;
	if (req->head)
		req->method = "GET";

	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);
	char *path;
	size_t path_len;
	if (pct_decode(req->arena, uri, plen, false, &path, &path_len) != MG_OK)
		return fail(req, 400,
		            "The address is not valid: a bad %-escape, a control character or "
		            "invalid UTF-8.");
	req->path = path;
	req->raw_query = q ? q + 1 : "";
	enum mg_err rc =
	    form_parse(req->arena, req->raw_query, strlen(req->raw_query), MAX_FIELDS, &req->query);
	if (rc == MG_ERR_TOO_LARGE)
		return fail(req, 413, "The address has too many parameters.");
	if (rc != MG_OK)
		return fail(req, 400,
		            "The query string is not valid: a bad %-escape, a control character "
		            "or invalid UTF-8.");

	cookie_parse(req->arena, request_param(req, "HTTP_COOKIE"), &req->cookies);
	req->remote_addr = request_param(req, "REMOTE_ADDR");
	if (req->remote_addr == NULL)
		req->remote_addr = "";
	return parse_body(req, max_body);
}
