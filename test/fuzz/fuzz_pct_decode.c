/* fuzz_pct_decode.c: pct_decode (http/decode.c), the percent-decoder under every path, query
 * and form field. The input is the encoded text, decoded with and without '+' as space.
 * Properties: a result is NUL-terminated, valid UTF-8 without control characters (NUL
 * included; utf8_text_valid) and exactly as long as the input minus two bytes per escape; both
 * modes agree on the verdict; text without '%' decodes to itself when it is such text, and is
 * refused otherwise; a malformed
 * escape is always refused; and re-encoding a result (upper or lower case hex, '+' for space)
 * decodes back to the same bytes. */
#include "core/arena.h"
#include "fuzz.h"
#include "http/decode.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <string.h>

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* escapes: the number of '%' in s, or -1 when one of them does not start "%XX". */
static long escapes(const char *s, size_t n)
{
	long count = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (n - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
			return -1;
		count++;
		i += 2;
	}
	return count;
}

/* encode: s[0..n) with every byte but unreserved ASCII as %XX; lower-case hex when lower,
 * ' ' as '+' when plus. The caller frees the result. */
static char *encode(const char *s, size_t n, bool lower, bool plus, size_t *out_len)
{
	const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	char *e = malloc(3 * n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			e[k++] = (char)c;
		} else if (c == ' ' && plus) {
			e[k++] = '+';
		} else {
			e[k++] = '%';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		}
	}
	e[k] = '\0';
	*out_len = k;
	return e;
}

static void check_result(const char *in, size_t len, const char *out, size_t out_len)
{
	FUZZ_ASSERT(out != NULL);
	FUZZ_ASSERT(out_len <= len);
	FUZZ_ASSERT(out[out_len] == '\0');
	FUZZ_ASSERT(memchr(out, '\0', out_len) == NULL);
	FUZZ_ASSERT(utf8_text_valid(out, out_len));
	long esc = escapes(in, len);
	FUZZ_ASSERT(esc >= 0);
	FUZZ_ASSERT(out_len == len - 2 * (size_t)esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	const char *in = (const char *)data;
	char *out[2] = {NULL, NULL};
	size_t out_len[2] = {0, 0};
	enum mg_err rc[2];

	for (int plus = 0; plus < 2; plus++) {
		rc[plus] = pct_decode(a, in, size, plus, &out[plus], &out_len[plus]);
		FUZZ_ASSERT(rc[plus] == MG_OK || rc[plus] == MG_ERR_INVALID);
		if (rc[plus] == MG_OK)
			check_result(in, size, out[plus], out_len[plus]);
	}
	/* '+' and ' ' are both plain ASCII: the mode never changes the verdict or the length */
	FUZZ_ASSERT(rc[0] == rc[1]);
	if (rc[0] == MG_OK)
		FUZZ_ASSERT(out_len[0] == out_len[1]);

	if (escapes(in, size) < 0)
		FUZZ_ASSERT(rc[0] == MG_ERR_INVALID);
	if (memchr(in, '%', size) == NULL) {
		bool plain = utf8_text_valid(in, size);
		FUZZ_ASSERT((rc[0] == MG_OK) == plain);
		if (plain)
			FUZZ_ASSERT(memcmp(out[0], in, size) == 0);
	}

	if (rc[0] == MG_OK) {
		bool lower = size > 0 && (data[0] & 1);
		for (int plus = 0; plus < 2; plus++) {
			size_t elen, dlen;
			char *dec;
			char *enc = encode(out[plus], out_len[plus], lower, plus, &elen);
			FUZZ_ASSERT(pct_decode(a, enc, elen, plus, &dec, &dlen) == MG_OK);
			FUZZ_ASSERT(dlen == out_len[plus]);
			FUZZ_ASSERT(memcmp(dec, out[plus], dlen) == 0);
			free(enc);
		}
	}
	arena_free(a);
	return 0;
}
