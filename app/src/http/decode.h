/* decode.h: percent-decoding and the parsers for query strings, form bodies and cookies.
 * Pure functions over bytes; everything they return lives in the caller's arena. */
#ifndef MG_DECODE_H
#define MG_DECODE_H

#include "core/mg.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* One name=value pair; both are NUL-terminated, valid UTF-8 and free of NUL bytes. */
struct param {
	const char *name;
	const char *value;
	size_t value_len;
};

struct params {
	struct param *items;
	size_t count;
};

/* pct_decode: decode %XX escapes in s[0..len) (and '+' as space when plus_is_space).
 * Returns MG_ERR_INVALID for a malformed escape, a NUL byte (raw or %00) or invalid UTF-8
 * in the result; otherwise *out is a NUL-terminated copy in the arena, *out_len its length. */
enum mg_err pct_decode(struct arena *a, const char *s, size_t len, bool plus_is_space, char **out,
                       size_t *out_len);

/* form_parse: parse application/x-www-form-urlencoded data (also a query string) into *out,
 * keeping the order and repeated names. At most max_fields pairs (MG_ERR_TOO_LARGE past it).
 * Empty pieces ("a=1&&b=2") are skipped; a piece without '=' has an empty value. */
enum mg_err form_parse(struct arena *a, const char *s, size_t len, size_t max_fields,
                       struct params *out);

/* cookie_parse: parse a Cookie header ("a=1; b=2") into *out. Malformed pieces are skipped,
 * never an error: browsers send what other sites set. Values are not percent-decoded;
 * surrounding double quotes are removed. */
void cookie_parse(struct arena *a, const char *header, struct params *out);

/* params_get: the first value named name, or NULL. */
const char *params_get(const struct params *p, const char *name);
/* params_get_all: every value named name, in order; *n receives the count. */
const char **params_get_all(struct arena *a, const struct params *p, const char *name, size_t *n);

#endif
