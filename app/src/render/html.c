/* html.c: escaping for HTML text, attributes and URLs. */
#include "render/html.h"
#include "core/buf.h"
#include "util/utf8.h"

#include <string.h>

void html_raw(struct buf *b, const char *markup)
{
	buf_puts(b, markup);
}

void html_textn(struct buf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		size_t skip = 1;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			/* a control character (from data that did not come through a form: imports)
			 * is not allowed in HTML at all, not even as a reference; the first test
			 * passes nearly every byte without a call */
			if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7F &&
			    (unsigned char)s[i] != 0xC2)
				continue;
			skip = utf8_control_len(s + i, n - i);
			if (skip == 0)
				continue;
			rep = "\xEF\xBF\xBD"; /* U+FFFD REPLACEMENT CHARACTER */
		}
		buf_append(b, s + run, i - run);
		buf_puts(b, rep);
		i += skip - 1;
		run = i + 1;
	}
	buf_append(b, s + run, n - run);
}

void html_text(struct buf *b, const char *s)
{
	if (s != NULL)
		html_textn(b, s, strlen(s));
}

void html_attr(struct buf *b, const char *s)
{
	/* the same five escapes are sufficient inside a double-quoted attribute */
	html_text(b, s);
}

void html_url(struct buf *b, const char *prefix, const char *seg)
{
	static const char hex[] = "0123456789ABCDEF";
	html_attr(b, prefix);
	for (const unsigned char *p = (const unsigned char *)seg; p && *p; p++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_putc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_append(b, e, 3);
		}
	}
}

void html_link(struct buf *b, const char *prefix, const char *seg, const char *text)
{
	html_raw(b, "<a href=\"");
	html_url(b, prefix, seg);
	html_raw(b, "\">");
	html_text(b, text);
	html_raw(b, "</a>");
}

void html_int(struct buf *b, long n)
{
	buf_printf(b, "%ld", n);
}
