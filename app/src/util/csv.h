/* csv.h: an RFC 4180 CSV reader over a memory buffer, with line numbers for error messages. */
#ifndef MG_CSV_H
#define MG_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define CSV_MAX_FIELDS 1024          /* default bound on fields per record */
#define CSV_MAX_FIELD  (1024 * 1024) /* default bound on one field's bytes */

enum csv_status {
	CSV_RECORD, /* *rec holds the next record */
	CSV_END,    /* no more records (also after a fatal error) */
	CSV_ERROR,  /* csv_reader.error and .error_line say what is wrong */
};

/* One record; the arrays and strings belong to the reader and stay valid until the next
 * csv_read or csv_reader_free. */
struct csv_record {
	size_t nfields;
	char **fields;      /* NUL-terminated, valid UTF-8, containing no NUL byte */
	size_t *lens;       /* byte length of each field */
	unsigned long line; /* 1-based line on which the record starts */
};

/* The reader's state. Set max_fields / max_field_len after csv_reader_init to change the
 * bounds; read error and error_line after CSV_ERROR; treat the rest as private. */
struct csv_reader {
	size_t max_fields;
	size_t max_field_len;
	const char *error;        /* static English text of the last error */
	unsigned long error_line; /* where it is (1-based) */
	bool fatal;               /* the last error ends the input (quotes, NUL bytes, bare CR) */

	const char *data;
	size_t len;
	size_t pos;
	unsigned long line;
	char *text;
	size_t text_len, text_cap;
	size_t *offs, *lens;
	char **fields;
	size_t fields_cap;
};

/* csv_reader_init: read the len bytes at data (not copied: keep them alive while reading).
 * A leading UTF-8 byte order mark is skipped. */
void csv_reader_init(struct csv_reader *r, const char *data, size_t len);

/* csv_reader_free: release the reader's buffers (not the data). */
void csv_reader_free(struct csv_reader *r);

/* csv_read: parse the next record. Fields are separated by ',', records end with LF or CRLF
 * (a final record may lack it); a field may be quoted with '"', and then holds commas, line
 * breaks and doubled quotes ("" for one '"'). Completely empty lines are skipped (write ""
 * for a record of one empty field).
 * Returns CSV_RECORD, CSV_END, or CSV_ERROR with r->error and r->error_line set:
 * - fatal (r->fatal; further calls return CSV_END): an unterminated quoted field (the line
 *   where it opens), a quote inside an unquoted field, a character after a closing quote, a
 *   carriage return not followed by a line feed, a NUL byte;
 * - per record (the record is skipped, the next call continues): invalid UTF-8, more than
 *   max_fields fields, a field longer than max_field_len bytes.
 * Safe on arbitrary bytes; memory use is bounded by the input and the limits. */
enum csv_status csv_read(struct csv_reader *r, struct csv_record *rec);

#endif
