/* genres_admin.h: the SQL behind the admin's genre pages: the list with counts, one record for
 * the edit form, and create / update / delete, each in one transaction with its audit entry. */
#ifndef MG_DB_GENRES_ADMIN_H
#define MG_DB_GENRES_ADMIN_H

#include "core/mg.h"
#include "db/admin_result.h"

#include <stdbool.h>
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

/* One genre as the edit form needs it; strings live in the arena. */
struct genre_record {
	const char *id, *name, *description_md;
	const char *parent_id; /* the primary parent, or NULL */
	const char **parents;  /* every parent's id, bytewise sorted */
	size_t nparents;
	long version;
};

/* What the form asks for, already validated by the page (slug, names, parents that exist,
 * primary parent among the parents, no cycle). parents need not be sorted or unique. */
struct genre_input {
	const char *id, *name, *description_md;
	const char *parent_id; /* NULL or "" for a root */
	const char *const *parents;
	size_t nparents;
	long version; /* update and delete: the version the form was loaded with (0: any) */
};

/* What a write did: the shared outcome (REFUSED fields: "id", "name", "parent_id",
 * "parent_genres", "description" or NULL; cycle set for the cycle trigger) and, for IN_USE,
 * the names of its subgenres and of the bands whose primary genre it is. */
struct genres_admin_result {
	struct admin_result base;
	const char **children, **primary_of;
	size_t nchildren, nprimary_of;
};

/* db_genres_admin_list: every genre sorted by name (case-insensitive, then id), with its type,
 * primary parent and counts of parents, subgenres and bands. *out is an arena array. */
enum mg_err db_genres_admin_list(struct db *db, struct arena *a, struct genres_admin_row **out,
                                 size_t *n);

/* db_genres_admin_get: the genre id with its parents and version. MG_ERR_NOT_FOUND when there
 * is none. */
enum mg_err db_genres_admin_get(struct db *db, struct arena *a, const char *id,
                                struct genre_record *out);

/* db_genres_admin_create / _update / _delete: in one transaction that first locks the
 * data_version row (so graph writers take turns, as the importers do): write the genre and its
 * parent links, write the audit entry (genre.create with {"after": …}, genre.update with the
 * changed fields {"before": …, "after": …}, genre.delete with {"before": …}) for actor_id /
 * actor, commit. update refuses (STALE) when the row's version is not in->version
 * (UPDATE … WHERE id = $1 AND version = $2). delete refuses (IN_USE, with the names) while the
 * genre has subgenres or is any band's primary genre; otherwise the bands that list it as a
 * secondary genre lose that link (each with a band.update audit entry), and its own parent
 * links and aliases go with it. A constraint failure (at any statement or at COMMIT) rolls
 * back and comes back as REFUSED with a message. Returns MG_OK with the outcome in *out, or a
 * database error after rolling back. */
enum mg_err db_genres_admin_create(struct db *db, struct arena *a, long long actor_id,
                                   const char *actor, const struct genre_input *in,
                                   struct genres_admin_result *out);
enum mg_err db_genres_admin_update(struct db *db, struct arena *a, long long actor_id,
                                   const char *actor, const struct genre_input *in,
                                   struct genres_admin_result *out);
enum mg_err db_genres_admin_delete(struct db *db, struct arena *a, long long actor_id,
                                   const char *actor, const char *id, long version,
                                   struct genres_admin_result *out);

#endif
