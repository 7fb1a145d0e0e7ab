/* graph.c: the home page (the interactive graph's shell) and GET /api/graph. */
#include "pages/pages.h"
#include "core/buf.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "render/html.h"
#include "render/layout.h"
#include "server/worker.h"

#include <string.h>

void page_home(struct request *req, struct response *resp)
{
	(void)req;
	struct page p = {.title = NULL,
	                 .body_class = "page-graph",
	                 .main_class = "graph-layout",
	                 .with_graph_script = 1};
	struct buf *b = resp->body;
	page_begin(req, resp, &p);
	html_raw(b, "<section class=\"graph-wrap\"><div id=\"graph\" data-api=\"/api/graph\" "
	            "aria-label=\"Genre graph\"></div><p id=\"graph-status\" role=\"status\">"
	            "Loading graph…</p></section>\n<aside id=\"panel\"><form id=\"search-form\" "
	            "role=\"search\" action=\"/search\" method=\"get\"><label for=\"search\" "
	            "class=\"visually-hidden\">Search</label><input id=\"search\" name=\"q\" "
	            "type=\"search\" placeholder=\"Search genres and bands\" autocomplete=\"off\">"
	            "<ul id=\"search-results\" role=\"listbox\"></ul></form>\n<div id=\"details\">"
	            "<h2>Music Graph</h2><p>Click a genre to see its details and show its bands."
	            "</p><noscript><p>The graph needs JavaScript. Browse the <a href=\"/genres\">"
	            "genres</a> and <a href=\"/bands\">bands</a> as plain pages instead.</p>"
	            "</noscript></div></aside>");
	layout_end(b);
}

/* etag_matches: does an If-None-Match header list etag (or "*")? */
static int etag_matches(const char *header, const char *etag)
{
	if (header == NULL)
		return 0;
	if (strcmp(header, "*") == 0)
		return 1;
	size_t n = strlen(etag);
	for (const char *p = strstr(header, etag); p; p = strstr(p + 1, etag)) {
		int start_ok = p == header || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/';
		int end_ok = p[n] == '\0' || p[n] == ',' || p[n] == ' ';
		if (start_ok && end_ok)
			return 1;
	}
	return 0;
}

void page_api_graph(struct request *req, struct response *resp)
{
	if (page_graph(req, resp) == NULL)
		return;
	struct worker *w = req->worker;
	resp->content_type = "application/json";
	/* revalidate every time: the ETag makes an unchanged graph cost a 304 */
	response_header_set(resp, "Cache-Control", "no-cache");
	response_header(resp, "ETag", w->graph_etag);
	if (etag_matches(request_param(req, "HTTP_IF_NONE_MATCH"), w->graph_etag)) {
		resp->status = 304;
		return;
	}
	/* MUSICGRAPH_GRAPH_DIR: nginx sends the file, keeping our Content-Type and
	 * Cache-Control (and the ETag by its config); we send no body */
	const char *accel = worker_graph_accel(w);
	if (accel != NULL) {
		response_header(resp, "X-Accel-Redirect", accel);
		return;
	}
	resp->shared_body = w->graph_json.data;
	resp->shared_len = w->graph_json.len;
}

void page_healthz(struct request *req, struct response *resp)
{
	resp->content_type = "text/plain; charset=utf-8";
	response_header_set(resp, "Cache-Control", "no-store");
	long long version;
	enum mg_err rc = db_graph_version(&req->worker->db, req->arena, &version);
	if (rc != MG_OK) {
		resp->status = 503;
		buf_puts(resp->body, "database unavailable\n");
		return;
	}
	buf_puts(resp->body, "ok\n");
}
