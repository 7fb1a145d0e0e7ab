/* notify.c: systemd's notification protocol (sd_notify(3)) spoken directly, without
 * libsystemd: one datagram of "KEY=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET.
 *
 * Ready means "every worker is about to accept", not just "the socket listens": a worker
 * writes its pid to a pipe once it has opened (or failed to open) its database connection,
 * and the master sends READY=1 when all the workers it keeps have done so. The listening
 * socket queues connections before that, so none is lost either way; READY=1 tells systemd,
 * and the units ordered after this one, that requests are being answered, not only queued.
 * The same count is the master's health: WATCHDOG=1 is sent only while at least one worker
 * is ready, so a master that is stuck, or whose workers die before they can serve (a crash
 * loop), stops pinging and systemd restarts the service.
 *
 * Only the master speaks: notify_init removes the variables from the environment, and every
 * entry point checks that it runs in the master (workers inherit this file's state by fork;
 * systemd's NotifyAccess=main would ignore them anyway). */
#define _GNU_SOURCE /* pipe2 */
#include "server/notify.h"
#include "core/log.h"
#include "core/mg.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum phase { PHASE_STARTING, PHASE_SERVING, PHASE_RELOADING, PHASE_STOPPING };

struct tracked {
	pid_t pid; /* 0: a free entry */
	int ready;
};

static struct {
	pid_t master;
	struct sockaddr_un addr;
	socklen_t addrlen;     /* 0: not notifying, everything here is a no-op */
	long long watchdog_us; /* 0: no watchdog */
	long long next_ping_us;
	int ready_pipe[2]; /* workers write their pid; -1: no pipe, started counts as ready */
	struct tracked *workers;
	int max_workers;
	enum phase phase;
	char status[128]; /* the last STATUS= sent */
	int warned;
} st = {.ready_pipe = {-1, -1}};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* notify_send: one datagram; a failure is logged once (systemd may be gone, e.g. in a test). */
static void notify_send(const char *msg)
{
	if (st.addrlen == 0 || getpid() != st.master)
		return;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n = -1;
	int err = errno;
	if (fd >= 0) {
		n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&st.addr,
		           st.addrlen);
		err = errno;
		close(fd);
	}
	if (n < 0 && !st.warned) {
		log_warn("notify: cannot send to NOTIFY_SOCKET: %s", strerror(err));
		st.warned = 1;
	}
}

/* set_address: NOTIFY_SOCKET is a path, or an abstract name when it starts with '@'. */
static int set_address(const char *name)
{
	size_t len = strlen(name);
	if (name[0] != '/' && name[0] != '@') {
		log_warn("notify: NOTIFY_SOCKET is neither a path nor @abstract; not notifying");
		return 0;
	}
	if (len >= sizeof(st.addr.sun_path)) {
		log_warn("notify: NOTIFY_SOCKET is too long; not notifying");
		return 0;
	}
	memset(&st.addr, 0, sizeof(st.addr));
	st.addr.sun_family = AF_UNIX;
	memcpy(st.addr.sun_path, name, len);
	if (name[0] == '@')
		st.addr.sun_path[0] = '\0'; /* abstract: exactly len bytes, no terminator */
	else
		len++; /* a path: its terminating NUL */
	st.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	return 1;
}

/* watchdog_interval: WATCHDOG_USEC, when it is meant for this process (WATCHDOG_PID unset or
 * ours); 0 for no watchdog. */
static long long watchdog_interval(const char *usec, const char *pid)
{
	if (usec == NULL)
		return 0;
	char *end;
	errno = 0;
	long long us = strtoll(usec, &end, 10);
	if (errno != 0 || end == usec || *end != '\0' || us <= 0) {
		log_warn("notify: WATCHDOG_USEC=%s is not a positive number; no watchdog", usec);
		return 0;
	}
	if (pid != NULL) {
		long p = strtol(pid, &end, 10);
		if (end == pid || *end != '\0' || p != (long)getpid()) {
			log_info("notify: WATCHDOG_PID names another process; no watchdog");
			return 0;
		}
	}
	return us;
}

void notify_init(int max_workers)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	st.master = getpid();
	if (sock != NULL && sock[0] != '\0' && set_address(sock))
		st.watchdog_us = watchdog_interval(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"));
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (st.addrlen == 0)
		return;
	st.max_workers = max_workers;
	st.workers = xcalloc((size_t)max_workers, sizeof(*st.workers));
	if (pipe2(st.ready_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_warn("notify: pipe: %s; a started worker counts as ready", strerror(errno));
		st.ready_pipe[0] = st.ready_pipe[1] = -1;
	}
	if (st.watchdog_us > 0)
		log_info("notify: watchdog ping every %lld ms", st.watchdog_us / 2000);
}

static struct tracked *find(pid_t pid)
{
	for (int i = 0; i < st.max_workers; i++)
		if (st.workers[i].pid == pid)
			return &st.workers[i];
	return NULL;
}

void notify_worker_started(pid_t pid)
{
	if (st.addrlen == 0 || getpid() != st.master)
		return;
	struct tracked *t = find(0);
	if (t != NULL)
		*t = (struct tracked){.pid = pid, .ready = st.ready_pipe[0] < 0};
}

void notify_worker_exited(pid_t pid)
{
	if (st.addrlen == 0 || getpid() != st.master || pid <= 0)
		return;
	struct tracked *t = find(pid);
	if (t != NULL)
		*t = (struct tracked){0};
}

void notify_worker_ready(void)
{
	if (st.ready_pipe[1] < 0 || getpid() == st.master)
		return;
	pid_t pid = getpid();
	/* a write of a few bytes to a pipe is atomic; the master reads whole pids */
	if (write(st.ready_pipe[1], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		log_warn("notify: cannot tell the master this worker is ready: %s",
		         strerror(errno));
	close(st.ready_pipe[0]);
	close(st.ready_pipe[1]);
	st.ready_pipe[0] = st.ready_pipe[1] = -1;
}

/* drain_ready: mark the workers that reported since the last tick. A pid that was reaped in
 * the meantime is no longer tracked and is ignored. */
static void drain_ready(void)
{
	if (st.ready_pipe[0] < 0)
		return;
	pid_t pids[64];
	ssize_t n;
	while ((n = read(st.ready_pipe[0], pids, sizeof(pids))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(pid_t); i++) {
			struct tracked *t = pids[i] > 0 ? find(pids[i]) : NULL;
			if (t != NULL)
				t->ready = 1;
		}
	}
}

static int count_workers(int ready_only)
{
	int n = 0;
	for (int i = 0; i < st.max_workers; i++)
		n += st.workers[i].pid != 0 && (!ready_only || st.workers[i].ready);
	return n;
}

/* status_line: what `systemctl status` shows under the unit, for the current phase. */
static void status_line(char *out, size_t len, int wanted, int old, int ready)
{
	switch (st.phase) {
	case PHASE_STARTING:
		snprintf(out, len, "starting: %d of %d workers ready", ready, wanted);
		break;
	case PHASE_RELOADING:
		snprintf(out, len, "reloading: %d old workers left to replace", old);
		break;
	case PHASE_STOPPING:
		snprintf(out, len, "stopping: %d workers finishing their requests",
		         count_workers(0));
		break;
	case PHASE_SERVING:
		if (ready >= wanted)
			snprintf(out, len, "%d workers, serving", ready);
		else if (ready > 0)
			snprintf(out, len, "%d of %d workers serving, restarting the others", ready,
			         wanted);
		else
			snprintf(out, len, "no worker serving, restarting them (see the log)");
		break;
	}
}

void notify_tick(int wanted, int old, int stopping)
{
	if (st.addrlen == 0 || getpid() != st.master)
		return;
	drain_ready();
	int ready = count_workers(1);
	char event[96] = "";
	if (stopping && st.phase != PHASE_STOPPING) {
		st.phase = PHASE_STOPPING;
		snprintf(event, sizeof(event), "STOPPING=1\n");
	} else if (st.phase == PHASE_STARTING && ready >= wanted) {
		st.phase = PHASE_SERVING;
		snprintf(event, sizeof(event), "READY=1\nMAINPID=%ld\n", (long)st.master);
	} else if (st.phase == PHASE_SERVING && old > 0) {
		st.phase = PHASE_RELOADING; /* MONOTONIC_USEC: what Type=notify-reload expects */
		snprintf(event, sizeof(event), "RELOADING=1\nMONOTONIC_USEC=%lld\n", now_us());
	} else if (st.phase == PHASE_RELOADING && old == 0 && ready >= wanted) {
		st.phase = PHASE_SERVING;
		snprintf(event, sizeof(event), "READY=1\n");
	}
	char status[sizeof(st.status)];
	status_line(status, sizeof(status), wanted, old, ready);
	if (event[0] != '\0' || strcmp(status, st.status) != 0) {
		char msg[sizeof(event) + sizeof(status) + 16];
		snprintf(msg, sizeof(msg), "%sSTATUS=%s", event, status);
		notify_send(msg);
		memcpy(st.status, status, sizeof(status));
	}
	if (st.watchdog_us > 0 && st.phase != PHASE_STOPPING && ready > 0) {
		long long now = now_us();
		if (now >= st.next_ping_us) {
			notify_send("WATCHDOG=1");
			st.next_ping_us = now + st.watchdog_us / 2;
		}
	}
}
