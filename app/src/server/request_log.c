/* request_log.c: one line per answered request, for journald. */
#include "server/request_log.h"
#include "core/arena.h"
#include "core/log.h"
#include "db/users.h"
#include "http/request.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_ID 64

static int id_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '_';
}

const char *request_id(struct request *req, unsigned long seq)
{
	const char *id = request_param(req, "MUSICGRAPH_REQUEST_ID");
	size_t len = id ? strlen(id) : 0;
	int ok = len > 0 && len <= MAX_ID;
	for (size_t i = 0; ok && i < len; i++)
		ok = id_char((unsigned char)id[i]);
	if (ok)
		return id;
	char own[48];
	snprintf(own, sizeof(own), "%ld-%lu", (long)getpid(), seq);
	return arena_strdup(req->arena, own);
}

void request_log_field(char *out, size_t n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (s == NULL)
		s = "-";
	size_t o = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = c > ' ' && c < 0x7f && c != '"' && c != '%';
		size_t need = plain ? 1 : 3;
		if (o + need > n - 4) { /* keep room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

void request_log(const struct request *req, int status, long long duration_us)
{
	char method[16], path[256], user[24] = "-";
	request_log_field(method, sizeof(method), req->method);
	request_log_field(path, sizeof(path), req->path);
	if (req->user != NULL)
		snprintf(user, sizeof(user), "%lld", req->user->id);
	log_msg(status >= 500 ? LOG_WARN : LOG_INFO, "request rid=%s %s %s %d %.2fms user=%s",
	        req->request_id ? req->request_id : "-", method, path, status,
	        (double)duration_us / 1000.0, user);
}
