/* bands_admin.c: SQL statements for the admin's band list and band writes. */
#include "db/bands_admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/strset.h"
#include "render/json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
	STMT_LOCK,
	STMT_LIST,
	STMT_GET,
	STMT_GET_LOCKED,
	STMT_GENRES,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_LINKS_DELETE,
	STMT_LINKS_INSERT,
	STMT_DELETE,
	STMT__MAX
};

#define SQL_GET "SELECT name, primary_genre_id, description_md, version FROM bands WHERE id = $1"

static const struct db_stmt stmts[STMT__MAX] = {
    /* graph writers take turns on this row (the importers lock it first too) */
    [STMT_LOCK] = {"bands_admin_lock",
                   "SELECT version FROM data_version WHERE singleton FOR UPDATE", 0},
    [STMT_LIST] = {"bands_admin_list",
                   "SELECT b.id, b.name, b.primary_genre_id, g.name,"
                   " (SELECT count(*) FROM band_genres x WHERE x.band_id = b.id), b.version"
                   " FROM bands b JOIN genres g ON g.id = b.primary_genre_id"
                   " ORDER BY lower(b.name), b.id COLLATE \"C\"",
                   0},
    [STMT_GET] = {"bands_admin_get", SQL_GET, 1},
    [STMT_GET_LOCKED] = {"bands_admin_get_locked", SQL_GET " FOR UPDATE", 1},
    [STMT_GENRES] = {"bands_admin_list_genres",
                     "SELECT genre_id FROM band_genres WHERE band_id = $1"
                     " ORDER BY genre_id COLLATE \"C\"",
                     1},
    [STMT_INSERT] = {"bands_admin_insert",
                     "INSERT INTO bands (id, name, primary_genre_id, description_md)"
                     " VALUES ($1, $2, $3, $4)",
                     4},
    [STMT_UPDATE] = {"bands_admin_update",
                     "UPDATE bands SET name = $3, primary_genre_id = $4, description_md = $5"
                     " WHERE id = $1 AND version = $2::int",
                     5},
    /* $2 is a JSON array of the genres to keep / to have */
    [STMT_LINKS_DELETE] = {"bands_admin_delete_links",
                           "DELETE FROM band_genres WHERE band_id = $1"
                           " AND genre_id NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
                           2},
    [STMT_LINKS_INSERT] = {"bands_admin_insert_links",
                           "INSERT INTO band_genres (band_id, genre_id)"
                           " SELECT DISTINCT $1, g FROM jsonb_array_elements_text($2::jsonb) g"
                           " ON CONFLICT DO NOTHING",
                           2},
    [STMT_DELETE] = {"bands_admin_delete", "DELETE FROM bands WHERE id = $1", 1},
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

/* ---- reading ---- */

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

static enum mg_err read_record(struct db *db, struct arena *a, const char *id, int stmt,
                               struct band_record *out)
{
	PGresult *r, *g;
	const char *params[] = {id};
	enum mg_err rc = db_exec(db, a, &stmts[stmt], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(r) != 1)
		return MG_ERR_NOT_FOUND;
	if ((rc = db_exec(db, a, &stmts[STMT_GENRES], params, &g, NULL)) != MG_OK)
		return rc;
	out->id = arena_strdup(a, id);
	out->name = PQgetvalue(r, 0, 0);
	out->primary_genre_id = PQgetvalue(r, 0, 1);
	out->description_md = PQgetvalue(r, 0, 2);
	out->version = strtol(PQgetvalue(r, 0, 3), NULL, 10);
	out->ngenres = (size_t)PQntuples(g);
	out->genres = arena_calloc(a, out->ngenres + 1, sizeof(*out->genres));
	for (size_t i = 0; i < out->ngenres; i++)
		out->genres[i] = PQgetvalue(g, (int)i, 0);
	return MG_OK;
}

enum mg_err db_bands_admin_get(struct db *db, struct arena *a, const char *id,
                               struct band_record *out)
{
	return read_record(db, a, id, STMT_GET, out);
}

/* ---- JSON for parameters and audit entries ---- */

/* The fields of a band that its audit entries record. */
struct band_state {
	const char *name, *primary_genre_id, *description_md;
	const char *const *genres;
	size_t ngenres;
};

enum { F_NAME = 1, F_PRIMARY = 2, F_GENRES = 4, F_DESCRIPTION = 8, F_ALL = 15 };

static void json_state(struct json *j, const struct band_state *s, int fields)
{
	json_obj_begin(j);
	if (fields & F_NAME) {
		json_key(j, "name");
		json_str(j, s->name);
	}
	if (fields & F_PRIMARY) {
		json_key(j, "primary_genre_id");
		json_str(j, s->primary_genre_id);
	}
	if (fields & F_GENRES) {
		json_key(j, "genres");
		strset_json(j, s->genres, s->ngenres);
	}
	if (fields & F_DESCRIPTION) {
		json_key(j, "description_md");
		json_str(j, s->description_md);
	}
	json_obj_end(j);
}

/* detail: {"before": …} and/or {"after": …} with the given fields (NULL: that side is left
 * out, as for a creation or a deletion). */
static const char *detail(struct arena *a, const struct band_state *before,
                          const struct band_state *after, int fields)
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

/* ---- writing ---- */

static enum mg_err write_links(struct db *db, struct arena *a, const char *id,
                               const char *genres_json)
{
	const char *params[] = {id, genres_json};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_LINKS_DELETE], params, NULL, NULL);
	if (rc == MG_OK)
		rc = db_exec(db, a, &stmts[STMT_LINKS_INSERT], params, NULL, NULL);
	return rc;
}

enum mg_err db_bands_admin_create(struct db *db, struct arena *a, long long actor_id,
                                  const char *actor, const struct band_input *in,
                                  struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct band_state after = {in->name, in->primary_genre_id, in->description_md, NULL, 0};
	after.genres = strset_sorted(a, in->genres, in->ngenres, &after.ngenres);
	const char *params[] = {in->id, in->name, in->primary_genre_id, in->description_md};
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK], NULL, NULL, NULL)) == MG_OK &&
	    (rc = db_exec(db, a, &stmts[STMT_INSERT], params, NULL, NULL)) == MG_OK &&
	    (rc = write_links(db, a, in->id, strset_json_text(a, after.genres, after.ngenres))) ==
	        MG_OK)
		rc = db_audit_write(db, a, actor_id, actor, "band.create", "band", in->id,
		                    detail(a, NULL, &after, F_ALL));
	return admin_result_finish(db, a, rc, refusals, in->id, out);
}

enum mg_err db_bands_admin_update(struct db *db, struct arena *a, long long actor_id,
                                  const char *actor, const struct band_input *in,
                                  struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct band_record old;
	struct band_state after = {in->name, in->primary_genre_id, in->description_md, NULL, 0};
	after.genres = strset_sorted(a, in->genres, in->ngenres, &after.ngenres);
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK], NULL, NULL, NULL)) != MG_OK)
		goto fail;
	if ((rc = read_record(db, a, in->id, STMT_GET_LOCKED, &old)) != MG_OK) {
		rc = admin_result_found(rc, out);
		goto fail;
	}
	if (old.version != in->version) {
		out->outcome = ADMIN_STALE;
		goto fail;
	}
	struct band_state before = {old.name, old.primary_genre_id, old.description_md, old.genres,
	                            old.ngenres};
	int changed =
	    (strcmp(old.name, in->name) != 0 ? F_NAME : 0) |
	    (strcmp(old.primary_genre_id, in->primary_genre_id) != 0 ? F_PRIMARY : 0) |
	    (!strset_equal(old.genres, old.ngenres, after.genres, after.ngenres) ? F_GENRES : 0) |
	    (strcmp(old.description_md, in->description_md) != 0 ? F_DESCRIPTION : 0);
	if (changed == 0) {
		out->outcome = ADMIN_UNCHANGED;
		goto fail;
	}
	const char *params[] = {in->id, arena_sprintf(a, "%ld", in->version), in->name,
	                        in->primary_genre_id, in->description_md};
	PGresult *r;
	if ((rc = db_exec(db, a, &stmts[STMT_UPDATE], params, &r, NULL)) != MG_OK)
		return admin_result_finish(db, a, rc, refusals, in->id, out);
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		out->outcome = ADMIN_STALE; /* not with the row locked, but never write */
		goto fail;
	}
	if ((rc = write_links(db, a, in->id, strset_json_text(a, after.genres, after.ngenres))) ==
	    MG_OK)
		rc = db_audit_write(db, a, actor_id, actor, "band.update", "band", in->id,
		                    detail(a, &before, &after, changed));
	return admin_result_finish(db, a, rc, refusals, in->id, out);
fail:
	db_rollback(db);
	return rc;
}

enum mg_err db_bands_admin_delete(struct db *db, struct arena *a, long long actor_id,
                                  const char *actor, const char *id, long version,
                                  struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct band_record old;
	const char *params[] = {id};
	enum mg_err rc = db_begin(db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(db, a, &stmts[STMT_LOCK], NULL, NULL, NULL)) != MG_OK)
		goto fail;
	if ((rc = read_record(db, a, id, STMT_GET_LOCKED, &old)) != MG_OK) {
		rc = admin_result_found(rc, out);
		goto fail;
	}
	out->name = old.name;
	if (version != 0 && old.version != version) {
		out->outcome = ADMIN_STALE;
		goto fail;
	}
	struct band_state before = {old.name, old.primary_genre_id, old.description_md, old.genres,
	                            old.ngenres};
	if ((rc = db_exec(db, a, &stmts[STMT_DELETE], params, NULL, NULL)) == MG_OK)
		rc = db_audit_write(db, a, actor_id, actor, "band.delete", "band", id,
		                    detail(a, &before, NULL, F_ALL));
	return admin_result_finish(db, a, rc, refusals, id, out);
fail:
	db_rollback(db);
	return rc;
}
