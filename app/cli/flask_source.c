/* flask_source.c: which database the operator named, the tables read from it, value checks. */
#include "flask_source.h"
#include "admin.h"
#include "core/arena.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* LIMIT one row more than allowed, so that a larger table is seen without reading it all */
#define STR_(x)      #x
#define STR(x)       STR_(x)
#define LIMIT_CLAUSE " LIMIT " STR(FLASK_ROWS_MAX) " + 1"

/* The queries, per table: the same for both back ends unless sql_pg is set. PostgreSQL is
 * asked for text (the original declared VARCHAR and BOOLEAN, but whatever the columns are,
 * text is what we check); SQLite's values are typed per value and checked in flask_sqlite.c. */
static const struct table_spec {
	const char *name;
	bool required;
	size_t ncols;
	const char *sql, *sql_pg;
} tables[FLASK__TABLES] = {
    [FLASK_GENRES] = {"genres", true, 3,
                      "SELECT id, name, parent_id FROM genres ORDER BY id" LIMIT_CLAUSE,
                      "SELECT id::text, name::text, parent_id::text FROM genres"
                      " ORDER BY id" LIMIT_CLAUSE},
    [FLASK_GENRE_PARENTS] = {"genre_parents", false, 2,
                             "SELECT genre_id, parent_genre_id FROM genre_parents"
                             " ORDER BY 1, 2" LIMIT_CLAUSE,
                             "SELECT genre_id::text, parent_genre_id::text FROM genre_parents"
                             " ORDER BY 1, 2" LIMIT_CLAUSE},
    [FLASK_BANDS] = {"bands", true, 3,
                     "SELECT id, name, primary_genre_id FROM bands ORDER BY id" LIMIT_CLAUSE,
                     "SELECT id::text, name::text, primary_genre_id::text FROM bands"
                     " ORDER BY id" LIMIT_CLAUSE},
    [FLASK_BAND_GENRES] = {"band_genres", true, 2,
                           "SELECT band_id, genre_id FROM band_genres ORDER BY 1, 2" LIMIT_CLAUSE,
                           "SELECT band_id::text, genre_id::text FROM band_genres"
                           " ORDER BY 1, 2" LIMIT_CLAUSE},
    /* created_at: SQLAlchemy keeps SQLite DateTime values as "YYYY-MM-DD HH:MM:SS[.ffffff]"
     * text; PostgreSQL's are printed the same way, in UTC (the session's time zone) */
    [FLASK_USERS] = {"users", false, 6,
                     "SELECT id, username, email, password_hash,"
                     " CASE WHEN is_admin THEN 't' ELSE 'f' END, created_at"
                     " FROM users ORDER BY id" LIMIT_CLAUSE,
                     "SELECT id::text, username::text, email::text, password_hash::text,"
                     " CASE WHEN is_admin THEN 't' ELSE 'f' END,"
                     " to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US')"
                     " FROM users ORDER BY id" LIMIT_CLAUSE},
};

struct flask_source {
	const struct flask_backend *be;
	void *h;
	char *label;
};

void flask_cell_set(struct arena *a, struct flask_cell *c, const char *p, size_t len)
{
	c->s = NULL;
	c->problem = NULL;
	if (len > FLASK_VALUE_MAX)
		c->problem = "longer than " STR(FLASK_VALUE_MAX) " bytes";
	else if (memchr(p, '\0', len) != NULL)
		c->problem = "contains a NUL byte";
	else if (!utf8_valid(p, len))
		c->problem = "not valid UTF-8";
	else
		c->s = arena_strndup(a, p, len);
}

/* after_prefix: the rest of s when it starts with prefix, else NULL. */
static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* looks_like_conninfo: "keyword = value ..." as libpq's key=value strings start. */
static bool looks_like_conninfo(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0)
		return false;
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '=';
}

/* classify: pick the back end for database and the string it opens (malloc'd into *target).
 * An existing file is always SQLite; so are sqlite:/// URLs. */
static const struct flask_backend *classify(const char *database, char **target)
{
	const char *rest;
	struct stat st;
	if ((rest = after_prefix(database, "sqlite:///")) != NULL) {
		*target = xstrdup(rest); /* SQLAlchemy: sqlite:///rel.db, sqlite:////abs.db */
		return &flask_sqlite_backend;
	}
	if (stat(database, &st) == 0) {
		*target = xstrdup(database);
		return &flask_sqlite_backend;
	}
	/* SQLAlchemy's postgresql+psycopg2://… is a libpq URI once the driver is dropped */
	const char *schemes[] = {"postgresql", "postgres"};
	for (size_t i = 0; i < 2; i++) {
		if ((rest = after_prefix(database, schemes[i])) == NULL)
			continue;
		if (rest[0] == '+') {
			const char *colon = strstr(rest, "://");
			if (colon == NULL)
				break;
			size_t n = strlen(schemes[i]);
			*target = xmalloc(n + strlen(colon) + 1);
			memcpy(*target, schemes[i], n);
			strcpy(*target + n, colon);
			return &flask_pg_backend;
		}
		if (strncmp(rest, "://", 3) == 0) {
			*target = xstrdup(database);
			return &flask_pg_backend;
		}
	}
	if (looks_like_conninfo(database)) {
		*target = xstrdup(database);
		return &flask_pg_backend;
	}
	*target = xstrdup(database); /* a file that is not there: SQLite says so */
	return &flask_sqlite_backend;
}

struct flask_source *flask_source_open(const char *database)
{
	char *target = NULL;
	const struct flask_backend *be = classify(database, &target);
	struct flask_source *src = xcalloc(1, sizeof(*src));
	src->be = be;
	src->h = be->open(target, &src->label);
	free(target);
	if (src->h == NULL) {
		free(src->label);
		free(src);
		return NULL;
	}
	return src;
}

const char *flask_source_label(const struct flask_source *src)
{
	return src->label;
}

enum mg_err flask_source_read(struct flask_source *src, struct arena *a, struct flask_rows *out)
{
	for (int t = 0; t < FLASK__TABLES; t++) {
		const struct table_spec *spec = &tables[t];
		struct flask_rows *rows = &out[t];
		memset(rows, 0, sizeof(*rows));
		rows->name = spec->name;
		rows->ncols = spec->ncols;
		int has = src->be->has_table(src->h, spec->name);
		if (has < 0)
			return MG_ERR_DB;
		if (has == 0) {
			if (!spec->required)
				continue;
			admin_warn("import-flask: %s has no table \"%s\": is it the Flask Music "
			           "Graph's database?",
			           src->label, spec->name);
			return MG_ERR_NOT_FOUND;
		}
		rows->present = true;
		const char *sql =
		    src->be == &flask_pg_backend && spec->sql_pg ? spec->sql_pg : spec->sql;
		if (src->be->query(src->h, sql, a, rows) != MG_OK) {
			admin_warn("import-flask: reading the table \"%s\" failed (is it the Flask "
			           "Music Graph's database?)",
			           spec->name);
			return MG_ERR_DB;
		}
		if (rows->ncols != spec->ncols)
			return MG_ERR_INTERNAL;
		if (rows->n > FLASK_ROWS_MAX) {
			admin_warn("import-flask: the table \"%s\" has more than %d rows",
			           spec->name, FLASK_ROWS_MAX);
			return MG_ERR_TOO_LARGE;
		}
	}
	return MG_OK;
}

void flask_source_close(struct flask_source *src)
{
	if (src == NULL)
		return;
	src->be->close(src->h);
	free(src->label);
	free(src);
}
