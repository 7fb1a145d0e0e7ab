/* markdown.c: the cmark call, with the unsafe option never set. */
#include "render/markdown.h"
#include "core/buf.h"

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
	char *html = cmark_markdown_to_html(md, strlen(md), opts);
	if (html != NULL) {
		buf_puts(out, html);
		free(html);
	}
}
