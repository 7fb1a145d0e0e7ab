/* strmap.h: a string → index hash map for the importers (keys are borrowed, not copied). */
#ifndef MG_STRMAP_H
#define MG_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap {
	const char **keys;
	size_t *vals;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* strmap_init / strmap_free: an empty map; free releases the table, not the keys. */
void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);

/* strmap_get: true and *val set when key is in the map. */
bool strmap_get(const struct strmap *m, const char *key, size_t *val);

/* strmap_add: insert key → val and return true; when key is already there, leave it, store its
 * value in *old (if not NULL) and return false. key must outlive the map. */
bool strmap_add(struct strmap *m, const char *key, size_t val, size_t *old);

#endif
