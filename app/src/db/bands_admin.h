/* bands_admin.h: the SQL behind the admin's band pages: the list with counts, and the
 * statements for the shared reads and writes (db/admin_entity.h). */
#ifndef MG_DB_BANDS_ADMIN_H
#define MG_DB_BANDS_ADMIN_H

#include "core/mg.h"
#include "db/admin_entity.h"

#include <stddef.h>

struct arena;
struct db;

/* One band as the admin list shows it; strings live in the arena. */
struct bands_admin_row {
	const char *id, *name, *primary_genre_id, *primary_genre_name;
	long ngenres;
	long version;
};

/* The bands for the shared reads and writes (db/admin_entity.h), delete included: the
 * record's primary is its primary genre, its links its genres; the audit entries are
 * band.create / band.update / band.delete with name, primary_genre_id, genres,
 * description_md. REFUSED fields: "id", "name", "primary_genre_id", "genres", "description" or
 * NULL. */
extern const struct admin_entity db_bands_admin_entity;

/* db_bands_admin_list: every band sorted by name (case-insensitive, then id), with its primary
 * genre and its number of genres. *out is an arena array. */
enum mg_err db_bands_admin_list(struct db *db, struct arena *a, struct bands_admin_row **out,
                                size_t *n);

#endif
