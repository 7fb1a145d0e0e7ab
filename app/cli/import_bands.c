/* import_bands.c: "musicgraph-admin import-bands": validate bands.csv, then upsert in one go. */
#include "admin.h"
#include "core/arena.h"
#include "import.h"
#include "strmap.h"
#include "util/slug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_BANDS_USAGE "import-bands BANDS.csv"

enum stmt { B_BEGIN, B_LOCK, B_GENRES, B_EXISTING, B_UPSERT, B_DELETE, B_INSERT, B_COMMIT, B__MAX };

static const char *const sql[B__MAX] = {
    [B_BEGIN] = "BEGIN",
    /* every writer of the graph takes this row lock first (see data_version_bump) */
    [B_LOCK] = "SELECT version FROM data_version WHERE singleton FOR UPDATE",
    [B_GENRES] = "SELECT id FROM genres",
    [B_EXISTING] = "SELECT id FROM bands WHERE id = ANY ($1::text[])",
    [B_UPSERT] = "INSERT INTO bands (id, name, primary_genre_id)"
                 " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
                 " ON CONFLICT (id) DO UPDATE"
                 " SET name = EXCLUDED.name, primary_genre_id = EXCLUDED.primary_genre_id"
                 " WHERE (bands.name, bands.primary_genre_id)"
                 " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.primary_genre_id)"
                 " RETURNING id",
    [B_DELETE] = "DELETE FROM band_genres bg WHERE bg.band_id = ANY ($1::text[])"
                 " AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS f (b, g)"
                 " WHERE f.b = bg.band_id AND f.g = bg.genre_id)"
                 " RETURNING band_id",
    [B_INSERT] = "INSERT INTO band_genres (band_id, genre_id)"
                 " SELECT * FROM unnest($1::text[], $2::text[])"
                 " ON CONFLICT DO NOTHING RETURNING band_id",
    [B_COMMIT] = "COMMIT",
};

struct band_in {
	const char *slug, *name;
	const char **genres; /* genres[0] is the primary genre */
	size_t ngenres;
	unsigned long line;
};

struct band_import {
	struct arena *a;
	struct import_errors e;
	const char *path;
	struct band_in *b;
	size_t nb, cap;
	size_t nlinks;
	struct strmap in_file; /* slug → line of its first occurrence */
};

static void read_bands(struct band_import *im)
{
	static const char *const header[] = {"slug", "name", "genre_slugs"};
	struct csv_file f;
	struct csv_record rec;
	struct import_errors *e = &im->e;
	if (csv_file_open(&f, im->path, 0, header, 3, e)) {
		while (csv_file_next(&f, &rec, e)) {
			bool ok = import_slug(e, &f, rec.line, "slug", rec.fields[0]);
			const char *slug = arena_strdup(im->a, rec.fields[0]);
			const char *name = import_text(e, &f, rec.line, "name", rec.fields[1]);
			const char **genres;
			size_t ng = import_slug_list(e, &f, rec.line, "genre_slugs", rec.fields[2],
			                             &genres, &ok);
			if (ng == 0 && rec.fields[2][0] == '\0') {
				ierr_add(e, 0, f.path, rec.line,
				         "no genres (genre_slugs needs at least one genre slug)");
				ok = false;
			}
			size_t first;
			if (slug_valid(slug) && !strmap_add(&im->in_file, slug, rec.line, &first)) {
				ierr_add(e, 0, f.path, rec.line,
				         "duplicate slug %s (first on line %zu)",
				         import_quote(im->a, slug), first);
				continue;
			}
			(void)ok; /* kept even when wrong, so that its genres are checked too */
			if (im->nb == im->cap) {
				im->cap = im->cap ? im->cap * 2 : 256;
				im->b = xrealloc(im->b, im->cap * sizeof(*im->b));
			}
			im->b[im->nb++] = (struct band_in){slug, name, genres, ng, rec.line};
			im->nlinks += ng;
		}
	}
	csv_file_close(&f);
}

/* check_genres: every genre of every band is in the database (res: SELECT id FROM genres). */
static void check_genres(struct band_import *im, const PGresult *res)
{
	struct strmap known;
	strmap_init(&known);
	for (int r = 0; r < PQntuples(res); r++)
		strmap_add(&known, PQgetvalue(res, r, 0), 0, NULL);
	for (size_t i = 0; i < im->nb; i++)
		for (size_t k = 0; k < im->b[i].ngenres; k++)
			if (!strmap_get(&known, im->b[i].genres[k], NULL))
				ierr_add(&im->e, 0, im->path, im->b[i].line,
				         "unknown genre %s (not in the database; import the genres "
				         "first)",
				         import_quote(im->a, im->b[i].genres[k]));
	strmap_free(&known);
}

/* run: one write statement; the band ids it returns join the changed set. */
static enum mg_err run(PGconn *conn, struct band_import *im, struct strmap *changed, enum stmt s,
                       int n, const char *const *params)
{
	PGresult *res = admin_db_exec(conn, "import-bands", sql[s], n, params);
	if (res == NULL)
		return MG_ERR_DB;
	for (int r = 0; r < PQntuples(res); r++)
		strmap_add(changed, arena_strdup(im->a, PQgetvalue(res, r, 0)), 0, NULL);
	PQclear(res);
	return MG_OK;
}

/* write_bands: make the database's bands match the file, in the open transaction; commit. */
static enum mg_err write_bands(PGconn *conn, struct band_import *im, size_t *added, size_t *updated)
{
	struct pg_array ids, names, primary, lb, lg;
	struct pg_array *all[] = {&ids, &names, &primary, &lb, &lg};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		pg_array_init(all[i]);
	for (size_t i = 0; i < im->nb; i++) {
		const struct band_in *b = &im->b[i];
		pg_array_add(&ids, b->slug);
		pg_array_add(&names, b->name);
		pg_array_add(&primary, b->genres[0]);
		for (size_t k = 0; k < b->ngenres; k++) {
			pg_array_add(&lb, b->slug);
			pg_array_add(&lg, b->genres[k]);
		}
	}
	const char *p_ids[] = {pg_array_cstr(&ids)};
	const char *p_upsert[] = {pg_array_cstr(&ids), pg_array_cstr(&names),
	                          pg_array_cstr(&primary)};
	const char *p_del[] = {pg_array_cstr(&ids), pg_array_cstr(&lb), pg_array_cstr(&lg)};
	const char *p_ins[] = {pg_array_cstr(&lb), pg_array_cstr(&lg)};

	struct strmap existing, changed;
	strmap_init(&existing);
	strmap_init(&changed);
	enum mg_err rc;
	if ((rc = run(conn, im, &existing, B_EXISTING, 1, p_ids)) != MG_OK ||
	    (rc = run(conn, im, &changed, B_UPSERT, 3, p_upsert)) != MG_OK ||
	    (rc = run(conn, im, &changed, B_DELETE, 3, p_del)) != MG_OK ||
	    (rc = run(conn, im, &changed, B_INSERT, 2, p_ins)) != MG_OK ||
	    (rc = admin_db_cmd(conn, "import-bands: commit", sql[B_COMMIT], 0, NULL)) != MG_OK)
		goto out;
	*added = *updated = 0;
	for (size_t i = 0; i < im->nb; i++) {
		if (!strmap_get(&existing, im->b[i].slug, NULL))
			(*added)++;
		else if (strmap_get(&changed, im->b[i].slug, NULL))
			(*updated)++;
	}
out:
	strmap_free(&existing);
	strmap_free(&changed);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		pg_array_free(all[i]);
	return rc;
}

int cmd_import_bands(const struct config *cfg, int argc, char **argv)
{
	if (argc != 2)
		return admin_usage_error(IMPORT_BANDS_USAGE, "import-bands: expected one CSV file");
	struct band_import im;
	memset(&im, 0, sizeof(im));
	im.a = arena_new();
	ierr_init(&im.e, im.a);
	strmap_init(&im.in_file);
	im.path = argv[1];
	int rc = EXIT_FAIL;
	PGconn *conn = NULL;
	PGresult *genres = NULL;

	read_bands(&im);
	if ((conn = admin_db_connect(cfg)) == NULL ||
	    admin_db_cmd(conn, "import-bands", sql[B_BEGIN], 0, NULL) != MG_OK ||
	    admin_db_cmd(conn, "import-bands", sql[B_LOCK], 0, NULL) != MG_OK ||
	    (genres = admin_db_exec(conn, "import-bands", sql[B_GENRES], 0, NULL)) == NULL) {
		if (ierr_print(&im.e) > 0)
			admin_warn("import-bands: the file has errors too; nothing was imported");
		goto out;
	}
	check_genres(&im, genres);
	size_t nerr = ierr_print(&im.e);
	if (nerr > 0) {
		admin_warn("import-bands: %zu error%s; nothing was imported", nerr,
		           nerr == 1 ? "" : "s");
		goto out;
	}
	size_t added = 0, updated = 0;
	if (write_bands(conn, &im, &added, &updated) != MG_OK) {
		admin_warn("import-bands: nothing was imported");
		goto out;
	}
	printf("Imported %zu bands (%zu added, %zu updated, %zu genre links).\n", im.nb, added,
	       updated, im.nlinks);
	rc = EXIT_OK;
out:
	PQclear(genres);
	PQfinish(conn); /* an open transaction is rolled back */
	strmap_free(&im.in_file);
	free(im.b);
	ierr_free(&im.e);
	arena_free(im.a);
	return rc;
}
