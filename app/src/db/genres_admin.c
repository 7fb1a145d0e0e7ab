/* genres_admin.c: SQL statements for the admin's genre list and genre writes, and the genre's
 * own delete (refused while in use; secondary band links go with it). */
#include "db/genres_admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/strset.h"
#include "render/json.h"

#include <stdlib.h>
#include <string.h>

/* the shared statements (enum admin_stmt), then these */
enum {
	STMT_LIST = ADMIN_STMT__MAX,
	STMT_ALIASES,
	STMT_CHILDREN,
	STMT_PRIMARY_OF,
	STMT_BAND_LINKS,
	STMT_BAND_LINKS_DELETE,
	STMT__MAX
};

#define SQL_GET "SELECT name, parent_id, description_md, version FROM genres WHERE id = $1"

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_LIST] = {"genres_admin_list",
                   "SELECT g.id, g.name, t.type, g.parent_id, p.name,"
                   " (SELECT count(*) FROM genre_parents x WHERE x.genre_id = g.id),"
                   " (SELECT count(*) FROM genre_parents x WHERE x.parent_id = g.id),"
                   " (SELECT count(*) FROM band_genres x WHERE x.genre_id = g.id), g.version"
                   " FROM genres g JOIN genre_types t ON t.id = g.id"
                   " LEFT JOIN genres p ON p.id = g.parent_id"
                   " ORDER BY lower(g.name), g.id COLLATE \"C\"",
                   0},
    [ADMIN_STMT_GET] = {"genres_admin_get", SQL_GET, 1},
    [ADMIN_STMT_GET_LOCKED] = {"genres_admin_get_locked", SQL_GET " FOR UPDATE", 1},
    [ADMIN_STMT_LINKS] = {"genres_admin_list_parents",
                          "SELECT parent_id FROM genre_parents WHERE genre_id = $1"
                          " ORDER BY parent_id COLLATE \"C\"",
                          1},
    [STMT_ALIASES] = {"genres_admin_list_aliases",
                      "SELECT alias FROM genre_aliases WHERE genre_id = $1"
                      " ORDER BY alias COLLATE \"C\"",
                      1},
    [ADMIN_STMT_INSERT] = {"genres_admin_insert",
                           "INSERT INTO genres (id, name, parent_id, description_md)"
                           " VALUES ($1, $2, nullif($3, ''), $4)",
                           4},
    [ADMIN_STMT_UPDATE] = {"genres_admin_update",
                           "UPDATE genres SET name = $3, parent_id = nullif($4, ''),"
                           " description_md = $5 WHERE id = $1 AND version = $2::int",
                           5},
    /* $2 is a JSON array of the parents to keep / to have */
    [ADMIN_STMT_UNLINK] = {"genres_admin_delete_links",
                           "DELETE FROM genre_parents WHERE genre_id = $1"
                           " AND parent_id NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
                           2},
    [ADMIN_STMT_LINK] = {"genres_admin_insert_links",
                         "INSERT INTO genre_parents (genre_id, parent_id)"
                         " SELECT DISTINCT $1, p FROM jsonb_array_elements_text($2::jsonb) p"
                         " ON CONFLICT DO NOTHING",
                         2},
    [STMT_CHILDREN] = {"genres_admin_list_children",
                       "SELECT g.name FROM genre_parents p JOIN genres g ON g.id = p.genre_id"
                       " WHERE p.parent_id = $1 ORDER BY lower(g.name), g.id COLLATE \"C\"",
                       1},
    [STMT_PRIMARY_OF] = {"genres_admin_list_primary_of",
                         "SELECT name FROM bands WHERE primary_genre_id = $1"
                         " ORDER BY lower(name), id COLLATE \"C\"",
                         1},
    /* every genre link of the bands that list $1 (for their audit entries) */
    [STMT_BAND_LINKS] =
        {"genres_admin_list_band_links",
         "SELECT bg.band_id, bg.genre_id FROM band_genres bg"
         " WHERE bg.band_id IN (SELECT band_id FROM band_genres WHERE genre_id = $1)"
         " ORDER BY bg.band_id COLLATE \"C\", bg.genre_id COLLATE \"C\"",
         1},
    [STMT_BAND_LINKS_DELETE] = {"genres_admin_delete_band_links",
                                "DELETE FROM band_genres WHERE genre_id = $1", 1},
    [ADMIN_STMT_REMOVE] = {"genres_admin_delete", "DELETE FROM genres WHERE id = $1", 1},
};

/* ---- constraint failures in words ---- */

static const struct admin_refusal write_refusals[] = {
    {"MG001", NULL, "parent_genres",
     "These parents would make a cycle: a genre cannot be its own ancestor", true},
    {"MG002", NULL, "parent_id", "Choose the primary parent among the selected parents", false},
    {"23505", "genres_pkey", "id", "Genre ID '{id}' already exists", false},
    {"23505", "genre_parents_pkey", "parent_genres", "A parent genre is listed twice", false},
    {"23503", "genres_primary_parent_fkey", "parent_id",
     "The primary parent must be one of the selected parents", false},
    {"23503", "genre_parents_parent_id_fkey", "parent_genres",
     "A selected parent genre no longer exists; reload the form", false},
    {"23503", "genre_parents_genre_id_fkey", NULL, "Genre '{id}' was deleted meanwhile", false},
    {"23514", "genres_id_slug", "id",
     "A genre ID has lowercase letters, digits and single hyphens (at most 64 characters)", false},
    {"23514", "genres_name_length", "name", "The name must have 1 to 200 characters", false},
    {"23514", "genres_description_length", "description",
     "The description can have at most 20,000 characters", false},
    {"23514", "genres_parent_not_self", "parent_id", "A genre cannot be its own parent", false},
    {"23514", "genre_parents_not_self", "parent_genres", "A genre cannot be its own parent", false},
    {"40001", NULL, NULL, "Someone else changed the genres at the same moment. Please try again.",
     false},
    {"40P01", NULL, NULL, "Someone else changed the genres at the same moment. Please try again.",
     false},
    {NULL, NULL, NULL, "The database refused this change to genre '{id}'. Reload and try again.",
     false},
};

static const struct admin_refusal delete_refusals[] = {
    {"23503", "genre_parents_parent_id_fkey", NULL,
     "Cannot delete '{id}': another genre was just made its subgenre. Reload and try again.",
     false},
    {"23503", NULL, NULL,
     "Cannot delete '{id}': a band started using it meanwhile. Reload and try again.", false},
    {"40001", NULL, NULL, "Someone else changed the genres at the same moment. Please try again.",
     false},
    {"40P01", NULL, NULL, "Someone else changed the genres at the same moment. Please try again.",
     false},
    {NULL, NULL, NULL, "The database refused to delete genre '{id}'. Reload and try again.", false},
};

const struct admin_entity db_genres_admin_entity = {
    .type = "genre",
    .created = "genre.create",
    .updated = "genre.update",
    .deleted = "genre.delete",
    .primary_key = "parent_id",
    .links_key = "parents",
    .stmts = stmts,
    .refusals = write_refusals,
};

/* ---- the list ---- */

enum mg_err db_genres_admin_list(struct db *db, struct arena *a, struct genres_admin_row **out,
                                 size_t *n)
{
	PGresult *r;
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LIST], NULL, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*n = (size_t)PQntuples(r);
	*out = arena_calloc(a, *n, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct genres_admin_row *x = &(*out)[i];
		int row = (int)i;
		x->id = PQgetvalue(r, row, 0);
		x->name = PQgetvalue(r, row, 1);
		x->type = PQgetvalue(r, row, 2);
		x->parent_id = db_value(r, row, 3);
		x->parent_name = db_value(r, row, 4);
		x->nparents = strtol(PQgetvalue(r, row, 5), NULL, 10);
		x->nchildren = strtol(PQgetvalue(r, row, 6), NULL, 10);
		x->nbands = strtol(PQgetvalue(r, row, 7), NULL, 10);
		x->version = strtol(PQgetvalue(r, row, 8), NULL, 10);
	}
	return MG_OK;
}

/* ---- delete ---- */

/* in_use: the names of id's subgenres and of the bands whose primary genre it is. */
static enum mg_err in_use(const struct admin_write *w, const char *id,
                          struct genres_admin_result *out)
{
	PGresult *c, *p;
	const char *params[] = {id};
	enum mg_err rc = db_exec(w->db, w->a, &stmts[STMT_CHILDREN], params, &c, NULL);
	if (rc == MG_OK)
		rc = db_exec(w->db, w->a, &stmts[STMT_PRIMARY_OF], params, &p, NULL);
	if (rc != MG_OK)
		return rc;
	out->children = admin_entity_column(w->a, c, 0, &out->nchildren);
	out->primary_of = admin_entity_column(w->a, p, 0, &out->nprimary_of);
	if (out->nchildren > 0 || out->nprimary_of > 0)
		out->base.outcome = ADMIN_IN_USE;
	return MG_OK;
}

/* band_unlinked: the band.update detail of the band whose links start at row *i of r (band id,
 * genre id, by band): {"before": {"genres": […]}, "after": {"genres": [… without id]}};
 * *i moves past its rows. */
static const char *band_unlinked(struct arena *a, const PGresult *r, int *i, const char *id)
{
	const char *band = PQgetvalue(r, *i, 0);
	int n = PQntuples(r), start = *i;
	struct buf *b = buf_new_in(a);
	struct json j;
	json_init(&j, b);
	json_obj_begin(&j);
	for (int side = 0; side < 2; side++) {
		json_key(&j, side == 0 ? "before" : "after");
		json_obj_begin(&j);
		json_key(&j, "genres");
		json_arr_begin(&j);
		for (*i = start; *i < n && strcmp(PQgetvalue(r, *i, 0), band) == 0; (*i)++)
			if (side == 0 || strcmp(PQgetvalue(r, *i, 1), id) != 0)
				json_str(&j, PQgetvalue(r, *i, 1));
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	return arena_strdup(a, buf_cstr(b));
}

/* unlink_bands: drop id from the bands that list it as a secondary genre, with a band.update
 * audit entry for each. */
static enum mg_err unlink_bands(const struct admin_write *w, const char *id)
{
	PGresult *r;
	const char *params[] = {id};
	enum mg_err rc = db_exec(w->db, w->a, &stmts[STMT_BAND_LINKS], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	for (int i = 0; rc == MG_OK && i < PQntuples(r);) {
		const char *band = PQgetvalue(r, i, 0);
		const char *detail = band_unlinked(w->a, r, &i, id);
		rc = db_audit_write(w->db, w->a, w->actor_id, w->actor, "band.update", "band", band,
		                    detail);
	}
	if (rc == MG_OK)
		rc = db_exec(w->db, w->a, &stmts[STMT_BAND_LINKS_DELETE], params, NULL, NULL);
	return rc;
}

/* delete_detail: {"before": {name, parent_id, parents, description_md, aliases}}. */
static enum mg_err delete_detail(const struct admin_write *w, const struct admin_record *old,
                                 const char **out)
{
	PGresult *r;
	const char *params[] = {old->id};
	enum mg_err rc = db_exec(w->db, w->a, &stmts[STMT_ALIASES], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	size_t naliases;
	const char **aliases = admin_entity_column(w->a, r, 0, &naliases);
	struct buf *b = buf_new_in(w->a);
	struct json j;
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "before");
	json_obj_begin(&j);
	admin_entity_json(&j, &db_genres_admin_entity, old, ADMIN_F_ALL);
	json_key(&j, "aliases");
	strset_json(&j, aliases, naliases);
	json_obj_end(&j);
	json_obj_end(&j);
	*out = arena_strdup(w->a, buf_cstr(b));
	return MG_OK;
}

enum mg_err db_genres_admin_delete(const struct admin_write *w, const char *id, long version,
                                   struct genres_admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_record old;
	const char *audit = NULL;
	enum mg_err rc;
	if (!admin_entity_lock(w, &db_genres_admin_entity, id, version, &old, &out->base, &rc))
		return rc;
	if ((rc = in_use(w, id, out)) != MG_OK || out->base.outcome == ADMIN_IN_USE ||
	    (rc = delete_detail(w, &old, &audit)) != MG_OK) {
		db_rollback(w->db);
		return rc;
	}
	if ((rc = unlink_bands(w, id)) == MG_OK)
		rc = admin_entity_remove(w, &db_genres_admin_entity, id, audit);
	return admin_result_finish(w->db, w->a, rc, delete_refusals, id, &out->base);
}
