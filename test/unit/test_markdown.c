/* test_markdown.c: descriptions render through cmark without raw HTML, and control characters
 * (which HTML forbids) come out as U+FFFD. */
#include "check.h"
#include "core/buf.h"
#include "render/markdown.h"

#include <string.h>

static void render(struct buf *b, const char *md)
{
	buf_clear(b);
	markdown_render(b, md);
}

int main(void)
{
	struct buf b;
	buf_init(&b);
	render(&b, "**Loud** music");
	CHECK_STR(buf_cstr(&b), "<p><strong>Loud</strong> music</p>\n");
	render(&b, "<script>alert(1)</script>");
	CHECK(strstr(buf_cstr(&b), "<script>") == NULL);
	render(&b, "[x](javascript:alert(1))");
	CHECK(strstr(buf_cstr(&b), "javascript:") == NULL);
	render(&b, "a\x01"
	           "b\x7F"
	           "c\xC2\x85"
	           "d");
	CHECK_STR(buf_cstr(&b), "<p>a\xEF\xBF\xBD"
	                        "b\xEF\xBF\xBD"
	                        "c\xEF\xBF\xBD"
	                        "d</p>\n");
	render(&b, "");
	CHECK_STR(buf_cstr(&b), "");
	buf_free(&b);
	return check_done("test_markdown");
}
