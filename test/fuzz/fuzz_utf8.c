/* fuzz_utf8.c: utf8_valid, utf8_decode and utf8_count (util/utf8.c), which guard every byte
 * that reaches a page, the database or a slug.
 * Properties: utf8_valid agrees with a reference written from the definition (RFC 3629: the
 * shortest form of a code point up to U+10FFFF that is not a surrogate); at each position
 * utf8_decode takes exactly the reference's sequence (or refuses where it finds none), and the
 * code point it gives encodes back to the same bytes; for valid text utf8_count is the number
 * of code points. */
#include "fuzz.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <string.h>

/* encode: cp as UTF-8 into u; returns the length (1..4). */
static size_t encode(uint32_t cp, unsigned char *u)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (unsigned char)(0xF0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	u[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* reference: the length of the well-formed sequence at s (n > 0 bytes), or 0: try every
 * length, read the bits the lead byte's pattern allows, and keep the one that is the shortest
 * encoding of a scalar value, i.e. that encode() writes back identically. */
static size_t reference(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = {0, 0x80, 0xE0, 0xF0, 0xF8};
	static const unsigned char lead_bits[] = {0, 0x00, 0xC0, 0xE0, 0xF0};
	for (size_t len = 1; len <= 4 && len <= n; len++) {
		if ((s[0] & lead_mask[len]) != lead_bits[len])
			continue;
		uint32_t cp = s[0] & (unsigned char)~lead_mask[len];
		bool ok = true;
		for (size_t i = 1; i < len; i++) {
			ok = ok && (s[i] & 0xC0) == 0x80;
			cp = cp << 6 | (s[i] & 0x3F);
		}
		if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		unsigned char u[4];
		if (encode(cp, u) != len || memcmp(u, s, len) != 0)
			return 0;
		return len;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool valid = true;
	size_t points = 0;

	for (size_t i = 0; i < size;) {
		uint32_t cp = 0xFFFFFFFF;
		size_t got = utf8_decode(s + i, size - i, &cp);
		size_t want = reference(data + i, size - i);
		FUZZ_ASSERT(got == want);
		if (got == 0) {
			FUZZ_ASSERT(cp == 0xFFFFFFFF); /* left unchanged */
			valid = false;
			i++;
			continue;
		}
		unsigned char u[4];
		FUZZ_ASSERT(encode(cp, u) == got && memcmp(u, data + i, got) == 0);
		points++;
		i += got;
	}
	FUZZ_ASSERT(utf8_valid(s, size) == valid);
	if (valid)
		FUZZ_ASSERT(utf8_count(s, size) == points);
	FUZZ_ASSERT(utf8_count(s, size) <= size);
	FUZZ_ASSERT(utf8_valid(s, 0));
	return 0;
}
