/* graph.c: the SQL that reads the graph, and the mapping of its rows into struct graph. */
#include "db/graph.h"
#include "core/arena.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

enum {
	STMT_VERSION,
	STMT_GENRES,
	STMT_PARENTS,
	STMT_ALIASES,
	STMT_BANDS,
	STMT_BAND_GENRES,
	STMT__MAX
};

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_VERSION] = {"graph_get_version", "SELECT version FROM data_version", 0},
    [STMT_GENRES] = {"graph_list_genres",
                     "SELECT g.id, g.name, t.type, g.parent_id, g.description_md"
                     " FROM genres g JOIN genre_types t ON t.id = g.id"
                     " ORDER BY g.id COLLATE \"C\"",
                     0},
    [STMT_PARENTS] = {"graph_list_parents",
                      "SELECT p.genre_id, p.parent_id FROM genre_parents p"
                      " JOIN genres g ON g.id = p.genre_id"
                      " ORDER BY p.genre_id COLLATE \"C\", (p.parent_id = g.parent_id) DESC,"
                      " p.parent_id COLLATE \"C\"",
                      0},
    [STMT_ALIASES] = {"graph_list_aliases",
                      "SELECT genre_id, alias FROM genre_aliases"
                      " ORDER BY genre_id COLLATE \"C\", alias",
                      0},
    [STMT_BANDS] = {"graph_list_bands",
                    "SELECT id, name, primary_genre_id, description_md FROM bands"
                    " ORDER BY id COLLATE \"C\"",
                    0},
    [STMT_BAND_GENRES] = {"graph_list_band_genres",
                          "SELECT bg.band_id, bg.genre_id FROM band_genres bg"
                          " JOIN bands b ON b.id = bg.band_id"
                          " ORDER BY bg.band_id COLLATE \"C\", (bg.genre_id = b.primary_genre_id)"
                          " DESC, bg.genre_id COLLATE \"C\"",
                          0},
};

enum mg_err db_graph_version(struct db *db, struct arena *a, long long *version)
{
	PGresult *r;
	enum mg_err rc = db_exec(db, a, &stmts[STMT_VERSION], NULL, &r, NULL);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(r) != 1)
		return MG_ERR_INTERNAL;
	*version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	return MG_OK;
}

static int cmp_genre(const void *key, const void *elem)
{
	return strcmp(key, ((const struct genre *)elem)->id);
}

static int cmp_band(const void *key, const void *elem)
{
	return strcmp(key, ((const struct band *)elem)->id);
}

const struct genre *graph_genre(const struct graph *g, const char *id)
{
	return bsearch(id, g->genres, g->ngenres, sizeof(*g->genres), cmp_genre);
}

const struct band *graph_band(const struct graph *g, const char *id)
{
	return bsearch(id, g->bands, g->nbands, sizeof(*g->bands), cmp_band);
}

static size_t genre_index(const struct graph *g, const char *id)
{
	const struct genre *x = graph_genre(g, id);
	return x ? (size_t)(x - g->genres) : (size_t)-1;
}

static const char *dup(struct arena *a, const PGresult *r, int row, int col)
{
	const char *v = db_value(r, row, col);
	return v ? arena_strdup(a, v) : NULL;
}

static void map_genres(struct graph *g, const PGresult *r)
{
	g->ngenres = (size_t)PQntuples(r);
	g->genres = arena_calloc(g->arena, g->ngenres, sizeof(*g->genres));
	for (size_t i = 0; i < g->ngenres; i++) {
		struct genre *x = &g->genres[i];
		x->id = dup(g->arena, r, (int)i, 0);
		x->name = dup(g->arena, r, (int)i, 1);
		x->type = dup(g->arena, r, (int)i, 2);
		x->parent_id = dup(g->arena, r, (int)i, 3);
		x->description_md = dup(g->arena, r, (int)i, 4);
	}
}

static void map_bands(struct graph *g, const PGresult *r)
{
	g->nbands = (size_t)PQntuples(r);
	g->bands = arena_calloc(g->arena, g->nbands, sizeof(*g->bands));
	for (size_t i = 0; i < g->nbands; i++) {
		struct band *b = &g->bands[i];
		b->id = dup(g->arena, r, (int)i, 0);
		b->name = dup(g->arena, r, (int)i, 1);
		b->primary_genre_id = dup(g->arena, r, (int)i, 2);
		b->description_md = dup(g->arena, r, (int)i, 3);
	}
}

/* map_parents: edges (genre, parent) fill parents[] and children[] in two passes. */
static void map_parents(struct graph *g, const PGresult *r)
{
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0)),
		       p = genre_index(g, PQgetvalue(r, i, 1));
		if (c == (size_t)-1 || p == (size_t)-1)
			continue;
		g->genres[c].nparents++;
		g->genres[p].nchildren++;
	}
	for (size_t i = 0; i < g->ngenres; i++) {
		struct genre *x = &g->genres[i];
		x->parents = arena_alloc(g->arena, x->nparents * sizeof(size_t));
		x->children = arena_alloc(g->arena, x->nchildren * sizeof(size_t));
		x->nparents = x->nchildren = 0;
	}
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0)),
		       p = genre_index(g, PQgetvalue(r, i, 1));
		if (c == (size_t)-1 || p == (size_t)-1)
			continue;
		g->genres[c].parents[g->genres[c].nparents++] = p;
		g->genres[p].children[g->genres[p].nchildren++] = c;
	}
}

static void map_aliases(struct graph *g, const PGresult *r)
{
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0));
		if (c != (size_t)-1)
			g->genres[c].naliases++;
	}
	for (size_t i = 0; i < g->ngenres; i++) {
		g->genres[i].aliases =
		    arena_alloc(g->arena, g->genres[i].naliases * sizeof(char *));
		g->genres[i].naliases = 0;
	}
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0));
		if (c != (size_t)-1)
			g->genres[c].aliases[g->genres[c].naliases++] = dup(g->arena, r, i, 1);
	}
}

static void map_band_genres(struct graph *g, const PGresult *r)
{
	int n = PQntuples(r);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			const struct band *bk = graph_band(g, PQgetvalue(r, i, 0));
			size_t gi = genre_index(g, PQgetvalue(r, i, 1));
			if (bk == NULL || gi == (size_t)-1)
				continue;
			struct band *b = &g->bands[bk - g->bands];
			struct genre *x = &g->genres[gi];
			if (pass == 0) {
				b->ngenres++;
				x->nbands++;
			} else {
				b->genres[b->ngenres++] = gi;
				x->bands[x->nbands++] = (size_t)(b - g->bands);
			}
		}
		if (pass == 1)
			break;
		for (size_t i = 0; i < g->nbands; i++) {
			g->bands[i].genres =
			    arena_alloc(g->arena, g->bands[i].ngenres * sizeof(size_t));
			g->bands[i].ngenres = 0;
		}
		for (size_t i = 0; i < g->ngenres; i++) {
			g->genres[i].bands =
			    arena_alloc(g->arena, g->genres[i].nbands * sizeof(size_t));
			g->genres[i].nbands = 0;
		}
	}
}

void graph_free(struct graph *g)
{
	if (g == NULL)
		return;
	arena_free(g->arena);
	free(g);
}

enum mg_err db_graph_load(struct db *db, struct graph **out)
{
	struct graph *g = xcalloc(1, sizeof(*g));
	g->arena = arena_new();
	struct arena *tmp = arena_new();
	PGresult *r[STMT__MAX];
	enum mg_err rc = db_begin(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	for (int i = 0; rc == MG_OK && i < STMT__MAX; i++)
		rc = db_exec(db, tmp, &stmts[i], NULL, &r[i], NULL);
	if (rc == MG_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	if (rc == MG_OK) {
		g->version = strtoll(PQgetvalue(r[STMT_VERSION], 0, 0), NULL, 10);
		map_genres(g, r[STMT_GENRES]);
		map_bands(g, r[STMT_BANDS]);
		map_parents(g, r[STMT_PARENTS]);
		map_aliases(g, r[STMT_ALIASES]);
		map_band_genres(g, r[STMT_BAND_GENRES]);
		*out = g;
	} else {
		graph_free(g);
	}
	arena_free(tmp);
	return rc;
}
