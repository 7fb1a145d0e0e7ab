/* graph.h: the whole genre/band graph read in one snapshot, indexed for the pages. */
#ifndef MG_DB_GRAPH_H
#define MG_DB_GRAPH_H

#include "core/mg.h"

#include <stddef.h>

struct arena;
struct db;

struct genre {
	const char *id, *name, *type, *parent_id, *description_md;
	size_t *parents, nparents;   /* indices into graph.genres; the primary parent first */
	size_t *children, nchildren; /* genres whose parents include this one */
	size_t *bands, nbands;       /* bands that list this genre */
	const char **aliases;
	size_t naliases;
};

struct band {
	const char *id, *name, *primary_genre_id, *description_md;
	size_t *genres, ngenres; /* indices into graph.genres; the primary genre first */
};

struct graph {
	struct arena *arena;  /* owns everything below */
	long long version;    /* data_version.version when read */
	struct genre *genres; /* sorted by id (bytewise) */
	size_t ngenres;
	struct band *bands; /* sorted by id (bytewise) */
	size_t nbands;
};

/* db_graph_version: the current data version (one indexed read). */
enum mg_err db_graph_version(struct db *db, struct arena *a, long long *version);

/* db_graph_load: read the whole graph in one read-only snapshot. On MG_OK *out is a new graph
 * that the caller frees with graph_free. */
enum mg_err db_graph_load(struct db *db, struct graph **out);
void graph_free(struct graph *g);

/* graph_genre / graph_band: lookup by slug, or NULL. */
const struct genre *graph_genre(const struct graph *g, const char *id);
const struct band *graph_band(const struct graph *g, const char *id);

#endif
