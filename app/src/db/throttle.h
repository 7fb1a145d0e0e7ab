/* throttle.h: the SQL for counting failed logins per account and per client address. */
#ifndef MG_DB_THROTTLE_H
#define MG_DB_THROTTLE_H

#include "core/mg.h"

struct arena;
struct db;

struct throttle_counts {
	long account_failures, ip_failures;
	long account_retry_after, ip_retry_after; /* seconds until the oldest counted failure
	                                             leaves the window */
};

enum mg_err db_throttle_counts(struct db *db, struct arena *a, const char *account, const char *ip,
                               long window_seconds, struct throttle_counts *out);
enum mg_err db_throttle_record_failure(struct db *db, struct arena *a, const char *account,
                                       const char *ip);
enum mg_err db_throttle_reset_account(struct db *db, struct arena *a, const char *account);

#endif
