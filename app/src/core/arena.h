/* arena.h: the per-request memory arena; everything a request allocates is freed in one place. */
#ifndef MG_ARENA_H
#define MG_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* arena_new: an empty arena; free it with arena_free. Aborts on out-of-memory. */
struct arena *arena_new(void);
/* arena_free: run the registered cleanups (newest first) and free all memory. NULL is ok. */
void arena_free(struct arena *a);
/* arena_reset: like arena_free but keeps the first block for the next request. */
void arena_reset(struct arena *a);

/* arena_alloc: size bytes aligned for any type, valid until reset; never NULL. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* arena_sprintf: formatted string for our own text (numbers, fixed words); user data never goes
 * through a format string into markup — see render/html.h. */
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* arena_vsprintf: arena_sprintf with a va_list (ap is used up, as by vsnprintf). */
char *arena_vsprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* arena_defer: call fn(arg) when the arena is reset or freed (PGresult, cmark nodes, buffers). */
void arena_defer(struct arena *a, void (*fn)(void *), void *arg);

/* arena_bytes: bytes currently held in blocks (for metrics and tests). */
size_t arena_bytes(const struct arena *a);

#endif
