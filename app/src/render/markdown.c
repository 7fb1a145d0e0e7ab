/* markdown.c: the cmark call, with the unsafe option never set. */
#include "render/markdown.h"
#include "core/buf.h"
#include "util/utf8.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

void markdown_render(struct buf *out, const char *md)
{
	if (md == NULL || md[0] == '\0')
		return;
	/* cmark >= 0.29 is safe unless CMARK_OPT_UNSAFE is passed; CMARK_OPT_SAFE is kept for
	 * older headers where it is the switch (it is a no-op bit on newer ones). */
	int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SMART;
#ifdef CMARK_OPT_SAFE
	opts |= CMARK_OPT_SAFE;
#endif
	size_t n = strlen(md);
	char *html;
	if (utf8_text_valid(md, n)) {
		html = cmark_markdown_to_html(md, n, opts);
	} else {
		/* cmark passes control characters through, and HTML allows none: replace them
		 * (only a description that did not come through a form can hold one) */
		struct buf clean;
		buf_init(&clean);
		for (size_t i = 0; i < n; i++) {
			size_t c = utf8_control_len(md + i, n - i);
			if (c == 0) {
				buf_putc(&clean, md[i]);
				continue;
			}
			buf_puts(&clean, "\xEF\xBF\xBD"); /* U+FFFD */
			i += c - 1;
		}
		html = cmark_markdown_to_html(buf_cstr(&clean), clean.len, opts);
		buf_free(&clean);
	}
	if (html != NULL) {
		buf_puts(out, html);
		free(html);
	}
}
