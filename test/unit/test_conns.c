/* test_conns.c: a worker's FastCGI connections (server/conns.c), with this program as nginx on
 * a unix socket: kept and closed connections, a next request already waiting, several
 * connections, closed and garbage connections, the timeout, the handoff and the drain. */
#define _GNU_SOURCE
#include "check.h"
#include "server/conns.h"

#include <errno.h>
#include <fastcgi.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS  2000 /* for a request that is already on its way */
#define QUIET_MS 100  /* for a wait that must time out */

static char dir[] = "/tmp/test_conns.XXXXXX";
static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static int listen_fd = -1;
static sigset_t wait_mask; /* the current mask: the waits unblock nothing */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* client: a new connection to the listening socket, as nginx opens one (blocking; reads give
 * up after 3 s so that a missing reply fails a check instead of hanging the test). */
static int client(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 3};
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		perror("client");
		exit(1);
	}
	return fd;
}

static void put_header(unsigned char *p, int type, size_t len)
{
	unsigned char h[8] = {FCGI_VERSION_1, type, 0, 1, len >> 8, len & 0xff, 0, 0};
	memcpy(p, h, sizeof(h));
}

/* make_request: the records of a GET of uri (under 128 bytes) into buf, as nginx writes
 * them; keep sets FCGI_KEEP_CONN. Returns the length. */
static size_t make_request(unsigned char *buf, const char *uri, int keep)
{
	unsigned char begin[8] = {0, FCGI_RESPONDER, keep ? FCGI_KEEP_CONN : 0};
	put_header(buf, FCGI_BEGIN_REQUEST, sizeof(begin));
	memcpy(buf + 8, begin, sizeof(begin));
	const char *params[][2] = {{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", uri}};
	size_t n = 24; /* the params record's content starts after its header */
	for (size_t i = 0; i < 2; i++) {
		size_t nlen = strlen(params[i][0]), vlen = strlen(params[i][1]);
		buf[n++] = (unsigned char)nlen;
		buf[n++] = (unsigned char)vlen;
		memcpy(buf + n, params[i][0], nlen);
		memcpy(buf + n + nlen, params[i][1], vlen);
		n += nlen + vlen;
	}
	put_header(buf + 16, FCGI_PARAMS, n - 24);
	put_header(buf + n, FCGI_PARAMS, 0);
	put_header(buf + n + 8, FCGI_STDIN, 0);
	return n + 16;
}

static void send_request(int fd, const char *uri, int keep)
{
	unsigned char buf[512];
	size_t len = make_request(buf, uri, keep);
	CHECK(write(fd, buf, len) == (ssize_t)len);
}

static int read_full(int fd, unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read_reply: the STDOUT content of the reply on fd, up to its END_REQUEST record, into out.
 * 0, or -1 at EOF, on a read error or timeout, or on a malformed reply. */
static int read_reply(int fd, char *out, size_t cap)
{
	static unsigned char body[65535 + 255];
	size_t len = 0;
	for (;;) {
		unsigned char h[8];
		if (read_full(fd, h, 8) != 0 || h[0] != FCGI_VERSION_1 || h[2] != 0 || h[3] != 1)
			return -1;
		size_t clen = (size_t)h[4] << 8 | h[5];
		if (read_full(fd, body, clen + h[6]) != 0)
			return -1;
		if (h[1] == FCGI_END_REQUEST) {
			out[len] = '\0';
			return clen == 8 && body[4] == FCGI_REQUEST_COMPLETE ? 0 : -1;
		}
		if (h[1] != FCGI_STDOUT || len + clen >= cap)
			return -1;
		memcpy(out + len, body, clen);
		len += clen;
	}
}

/* peer: what the client sees on fd within wait_ms: 'E' EOF (we closed it), 'D' data, 'O'
 * nothing (open), 'X' an error (e.g. reset). */
static char peer(int fd, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, wait_ms) == 0)
		return 'O';
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 ? 'E' : n > 0 ? 'D' : 'X';
}

/* answer: the worker's serve: read the body to its end, reply with the request's URI. */
static void answer(FCGX_Request *fr)
{
	const char *uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	char buf[256];
	while (FCGX_GetStr(buf, sizeof(buf), fr->in) > 0)
		;
	int n = snprintf(buf, sizeof(buf), "Status: 200 OK\r\n\r\nuri=%s", uri ? uri : "-");
	FCGX_PutStr(buf, n, fr->out);
	FCGX_FClose(fr->err);
	FCGX_FClose(fr->out);
}

/* serve: one turn of the worker's loop. 0, or -1 with conns_next's errno. */
static int serve(struct conns *c, int timeout_ms)
{
	FCGX_Request *fr = conns_next(c, &wait_mask, timeout_ms);
	if (fr == NULL)
		return -1;
	answer(fr);
	conns_finish(c, fr);
	return 0;
}

/* check_reply: the reply on fd is the one to uri. */
static void check_reply(int fd, const char *uri)
{
	char got[256] = "", want[256];
	snprintf(want, sizeof(want), "Status: 200 OK\r\n\r\nuri=%s", uri);
	CHECK(read_reply(fd, got, sizeof(got)) == 0);
	CHECK_STR(got, want);
}

/* exchange: nginx sends a request on fd, the worker serves it, nginx reads the reply. */
static void exchange(struct conns *c, int fd, const char *uri, int keep)
{
	send_request(fd, uri, keep);
	CHECK(serve(c, WAIT_MS) == 0);
	check_reply(fd, uri);
}

/* kept_client: a connection nginx keeps, on which c has served one request (to uri). */
static int kept_client(struct conns *c, const char *uri)
{
	int fd = client();
	exchange(c, fd, uri, 1);
	return fd;
}

static struct conns *new_conns(const int *handoff)
{
	struct conns *c = malloc(sizeof(*c));
	if (c == NULL || conns_init(c, listen_fd, handoff) != 0) {
		perror("conns_init");
		exit(1);
	}
	return c;
}

static void free_conns(struct conns *c)
{
	conns_free(c);
	free(c);
}

/* expect_none: conns_next returns no request, with errno err. */
static void expect_none(struct conns *c, int timeout_ms, int err)
{
	errno = 0;
	CHECK(conns_next(c, &wait_mask, timeout_ms) == NULL);
	CHECK(errno == err);
}

static void test_keep_and_close(void)
{
	struct conns *c = new_conns(NULL);
	int fd = kept_client(c, "/one");
	CHECK(peer(fd, 0) == 'O' && c->nopen == 1);
	exchange(c, fd, "/two", 1); /* the same connection, served again */
	CHECK(peer(fd, 0) == 'O' && c->nopen == 1);
	exchange(c, fd, "/last", 0); /* no FCGI_KEEP_CONN: closed after the reply */
	CHECK(peer(fd, 0) == 'E' && c->nopen == 0);
	close(fd);

	fd = client();
	exchange(c, fd, "/once", 0);
	CHECK(peer(fd, 0) == 'E' && c->nopen == 0);
	close(fd);
	free_conns(c);
}

/* nginx sends its next request as soon as the reply ended: it may be waiting before
 * conns_finish runs, and the connection must stay for it. */
static void test_next_request_waiting(void)
{
	struct conns *c = new_conns(NULL);
	int fd = client();
	send_request(fd, "/first", 1);
	FCGX_Request *fr = conns_next(c, &wait_mask, WAIT_MS);
	CHECK(fr != NULL);
	if (fr != NULL) {
		answer(fr);
		check_reply(fd, "/first");
		send_request(fd, "/second", 1); /* a unix socket queues it at once */
		conns_finish(c, fr);
	}
	CHECK(peer(fd, 0) == 'O' && c->nopen == 1);
	CHECK(serve(c, WAIT_MS) == 0);
	check_reply(fd, "/second");
	CHECK(peer(fd, 0) == 'O' && c->nopen == 1);
	close(fd);
	free_conns(c);
}

static void test_several(void)
{
	enum { N = 4 };
	static const char *uris[N] = {"/a", "/bb", "/ccc", "/dddd"};
	struct conns *c = new_conns(NULL);
	int fd[N];
	for (int i = 0; i < N; i++) { /* all waiting before the worker accepts any */
		fd[i] = client();
		send_request(fd[i], uris[i], 1);
	}
	for (int i = 0; i < N; i++)
		CHECK(serve(c, WAIT_MS) == 0);
	for (int i = 0; i < N; i++)
		check_reply(fd[i], uris[i]);
	CHECK(c->nopen == N);

	/* kept connections, mixed order: all at once (one wait's batch), then one by one */
	static const int order[N] = {2, 0, 3, 1};
	for (int i = 0; i < N; i++)
		send_request(fd[order[i]], uris[order[i]], 1);
	for (int i = 0; i < N; i++)
		CHECK(serve(c, WAIT_MS) == 0);
	for (int i = 0; i < N; i++)
		check_reply(fd[i], uris[i]);
	for (int i = N - 1; i >= 0; i--)
		exchange(c, fd[order[i]], uris[order[i]], 1);
	for (int i = 0; i < N; i++) {
		CHECK(peer(fd[i], 0) == 'O');
		close(fd[i]);
	}
	CHECK(c->nopen == N);
	free_conns(c);
}

static void test_closed_and_garbage(void)
{
	struct conns *c = new_conns(NULL);
	int gone = kept_client(c, "/gone"), kept = kept_client(c, "/kept");
	CHECK(c->nopen == 2);
	close(gone); /* nginx closed it: never returned, its slot freed */
	send_request(kept, "/kept2", 1);
	CHECK(serve(c, WAIT_MS) == 0);
	check_reply(kept, "/kept2");
	expect_none(c, QUIET_MS, ETIMEDOUT);
	CHECK(c->nopen == 1);
	int fresh = kept_client(c, "/fresh");
	CHECK(c->nopen == 2);

	/* not FastCGI: closed at once, without libfcgi's lingering close */
	int garbage = client();
	const char http[] = "GET / HTTP/1.1\r\n\r\n";
	CHECK(write(garbage, http, sizeof(http) - 1) == (ssize_t)sizeof(http) - 1);
	long long start = now_ms();
	expect_none(c, QUIET_MS, ETIMEDOUT);
	CHECK(now_ms() - start < 1000);
	CHECK(peer(garbage, 0) == 'E');
	CHECK(c->nopen == 2);
	close(garbage);
	close(kept);
	close(fresh);
	free_conns(c);
}

static void test_timeout(void)
{
	struct conns *c = new_conns(NULL);
	long long start = now_ms();
	expect_none(c, QUIET_MS, ETIMEDOUT);
	CHECK(now_ms() - start >= QUIET_MS - 10);
	free_conns(c);
}

/* two workers sharing a handoff socket; a holds a kept connection (returned), b none */
struct pair {
	int sv[2];
	struct conns *a, *b;
};

static int new_pair(struct pair *p, const char *uri)
{
	CHECK(conns_handoff_socket(p->sv) == 0);
	p->a = new_conns(p->sv);
	p->b = new_conns(p->sv);
	int fd = kept_client(p->a, uri); /* only a waits, so a accepts */
	CHECK(p->a->nopen == 1 && p->b->nopen == 0);
	return fd;
}

static void free_pair(struct pair *p)
{
	free_conns(p->a);
	free_conns(p->b);
	close(p->sv[0]);
	close(p->sv[1]);
}

/* a worker being replaced hands its kept connection to another worker, which serves the
 * next request nginx writes to the same socket */
static void test_handoff(void)
{
	struct pair p;
	int fd = new_pair(&p, "/on-a");
	struct conns *a = p.a, *b = p.b;
	conns_stop_accepting(a);
	CHECK(conns_handoff(a, NULL) == 1);
	CHECK(a->nopen == 0);
	expect_none(a, QUIET_MS, ESHUTDOWN);
	CHECK(peer(fd, 0) == 'O'); /* the connection lives on in the handoff socket */
	exchange(b, fd, "/on-b", 1);
	CHECK(b->nopen == 1);
	exchange(b, fd, "/on-b-again", 1);
	CHECK(peer(fd, 0) == 'O');
	close(fd);
	free_pair(&p);
}

/* a request that comes with a handed-over connection is served before one that arrived
 * after it on a connection the worker held: a worker hands its connections over before a
 * password hash, and the others may be hashing too, so under a login load a request that
 * kept going to the back would wait for seconds */
static void test_handed_over_request_first(void)
{
	struct pair p;
	int moved = new_pair(&p, "/a");
	struct conns *a = p.a, *b = p.b;
	int own = kept_client(b, "/b");
	expect_none(b, QUIET_MS, ETIMEDOUT); /* b waits, idle */
	send_request(moved, "/moved", 1);    /* a is busy: it hands the connection over */
	CHECK(conns_handoff(a, NULL) == 1);
	send_request(own, "/own", 1); /* later, on b's own connection */
	CHECK(serve(b, WAIT_MS) == 0);
	CHECK(peer(own, 0) == 'O'); /* not yet answered */
	check_reply(moved, "/moved");
	CHECK(serve(b, WAIT_MS) == 0);
	check_reply(own, "/own");
	CHECK(b->nopen == 2 && a->nopen == 0);
	close(moved);
	close(own);
	free_pair(&p);
}

/* a worker that stops for good closes its idle connections, but serves a request nginx has
 * already written first */
static void test_close_idle(void)
{
	struct conns *c = new_conns(NULL);
	int idle = kept_client(c, "/idle"), busy = kept_client(c, "/busy");
	send_request(busy, "/busy2", 1);
	conns_stop_accepting(c);
	conns_close_idle(c, 60 * 1000); /* nothing idle that long */
	CHECK(peer(idle, 0) == 'O' && peer(busy, 0) == 'O' && c->nopen == 2);
	conns_close_idle(c, 0);
	CHECK(peer(idle, 0) == 'E');
	CHECK(peer(busy, 0) == 'O' && c->nopen == 1);
	CHECK(serve(c, WAIT_MS) == 0);
	check_reply(busy, "/busy2");
	conns_close_idle(c, 0);
	CHECK(peer(busy, 0) == 'E' && c->nopen == 0);
	expect_none(c, QUIET_MS, ESHUTDOWN);
	close(idle);
	close(busy);
	free_conns(c);
}

/* a connection that has just been accepted gets CONNS_FRESH_MS to send its request even
 * from a worker that stops: its client is writing it */
static void test_close_idle_spares_a_new_connection(void)
{
	struct conns *c = new_conns(NULL);
	int fresh = client();
	expect_none(c, QUIET_MS, ETIMEDOUT); /* accepted, nothing sent yet */
	CHECK(c->nopen == 1);
	conns_stop_accepting(c);
	conns_close_idle(c, 0);
	CHECK(peer(fresh, 0) == 'O' && c->nopen == 1);
	send_request(fresh, "/late", 1);
	CHECK(serve(c, WAIT_MS) == 0);
	check_reply(fresh, "/late");
	conns_close_idle(c, 0); /* it has had its request: closed like any idle one */
	CHECK(peer(fresh, 0) == 'E' && c->nopen == 0);
	close(fresh);
	free_conns(c);
}

static void test_free(void)
{
	struct conns *c = new_conns(NULL);
	int one = kept_client(c, "/1"), two = kept_client(c, "/2");
	free_conns(c);
	CHECK(peer(one, 0) == 'E' && peer(two, 0) == 'E');
	close(one);
	close(two);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(30); /* a wait that never ends (e.g. conns_next spinning) fails the test */
	sigprocmask(SIG_BLOCK, NULL, &wait_mask);
	if (FCGX_Init() != 0 || mkdtemp(dir) == NULL) {
		perror("test_conns setup");
		return 1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/fcgi.sock", dir);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(listen_fd, 16) != 0) {
		perror("test_conns listen");
		return 1;
	}
	test_keep_and_close();
	test_next_request_waiting();
	test_several();
	test_closed_and_garbage();
	test_timeout();
	test_handoff();
	test_handed_over_request_first();
	test_close_idle();
	test_close_idle_spares_a_new_connection();
	test_free();
	close(listen_fd);
	unlink(addr.sun_path);
	rmdir(dir);
	return check_done("test_conns");
}
