/* import.c: CSV files, field checks and error lists shared by the two importers. */
#include "import.h"
#include "admin.h"
#include "core/arena.h"
#include "core/buf.h"
#include "util/slug.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ierr_init(struct import_errors *e, struct arena *a)
{
	memset(e, 0, sizeof(*e));
	e->a = a;
}

void ierr_free(struct import_errors *e)
{
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

void ierr_add(struct import_errors *e, int file, const char *path, unsigned long line,
              const char *fmt, ...)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 32;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	va_list ap;
	va_start(ap, fmt);
	const char *msg = arena_vsprintf(e->a, fmt, ap);
	va_end(ap);
	struct import_error *x = &e->v[e->n];
	x->file = file;
	x->path = path;
	x->line = line;
	x->msg = msg;
	x->seq = e->n++;
}

static int by_place(const void *a, const void *b)
{
	const struct import_error *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t ierr_print(struct import_errors *e)
{
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), by_place);
	for (size_t i = 0; i < e->n && i < IMPORT_MAX_REPORTED; i++) {
		if (e->v[i].line > 0)
			fprintf(stderr, "%s:%lu: %s\n", e->v[i].path, e->v[i].line, e->v[i].msg);
		else
			fprintf(stderr, "%s: %s\n", e->v[i].path, e->v[i].msg);
	}
	if (e->n > IMPORT_MAX_REPORTED)
		fprintf(stderr, "… and %zu more error%s\n", e->n - IMPORT_MAX_REPORTED,
		        e->n - IMPORT_MAX_REPORTED == 1 ? "" : "s");
	return e->n;
}

const char *import_quote(struct arena *a, const char *s)
{
	struct buf b;
	buf_init(&b);
	buf_putc(&b, '"');
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		if (chars == 60) {
			buf_puts(&b, "…");
			break;
		}
		unsigned char c = *p;
		if (c < 0x20 || c == 0x7F)
			buf_printf(&b, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			buf_printf(&b, "\\%c", c);
		else
			buf_putc(&b, (char)c);
		p++;
		/* copy a whole UTF-8 sequence (the reader checked it) as one character */
		while ((*p & 0xC0) == 0x80)
			buf_putc(&b, (char)*p++);
		chars++;
	}
	buf_putc(&b, '"');
	const char *q = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return q;
}

bool csv_file_open(struct csv_file *f, const char *path, int order, const char *const *header,
                   size_t ncols, struct import_errors *e)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->order = order;
	f->ncols = ncols;
	char err[128];
	if (admin_read_file(path, IMPORT_FILE_MAX, &f->data, &f->len, err, sizeof(err)) != MG_OK) {
		ierr_add(e, order, path, 0, "%s", err);
		return false;
	}
	csv_reader_init(&f->r, f->data, f->len);
	f->open = true;

	struct buf want;
	buf_init(&want);
	for (size_t i = 0; i < ncols; i++) {
		if (i > 0)
			buf_putc(&want, ',');
		buf_puts(&want, header[i]);
	}
	struct csv_record rec;
	enum csv_status st = csv_read(&f->r, &rec);
	bool ok = false;
	if (st == CSV_END) {
		ierr_add(e, order, path, 1, "empty file (expected the header %s)",
		         import_quote(e->a, buf_cstr(&want)));
	} else if (st == CSV_ERROR) {
		ierr_add(e, order, path, f->r.error_line, "%s", f->r.error);
	} else {
		ok = rec.nfields == ncols;
		for (size_t i = 0; ok && i < ncols; i++)
			ok = strcmp(rec.fields[i], header[i]) == 0;
		if (!ok) {
			struct buf got;
			buf_init(&got);
			for (size_t i = 0; i < rec.nfields; i++) {
				if (i > 0)
					buf_putc(&got, ',');
				buf_puts(&got, rec.fields[i]);
			}
			ierr_add(e, order, path, rec.line, "wrong header %s (expected %s)",
			         import_quote(e->a, buf_cstr(&got)),
			         import_quote(e->a, buf_cstr(&want)));
			buf_free(&got);
		}
	}
	buf_free(&want);
	return ok;
}

bool csv_file_next(struct csv_file *f, struct csv_record *rec, struct import_errors *e)
{
	if (!f->open)
		return false;
	for (;;) {
		enum csv_status st = csv_read(&f->r, rec);
		if (st == CSV_END)
			return false;
		if (st == CSV_ERROR) {
			ierr_add(e, f->order, f->path, f->r.error_line, "%s%s", f->r.error,
			         f->r.fatal ? " (the rest of the file was not read)" : "");
			continue;
		}
		if (rec->nfields != f->ncols) {
			ierr_add(e, f->order, f->path, rec->line, "expected %zu fields, found %zu",
			         f->ncols, rec->nfields);
			continue;
		}
		return true;
	}
}

void csv_file_close(struct csv_file *f)
{
	if (f->open)
		csv_reader_free(&f->r);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *import_text(struct import_errors *e, const struct csv_file *f, unsigned long line,
                        const char *what, const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	if (n == 0) {
		ierr_add(e, f->order, f->path, line, "empty %s", what);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		/* no tab or line break either, unlike a description */
		if ((unsigned char)s[i] < 0x20 || utf8_control_len(s + i, n - i) != 0) {
			ierr_add(e, f->order, f->path, line, "%s contains a control character",
			         what);
			return NULL;
		}
	}
	if (utf8_count(s, n) > IMPORT_TEXT_MAX) {
		ierr_add(e, f->order, f->path, line, "%s is longer than %d characters", what,
		         IMPORT_TEXT_MAX);
		return NULL;
	}
	return arena_strndup(e->a, s, n);
}

bool import_slug(struct import_errors *e, const struct csv_file *f, unsigned long line,
                 const char *what, const char *s)
{
	if (slug_valid(s))
		return true;
	if (s[0] == '\0')
		ierr_add(e, f->order, f->path, line, "empty %s", what);
	else
		ierr_add(e, f->order, f->path, line,
		         "invalid %s %s (use a-z, 0-9 and single hyphens inside, at most %d "
		         "characters)",
		         what, import_quote(e->a, s), SLUG_MAX);
	return false;
}

size_t import_slug_list(struct import_errors *e, const struct csv_file *f, unsigned long line,
                        const char *what, const char *s, const char ***out, bool *ok)
{
	*out = NULL;
	if (s[0] == '\0')
		return 0;
	size_t max = 1;
	for (const char *p = s; *p != '\0'; p++)
		max += *p == '|';
	if (max > IMPORT_LIST_MAX) {
		ierr_add(e, f->order, f->path, line, "more than %d slugs in %s", IMPORT_LIST_MAX,
		         what);
		*ok = false;
		return 0;
	}
	const char **v = arena_calloc(e->a, max, sizeof(*v));
	size_t n = 0;
	const char *p = s;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		char *item = arena_strndup(e->a, p, len);
		if (len == 0) {
			ierr_add(e, f->order, f->path, line, "empty slug in %s %s", what,
			         import_quote(e->a, s));
			*ok = false;
		} else if (!slug_valid(item)) {
			ierr_add(
			    e, f->order, f->path, line,
			    "invalid slug %s in %s (use a-z, 0-9 and single hyphens inside, at "
			    "most %d characters)",
			    import_quote(e->a, item), what, SLUG_MAX);
			*ok = false;
		} else {
			bool dup = false;
			for (size_t i = 0; i < n && !dup; i++)
				dup = strcmp(v[i], item) == 0;
			if (dup) {
				ierr_add(e, f->order, f->path, line, "%s is listed twice in %s",
				         import_quote(e->a, item), what);
				*ok = false;
			} else {
				v[n++] = item;
			}
		}
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	*out = v;
	return n;
}
