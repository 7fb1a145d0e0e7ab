/* layout.c: the shared page frame, written with the escaping HTML writer. */
#include "render/layout.h"
#include "render/html.h"

void layout_begin(struct buf *b, const struct page *p)
{
	html_raw(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	            "<title>");
	if (p->title) {
		html_text(b, p->title);
		html_raw(b, " · ");
	}
	html_raw(b, "Music Graph</title>"
	            "<link rel=\"stylesheet\" href=\"/static/css/site.css\">");
	if (p->with_graph_script)
		html_raw(b, "<script src=\"/static/js/graph.bundle.js\" defer></script>");
	html_raw(b, "</head>\n<body class=\"");
	html_attr(b, p->body_class ? p->body_class : "page");
	html_raw(b,
	         "\">\n<header class=\"site-header\"><a class=\"brand\" href=\"/\">Music Graph</a>"
	         "<nav class=\"site-nav\"><a href=\"/\">Graph</a> <a href=\"/genres\">Genres</a> "
	         "<a href=\"/bands\">Bands</a></nav></header>\n<main class=\"");
	html_attr(b, p->main_class ? p->main_class : "content");
	html_raw(b, "\">\n");
}

void layout_end(struct buf *b)
{
	html_raw(b, "\n</main>\n<footer class=\"site-footer\"><p>Genre data from "
	            "<a href=\"https://musicbrainz.org\">MusicBrainz</a> (CC0 1.0).</p></footer>\n"
	            "</body></html>\n");
}
