/* import_genres.c: "musicgraph-admin import-genres": validate genres.csv (+ aliases), then upsert.
 */
#include "admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "import.h"
#include "strmap.h"
#include "util/slug.h"
#include "util/graph_cycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_GENRES_USAGE "import-genres GENRES.csv [ALIASES.csv]"

enum stmt {
	G_BEGIN,
	G_LOCK,
	G_GENRES,
	G_LINKS,
	G_UPSERT,
	G_DELETE_LINKS,
	G_INSERT_LINKS,
	G_DELETE_ALIASES,
	G_INSERT_ALIASES,
	G_COMMIT,
	G__MAX
};

static const char *const sql[G__MAX] = {
    [G_BEGIN] = "BEGIN",
    /* every writer of the graph takes this row lock first (see data_version_bump) */
    [G_LOCK] = "SELECT version FROM data_version WHERE singleton FOR UPDATE",
    [G_GENRES] = "SELECT id FROM genres",
    [G_LINKS] = "SELECT genre_id, parent_id FROM genre_parents",
    [G_UPSERT] = "INSERT INTO genres (id, name, parent_id)"
                 " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
                 " ON CONFLICT (id) DO UPDATE"
                 " SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id"
                 " WHERE (genres.name, genres.parent_id)"
                 " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_id)"
                 " RETURNING id",
    [G_DELETE_LINKS] = "DELETE FROM genre_parents gp WHERE gp.genre_id = ANY ($1::text[])"
                       " AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS f (g, p)"
                       " WHERE f.g = gp.genre_id AND f.p = gp.parent_id)"
                       " RETURNING genre_id",
    [G_INSERT_LINKS] = "INSERT INTO genre_parents (genre_id, parent_id)"
                       " SELECT * FROM unnest($1::text[], $2::text[])"
                       " ON CONFLICT DO NOTHING RETURNING genre_id",
    [G_DELETE_ALIASES] = "DELETE FROM genre_aliases ga WHERE ga.genre_id = ANY ($1::text[])"
                         " AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[])"
                         " AS f (g, a) WHERE f.g = ga.genre_id AND f.a = ga.alias)"
                         " RETURNING genre_id",
    [G_INSERT_ALIASES] = "INSERT INTO genre_aliases (genre_id, alias)"
                         " SELECT * FROM unnest($1::text[], $2::text[])"
                         " ON CONFLICT DO NOTHING RETURNING genre_id",
    [G_COMMIT] = "COMMIT",
};

struct genre_in {
	const char *slug, *name;
	const char **parents; /* parents[0] is the primary parent */
	size_t nparents;
	unsigned long line;
	bool ok; /* no error on this line (its links take part in the cycle check) */
};

struct alias_in {
	const char *slug, *alias;
	unsigned long line;
};

struct genre_import {
	struct arena *a;
	struct import_errors e;
	const char *genres_path, *aliases_path;
	struct genre_in *g;
	size_t ng, cap_g;
	struct alias_in *al;
	size_t nal, cap_al;
	size_t nlinks;
	struct strmap in_file; /* slug → line of its first occurrence (valid or not) */
	struct strmap in_db;   /* genre ids already in the database */
	PGresult *db_genres, *db_links;
};

/* read_genres: false when the file cannot be read or has a wrong header. */
static bool read_genres(struct genre_import *im)
{
	static const char *const header[] = {"slug", "name", "parent_slugs"};
	struct csv_file f;
	struct csv_record rec;
	struct import_errors *e = &im->e;
	bool opened = csv_file_open(&f, im->genres_path, 0, header, 3, e);
	if (opened) {
		while (csv_file_next(&f, &rec, e)) {
			bool ok = import_slug(e, &f, rec.line, "slug", rec.fields[0]);
			const char *slug = arena_strdup(im->a, rec.fields[0]);
			const char *name = import_text(e, &f, rec.line, "name", rec.fields[1]);
			const char **parents;
			size_t np = import_slug_list(e, &f, rec.line, "parent_slugs", rec.fields[2],
			                             &parents, &ok);
			for (size_t i = 0; i < np; i++) {
				if (strcmp(parents[i], slug) != 0)
					continue;
				ierr_add(e, 0, f.path, rec.line,
				         "genre %s lists itself as a parent",
				         import_quote(im->a, slug));
				ok = false;
			}
			size_t first;
			if (slug_valid(slug) && !strmap_add(&im->in_file, slug, rec.line, &first)) {
				ierr_add(e, 0, f.path, rec.line,
				         "duplicate slug %s (first on line %zu)",
				         import_quote(im->a, slug), first);
				continue;
			}
			if (im->ng == im->cap_g) {
				im->cap_g = im->cap_g ? im->cap_g * 2 : 256;
				im->g = xrealloc(im->g, im->cap_g * sizeof(*im->g));
			}
			/* kept even when wrong, so that its parents are checked too */
			im->g[im->ng++] = (struct genre_in){slug, name,     parents,
			                                    np,   rec.line, ok && name != NULL};
			im->nlinks += np;
		}
	}
	csv_file_close(&f);
	return opened;
}

static void read_aliases(struct genre_import *im)
{
	static const char *const header[] = {"slug", "alias"};
	struct csv_file f;
	struct csv_record rec;
	struct import_errors *e = &im->e;
	struct strmap seen; /* "slug\x1falias" → line */
	strmap_init(&seen);
	if (csv_file_open(&f, im->aliases_path, 1, header, 2, e)) {
		while (csv_file_next(&f, &rec, e)) {
			bool ok = import_slug(e, &f, rec.line, "slug", rec.fields[0]);
			const char *alias = import_text(e, &f, rec.line, "alias", rec.fields[1]);
			const char *slug = arena_strdup(im->a, rec.fields[0]);
			if (ok && !strmap_get(&im->in_file, slug, NULL)) {
				ierr_add(e, 1, f.path, rec.line,
				         "alias for unknown genre %s (not in %s)",
				         import_quote(im->a, slug), im->genres_path);
				ok = false;
			}
			if (!ok || alias == NULL)
				continue;
			size_t first;
			const char *key = arena_sprintf(im->a, "%s\x1f%s", slug, alias);
			if (!strmap_add(&seen, key, rec.line, &first)) {
				ierr_add(e, 1, f.path, rec.line,
				         "duplicate alias %s for genre %s (first on line %zu)",
				         import_quote(im->a, alias), import_quote(im->a, slug),
				         first);
				continue;
			}
			if (im->nal == im->cap_al) {
				im->cap_al = im->cap_al ? im->cap_al * 2 : 256;
				im->al = xrealloc(im->al, im->cap_al * sizeof(*im->al));
			}
			im->al[im->nal++] = (struct alias_in){slug, alias, rec.line};
		}
	}
	csv_file_close(&f);
	strmap_free(&seen);
}

/* check_parents: every parent is in the file or in the database. */
static void check_parents(struct genre_import *im)
{
	for (size_t i = 0; i < im->ng; i++) {
		const struct genre_in *g = &im->g[i];
		for (size_t k = 0; k < g->nparents; k++) {
			const char *p = g->parents[k];
			if (strmap_get(&im->in_file, p, NULL) || strmap_get(&im->in_db, p, NULL))
				continue;
			ierr_add(
			    &im->e, 0, im->genres_path, g->line,
			    "unknown parent genre %s (neither in this file nor in the database)",
			    import_quote(im->a, p));
		}
	}
}

/* check_cycles: the parent links after the import (the file's links for its genres, the
 * database's for the others) have no cycle. Reports up to IMPORT_MAX_REPORTED cycles, each at
 * the line of its last-listed genre. */
static void check_cycles(struct genre_import *im)
{
	struct strmap node;
	strmap_init(&node);
	size_t nn = 0, cap = im->ng + (size_t)PQntuples(im->db_genres) + 1;
	const char **name = xmalloc(cap * sizeof(*name));
	unsigned long *line = xcalloc(cap, sizeof(*line));
	for (size_t i = 0; i < im->ng; i++) {
		if (im->g[i].ok && strmap_add(&node, im->g[i].slug, nn, NULL)) {
			line[nn] = im->g[i].line;
			name[nn++] = im->g[i].slug;
		}
	}
	for (int r = 0; r < PQntuples(im->db_genres); r++) {
		const char *id = PQgetvalue(im->db_genres, r, 0);
		if (strmap_add(&node, id, nn, NULL))
			name[nn++] = id;
	}
	size_t ne = 0, ecap = im->nlinks + (size_t)PQntuples(im->db_links) + 1;
	struct graph_edge *edges = xmalloc(ecap * sizeof(*edges));
	for (size_t i = 0; i < im->ng; i++) {
		size_t from, to;
		if (!im->g[i].ok || !strmap_get(&node, im->g[i].slug, &from))
			continue;
		for (size_t k = 0; k < im->g[i].nparents; k++)
			if (strmap_get(&node, im->g[i].parents[k], &to))
				edges[ne++] = (struct graph_edge){from, to};
	}
	for (int r = 0; r < PQntuples(im->db_links); r++) {
		const char *child = PQgetvalue(im->db_links, r, 0);
		size_t from, to;
		if (strmap_get(&im->in_file, child, NULL))
			continue; /* the file replaces this genre's parents */
		if (strmap_get(&node, child, &from) &&
		    strmap_get(&node, PQgetvalue(im->db_links, r, 1), &to))
			edges[ne++] = (struct graph_edge){from, to};
	}
	size_t *cycle, len;
	for (int round = 0; round < IMPORT_MAX_REPORTED; round++) {
		if (!graph_find_cycle(nn, edges, ne, &cycle, &len))
			break;
		/* start at the genre listed last in the file (the database alone has no cycle) */
		size_t at = 0;
		for (size_t k = 1; k < len; k++)
			if (line[cycle[k]] > line[cycle[at]])
				at = k;
		struct buf msg;
		buf_init(&msg);
		for (size_t k = 0; k <= len; k++)
			buf_printf(&msg, "%s%s", k ? " -> " : "", name[cycle[(at + k) % len]]);
		ierr_add(&im->e, 0, im->genres_path, line[cycle[at]],
		         "genre parents form a cycle: %s (\"a -> b\": b is a parent of a)",
		         buf_cstr(&msg));
		buf_free(&msg);
		/* drop the reported link and look for another cycle */
		size_t from = cycle[at], to = cycle[(at + 1) % len];
		for (size_t k = 0; k < ne; k++) {
			if (edges[k].from == from && edges[k].to == to) {
				edges[k] = edges[--ne];
				break;
			}
		}
		free(cycle);
	}
	free(edges);
	free(name);
	free(line);
	strmap_free(&node);
}

/* note_changed: add the ids in column 0 of res to the set of changed genres. */
static void note_changed(struct genre_import *im, struct strmap *changed, const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++)
		strmap_add(changed, arena_strdup(im->a, PQgetvalue(res, r, 0)), 0, NULL);
}

/* run: execute one write statement, note the genres it changed. */
static enum mg_err run(PGconn *conn, struct genre_import *im, struct strmap *changed, enum stmt s,
                       int n, const char *const *params)
{
	PGresult *res = admin_db_exec(conn, "import-genres", sql[s], n, params);
	if (res == NULL)
		return MG_ERR_DB;
	note_changed(im, changed, res);
	PQclear(res);
	return MG_OK;
}

/* write: make the database match the files, inside the open transaction; then commit. */
static enum mg_err write_genres(PGconn *conn, struct genre_import *im, size_t *added,
                                size_t *updated)
{
	struct pg_array ids, names, primary, lc, lp, ag, aa;
	struct pg_array *all[] = {&ids, &names, &primary, &lc, &lp, &ag, &aa};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		pg_array_init(all[i]);
	for (size_t i = 0; i < im->ng; i++) {
		const struct genre_in *g = &im->g[i];
		pg_array_add(&ids, g->slug);
		pg_array_add(&names, g->name);
		pg_array_add(&primary, g->nparents ? g->parents[0] : NULL);
		for (size_t k = 0; k < g->nparents; k++) {
			pg_array_add(&lc, g->slug);
			pg_array_add(&lp, g->parents[k]);
		}
	}
	for (size_t i = 0; i < im->nal; i++) {
		pg_array_add(&ag, im->al[i].slug);
		pg_array_add(&aa, im->al[i].alias);
	}
	const char *p_upsert[] = {pg_array_cstr(&ids), pg_array_cstr(&names),
	                          pg_array_cstr(&primary)};
	const char *p_links_del[] = {pg_array_cstr(&ids), pg_array_cstr(&lc), pg_array_cstr(&lp)};
	const char *p_links_ins[] = {pg_array_cstr(&lc), pg_array_cstr(&lp)};
	const char *p_alias_del[] = {pg_array_cstr(&ids), pg_array_cstr(&ag), pg_array_cstr(&aa)};
	const char *p_alias_ins[] = {pg_array_cstr(&ag), pg_array_cstr(&aa)};

	struct strmap changed;
	strmap_init(&changed);
	enum mg_err rc;
	/* links are removed before new ones are added, so that a re-parenting never passes
	 * through a state with a cycle */
	if ((rc = run(conn, im, &changed, G_UPSERT, 3, p_upsert)) != MG_OK ||
	    (rc = run(conn, im, &changed, G_DELETE_LINKS, 3, p_links_del)) != MG_OK ||
	    (rc = run(conn, im, &changed, G_INSERT_LINKS, 2, p_links_ins)) != MG_OK)
		goto out;
	if (im->aliases_path != NULL &&
	    ((rc = run(conn, im, &changed, G_DELETE_ALIASES, 3, p_alias_del)) != MG_OK ||
	     (rc = run(conn, im, &changed, G_INSERT_ALIASES, 2, p_alias_ins)) != MG_OK))
		goto out;
	if ((rc = admin_db_cmd(conn, "import-genres: commit", sql[G_COMMIT], 0, NULL)) != MG_OK)
		goto out;
	*added = *updated = 0;
	for (size_t i = 0; i < im->ng; i++) {
		if (!strmap_get(&im->in_db, im->g[i].slug, NULL))
			(*added)++;
		else if (strmap_get(&changed, im->g[i].slug, NULL))
			(*updated)++;
	}
out:
	strmap_free(&changed);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		pg_array_free(all[i]);
	return rc;
}

/* load_db: lock the graph and read the genres and links already in the database. */
static enum mg_err load_db(PGconn *conn, struct genre_import *im)
{
	if (admin_db_cmd(conn, "import-genres", sql[G_BEGIN], 0, NULL) != MG_OK ||
	    admin_db_cmd(conn, "import-genres", sql[G_LOCK], 0, NULL) != MG_OK)
		return MG_ERR_DB;
	im->db_genres = admin_db_exec(conn, "import-genres", sql[G_GENRES], 0, NULL);
	if (im->db_genres == NULL)
		return MG_ERR_DB;
	im->db_links = admin_db_exec(conn, "import-genres", sql[G_LINKS], 0, NULL);
	if (im->db_links == NULL)
		return MG_ERR_DB;
	for (int r = 0; r < PQntuples(im->db_genres); r++)
		strmap_add(&im->in_db, PQgetvalue(im->db_genres, r, 0), (size_t)r, NULL);
	return MG_OK;
}

int cmd_import_genres(const struct config *cfg, int argc, char **argv)
{
	if (argc < 2 || argc > 3)
		return admin_usage_error(IMPORT_GENRES_USAGE,
		                         "import-genres: expected one or two CSV files");
	struct genre_import im;
	memset(&im, 0, sizeof(im));
	im.a = arena_new();
	ierr_init(&im.e, im.a);
	strmap_init(&im.in_file);
	strmap_init(&im.in_db);
	im.genres_path = argv[1];
	im.aliases_path = argc == 3 ? argv[2] : NULL;
	int rc = EXIT_FAIL;
	PGconn *conn = NULL;

	/* aliases of a genres file that cannot be read would all be "unknown genre" */
	if (read_genres(&im) && im.aliases_path != NULL)
		read_aliases(&im);
	if ((conn = admin_db_connect(cfg)) == NULL || load_db(conn, &im) != MG_OK) {
		if (ierr_print(&im.e) > 0)
			admin_warn(
			    "import-genres: the files have errors too; nothing was imported");
		goto out;
	}
	check_parents(&im);
	check_cycles(&im);
	size_t nerr = ierr_print(&im.e);
	if (nerr > 0) {
		admin_warn("import-genres: %zu error%s; nothing was imported", nerr,
		           nerr == 1 ? "" : "s");
		goto out;
	}
	size_t added = 0, updated = 0;
	if (write_genres(conn, &im, &added, &updated) != MG_OK) {
		admin_warn("import-genres: nothing was imported");
		goto out;
	}
	printf("Imported %zu genres (%zu added, %zu updated, %zu parent links, %zu aliases).\n",
	       im.ng, added, updated, im.nlinks, im.nal);
	rc = EXIT_OK;
out:
	PQclear(im.db_genres);
	PQclear(im.db_links);
	PQfinish(conn); /* an open transaction is rolled back */
	strmap_free(&im.in_file);
	strmap_free(&im.in_db);
	free(im.g);
	free(im.al);
	ierr_free(&im.e);
	arena_free(im.a);
	return rc;
}
