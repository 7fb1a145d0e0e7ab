/* admin_result.c: the plumbing the genre and band writers share: constraint failures in
 * words, and the end of the transaction. */
#include "db/admin_result.h"
#include "core/arena.h"
#include "core/buf.h"

#include <string.h>

const char *admin_result_fill(struct arena *a, const char *message, const char *id)
{
	const char *at = strstr(message, "{id}");
	if (at == NULL)
		return message;
	struct buf *b = buf_new_in(a);
	buf_append(b, message, (size_t)(at - message));
	buf_puts(b, id);
	buf_puts(b, at + 4);
	return arena_strdup(a, buf_cstr(b));
}

void admin_result_refuse(struct db *db, struct arena *a, const struct admin_refusal *table,
                         const char *id, struct admin_result *out)
{
	db_rollback(db);
	const struct admin_refusal *r = table;
	for (; r->sqlstate != NULL; r++)
		if (strcmp(r->sqlstate, db->last_sqlstate) == 0 &&
		    (r->constraint == NULL || strcmp(r->constraint, db->last_constraint) == 0))
			break;
	out->outcome = ADMIN_REFUSED;
	out->field = r->field;
	out->message = admin_result_fill(a, r->message, id);
	out->cycle = r->cycle;
}

enum mg_err admin_result_finish(struct db *db, struct arena *a, enum mg_err rc,
                                const struct admin_refusal *table, const char *id,
                                struct admin_result *out)
{
	if (rc == MG_OK)
		rc = db_commit(db);
	if (rc == MG_OK) {
		out->outcome = ADMIN_DONE;
		return MG_OK;
	}
	if (rc == MG_ERR_CONFLICT) {
		admin_result_refuse(db, a, table, id, out);
		return MG_OK;
	}
	db_rollback(db);
	return rc;
}

enum mg_err admin_result_found(enum mg_err rc, struct admin_result *out)
{
	if (rc != MG_ERR_NOT_FOUND)
		return rc;
	out->outcome = ADMIN_NOT_FOUND;
	return MG_OK;
}
