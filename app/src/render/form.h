/* form.h: HTML forms through the escaping writer: the CSRF field, labelled inputs with their
 * error messages, and error summaries. */
#ifndef MG_FORM_H
#define MG_FORM_H

struct buf;

struct field {
	const char *type;         /* "text", "email", "password", "hidden" */
	const char *name;         /* the form field's name */
	const char *label;        /* shown text; NULL for hidden fields */
	const char *value;        /* kept value (never for passwords); NULL for empty */
	const char *error;        /* message shown beside the field, or NULL */
	const char *autocomplete; /* e.g. "username", "new-password"; NULL to omit */
	int required;
};

/* form_begin: <form class="form" method="post" action="…"> with the hidden CSRF token. */
void form_begin(struct buf *b, const char *action, const char *csrf_token);
void form_field(struct buf *b, const struct field *f);
/* form_errors: a list of every message (for the top of the form); nothing when n is 0. */
void form_errors(struct buf *b, const char *const *messages, int n);
/* form_end: the submit button and </form>. */
void form_end(struct buf *b, const char *button);

#endif
