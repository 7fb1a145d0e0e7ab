/* audit_detail.c: an audit entry's detail JSON as the list of changed fields on the audit page.
 * The text comes from PostgreSQL (jsonb::text), so it is valid JSON; the parser still checks
 * every bound (it is fuzzed: test/fuzz/fuzz_audit_detail.c), and anything it does not
 * understand is shown verbatim (escaped) instead. */
#include "pages/audit_detail.h"
#include "core/arena.h"
#include "core/buf.h"
#include "render/html.h"

#include <stdbool.h>
#include <string.h>

#define DETAIL_MAX_DEPTH  32
#define DETAIL_MAX_FIELDS 64

struct jcur {
	const char *p, *end;
};

/* A member of a JSON object: its name (decoded) and its value as JSON text. */
struct member {
	const char *name;
	const char *raw;
	size_t rawlen;
};

static void skip_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* skip_string: past the string that starts at c->p; false when there is none. */
static bool skip_string(struct jcur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	for (c->p++; c->p < c->end;) {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			return true;
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			if (c->p >= c->end)
				return false;
			c->p++;
		}
	}
	return false;
}

/* skip_value: past one value (nesting at most DETAIL_MAX_DEPTH deep); false when malformed.
 * Numbers and literals are taken as a run of their characters without further checks. */
static bool skip_value(struct jcur *c, int depth)
{
	skip_ws(c);
	if (c->p >= c->end || depth > DETAIL_MAX_DEPTH)
		return false;
	if (*c->p == '"')
		return skip_string(c);
	if (*c->p != '{' && *c->p != '[') {
		const char *start = c->p;
		while (c->p < c->end && *c->p != '\0' &&
		       strchr("+-.0123456789abcdefghijklmnopqrstuvwxyzE", *c->p) != NULL)
			c->p++;
		return c->p > start;
	}
	bool object = *c->p == '{';
	char close = object ? '}' : ']';
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		if (object) {
			skip_ws(c);
			if (!skip_string(c))
				return false;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return false;
			c->p++;
		}
		if (!skip_value(c, depth + 1))
			return false;
		skip_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p++ == close)
			return true;
		if (c->p[-1] != ',')
			return false;
	}
}

/* put_cp: code point cp as UTF-8, or U+FFFD for what must not reach a page (NUL and other
 * control characters but tab and newlines, surrogates, noncharacters). */
static void put_cp(struct buf *b, unsigned long cp)
{
	if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xFDD0 && cp <= 0xFDEF) ||
	    (cp & 0xFFFE) == 0xFFFE || cp > 0x10FFFF)
		cp = 0xFFFD;
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, u, n);
}

/* utf8_next: the code point at *p (before end), advancing *p; U+FFFD for a malformed byte. */
static unsigned long utf8_next(const char **p, const char *end)
{
	const unsigned char *s = (const unsigned char *)*p;
	size_t avail = (size_t)(end - *p), len;
	unsigned long cp;
	if (s[0] < 0x80) {
		len = 1, cp = s[0];
	} else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2, cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3, cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4, cp = s[0] & 0x07;
	} else {
		(*p)++;
		return 0xFFFD;
	}
	if (len > avail) {
		(*p)++;
		return 0xFFFD;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			(*p)++;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < least[len]) { /* overlong */
		(*p)++;
		return 0xFFFD;
	}
	*p += len;
	return cp;
}

/* clean_text: s[0..n) with every code point passed through put_cp, in the arena. */
static const char *clean_text(struct arena *a, const char *s, size_t n)
{
	struct buf *b = buf_new_in(a);
	for (const char *p = s, *end = s + n; p < end;)
		put_cp(b, utf8_next(&p, end));
	return buf_cstr(b);
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char h = p[i];
		int d = h >= '0' && h <= '9'   ? h - '0'
		        : h >= 'a' && h <= 'f' ? h - 'a' + 10
		        : h >= 'A' && h <= 'F' ? h - 'A' + 10
		                               : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* decode_string: the text of the JSON string s[0..n) (quotes included, as skip_string found
 * it) with its escapes resolved, cleaned as by put_cp, in the arena. */
static const char *decode_string(struct arena *a, const char *s, size_t n)
{
	struct buf *b = buf_new_in(a);
	const char *p = s + 1, *end = s + n - 1;
	while (p < end) {
		if (*p != '\\') {
			put_cp(b, utf8_next(&p, end));
			continue;
		}
		if (p + 1 >= end) {
			put_cp(b, 0xFFFD);
			break;
		}
		char e = p[1];
		p += 2;
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e != '\0' && e != 'u' && simple != NULL) {
			put_cp(b, (unsigned long)"\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]);
			continue;
		}
		int u = e == 'u' && end - p >= 4 ? hex4(p) : -1;
		if (u < 0) {
			put_cp(b, 0xFFFD);
			continue;
		}
		p += 4;
		unsigned long cp = (unsigned long)u;
		if (u >= 0xD800 && u <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
			int lo = hex4(p + 2);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) +
				     ((unsigned long)lo - 0xDC00);
				p += 6;
			}
		}
		put_cp(b, cp); /* a lone surrogate becomes U+FFFD there */
	}
	return buf_cstr(b);
}

/* object_members: the members of the object at c->p into m (at most max); false when the
 * value is not an object, is malformed or has more members. */
static bool object_members(struct arena *a, struct jcur *c, struct member *m, int max, int *n)
{
	*n = 0;
	skip_ws(c);
	if (c->p >= c->end || *c->p != '{')
		return false;
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return true;
	}
	for (;;) {
		if (*n == max)
			return false;
		skip_ws(c);
		const char *name = c->p;
		if (!skip_string(c))
			return false;
		m[*n].name = decode_string(a, name, (size_t)(c->p - name));
		skip_ws(c);
		if (c->p >= c->end || *c->p != ':')
			return false;
		c->p++;
		skip_ws(c);
		m[*n].raw = c->p;
		if (!skip_value(c, 1))
			return false;
		m[*n].rawlen = (size_t)(c->p - m[*n].raw);
		(*n)++;
		skip_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p++ == '}')
			return true;
		if (c->p[-1] != ',')
			return false;
	}
}

static const struct member *member_find(const struct member *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

/* value_text: a member's value as a reader wants it: a string's text, else the JSON. */
static void value_text(struct arena *a, struct buf *b, const struct member *v)
{
	if (v->rawlen >= 2 && v->raw[0] == '"') {
		const char *s = decode_string(a, v->raw, v->rawlen);
		if (s[0] == '\0')
			html_raw(b, "<span class=\"muted\">(empty)</span>");
		else
			html_text(b, s);
	} else if (v->rawlen == 4 && memcmp(v->raw, "null", 4) == 0) {
		html_raw(b, "<span class=\"muted\">(none)</span>");
	} else {
		html_text(b, clean_text(a, v->raw, v->rawlen));
	}
}

/* change_item: one field's line: its name, the value before (struck) and after. */
static void change_item(struct arena *a, struct buf *b, const char *name,
                        const struct member *before, const struct member *after)
{
	html_raw(b, "<li><span class=\"audit-field\">");
	html_text(b, name);
	html_raw(b, "</span> ");
	if (before != NULL) {
		html_raw(b, "<del class=\"audit-before\">");
		value_text(a, b, before);
		html_raw(b, "</del>");
	}
	if (before != NULL && after != NULL)
		html_raw(b, " <span class=\"audit-arrow\">&rarr;</span> ");
	if (after != NULL) {
		html_raw(b, "<ins class=\"audit-after\">");
		value_text(a, b, after);
		html_raw(b, "</ins>");
	}
	html_raw(b, "</li>");
}

void audit_detail_html(struct arena *a, struct buf *b, const char *detail)
{
	struct member top[4], *bm = arena_calloc(a, DETAIL_MAX_FIELDS, sizeof(*bm));
	struct member *am = arena_calloc(a, DETAIL_MAX_FIELDS, sizeof(*am));
	int ntop, nb = 0, na = 0;
	struct jcur c = {detail, detail + strlen(detail)};
	bool ok = object_members(a, &c, top, 4, &ntop);
	skip_ws(&c);
	ok = ok && c.p == c.end;
	const struct member *before = ok ? member_find(top, ntop, "before") : NULL;
	const struct member *after = ok ? member_find(top, ntop, "after") : NULL;
	ok = ok && ntop == (before != NULL) + (after != NULL);
	if (ok && before != NULL) {
		struct jcur v = {before->raw, before->raw + before->rawlen};
		ok = object_members(a, &v, bm, DETAIL_MAX_FIELDS, &nb);
	}
	if (ok && after != NULL) {
		struct jcur v = {after->raw, after->raw + after->rawlen};
		ok = object_members(a, &v, am, DETAIL_MAX_FIELDS, &na);
	}
	if (!ok) {
		html_raw(b, "<pre class=\"audit-detail\">");
		html_text(b, clean_text(a, detail, strlen(detail)));
		html_raw(b, "</pre>");
		return;
	}
	if (before == NULL && after == NULL) {
		html_raw(b, "<span class=\"muted\">&mdash;</span>");
		return;
	}
	int shown = 0;
	for (int i = 0; i < nb; i++) {
		const struct member *x = member_find(am, na, bm[i].name);
		/* jsonb prints equal values alike, so equal text means unchanged */
		if (x != NULL && x->rawlen == bm[i].rawlen &&
		    memcmp(x->raw, bm[i].raw, x->rawlen) == 0)
			continue;
		if (shown++ == 0)
			html_raw(b, "<ul class=\"audit-changes\">");
		change_item(a, b, bm[i].name, &bm[i], x);
	}
	for (int i = 0; i < na; i++) {
		if (member_find(bm, nb, am[i].name) != NULL)
			continue;
		if (shown++ == 0)
			html_raw(b, "<ul class=\"audit-changes\">");
		change_item(a, b, am[i].name, NULL, &am[i]);
	}
	if (shown > 0)
		html_raw(b, "</ul>");
	else
		html_raw(b, "<span class=\"muted\">No field changed.</span>");
}
