/* test_request_log.c: the request id taken from nginx or made, and log-safe fields. */
#include "check.h"
#include "core/arena.h"
#include "http/request.h"
#include "server/request_log.h"

#include <string.h>

static void test_field(void)
{
	char out[32];
	request_log_field(out, sizeof(out), "/genres/rock");
	CHECK_STR(out, "/genres/rock");
	request_log_field(out, sizeof(out), NULL);
	CHECK_STR(out, "-");
	request_log_field(out, sizeof(out), "a b\n\"c\"%\x7f\x1b");
	CHECK_STR(out, "a%20b%0A%22c%22%25%7F%1B");
	request_log_field(out, sizeof(out), "/bands/m\xc3\xb6tley");
	CHECK_STR(out, "/bands/m%C3%B6tley");
	/* cut with "..." and never past the buffer, even in the middle of an escape */
	request_log_field(out, sizeof(out), "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK_STR(out, "/aaaaaaaaaaaaaaaaaaaaaaaaaaa...");
	CHECK(strlen(out) == sizeof(out) - 1);
	request_log_field(out, sizeof(out), "/aaaaaaaaaaaaaaaaaaaaaaaaaa\n\n");
	CHECK_STR(out, "/aaaaaaaaaaaaaaaaaaaaaaaaaa...");
	char tiny[5];
	request_log_field(tiny, sizeof(tiny), "/abc");
	CHECK_STR(tiny, "/...");
}

static const char *id_for(struct arena *a, char *param)
{
	char *envp[] = {param, NULL};
	struct request req = {.arena = a, .envp = envp};
	return request_id(&req, 7);
}

static void test_id(void)
{
	struct arena *a = arena_new();
	CHECK_STR(id_for(a, "MUSICGRAPH_REQUEST_ID=0123abcdef"), "0123abcdef");
	CHECK_STR(id_for(a, "MUSICGRAPH_REQUEST_ID=a-b_C"), "a-b_C");
	/* anything else is replaced by our own "<pid>-<seq>" */
	static char *bad[] = {"MUSICGRAPH_REQUEST_ID=",
	                      "MUSICGRAPH_REQUEST_ID=a b",
	                      "MUSICGRAPH_REQUEST_ID=x\ny",
	                      "MUSICGRAPH_REQUEST_ID=\"q\"",
	                      "MUSICGRAPH_REQUEST_ID=0123456789012345678901234567890123456789"
	                      "0123456789012345678901234",
	                      "HTTP_X_REQUEST_ID=abc"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *id = id_for(a, bad[i]);
		size_t len = strlen(id);
		CHECK(len > 2 && strcmp(id + len - 2, "-7") == 0);
	}
	arena_free(a);
}

int main(void)
{
	test_field();
	test_id();
	return check_done("test_request_log");
}
