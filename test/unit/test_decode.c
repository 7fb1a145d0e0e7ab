/* test_decode.c: percent-decoding, urlencoded forms and Cookie headers. */
#include "check.h"
#include "core/arena.h"
#include "http/decode.h"

static const char *dec(struct arena *a, const char *s, bool plus)
{
	char *out;
	size_t n;
	if (pct_decode(a, s, strlen(s), plus, &out, &n) != MG_OK)
		return "(invalid)";
	return out;
}

static void test_pct(struct arena *a)
{
	CHECK_STR(dec(a, "abc", false), "abc");
	CHECK_STR(dec(a, "%41%62c", false), "Abc");
	CHECK_STR(dec(a, "a+b", false), "a+b");
	CHECK_STR(dec(a, "a+b", true), "a b");
	CHECK_STR(dec(a, "%2B", true), "+");
	CHECK_STR(dec(a, "caf%C3%A9", false), "café");
	CHECK_STR(dec(a, "%e2%82%ac", false), "€");
	CHECK_STR(dec(a, "", false), "");
	/* malformed escapes */
	CHECK_STR(dec(a, "%", false), "(invalid)");
	CHECK_STR(dec(a, "%4", false), "(invalid)");
	CHECK_STR(dec(a, "%G1", false), "(invalid)");
	CHECK_STR(dec(a, "abc%", false), "(invalid)");
	/* NUL bytes */
	CHECK_STR(dec(a, "a%00b", false), "(invalid)");
	/* other control characters (HTML allows none of them); tab, LF and CR are text */
	CHECK_STR(dec(a, "a%01b", false), "(invalid)");
	CHECK_STR(dec(a, "a%7Fb", false), "(invalid)");
	CHECK_STR(dec(a, "a%C2%85b", false), "(invalid)"); /* U+0085, a C1 control */
	CHECK_STR(dec(a, "a%09b%0D%0Ac", false), "a\tb\r\nc");
	/* invalid UTF-8: lone continuation, overlong, surrogate, truncated */
	CHECK_STR(dec(a, "%80", false), "(invalid)");
	CHECK_STR(dec(a, "%C0%AF", false), "(invalid)");
	CHECK_STR(dec(a, "%ED%A0%80", false), "(invalid)");
	CHECK_STR(dec(a, "%E2%82", false), "(invalid)");
	char raw[] = {'a', (char)0xff, 0};
	CHECK_STR(dec(a, raw, false), "(invalid)");
}

static void test_form(struct arena *a)
{
	struct params p;
	const char *s = "name=Death+Metal&parent_genres=metal&parent_genres=extreme-metal&&x&e=";
	CHECK(form_parse(a, s, strlen(s), 100, &p) == MG_OK);
	CHECK(p.count == 5);
	CHECK_STR(params_get(&p, "name"), "Death Metal");
	CHECK_STR(params_get(&p, "x"), "");
	CHECK_STR(params_get(&p, "e"), "");
	CHECK(params_get(&p, "missing") == NULL);
	size_t n;
	const char **all = params_get_all(a, &p, "parent_genres", &n);
	CHECK(n == 2);
	CHECK_STR(all[0], "metal");
	CHECK_STR(all[1], "extreme-metal");
	CHECK(all[2] == NULL);

	CHECK(form_parse(a, "a=%zz", 5, 100, &p) == MG_ERR_INVALID);
	CHECK(form_parse(a, "a%00=1", 6, 100, &p) == MG_ERR_INVALID);
	CHECK(form_parse(a, "a=1&b=2&c=3", 11, 2, &p) == MG_ERR_TOO_LARGE);
	CHECK(form_parse(a, "", 0, 2, &p) == MG_OK && p.count == 0);
	/* the length bounds the parse, not a NUL */
	CHECK(form_parse(a, "a=1&b=2", 3, 10, &p) == MG_OK && p.count == 1);
	CHECK_STR(params_get(&p, "a"), "1");
}

static void test_cookie(struct arena *a)
{
	struct params p;
	cookie_parse(a, "__Host-mg_session=abc123; theme=dark;flag; =x;  q = \"quoted\" ", &p);
	CHECK(p.count == 3);
	CHECK_STR(params_get(&p, "__Host-mg_session"), "abc123");
	CHECK_STR(params_get(&p, "theme"), "dark");
	CHECK_STR(params_get(&p, "q"), "quoted");
	cookie_parse(a, NULL, &p);
	CHECK(p.count == 0);
	cookie_parse(a, ";;; ;", &p);
	CHECK(p.count == 0);
	char bad[] = {'a', '=', (char)0xc3, 0};
	cookie_parse(a, bad, &p);
	CHECK(p.count == 0);
	cookie_parse(a, "a=1=2", &p);
	CHECK(p.count == 1);
	CHECK_STR(params_get(&p, "a"), "1=2");
}

int main(void)
{
	struct arena *a = arena_new();
	test_pct(a);
	test_form(a);
	test_cookie(a);
	arena_free(a);
	return check_done("test_decode");
}
