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

/* utf8_control_len: the length in bytes of the control character at the n bytes at s — a C0
 * control other than tab, line feed and carriage return (1), DEL (1) or a C1 control
 * U+0080..U+009F (2) — or 0 when s does not start with one. HTML forbids these in a document
 * (even as character references), and no name or description needs them. */
size_t utf8_control_len(const char *s, size_t n);

/* utf8_text_valid: utf8_valid, and no control character (utf8_control_len), NUL included. */
bool utf8_text_valid(const char *s, size_t n);

/* utf8_count: the number of code points in the n bytes at s. For valid UTF-8 this is exact;
 * for other input it counts every byte that is not a continuation byte (10xxxxxx). */
size_t utf8_count(const char *s, size_t n);

/* utf8_decode: decode one code point from the n > 0 bytes at s into *cp and return its length
 * in bytes (1..4); on a malformed sequence return 0 and leave *cp unchanged. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
