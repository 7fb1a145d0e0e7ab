/* response.c: builds and writes the CGI-style response header block and body. */
#include "http/response.h"
#include "core/buf.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void response_init(struct response *resp, struct arena *a)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	resp->body = buf_new_in(a);
}

void response_header(struct response *resp, const char *name, const char *value)
{
	if (resp->nheaders == RESPONSE_MAX_HEADERS)
		return;
	if (strpbrk(value, "\r\n") != NULL)
		return; /* never split headers */
	resp->headers[resp->nheaders][0] = name;
	resp->headers[resp->nheaders][1] = value;
	resp->nheaders++;
}

void response_header_set(struct response *resp, const char *name, const char *value)
{
	for (size_t i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i][0], name) == 0 && strpbrk(value, "\r\n") == NULL) {
			resp->headers[i][1] = value;
			return;
		}
	}
	response_header(resp, name, value);
}

void response_redirect(struct response *resp, int status, const char *location)
{
	resp->status = status;
	response_header(resp, "Location", location);
	buf_clear(resp->body);
}

const char *response_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Unknown";
	}
}

void response_write(const struct response *resp, void *stream, int head)
{
	FCGX_Stream *out = stream;
	const char *body = resp->shared_body ? resp->shared_body : buf_cstr(resp->body);
	size_t len = resp->shared_body ? resp->shared_len : resp->body->len;
	int no_body = resp->status == 304 || resp->status == 204;
	/* the header block is formatted here, not by libfcgi's own printf (it lacks %zu) */
	char head_block[4096];
	size_t n = 0;
	n += (size_t)snprintf(head_block, sizeof(head_block), "Status: %d %s\r\n", resp->status,
	                      response_status_text(resp->status));
	if (!no_body && n < sizeof(head_block))
		n += (size_t)snprintf(head_block + n, sizeof(head_block) - n,
		                      "Content-Type: %s\r\nContent-Length: %zu\r\n",
		                      resp->content_type, len);
	for (size_t i = 0; i < resp->nheaders && n < sizeof(head_block); i++)
		n += (size_t)snprintf(head_block + n, sizeof(head_block) - n, "%s: %s\r\n",
		                      resp->headers[i][0], resp->headers[i][1]);
	if (n + 2 >= sizeof(head_block))
		n = sizeof(head_block) - 3; /* never happens with our own headers; stay bounded */
	head_block[n++] = '\r';
	head_block[n++] = '\n';
	FCGX_PutStr(head_block, (int)n, out);
	if (!head && !no_body && len > 0)
		FCGX_PutStr(body, (int)len, out);
}
