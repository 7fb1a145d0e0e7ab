/* markdown.h: Markdown → HTML through cmark in safe mode, the only HTML we did not write. */
#ifndef MG_MARKDOWN_H
#define MG_MARKDOWN_H

struct buf;

/* markdown_render: append the HTML for md to out. Raw HTML is omitted and javascript:,
 * vbscript:, file: and data: (except images) links are dropped (CMARK_OPT_SAFE semantics:
 * cmark without CMARK_OPT_UNSAFE). NULL or "" appends nothing. */
void markdown_render(struct buf *out, const char *md);

#endif
