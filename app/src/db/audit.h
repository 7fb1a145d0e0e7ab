/* audit.h: the SQL for the audit log; entries are written inside the change's transaction. */
#ifndef MG_DB_AUDIT_H
#define MG_DB_AUDIT_H

#include "core/mg.h"

struct arena;
struct db;

struct audit_entry {
	long long id;
	const char *at; /* "YYYY-MM-DD HH:MM:SS UTC" */
	const char *actor, *action, *target_type, *target_id;
	const char *detail; /* JSON text: {"before": {...}, "after": {...}} */
};

/* db_audit_write: record one change. Call between db_begin and db_commit of the change itself.
 * actor_id is the acting user's id or 0 (the CLI); actor is a name ("alice", "cli:root");
 * action is "<type>.<verb>"; detail is JSON written with render/json.h. */
enum mg_err db_audit_write(struct db *db, struct arena *a, long long actor_id, const char *actor,
                           const char *action, const char *target_type, const char *target_id,
                           const char *detail);

/* db_audit_list: newest first, at most limit entries after skipping offset, optionally only
 * those of actor (exact name) and/or of one record (target_type + target_id); NULL or "" means
 * any. *more is set when further entries exist. */
enum mg_err db_audit_list(struct db *db, struct arena *a, const char *actor,
                          const char *target_type, const char *target_id, long limit, long offset,
                          struct audit_entry **out, int *n, int *more);

#endif
