/* fuzz_form.c: form_parse (http/decode.c), the application/x-www-form-urlencoded parser of
 * query strings and POST bodies, and params_get / params_get_all over its result. The first
 * input byte picks max_fields (1..64, or the server's 1000), the rest is the form.
 * Properties: the verdict is what decoding each non-empty '&' piece says (MG_ERR_TOO_LARGE
 * exactly when more than max_fields pieces come before any bad one); on success there is one
 * pair per piece, in order, each equal to pct_decode of its name and value, valid UTF-8
 * without control characters (utf8_text_valid) with value_len = strlen(value); params_get finds the
 * first pair of a name and params_get_all all of them; and the pairs, re-encoded, parse back to the
 * same pairs. */
#include "core/arena.h"
#include "fuzz.h"
#include "http/decode.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <string.h>

static void put_enc(char *e, size_t *k, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
			e[(*k)++] = (char)*p;
		} else if (*p == ' ') {
			e[(*k)++] = '+';
		} else {
			e[(*k)++] = '%';
			e[(*k)++] = hex[*p >> 4];
			e[(*k)++] = hex[*p & 15];
		}
	}
}

/* expect: what form_parse must answer, found piece by piece with pct_decode; the pairs go to
 * want (room for len / 2 + 1). */
static enum mg_err expect(struct arena *a, const char *s, size_t len, size_t max,
                          struct param *want, size_t *pieces)
{
	*pieces = 0;
	for (size_t i = 0; i <= len;) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - s) : len;
		if (end > i) {
			if (*pieces == max)
				return MG_ERR_TOO_LARGE;
			const char *eq = memchr(s + i, '=', end - i);
			size_t nlen = eq ? (size_t)(eq - (s + i)) : end - i;
			char *name, *value = "";
			size_t nl, vl = 0;
			if (pct_decode(a, s + i, nlen, true, &name, &nl) != MG_OK)
				return MG_ERR_INVALID;
			if (eq && pct_decode(a, eq + 1, (size_t)(s + end - eq - 1), true, &value,
			                     &vl) != MG_OK)
				return MG_ERR_INVALID;
			want[*pieces] = (struct param){name, value, vl};
			(*pieces)++;
		}
		i = end + 1;
	}
	return MG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t max = data[0] == 0xFF ? 1000 : (size_t)(data[0] & 63) + 1;
	const char *s = (const char *)data + 1;
	size_t len = size - 1;
	struct arena *a = arena_new();
	struct params p;
	size_t pieces;

	enum mg_err rc = form_parse(a, s, len, max, &p);
	struct param *want = arena_alloc(a, (len / 2 + 1) * sizeof(*want));
	FUZZ_ASSERT(rc == expect(a, s, len, max, want, &pieces));
	if (rc != MG_OK) {
		arena_free(a);
		return 0;
	}
	FUZZ_ASSERT(p.count == pieces && p.count <= max);

	size_t enc_cap = 1, k = 0;
	for (size_t i = 0; i < p.count; i++) {
		const struct param *x = &p.items[i];
		FUZZ_ASSERT(x->name != NULL && x->value != NULL);
		FUZZ_ASSERT(strcmp(x->name, want[i].name) == 0);
		FUZZ_ASSERT(x->value_len == want[i].value_len);
		FUZZ_ASSERT(memcmp(x->value, want[i].value, x->value_len + 1) == 0);
		FUZZ_ASSERT(strlen(x->value) == x->value_len);
		FUZZ_ASSERT(utf8_text_valid(x->name, strlen(x->name)));
		FUZZ_ASSERT(utf8_text_valid(x->value, x->value_len));
		enc_cap += 3 * (strlen(x->name) + x->value_len) + 2;
		if (i >= 16)
			continue; /* the lookups are linear: checking them all would be quadratic */
		/* params_get answers the first pair of that name */
		size_t first = 0;
		while (strcmp(p.items[first].name, x->name) != 0)
			first++;
		FUZZ_ASSERT(params_get(&p, x->name) == p.items[first].value);
		size_t n, same = 0;
		const char **all = params_get_all(a, &p, x->name, &n);
		for (size_t j = 0; j < p.count; j++)
			same += strcmp(p.items[j].name, x->name) == 0;
		FUZZ_ASSERT(n == same && all[n] == NULL && all[0] == p.items[first].value);
	}

	FUZZ_ASSERT(params_get(&p, "\xff") == NULL); /* no name is invalid UTF-8 */

	/* round trip: encode every pair again ("a b" → "a+b", the rest as %XX) */
	char *enc = malloc(enc_cap);
	for (size_t i = 0; i < p.count; i++) {
		if (i > 0)
			enc[k++] = '&';
		put_enc(enc, &k, p.items[i].name);
		enc[k++] = '=';
		put_enc(enc, &k, p.items[i].value);
	}
	struct params q;
	FUZZ_ASSERT(form_parse(a, enc, k, max, &q) == MG_OK);
	/* a pair whose name and value are both empty ("=") encodes to "=" and stays one pair */
	FUZZ_ASSERT(q.count == p.count);
	for (size_t i = 0; i < q.count; i++) {
		FUZZ_ASSERT(strcmp(q.items[i].name, p.items[i].name) == 0);
		FUZZ_ASSERT(q.items[i].value_len == p.items[i].value_len);
		FUZZ_ASSERT(memcmp(q.items[i].value, p.items[i].value, q.items[i].value_len) == 0);
	}
	free(enc);
	arena_free(a);
	return 0;
}
