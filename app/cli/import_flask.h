/* import_flask.h: what "musicgraph-admin import-flask" builds from the Flask original's tables and
 * writes into ours: the checked genres, bands and accounts, and the counts it reports. */
#ifndef MG_IMPORT_FLASK_H
#define MG_IMPORT_FLASK_H

#include "flask_source.h"
#include "import.h"
#include "util/password.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;

/* A genre as it will be stored. */
struct fgenre {
	const char *src_id; /* its id in the Flask database (for messages) */
	const char *slug;   /* our id: src_id, or its slug form when src_id is not a valid slug */
	const char *name;
	const char **parents; /* slugs; parents[0] is the primary parent */
	size_t nparents;
	bool ok; /* no error on this row (its links take part in the cycle check) */
	/* what the database held before (merge): */
	bool existed, changed;
};

/* A band as it will be stored. */
struct fband {
	const char *src_id, *slug, *name;
	const char **genres; /* slugs; genres[0] is the primary genre */
	size_t ngenres;
	bool existed, changed;
};

/* An account as it will be stored. */
struct fuser {
	const char *src_id;   /* users.id in the Flask database */
	const char *username; /* as it was: it must already satisfy our rules */
	const char *email;
	const char *hash;       /* the Flask hash, or PASSWORD_UNUSABLE */
	const char *old_method; /* the Flask hash's method ("pbkdf2:md5:1000") when it cannot be
	                         * checked here, else NULL */
	const char *created_at; /* "YYYY-MM-DD HH:MM:SS[.ffffff]+00", or NULL: the import's time */
	bool is_admin;
	enum password_kind kind;
	bool imported; /* written (false: an account of that name or email was already here) */
};

/* A genre or band id that had to change to become a slug. */
struct frename {
	const char *table, *from, *to;
};

struct flask_import {
	struct arena *a;
	struct import_errors e; /* problems that stop the import (path = the table's name) */
	bool merge;
	struct fgenre *g;
	size_t ng, ngenre_links;
	struct fband *b;
	size_t nb, nband_links;
	struct fuser *u;
	size_t nu;
	struct frename *renamed;
	size_t nrenamed;
	const char **notes; /* things the operator should know that did not stop the import */
	size_t nnotes;
	/* counts after the write */
	size_t genres_added, genres_updated, bands_added, bands_updated, users_added;
};

/* flask_model_build: check every row of the tables in rows[FLASK__TABLES] and fill im's genres,
 * bands and accounts; problems go to im->e (each names its table and row), notes to
 * im->notes. Everything is allocated in im->a. */
void flask_model_build(struct flask_import *im, const struct flask_rows *rows);

/* flask_import_write: in one transaction on conn: lock the graph, refuse when it holds genres
 * or bands and im->merge is false, add or update the genres and bands, add the accounts whose
 * username and email are both new, write an audit entry per change, commit. Sets the counts,
 * and fgenre/fband existed/changed and fuser imported. Prints why and returns MG_ERR_CONFLICT
 * (refused: not empty) or MG_ERR_DB; nothing is written then. */
enum mg_err flask_import_write(PGconn *conn, struct flask_import *im);

/* flask_note: add a note (fmt is our text; values go through import_quote). */
void flask_note(struct flask_import *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
