/* strmap.c: open addressing with linear probing and FNV-1a hashes, grown at half full. */
#include "strmap.h"
#include "core/mg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* slot: the slot holding key, or the empty slot where it would go (cap > 0). */
static size_t slot(const struct strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);
	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	if (m->cap == 0)
		return false;
	size_t i = slot(m, key);
	if (m->keys[i] == NULL)
		return false;
	if (val != NULL)
		*val = m->vals[i];
	return true;
}

static void grow(struct strmap *m)
{
	struct strmap bigger;
	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.n = m->n;
	bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = xcalloc(bigger.cap, sizeof(*bigger.vals));
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		size_t j = slot(&bigger, m->keys[i]);
		bigger.keys[j] = m->keys[i];
		bigger.vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	*m = bigger;
}

bool strmap_add(struct strmap *m, const char *key, size_t val, size_t *old)
{
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	size_t i = slot(m, key);
	if (m->keys[i] != NULL) {
		if (old != NULL)
			*old = m->vals[i];
		return false;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return true;
}
