/* legacy.c: the old application's addresses answer with a permanent redirect to their new
 * home, so bookmarks keep working (access is checked there, not here). */
#include "core/arena.h"
#include "core/buf.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/html.h"
#include "util/slug.h"

static void moved(struct request *req, struct response *resp, const char *prefix,
                  const char *suffix)
{
	if (req->route_arg != NULL && !slug_valid(req->route_arg)) {
		page_error(req, resp, 404, "There is nothing at this address.");
		return;
	}
	struct buf *to = buf_new_in(req->arena);
	buf_puts(to, prefix);
	if (req->route_arg != NULL) {
		buf_puts(to, req->route_arg); /* a valid slug needs no escaping */
		buf_puts(to, suffix);
	}
	response_redirect(resp, 301, arena_strdup(req->arena, buf_cstr(to)));
}

void page_legacy_add_genre(struct request *req, struct response *resp)
{
	moved(req, resp, "/admin/genres/new", "");
}

void page_legacy_add_band(struct request *req, struct response *resp)
{
	moved(req, resp, "/admin/bands/new", "");
}

void page_legacy_edit_genre(struct request *req, struct response *resp)
{
	moved(req, resp, "/admin/genres/", "/edit");
}

void page_legacy_edit_band(struct request *req, struct response *resp)
{
	moved(req, resp, "/admin/bands/", "/edit");
}
