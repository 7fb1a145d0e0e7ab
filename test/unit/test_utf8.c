/* test_utf8.c: strict UTF-8 validation and code point counting. */
#include "check.h"
#include "util/utf8.h"

#include <stdint.h>

#define VALID(lit) utf8_valid(lit, sizeof(lit) - 1)

static void test_valid(void)
{
	CHECK(utf8_valid(NULL, 0));
	CHECK(VALID(""));
	CHECK(VALID("plain ascii, 123"));
	CHECK(VALID("Mot\xC3\xB6rhead"));                 /* ö */
	CHECK(VALID("Bar\xC4\xB1\xC5\x9F Man\xC3\xA7o")); /* ı ş ç */
	CHECK(VALID("\xE2\x82\xAC"));                     /* € U+20AC */
	CHECK(VALID("\xF0\x9F\x8E\xB8"));                 /* 🎸 U+1F3B8 */
	CHECK(VALID("\xC2\x80"));                         /* U+0080, smallest 2-byte */
	CHECK(VALID("\xDF\xBF"));                         /* U+07FF */
	CHECK(VALID("\xE0\xA0\x80"));                     /* U+0800, smallest 3-byte */
	CHECK(VALID("\xED\x9F\xBF"));                     /* U+D7FF, just below surrogates */
	CHECK(VALID("\xEE\x80\x80"));                     /* U+E000, just above */
	CHECK(VALID("\xEF\xBF\xBF"));                     /* U+FFFF */
	CHECK(VALID("\xF0\x90\x80\x80"));                 /* U+10000 */
	CHECK(VALID("\xF4\x8F\xBF\xBF"));                 /* U+10FFFF, the last code point */
	CHECK(utf8_valid("a\0b", 3));                     /* NUL is a code point */
}

static void test_invalid(void)
{
	CHECK(!VALID("\x80")); /* lone continuation byte */
	CHECK(!VALID("\xBF"));
	CHECK(!VALID("\xC3"));             /* truncated 2-byte */
	CHECK(!VALID("a\xC3"));            /* truncated at the end */
	CHECK(!VALID("\xC3\x28"));         /* bad continuation */
	CHECK(!VALID("\xC0\x80"));         /* overlong NUL */
	CHECK(!VALID("\xC1\xBF"));         /* overlong 2-byte */
	CHECK(!VALID("\xE0\x80\x80"));     /* overlong 3-byte */
	CHECK(!VALID("\xE0\x9F\xBF"));     /* overlong U+07FF */
	CHECK(!VALID("\xED\xA0\x80"));     /* U+D800 surrogate */
	CHECK(!VALID("\xED\xBF\xBF"));     /* U+DFFF surrogate */
	CHECK(!VALID("\xF0\x80\x80\x80")); /* overlong 4-byte */
	CHECK(!VALID("\xF0\x8F\xBF\xBF")); /* overlong U+FFFF */
	CHECK(!VALID("\xF4\x90\x80\x80")); /* U+110000 */
	CHECK(!VALID("\xF5\x80\x80\x80")); /* F5..FF never appear */
	CHECK(!VALID("\xFF"));
	CHECK(!VALID("\xFE\xFF"));
	CHECK(!VALID("\xE2\x82"));         /* truncated 3-byte */
	CHECK(!VALID("\xF0\x9F\x8E"));     /* truncated 4-byte */
	CHECK(!VALID("\xF0\x9F\x8E\x41")); /* bad last byte */
	CHECK(!VALID("ok\xE2\x28\xA1ok"));
	/* the length is respected: a valid prefix of an invalid buffer */
	CHECK(utf8_valid("ab\xFF", 2));
	CHECK(!utf8_valid("\xC3\xA9", 1));
}

static void test_count(void)
{
	CHECK(utf8_count("", 0) == 0);
	CHECK(utf8_count("abc", 3) == 3);
	CHECK(utf8_count("Mot\xC3\xB6rhead", 10) == 9);
	CHECK(utf8_count("\xE2\x82\xAC\xF0\x9F\x8E\xB8", 7) == 2);
	CHECK(utf8_count("S\xC6\xA1n T\xC3\xB9ng", 10) == 8); /* Sơn Tùng */
}

static void test_decode(void)
{
	uint32_t cp = 0;
	CHECK(utf8_decode("A", 1, &cp) == 1 && cp == 'A');
	CHECK(utf8_decode("\xC3\xA9x", 3, &cp) == 2 && cp == 0xE9);
	CHECK(utf8_decode("\xE2\x82\xAC", 3, &cp) == 3 && cp == 0x20AC);
	CHECK(utf8_decode("\xF4\x8F\xBF\xBF", 4, &cp) == 4 && cp == 0x10FFFF);
	cp = 7;
	CHECK(utf8_decode("\xED\xA0\x80", 3, &cp) == 0 && cp == 7);
	CHECK(utf8_decode("\xC3\xA9", 1, &cp) == 0);
	CHECK(utf8_decode("", 0, &cp) == 0);
}

/* the control characters HTML forbids: every code point below U+00A0 is checked */
static void test_controls(void)
{
	int wrong = 0;
	for (uint32_t cp = 0; cp < 0xA0; cp++) {
		char s[2];
		size_t n = 1;
		if (cp < 0x80) {
			s[0] = (char)cp;
		} else {
			s[0] = (char)(0xC0 | (cp >> 6));
			s[1] = (char)(0x80 | (cp & 0x3F));
			n = 2;
		}
		bool control = cp < 0x20 ? (cp != '\t' && cp != '\n' && cp != '\r') : cp >= 0x7F;
		if (utf8_control_len(s, n) != (control ? n : 0))
			wrong++;
		if (utf8_text_valid(s, n) == control)
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(utf8_control_len("\xC2\xA0", 2) == 0); /* U+00A0, no-break space: text */
	CHECK(utf8_control_len("\xC2", 1) == 0);     /* truncated: not a control */
	CHECK(utf8_text_valid("Mot\xC3\xB6rhead\tline\r\n", 15));
	CHECK(!utf8_text_valid("a\0b", 3));
	CHECK(!utf8_text_valid("\xC3", 1)); /* and still valid UTF-8 only */
}

/* every 1- and 2-byte input agrees with a straightforward reference decoder */
static void test_exhaustive_short(void)
{
	int mismatches = 0;
	for (int a = 0; a < 256; a++) {
		char s[1] = {(char)a};
		if (utf8_valid(s, 1) != (a < 0x80))
			mismatches++;
		for (int b = 0; b < 256; b++) {
			char t[2] = {(char)a, (char)b};
			bool want;
			if (a < 0x80)
				want = b < 0x80;
			else
				want = a >= 0xC2 && a <= 0xDF && (b & 0xC0) == 0x80;
			if (utf8_valid(t, 2) != want)
				mismatches++;
		}
	}
	CHECK(mismatches == 0);
}

int main(void)
{
	test_valid();
	test_invalid();
	test_count();
	test_decode();
	test_controls();
	test_exhaustive_short();
	return check_done("test_utf8");
}
