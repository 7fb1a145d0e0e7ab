/* listen.c: opening the listening socket (or adopting systemd's) and accepting on it. */
#define _GNU_SOURCE /* ppoll, accept4, epoll_pwait */
#include "server/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BACKLOG             1024
#define SD_LISTEN_FDS_START 3

static int from_systemd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	int fd = SD_LISTEN_FDS_START;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static enum mg_err open_unix(struct listener *l, const char *path, long mode, char *err,
                             size_t errlen)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return MG_ERR_INVALID;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	unlink(path); /* a socket left by a previous run */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, (mode_t)mode) != 0 ||
	    listen(fd, BACKLOG) != 0)
		goto fail;
	l->fd = fd;
	snprintf(l->unix_path, sizeof(l->unix_path), "%s", path);
	return MG_OK;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return MG_ERR_IO;
}

static enum mg_err open_tcp(struct listener *l, const char *spec, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	if (colon == NULL || colon[1] == '\0' || (size_t)(colon - spec) >= sizeof(host)) {
		snprintf(err, errlen, "MUSICGRAPH_LISTEN=\"%s\" is neither a path nor host:port",
		         spec);
		return MG_ERR_INVALID;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	int gai = getaddrinfo(h[0] ? h : NULL, colon + 1, &hints, &res);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", spec, gai_strerror(gai));
		return MG_ERR_INVALID;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return MG_ERR_IO;
	}
	freeaddrinfo(res);
	l->fd = fd;
	return MG_OK;
}

enum mg_err listen_open(struct listener *l, const char *spec, long mode, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->fd = from_systemd();
	enum mg_err rc = MG_OK;
	if (l->fd >= 0)
		l->inherited = 1;
	else if (strchr(spec, '/') != NULL)
		rc = open_unix(l, spec, mode, err, errlen);
	else
		rc = open_tcp(l, spec, err, errlen);
	/* Workers wait in ppoll() and then race to accept(); the losers must get EAGAIN, not
	 * sleep in accept() where a stop signal could no longer reach them safely. */
	if (rc == MG_OK)
		fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
	return rc;
}

/* The waiting side of listen_accept, set up once per worker process: an epoll instance
 * with the listening socket registered EPOLLEXCLUSIVE, so a connection wakes one idle
 * worker instead of all of them (they would race to accept() and all but one get EAGAIN). */
static struct {
	int fd; /* the listening socket it watches, or -1 */
	int epoll;
	int tcp;
} waiter = {-1, -1, 0};

static void waiter_init(int fd)
{
	if (waiter.epoll >= 0)
		close(waiter.epoll);
	waiter.fd = fd;
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	waiter.tcp = getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	             (sa.ss_family == AF_INET || sa.ss_family == AF_INET6);
	waiter.epoll = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = fd};
	if (waiter.epoll >= 0 && epoll_ctl(waiter.epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(waiter.epoll);
		waiter.epoll = -1; /* ppoll below still works, with the thundering herd */
	}
}

/* wait_readable: 0 when fd is readable, else -1 with errno (ETIMEDOUT after timeout_ms). */
static int wait_readable(int fd, const sigset_t *wait_mask, int timeout_ms)
{
	if (waiter.fd != fd)
		waiter_init(fd);
	int n;
	if (waiter.epoll >= 0) {
		struct epoll_event ev;
		n = epoll_pwait(waiter.epoll, &ev, 1, timeout_ms, wait_mask);
	} else {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
		n = ppoll(&p, 1, timeout_ms < 0 ? NULL : &ts, wait_mask);
	}
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/* signal_waiting: a signal that wait_mask unblocks is pending. epoll_pwait and ppoll report a
 * readable socket before they deliver such a signal, and put the blocking mask back when they
 * return events; so while connections keep queueing (more clients than workers), a worker
 * that only took SIGTERM inside the wait would never take it: a restart would wait the whole
 * MUSICGRAPH_SHUTDOWN_TIMEOUT and then kill the worker in the middle of a request. */
static bool signal_waiting(const sigset_t *wait_mask)
{
	sigset_t pending;
	if (sigpending(&pending) != 0)
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&pending, sig) == 1 && sigismember(wait_mask, sig) == 0)
			return true;
	return false;
}

int listen_accept(int fd, const sigset_t *wait_mask, int timeout_ms)
{
	for (;;) {
		if (wait_readable(fd, wait_mask, timeout_ms) != 0)
			return -1; /* EINTR: a signal arrived while we waited; or ETIMEDOUT */
		if (signal_waiting(wait_mask)) {
			/* take it now, as the wait would have (POSIX: a pending signal that
			 * sigprocmask unblocks is delivered before it returns), instead of
			 * accepting */
			sigset_t old;
			sigprocmask(SIG_SETMASK, wait_mask, &old);
			sigprocmask(SIG_SETMASK, &old, NULL);
			errno = EINTR;
			return -1;
		}
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC); /* the new socket blocks */
		if (c >= 0) {
			int one = 1; /* replies go out whole, without Nagle's delay */
			if (waiter.tcp)
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return c;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED ||
		    errno == EINTR)
			continue; /* another worker took it, or the peer gave up */
		return -1;
	}
}

void listen_close(struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->unix_path[0])
		unlink(l->unix_path);
	l->unix_path[0] = '\0';
}
