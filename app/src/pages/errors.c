/* errors.c: the error pages (HTML and JSON) and the mapping of internal errors to them. */
#include "pages/pages.h"
#include "core/buf.h"
#include "http/request.h"
#include "http/response.h"
#include "render/html.h"
#include "render/json.h"
#include "render/layout.h"
#include "server/worker.h"

#include <string.h>

static int is_api(const struct request *req)
{
	return req->path != NULL && strncmp(req->path, "/api/", 5) == 0;
}

void page_error(struct request *req, struct response *resp, int status, const char *message)
{
	const char *title = response_status_text(status);
	if (message == NULL)
		message = title;
	resp->status = status;
	resp->shared_body = NULL;
	buf_clear(resp->body);
	response_header_set(resp, "Cache-Control", "no-store");
	if (status == 503)
		response_header(resp, "Retry-After", "5");
	if (is_api(req)) {
		struct json j;
		resp->content_type = "application/json";
		json_init(&j, resp->body);
		json_obj_begin(&j);
		json_key(&j, "error");
		json_str(&j, message);
		json_key(&j, "status");
		json_int(&j, status);
		json_obj_end(&j);
		return;
	}
	resp->content_type = "text/html; charset=utf-8";
	struct page p = {.title = title, .body_class = "page-error", .main_class = "content"};
	page_begin(req, resp, &p);
	html_raw(resp->body, "<article class=\"error-page\"><h1>");
	html_int(resp->body, status);
	html_raw(resp->body, " ");
	html_text(resp->body, title);
	html_raw(resp->body, "</h1><p>");
	html_text(resp->body, message);
	html_raw(resp->body, "</p><p><a href=\"/\">Back to the graph</a></p></article>");
	layout_end(resp->body);
}

void page_fail(struct request *req, struct response *resp, enum mg_err rc)
{
	switch (rc) {
	case MG_ERR_DB:
		page_error(req, resp, 503,
		           "The database is not reachable right now. Please try again in a few "
		           "seconds.");
		break;
	case MG_ERR_TIMEOUT:
		page_error(req, resp, 503,
		           "The database took too long to answer. Please try again shortly.");
		break;
	case MG_ERR_NOT_FOUND:
		page_error(req, resp, 404, "There is nothing at this address.");
		break;
	default:
		page_error(req, resp, 500, "Something went wrong on our side; it has been logged.");
	}
}

const struct graph *page_graph(struct request *req, struct response *resp)
{
	const struct graph *g;
	enum mg_err rc = worker_graph(req->worker, req->arena, &g);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return NULL;
	}
	return g;
}
