/* admin_form.h: the pieces the admin genre and band forms share (defined in pages/admin.c). */
#ifndef MG_ADMIN_FORM_H
#define MG_ADMIN_FORM_H

#include "core/mg.h"

#include <stdbool.h>
#include <stddef.h>

struct admin_result;
struct arena;
struct buf;
struct graph;
struct request;
struct response;

#define ADMIN_MAX_ERRORS 16

/* The messages a form shows at its top, each once (at most ADMIN_MAX_ERRORS). */
struct admin_errors {
	const char *v[ADMIN_MAX_ERRORS];
	int n;
};
/* admin_form_error: message into *slot (when slot is not NULL and *slot is still empty, for
 * the field's own error) and into e's list unless it already holds it. message is not
 * copied. */
void admin_form_error(struct admin_errors *e, const char **slot, const char *message);

/* What the shared steps of a form's handler say about the kind of record it writes. */
struct admin_kind {
	const char *noun;  /* "Genre", "Band": the flash messages start with it */
	const char *stale; /* the form error when the record changed since the form was loaded */
	const char *gone;  /* the 404 page's message when it no longer exists */
};
/* admin_form_rejected: whether an edit form must be shown again instead of written: true with
 * resp->status 422 when e holds errors, else true with 409 and k->stale added to e when
 * version is not a valid form version (admin_version_parse); false otherwise. */
bool admin_form_rejected(struct response *resp, struct admin_errors *e, const char *version,
                         const struct admin_kind *k);
/* admin_write_answer: answers a write (rc and res from a db_*_admin_create / _update / _delete)
 * when its outcome ends the request, and returns true: rc not MG_OK, the error page
 * (page_fail); DONE, the success flash <noun> "<name>" <verb>. and a 303 redirect to to;
 * UNCHANGED, the info flash <noun> "<name>" was not changed. and the same redirect;
 * NOT_FOUND, a 404 page with k->gone. Otherwise returns false having set resp->status (409 for
 * STALE, 422 for the others) for the form the caller shows again. to is not copied. */
bool admin_write_answer(struct request *req, struct response *resp, enum mg_err rc,
                        const struct admin_kind *k, const struct admin_result *res,
                        const char *verb, const char *name, const char *to);
/* admin_url: prefix followed by id, URL-escaped (html_url), in the arena. */
const char *admin_url(struct arena *a, const char *prefix, const char *id);

/* admin_genres_by_name: the indices of g's genres sorted by name (ASCII case-insensitive,
 * then id), an arena array of g->ngenres. */
size_t *admin_genres_by_name(struct arena *a, const struct graph *g);
/* A <select> over every genre, in the order admin_genres_by_name gives. */
struct admin_select {
	const char *name, *label, *hint, *error; /* hint and error may be NULL */
	int multiple;                            /* else single, with an empty first option: */
	const char *empty;                       /* its text */
	const char *const *selected;             /* the ids shown selected */
	size_t nselected;
	const char *exclude; /* a genre id left out (the genre being edited), or NULL */
	/* single: the name of the multiple select that admin.js keeps in step, or NULL */
	const char *also_select;
};
void admin_genre_select(struct buf *b, const struct graph *g, const size_t *order,
                        const struct admin_select *s);
/* admin_slug_field: the id (slug) input, or when !editable a read-only copy without a name. */
void admin_slug_field(struct buf *b, const char *label, const char *value, const char *error,
                      bool editable);
/* admin_description_field: the Markdown textarea and, when preview, the rendered Markdown. */
void admin_description_field(struct buf *b, const char *value, const char *error, bool preview);
/* admin_form_end: Save (the default button), Preview (name="preview" value="1"), Cancel, and
 * </form>. */
void admin_form_end(struct buf *b, const char *save);
/* admin_delete_button: a one-button POST form to action with the CSRF token, the version and
 * an empty "confirm" field that admin.js sets to 1 after confirm(confirm_text); without it the
 * handler answers with a confirmation page first. */
void admin_delete_button(struct buf *b, const char *action, const char *csrf, long version,
                         const char *confirm_text, const char *label);
/* admin_name_clean: name without surrounding blanks (arena), *problem set when it is empty,
 * over 200 characters or holds a control character. */
const char *admin_name_clean(struct arena *a, const char *name, const char **problem);
/* admin_description_clean: md with CRLF as LF (arena), *problem set when over 20,000
 * characters. */
const char *admin_description_clean(struct arena *a, const char *md, const char **problem);
/* admin_unique: the non-empty strings of v without repeats, in order (arena array). */
const char **admin_unique(struct arena *a, const char *const *v, size_t n, size_t *out_n);
/* admin_version_parse: a form's version (1 to 9 digits, > 0); false (and 0) otherwise. */
bool admin_version_parse(const char *s, long *version);
/* admin_name_list: "A, B, C" (at most 20, then " and N more"), in the arena. */
const char *admin_name_list(struct arena *a, const char *const *names, size_t n);

#endif
