/* csv.c: a single-pass RFC 4180 record scanner that copies unescaped fields into one buffer. */
#include "util/csv.h"
#include "core/mg.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->max_fields = CSV_MAX_FIELDS;
	r->max_field_len = CSV_MAX_FIELD;
	r->data = data;
	r->len = data != NULL ? len : 0;
	r->line = 1;
	if (r->len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void csv_reader_free(struct csv_reader *r)
{
	free(r->text);
	free(r->offs);
	free(r->lens);
	free(r->fields);
	r->text = NULL;
	r->offs = r->lens = NULL;
	r->fields = NULL;
	r->text_cap = r->fields_cap = 0;
}

static void text_putc(struct csv_reader *r, char c)
{
	if (r->text_len + 1 >= r->text_cap) {
		size_t cap = r->text_cap ? r->text_cap * 2 : 256;
		r->text = xrealloc(r->text, cap);
		r->text_cap = cap;
	}
	r->text[r->text_len++] = c;
}

static void field_slot(struct csv_reader *r, size_t n)
{
	if (n < r->fields_cap)
		return;
	size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
	r->offs = xrealloc(r->offs, cap * sizeof(*r->offs));
	r->lens = xrealloc(r->lens, cap * sizeof(*r->lens));
	r->fields = xrealloc(r->fields, cap * sizeof(*r->fields));
	r->fields_cap = cap;
}

static enum csv_status fail(struct csv_reader *r, const char *msg, unsigned long line, bool fatal)
{
	r->error = msg;
	r->error_line = line;
	r->fatal = fatal;
	if (fatal)
		r->pos = r->len;
	return CSV_ERROR;
}

/* bad_utf8_line: the line of the first invalid UTF-8 byte in data[from, to), or 0 if none. */
static unsigned long bad_utf8_line(const struct csv_reader *r, size_t from, size_t to,
                                   unsigned long line)
{
	size_t i = from;
	while (i < to) {
		unsigned char c = (unsigned char)r->data[i];
		if (c < 0x80) {
			if (c == '\n')
				line++;
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode(r->data + i, to - i, &cp);
		if (n == 0)
			return line;
		i += n;
	}
	return 0;
}

/* at_eol: the input at pos is a line break (LF or CRLF); *n is its length. */
static bool at_eol(const struct csv_reader *r, size_t pos, size_t *n)
{
	if (pos < r->len && r->data[pos] == '\n') {
		*n = 1;
		return true;
	}
	if (pos + 1 < r->len && r->data[pos] == '\r' && r->data[pos + 1] == '\n') {
		*n = 2;
		return true;
	}
	return false;
}

enum csv_status csv_read(struct csv_reader *r, struct csv_record *rec)
{
	size_t eol = 0; /* at_eol sets it only when it answers true */
	memset(rec, 0, sizeof(*rec));
	if (r->fatal)
		return CSV_END;
	while (at_eol(r, r->pos, &eol)) {
		r->pos += eol;
		r->line++;
	}
	if (r->pos >= r->len)
		return CSV_END;

	const size_t rec_start = r->pos;
	const unsigned long rec_line = r->line;
	size_t nfields = 0;
	bool too_many = false, too_long = false;
	r->text_len = 0;

	for (;;) {
		size_t off = r->text_len;
		size_t flen = 0;
		if (r->pos < r->len && r->data[r->pos] == '"') {
			unsigned long open_line = r->line;
			r->pos++;
			for (;;) {
				if (r->pos >= r->len)
					return fail(r, "unterminated quoted field", open_line,
					            true);
				char c = r->data[r->pos];
				if (c == '"') {
					if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
						r->pos += 2;
					} else {
						r->pos++;
						break;
					}
				} else if (c == '\0') {
					return fail(r, "NUL byte", r->line, true);
				} else {
					if (c == '\n')
						r->line++;
					r->pos++;
				}
				if (flen < r->max_field_len) {
					if (!too_many)
						text_putc(r, c);
					flen++;
				} else {
					too_long = true;
				}
			}
			if (r->pos < r->len && r->data[r->pos] != ',' && !at_eol(r, r->pos, &eol))
				return fail(
				    r,
				    "unexpected character after a closing quote (write a quote "
				    "inside a quoted field as \"\")",
				    r->line, true);
		} else {
			while (r->pos < r->len) {
				char c = r->data[r->pos];
				if (c == ',' || c == '\n')
					break;
				if (c == '\r') {
					if (at_eol(r, r->pos, &eol))
						break;
					return fail(r,
					            "carriage return not followed by a line feed",
					            r->line, true);
				}
				if (c == '"')
					return fail(
					    r,
					    "quote inside an unquoted field (quote the whole "
					    "field and write the quote as \"\")",
					    r->line, true);
				if (c == '\0')
					return fail(r, "NUL byte", r->line, true);
				r->pos++;
				if (flen < r->max_field_len) {
					if (!too_many)
						text_putc(r, c);
					flen++;
				} else {
					too_long = true;
				}
			}
		}
		if (nfields < r->max_fields) {
			field_slot(r, nfields);
			text_putc(r, '\0');
			r->offs[nfields] = off;
			r->lens[nfields] = r->text_len - 1 - off;
			nfields++;
		} else {
			too_many = true;
		}
		if (r->pos >= r->len)
			break;
		if (r->data[r->pos] == ',') {
			r->pos++;
			continue;
		}
		at_eol(r, r->pos, &eol); /* the field loops stop only at ',', a line break or end */
		r->pos += eol;
		r->line++;
		break;
	}

	unsigned long bad = bad_utf8_line(r, rec_start, r->pos, rec_line);
	if (bad != 0)
		return fail(r, "invalid UTF-8", bad, false);
	if (too_many)
		return fail(r, "too many fields", rec_line, false);
	if (too_long)
		return fail(r, "field too long", rec_line, false);
	for (size_t i = 0; i < nfields; i++)
		r->fields[i] = r->text + r->offs[i];
	rec->nfields = nfields;
	rec->fields = r->fields;
	rec->lens = r->lens;
	rec->line = rec_line;
	return CSV_RECORD;
}
