/* layout.c: the shared page frame, written with the escaping HTML writer. */
#include "render/layout.h"
#include "db/flash.h"
#include "render/assets.h"
#include "render/html.h"

#include <string.h>

static void nav(struct buf *b, const struct viewer *v)
{
	html_raw(b,
	         "<nav class=\"site-nav\"><a href=\"/\">Graph</a> <a href=\"/genres\">Genres</a> "
	         "<a href=\"/bands\">Bands</a>");
	if (v->username != NULL && v->is_admin)
		html_raw(
		    b, " <a href=\"/admin/genres/new\">Add Genre</a> <a href=\"/admin/bands/new\">"
		       "Add Band</a> <a href=\"/admin\">Admin</a> <a href=\"/admin/users\">"
		       "Users</a>");
	html_raw(b, "</nav><div class=\"site-user\">");
	if (v->username == NULL) {
		html_raw(b, "<a href=\"/login\">Log in</a>");
		if (v->registration_open)
			html_raw(b, " <a class=\"button\" href=\"/register\">Register</a>");
	} else {
		html_raw(b, "<span class=\"username\">");
		html_text(b, v->username);
		html_raw(b, "</span> <a href=\"/account\">Account</a> <form class=\"inline-form\" "
		            "method=\"post\" action=\"/logout\"><input type=\"hidden\" "
		            "name=\"csrf_token\" value=\"");
		html_attr(b, v->csrf_token);
		html_raw(
		    b, "\"><button class=\"link-button\" type=\"submit\">Log out</button></form>");
	}
	html_raw(b, "</div>");
}

static void flashes(struct buf *b, const struct viewer *v)
{
	for (int i = 0; i < v->nflashes; i++) {
		const char *cat = v->flashes[i].category;
		html_raw(b, "<div class=\"flash flash-");
		html_attr(b,
		          strcmp(cat, "success") == 0 || strcmp(cat, "error") == 0 ? cat : "info");
		html_raw(b, "\" role=\"status\">");
		html_text(b, v->flashes[i].message);
		html_raw(b, "</div>\n");
	}
}

/* script: a deferred <script> for a static file (by its fingerprinted address). */
static void script(struct buf *b, enum asset a)
{
	html_raw(b, "<script src=\"");
	html_attr(b, assets_url(a));
	html_raw(b, "\" defer></script>");
}

void layout_begin(struct buf *b, const struct page *p, const struct viewer *v)
{
	html_raw(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	            "<title>");
	if (p->title) {
		html_text(b, p->title);
		html_raw(b, " · ");
	}
	html_raw(b, "Music Graph</title><link rel=\"stylesheet\" href=\"");
	html_attr(b, assets_url(ASSET_SITE_CSS));
	html_raw(b, "\">");
	if (p->with_graph_script)
		script(b, ASSET_GRAPH_JS);
	if (p->with_admin_script)
		script(b, ASSET_ADMIN_JS);
	html_raw(b, "</head>\n<body class=\"");
	html_attr(b, p->body_class ? p->body_class : "page");
	html_raw(
	    b, "\">\n<header class=\"site-header\"><a class=\"brand\" href=\"/\">Music Graph</a>");
	nav(b, v);
	html_raw(b, "</header>\n<main class=\"");
	html_attr(b, p->main_class ? p->main_class : "content");
	html_raw(b, "\">\n");
	flashes(b, v);
}

void layout_end(struct buf *b)
{
	html_raw(b, "\n</main>\n<footer class=\"site-footer\"><p>Genre data from "
	            "<a href=\"https://musicbrainz.org\">MusicBrainz</a> (CC0 1.0).</p></footer>\n"
	            "</body></html>\n");
}
