/* frame.c: page_begin, which gathers the viewer (user, CSRF token, flash messages) for the
 * shared layout. */
#include "auth/csrf.h"
#include "auth/flash.h"
#include "core/config.h"
#include "db/users.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/layout.h"
#include "server/worker.h"

#include <string.h>

void page_begin(struct request *req, struct response *resp, const struct page *p)
{
	struct viewer v = {
	    .username = req->user ? req->user->username : NULL,
	    .is_admin = req->user && req->user->is_admin,
	    .registration_open = strcmp(req->worker->cfg->registration, "open") == 0,
	    .csrf_token = req->user ? csrf_token(req, resp) : NULL,
	};
	struct flash *f;
	flash_take(req, &f, &v.nflashes);
	v.flashes = f;
	layout_begin(resp->body, p, &v);
}
