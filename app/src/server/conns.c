/* conns.c: the FastCGI connections one worker holds (conns.h): one epoll set with the shared
 * listening socket, the handoff socket and every held connection. */
#define _GNU_SOURCE /* accept4, epoll_pwait, MSG_CMSG_CLOEXEC */
#include "server/conns.h"
#include "core/log.h"
#include "core/mg.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* epoll data of the two shared sockets, and of an event whose connection was closed */
enum { EV_LISTEN = CONNS_MAX, EV_HANDOFF, EV_NONE };

static int unread_bytes(int fd)
{
	int n = 0;
	return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

static int is_tcp(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	return getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	       (sa.ss_family == AF_INET || sa.ss_family == AF_INET6);
}

/* watch: put the listening and handoff sockets in the epoll set, or take them out (while
 * every slot is taken, and for good once the worker stops). EPOLLEXCLUSIVE: a new connection
 * wakes one idle worker, not all of them. */
static void watch(struct conns *c, int on)
{
	if (c->watching == on)
		return;
	int fds[2] = {c->listen_fd, c->handoff};
	uint32_t tags[2] = {EV_LISTEN, EV_HANDOFF};
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = tags[i]};
		if (epoll_ctl(c->epoll, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fds[i], &ev) != 0)
			log_warn("epoll_ctl: %s", strerror(errno));
	}
	c->watching = on;
}

int conns_handoff_socket(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv);
}

int conns_init(struct conns *c, int listen_fd, const int *handoff)
{
	memset(c, 0, sizeof(*c));
	c->listen_fd = listen_fd;
	c->handoff = handoff != NULL ? handoff[0] : -1;
	c->handoff_send = handoff != NULL ? handoff[1] : -1;
	c->tcp = is_tcp(listen_fd);
	c->epoll = epoll_create1(EPOLL_CLOEXEC);
	if (c->epoll < 0)
		return -1;
	watch(c, 1);
	return 0;
}

/* released: the slot's connection is closed; forget events still queued for it. */
static void released(struct conns *c, struct conn *k)
{
	uint32_t i = (uint32_t)(k - c->slot);
	k->open = 0;
	for (int e = c->next; e < c->nev; e++)
		if (c->ev[e].data.u32 == i)
			c->ev[e].data.u32 = EV_NONE;
	if (c->nopen-- == CONNS_MAX && c->listen_fd >= 0)
		watch(c, 1);
}

/* drop: close a held connection ourselves (libfcgi holds no buffers between requests). */
static void drop(struct conns *c, struct conn *k)
{
	epoll_ctl(c->epoll, EPOLL_CTL_DEL, k->fr.ipcFd, NULL);
	close(k->fr.ipcFd);
	k->fr.ipcFd = -1;
	released(c, k);
}

static struct conn *adopt(struct conns *c, int fd)
{
	for (uint32_t i = 0; i < CONNS_MAX; i++) {
		struct conn *k = &c->slot[i];
		if (k->open)
			continue;
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		if (epoll_ctl(c->epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
			break;
		FCGX_InitRequest(&k->fr, -1, 0); /* no listening socket: libfcgi never accepts */
		k->fr.ipcFd = fd;
		k->fr.keepConnection = 1; /* so FCGX_Accept_r reads this connection */
		k->fr.detached = 1;       /* if it speaks no FastCGI: a plain close, no lingering */
		k->open = 1;
		k->idle_since_ms = mg_now_ms();
		k->served = 0;
		if (++c->nopen == CONNS_MAX)
			watch(c, 0);
		return k;
	}
	log_warn("cannot hold another connection: %s", strerror(errno));
	close(fd);
	return NULL;
}

static struct conn *accept_new(struct conns *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC); /* the connection blocks */
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED &&
		    errno != EINTR) {
			log_warn("accept: %s", strerror(errno));
			usleep(100 * 1000); /* e.g. out of descriptors: do not spin */
		}
		return NULL; /* another worker took it, or the peer gave up */
	}
	if (c->tcp) {
		int one = 1; /* replies go out whole, without Nagle's delay */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return adopt(c, fd);
}

static struct conn *receive_handoff(struct conns *c)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = u.space,
	                     .msg_controllen = sizeof(u.space)};
	if (recvmsg(c->handoff, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) < 0)
		return NULL; /* another worker took it */
	struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
	if (h == NULL || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
	    h->cmsg_len != CMSG_LEN(sizeof(int)))
		return NULL;
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof(fd));
	return adopt(c, fd);
}

static int send_fd(int sock, int fd)
{
	char byte = 'c';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = u.space,
	                     .msg_controllen = sizeof(u.space)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(fd));
	return sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* start: read the head of the request waiting on k; NULL when nginx closed the connection or
 * it spoke no FastCGI (libfcgi has closed it then). */
static FCGX_Request *start(struct conns *c, struct conn *k)
{
	if (FCGX_Accept_r(&k->fr) >= 0)
		return &k->fr;
	released(c, k);
	return NULL;
}

/* start_if_sent: start the request on k (may be NULL) if nginx has written it already;
 * otherwise NULL, and its event comes with a later wait. */
static FCGX_Request *start_if_sent(struct conns *c, struct conn *k)
{
	return k != NULL && unread_bytes(k->fr.ipcFd) > 0 ? start(c, k) : NULL;
}

/* signal_waiting: a signal that wait_mask unblocks is pending. epoll_pwait reports ready
 * sockets before it delivers such a signal and puts the blocking mask back when it returns
 * events; so while requests keep coming, a worker that only took SIGTERM inside the wait
 * would never take it. */
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

FCGX_Request *conns_next(struct conns *c, const sigset_t *wait_mask, int timeout_ms)
{
	for (;;) {
		while (c->next < c->nev) {
			uint32_t i = c->ev[c->next++].data.u32;
			if (i == EV_HANDOFF) {
				/* a request on a handed-over connection has waited already, maybe
				 * through several hand-overs: serve it before those that came in
				 * later, or under a login load it could be passed on for seconds */
				struct conn *k = c->watching ? receive_handoff(c) : NULL;
				FCGX_Request *fr = start_if_sent(c, k);
				if (fr != NULL)
					return fr;
			} else if (i == EV_LISTEN) {
				/* every connection waiting, up to a batch: under load nginx opens
				 * them faster than one per wait, and those left would queue */
				struct conn *k = c->watching ? accept_new(c) : NULL;
				for (int n = 1; k != NULL && n < CONNS_BATCH && c->watching; n++)
					if (accept_new(c) == NULL)
						break;
				/* nginx writes the request right after connecting: serve the first
				 * now rather than after another wait */
				FCGX_Request *fr = start_if_sent(c, k);
				if (fr != NULL)
					return fr;
			} else if (i < CONNS_MAX && c->slot[i].open) {
				FCGX_Request *fr = start(c, &c->slot[i]);
				if (fr != NULL)
					return fr;
			}
		}
		if (c->listen_fd < 0 && c->nopen == 0) {
			errno = ESHUTDOWN;
			return NULL;
		}
		int n = epoll_pwait(c->epoll, c->ev, CONNS_BATCH, timeout_ms, wait_mask);
		c->nev = n > 0 ? n : 0;
		c->next = 0;
		if (n == 0)
			errno = ETIMEDOUT;
		if (n <= 0)
			return NULL;
		if (signal_waiting(wait_mask)) {
			/* take it now, as the wait would have (POSIX: a pending signal that
			 * sigprocmask unblocks is delivered before it returns); the events stay
			 * for the next call */
			sigset_t old;
			sigprocmask(SIG_SETMASK, wait_mask, &old);
			sigprocmask(SIG_SETMASK, &old, NULL);
			errno = EINTR;
			return NULL;
		}
	}
}

void conns_finish(struct conns *c, FCGX_Request *fr)
{
	struct conn *k = (struct conn *)((char *)fr - offsetof(struct conn, fr));
	/* Kept: the request was read to its end (serve drains the body), so whatever is unread
	 * is nginx's next request, sent as soon as our reply ended. Not kept: nginx closes its
	 * end after the reply; with nothing unread a plain close sends FIN, not RST, and
	 * libfcgi's lingering close (shut down, then wait up to 2 s for nginx to close first)
	 * would only idle this worker. */
	fr->detached = fr->keepConnection || unread_bytes(fr->ipcFd) == 0;
	FCGX_Finish_r(fr); /* closes the connection unless kept, or when writing failed */
	if (fr->ipcFd < 0)
		released(c, k);
	else {
		k->idle_since_ms = mg_now_ms();
		k->served = 1;
	}
}

void conns_stop_accepting(struct conns *c)
{
	watch(c, 0);
	c->listen_fd = -1;
	c->handoff = -1;
}

int conns_handoff(struct conns *c, const FCGX_Request *except)
{
	if (except != NULL && c->listen_fd < 0)
		return 0; /* stopping: so may the others be, and nobody would take them */
	int sent = 0;
	for (int i = 0; i < CONNS_MAX && c->handoff_send >= 0; i++) {
		struct conn *k = &c->slot[i];
		if (!k->open || &k->fr == except || send_fd(c->handoff_send, k->fr.ipcFd) != 0)
			continue;
		drop(c, k); /* our reference only: the receiver holds the connection */
		sent++;
	}
	return sent;
}

void conns_close_idle(struct conns *c, long long idle_ms)
{
	long long now = mg_now_ms();
	for (int i = 0; i < CONNS_MAX; i++) {
		struct conn *k = &c->slot[i];
		/* a request nginx has already written is served first */
		long long need = !k->served && idle_ms < CONNS_FRESH_MS ? CONNS_FRESH_MS : idle_ms;
		if (k->open && now - k->idle_since_ms >= need && unread_bytes(k->fr.ipcFd) == 0)
			drop(c, k);
	}
}

void conns_free(struct conns *c)
{
	for (int i = 0; i < CONNS_MAX; i++)
		if (c->slot[i].open)
			drop(c, &c->slot[i]);
	if (c->epoll >= 0)
		close(c->epoll);
	c->epoll = -1;
}
