/* slug.c: slug validation and the name → slug rule shared by the importers and the forms. */
#include "util/slug.h"
#include "core/arena.h"
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

bool slug_valid(const char *s)
{
	if (s == NULL)
		return false;
	size_t i = 0;
	bool prev_alnum = false; /* also false at the start: no leading '-' */
	for (; s[i] != '\0'; i++) {
		if (i >= SLUG_MAX)
			return false;
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			prev_alnum = true;
		} else if (c == '-' && prev_alnum) {
			prev_alnum = false;
		} else {
			return false;
		}
	}
	return i > 0 && prev_alnum;
}

/* Latin letters with diacritics (and a few ligatures) and their ASCII spelling. Sorted by
 * code point; code points in no range are separators. */
struct fold {
	uint32_t lo, hi;
	const char *ascii;
};

static const struct fold folds[] = {
    /* Latin-1 Supplement */
    {0x00C0, 0x00C5, "a"},
    {0x00C6, 0x00C6, "ae"},
    {0x00C7, 0x00C7, "c"},
    {0x00C8, 0x00CB, "e"},
    {0x00CC, 0x00CF, "i"},
    {0x00D0, 0x00D0, "d"},
    {0x00D1, 0x00D1, "n"},
    {0x00D2, 0x00D6, "o"},
    {0x00D8, 0x00D8, "o"},
    {0x00D9, 0x00DC, "u"},
    {0x00DD, 0x00DD, "y"},
    {0x00DE, 0x00DE, "th"},
    {0x00DF, 0x00DF, "ss"},
    {0x00E0, 0x00E5, "a"},
    {0x00E6, 0x00E6, "ae"},
    {0x00E7, 0x00E7, "c"},
    {0x00E8, 0x00EB, "e"},
    {0x00EC, 0x00EF, "i"},
    {0x00F0, 0x00F0, "d"},
    {0x00F1, 0x00F1, "n"},
    {0x00F2, 0x00F6, "o"},
    {0x00F8, 0x00F8, "o"},
    {0x00F9, 0x00FC, "u"},
    {0x00FD, 0x00FD, "y"},
    {0x00FE, 0x00FE, "th"},
    {0x00FF, 0x00FF, "y"},
    /* Latin Extended-A */
    {0x0100, 0x0105, "a"},
    {0x0106, 0x010D, "c"},
    {0x010E, 0x0111, "d"},
    {0x0112, 0x011B, "e"},
    {0x011C, 0x0123, "g"},
    {0x0124, 0x0127, "h"},
    {0x0128, 0x0131, "i"},
    {0x0132, 0x0133, "ij"},
    {0x0134, 0x0135, "j"},
    {0x0136, 0x0138, "k"},
    {0x0139, 0x0142, "l"},
    {0x0143, 0x014B, "n"},
    {0x014C, 0x0151, "o"},
    {0x0152, 0x0153, "oe"},
    {0x0154, 0x0159, "r"},
    {0x015A, 0x0161, "s"},
    {0x0162, 0x0167, "t"},
    {0x0168, 0x0173, "u"},
    {0x0174, 0x0175, "w"},
    {0x0176, 0x0178, "y"},
    {0x0179, 0x017E, "z"},
    {0x017F, 0x017F, "s"},
    /* Latin Extended-B: the letters used by Vietnamese, pinyin, Romanian and others */
    {0x0180, 0x0180, "b"},
    {0x0189, 0x0189, "d"},
    {0x0191, 0x0192, "f"},
    {0x01A0, 0x01A1, "o"},
    {0x01AF, 0x01B0, "u"},
    {0x01B5, 0x01B6, "z"},
    {0x01CD, 0x01CE, "a"},
    {0x01CF, 0x01D0, "i"},
    {0x01D1, 0x01D2, "o"},
    {0x01D3, 0x01DC, "u"},
    {0x01DE, 0x01E1, "a"},
    {0x01E2, 0x01E3, "ae"},
    {0x01E6, 0x01E7, "g"},
    {0x01E8, 0x01E9, "k"},
    {0x01EA, 0x01ED, "o"},
    {0x01F0, 0x01F0, "j"},
    {0x01F4, 0x01F5, "g"},
    {0x01F8, 0x01F9, "n"},
    {0x01FA, 0x01FB, "a"},
    {0x01FC, 0x01FD, "ae"},
    {0x01FE, 0x01FF, "o"},
    {0x0200, 0x0203, "a"},
    {0x0204, 0x0207, "e"},
    {0x0208, 0x020B, "i"},
    {0x020C, 0x020F, "o"},
    {0x0210, 0x0213, "r"},
    {0x0214, 0x0217, "u"},
    {0x0218, 0x0219, "s"},
    {0x021A, 0x021B, "t"},
    {0x021E, 0x021F, "h"},
    {0x0226, 0x0227, "a"},
    {0x0228, 0x0229, "e"},
    {0x022A, 0x0231, "o"},
    {0x0232, 0x0233, "y"},
    /* Latin Extended Additional (Vietnamese, transliterations) */
    {0x1E00, 0x1E01, "a"},
    {0x1E02, 0x1E07, "b"},
    {0x1E08, 0x1E09, "c"},
    {0x1E0A, 0x1E13, "d"},
    {0x1E14, 0x1E1D, "e"},
    {0x1E1E, 0x1E1F, "f"},
    {0x1E20, 0x1E21, "g"},
    {0x1E22, 0x1E2B, "h"},
    {0x1E2C, 0x1E2F, "i"},
    {0x1E30, 0x1E35, "k"},
    {0x1E36, 0x1E3D, "l"},
    {0x1E3E, 0x1E43, "m"},
    {0x1E44, 0x1E4B, "n"},
    {0x1E4C, 0x1E53, "o"},
    {0x1E54, 0x1E57, "p"},
    {0x1E58, 0x1E5F, "r"},
    {0x1E60, 0x1E69, "s"},
    {0x1E6A, 0x1E71, "t"},
    {0x1E72, 0x1E7B, "u"},
    {0x1E7C, 0x1E7F, "v"},
    {0x1E80, 0x1E89, "w"},
    {0x1E8A, 0x1E8D, "x"},
    {0x1E8E, 0x1E8F, "y"},
    {0x1E90, 0x1E95, "z"},
    {0x1E96, 0x1E96, "h"},
    {0x1E97, 0x1E97, "t"},
    {0x1E98, 0x1E98, "w"},
    {0x1E99, 0x1E99, "y"},
    {0x1E9A, 0x1E9A, "a"},
    {0x1E9B, 0x1E9D, "s"},
    {0x1E9E, 0x1E9E, "ss"},
    {0x1EA0, 0x1EB7, "a"},
    {0x1EB8, 0x1EC7, "e"},
    {0x1EC8, 0x1ECB, "i"},
    {0x1ECC, 0x1EE3, "o"},
    {0x1EE4, 0x1EF1, "u"},
    {0x1EF2, 0x1EF9, "y"},
};

/* fold_lookup: the ASCII spelling of cp, or NULL when cp is not a folded Latin letter. */
static const char *fold_lookup(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(folds) / sizeof(folds[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < folds[mid].lo)
			hi = mid;
		else if (cp > folds[mid].hi)
			lo = mid + 1;
		else
			return folds[mid].ascii;
	}
	return NULL;
}

/* is_combining_mark: combining diacritical marks (decomposed input), dropped silently. */
static bool is_combining_mark(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
	       (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
	       (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* out_word: append an alphanumeric piece, first closing a pending separator with '-'. */
static void out_word(char *out, size_t *len, bool *pending_sep, const char *w, size_t n)
{
	if (*pending_sep && *len > 0)
		out[(*len)++] = '-';
	*pending_sep = false;
	memcpy(out + *len, w, n);
	*len += n;
}

char *slug_from_name(struct arena *a, const char *name)
{
	size_t n = strlen(name);
	/* every input byte yields at most 5 output bytes ("&" → "-and-" is the worst case) */
	char *out = arena_alloc(a, n * 5 + 1);
	size_t len = 0;
	bool sep = false;
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x80) {
			i++;
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
				char ch = (char)c;
				out_word(out, &len, &sep, &ch, 1);
			} else if (c >= 'A' && c <= 'Z') {
				char ch = (char)(c - 'A' + 'a');
				out_word(out, &len, &sep, &ch, 1);
			} else if (c == '&' || c == '+') {
				sep = true;
				out_word(out, &len, &sep, c == '&' ? "and" : "plus",
				         c == '&' ? 3 : 4);
				sep = true;
			} else {
				sep = true;
			}
			continue;
		}
		uint32_t cp;
		size_t step = utf8_decode(name + i, n - i, &cp);
		if (step == 0) {
			/* invalid UTF-8: skip the byte, it separates like punctuation */
			i++;
			sep = true;
			continue;
		}
		i += step;
		const char *ascii = fold_lookup(cp);
		if (ascii != NULL)
			out_word(out, &len, &sep, ascii, strlen(ascii));
		else if (!is_combining_mark(cp))
			sep = true;
	}
	out[len] = '\0';
	if (len > SLUG_MAX) {
		/* cut at the last hyphen that keeps the slug within bounds, else hard */
		size_t cut = SLUG_MAX;
		if (out[SLUG_MAX] != '-') {
			while (cut > 0 && out[cut] != '-')
				cut--;
			if (cut == 0)
				cut = SLUG_MAX;
		}
		out[cut] = '\0';
		len = cut;
		while (len > 0 && out[len - 1] == '-')
			out[--len] = '\0';
	}
	return out;
}
