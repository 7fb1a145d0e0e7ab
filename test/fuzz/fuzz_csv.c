/* fuzz_csv.c: csv_read (util/csv.c), the RFC 4180 reader under musicgraph-admin import-genres
 * and import-bands. Byte 0 picks max_fields (1..16 or the default), byte 1 max_field_len (0..31
 * or the default); the rest is the file.
 * Properties: reading ends after at most one call per input byte; a record has 1..max_fields
 * fields, each NUL-free (lens[i] = strlen), valid UTF-8 and at most max_field_len bytes; record
 * and error lines never decrease and stay within the file's line count; after a fatal error
 * only CSV_END follows; and when the whole file reads without error, writing its records back
 * (every field quoted, '"' doubled) reads back to the same records. */
#include "fuzz.h"
#include "util/csv.h"
#include "util/utf8.h"

#include <string.h>

struct rec_copy {
	size_t nfields;
	char **fields;
};

static void free_recs(struct rec_copy *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < r[i].nfields; j++)
			free(r[i].fields[j]);
		free(r[i].fields);
	}
	free(r);
}

/* read_all: every record of data into *out; returns how many, *errors counts CSV_ERROR. */
static size_t read_all(const char *data, size_t len, size_t max_fields, size_t max_len,
                       struct rec_copy **out, size_t *errors)
{
	struct csv_reader r;
	struct csv_record rec;
	unsigned long lines = 1, last = 0;
	size_t n = 0, calls = 0;
	struct rec_copy *v = NULL;

	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	csv_reader_init(&r, data, len);
	r.max_fields = max_fields;
	r.max_field_len = max_len;
	*errors = 0;
	for (;;) {
		FUZZ_ASSERT(++calls <= len + 2);
		enum csv_status st = csv_read(&r, &rec);
		if (st == CSV_END)
			break;
		if (st == CSV_ERROR) {
			(*errors)++;
			FUZZ_ASSERT(r.error != NULL);
			FUZZ_ASSERT(r.error_line >= 1 && r.error_line <= lines);
			FUZZ_ASSERT(r.error_line >= last);
			last = r.error_line;
			if (r.fatal) {
				FUZZ_ASSERT(csv_read(&r, &rec) == CSV_END);
				FUZZ_ASSERT(csv_read(&r, &rec) == CSV_END);
				break;
			}
			continue;
		}
		FUZZ_ASSERT(st == CSV_RECORD);
		FUZZ_ASSERT(rec.nfields >= 1 && rec.nfields <= max_fields);
		FUZZ_ASSERT(rec.line >= 1 && rec.line <= lines && rec.line >= last);
		last = rec.line;
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n].nfields = rec.nfields;
		v[n].fields = malloc(rec.nfields * sizeof(char *));
		for (size_t i = 0; i < rec.nfields; i++) {
			FUZZ_ASSERT(strlen(rec.fields[i]) == rec.lens[i]);
			FUZZ_ASSERT(rec.lens[i] <= max_len);
			FUZZ_ASSERT(utf8_valid(rec.fields[i], rec.lens[i]));
			v[n].fields[i] = strdup(rec.fields[i]);
		}
		n++;
	}
	csv_reader_free(&r);
	*out = v;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max_fields = data[0] >= 0x80 ? CSV_MAX_FIELDS : (size_t)(data[0] & 15) + 1;
	size_t max_len = data[1] >= 0x80 ? CSV_MAX_FIELD : (size_t)(data[1] & 31);
	const char *text = (const char *)data + 2;
	size_t len = size - 2;
	struct rec_copy *recs, *again;
	size_t errors, errors2;

	/* a heap copy of exactly len bytes, so that reading past the end is caught */
	char *copy = malloc(len ? len : 1);
	memcpy(copy, text, len);
	size_t n = read_all(copy, len, max_fields, max_len, &recs, &errors);
	free(copy);

	if (errors == 0) {
		size_t cap = 1;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < recs[i].nfields; j++)
				cap += 2 * strlen(recs[i].fields[j]) + 3;
		char *out = malloc(cap), *w = out;
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < recs[i].nfields; j++) {
				*w++ = j > 0 ? ',' : '"';
				if (j > 0)
					*w++ = '"';
				for (const char *p = recs[i].fields[j]; *p; p++) {
					if (*p == '"')
						*w++ = '"';
					*w++ = *p;
				}
				*w++ = '"';
			}
			*w++ = '\n';
		}
		size_t m = read_all(out, (size_t)(w - out), max_fields, max_len, &again, &errors2);
		FUZZ_ASSERT(errors2 == 0 && m == n);
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(again[i].nfields == recs[i].nfields);
			for (size_t j = 0; j < recs[i].nfields; j++)
				FUZZ_ASSERT(strcmp(again[i].fields[j], recs[i].fields[j]) == 0);
		}
		free_recs(again, m);
		free(out);
	}
	free_recs(recs, n);
	return 0;
}
