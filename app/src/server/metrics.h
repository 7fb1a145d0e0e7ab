/* metrics.h: request counters, latency histogram and worker restarts, kept in memory shared
 * by the master and every worker and read out in Prometheus' text format. */
#ifndef MG_METRICS_H
#define MG_METRICS_H

struct buf;

/* metrics_init: map the shared counters for slots worker slots; the master calls it once,
 * before it forks, so every worker inherits the mapping. Returns 0, or -1 (no metrics). */
int metrics_init(int slots);
/* metrics_request: count one answered request in the counters of worker slot `slot`
 * (each slot has one writer: the worker in it). */
void metrics_request(int slot, int status, long long duration_us, unsigned long db_errors);
/* metrics_worker_died: the master saw a worker die that it had not asked to stop. */
void metrics_worker_died(void);
/* metrics_set_workers: the master's count of running workers (a gauge). */
void metrics_set_workers(int n);
/* metrics_write: append the exposition (text/plain; version=0.0.4) of the sums. */
void metrics_write(struct buf *out);

#endif
