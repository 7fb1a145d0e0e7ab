/* fuzz_cookie.c: cookie_parse (http/decode.c), the Cookie header parser. The input, cut at its
 * first NUL byte, is the header as nginx passes it (HTTP_COOKIE).
 * Properties: never an error, malformed pieces are dropped; at most one pair per ';'-separated
 * piece; every name is non-empty, valid UTF-8 without control characters, '=', ';', or
 * surrounding blanks; every value is such text without ';' and value_len = strlen(value); and the
 * pairs written back as `name="value"; ...` parse to the same pairs. */
#include "core/arena.h"
#include "fuzz.h"
#include "http/decode.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_cstr(data, size);
	struct arena *a = arena_new();
	struct params p;

	cookie_parse(a, NULL, &p);
	FUZZ_ASSERT(p.count == 0);

	cookie_parse(a, header, &p);
	size_t pieces = 1, hlen = strlen(header);
	for (const char *s = header; *s; s++)
		pieces += *s == ';';
	FUZZ_ASSERT(p.count <= pieces);

	size_t cap = 1;
	for (size_t i = 0; i < p.count; i++) {
		const char *n = p.items[i].name, *v = p.items[i].value;
		size_t nl = strlen(n);
		FUZZ_ASSERT(nl > 0 && utf8_text_valid(n, nl));
		FUZZ_ASSERT(strpbrk(n, "=;") == NULL);
		FUZZ_ASSERT(!blank(n[0]) && !blank(n[nl - 1]));
		FUZZ_ASSERT(strlen(v) == p.items[i].value_len);
		FUZZ_ASSERT(utf8_text_valid(v, p.items[i].value_len));
		FUZZ_ASSERT(strchr(v, ';') == NULL);
		FUZZ_ASSERT(nl + p.items[i].value_len < hlen);
		cap += nl + p.items[i].value_len + 5;
	}

	/* round trip: quoted values keep their blanks and quotes */
	char *again = malloc(cap), *w = again;
	for (size_t i = 0; i < p.count; i++) {
		if (i > 0) {
			memcpy(w, "; ", 2);
			w += 2;
		}
		size_t nl = strlen(p.items[i].name);
		memcpy(w, p.items[i].name, nl);
		w += nl;
		*w++ = '=';
		*w++ = '"';
		memcpy(w, p.items[i].value, p.items[i].value_len);
		w += p.items[i].value_len;
		*w++ = '"';
	}
	*w = '\0';
	struct params q;
	cookie_parse(a, again, &q);
	FUZZ_ASSERT(q.count == p.count);
	for (size_t i = 0; i < q.count; i++) {
		FUZZ_ASSERT(strcmp(q.items[i].name, p.items[i].name) == 0);
		FUZZ_ASSERT(strcmp(q.items[i].value, p.items[i].value) == 0);
	}
	free(again);
	arena_free(a);
	free(header);
	return 0;
}
