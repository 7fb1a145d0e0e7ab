/* worker.c: the accept → parse → route → handle → reply loop of one worker process. */
#include "server/worker.h"
#include "auth/csrf.h"
#include "auth/flash.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "db/graph.h"
#include "http/request.h"
#include "http/response.h"
#include "pages/pages.h"
#include "server/conns.h"
#include "server/graph_file.h"
#include "server/metrics.h"
#include "server/notify.h"
#include "server/request_log.h"
#include "db/sessions.h"
#include "render/graph_json.h"
#include "render/html.h"

#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define PURGE_INTERVAL 300 /* seconds between a worker's housekeeping runs */
/* an idle worker reads its connection this often, so that notifications cannot pile up */
#define IDLE_POLL_MS 5000
/* a stopping worker looks at its connections this often; one handed over but not taken
 * (the handoff socket was full) is closed once nginx has left it idle this long */
#define STOP_POLL_MS  100
#define DRAIN_IDLE_MS 3000

/* SIGTERM/SIGINT: stop for good; SIGUSR2 (the master replacing this worker): hand the kept
 * connections to the running workers and exit */
static volatile sig_atomic_t stop_requested, handoff_requested;

static void on_stop(int sig)
{
	if (sig == SIGUSR2)
		handoff_requested = 1;
	else
		stop_requested = 1;
}

/* graph_publish: make w->graph's JSON available: as a file for nginx when
 * MUSICGRAPH_GRAPH_DIR is set and writable (the worker then keeps no copy), else in memory. */
static void graph_publish(struct worker *w)
{
	const struct graph *g = w->graph;
	const char *dir = w->cfg->graph_dir;
	w->graph_accel[0] = '\0';
	buf_free(&w->graph_json);
	if (dir[0] != '\0') {
		if (graph_file_publish(dir, g, w->graph_file, sizeof(w->graph_file)) == 0) {
			snprintf(w->graph_accel, sizeof(w->graph_accel),
			         GRAPH_FILE_URI_PREFIX "graph-%lld.json", g->version);
			graph_file_prune(dir, g->version, time(NULL));
			if (w->graph_dir_warned)
				log_info("graph: writing to %s works again", dir);
			w->graph_dir_warned = 0;
			return;
		}
		if (!w->graph_dir_warned)
			log_warn("graph: cannot write version %lld to %s (%s); serving /api/graph "
			         "from memory",
			         g->version, dir, strerror(errno));
		w->graph_dir_warned = 1;
	}
	graph_json_write(&w->graph_json, g);
}

enum mg_err worker_graph(struct worker *w, struct arena *a, const struct graph **out)
{
	long long version;
	enum mg_err rc = data_version_get(&w->dv, &w->db, a, &version);
	if (rc != MG_OK)
		return rc;
	if (w->graph == NULL || w->graph->version != version) {
		struct graph *g;
		worker_before_slow_work(w); /* 10 ms with the demo data, 100 ms with ten times */
		rc = db_graph_load(&w->db, &g);
		if (rc != MG_OK)
			return rc;
		graph_free(w->graph);
		w->graph = g;
		snprintf(w->graph_etag, sizeof(w->graph_etag), "\"g%lld\"", g->version);
		graph_publish(w);
		log_debug("graph: loaded version %lld (%zu genres, %zu bands, %s)", g->version,
		          g->ngenres, g->nbands,
		          w->graph_accel[0] ? w->graph_file : "JSON in memory");
		/* the query results and the old graph and JSON are freed: give those pages back to
		 * the kernel now rather than keep them, free but resident, until the next reload */
		malloc_trim(0);
	}
	*out = w->graph;
	return MG_OK;
}

const char *worker_graph_accel(struct worker *w)
{
	if (w->graph_accel[0] == '\0')
		return NULL;
	struct stat st;
	if (stat(w->graph_file, &st) != 0) { /* someone emptied the folder */
		graph_publish(w);
		malloc_trim(0);
		if (w->graph_accel[0] == '\0')
			return NULL;
	}
	return w->graph_accel;
}

void worker_before_slow_work(struct worker *w)
{
	if (w->conns == NULL || w->current == NULL)
		return;
	int n = conns_handoff(w->conns, w->current);
	if (n > 0)
		log_debug("handed %d kept connections over before slow work", n);
}

/* deny: the answer for a route the viewer may not use (deny by default). */
static void deny(struct request *req, struct response *resp, enum access access)
{
	int api = strncmp(req->path, "/api/", 5) == 0;
	if (req->user == NULL) {
		if (api) {
			page_error(req, resp, 401, "Log in first.");
			return;
		}
		struct buf *next = buf_new_in(req->arena);
		html_url(next, "/login?next=", req->path);
		response_redirect(resp, 302, arena_strdup(req->arena, buf_cstr(next)));
		return;
	}
	if (access == ACCESS_ADMIN && !api) {
		flash_add(req, resp, "error", "Admin access required.");
		response_redirect(resp, 302, "/");
		return;
	}
	page_error(req, resp, 403, "Admin access required.");
}

static int allowed(const struct request *req, enum access access)
{
	switch (access) {
	case ACCESS_PUBLIC:
		return 1;
	case ACCESS_USER:
		return req->user != NULL;
	case ACCESS_ADMIN:
		return req->user != NULL && req->user->is_admin;
	}
	return 0;
}

static void dispatch(struct request *req, struct response *resp)
{
	int status = request_parse(req, req->worker->cfg->max_body);
	if (status != 0) {
		page_error(req, resp, status, req->error);
		return;
	}
	enum mg_err rc = session_load(req);
	if (rc != MG_OK) {
		page_fail(req, resp, rc);
		return;
	}
	/* someone logged in may have just changed the data, through another app host too: their
	 * pages read the version rather than wait for the notification (read-your-writes) */
	data_version_read_always(&req->worker->dv, req->user != NULL);
	const struct route *r = router_match(routes, routes_count, req, &status);
	if (r == NULL) {
		page_error(req, resp, status,
		           status == 405 ? "That method is not allowed here."
		                         : "There is nothing at this address.");
		if (status == 405)
			response_header(resp, "Allow", "GET, HEAD, POST");
		return;
	}
	if (!allowed(req, r->access)) {
		deny(req, resp, r->access);
		return;
	}
	if (strcmp(req->method, "POST") == 0 && !csrf_check(req)) {
		page_error(req, resp, 403,
		           "This form has expired or did not come from this site. Go back, reload "
		           "the page and try again.");
		return;
	}
	r->handler(req, resp);
}

/* housekeeping: now and then, delete expired sessions, flash messages and login failures. */
static void housekeeping(struct worker *w, struct arena *a)
{
	data_version_drain(&w->dv, &w->db);
	time_t now = time(NULL);
	if (now < w->next_purge)
		return;
	w->next_purge = now + PURGE_INTERVAL + w->index; /* workers spread out */
	db_session_purge(&w->db, a, w->cfg->session_idle);
	if (w->graph_accel[0] != '\0') /* versions superseded since the last reload */
		graph_file_prune(w->cfg->graph_dir, w->graph->version, now);
}

static long long elapsed_us(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - since->tv_sec) * 1000000 +
	       (now.tv_nsec - since->tv_nsec) / 1000;
}

/* serve: one request on the connection in fr. The reply is complete (libfcgi sends the
 * end-of-request record when both output streams are closed) before the log line is
 * written, so it does not wait for the log. */
static void serve(struct worker *w, FCGX_Request *fr, struct arena *a)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	unsigned long db_errors = w->db.errors;
	struct request req = {.arena = a, .worker = w, .envp = fr->envp, .in = fr->in};
	req.request_id = request_id(&req, w->requests);
	struct response resp;
	response_init(&resp, a);
	response_header(&resp, "X-Request-Id", req.request_id);
	dispatch(&req, &resp);
	if (req.method != NULL && strcmp(req.method, "POST") == 0)
		data_version_note_post(); /* before the answer: the redirect's GET must see it */
	if (req.user != NULL)
		response_header_set(&resp, "Cache-Control", "no-store"); /* personal pages */
	request_drain_body(&req);
	response_write(&resp, fr->out, req.head);
	FCGX_FClose(fr->err);
	FCGX_FClose(fr->out);
	long long us = elapsed_us(&start);
	request_log(&req, resp.status, us);
	metrics_request(w->index, resp.status, us, w->db.errors - db_errors);
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
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(stop_set);
	sigaddset(stop_set, SIGTERM);
	sigaddset(stop_set, SIGINT);
	sigaddset(stop_set, SIGUSR2);
}

int worker_run(const struct config *cfg, int index, int listen_fd, const int *handoff)
{
	struct worker w = {.cfg = cfg, .index = index};
	db_init(&w.db, cfg->database_url, cfg->db_connect_timeout, cfg->statement_timeout_ms);
	data_version_init(&w.dv, strcmp(cfg->data_version, "query") == 0 ? DATA_VERSION_QUERY
	                                                                 : DATA_VERSION_LISTEN);
	buf_init(&w.graph_json);
	sigset_t stop_set, none;
	install_handlers(&stop_set);
	sigemptyset(&none);
	/* the master blocks these while it forks; start with them blocked, open below */
	sigprocmask(SIG_SETMASK, &stop_set, NULL);

	if (db_ensure(&w.db) != MG_OK)
		log_warn("database not reachable yet; answering 503 until it is");
	notify_worker_ready(); /* for systemd's READY=1, sent by the master */

	struct conns *conns = malloc(sizeof(*conns));
	if (conns == NULL || conns_init(conns, listen_fd, handoff) != 0) {
		log_error("worker %d: cannot wait for connections: %s", index, strerror(errno));
		free(conns);
		db_close(&w.db);
		return 1;
	}
	w.conns = conns;
	struct arena *a = arena_new();
	int stopping = 0;
	for (;;) {
		/* Stop signals are blocked except inside conns_next's wait, so they are taken
		 * only between requests: a request that reached us always finishes. */
		if (!stopping && (handoff_requested || stop_requested)) {
			stopping = 1;
			conns_stop_accepting(conns);
			if (handoff_requested && !stop_requested) {
				int n = conns_handoff(conns, NULL);
				log_debug("worker %d: handed %d kept connections over", index, n);
			}
		}
		if (stopping) /* what nginx has written is served; the rest is closed */
			conns_close_idle(conns, stop_requested ? 0 : DRAIN_IDLE_MS);
		FCGX_Request *fr = conns_next(conns, &none, stopping ? STOP_POLL_MS : IDLE_POLL_MS);
		if (fr == NULL) {
			if (errno == ESHUTDOWN)
				break;
			if (errno == ETIMEDOUT && !stopping)
				data_version_poll(&w.dv, &w.db);
			continue;
		}
		w.current = fr;
		serve(&w, fr, a);
		w.current = NULL;
		conns_finish(conns, fr);
		arena_reset(a);
		housekeeping(&w, a);
		arena_reset(a);
	}
	conns_free(conns);
	free(conns);
	arena_free(a);
	graph_free(w.graph);
	buf_free(&w.graph_json);
	db_close(&w.db);
	log_debug("worker %d: served %lu requests", index, w.requests);
	return 0;
}
