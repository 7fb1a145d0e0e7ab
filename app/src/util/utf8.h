/* utf8.h: strict UTF-8 validation and code point counting over byte ranges. */
#ifndef MG_UTF8_H
#define MG_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* utf8_valid: true when the n bytes at s are well-formed UTF-8 (RFC 3629): no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence at the end.
 * NUL bytes are valid UTF-8; callers that need C strings reject them separately. s may be
 * NULL when n is 0. */
bool utf8_valid(const char *s, size_t n);

/* utf8_count: the number of code points in the n bytes at s. For valid UTF-8 this is exact;
 * for other input it counts every byte that is not a continuation byte (10xxxxxx). */
size_t utf8_count(const char *s, size_t n);

/* utf8_decode: decode one code point from the n > 0 bytes at s into *cp and return its length
 * in bytes (1..4); on a malformed sequence return 0 and leave *cp unchanged. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
