/* admin_editor.h: the add, edit and delete forms that the admin's genre and band pages share,
 * driven by a table that describes one kind of record (pages/admin_genres.c,
 * pages/admin_bands.c). A record has a name, a Markdown description, links to genres (a
 * genre's parents, a band's genres) and a primary one among them. */
#ifndef MG_ADMIN_EDITOR_H
#define MG_ADMIN_EDITOR_H

#include "core/mg.h"
#include "pages/admin_form.h"

#include <stdbool.h>
#include <stddef.h>

struct admin_entity;
struct admin_result;
struct admin_write;
struct arena;
struct graph;
struct request;
struct response;

/* The most reasons a delete page shows at its top. */
#define ADMIN_EDITOR_MAX_WHY 4

struct admin_editor {
	struct admin_kind kind;    /* kind.noun ("Genre") starts flash messages and ID errors */
	const char *noun;          /* "genre": titles, headings, buttons, the 404 message */
	const char *section;       /* "Genres": the kicker above the heading */
	const char *admin_prefix;  /* "/admin/genres/": the forms' addresses */
	const char *public_prefix; /* "/genres/": where a new record is shown */
	const char *preselect; /* "parent": GET …/new?parent=<genre id> preselects the genre */
	/* the primary and the links selects (admin_genre_select) as far as they are fixed: name
	 * (the form field, named as the data module's refusals name it), label, hint, and the
	 * primary's empty choice and also_select */
	struct admin_select primary, links;
	/* validation messages: "<link_noun> '<id>' does not exist"; own_link, when a record can
	 * be among its own links (genres), refuses that and leaves it out of the selects */
	const char *link_noun, *own_link, *primary_unlisted, *primary_unchosen;
	const char *links_required; /* when a record needs a link (bands), else NULL */
	const char *danger_note; /* markup after the edit form's "Delete this …" heading, or NULL */
	const char *consequence;          /* the delete page's "Its links to … go with it." */
	const struct admin_entity *table; /* the data module's statements */
	/* name_of: the name of the record id in g, or NULL when there is none */
	const char *(*name_of)(const struct graph *g, const char *id);

	/* Genres only; NULL for bands. cycle: the message naming the cycle that giving id these
	 * links would make, or NULL. */
	const char *(*cycle)(struct arena *a, const struct graph *g, const char *id,
	                     const char *const *links, size_t nlinks);
	/* blockers: the reasons in g (at most 2, into why) that id cannot be deleted, their
	 * number; when none, *consequence may say more than e->consequence. */
	int (*blockers)(struct arena *a, const struct graph *g, const char *id, const char **why,
	                const char **consequence);
	/* remove: the delete instead of admin_entity_delete, with the database's reasons (at most
	 * 2, into why, *nwhy of them) when it refuses with IN_USE. */
	enum mg_err (*remove)(const struct admin_write *w, const char *id, long version,
	                      struct admin_result *res, const char **why, int *nwhy);
};

/* The handlers, for the routes of e: GET …/new (empty, or with the preselected genre), POST
 * …/new, GET and POST …/<id>/edit, POST …/<id>/delete (with confirm=1 it deletes, otherwise it
 * shows what deleting does and asks). A POST with preview=1 shows the form again with the
 * description rendered; one with errors shows it with every message (422), a stale version
 * gives 409; a write ends in a flash message and a 303. */
void admin_editor_new(struct request *req, struct response *resp, const struct admin_editor *e);
void admin_editor_new_post(struct request *req, struct response *resp,
                           const struct admin_editor *e);
void admin_editor_edit(struct request *req, struct response *resp, const struct admin_editor *e);
void admin_editor_edit_post(struct request *req, struct response *resp,
                            const struct admin_editor *e);
void admin_editor_delete_post(struct request *req, struct response *resp,
                              const struct admin_editor *e);

#endif
