/* notify.h: telling systemd about the server's state (sd_notify's protocol, without
 * libsystemd): readiness, reloads, shutdown, the watchdog, a status line. */
#ifndef MG_NOTIFY_H
#define MG_NOTIFY_H

#include <sys/types.h>

/* notify_init: the master, once, before it forks: read NOTIFY_SOCKET, WATCHDOG_USEC and
 * WATCHDOG_PID and remove them from the environment, so no worker (nor anything it might
 * run) inherits them. Without NOTIFY_SOCKET every other call here does nothing. max_workers
 * bounds the worker processes alive at once. */
void notify_init(int max_workers);

/* notify_worker_started, notify_worker_exited: the master forked, or reaped, a worker. */
void notify_worker_started(pid_t pid);
void notify_worker_exited(pid_t pid);

/* notify_worker_ready: a worker, once it is about to accept its first connection, tells the
 * master (through a pipe made by notify_init). Does nothing in the master. */
void notify_worker_ready(void);

/* notify_tick: the master, on every turn of its loop (at least every 100 ms; never from a
 * signal handler). `wanted` is the number of workers it keeps, `old` the workers a reload
 * has still to replace or retire, `stopping` whether shutdown has begun. Sends READY=1,
 * RELOADING=1, STOPPING=1 and STATUS= as the state changes, and WATCHDOG=1 every
 * WATCHDOG_USEC/2 while at least one worker is ready. */
void notify_tick(int wanted, int old, int stopping);

#endif
