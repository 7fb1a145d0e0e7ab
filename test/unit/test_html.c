/* test_html.c: the HTML writer escapes & < > " ' in text, attributes and URLs, and replaces the
 * control characters HTML forbids. */
#include "check.h"
#include "core/buf.h"
#include "render/html.h"

int main(void)
{
	struct buf b;
	buf_init(&b);
	html_text(&b, "<script>alert(1)</script> & \"q\" 'a'");
	CHECK_STR(buf_cstr(&b),
	          "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;");
	buf_clear(&b);
	html_text(&b, "Motörhead — plain");
	CHECK_STR(buf_cstr(&b), "Motörhead — plain");
	buf_clear(&b);
	html_text(&b, NULL);
	CHECK_STR(buf_cstr(&b), "");
	html_attr(&b, "\" onmouseover=\"x");
	CHECK_STR(buf_cstr(&b), "&quot; onmouseover=&quot;x");
	buf_clear(&b);
	html_text(&b, "a\x01"
	              "b\x7F"
	              "\xC2\x85"
	              "c\td\n");
	CHECK_STR(buf_cstr(&b), "a\xEF\xBF\xBD"
	                        "b\xEF\xBF\xBD"
	                        "\xEF\xBF\xBD"
	                        "c\td\n");
	buf_clear(&b);
	html_url(&b, "/genres/", "a b/../\"<>é");
	CHECK_STR(buf_cstr(&b), "/genres/a%20b%2F..%2F%22%3C%3E%C3%A9");
	buf_clear(&b);
	html_url(&b, "/bands/", "ac-dc");
	CHECK_STR(buf_cstr(&b), "/bands/ac-dc");
	buf_clear(&b);
	html_raw(&b, "<p>");
	html_int(&b, -42);
	CHECK_STR(buf_cstr(&b), "<p>-42");
	buf_clear(&b);
	html_textn(&b, "a<b", 2);
	CHECK_STR(buf_cstr(&b), "a&lt;");
	buf_clear(&b);
	html_link(&b, "/genres/", "a\"b", "<i>x</i>");
	CHECK_STR(buf_cstr(&b), "<a href=\"/genres/a%22b\">&lt;i&gt;x&lt;/i&gt;</a>");
	buf_free(&b);
	return check_done("test_html");
}
