/* listen.c: opening the listening socket, or adopting systemd's (server/conns.c accepts). */
#include "server/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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
	/* Workers wait in epoll and then race to accept(); the losers must get EAGAIN, not
	 * sleep in accept() where a stop signal could no longer reach them safely. */
	if (rc == MG_OK)
		fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
	return rc;
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
