/* listen.h: the FastCGI listening socket: inherited from systemd, a unix path or host:port. */
#ifndef MG_LISTEN_H
#define MG_LISTEN_H

#include "core/mg.h"

#include <stddef.h>

struct listener {
	int fd;
	char unix_path[108]; /* set when we created a unix socket (removed at exit) */
	int inherited;       /* 1 when systemd passed the socket */
};

/* listen_open: take the socket systemd passed (LISTEN_FDS/LISTEN_PID) or open spec:
 * a path containing '/' is a unix socket (a stale one is replaced; mode applied), otherwise
 * host:port or :port (IPv4 or IPv6 in brackets). Writes a reason into err on failure. */
enum mg_err listen_open(struct listener *l, const char *spec, long mode, char *err, size_t errlen);
/* listen_close: close the socket and remove a unix socket file we created. */
void listen_close(struct listener *l);

#endif
