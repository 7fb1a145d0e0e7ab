/* flash.c: flash messages in PostgreSQL, keyed by the hash of a random cookie value. */
#include "auth/flash.h"
#include "auth/cookie.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/log.h"
#include "http/request.h"
#include "server/worker.h"

void flash_add(struct request *req, struct response *resp, const char *category,
               const char *message)
{
	if (req->flash_key == NULL) {
		const char *sent = params_get(&req->cookies, COOKIE_FLASH);
		if (token_valid(sent)) {
			req->flash_key = sent;
		} else {
			char fresh[TOKEN_CHARS + 1];
			if (token_new(fresh) != MG_OK)
				return;
			req->flash_key = arena_strdup(req->arena, fresh);
			cookie_set(resp, req->arena, COOKIE_FLASH, req->flash_key, -1);
		}
	}
	unsigned char hash[32];
	token_hash(req->flash_key, hash);
	if (db_flash_add(&req->worker->db, req->arena, hash, category, message) != MG_OK)
		log_warn("flash message dropped: the database refused it");
}

void flash_take(struct request *req, struct flash **out, int *n)
{
	*out = NULL;
	*n = 0;
	const char *key = params_get(&req->cookies, COOKIE_FLASH);
	if (!token_valid(key))
		return;
	unsigned char hash[32];
	token_hash(key, hash);
	if (db_flash_take(&req->worker->db, req->arena, hash, out, n) != MG_OK)
		*n = 0;
}
