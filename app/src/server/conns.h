/* conns.h: the FastCGI connections one worker holds. nginx keeps its FastCGI connections
 * open between requests (fastcgi_keep_conn on, upstream keepalive); a worker holds any number
 * of them and serves whichever has a request, so an idle kept connection never pins a worker,
 * and it accepts new connections from the listening socket it shares with the other workers.
 *
 * A kept connection is closed by nginx (its upstream keepalive_timeout / keepalive_requests),
 * never by us while nginx may still pick it: nginx does not resend a POST that it wrote to a
 * connection we closed. A worker that is replaced hands its connections to the running workers
 * instead (fd passing over the handoff socket, conns_handoff). */
#ifndef MG_CONNS_H
#define MG_CONNS_H

#include <fcgiapp.h>
#include <signal.h>
#include <sys/epoll.h>

#define CONNS_MAX      128  /* connections per worker; the listener waits while all are taken */
#define CONNS_BATCH    16   /* events taken from one wait */
#define CONNS_FRESH_MS 1000 /* a stopping worker waits this long for a new connection's request */

struct conn {
	FCGX_Request fr;
	long long idle_since_ms; /* when its last request ended, or when we got it */
	int served;              /* it has had a request here: not just connected */
	int open;
};

struct conns {
	int listen_fd; /* shared with the other workers; -1 once this worker stops accepting */
	int handoff;   /* the receiving end of the handoff socket (all workers share it), or -1 */
	int handoff_send;
	int epoll;
	int tcp;      /* the listener is TCP: set TCP_NODELAY on accepted connections */
	int watching; /* listen_fd and handoff are in the epoll set */
	int nopen;
	int nev, next; /* events of the last wait not yet handled */
	struct epoll_event ev[CONNS_BATCH];
	struct conn slot[CONNS_MAX];
};

/* conns_handoff_socket: the socket pair the master creates before forking its workers:
 * sv[0] to receive connections, sv[1] to send them. 0 or -1 with errno. */
int conns_handoff_socket(int sv[2]);

/* conns_init: start with no connections; listen_fd must be non-blocking. handoff is the pair
 * from conns_handoff_socket, or NULL. 0, or -1 with errno. */
int conns_init(struct conns *c, int listen_fd, const int *handoff);

/* conns_next: wait (with the signal mask wait_mask, so that stop signals are taken only here,
 * between requests) for a request on a held connection or a new connection, and read its
 * head (FCGX_Accept_r). Returns the request to serve, or NULL with errno: EINTR (a signal was
 * taken), ETIMEDOUT (timeout_ms passed), ESHUTDOWN (not accepting and no connection left). */
FCGX_Request *conns_next(struct conns *c, const sigset_t *wait_mask, int timeout_ms);

/* conns_finish: end the request conns_next returned, whose body has been read to its end:
 * the connection stays open when nginx asked to keep it (and libfcgi saw no error on it),
 * otherwise it is closed. */
void conns_finish(struct conns *c, FCGX_Request *fr);

/* conns_stop_accepting: take no new connections and no handed-off ones. */
void conns_stop_accepting(struct conns *c);

/* conns_handoff: give every held connection but except (the one whose request is being
 * served, or NULL) to the other workers: those are all between requests. A worker does this
 * when it is replaced, and before work that would hold up requests nginx sends on them
 * meanwhile (a password hash). Connections that cannot be sent stay. Returns how many were
 * sent. */
int conns_handoff(struct conns *c, const FCGX_Request *except);

/* conns_close_idle: close the connections that have had no request for idle_ms (0: all),
 * but not one whose request has arrived, nor one that has had no request here yet for less
 * than CONNS_FRESH_MS (its client has just connected and is writing the request). Only for
 * a worker that stops for good: nginx may lose a request written to one of them. */
void conns_close_idle(struct conns *c, long long idle_ms);

/* conns_free: close every connection and the epoll instance. */
void conns_free(struct conns *c);

#endif
