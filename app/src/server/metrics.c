/* metrics.c: the shared counters behind /metrics. Each worker slot has its own cache-line
 * aligned block that only the worker in that slot writes, so counting needs no lock; the
 * reader sums the blocks. Relaxed atomics make the concurrent reads well defined. A slot's
 * counters outlive the worker in it, so the sums never go down when workers are replaced. */
#include "server/metrics.h"
#include "core/buf.h"

#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

/* upper bounds in microseconds of the latency buckets (Prometheus' le="seconds") */
static const long long bucket_us[] = {1000,   2500,   5000,   10000,   25000,   50000,
                                      100000, 250000, 500000, 1000000, 2500000, 5000000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))
#define NCLASSES 5 /* 1xx .. 5xx */

struct slot_counters {
	uint64_t by_class[NCLASSES];
	uint64_t buckets[NBUCKETS + 1]; /* the last one is +Inf */
	uint64_t duration_us;
	uint64_t db_errors;
} __attribute__((aligned(64)));

struct shared {
	uint64_t worker_deaths;
	int64_t workers;
	int64_t started; /* time() when the master started */
	int nslots;
	struct slot_counters slot[];
};

static struct shared *sh;

int metrics_init(int slots)
{
	size_t size = sizeof(struct shared) + (size_t)slots * sizeof(struct slot_counters);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	sh = p; /* mmap gives zeroed memory */
	sh->nslots = slots;
	sh->started = (int64_t)time(NULL);
	return 0;
}

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void metrics_request(int slot, int status, long long duration_us, unsigned long db_errors)
{
	if (sh == NULL || slot < 0 || slot >= sh->nslots)
		return;
	struct slot_counters *c = &sh->slot[slot];
	int cls = status / 100 - 1;
	if (cls >= 0 && cls < NCLASSES)
		add(&c->by_class[cls], 1);
	size_t b = 0;
	while (b < NBUCKETS && duration_us > bucket_us[b])
		b++;
	add(&c->buckets[b], 1);
	add(&c->duration_us, duration_us > 0 ? (uint64_t)duration_us : 0);
	add(&c->db_errors, db_errors);
}

void metrics_worker_died(void)
{
	if (sh != NULL)
		add(&sh->worker_deaths, 1);
}

void metrics_set_workers(int n)
{
	if (sh != NULL)
		__atomic_store_n(&sh->workers, (int64_t)n, __ATOMIC_RELAXED);
}

static void header(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_write(struct buf *out)
{
	if (sh == NULL)
		return;
	struct slot_counters sum = {0};
	for (int s = 0; s < sh->nslots; s++) {
		const struct slot_counters *c = &sh->slot[s];
		for (int i = 0; i < NCLASSES; i++)
			sum.by_class[i] += get(&c->by_class[i]);
		for (size_t i = 0; i <= NBUCKETS; i++)
			sum.buckets[i] += get(&c->buckets[i]);
		sum.duration_us += get(&c->duration_us);
		sum.db_errors += get(&c->db_errors);
	}
	header(out, "musicgraph_http_requests_total", "counter",
	       "Requests answered by the workers, by status class.");
	for (int i = 0; i < NCLASSES; i++)
		buf_printf(out, "musicgraph_http_requests_total{code=\"%dxx\"} %llu\n", i + 1,
		           (unsigned long long)sum.by_class[i]);
	header(out, "musicgraph_http_request_duration_seconds", "histogram",
	       "Time from a request's arrival at a worker to its last byte written.");
	uint64_t cumulative = 0;
	for (size_t i = 0; i <= NBUCKETS; i++) {
		cumulative += sum.buckets[i];
		if (i < NBUCKETS)
			buf_printf(
			    out,
			    "musicgraph_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    (double)bucket_us[i] / 1e6, (unsigned long long)cumulative);
		else
			buf_printf(
			    out,
			    "musicgraph_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cumulative);
	}
	buf_printf(out, "musicgraph_http_request_duration_seconds_sum %.6f\n",
	           (double)sum.duration_us / 1e6);
	buf_printf(out, "musicgraph_http_request_duration_seconds_count %llu\n",
	           (unsigned long long)cumulative);
	header(out, "musicgraph_database_errors_total", "counter",
	       "Failed database operations (connection lost, timeout, unexpected error).");
	buf_printf(out, "musicgraph_database_errors_total %llu\n",
	           (unsigned long long)sum.db_errors);
	header(out, "musicgraph_worker_restarts_total", "counter",
	       "Workers that died without being asked to (crash or kill) and were replaced.");
	buf_printf(out, "musicgraph_worker_restarts_total %llu\n",
	           (unsigned long long)get(&sh->worker_deaths));
	header(out, "musicgraph_workers", "gauge", "Worker processes running.");
	buf_printf(out, "musicgraph_workers %lld\n",
	           (long long)__atomic_load_n(&sh->workers, __ATOMIC_RELAXED));
	header(out, "musicgraph_start_time_seconds", "gauge",
	       "When the server started, in seconds since the epoch.");
	buf_printf(out, "musicgraph_start_time_seconds %lld\n", (long long)sh->started);
}
