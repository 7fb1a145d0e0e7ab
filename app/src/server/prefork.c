/* prefork.c: worker supervision with synchronous signal handling (sigtimedwait), so the
 * master has no signal handlers and no races between them and its bookkeeping. */
#include "server/prefork.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mg.h"
#include "db/data_version.h"
#include "server/conns.h"
#include "server/metrics.h"
#include "server/notify.h"
#include "server/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS       512
#define TICK_MS         100  /* how often the master looks at its workers */
#define CRASH_WINDOW_MS 1000 /* a worker that dies sooner than this counts as a crash */
#define CRASH_DELAY_MS  500  /* pause before respawning after several quick crashes */

enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_RETIRING, SLOT_REPLACE };

struct slot {
	pid_t pid;
	enum slot_state state;
	long long started_ms;
};

struct master {
	const struct config *cfg;
	int listen_fd;
	int handoff[2]; /* kept connections pass from a replaced worker to the others */
	int nworkers;
	struct slot slots[MAX_SLOTS];
	int shutting_down;
	long long shutdown_deadline_ms;
	int quick_crashes;
	long long respawn_after_ms;
	unsigned long respawns;
};

static int spawn(struct master *m, int slot)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char tag[32];
		snprintf(tag, sizeof(tag), "worker %d", slot);
		log_set_tag(tag);
		exit(
		    worker_run(m->cfg, slot, m->listen_fd, m->handoff[0] >= 0 ? m->handoff : NULL));
	}
	m->slots[slot] =
	    (struct slot){.pid = pid, .state = SLOT_RUNNING, .started_ms = mg_now_ms()};
	notify_worker_started(pid);
	return 0;
}

static int count(const struct master *m, enum slot_state state)
{
	int n = 0;
	for (int i = 0; i < MAX_SLOTS; i++)
		n += m->slots[i].state == state;
	return n;
}

static int free_slot(const struct master *m)
{
	for (int i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state == SLOT_FREE)
			return i;
	return -1;
}

/* reap: collect exited workers; running ones that died are counted for respawn. */
static void reap(struct master *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		notify_worker_exited(pid);
		for (int i = 0; i < MAX_SLOTS; i++) {
			struct slot *s = &m->slots[i];
			if (s->state == SLOT_FREE || s->pid != pid)
				continue;
			if (s->state != SLOT_RETIRING && !m->shutting_down) {
				if (WIFSIGNALED(status))
					log_warn("worker %d (pid %ld) killed by signal %d", i,
					         (long)pid, WTERMSIG(status));
				else
					log_warn("worker %d (pid %ld) exited with status %d", i,
					         (long)pid, WEXITSTATUS(status));
				metrics_worker_died();
				if (mg_now_ms() - s->started_ms < CRASH_WINDOW_MS)
					m->quick_crashes++;
				else
					m->quick_crashes = 0;
				if (m->quick_crashes > 3)
					m->respawn_after_ms = mg_now_ms() + CRASH_DELAY_MS;
			}
			s->state = SLOT_FREE;
			s->pid = 0;
		}
	}
}

/* fill: keep nworkers serving (running plus those still to be replaced). */
static void fill(struct master *m)
{
	if (m->shutting_down || mg_now_ms() < m->respawn_after_ms)
		return;
	while (count(m, SLOT_RUNNING) + count(m, SLOT_REPLACE) < m->nworkers) {
		int slot = free_slot(m);
		if (slot < 0 || spawn(m, slot) != 0)
			return;
		m->respawns++;
	}
}

/* roll: replace one old worker at a time: start its successor, then retire it. */
static void roll(struct master *m)
{
	if (m->shutting_down || count(m, SLOT_RETIRING) > 0)
		return;
	for (int i = 0; i < MAX_SLOTS; i++) {
		if (m->slots[i].state != SLOT_REPLACE)
			continue;
		int slot = free_slot(m);
		if (slot < 0 || spawn(m, slot) != 0)
			return;
		m->slots[i].state = SLOT_RETIRING;
		kill(m->slots[i].pid, SIGUSR2); /* hand over the kept connections, then exit */
		return;
	}
}

static void begin_shutdown(struct master *m)
{
	if (m->shutting_down)
		return;
	m->shutting_down = 1;
	m->shutdown_deadline_ms = mg_now_ms() + m->cfg->shutdown_timeout * 1000;
	log_info("shutting down: draining %d workers", MAX_SLOTS - count(m, SLOT_FREE));
	for (int i = 0; i < MAX_SLOTS; i++) {
		if (m->slots[i].state == SLOT_FREE)
			continue;
		m->slots[i].state = SLOT_RETIRING;
		kill(m->slots[i].pid, SIGTERM); /* taken between requests only (worker.c) */
	}
}

static void begin_reload(struct master *m)
{
	log_info("SIGHUP: replacing workers one at a time");
	for (int i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state == SLOT_RUNNING)
			m->slots[i].state = SLOT_REPLACE;
}

int prefork_run(const struct config *cfg, int listen_fd)
{
	static struct master m;
	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.listen_fd = listen_fd;
	m.nworkers = cfg->workers > 0 ? (int)cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (m.nworkers < 1)
		m.nworkers = 1;
	if (m.nworkers > MAX_SLOTS / 2)
		m.nworkers = MAX_SLOTS / 2;

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);           /* the workers' signal: blocked until they handle it */
	sigprocmask(SIG_BLOCK, &set, NULL); /* workers inherit the mask and set their own */
	signal(SIGPIPE, SIG_IGN);

	if (metrics_init(MAX_SLOTS) != 0)
		log_warn("metrics: no shared memory; /metrics will be empty");
	notify_init(MAX_SLOTS); /* before the first fork */
	if (data_version_shared_init() != 0)
		log_warn("data version: no shared memory; workers will read it on every request");
	if (conns_handoff_socket(m.handoff) != 0) {
		log_warn("no handoff socket (%s): replaced workers close their connections",
		         strerror(errno));
		m.handoff[0] = m.handoff[1] = -1;
	}
	log_info("master: starting %d workers", m.nworkers);
	fill(&m);
	m.respawns = 0;
	for (;;) {
		struct timespec tick = {.tv_sec = 0, .tv_nsec = TICK_MS * 1000000L};
		siginfo_t info;
		int sig = sigtimedwait(&set, &info, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			begin_shutdown(&m);
		else if (sig == SIGHUP && !m.shutting_down)
			begin_reload(&m);
		reap(&m);
		metrics_set_workers(MAX_SLOTS - count(&m, SLOT_FREE));
		notify_tick(m.nworkers, count(&m, SLOT_REPLACE) + count(&m, SLOT_RETIRING),
		            m.shutting_down);
		if (m.shutting_down) {
			if (count(&m, SLOT_FREE) == MAX_SLOTS)
				break;
			if (mg_now_ms() > m.shutdown_deadline_ms) {
				log_warn("shutdown timeout: killing the remaining workers");
				for (int i = 0; i < MAX_SLOTS; i++)
					if (m.slots[i].state != SLOT_FREE)
						kill(m.slots[i].pid, SIGKILL);
			}
			continue;
		}
		fill(&m);
		roll(&m);
	}
	log_info("master: all workers stopped");
	return 0;
}
