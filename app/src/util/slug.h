/* slug.h: URL slugs for genres and bands: validation and derivation from a display name. */
#ifndef MG_SLUG_H
#define MG_SLUG_H

#include <stdbool.h>

struct arena;

/* The longest slug, in bytes (slugs are ASCII). */
#define SLUG_MAX 64

/* slug_valid: true when s matches ^[a-z0-9]+(-[a-z0-9]+)*$ and is 1..SLUG_MAX bytes long.
 * NULL is not valid. */
bool slug_valid(const char *s);

/* slug_from_name: the slug for a display name: ASCII letters lower-cased, '&' becomes "and" and
 * '+' becomes "plus" (as words), common Latin letters with diacritics lose them (é→e, ö→o,
 * ş→s, ı→i, ß→ss, æ→ae …; combining marks are dropped), and every other run of characters
 * (spaces, punctuation, apostrophes, other scripts, invalid UTF-8) becomes one '-'. Leading and
 * trailing '-' are trimmed; a result longer than SLUG_MAX is cut at the last '-' that keeps it
 * within SLUG_MAX (or hard at SLUG_MAX when there is none). Returns "" when nothing is left;
 * otherwise the result satisfies slug_valid. Allocated in a; never NULL. */
char *slug_from_name(struct arena *a, const char *name);

#endif
