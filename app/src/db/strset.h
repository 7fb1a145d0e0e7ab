/* strset.h: small sorted sets of strings (a record's parents or genres) for the admin data
 * modules: normalising, comparing, and writing them as JSON arrays (SQL parameters, audit). */
#ifndef MG_STRSET_H
#define MG_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct json;

/* strset_sorted: the non-empty strings of v, sorted bytewise without repeats (arena array,
 * NULL-terminated); *out_n gets their number. */
const char **strset_sorted(struct arena *a, const char *const *v, size_t n, size_t *out_n);
/* strset_equal: the same strings in the same order. */
bool strset_equal(const char *const *x, size_t nx, const char *const *y, size_t ny);
/* strset_json: v as a JSON array on j. */
void strset_json(struct json *j, const char *const *v, size_t n);
/* strset_json_text: v as a JSON array string in the arena (for a $n::jsonb parameter). */
const char *strset_json_text(struct arena *a, const char *const *v, size_t n);

#endif
