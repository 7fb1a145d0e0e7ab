/* flash.h: the SQL for one-shot flash messages, keyed by the hash of a cookie value. */
#ifndef MG_DB_FLASH_H
#define MG_DB_FLASH_H

#include "core/mg.h"

struct arena;
struct db;

struct flash {
	const char *category; /* success, error or info */
	const char *message;
};

enum mg_err db_flash_add(struct db *db, struct arena *a, const unsigned char key_hash[32],
                         const char *category, const char *message);
/* db_flash_take: read and delete the messages for key_hash, oldest first. */
enum mg_err db_flash_take(struct db *db, struct arena *a, const unsigned char key_hash[32],
                          struct flash **out, int *n);

#endif
