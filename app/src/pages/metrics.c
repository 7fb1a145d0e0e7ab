/* metrics.c: GET /metrics, the Prometheus scrape target. It is not public: it answers only
 * when the FastCGI parameter MUSICGRAPH_METRICS is "1", which nginx sets in its internal
 * metrics server alone (a client can send headers, never FastCGI parameters). Everyone
 * else gets the same 404 as for any unknown address. */
#include "pages/pages.h"
#include "core/buf.h"
#include "http/request.h"
#include "http/response.h"
#include "server/metrics.h"

#include <string.h>

void page_metrics(struct request *req, struct response *resp)
{
	const char *enabled = request_param(req, "MUSICGRAPH_METRICS");
	if (enabled == NULL || strcmp(enabled, "1") != 0) {
		page_error(req, resp, 404, "There is nothing at this address.");
		return;
	}
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	response_header_set(resp, "Cache-Control", "no-store");
	metrics_write(resp->body);
}
