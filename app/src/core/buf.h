/* buf.h: a growable byte buffer (response bodies, cached JSON, SQL parameters). */
#ifndef MG_BUF_H
#define MG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct buf {
	char *data; /* always NUL-terminated once anything was appended; NULL when empty */
	size_t len;
	size_t cap;
};

/* buf_init: an empty buffer; release it with buf_free. */
void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* buf_new_in: a buffer whose memory is released when the arena is reset. */
struct buf *buf_new_in(struct arena *a);
void buf_clear(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
/* buf_printf: our own formatted text (numbers, fixed words); never user data into markup. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* buf_cstr: the contents as a C string ("" when empty); valid until the next append. */
const char *buf_cstr(const struct buf *b);

#endif
