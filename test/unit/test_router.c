/* test_router.c: route matching, the slug argument, 404 and 405. */
#include "check.h"
#include "core/arena.h"
#include "http/request.h"
#include "http/router.h"

static void h(struct request *req, struct response *resp)
{
	(void)req;
	(void)resp;
}

static const struct route table[] = {
    {"GET", "/", ACCESS_PUBLIC, h},
    {"GET", "/genres", ACCESS_PUBLIC, h},
    {"GET", "/genres/:", ACCESS_PUBLIC, h},
    {"POST", "/genres/:", ACCESS_ADMIN, h},
    {"POST", "/genres/:/delete", ACCESS_ADMIN, h},
};

static const struct route *m(struct arena *a, const char *method, const char *path, int *st,
                             const char **arg)
{
	struct request req = {.arena = a, .method = method, .path = path};
	*st = 0;
	const struct route *r = router_match(table, 5, &req, st);
	*arg = req.route_arg;
	return r;
}

int main(void)
{
	struct arena *a = arena_new();
	int st;
	const char *arg;
	CHECK(m(a, "GET", "/", &st, &arg) == &table[0]);
	CHECK(m(a, "GET", "/genres", &st, &arg) == &table[1]);
	CHECK(m(a, "GET", "/genres/death-metal", &st, &arg) == &table[2]);
	CHECK_STR(arg, "death-metal");
	CHECK(m(a, "POST", "/genres/x", &st, &arg) == &table[3]);
	CHECK(m(a, "GET", "/genres/", &st, &arg) == NULL && st == 404);
	CHECK(m(a, "GET", "/genres/a/b", &st, &arg) == NULL && st == 404);
	CHECK(m(a, "GET", "/nothing", &st, &arg) == NULL && st == 404);
	CHECK(m(a, "DELETE", "/genres", &st, &arg) == NULL && st == 405);
	CHECK(m(a, "POST", "/", &st, &arg) == NULL && st == 405);
	CHECK(m(a, "POST", "/genres/rock/delete", &st, &arg) == &table[4]);
	CHECK_STR(arg, "rock");
	CHECK(m(a, "POST", "/genres//delete", &st, &arg) == NULL && st == 404);
	CHECK(m(a, "POST", "/genres/rock/delete/x", &st, &arg) == NULL && st == 404);
	CHECK(m(a, "GET", "/genres/rock/delete", &st, &arg) == NULL && st == 405);
	arena_free(a);
	return check_done("test_router");
}
