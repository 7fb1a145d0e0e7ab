/* import_flask_model.c: the Flask original's rows checked and shaped for our schema: slugs,
 * names, primary and other parents, a band's genres, accounts and their password hashes. */
#include "admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "import_flask.h"
#include "strmap.h"
#include "util/account.h"
#include "util/graph_cycle.h"
#include "util/slug.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The order of the tables in error listings. */
enum { ORDER_GENRES, ORDER_GENRE_PARENTS, ORDER_BANDS, ORDER_BAND_GENRES, ORDER_USERS };

void flask_note(struct flask_import *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *msg = arena_vsprintf(im->a, fmt, ap);
	va_end(ap);
	if ((im->nnotes & (im->nnotes - 1)) == 0) { /* 0, 1, 2, 4, …: grow */
		const char **v = arena_alloc(im->a, (im->nnotes ? im->nnotes * 2 : 1) * sizeof(*v));
		if (im->nnotes > 0)
			memcpy(v, im->notes, im->nnotes * sizeof(*v));
		im->notes = v;
	}
	im->notes[im->nnotes++] = msg;
}

static const char *q(struct flask_import *im, const char *s)
{
	return import_quote(im->a, s);
}

/* cell: the text of row r, column c; NULL for SQL NULL, and NULL after reporting when the
 * value was unusable (column names the column, who the row). */
static const char *cell(struct flask_import *im, const struct flask_rows *t, int order, size_t r,
                        size_t c, const char *column, const char *who)
{
	const struct flask_cell *x = flask_at(t, r, c);
	if (x->problem != NULL)
		ierr_add(&im->e, order, t->name, 0, "%s: %s is %s", who, column, x->problem);
	return x->s;
}

/* row_who: how a message names a row: its key quoted, or its position when the key is bad. */
static const char *row_who(struct flask_import *im, const struct flask_rows *t, size_t r,
                           const char *key_label)
{
	const struct flask_cell *k = flask_at(t, r, 0);
	if (k->s != NULL)
		return arena_sprintf(im->a, "%s %s", key_label, q(im, k->s));
	return arena_sprintf(im->a, "row %zu (in %s order)", r + 1, key_label);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* clean_name: s without surrounding blanks, when it then has 1..IMPORT_TEXT_MAX characters and
 * no control character (C0, DEL, C1); otherwise NULL after reporting. */
static const char *clean_name(struct flask_import *im, const char *table, int order,
                              const char *who, const char *s)
{
	if (s == NULL) {
		ierr_add(&im->e, order, table, 0, "%s: the name is empty (NULL)", who);
		return NULL;
	}
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	if (n == 0) {
		ierr_add(&im->e, order, table, 0, "%s: the name is empty", who);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool c1 = c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9F;
		if (c < 0x20 || c == 0x7F || c1) {
			ierr_add(&im->e, order, table, 0,
			         "%s: the name contains a control character", who);
			return NULL;
		}
	}
	if (utf8_count(s, n) > IMPORT_TEXT_MAX) {
		ierr_add(&im->e, order, table, 0, "%s: the name is longer than %d characters", who,
		         IMPORT_TEXT_MAX);
		return NULL;
	}
	return arena_strndup(im->a, s, n);
}

/* to_slug: our id for a genre or band: its Flask id when that is a valid slug, otherwise the
 * slug of the id (or, when nothing of it is left, of the name), recorded as a rename. */
static const char *to_slug(struct flask_import *im, const char *table, const char *id,
                           const char *name)
{
	if (slug_valid(id))
		return id;
	const char *s = slug_from_name(im->a, id);
	if (s[0] == '\0' && name != NULL)
		s = slug_from_name(im->a, name);
	if (s[0] == '\0')
		return NULL;
	im->renamed = xrealloc(im->renamed, (im->nrenamed + 1) * sizeof(*im->renamed));
	im->renamed[im->nrenamed++] = (struct frename){table, id, s};
	return s;
}

/* ---- genres ---- */

/* A genre while its parents are collected. */
struct gwork {
	const char *primary; /* slug of genres.parent_id, or NULL */
	const char **links;  /* slugs from genre_parents */
	size_t nlinks, cap;
};

static void glink_add(struct gwork *w, const char *slug)
{
	for (size_t i = 0; i < w->nlinks; i++)
		if (strcmp(w->links[i], slug) == 0)
			return;
	if (w->nlinks == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->links = xrealloc(w->links, w->cap * sizeof(*w->links));
	}
	w->links[w->nlinks++] = slug;
}

static int by_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* read_genres: the rows of genres; by_id maps a Flask id to its index in im->g. */
static void read_genres(struct flask_import *im, const struct flask_rows *t, struct strmap *by_id,
                        struct strmap *by_slug)
{
	im->g = arena_calloc(im->a, t->n + 1, sizeof(*im->g));
	for (size_t r = 0; r < t->n; r++) {
		const char *who = row_who(im, t, r, "id");
		const char *id = cell(im, t, ORDER_GENRES, r, 0, "id", who);
		const char *raw = cell(im, t, ORDER_GENRES, r, 1, "name", who);
		if (flask_at(t, r, 0)->problem != NULL)
			continue;
		if (id == NULL) {
			ierr_add(&im->e, ORDER_GENRES, t->name, 0, "%s: the id is empty (NULL)",
			         who);
			continue;
		}
		const char *name = flask_at(t, r, 1)->problem
		                       ? NULL
		                       : clean_name(im, t->name, ORDER_GENRES, who, raw);
		const char *slug = to_slug(im, "genres", id, name);
		if (slug == NULL) {
			ierr_add(&im->e, ORDER_GENRES, t->name, 0,
			         "%s: no slug can be made of the id or the name (they need letters "
			         "or digits)",
			         who);
			continue;
		}
		size_t first;
		if (!strmap_add(by_id, id, im->ng, &first)) {
			ierr_add(&im->e, ORDER_GENRES, t->name, 0, "%s: the id is there twice",
			         who);
			continue;
		}
		if (!strmap_add(by_slug, slug, im->ng, &first)) {
			ierr_add(&im->e, ORDER_GENRES, t->name, 0,
			         "%s: its slug %s is also the slug of the genre %s (rename one of "
			         "them in the Flask database)",
			         who, q(im, slug), q(im, im->g[first].src_id));
		}
		im->g[im->ng++] =
		    (struct fgenre){.src_id = id, .slug = slug, .name = name, .ok = name != NULL};
	}
}

/* genre_ref: the index of the genre whose Flask id is id, or reports (what names the column)
 * and returns false. */
static bool genre_ref(struct flask_import *im, const struct strmap *by_id, int order,
                      const char *table, const char *who, const char *what, const char *id,
                      size_t *out)
{
	if (strmap_get(by_id, id, out))
		return true;
	ierr_add(&im->e, order, table, 0, "%s: %s %s is not a genre", who, what, q(im, id));
	return false;
}

/* read_parents: genres.parent_id (the primary parent) and genre_parents (all parents). */
static void read_parents(struct flask_import *im, const struct flask_rows *genres,
                         const struct flask_rows *links, const struct strmap *by_id,
                         struct gwork *w)
{
	for (size_t r = 0; r < genres->n; r++) {
		const char *id = flask_at(genres, r, 0)->s;
		const char *who = row_who(im, genres, r, "id");
		const char *parent = cell(im, genres, ORDER_GENRES, r, 2, "parent_id", who);
		size_t gi, pi;
		/* a blank parent_id is how the Flask form stored "no parent" at times */
		if (id == NULL || !strmap_get(by_id, id, &gi) || parent == NULL ||
		    parent[0] == '\0')
			continue;
		if (!genre_ref(im, by_id, ORDER_GENRES, genres->name, who, "parent_id", parent,
		               &pi)) {
			im->g[gi].ok = false;
		} else if (pi == gi) {
			ierr_add(&im->e, ORDER_GENRES, genres->name, 0, "%s: it is its own parent",
			         who);
			im->g[gi].ok = false;
		} else {
			w[gi].primary = im->g[pi].slug;
			glink_add(&w[gi], im->g[pi].slug);
		}
	}
	if (!links->present)
		return;
	for (size_t r = 0; r < links->n; r++) {
		const char *g = flask_at(links, r, 0)->s, *p = flask_at(links, r, 1)->s;
		const char *who =
		    arena_sprintf(im->a, "(%s, %s)", q(im, g ? g : "NULL"), q(im, p ? p : "NULL"));
		cell(im, links, ORDER_GENRE_PARENTS, r, 0, "genre_id", who);
		cell(im, links, ORDER_GENRE_PARENTS, r, 1, "parent_genre_id", who);
		if (g == NULL || p == NULL) {
			if (!flask_at(links, r, 0)->problem && !flask_at(links, r, 1)->problem)
				ierr_add(&im->e, ORDER_GENRE_PARENTS, links->name, 0,
				         "%s: an empty (NULL) genre", who);
			continue;
		}
		size_t gi, pi;
		bool okg =
		    genre_ref(im, by_id, ORDER_GENRE_PARENTS, links->name, who, "genre_id", g, &gi);
		bool okp = genre_ref(im, by_id, ORDER_GENRE_PARENTS, links->name, who,
		                     "parent_genre_id", p, &pi);
		if (!okg || !okp)
			continue;
		if (gi == pi) {
			ierr_add(&im->e, ORDER_GENRE_PARENTS, links->name, 0,
			         "%s: a genre cannot be its own parent", who);
			im->g[gi].ok = false;
			continue;
		}
		glink_add(&w[gi], im->g[pi].slug);
	}
}

/* settle_parents: each genre's parents, the primary first (genres.parent_id, else the first of
 * genre_parents by slug: our schema needs a primary parent whenever there are parents). */
static void settle_parents(struct flask_import *im, struct gwork *w)
{
	for (size_t i = 0; i < im->ng; i++) {
		struct fgenre *g = &im->g[i];
		if (w[i].nlinks > 1)
			qsort(w[i].links, w[i].nlinks, sizeof(*w[i].links), by_str);
		g->parents = arena_calloc(im->a, w[i].nlinks + 1, sizeof(*g->parents));
		const char *primary = w[i].primary  ? w[i].primary
		                      : w[i].nlinks ? w[i].links[0]
		                                    : NULL;
		if (primary != NULL)
			g->parents[g->nparents++] = primary;
		for (size_t k = 0; k < w[i].nlinks; k++)
			if (strcmp(w[i].links[k], primary) != 0)
				g->parents[g->nparents++] = w[i].links[k];
		im->ngenre_links += g->nparents;
		free(w[i].links);
	}
}

/* check_cycles: the Flask app never checked; our schema refuses a genre among its own
 * ancestors. Reports each cycle (up to IMPORT_MAX_REPORTED) by the Flask ids on it. */
static void check_cycles(struct flask_import *im, const struct strmap *by_slug)
{
	struct graph_edge *edges = xmalloc((im->ngenre_links + 1) * sizeof(*edges));
	size_t ne = 0;
	for (size_t i = 0; i < im->ng; i++) {
		if (!im->g[i].ok)
			continue;
		for (size_t k = 0; k < im->g[i].nparents; k++) {
			size_t to;
			if (strmap_get(by_slug, im->g[i].parents[k], &to) && im->g[to].ok)
				edges[ne++] = (struct graph_edge){i, to};
		}
	}
	size_t *cycle, len;
	for (int round = 0; round < IMPORT_MAX_REPORTED; round++) {
		if (!graph_find_cycle(im->ng, edges, ne, &cycle, &len))
			break;
		struct buf msg;
		buf_init(&msg);
		for (size_t k = 0; k <= len; k++)
			buf_printf(&msg, "%s%s", k ? " -> " : "",
			           q(im, im->g[cycle[k % len]].src_id));
		ierr_add(
		    &im->e, ORDER_GENRE_PARENTS, "genres", 0,
		    "the parents form a cycle: %s (\"a -> b\": b is a parent of a); remove one "
		    "of these links in the Flask database",
		    buf_cstr(&msg));
		buf_free(&msg);
		for (size_t k = 0; k < ne; k++) {
			if (edges[k].from == cycle[0] && edges[k].to == cycle[1 % len]) {
				edges[k] = edges[--ne];
				break;
			}
		}
		free(cycle);
	}
	free(edges);
}

/* ---- bands ---- */

static void read_bands(struct flask_import *im, const struct flask_rows *t,
                       const struct flask_rows *links, const struct strmap *genres_by_id)
{
	struct strmap by_id, by_slug;
	strmap_init(&by_id);
	strmap_init(&by_slug);
	struct gwork *w = xcalloc(t->n + 1, sizeof(*w));
	im->b = arena_calloc(im->a, t->n + 1, sizeof(*im->b));
	for (size_t r = 0; r < t->n; r++) {
		const char *who = row_who(im, t, r, "id");
		const char *id = cell(im, t, ORDER_BANDS, r, 0, "id", who);
		const char *raw = cell(im, t, ORDER_BANDS, r, 1, "name", who);
		const char *primary = cell(im, t, ORDER_BANDS, r, 2, "primary_genre_id", who);
		if (flask_at(t, r, 0)->problem != NULL)
			continue;
		if (id == NULL) {
			ierr_add(&im->e, ORDER_BANDS, t->name, 0, "%s: the id is empty (NULL)",
			         who);
			continue;
		}
		const char *name = flask_at(t, r, 1)->problem
		                       ? NULL
		                       : clean_name(im, t->name, ORDER_BANDS, who, raw);
		const char *slug = to_slug(im, "bands", id, name);
		size_t first, gi;
		if (slug == NULL) {
			ierr_add(&im->e, ORDER_BANDS, t->name, 0,
			         "%s: no slug can be made of the id or the name (they need letters "
			         "or digits)",
			         who);
			continue;
		}
		if (!strmap_add(&by_id, id, im->nb, &first)) {
			ierr_add(&im->e, ORDER_BANDS, t->name, 0, "%s: the id is there twice", who);
			continue;
		}
		if (!strmap_add(&by_slug, slug, im->nb, &first))
			ierr_add(
			    &im->e, ORDER_BANDS, t->name, 0,
			    "%s: its slug %s is also the slug of the band %s (rename one of them "
			    "in the Flask database)",
			    who, q(im, slug), q(im, im->b[first].src_id));
		if (primary == NULL || primary[0] == '\0') {
			if (flask_at(t, r, 2)->problem == NULL)
				ierr_add(&im->e, ORDER_BANDS, t->name, 0,
				         "%s: no primary genre (primary_genre_id is empty)", who);
		} else if (genre_ref(im, genres_by_id, ORDER_BANDS, t->name, who,
		                     "primary_genre_id", primary, &gi)) {
			w[im->nb].primary = im->g[gi].slug;
			glink_add(&w[im->nb], im->g[gi].slug);
		}
		im->b[im->nb++] = (struct fband){.src_id = id, .slug = slug, .name = name};
	}
	for (size_t r = 0; r < links->n; r++) {
		const char *bid = flask_at(links, r, 0)->s, *gid = flask_at(links, r, 1)->s;
		const char *who = arena_sprintf(im->a, "(%s, %s)", q(im, bid ? bid : "NULL"),
		                                q(im, gid ? gid : "NULL"));
		cell(im, links, ORDER_BAND_GENRES, r, 0, "band_id", who);
		cell(im, links, ORDER_BAND_GENRES, r, 1, "genre_id", who);
		if (bid == NULL || gid == NULL) {
			if (!flask_at(links, r, 0)->problem && !flask_at(links, r, 1)->problem)
				ierr_add(&im->e, ORDER_BAND_GENRES, links->name, 0,
				         "%s: an empty (NULL) band or genre", who);
			continue;
		}
		size_t bi, gi;
		bool okb = strmap_get(&by_id, bid, &bi);
		if (!okb)
			ierr_add(&im->e, ORDER_BAND_GENRES, links->name, 0,
			         "%s: band_id %s is not a band", who, q(im, bid));
		if (genre_ref(im, genres_by_id, ORDER_BAND_GENRES, links->name, who, "genre_id",
		              gid, &gi) &&
		    okb)
			glink_add(&w[bi], im->g[gi].slug);
	}
	/* the primary genre first, then the others by slug (the primary is one of them) */
	for (size_t i = 0; i < im->nb; i++) {
		struct fband *b = &im->b[i];
		if (w[i].nlinks > 1)
			qsort(w[i].links, w[i].nlinks, sizeof(*w[i].links), by_str);
		b->genres = arena_calloc(im->a, w[i].nlinks + 1, sizeof(*b->genres));
		if (w[i].primary != NULL)
			b->genres[b->ngenres++] = w[i].primary;
		for (size_t k = 0; k < w[i].nlinks; k++)
			if (w[i].primary == NULL || strcmp(w[i].links[k], w[i].primary) != 0)
				b->genres[b->ngenres++] = w[i].links[k];
		im->nband_links += b->ngenres;
		free(w[i].links);
	}
	free(w);
	strmap_free(&by_id);
	strmap_free(&by_slug);
}

/* ---- users ---- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* timestamp_utc: "YYYY-MM-DD HH:MM:SS[.f…]" (or with 'T'), a real date and time, as
 * "…+00" for PostgreSQL (SQLAlchemy stored UTC without a zone); NULL when it is not one. */
static const char *timestamp_utc(struct arena *a, const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t n = strlen(s);
	if (n < 19 || n > 26 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != ' ' && s[10] != 'T') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return NULL;
	if (n > 19 && (s[19] != '.' || n == 20 || !digits(s + 20, n - 20)))
		return NULL;
	int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || num(s + 11, 2) > 23 || num(s + 14, 2) > 59 ||
	    num(s + 17, 2) > 59)
		return NULL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return NULL;
	return arena_sprintf(a, "%.10s %s+00", s, s + 11);
}

/* hash_method: the method part of a stored hash ("scrypt:1048576:8:1"), for the reset list. */
static const char *hash_method(struct flask_import *im, const char *hash)
{
	size_t n = strcspn(hash, "$");
	if (n > 40)
		n = 40;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)hash[i]) && hash[i] != ':' && hash[i] != '_' &&
		    hash[i] != '-')
			return "an unknown format";
	return n ? arena_strndup(im->a, hash, n) : "an unknown format";
}

static char *lower(struct arena *a, const char *s)
{
	char *l = arena_strdup(a, s);
	for (char *p = l; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

static void read_users(struct flask_import *im, const struct flask_rows *t)
{
	struct strmap names, emails;
	strmap_init(&names);
	strmap_init(&emails);
	im->u = arena_calloc(im->a, t->n + 1, sizeof(*im->u));
	for (size_t r = 0; t->present && r < t->n; r++) {
		const char *who = row_who(im, t, r, "id");
		const char *id = cell(im, t, ORDER_USERS, r, 0, "id", who);
		const char *username = cell(im, t, ORDER_USERS, r, 1, "username", who);
		const char *email = cell(im, t, ORDER_USERS, r, 2, "email", who);
		const char *hash = cell(im, t, ORDER_USERS, r, 3, "password_hash", who);
		const char *admin = flask_at(t, r, 4)->s;
		const char *created = flask_at(t, r, 5)->s;
		bool ok = flask_at(t, r, 0)->problem == NULL &&
		          flask_at(t, r, 1)->problem == NULL &&
		          flask_at(t, r, 2)->problem == NULL && flask_at(t, r, 3)->problem == NULL;
		if (!ok)
			continue;
		if (id == NULL)
			id = "NULL";
		if (username == NULL || !account_username_valid(username)) {
			ierr_add(&im->e, ORDER_USERS, t->name, 0,
			         "%s: the username %s is not valid here (3 to 32 letters, digits, "
			         "dots, hyphens or underscores); rename the account in the Flask "
			         "database first",
			         who, q(im, username ? username : ""));
			ok = false;
		}
		if (email == NULL || !account_email_valid(email)) {
			ierr_add(&im->e, ORDER_USERS, t->name, 0,
			         "%s: the email %s is not valid here (it must look like "
			         "name@example.org); correct it in the Flask database first",
			         who, q(im, email ? email : ""));
			ok = false;
		}
		size_t first;
		if (ok && !strmap_add(&names, lower(im->a, username), im->nu, &first)) {
			ierr_add(&im->e, ORDER_USERS, t->name, 0,
			         "%s: the username %s is also id %s's (usernames are unique "
			         "regardless of case here); rename one of the two",
			         who, q(im, username), q(im, im->u[first].src_id));
			ok = false;
		}
		if (ok && !strmap_add(&emails, lower(im->a, email), im->nu, &first)) {
			ierr_add(&im->e, ORDER_USERS, t->name, 0,
			         "%s: the email %s is also id %s's (emails are unique regardless "
			         "of case here); change one of the two",
			         who, q(im, email), q(im, im->u[first].src_id));
			ok = false;
		}
		if (!ok)
			continue;
		struct fuser *u = &im->u[im->nu++];
		*u = (struct fuser){.src_id = id, .username = username, .email = email};
		u->is_admin = admin != NULL && strcmp(admin, "t") == 0;
		u->kind = password_hash_kind(hash);
		u->hash = hash;
		if (u->kind != PASSWORD_KIND_CHECKABLE)
			u->old_method = hash ? hash_method(im, hash) : "no hash";
		if (u->kind == PASSWORD_KIND_INVALID) /* never copy what we cannot read */
			u->hash = PASSWORD_UNUSABLE;
		if (created != NULL && (u->created_at = timestamp_utc(im->a, created)) == NULL)
			flask_note(im,
			           "users: %s (%s): created_at %s is not a date and time; the "
			           "import's time is used instead",
			           who, username, q(im, created));
	}
	strmap_free(&names);
	strmap_free(&emails);
}

void flask_model_build(struct flask_import *im, const struct flask_rows *rows)
{
	struct strmap by_id, by_slug;
	strmap_init(&by_id);
	strmap_init(&by_slug);
	const struct flask_rows *genres = &rows[FLASK_GENRES];
	read_genres(im, genres, &by_id, &by_slug);
	struct gwork *w = xcalloc(im->ng + 1, sizeof(*w));
	read_parents(im, genres, &rows[FLASK_GENRE_PARENTS], &by_id, w);
	settle_parents(im, w);
	free(w);
	check_cycles(im, &by_slug);
	read_bands(im, &rows[FLASK_BANDS], &rows[FLASK_BAND_GENRES], &by_id);
	read_users(im, &rows[FLASK_USERS]);
	if (!rows[FLASK_GENRE_PARENTS].present)
		flask_note(im, "no genre_parents table (a version before 0.5): each genre's "
		               "parent is its parent_id");
	if (!rows[FLASK_USERS].present)
		flask_note(im, "no users table (a version before 0.3): no accounts to import");
	strmap_free(&by_id);
	strmap_free(&by_slug);
}
