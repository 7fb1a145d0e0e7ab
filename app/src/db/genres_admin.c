/* genres_admin.c: SQL statements for the admin's genre list and genre writes. */
#include "db/genres_admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/strset.h"
#include "render/json.h"

#include <stdlib.h>
#include <string.h>

enum {
	STMT_LOCK,
	STMT_LIST,
	STMT_GET,
	STMT_GET_LOCKED,
	STMT_PARENTS,
	STMT_ALIASES,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_LINKS_DELETE,
	STMT_LINKS_INSERT,
	STMT_CHILDREN,
	STMT_PRIMARY_OF,
	STMT_BAND_LINKS,
	STMT_BAND_LINKS_DELETE,
	STMT_DELETE,
	STMT__MAX
};

#define SQL_GET "SELECT name, parent_id, description_md, version FROM genres WHERE id = $1"

static const struct db_stmt stmts[STMT__MAX] = {
    /* graph writers take turns on this row (the importers lock it first too) */
    [STMT_LOCK] = {"genres_admin_lock",
                   "SELECT version FROM data_version WHERE singleton FOR UPDATE", 0},
    [STMT_LIST] = {"genres_admin_list",
                   "SELECT g.id, g.name, t.type, g.parent_id, p.name,"
                   " (SELECT count(*) FROM genre_parents x WHERE x.genre_id = g.id),"
                   " (SELECT count(*) FROM genre_parents x WHERE x.parent_id = g.id),"
                   " (SELECT count(*) FROM band_genres x WHERE x.genre_id = g.id), g.version"
                   " FROM genres g JOIN genre_types t ON t.id = g.id"
                   " LEFT JOIN genres p ON p.id = g.parent_id"
                   " ORDER BY lower(g.name), g.id COLLATE \"C\"",
                   0},
    [STMT_GET] = {"genres_admin_get", SQL_GET, 1},
    [STMT_GET_LOCKED] = {"genres_admin_get_locked", SQL_GET " FOR UPDATE", 1},
    [STMT_PARENTS] = {"genres_admin_list_parents",
                      "SELECT parent_id FROM genre_parents WHERE genre_id = $1"
                      " ORDER BY parent_id COLLATE \"C\"",
                      1},
    [STMT_ALIASES] = {"genres_admin_list_aliases",
                      "SELECT alias FROM genre_aliases WHERE genre_id = $1"
                      " ORDER BY alias COLLATE \"C\"",
                      1},
    [STMT_INSERT] = {"genres_admin_insert",
                     "INSERT INTO genres (id, name, parent_id, description_md)"
                     " VALUES ($1, $2, nullif($3, ''), $4)",
                     4},
    [STMT_UPDATE] = {"genres_admin_update",
                     "UPDATE genres SET name = $3, parent_id = nullif($4, ''),"
                     " description_md = $5 WHERE id = $1 AND version = $2::int",
                     5},
    /* $2 is a JSON array of the parents to keep / to have */
    [STMT_LINKS_DELETE] = {"genres_admin_delete_links",
                           "DELETE FROM genre_parents WHERE genre_id = $1"
                           " AND parent_id NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
                           2},
    [STMT_LINKS_INSERT] = {"genres_admin_insert_links",
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
    [STMT_DELETE] = {"genres_admin_delete", "DELETE FROM genres WHERE id = $1", 1},
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

/* ---- reading ---- */

static const char **column(struct arena *a, const PGresult *r, int col, size_t *n)
{
	*n = (size_t)PQntuples(r);
	const char **v = arena_calloc(a, *n + 1, sizeof(*v));
	for (size_t i = 0; i < *n; i++)
		v[i] = PQgetvalue(r, (int)i, col);
	return v;
}

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

static enum mg_err read_record(struct db *db, struct arena *a, const char *id, int stmt,
                               struct genre_record *out)
{
	PGresult *r, *p;
	const char *params[] = {id};
	enum mg_err rc = db_exec(db, a, &stmts[stmt], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(r) != 1)
		return MG_ERR_NOT_FOUND;
	if ((rc = db_exec(db, a, &stmts[STMT_PARENTS], params, &p, NULL)) != MG_OK)
		return rc;
	out->id = arena_strdup(a, id);
	out->name = PQgetvalue(r, 0, 0);
	out->parent_id = db_value(r, 0, 1);
	out->description_md = PQgetvalue(r, 0, 2);
	out->version = strtol(PQgetvalue(r, 0, 3), NULL, 10);
	out->parents = column(a, p, 0, &out->nparents);
	return MG_OK;
}

enum mg_err db_genres_admin_get(struct db *db, struct arena *a, const char *id,
                                struct genre_record *out)
{
	return read_record(db, a, id, STMT_GET, out);
}

/* ---- JSON for parameters and audit entries ---- */

/* The fields of a genre that its audit entries record. */
struct genre_state {
	const char *name, *parent_id, *description_md;
	const char *const *parents;
	size_t nparents;
};

enum { F_NAME = 1, F_PARENT = 2, F_PARENTS = 4, F_DESCRIPTION = 8, F_ALL = 15 };

static void json_state(struct json *j, const struct genre_state *s, int fields)
{
	json_obj_begin(j);
	if (fields & F_NAME) {
		json_key(j, "name");
		json_str(j, s->name);
	}
	if (fields & F_PARENT) {
		json_key(j, "parent_id");
		json_str(j, s->parent_id != NULL && s->parent_id[0] != '\0' ? s->parent_id : NULL);
	}
	if (fields & F_PARENTS) {
		json_key(j, "parents");
		strset_json(j, s->parents, s->nparents);
	}
	if (fields & F_DESCRIPTION) {
		json_key(j, "description_md");
		json_str(j, s->description_md);
	}
	json_obj_end(j);
}

/* detail: {"before": …} and/or {"after": …} with the given fields (NULL: that side is left
 * out, as for a creation or a deletion), plus extra members for "before" when given. */
static const char *detail(struct arena *a, const struct genre_state *before,
                          const struct genre_state *after, int fields)
{
	struct buf *b = buf_new_in(a);
	struct json j;
	json_init(&j, b);
	json_obj_begin(&j);
	if (before != NULL) {
		json_key(&j, "before");
		json_state(&j, before, fields);
	}
	if (after != NULL) {
		json_key(&j, "after");
		json_state(&j, after, fields);
	}
	json_obj_end(&j);
	return arena_strdup(a, buf_cstr(b));
}

static bool str_eq(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

/* ---- writing ---- */

static enum mg_err write_links(struct db *db, struct arena *a, const char *id,
                               const char *parents_json)
{
	const char *params[] = {id, parents_json};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LINKS_DELETE], params, NULL, NULL);
	if (rc == MG_OK)
		rc = db_exec(db, a, &stmts[STMT_LINKS_INSERT], params, NULL, NULL);
	return rc;
}

enum mg_err db_genres_admin_create(struct db *db, struct arena *a, long long actor_id,
                                   const char *actor, const struct genre_input *in,
                                   struct genres_admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct genre_state after = {in->name, in->parent_id, in->description_md, NULL, 0};
	after.parents = strset_sorted(a, in->parents, in->nparents, &after.nparents);
	const char *params[] = {in->id, in->name, in->parent_id ? in->parent_id : "",
	                        in->description_md};
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK], NULL, NULL, NULL)) == MG_OK &&
	    (rc = db_exec(db, a, &stmts[STMT_INSERT], params, NULL, NULL)) == MG_OK &&
	    (rc = write_links(db, a, in->id, strset_json_text(a, after.parents, after.nparents))) ==
	        MG_OK)
		rc = db_audit_write(db, a, actor_id, actor, "genre.create", "genre", in->id,
		                    detail(a, NULL, &after, F_ALL));
	return admin_result_finish(db, a, rc, write_refusals, in->id, &out->base);
}

enum mg_err db_genres_admin_update(struct db *db, struct arena *a, long long actor_id,
                                   const char *actor, const struct genre_input *in,
                                   struct genres_admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct genre_record old;
	struct genre_state after = {in->name, in->parent_id, in->description_md, NULL, 0};
	after.parents = strset_sorted(a, in->parents, in->nparents, &after.nparents);
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK], NULL, NULL, NULL)) != MG_OK)
		goto fail;
	if ((rc = read_record(db, a, in->id, STMT_GET_LOCKED, &old)) != MG_OK) {
		rc = admin_result_found(rc, &out->base);
		goto fail;
	}
	if (old.version != in->version) {
		out->base.outcome = ADMIN_STALE;
		goto fail;
	}
	struct genre_state before = {old.name, old.parent_id, old.description_md, old.parents,
	                             old.nparents};
	int changed =
	    (strcmp(old.name, in->name) != 0 ? F_NAME : 0) |
	    (!str_eq(old.parent_id, in->parent_id) ? F_PARENT : 0) |
	    (!strset_equal(old.parents, old.nparents, after.parents, after.nparents) ? F_PARENTS
	                                                                             : 0) |
	    (strcmp(old.description_md, in->description_md) != 0 ? F_DESCRIPTION : 0);
	if (changed == 0) {
		out->base.outcome = ADMIN_UNCHANGED;
		goto fail;
	}
	const char *params[] = {in->id, arena_sprintf(a, "%ld", in->version), in->name,
	                        in->parent_id ? in->parent_id : "", in->description_md};
	PGresult *r;
	if ((rc = db_exec(db, a, &stmts[STMT_UPDATE], params, &r, NULL)) != MG_OK)
		return admin_result_finish(db, a, rc, write_refusals, in->id, &out->base);
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		out->base.outcome = ADMIN_STALE; /* not with the row locked, but never write */
		goto fail;
	}
	if ((rc = write_links(db, a, in->id, strset_json_text(a, after.parents, after.nparents))) ==
	    MG_OK)
		rc = db_audit_write(db, a, actor_id, actor, "genre.update", "genre", in->id,
		                    detail(a, &before, &after, changed));
	return admin_result_finish(db, a, rc, write_refusals, in->id, &out->base);
fail:
	db_rollback(db);
	return rc;
}

/* in_use: the names of id's subgenres and of the bands whose primary genre it is. */
static enum mg_err in_use(struct db *db, struct arena *a, const char *id,
                          struct genres_admin_result *out)
{
	PGresult *c, *p;
	const char *params[] = {id};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_CHILDREN], params, &c, NULL);
	if (rc == MG_OK)
		rc = db_exec(db, a, &stmts[STMT_PRIMARY_OF], params, &p, NULL);
	if (rc != MG_OK)
		return rc;
	out->children = column(a, c, 0, &out->nchildren);
	out->primary_of = column(a, p, 0, &out->nprimary_of);
	if (out->nchildren > 0 || out->nprimary_of > 0)
		out->base.outcome = ADMIN_IN_USE;
	return MG_OK;
}

/* unlink_bands: drop id from the bands that list it as a secondary genre, with a band.update
 * audit entry for each ({"before": {"genres": […]}, "after": {"genres": […]}}). */
static enum mg_err unlink_bands(struct db *db, struct arena *a, long long actor_id,
                                const char *actor, const char *id)
{
	PGresult *r;
	const char *params[] = {id};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_BAND_LINKS], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	int n = PQntuples(r);
	for (int i = 0; i < n && rc == MG_OK;) {
		const char *band = PQgetvalue(r, i, 0);
		struct buf *b = buf_new_in(a);
		struct json j;
		json_init(&j, b);
		json_obj_begin(&j);
		int start = i;
		for (int side = 0; side < 2; side++) {
			json_key(&j, side == 0 ? "before" : "after");
			json_obj_begin(&j);
			json_key(&j, "genres");
			json_arr_begin(&j);
			for (i = start; i < n && strcmp(PQgetvalue(r, i, 0), band) == 0; i++)
				if (side == 0 || strcmp(PQgetvalue(r, i, 1), id) != 0)
					json_str(&j, PQgetvalue(r, i, 1));
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_obj_end(&j);
		rc = db_audit_write(db, a, actor_id, actor, "band.update", "band", band,
		                    arena_strdup(a, buf_cstr(b)));
	}
	if (rc == MG_OK)
		rc = db_exec(db, a, &stmts[STMT_BAND_LINKS_DELETE], params, NULL, NULL);
	return rc;
}

/* delete_detail: {"before": {name, parent_id, parents, description_md, aliases}}. */
static enum mg_err delete_detail(struct db *db, struct arena *a, const struct genre_record *old,
                                 const char **out)
{
	PGresult *r;
	const char *params[] = {old->id};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_ALIASES], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	size_t naliases;
	const char **aliases = column(a, r, 0, &naliases);
	struct buf *b = buf_new_in(a);
	struct json j;
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "before");
	json_obj_begin(&j);
	json_key(&j, "name");
	json_str(&j, old->name);
	json_key(&j, "parent_id");
	json_str(&j, old->parent_id);
	json_key(&j, "parents");
	strset_json(&j, old->parents, old->nparents);
	json_key(&j, "description_md");
	json_str(&j, old->description_md);
	json_key(&j, "aliases");
	strset_json(&j, aliases, naliases);
	json_obj_end(&j);
	json_obj_end(&j);
	*out = arena_strdup(a, buf_cstr(b));
	return MG_OK;
}

enum mg_err db_genres_admin_delete(struct db *db, struct arena *a, long long actor_id,
                                   const char *actor, const char *id, long version,
                                   struct genres_admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct genre_record old;
	const char *params[] = {id}, *audit = NULL;
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK], NULL, NULL, NULL)) != MG_OK)
		goto fail;
	if ((rc = read_record(db, a, id, STMT_GET_LOCKED, &old)) != MG_OK) {
		rc = admin_result_found(rc, &out->base);
		goto fail;
	}
	out->base.name = old.name;
	if (version != 0 && old.version != version) {
		out->base.outcome = ADMIN_STALE;
		goto fail;
	}
	if ((rc = in_use(db, a, id, out)) != MG_OK || out->base.outcome == ADMIN_IN_USE)
		goto fail;
	if ((rc = delete_detail(db, a, &old, &audit)) != MG_OK)
		goto fail;
	if ((rc = unlink_bands(db, a, actor_id, actor, id)) == MG_OK &&
	    (rc = db_exec(db, a, &stmts[STMT_DELETE], params, NULL, NULL)) == MG_OK)
		rc = db_audit_write(db, a, actor_id, actor, "genre.delete", "genre", id, audit);
	return admin_result_finish(db, a, rc, delete_refusals, id, &out->base);
fail:
	db_rollback(db);
	return rc;
}
