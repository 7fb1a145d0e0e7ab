/* fuzz_request.c: request_parse (http/request.c): the FastCGI params and the POST body of one
 * request, as a worker gets them from libfcgi, become a struct request. The input is
 *   byte 0   bits 0-5: leave out REQUEST_METHOD, REQUEST_URI, CONTENT_TYPE, CONTENT_LENGTH,
 *            HTTP_COOKIE, REMOTE_ADDR; bits 6-7: the body arrives in pieces of 1, 7, 4096
 *            bytes or at once
 *   byte 1   max_body: 0xFF is 1 MiB, else byte * 4
 *   then five lines: the values of those five params, then the body (the rest, any bytes).
 * The body is read through libfcgi's own FCGX_GetStr from an FCGX_Stream (fcgiapp.h) that
 * serves the bytes in the chosen pieces, as a real connection delivers records.
 * Properties: the answer is 0, 400 or 413, with req.error set exactly when it is not 0; no
 * method or a URI not starting with '/' is a 400; on success the path is pct_decode of the URI
 * before '?' (so it starts with '/', is valid UTF-8 and NUL-free), raw_query is the rest, the
 * query and form pairs are what form_parse makes of them (at most 1000), exactly
 * CONTENT_LENGTH bytes were read (so a shorter body is never accepted) and the length was at
 * most max_body; and request_drain_body always leaves the stream at its end. */
#include "core/arena.h"
#include "fuzz.h"
#include "http/decode.h"
#include "http/request.h"
#include "util/utf8.h"

#include <fcgiapp.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The body's source: the bytes and the size of each piece FCGX_GetStr gets at a time. */
struct source {
	unsigned char *body;
	size_t len, pos, piece;
};

/* fill: libfcgi's fillBuffProc: the next piece, or end of stream. */
static void fill(FCGX_Stream *s)
{
	struct source *src = s->data;
	if (src->pos == src->len) {
		s->isClosed = 1;
		return;
	}
	size_t n = src->len - src->pos < src->piece ? src->len - src->pos : src->piece;
	s->rdNext = s->stopUnget = src->body + src->pos;
	s->stop = s->wrNext = src->body + src->pos + n;
	src->pos += n;
}

/* consumed: the body bytes FCGX_GetStr has handed out so far. */
static size_t consumed(const FCGX_Stream *s, const struct source *src)
{
	return src->pos - (size_t)(s->stop - s->rdNext);
}

static void check_pairs(const struct params *p)
{
	FUZZ_ASSERT(p->count <= 1000);
	for (size_t i = 0; i < p->count; i++) {
		FUZZ_ASSERT(utf8_valid(p->items[i].name, strlen(p->items[i].name)));
		FUZZ_ASSERT(strlen(p->items[i].value) == p->items[i].value_len);
		FUZZ_ASSERT(utf8_valid(p->items[i].value, p->items[i].value_len));
	}
}

static void same_pairs(const struct params *a, const struct params *b)
{
	FUZZ_ASSERT(a->count == b->count);
	for (size_t i = 0; i < a->count; i++) {
		FUZZ_ASSERT(strcmp(a->items[i].name, b->items[i].name) == 0);
		FUZZ_ASSERT(strcmp(a->items[i].value, b->items[i].value) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[5] = {"REQUEST_METHOD", "REQUEST_URI", "CONTENT_TYPE",
	                                     "CONTENT_LENGTH", "HTTP_COOKIE"};
	static const size_t pieces[4] = {1, 7, 4096, (size_t)-1};
	if (size < 2)
		return 0;
	unsigned flags = data[0];
	long max_body = data[1] == 0xFF ? 1L << 20 : (long)data[1] * 4;
	size_t pos = 2;
	char *env[8], *value[5] = {NULL, NULL, NULL, NULL, NULL};
	int nenv = 0;
	for (int i = 0; i < 5; i++) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - data) : size;
		value[i] = fuzz_cstr(data + pos, end - pos);
		pos = nl ? end + 1 : size;
		if (flags & (1u << i))
			continue;
		env[nenv] = malloc(strlen(names[i]) + strlen(value[i]) + 2);
		sprintf(env[nenv++], "%s=%s", names[i], value[i]);
	}
	if (!(flags & 32))
		env[nenv++] = strdup("REMOTE_ADDR=127.0.0.1");
	env[nenv] = NULL;

	/* the body in a heap block of its exact size, so that reading past it is caught */
	struct source src = {malloc(size - pos + 1), size - pos, 0, pieces[flags >> 6 & 3]};
	memcpy(src.body, data + pos, src.len);
	FCGX_Stream in = {.isReader = 1, .fillBuffProc = fill, .data = &src};
	in.rdNext = in.stop = in.wrNext = in.stopUnget = src.body;

	struct arena *a = arena_new();
	struct request req = {.arena = a, .envp = env, .in = &in};
	int status = request_parse(&req, max_body);
	FUZZ_ASSERT(status == 0 || status == 400 || status == 413);
	FUZZ_ASSERT((status != 0) == (req.error != NULL));

	const char *method = (flags & 1) ? NULL : value[0], *uri = (flags & 2) ? NULL : value[1];
	const char *ct = (flags & 4) ? NULL : value[2], *cl = (flags & 8) ? NULL : value[3];
	if (method == NULL || uri == NULL || uri[0] != '/')
		FUZZ_ASSERT(status == 400);
	long len = 0;
	bool len_ok = true;
	if (cl != NULL && *cl != '\0') {
		char *end;
		len = strtol(cl, &end, 10);
		len_ok = *end == '\0' && len >= 0;
	}
	if (status == 0) {
		FUZZ_ASSERT(len_ok && len <= max_body);
		FUZZ_ASSERT(strcmp(method, "HEAD") == 0
		                ? req.head && strcmp(req.method, "GET") == 0
		                : !req.head && strcmp(req.method, method) == 0);
		const char *q = strchr(uri, '?');
		size_t plen = q ? (size_t)(q - uri) : strlen(uri), path_len;
		char *path;
		FUZZ_ASSERT(pct_decode(a, uri, plen, false, &path, &path_len) == MG_OK);
		FUZZ_ASSERT(strcmp(req.path, path) == 0 && req.path[0] == '/');
		FUZZ_ASSERT(strcmp(req.raw_query, q ? q + 1 : "") == 0);
		struct params query;
		FUZZ_ASSERT(form_parse(a, req.raw_query, strlen(req.raw_query), 1000, &query) ==
		            MG_OK);
		same_pairs(&req.query, &query);
		check_pairs(&req.query);
		check_pairs(&req.form);
		check_pairs(&req.cookies);
		FUZZ_ASSERT(strcmp(req.remote_addr, (flags & 32) ? "" : "127.0.0.1") == 0);
		/* exactly the announced body was read, and it was there */
		FUZZ_ASSERT(consumed(&in, &src) == (size_t)len);
		if (len > 0 && ct != NULL &&
		    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
			struct params form;
			FUZZ_ASSERT(form_parse(a, (const char *)src.body, (size_t)len, 1000,
			                       &form) == MG_OK);
			same_pairs(&req.form, &form);
		} else {
			FUZZ_ASSERT(req.form.count == 0);
		}
	}

	request_drain_body(&req);
	FUZZ_ASSERT(consumed(&in, &src) == src.len);

	arena_free(a);
	free(src.body);
	for (int i = 0; i < nenv; i++)
		free(env[i]);
	for (int i = 0; i < 5; i++)
		free(value[i]);
	return 0;
}
