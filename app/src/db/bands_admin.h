/* bands_admin.h: the SQL behind the admin's band pages: the list with counts, one record for
 * the edit form, and create / update / delete, each in one transaction with its audit entry. */
#ifndef MG_DB_BANDS_ADMIN_H
#define MG_DB_BANDS_ADMIN_H

#include "core/mg.h"
#include "db/admin_result.h"

#include <stddef.h>

struct arena;
struct db;

/* One band as the admin list shows it; strings live in the arena. */
struct bands_admin_row {
	const char *id, *name, *primary_genre_id, *primary_genre_name;
	long ngenres;
	long version;
};

/* One band as the edit form needs it; strings live in the arena. */
struct band_record {
	const char *id, *name, *primary_genre_id, *description_md;
	const char **genres; /* every genre's id, bytewise sorted */
	size_t ngenres;
	long version;
};

/* What the form asks for, already validated by the page (slug, name, genres that exist, the
 * primary genre among them). genres need not be sorted or unique. */
struct band_input {
	const char *id, *name, *primary_genre_id, *description_md;
	const char *const *genres;
	size_t ngenres;
	long version; /* update: the version the form was loaded with */
};

/* db_bands_admin_list: every band sorted by name (case-insensitive, then id), with its primary
 * genre and its number of genres. *out is an arena array. */
enum mg_err db_bands_admin_list(struct db *db, struct arena *a, struct bands_admin_row **out,
                                size_t *n);

/* db_bands_admin_get: the band id with its genres and version. MG_ERR_NOT_FOUND when there is
 * none. */
enum mg_err db_bands_admin_get(struct db *db, struct arena *a, const char *id,
                               struct band_record *out);

/* db_bands_admin_create / _update / _delete: in one transaction that first locks the
 * data_version row (graph writers take turns): write the band and its genre links, write the
 * audit entry (band.create with {"after": …}, band.update with the changed fields
 * {"before": …, "after": …}, band.delete with {"before": …}) for actor_id / actor, commit.
 * update refuses (STALE) when the row's version is not in->version (UPDATE … WHERE id = $1 AND
 * version = $2); delete does when version is not 0 and differs. A constraint failure (at any
 * statement or at COMMIT) rolls back and comes back as REFUSED with a message (field: "id",
 * "name", "primary_genre_id", "genres", "description" or NULL). Returns MG_OK with the outcome
 * in *out (name set by delete once the band is found), or a database error after rolling back. */
enum mg_err db_bands_admin_create(struct db *db, struct arena *a, long long actor_id,
                                  const char *actor, const struct band_input *in,
                                  struct admin_result *out);
enum mg_err db_bands_admin_update(struct db *db, struct arena *a, long long actor_id,
                                  const char *actor, const struct band_input *in,
                                  struct admin_result *out);
enum mg_err db_bands_admin_delete(struct db *db, struct arena *a, long long actor_id,
                                  const char *actor, const char *id, long version,
                                  struct admin_result *out);

#endif
