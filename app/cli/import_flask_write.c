/* import_flask_write.c: the checked Flask data into our database in one transaction, with an
 * audit entry for every genre, band and account it adds or changes. */
#include "admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/strset.h"
#include "import_flask.h"
#include "render/json.h"
#include "strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum stmt {
	W_BEGIN,
	W_LOCK,
	W_COUNT,
	W_OLD_GENRES,
	W_OLD_GENRE_LINKS,
	W_OLD_BANDS,
	W_OLD_BAND_LINKS,
	W_GENRES,
	W_GENRE_LINKS_DELETE,
	W_GENRE_LINKS_INSERT,
	W_BANDS,
	W_BAND_LINKS_DELETE,
	W_BAND_LINKS_INSERT,
	W_USERS,
	W_AUDIT,
	W_COMMIT,
	W__MAX
};

static const char *const sql[W__MAX] = {
    [W_BEGIN] = "BEGIN",
    /* every writer of the graph takes this row lock first (see data_version_bump) */
    [W_LOCK] = "SELECT version FROM data_version WHERE singleton FOR UPDATE",
    [W_COUNT] = "SELECT (SELECT count(*) FROM genres), (SELECT count(*) FROM bands)",
    /* what a merge is about to change, for the counts and the audit entries */
    [W_OLD_GENRES] = "SELECT id, name, parent_id FROM genres WHERE id = ANY ($1::text[])",
    [W_OLD_GENRE_LINKS] = "SELECT genre_id, parent_id FROM genre_parents"
                          " WHERE genre_id = ANY ($1::text[]) ORDER BY 1, 2",
    [W_OLD_BANDS] = "SELECT id, name, primary_genre_id FROM bands WHERE id = ANY ($1::text[])",
    [W_OLD_BAND_LINKS] = "SELECT band_id, genre_id FROM band_genres"
                         " WHERE band_id = ANY ($1::text[]) ORDER BY 1, 2",
    [W_GENRES] = "INSERT INTO genres (id, name, parent_id)"
                 " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
                 " ON CONFLICT (id) DO UPDATE"
                 " SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id"
                 " WHERE (genres.name, genres.parent_id)"
                 " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_id)",
    /* old links go before new ones are added, so no step passes through a cycle */
    [W_GENRE_LINKS_DELETE] = "DELETE FROM genre_parents gp WHERE gp.genre_id = ANY ($1::text[])"
                             " AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[])"
                             " AS f (g, p) WHERE f.g = gp.genre_id AND f.p = gp.parent_id)",
    [W_GENRE_LINKS_INSERT] = "INSERT INTO genre_parents (genre_id, parent_id)"
                             " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
    [W_BANDS] = "INSERT INTO bands (id, name, primary_genre_id)"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
                " ON CONFLICT (id) DO UPDATE"
                " SET name = EXCLUDED.name, primary_genre_id = EXCLUDED.primary_genre_id"
                " WHERE (bands.name, bands.primary_genre_id)"
                " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.primary_genre_id)",
    [W_BAND_LINKS_DELETE] = "DELETE FROM band_genres bg WHERE bg.band_id = ANY ($1::text[])"
                            " AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[])"
                            " AS f (b, g) WHERE f.b = bg.band_id AND f.g = bg.genre_id)",
    [W_BAND_LINKS_INSERT] = "INSERT INTO band_genres (band_id, genre_id)"
                            " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
    /* an account whose username or email is taken (any case) is skipped: the unique indexes
     * decide, also against a registration at the same moment; each new one gets its audit
     * entry in the same statement */
    [W_USERS] = "WITH src AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
                " $4::boolean[], $5::timestamptz[]) WITH ORDINALITY"
                " AS s (username, email, hash, is_admin, created_at, n)),"
                " ins AS (INSERT INTO users (username, email, password_hash, is_admin,"
                " created_at) SELECT username, email, hash, is_admin, coalesce(created_at, now())"
                " FROM src ORDER BY n ON CONFLICT DO NOTHING"
                " RETURNING id, username, email, is_admin),"
                " aud AS (INSERT INTO audit_log (actor, action, target_type, target_id, detail)"
                " SELECT $6, 'user.import', 'user', id::text, jsonb_build_object('after',"
                " jsonb_build_object('username', username, 'email', email, 'is_admin',"
                " is_admin)) FROM ins)"
                " SELECT username FROM ins",
    [W_AUDIT] = "INSERT INTO audit_log (actor, action, target_type, target_id, detail)"
                " SELECT $1, $2 || '.import', $2, t.id, t.d::jsonb"
                " FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t (id, d, n) ORDER BY n",
    [W_COMMIT] = "COMMIT",
};

#define WHAT "import-flask"

/* The state of a genre or band already in the database (merge). */
struct old {
	const char *name, *primary;
	const char **links;
	size_t nlinks, cap;
};

/* old_read: rows (id, name, primary) and links (id, link) of res_rows/res_links into a map
 * from id to struct old, all in a. */
static struct old *old_read(struct arena *a, const PGresult *rows, const PGresult *links,
                            struct strmap *by_id)
{
	int n = PQntuples(rows);
	struct old *v = arena_calloc(a, (size_t)n + 1, sizeof(*v));
	for (int r = 0; r < n; r++) {
		strmap_add(by_id, PQgetvalue(rows, r, 0), (size_t)r, NULL);
		v[r].name = PQgetvalue(rows, r, 1);
		v[r].primary = PQgetisnull(rows, r, 2) ? NULL : PQgetvalue(rows, r, 2);
	}
	for (int r = 0; r < PQntuples(links); r++) {
		size_t i;
		if (!strmap_get(by_id, PQgetvalue(links, r, 0), &i))
			continue;
		struct old *o = &v[i];
		if (o->nlinks == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 4;
			const char **bigger = arena_alloc(a, o->cap * sizeof(*bigger));
			if (o->nlinks)
				memcpy(bigger, o->links, o->nlinks * sizeof(*bigger));
			o->links = bigger;
		}
		o->links[o->nlinks++] = PQgetvalue(links, r, 1);
	}
	return v;
}

static bool str_eq(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

/* state_json: {"name": …, "<primary_key>": …, "<links_key>": [sorted]} for an audit entry. */
static void state_json(struct json *j, const char *name, const char *primary_key,
                       const char *primary, const char *links_key, const char *const *links,
                       size_t nlinks)
{
	json_obj_begin(j);
	json_key(j, "name");
	json_str(j, name);
	json_key(j, primary_key);
	json_str(j, primary);
	json_key(j, links_key);
	strset_json(j, links, nlinks);
	json_obj_end(j);
}

/* An entity of either kind, for the shared compare-and-audit step. */
struct entity {
	const char *slug, *name, *primary;
	const char **links;
	size_t nlinks;
	bool *existed, *changed;
};

/* compare_and_audit: mark each entity added or changed against olds (by slug), and add an
 * audit id and detail for each to ids/details. */
static void compare_and_audit(struct arena *a, struct entity *e, size_t n, const struct old *olds,
                              const struct strmap *old_by_id, const char *primary_key,
                              const char *links_key, struct pg_array *ids, struct pg_array *details)
{
	for (size_t i = 0; i < n; i++) {
		size_t k, ns;
		const char **sorted = strset_sorted(a, e[i].links, e[i].nlinks, &ns);
		const struct old *o = strmap_get(old_by_id, e[i].slug, &k) ? &olds[k] : NULL;
		size_t nos = 0;
		const char **old_sorted = o ? strset_sorted(a, o->links, o->nlinks, &nos) : NULL;
		*e[i].existed = o != NULL;
		*e[i].changed = o == NULL || !str_eq(o->name, e[i].name) ||
		                !str_eq(o->primary, e[i].primary) ||
		                !strset_equal(old_sorted, nos, sorted, ns);
		if (!*e[i].changed)
			continue;
		struct buf *b = buf_new_in(a);
		struct json j;
		json_init(&j, b);
		json_obj_begin(&j);
		if (o != NULL) {
			json_key(&j, "before");
			state_json(&j, o->name, primary_key, o->primary, links_key, old_sorted,
			           nos);
		}
		json_key(&j, "after");
		state_json(&j, e[i].name, primary_key, e[i].primary, links_key, sorted, ns);
		json_obj_end(&j);
		pg_array_add(ids, e[i].slug);
		pg_array_add(details, buf_cstr(b));
	}
}

/* run: one statement of the transaction; false after printing the server's message. */
static bool run(PGconn *conn, enum stmt s, int n, const char *const *params, PGresult **keep)
{
	PGresult *res = admin_db_exec(conn, WHAT, sql[s], n, params);
	if (res == NULL)
		return false;
	if (keep != NULL)
		*keep = res;
	else
		PQclear(res);
	return true;
}

/* The arrays bound to the statements. */
enum param {
	P_G_IDS,
	P_G_NAMES,
	P_G_PRIMARY,
	P_GL_CHILD,
	P_GL_PARENT,
	P_B_IDS,
	P_B_NAMES,
	P_B_PRIMARY,
	P_BL_BAND,
	P_BL_GENRE,
	P_U_NAMES,
	P_U_EMAILS,
	P_U_HASHES,
	P_U_ADMINS,
	P_U_CREATED,
	P_GA_IDS,
	P_GA_DETAILS,
	P_BA_IDS,
	P_BA_DETAILS,
	P__MAX
};

static void params_fill(const struct flask_import *im, struct pg_array *p)
{
	for (size_t i = 0; i < im->ng; i++) {
		const struct fgenre *g = &im->g[i];
		pg_array_add(&p[P_G_IDS], g->slug);
		pg_array_add(&p[P_G_NAMES], g->name);
		pg_array_add(&p[P_G_PRIMARY], g->nparents ? g->parents[0] : NULL);
		for (size_t k = 0; k < g->nparents; k++) {
			pg_array_add(&p[P_GL_CHILD], g->slug);
			pg_array_add(&p[P_GL_PARENT], g->parents[k]);
		}
	}
	for (size_t i = 0; i < im->nb; i++) {
		const struct fband *b = &im->b[i];
		pg_array_add(&p[P_B_IDS], b->slug);
		pg_array_add(&p[P_B_NAMES], b->name);
		pg_array_add(&p[P_B_PRIMARY], b->genres[0]);
		for (size_t k = 0; k < b->ngenres; k++) {
			pg_array_add(&p[P_BL_BAND], b->slug);
			pg_array_add(&p[P_BL_GENRE], b->genres[k]);
		}
	}
	for (size_t i = 0; i < im->nu; i++) {
		const struct fuser *u = &im->u[i];
		pg_array_add(&p[P_U_NAMES], u->username);
		pg_array_add(&p[P_U_EMAILS], u->email);
		pg_array_add(&p[P_U_HASHES], u->hash);
		pg_array_add(&p[P_U_ADMINS], u->is_admin ? "t" : "f");
		pg_array_add(&p[P_U_CREATED], u->created_at);
	}
}

/* changes: compare with what the database holds (empty unless merging) and fill the audit
 * arrays; the PGresults stay in res[] until the caller clears them. */
static bool changes(PGconn *conn, struct flask_import *im, struct pg_array *p, PGresult **res)
{
	const char *g[1] = {pg_array_cstr(&p[P_G_IDS])}, *b[1] = {pg_array_cstr(&p[P_B_IDS])};
	if (!run(conn, W_OLD_GENRES, 1, g, &res[0]) ||
	    !run(conn, W_OLD_GENRE_LINKS, 1, g, &res[1]) ||
	    !run(conn, W_OLD_BANDS, 1, b, &res[2]) || !run(conn, W_OLD_BAND_LINKS, 1, b, &res[3]))
		return false;
	struct strmap og, ob;
	strmap_init(&og);
	strmap_init(&ob);
	const struct old *old_g = old_read(im->a, res[0], res[1], &og);
	const struct old *old_b = old_read(im->a, res[2], res[3], &ob);
	struct entity *e = arena_calloc(im->a, (im->ng > im->nb ? im->ng : im->nb) + 1, sizeof(*e));
	for (size_t i = 0; i < im->ng; i++) {
		struct fgenre *x = &im->g[i];
		e[i] = (struct entity){x->slug,    x->name,     x->nparents ? x->parents[0] : NULL,
		                       x->parents, x->nparents, &x->existed,
		                       &x->changed};
	}
	compare_and_audit(im->a, e, im->ng, old_g, &og, "parent_id", "parents", &p[P_GA_IDS],
	                  &p[P_GA_DETAILS]);
	for (size_t i = 0; i < im->nb; i++) {
		struct fband *x = &im->b[i];
		e[i] = (struct entity){x->slug,    x->name,     x->genres[0], x->genres,
		                       x->ngenres, &x->existed, &x->changed};
	}
	compare_and_audit(im->a, e, im->nb, old_b, &ob, "primary_genre_id", "genres", &p[P_BA_IDS],
	                  &p[P_BA_DETAILS]);
	strmap_free(&og);
	strmap_free(&ob);
	return true;
}

/* refuse_unless_empty: without --merge the graph must be empty. */
static bool refuse_unless_empty(PGconn *conn, const struct flask_import *im, bool *refused)
{
	PGresult *res;
	*refused = false;
	if (!run(conn, W_COUNT, 0, NULL, &res))
		return false;
	const char *genres = PQgetvalue(res, 0, 0), *bands = PQgetvalue(res, 0, 1);
	if (!im->merge && (strcmp(genres, "0") != 0 || strcmp(bands, "0") != 0)) {
		admin_warn(
		    WHAT ": the database already holds %s genre%s and %s band%s; nothing was "
		         "imported",
		    genres, strcmp(genres, "1") ? "s" : "", bands, strcmp(bands, "1") ? "s" : "");
		fputs(
		    "  import-flask fills an empty graph. To add the Flask data to what is there "
		    "(or to run it\n  again), add --merge: genres and bands with the same slug "
		    "then "
		    "take the Flask version,\n  the others stay; accounts already here are kept.\n",
		    stderr);
		*refused = true;
	}
	PQclear(res);
	return !*refused;
}

enum mg_err flask_import_write(PGconn *conn, struct flask_import *im)
{
	struct pg_array p[P__MAX];
	for (size_t i = 0; i < P__MAX; i++)
		pg_array_init(&p[i]);
	PGresult *old[4] = {NULL, NULL, NULL, NULL}, *users = NULL;
	enum mg_err rc = MG_ERR_DB;
	bool refused = false;
	params_fill(im, p);
	if (!run(conn, W_BEGIN, 0, NULL, NULL) || !run(conn, W_LOCK, 0, NULL, NULL) ||
	    !refuse_unless_empty(conn, im, &refused) || !changes(conn, im, p, old))
		goto out;

#define A(i) pg_array_cstr(&p[i])
	const char *actor = cli_actor();
	const char *g_up[] = {A(P_G_IDS), A(P_G_NAMES), A(P_G_PRIMARY)};
	const char *gl_del[] = {A(P_G_IDS), A(P_GL_CHILD), A(P_GL_PARENT)};
	const char *gl_ins[] = {A(P_GL_CHILD), A(P_GL_PARENT)};
	const char *b_up[] = {A(P_B_IDS), A(P_B_NAMES), A(P_B_PRIMARY)};
	const char *bl_del[] = {A(P_B_IDS), A(P_BL_BAND), A(P_BL_GENRE)};
	const char *bl_ins[] = {A(P_BL_BAND), A(P_BL_GENRE)};
	const char *u_ins[] = {A(P_U_NAMES),  A(P_U_EMAILS),  A(P_U_HASHES),
	                       A(P_U_ADMINS), A(P_U_CREATED), actor};
	const char *ga[] = {actor, "genre", A(P_GA_IDS), A(P_GA_DETAILS)};
	const char *ba[] = {actor, "band", A(P_BA_IDS), A(P_BA_DETAILS)};
#undef A
	if (!run(conn, W_GENRES, 3, g_up, NULL) ||
	    !run(conn, W_GENRE_LINKS_DELETE, 3, gl_del, NULL) ||
	    !run(conn, W_GENRE_LINKS_INSERT, 2, gl_ins, NULL) ||
	    !run(conn, W_BANDS, 3, b_up, NULL) ||
	    !run(conn, W_BAND_LINKS_DELETE, 3, bl_del, NULL) ||
	    !run(conn, W_BAND_LINKS_INSERT, 2, bl_ins, NULL) ||
	    !run(conn, W_USERS, 6, u_ins, &users) || !run(conn, W_AUDIT, 4, ga, NULL) ||
	    !run(conn, W_AUDIT, 4, ba, NULL) || !run(conn, W_COMMIT, 0, NULL, NULL))
		goto out;

	struct strmap added;
	strmap_init(&added);
	for (int r = 0; r < PQntuples(users); r++)
		strmap_add(&added, PQgetvalue(users, r, 0), 0, NULL);
	for (size_t i = 0; i < im->nu; i++)
		im->u[i].imported = strmap_get(&added, im->u[i].username, NULL);
	im->users_added = (size_t)PQntuples(users);
	strmap_free(&added);
	for (size_t i = 0; i < im->ng; i++) {
		im->genres_added += !im->g[i].existed;
		im->genres_updated += im->g[i].existed && im->g[i].changed;
	}
	for (size_t i = 0; i < im->nb; i++) {
		im->bands_added += !im->b[i].existed;
		im->bands_updated += im->b[i].existed && im->b[i].changed;
	}
	rc = MG_OK;
out:
	if (refused)
		rc = MG_ERR_CONFLICT;
	for (int i = 0; i < 4; i++)
		PQclear(old[i]);
	PQclear(users);
	for (size_t i = 0; i < P__MAX; i++)
		pg_array_free(&p[i]);
	return rc; /* on failure the caller's PQfinish rolls the transaction back */
}
