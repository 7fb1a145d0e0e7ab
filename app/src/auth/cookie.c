/* cookie.c: the one place that writes Set-Cookie, with the attributes every cookie needs. */
#include "auth/cookie.h"
#include "core/arena.h"
#include "http/response.h"

void cookie_set(struct response *resp, struct arena *a, const char *name, const char *value,
                long max_age)
{
	const char *attrs = "; Path=/; Secure; HttpOnly; SameSite=Lax";
	const char *v;
	if (max_age < 0)
		v = arena_sprintf(a, "%s=%s%s", name, value, attrs);
	else
		v = arena_sprintf(a, "%s=%s; Max-Age=%ld%s", name, value, max_age, attrs);
	response_header(resp, "Set-Cookie", v);
}
