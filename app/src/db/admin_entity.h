/* admin_entity.h: the write skeleton the genre and band admin modules share: a table that
 * describes one kind of record (its statements and audit names) and, over it, reading one
 * record and creating, updating and deleting it, each in one transaction with its audit
 * entry. */
#ifndef MG_DB_ADMIN_ENTITY_H
#define MG_DB_ADMIN_ENTITY_H

#include "core/mg.h"
#include "db/admin_result.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct json;

/* One record with its links: a genre's parents, the primary one among them (NULL or "" for a
 * root), or a band's genres and its primary genre. Read, it is the row (links sorted
 * bytewise); to write, it is what the form asks for, already validated by the page (links in
 * any order, with repeats), version being the one the form was loaded with. */
struct admin_record {
	const char *id, *name, *description_md;
	const char *primary;
	const char *const *links;
	size_t nlinks;
	long version;
};

/* Who writes, on which connection, with which arena (strings of the answer live there). */
struct admin_write {
	struct db *db;
	struct arena *a;
	long long actor_id; /* and actor, as the audit entries name them */
	const char *actor;
};

/* The statements every kind of record has, at these indices of its module's array (its own
 * ones follow from ADMIN_STMT__MAX). They take:
 * GET, GET_LOCKED: $1 id, giving name, primary, description_md, version;
 * LINKS: $1 id, giving the link ids sorted bytewise;
 * INSERT: $1 id, $2 name, $3 primary ("" for none), $4 description_md;
 * UPDATE: $1 id, $2 version, $3 name, $4 primary, $5 description_md, only at that version;
 * UNLINK / LINK: $1 id, $2 a JSON array of the links to keep / to have;
 * REMOVE: $1 id. */
enum admin_stmt {
	ADMIN_STMT_GET,
	ADMIN_STMT_GET_LOCKED,
	ADMIN_STMT_LINKS,
	ADMIN_STMT_INSERT,
	ADMIN_STMT_UPDATE,
	ADMIN_STMT_UNLINK,
	ADMIN_STMT_LINK,
	ADMIN_STMT_REMOVE,
	ADMIN_STMT__MAX
};

/* What the skeleton needs to know about one kind of record. */
struct admin_entity {
	const char *type;                        /* "genre": the audit entries' target type */
	const char *created, *updated, *deleted; /* their actions: "genre.create", … */
	const char *primary_key, *links_key;     /* the audit details' names for primary, links */
	const struct db_stmt *stmts;             /* indexed by enum admin_stmt */
	const struct admin_refusal *refusals;    /* create, update and admin_entity_delete */
};

/* The fields of a record an audit detail can hold (name, primary, links, description_md). */
enum { ADMIN_F_NAME = 1, ADMIN_F_PRIMARY = 2, ADMIN_F_LINKS = 4, ADMIN_F_DESCRIPTION = 8 };
#define ADMIN_F_ALL 15

/* admin_entity_get: the record id with its links and version. MG_ERR_NOT_FOUND when there is
 * none. */
enum mg_err admin_entity_get(struct db *db, struct arena *a, const struct admin_entity *e,
                             const char *id, struct admin_record *out);

/* admin_entity_create / _update / _delete: in one transaction that first locks the
 * data_version row (so graph writers take turns, as the importers do): write the record and
 * its links, write the audit entry (e->created with {"after": …}, e->updated with the changed
 * fields {"before": …, "after": …}, e->deleted with {"before": …}) for w's actor, commit.
 * update refuses (STALE) when the row's version is not in->version (UPDATE … WHERE id = $1
 * AND version = $2), delete when version is not 0 and differs. A constraint failure (at any
 * statement or at COMMIT) rolls back and comes back as REFUSED from e->refusals. Returns MG_OK
 * with the outcome in *out (update and delete set name once the record is found), or a
 * database error after rolling back. */
enum mg_err admin_entity_create(const struct admin_write *w, const struct admin_entity *e,
                                const struct admin_record *in, struct admin_result *out);
enum mg_err admin_entity_update(const struct admin_write *w, const struct admin_entity *e,
                                const struct admin_record *in, struct admin_result *out);
enum mg_err admin_entity_delete(const struct admin_write *w, const struct admin_entity *e,
                                const char *id, long version, struct admin_result *out);

/* The steps of admin_entity_delete, for a kind of record whose delete does more in between
 * (genres). admin_entity_lock: BEGIN, lock the data_version row, read the record FOR UPDATE
 * into *old (its name into out->name) and compare its version (0: any). true: go on in the
 * open transaction; false: it is over (rolled back), with *rc MG_OK and out's outcome
 * NOT_FOUND or STALE, or *rc the error. out must start zeroed. */
bool admin_entity_lock(const struct admin_write *w, const struct admin_entity *e, const char *id,
                       long version, struct admin_record *old, struct admin_result *out,
                       enum mg_err *rc);
/* admin_entity_remove: delete the row and write its audit entry (e->deleted, detail); the
 * caller ends the transaction. */
enum mg_err admin_entity_remove(const struct admin_write *w, const struct admin_entity *e,
                                const char *id, const char *detail);
/* admin_entity_json: the given fields (ADMIN_F_*) of r as members of j's open object, named
 * as e's audit details name them ("primary" is null when r has none). */
void admin_entity_json(struct json *j, const struct admin_entity *e, const struct admin_record *r,
                       int fields);
/* admin_entity_column: column col of every row of r, an arena array (NULL-terminated) of *n. */
const char **admin_entity_column(struct arena *a, const PGresult *r, int col, size_t *n);

#endif
