/* genres_admin.h: the SQL behind the admin's genre pages: the list with counts, and the
 * statements for the shared reads and writes (db/admin_entity.h), with the genre's own
 * delete. */
#ifndef MG_DB_GENRES_ADMIN_H
#define MG_DB_GENRES_ADMIN_H

#include "core/mg.h"
#include "db/admin_entity.h"

#include <stddef.h>

struct arena;
struct db;

/* One genre as the admin list shows it; strings live in the arena. */
struct genres_admin_row {
	const char *id, *name, *type;
	const char *parent_id, *parent_name; /* the primary parent, or NULL for a root */
	long nparents, nchildren, nbands;
	long version;
};

/* What a genre delete did: the shared outcome (REFUSED fields: "id", "name", "parent_id",
 * "parent_genres", "description" or NULL) and, for IN_USE, the names of its subgenres and of
 * the bands whose primary genre it is. */
struct genres_admin_result {
	struct admin_result base;
	const char **children, **primary_of;
	size_t nchildren, nprimary_of;
};

/* The genres for the shared reads and writes (db/admin_entity.h): the record's primary is its
 * primary parent (NULL for a root), its links its parents; the audit entries are
 * genre.create / genre.update / genre.delete with name, parent_id, parents, description_md.
 * A constraint failure comes back in the words of the form's fields (above), with cycle set
 * for the cycle trigger. */
extern const struct admin_entity db_genres_admin_entity;

/* db_genres_admin_list: every genre sorted by name (case-insensitive, then id), with its type,
 * primary parent and counts of parents, subgenres and bands. *out is an arena array. */
enum mg_err db_genres_admin_list(struct db *db, struct arena *a, struct genres_admin_row **out,
                                 size_t *n);

/* db_genres_admin_delete: admin_entity_delete for a genre, which it refuses (IN_USE, with
 * the names) while the genre has subgenres or is any band's primary genre; otherwise the bands
 * that list it as a secondary genre lose that link (each with a band.update audit entry), and
 * its own parent links and aliases go with it (its genre.delete entry's "before" also lists
 * the aliases). */
enum mg_err db_genres_admin_delete(const struct admin_write *w, const char *id, long version,
                                   struct genres_admin_result *out);

#endif
