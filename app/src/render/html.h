/* html.h: the one HTML writer. Every string that is not literal markup in our own source
 * goes through html_text, html_attr or html_url, which escape & < > " ' at one choke point. */
#ifndef MG_HTML_H
#define MG_HTML_H

#include <stddef.h>

struct buf;

/* html_raw: literal markup from our own source code only. */
void html_raw(struct buf *b, const char *markup);
/* html_text: text content, escaped. NULL writes nothing. */
void html_text(struct buf *b, const char *text);
void html_textn(struct buf *b, const char *text, size_t n);
/* html_attr: an attribute value (the caller writes the surrounding double quotes). */
void html_attr(struct buf *b, const char *value);
/* html_url: prefix (our own, e.g. "/genres/") followed by seg percent-encoded as one path
 * segment, the whole escaped for use inside a double-quoted attribute. */
void html_url(struct buf *b, const char *prefix, const char *seg);
/* html_link: <a href="prefix + seg">text</a>, everything escaped (html_url for the address). */
void html_link(struct buf *b, const char *prefix, const char *seg, const char *text);
/* html_int: a number as text. */
void html_int(struct buf *b, long n);

#endif
