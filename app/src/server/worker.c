/* worker.c: the accept → parse → route → handle → reply loop of one worker process. */
#include "server/worker.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "render/graph_json.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	FCGX_ShutdownPending(); /* makes libfcgi's accept loop give up on EINTR */
}

enum mg_err worker_graph(struct worker *w, struct arena *a, const struct graph **out)
{
	long long version;
	enum mg_err rc = db_graph_version(&w->db, a, &version);
	if (rc != MG_OK)
		return rc;
	if (w->graph == NULL || w->graph->version != version) {
		struct graph *g;
		rc = db_graph_load(&w->db, &g);
		if (rc != MG_OK)
			return rc;
		graph_free(w->graph);
		w->graph = g;
		buf_clear(&w->graph_json);
		graph_json_write(&w->graph_json, g);
		snprintf(w->graph_etag, sizeof(w->graph_etag), "\"g%lld\"", g->version);
		log_debug("graph: loaded version %lld (%zu genres, %zu bands, %zu bytes of JSON)",
		          g->version, g->ngenres, g->nbands, w->graph_json.len);
	}
	*out = w->graph;
	return MG_OK;
}

static void dispatch(struct request *req, struct response *resp)
{
	int status = request_parse(req, req->worker->cfg->max_body);
	if (status != 0) {
		page_error(req, resp, status, req->error);
		return;
	}
	const struct route *r = router_match(routes, routes_count, req, &status);
	if (r == NULL) {
		page_error(req, resp, status,
		           status == 405 ? "That method is not allowed here."
		                         : "There is nothing at this address.");
		if (status == 405)
			response_header(resp, "Allow", "GET, HEAD, POST");
		return;
	}
	if (r->access != ACCESS_PUBLIC) {
		/* deny by default: accounts and roles arrive with the sessions module */
		page_error(req, resp, 403, "You are not allowed to see this page.");
		return;
	}
	r->handler(req, resp);
}

static void serve(struct worker *w, FCGX_Request *fr, struct arena *a)
{
	struct request req = {.arena = a, .worker = w, .envp = fr->envp, .in = fr->in};
	struct response resp;
	response_init(&resp, a);
	dispatch(&req, &resp);
	request_drain_body(&req);
	response_write(&resp, fr->out, req.head);
	if (resp.status >= 500)
		log_warn("%s %s -> %d", req.method ? req.method : "?", req.path ? req.path : "?",
		         resp.status);
	w->requests++;
}

static void install_handlers(sigset_t *stop_set)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocked accept() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(stop_set);
	sigaddset(stop_set, SIGTERM);
	sigaddset(stop_set, SIGINT);
}

int worker_run(const struct config *cfg, int index, int listen_fd)
{
	struct worker w = {.cfg = cfg, .index = index};
	db_init(&w.db, cfg->database_url, cfg->db_connect_timeout, cfg->statement_timeout_ms);
	buf_init(&w.graph_json);
	sigset_t stop_set, none;
	install_handlers(&stop_set);
	sigemptyset(&none);
	/* the master blocks these while it forks; start with them blocked, open below */
	sigprocmask(SIG_SETMASK, &stop_set, NULL);

	if (db_ensure(&w.db) != MG_OK)
		log_warn("database not reachable yet; answering 503 until it is");

	FCGX_Request fr;
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	struct arena *a = arena_new();
	for (;;) {
		/* Stop signals are delivered only here, between requests: a request in
		 * progress always finishes. The master repeats SIGTERM until we are gone, which
		 * covers a signal landing between the check and accept(). */
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (stop_requested)
			break;
		int rc = FCGX_Accept_r(&fr);
		sigprocmask(SIG_SETMASK, &stop_set, NULL);
		if (rc < 0) {
			if (stop_requested)
				break;
			continue;
		}
		serve(&w, &fr, a);
		FCGX_Finish_r(&fr);
		arena_reset(a);
	}
	FCGX_Free(&fr, 1);
	arena_free(a);
	graph_free(w.graph);
	buf_free(&w.graph_json);
	db_close(&w.db);
	log_debug("worker %d: served %lu requests", index, w.requests);
	return 0;
}
