/* flash.c: SQL statements for the flash_messages table. */
#include "db/flash.h"
#include "core/arena.h"
#include "db/db.h"

enum { STMT_ADD, STMT_TAKE, STMT__MAX };

static const struct db_stmt stmts[STMT__MAX] = {
    [STMT_ADD] = {"flash_add",
                  "INSERT INTO flash_messages (key_hash, category, message) VALUES ($1, $2, $3)",
                  3},
    [STMT_TAKE] = {"flash_take",
                   "WITH taken AS (DELETE FROM flash_messages WHERE key_hash = $1"
                   " RETURNING id, category, message, created_at)"
                   " SELECT category, message FROM taken"
                   " WHERE created_at > now() - interval '10 minutes' ORDER BY id",
                   1},
};

enum mg_err db_flash_add(struct db *db, struct arena *a, const unsigned char key_hash[32],
                         const char *category, const char *message)
{
	const char *params[] = {db_bytea(a, key_hash, 32), category, message};
	return db_exec(db, a, &stmts[STMT_ADD], params, NULL, NULL);
}

enum mg_err db_flash_take(struct db *db, struct arena *a, const unsigned char key_hash[32],
                          struct flash **out, int *n)
{
	PGresult *r;
	const char *params[] = {db_bytea(a, key_hash, 32)};
	enum mg_err rc = db_exec(db, a, &stmts[STMT_TAKE], params, &r, NULL);
	if (rc != MG_OK)
		return rc;
	*n = PQntuples(r);
	*out = arena_calloc(a, (size_t)*n, sizeof(**out));
	for (int i = 0; i < *n; i++) {
		(*out)[i].category = PQgetvalue(r, i, 0);
		(*out)[i].message = PQgetvalue(r, i, 1);
	}
	return MG_OK;
}
