/* flash.h: messages that survive exactly one redirect ("Welcome back, NAME!"). */
#ifndef MG_AUTH_FLASH_H
#define MG_AUTH_FLASH_H

#include "db/flash.h"

struct request;
struct response;

/* flash_add: queue a message for the next page this browser loads. Best effort: a database
 * failure is logged and the message dropped (the action itself already succeeded). */
void flash_add(struct request *req, struct response *resp, const char *category,
               const char *message);
/* flash_take: the queued messages (read once, then gone); *n may be 0. */
void flash_take(struct request *req, struct flash **out, int *n);

#endif
