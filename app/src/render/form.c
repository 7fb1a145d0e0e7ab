/* form.c: form markup with every value escaped. */
#include "render/form.h"
#include "render/html.h"

#include <string.h>

void form_begin(struct buf *b, const char *action, const char *csrf_token)
{
	html_raw(b, "<form class=\"form\" method=\"post\" action=\"");
	html_attr(b, action);
	html_raw(b, "\"><input type=\"hidden\" name=\"csrf_token\" value=\"");
	html_attr(b, csrf_token);
	html_raw(b, "\">");
}

void form_field(struct buf *b, const struct field *f)
{
	int hidden = strcmp(f->type, "hidden") == 0;
	if (!hidden) {
		html_raw(b, "<div class=\"field");
		if (f->error)
			html_raw(b, " field-invalid");
		html_raw(b, "\"><label for=\"f-");
		html_attr(b, f->name);
		html_raw(b, "\">");
		html_text(b, f->label);
		html_raw(b, "</label>");
	}
	html_raw(b, "<input type=\"");
	html_attr(b, f->type);
	html_raw(b, "\" name=\"");
	html_attr(b, f->name);
	if (!hidden) {
		html_raw(b, "\" id=\"f-");
		html_attr(b, f->name);
	}
	html_raw(b, "\" value=\"");
	html_attr(b, f->value ? f->value : "");
	html_raw(b, "\"");
	if (f->autocomplete) {
		html_raw(b, " autocomplete=\"");
		html_attr(b, f->autocomplete);
		html_raw(b, "\"");
	}
	if (f->required)
		html_raw(b, " required");
	if (f->error)
		html_raw(b, " aria-invalid=\"true\"");
	html_raw(b, ">");
	if (!hidden) {
		if (f->error) {
			html_raw(b, "<p class=\"field-error\">");
			html_text(b, f->error);
			html_raw(b, "</p>");
		}
		html_raw(b, "</div>");
	}
}

void form_errors(struct buf *b, const char *const *messages, int n)
{
	if (n == 0)
		return;
	html_raw(b, "<div class=\"flash flash-error\" role=\"alert\"><ul>");
	for (int i = 0; i < n; i++) {
		html_raw(b, "<li>");
		html_text(b, messages[i]);
		html_raw(b, "</li>");
	}
	html_raw(b, "</ul></div>");
}

void form_end(struct buf *b, const char *button)
{
	html_raw(b, "<button class=\"button\" type=\"submit\">");
	html_text(b, button);
	html_raw(b, "</button></form>");
}
