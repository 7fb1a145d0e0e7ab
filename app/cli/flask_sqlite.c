/* flask_sqlite.c: the Flask original's SQLite file, opened read-only and treated as hostile. */
#include "admin.h"
#include "core/arena.h"
#include "flask_source.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 10000 /* the Flask app may be writing while we read */

static void report(sqlite3 *db, const char *what)
{
	admin_warn("import-flask: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static bool exec_simple(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return true;
	report(db, sql);
	return false;
}

/* sqlite_open: SQLITE_OPEN_READONLY (never "immutable": the Flask app may still be running and
 * writing, and SQLite's locks keep our read consistent). The file comes from elsewhere, so
 * SQLite's defences against a crafted database are on: defensive mode, no trust in functions
 * called from its schema, query_only. One read transaction covers every table. */
static void *sqlite_open(const char *path, char **label)
{
	sqlite3 *db = NULL;
	size_t n = strlen(path) + 16;
	*label = xmalloc(n);
	snprintf(*label, n, "SQLite file %s", path);
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		admin_warn("import-flask: cannot open the SQLite file %s: %s", path,
		           db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
	if (!exec_simple(db, "PRAGMA query_only = 1") || !exec_simple(db, "BEGIN")) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* sqlite_has_table: a real table (not a view) of that name; also where a file that is not a
 * database is found out ("file is not a database"). */
static int sqlite_has_table(void *h, const char *name)
{
	sqlite3 *db = h;
	sqlite3_stmt *st = NULL;
	const char *sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		report(db, "reading the list of tables");
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), out = -1;
	if (rc == SQLITE_ROW)
		out = 1;
	else if (rc == SQLITE_DONE)
		out = 0;
	else
		report(db, "reading the list of tables");
	sqlite3_finalize(st);
	return out;
}

/* put_value: column c of the current row into cell; SQLite types each value, so anything but
 * text and numbers (a BLOB) is refused here. */
static void put_value(struct arena *a, sqlite3_stmt *st, int c, struct flask_cell *cell)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
		cell->s = NULL;
		cell->problem = NULL;
		return;
	case SQLITE_BLOB:
		cell->s = NULL;
		cell->problem = "binary data (a BLOB), not text";
		return;
	default: { /* SQLITE_TEXT, SQLITE_INTEGER, SQLITE_FLOAT: as text */
		const unsigned char *p = sqlite3_column_text(st, c);
		int n = sqlite3_column_bytes(st, c);
		if (p == NULL) {
			cell->s = NULL;
			cell->problem = "unreadable";
			return;
		}
		flask_cell_set(a, cell, (const char *)p, (size_t)n);
	}
	}
}

static enum mg_err sqlite_query(void *h, const char *sql, struct arena *a, struct flask_rows *out)
{
	sqlite3 *db = h;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		report(db, out->name);
		return MG_ERR_DB;
	}
	size_t ncols = (size_t)sqlite3_column_count(st), cap = 0;
	out->ncols = ncols;
	out->n = 0;
	out->cell = NULL;
	enum mg_err rc = MG_OK;
	struct flask_cell *cells = NULL;
	for (;;) {
		int r = sqlite3_step(st);
		if (r == SQLITE_DONE)
			break;
		if (r != SQLITE_ROW) {
			report(db, out->name);
			rc = MG_ERR_DB;
			break;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			cells = xrealloc(cells, cap * (ncols ? ncols : 1) * sizeof(*cells));
		}
		for (size_t c = 0; c < ncols; c++)
			put_value(a, st, (int)c, &cells[out->n * ncols + c]);
		if (++out->n > FLASK_ROWS_MAX)
			break;
	}
	sqlite3_finalize(st);
	if (cells != NULL)
		arena_defer(a, free, cells);
	out->cell = cells;
	return rc;
}

static void sqlite_close(void *h)
{
	sqlite3 *db = h;
	if (db == NULL)
		return;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL); /* ends the read transaction */
	sqlite3_close(db);
}

const struct flask_backend flask_sqlite_backend = {
    "SQLite", sqlite_open, sqlite_has_table, sqlite_query, sqlite_close,
};
