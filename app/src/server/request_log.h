/* request_log.h: the one log line per request, and the request id that ties it to nginx's
 * access log. */
#ifndef MG_REQUEST_LOG_H
#define MG_REQUEST_LOG_H

#include <stddef.h>

struct request;

/* request_id: nginx's $request_id (FastCGI param MUSICGRAPH_REQUEST_ID) when it is 1 to 64
 * letters, digits, '-' or '_'; otherwise one of our own, "<pid>-<seq>". In the arena. */
const char *request_id(struct request *req, unsigned long seq);

/* request_log_field: copy s into out (size n, n > 4) for a log line: bytes that are not
 * printable ASCII, spaces, '"' and '%' become %XX, so a field never splits or forges a
 * line; cut at n - 1 bytes with "..." at the end. NULL gives "-". */
void request_log_field(char *out, size_t n, const char *s);

/* request_log: "request rid=… METHOD PATH STATUS 1.2ms user=ID" at info level (warn for
 * 5xx). Never the query string, a header, a cookie or a body: they can hold secrets. */
void request_log(const struct request *req, int status, long long duration_us);

#endif
