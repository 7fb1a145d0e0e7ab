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

/* The graph lives in a few exactly sized blocks of its arena rather than in one 16-byte-aligned
 * allocation per string and per list: the genre and band arrays, one block of strings and one
 * block of index lists per kind of edge. Every worker keeps a graph, so this counts: 21,840
 * genres take 3.7 MB instead of 6.4 MB (docs/performance.md, Memory). */

/* strings: the block the graph's strings are copied into, back to back. */
struct strings {
	char *next, *end;
	const char *seen[8]; /* distinct short values already copied (the genre types) */
	size_t nseen;
};

static size_t column_bytes(const PGresult *r, int col)
{
	size_t n = 0;
	for (int i = 0, rows = PQntuples(r); i < rows; i++)
		n += (size_t)PQgetlength(r, i, col) + 1;
	return n;
}

/* copy: the value as a string of the graph; NULL for SQL NULL. All empty values share one "";
 * a value the block was not sized for (see strings_new) goes to the arena. */
static const char *copy(struct graph *g, struct strings *s, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	size_t n = (size_t)PQgetlength(r, row, col);
	if (n == 0)
		return "";
	if ((size_t)(s->end - s->next) < n + 1)
		return arena_strndup(g->arena, PQgetvalue(r, row, col), n);
	char *p = s->next;
	memcpy(p, PQgetvalue(r, row, col), n + 1);
	s->next += n + 1;
	return p;
}

/* copy_once: copy for a column with a handful of distinct values, kept once each. */
static const char *copy_once(struct graph *g, struct strings *s, const PGresult *r, int row,
                             int col)
{
	const char *v = db_value(r, row, col);
	for (size_t i = 0; v != NULL && i < s->nseen; i++)
		if (strcmp(s->seen[i], v) == 0)
			return s->seen[i];
	const char *p = copy(g, s, r, row, col);
	if (p != NULL && s->nseen < sizeof(s->seen) / sizeof(*s->seen))
		s->seen[s->nseen++] = p;
	return p;
}

/* genre_id: a column that names a genre, as that genre's own id string. That genre is usually
 * the first of the list (the primary parent or genre comes first), else it is looked up; only the
 * name of no genre at all is copied. */
static const char *genre_id(struct graph *g, struct strings *s, const PGresult *r, int row, int col,
                            const size_t *list, size_t n)
{
	const char *v = db_value(r, row, col);
	if (v == NULL)
		return NULL;
	if (n > 0 && strcmp(g->genres[list[0]].id, v) == 0)
		return g->genres[list[0]].id;
	const struct genre *x = graph_genre(g, v);
	return x ? x->id : copy(g, s, r, row, col);
}

/* strings_new: a block for every string that map_genres, map_bands and map_aliases copy
 * (map_primaries points at genre ids). */
static void strings_new(struct graph *g, struct strings *s, PGresult *const *r)
{
	size_t n = column_bytes(r[STMT_GENRES], 0) + column_bytes(r[STMT_GENRES], 1) +
	           column_bytes(r[STMT_GENRES], 4) + column_bytes(r[STMT_BANDS], 0) +
	           column_bytes(r[STMT_BANDS], 1) + column_bytes(r[STMT_BANDS], 3) +
	           column_bytes(r[STMT_ALIASES], 1) + 64; /* + the few distinct genre types */
	memset(s, 0, sizeof(*s));
	s->next = arena_alloc(g->arena, n);
	s->end = s->next + n;
}

static void map_genres(struct graph *g, struct strings *s, const PGresult *r)
{
	g->ngenres = (size_t)PQntuples(r);
	g->genres = arena_calloc(g->arena, g->ngenres, sizeof(*g->genres));
	for (size_t i = 0; i < g->ngenres; i++) {
		struct genre *x = &g->genres[i];
		x->id = copy(g, s, r, (int)i, 0);
		x->name = copy(g, s, r, (int)i, 1);
		x->type = copy_once(g, s, r, (int)i, 2);
		x->description_md = copy(g, s, r, (int)i, 4);
	}
}

static void map_bands(struct graph *g, struct strings *s, const PGresult *r)
{
	g->nbands = (size_t)PQntuples(r);
	g->bands = arena_calloc(g->arena, g->nbands, sizeof(*g->bands));
	for (size_t i = 0; i < g->nbands; i++) {
		struct band *b = &g->bands[i];
		b->id = copy(g, s, r, (int)i, 0);
		b->name = copy(g, s, r, (int)i, 1);
		b->description_md = copy(g, s, r, (int)i, 3);
	}
}

/* map_parents: edges (genre, parent) fill parents[] and children[] in two passes; the lists
 * are consecutive slices of one block. */
static void map_parents(struct graph *g, const PGresult *r)
{
	int n = PQntuples(r);
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0)),
		       p = genre_index(g, PQgetvalue(r, i, 1));
		if (c == (size_t)-1 || p == (size_t)-1)
			continue;
		g->genres[c].nparents++;
		g->genres[p].nchildren++;
		total += 2;
	}
	size_t *next = arena_alloc(g->arena, total * sizeof(size_t));
	for (size_t i = 0; i < g->ngenres; i++) {
		struct genre *x = &g->genres[i];
		x->parents = next;
		next += x->nparents;
		x->children = next;
		next += x->nchildren;
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

static void map_aliases(struct graph *g, struct strings *s, const PGresult *r)
{
	int n = PQntuples(r);
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0));
		if (c != (size_t)-1) {
			g->genres[c].naliases++;
			total++;
		}
	}
	const char **next = arena_alloc(g->arena, total * sizeof(char *));
	for (size_t i = 0; i < g->ngenres; i++) {
		g->genres[i].aliases = next;
		next += g->genres[i].naliases;
		g->genres[i].naliases = 0;
	}
	for (int i = 0; i < n; i++) {
		size_t c = genre_index(g, PQgetvalue(r, i, 0));
		if (c != (size_t)-1)
			g->genres[c].aliases[g->genres[c].naliases++] = copy(g, s, r, i, 1);
	}
}

/* map_band_genres: edges (band, genre) fill band.genres[] and genre.bands[], slices of one
 * block like map_parents. */
static void map_band_genres(struct graph *g, const PGresult *r)
{
	int n = PQntuples(r);
	size_t total = 0;
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
				total += 2;
			} else {
				b->genres[b->ngenres++] = gi;
				x->bands[x->nbands++] = (size_t)(b - g->bands);
			}
		}
		if (pass == 1)
			break;
		size_t *next = arena_alloc(g->arena, total * sizeof(size_t));
		for (size_t i = 0; i < g->nbands; i++) {
			g->bands[i].genres = next;
			next += g->bands[i].ngenres;
			g->bands[i].ngenres = 0;
		}
		for (size_t i = 0; i < g->ngenres; i++) {
			g->genres[i].bands = next;
			next += g->genres[i].nbands;
			g->genres[i].nbands = 0;
		}
	}
}

/* map_primaries: each genre's parent_id and each band's primary_genre_id, once the lists are
 * there. */
static void map_primaries(struct graph *g, struct strings *s, const PGresult *genres,
                          const PGresult *bands)
{
	for (size_t i = 0; i < g->ngenres; i++) {
		struct genre *x = &g->genres[i];
		x->parent_id = genre_id(g, s, genres, (int)i, 3, x->parents, x->nparents);
	}
	for (size_t i = 0; i < g->nbands; i++) {
		struct band *b = &g->bands[i];
		b->primary_genre_id = genre_id(g, s, bands, (int)i, 2, b->genres, b->ngenres);
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
		struct strings s;
		strings_new(g, &s, r);
		map_genres(g, &s, r[STMT_GENRES]);
		map_bands(g, &s, r[STMT_BANDS]);
		map_parents(g, r[STMT_PARENTS]);
		map_aliases(g, &s, r[STMT_ALIASES]);
		map_band_genres(g, r[STMT_BAND_GENRES]);
		map_primaries(g, &s, r[STMT_GENRES], r[STMT_BANDS]);
		*out = g;
	} else {
		graph_free(g);
	}
	arena_free(tmp);
	return rc;
}
