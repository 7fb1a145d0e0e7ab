/* bands_admin.c: SQL statements for the admin's band list and band writes. */
#include "db/bands_admin.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdlib.h>

/* the shared statements (enum admin_stmt), then these */
enum { STMT_LIST = ADMIN_STMT__MAX, STMT__MAX };

#define SQL_GET "SELECT name, primary_genre_id, description_md, version FROM bands WHERE id = $1"

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_LIST] = {"bands_admin_list",
                   "SELECT b.id, b.name, b.primary_genre_id, g.name,"
                   " (SELECT count(*) FROM band_genres x WHERE x.band_id = b.id), b.version"
                   " FROM bands b JOIN genres g ON g.id = b.primary_genre_id"
                   " ORDER BY lower(b.name), b.id COLLATE \"C\"",
                   0},
    [ADMIN_STMT_GET] = {"bands_admin_get", SQL_GET, 1},
    [ADMIN_STMT_GET_LOCKED] = {"bands_admin_get_locked", SQL_GET " FOR UPDATE", 1},
    [ADMIN_STMT_LINKS] = {"bands_admin_list_genres",
                          "SELECT genre_id FROM band_genres WHERE band_id = $1"
                          " ORDER BY genre_id COLLATE \"C\"",
                          1},
    [ADMIN_STMT_INSERT] = {"bands_admin_insert",
                           "INSERT INTO bands (id, name, primary_genre_id, description_md)"
                           " VALUES ($1, $2, $3, $4)",
                           4},
    [ADMIN_STMT_UPDATE] = {"bands_admin_update",
                           "UPDATE bands SET name = $3, primary_genre_id = $4, description_md = $5"
                           " WHERE id = $1 AND version = $2::int",
                           5},
    /* $2 is a JSON array of the genres to keep / to have */
    [ADMIN_STMT_UNLINK] = {"bands_admin_delete_links",
                           "DELETE FROM band_genres WHERE band_id = $1"
                           " AND genre_id NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
                           2},
    [ADMIN_STMT_LINK] = {"bands_admin_insert_links",
                         "INSERT INTO band_genres (band_id, genre_id)"
                         " SELECT DISTINCT $1, g FROM jsonb_array_elements_text($2::jsonb) g"
                         " ON CONFLICT DO NOTHING",
                         2},
    [ADMIN_STMT_REMOVE] = {"bands_admin_delete", "DELETE FROM bands WHERE id = $1", 1},
};

/* ---- constraint failures in words ---- */

static const struct admin_refusal refusals[] = {
    {"23505", "bands_pkey", "id", "Band ID '{id}' already exists", false},
    {"23505", "band_genres_pkey", "genres", "A genre is listed twice", false},
    {"23503", "bands_primary_genre_fkey", "primary_genre_id",
     "The primary genre must be one of the selected genres", false},
    {"23503", "bands_primary_genre_id_fkey", "primary_genre_id",
     "The primary genre no longer exists; reload the form", false},
    {"23503", "band_genres_genre_id_fkey", "genres",
     "A selected genre no longer exists; reload the form", false},
    {"23503", "band_genres_band_id_fkey", NULL, "Band '{id}' was deleted meanwhile", false},
    {"23514", "bands_id_slug", "id",
     "A band ID has lowercase letters, digits and single hyphens (at most 64 characters)", false},
    {"23514", "bands_name_length", "name", "The name must have 1 to 200 characters", false},
    {"23514", "bands_description_length", "description",
     "The description can have at most 20,000 characters", false},
    {"23502", NULL, "primary_genre_id", "Choose the band's primary genre", false},
    {"40001", NULL, NULL, "Someone else changed the data at the same moment. Please try again.",
     false},
    {"40P01", NULL, NULL, "Someone else changed the data at the same moment. Please try again.",
     false},
    {NULL, NULL, NULL, "The database refused this change to band '{id}'. Reload and try again.",
     false},
};

const struct admin_entity db_bands_admin_entity = {
    .type = "band",
    .created = "band.create",
    .updated = "band.update",
    .deleted = "band.delete",
    .primary_key = "primary_genre_id",
    .links_key = "genres",
    .stmts = stmts,
    .refusals = refusals,
};

/* ---- the list ---- */

enum mg_err db_bands_admin_list(struct db *db, struct arena *a, struct bands_admin_row **out,
                                size_t *n)
{
	PGresult *r;
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LIST], NULL, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*n = (size_t)PQntuples(r);
	*out = arena_calloc(a, *n, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct bands_admin_row *x = &(*out)[i];
		int row = (int)i;
		x->id = PQgetvalue(r, row, 0);
		x->name = PQgetvalue(r, row, 1);
		x->primary_genre_id = PQgetvalue(r, row, 2);
		x->primary_genre_name = PQgetvalue(r, row, 3);
		x->ngenres = strtol(PQgetvalue(r, row, 4), NULL, 10);
		x->version = strtol(PQgetvalue(r, row, 5), NULL, 10);
	}
	return MG_OK;
}
