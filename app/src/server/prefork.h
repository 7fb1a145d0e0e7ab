/* prefork.h: the master process: forks workers, respawns them, drains and replaces them. */
#ifndef MG_PREFORK_H
#define MG_PREFORK_H

struct config;

/* prefork_run: run the master until SIGTERM/SIGINT and every worker has exited; returns the
 * process exit status. SIGHUP replaces the workers one at a time without dropping requests. */
int prefork_run(const struct config *cfg, int listen_fd);

#endif
