/* admin_entity.c: one record of a kind the admin curates (genre, band) read, created, updated
 * and deleted over its table of statements, with the data_version lock and the audit entry. */
#include "db/admin_entity.h"
#include "core/arena.h"
#include "core/buf.h"
#include "db/audit.h"
#include "db/strset.h"
#include "render/json.h"

#include <stdlib.h>
#include <string.h>

/* graph writers take turns on this row (the importers lock it first too) */
static const struct db_stmt lock_graph = {
    "admin_entity_lock", "SELECT version FROM data_version WHERE singleton FOR UPDATE", 0};

/* ---- reading ---- */

const char **admin_entity_column(struct arena *a, const PGresult *r, int col, size_t *n)
{
	*n = (size_t)PQntuples(r);
	const char **v = arena_calloc(a, *n + 1, sizeof(*v));
	for (size_t i = 0; i < *n; i++)
		v[i] = PQgetvalue(r, (int)i, col);
	return v;
}

static enum mg_err read_record(struct db *db, struct arena *a, const struct admin_entity *e,
                               enum admin_stmt st, const char *id, struct admin_record *out)
{
	PGresult *r, *links;
	const char *params[] = {id};
	enum mg_err rc = db_exec(db, a, &e->stmts[st], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	if (PQntuples(r) != 1)
		return MG_ERR_NOT_FOUND;
	if ((rc = db_exec(db, a, &e->stmts[ADMIN_STMT_LINKS], params, &links, NULL)) != MG_OK)
		return rc;
	*out = (struct admin_record){.id = arena_strdup(a, id),
	                             .name = PQgetvalue(r, 0, 0),
	                             .primary = db_value(r, 0, 1),
	                             .description_md = PQgetvalue(r, 0, 2),
	                             .version = strtol(PQgetvalue(r, 0, 3), NULL, 10)};
	out->links = admin_entity_column(a, links, 0, &out->nlinks);
	return MG_OK;
}

enum mg_err admin_entity_get(struct db *db, struct arena *a, const struct admin_entity *e,
                             const char *id, struct admin_record *out)
{
	return read_record(db, a, e, ADMIN_STMT_GET, id, out);
}

/* ---- audit details ---- */

static bool has(const char *s)
{
	return s != NULL && s[0] != '\0';
}

void admin_entity_json(struct json *j, const struct admin_entity *e, const struct admin_record *r,
                       int fields)
{
	if (fields & ADMIN_F_NAME) {
		json_key(j, "name");
		json_str(j, r->name);
	}
	if (fields & ADMIN_F_PRIMARY) {
		json_key(j, e->primary_key);
		json_str(j, has(r->primary) ? r->primary : NULL);
	}
	if (fields & ADMIN_F_LINKS) {
		json_key(j, e->links_key);
		strset_json(j, r->links, r->nlinks);
	}
	if (fields & ADMIN_F_DESCRIPTION) {
		json_key(j, "description_md");
		json_str(j, r->description_md);
	}
}

static void json_side(struct json *j, const char *key, const struct admin_entity *e,
                      const struct admin_record *r, int fields)
{
	if (r == NULL)
		return;
	json_key(j, key);
	json_obj_begin(j);
	admin_entity_json(j, e, r, fields);
	json_obj_end(j);
}

/* detail: {"before": …} and/or {"after": …} with the given fields (NULL: that side is left
 * out, as for a creation or a deletion). */
static const char *detail(struct arena *a, const struct admin_entity *e,
                          const struct admin_record *before, const struct admin_record *after,
                          int fields)
{
	struct buf *b = buf_new_in(a);
	struct json j;
	json_init(&j, b);
	json_obj_begin(&j);
	json_side(&j, "before", e, before, fields);
	json_side(&j, "after", e, after, fields);
	json_obj_end(&j);
	return arena_strdup(a, buf_cstr(b));
}

/* changes: the fields (ADMIN_F_*) in which now differs from old (links both sorted). */
static int changes(const struct admin_record *old, const struct admin_record *now)
{
	bool same_primary = strcmp(has(old->primary) ? old->primary : "",
	                           has(now->primary) ? now->primary : "") == 0;
	bool same_links = strset_equal(old->links, old->nlinks, now->links, now->nlinks);
	return (strcmp(old->name, now->name) != 0 ? ADMIN_F_NAME : 0) |
	       (same_primary ? 0 : ADMIN_F_PRIMARY) | (same_links ? 0 : ADMIN_F_LINKS) |
	       (strcmp(old->description_md, now->description_md) != 0 ? ADMIN_F_DESCRIPTION : 0);
}

/* ---- writing ---- */

/* with_sorted_links: in, its links sorted bytewise without repeats. */
static struct admin_record with_sorted_links(struct arena *a, const struct admin_record *in)
{
	struct admin_record r = *in;
	r.links = strset_sorted(a, in->links, in->nlinks, &r.nlinks);
	return r;
}

static enum mg_err write_links(const struct admin_write *w, const struct admin_entity *e,
                               const struct admin_record *r)
{
	const char *params[] = {r->id, strset_json_text(w->a, r->links, r->nlinks)};
	enum mg_err rc = db_exec(w->db, w->a, &e->stmts[ADMIN_STMT_UNLINK], params, NULL, NULL);
	if (rc == MG_OK)
		rc = db_exec(w->db, w->a, &e->stmts[ADMIN_STMT_LINK], params, NULL, NULL);
	return rc;
}

static enum mg_err audit(const struct admin_write *w, const struct admin_entity *e,
                         const char *action, const char *id, const char *detail_json)
{
	return db_audit_write(w->db, w->a, w->actor_id, w->actor, action, e->type, id, detail_json);
}

enum mg_err admin_entity_create(const struct admin_write *w, const struct admin_entity *e,
                                const struct admin_record *in, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_record after = with_sorted_links(w->a, in);
	const char *params[] = {in->id, in->name, has(in->primary) ? in->primary : "",
	                        in->description_md};
	enum mg_err rc = db_begin(w->db, "BEGIN");
	if (rc != MG_OK)
		return rc;
	if ((rc = db_exec(w->db, w->a, &lock_graph, NULL, NULL, NULL)) == MG_OK &&
	    (rc = db_exec(w->db, w->a, &e->stmts[ADMIN_STMT_INSERT], params, NULL, NULL)) ==
	        MG_OK &&
	    (rc = write_links(w, e, &after)) == MG_OK)
		rc = audit(w, e, e->created, in->id, detail(w->a, e, NULL, &after, ADMIN_F_ALL));
	return admin_result_finish(w->db, w->a, rc, e->refusals, in->id, out);
}

bool admin_entity_lock(const struct admin_write *w, const struct admin_entity *e, const char *id,
                       long version, struct admin_record *old, struct admin_result *out,
                       enum mg_err *rc)
{
	if ((*rc = db_begin(w->db, "BEGIN")) != MG_OK)
		return false;
	if ((*rc = db_exec(w->db, w->a, &lock_graph, NULL, NULL, NULL)) != MG_OK)
		goto over;
	if ((*rc = read_record(w->db, w->a, e, ADMIN_STMT_GET_LOCKED, id, old)) != MG_OK) {
		*rc = admin_result_found(*rc, out);
		goto over;
	}
	out->name = old->name;
	if (version == 0 || old->version == version)
		return true;
	out->outcome = ADMIN_STALE;
over:
	db_rollback(w->db);
	return false;
}

enum mg_err admin_entity_update(const struct admin_write *w, const struct admin_entity *e,
                                const struct admin_record *in, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_record old, after = with_sorted_links(w->a, in);
	enum mg_err rc;
	if (!admin_entity_lock(w, e, in->id, in->version, &old, out, &rc))
		return rc;
	int changed = changes(&old, &after);
	if (changed == 0) {
		out->outcome = ADMIN_UNCHANGED;
		db_rollback(w->db);
		return MG_OK;
	}
	const char *params[] = {in->id, arena_sprintf(w->a, "%ld", in->version), in->name,
	                        has(in->primary) ? in->primary : "", in->description_md};
	PGresult *r;
	if ((rc = db_exec(w->db, w->a, &e->stmts[ADMIN_STMT_UPDATE], params, &r, NULL)) != MG_OK)
		return admin_result_finish(w->db, w->a, rc, e->refusals, in->id, out);
	if (strcmp(PQcmdTuples(r), "1") != 0) {
		out->outcome = ADMIN_STALE; /* not with the row locked, but never write */
		db_rollback(w->db);
		return MG_OK;
	}
	if ((rc = write_links(w, e, &after)) == MG_OK)
		rc = audit(w, e, e->updated, in->id, detail(w->a, e, &old, &after, changed));
	return admin_result_finish(w->db, w->a, rc, e->refusals, in->id, out);
}

enum mg_err admin_entity_remove(const struct admin_write *w, const struct admin_entity *e,
                                const char *id, const char *detail_json)
{
	const char *params[] = {id};
	enum mg_err rc = db_exec(w->db, w->a, &e->stmts[ADMIN_STMT_REMOVE], params, NULL, NULL);
	if (rc == MG_OK)
		rc = audit(w, e, e->deleted, id, detail_json);
	return rc;
}

enum mg_err admin_entity_delete(const struct admin_write *w, const struct admin_entity *e,
                                const char *id, long version, struct admin_result *out)
{
	memset(out, 0, sizeof(*out));
	struct admin_record old;
	enum mg_err rc;
	if (!admin_entity_lock(w, e, id, version, &old, out, &rc))
		return rc;
	rc = admin_entity_remove(w, e, id, detail(w->a, e, &old, NULL, ADMIN_F_ALL));
	return admin_result_finish(w->db, w->a, rc, e->refusals, id, out);
}
