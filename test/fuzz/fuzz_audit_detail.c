/* fuzz_audit_detail.c: audit_detail_html (pages/audit_detail.c), the small JSON parser that
 * turns an audit entry's detail ({"before": {...}, "after": {...}}) into the "Changes" cell of
 * /admin/audit. Its input comes from the database, but the values in it were typed by users.
 * The input, cut at its first NUL, is the detail text.
 * Properties: the output is valid UTF-8 without control characters (but tab and newlines), C1
 * controls or noncharacters; its only markup is the fixed set of tags the page writes, properly
 * nested and closed, and its only entities are the five escapes plus &rarr; and &mdash;: no
 * byte of the input can open a tag or an attribute. */
#include "core/arena.h"
#include "core/buf.h"
#include "fuzz.h"
#include "pages/audit_detail.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <string.h>

static const char *const tags[] = {
    "<pre class=\"audit-detail\">", "<span class=\"muted\">",
    "<ul class=\"audit-changes\">", "<li>",
    "<span class=\"audit-field\">", "<del class=\"audit-before\">",
    "<span class=\"audit-arrow\">", "<ins class=\"audit-after\">",
};
static const char *const entities[] = {"&amp;", "&lt;",   "&gt;",   "&quot;",
                                       "&#39;", "&rarr;", "&mdash;"};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* element: the element name of an opening tag ("<span class=…>" → "span"), into name. */
static void element(const char *tag, char *name, size_t cap)
{
	size_t n = strcspn(tag + 1, " >");
	FUZZ_ASSERT(n < cap);
	memcpy(name, tag + 1, n);
	name[n] = '\0';
}

static void check_markup(const char *out, size_t len)
{
	char stack[64][8];
	size_t depth = 0;
	for (size_t i = 0; i < len;) {
		const char *p = out + i;
		if (*p == '<') {
			bool known = false;
			for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]) && !known; t++) {
				if (!starts(p, tags[t]))
					continue;
				FUZZ_ASSERT(depth < 64);
				element(tags[t], stack[depth++], sizeof(stack[0]));
				i += strlen(tags[t]);
				known = true;
			}
			if (known)
				continue;
			FUZZ_ASSERT(p[1] == '/' && depth > 0);
			size_t n = strlen(stack[depth - 1]);
			FUZZ_ASSERT(strncmp(p + 2, stack[depth - 1], n) == 0 && p[2 + n] == '>');
			depth--;
			i += n + 3;
			continue;
		}
		if (*p == '&') {
			bool known = false;
			for (size_t e = 0; e < sizeof(entities) / sizeof(entities[0]) && !known;
			     e++)
				known = starts(p, entities[e]);
			FUZZ_ASSERT(known);
		}
		FUZZ_ASSERT(*p != '>' && *p != '"' && *p != '\'');
		i++;
	}
	FUZZ_ASSERT(depth == 0);
}

static void check_text(const char *out, size_t len)
{
	FUZZ_ASSERT(utf8_valid(out, len));
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(out + i, len - i, &cp);
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r');
		FUZZ_ASSERT(cp < 0x7F || cp > 0x9F);
		FUZZ_ASSERT(!(cp >= 0xFDD0 && cp <= 0xFDEF) && (cp & 0xFFFE) != 0xFFFE);
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *detail = fuzz_cstr(data, size);
	struct arena *a = arena_new();
	struct buf b;
	buf_init(&b);

	audit_detail_html(a, &b, detail);
	const char *out = buf_cstr(&b);
	FUZZ_ASSERT(b.len > 0 && strlen(out) == b.len);
	check_text(out, b.len);
	check_markup(out, b.len);

	buf_free(&b);
	arena_free(a);
	free(detail);
	return 0;
}
