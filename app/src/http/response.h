/* response.h: status, headers and body of the answer, written to FastCGI in one place. */
#ifndef MG_RESPONSE_H
#define MG_RESPONSE_H

#include <stddef.h>

struct arena;
struct buf;

#define RESPONSE_MAX_HEADERS 24

struct response {
	int status;
	const char *content_type;
	const char *headers[RESPONSE_MAX_HEADERS][2];
	size_t nheaders;
	struct buf *body;        /* owned by the request arena */
	const char *shared_body; /* a body kept elsewhere (cached JSON); used instead of body */
	size_t shared_len;
};

/* response_init: 200 text/html with an empty body allocated in the arena. */
void response_init(struct response *resp, struct arena *a);
/* response_header: add a header; name and value must outlive the response (arena or static)
 * and must hold no CR or LF (callers pass our own values, never raw user input). */
void response_header(struct response *resp, const char *name, const char *value);
/* response_header_set: like response_header, but replaces an earlier header of that name. */
void response_header_set(struct response *resp, const char *name, const char *value);
/* response_redirect: 303 See Other (after POST) or 302 to a same-site path. */
void response_redirect(struct response *resp, int status, const char *location);
/* response_write: serialise to a FastCGI stream (void * is FCGX_Stream *); no body for HEAD. */
void response_write(const struct response *resp, void *out, int head);
/* response_status_text: "Not Found" for 404 and so on. */
const char *response_status_text(int status);

#endif
