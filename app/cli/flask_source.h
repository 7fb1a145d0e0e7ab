/* flask_source.h: reading the Flask original's database (a SQLite file or PostgreSQL), read-only.
 */
#ifndef MG_FLASK_SOURCE_H
#define MG_FLASK_SOURCE_H

#include "core/mg.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define FLASK_VALUE_MAX 1024    /* bytes of one value taken from the old database */
#define FLASK_ROWS_MAX  1000000 /* rows of one table */

/* The tables of the original's models.py that are read, in this order. */
enum flask_table {
	FLASK_GENRES,        /* id, name, parent_id */
	FLASK_GENRE_PARENTS, /* genre_id, parent_genre_id (from v0.5; optional) */
	FLASK_BANDS,         /* id, name, primary_genre_id */
	FLASK_BAND_GENRES,   /* band_id, genre_id */
	FLASK_USERS,         /* id, username, email, password_hash, is_admin ("t"/"f"), created_at
	                      * ("YYYY-MM-DD HH:MM:SS[.ffffff]" as stored; optional table) */
	FLASK__TABLES
};

/* One value. Everything from the old database is untrusted: a value that is not text (a BLOB),
 * not valid UTF-8, holds a NUL byte or is longer than FLASK_VALUE_MAX bytes is not kept. */
struct flask_cell {
	const char *s; /* the value as NUL-terminated UTF-8, or NULL (SQL NULL or a problem) */
	const char *problem; /* why the value was not kept ("not valid UTF-8", …), or NULL */
};

/* A table's rows, in the order of its key. */
struct flask_rows {
	const char *name; /* the table's name */
	bool present;     /* the table exists (always true for the required ones) */
	size_t n, ncols;
	struct flask_cell *cell; /* row r, column c: cell[r * ncols + c] */
};

/* flask_at: the cell of row r, column c. */
static inline const struct flask_cell *flask_at(const struct flask_rows *t, size_t r, size_t c)
{
	return &t->cell[r * t->ncols + c];
}

struct flask_source;

/* flask_source_open: open database, the original's SQLite file (a path, or SQLAlchemy's
 * sqlite:///PATH) or its PostgreSQL database (a postgresql:// URI, SQLAlchemy's
 * postgresql+DRIVER:// spelling, or a libpq key=value string), for reading only, and start one
 * read-only snapshot. Prints why and returns NULL when it cannot. */
struct flask_source *flask_source_open(const char *database);

/* flask_source_label: "SQLite file PATH" or "PostgreSQL database NAME", for messages. */
const char *flask_source_label(const struct flask_source *src);

/* flask_source_read: every table into out[FLASK__TABLES] (values allocated in a), all from the
 * one snapshot. Prints why and returns MG_ERR_NOT_FOUND when a required table is missing (this
 * is not the original's database), MG_ERR_TOO_LARGE for a table over FLASK_ROWS_MAX rows, or
 * MG_ERR_DB when a query fails. */
enum mg_err flask_source_read(struct flask_source *src, struct arena *a, struct flask_rows *out);

/* flask_source_close: end the snapshot and close; NULL is fine. */
void flask_source_close(struct flask_source *src);

/* ---- for the two back ends (flask_sqlite.c, flask_pg.c) ---- */

struct flask_backend {
	const char *kind; /* "SQLite", "PostgreSQL" */
	/* open: connect read-only and begin the snapshot; prints why and returns NULL on failure.
	 * *label gets the flask_source_label text (malloc'd). */
	void *(*open)(const char *target, char **label);
	/* has_table: 1 when a table of that name exists, 0 when not, -1 after printing an error. */
	int (*has_table)(void *h, const char *name);
	/* query: run sql (no parameters), keep up to FLASK_ROWS_MAX + 1 rows in out (n, ncols,
	 * cell) through flask_cell_set; prints and returns MG_ERR_DB on failure. */
	enum mg_err (*query)(void *h, const char *sql, struct arena *a, struct flask_rows *out);
	void (*close)(void *h);
};

extern const struct flask_backend flask_sqlite_backend;
extern const struct flask_backend flask_pg_backend;

/* flask_cell_set: check the len bytes at p (see struct flask_cell) and keep a copy in a, or
 * record the problem. */
void flask_cell_set(struct arena *a, struct flask_cell *c, const char *p, size_t len);

#endif
