/* import.h: what import-genres and import-bands share: CSV files, error lists, field checks. */
#ifndef MG_IMPORT_H
#define MG_IMPORT_H

#include "util/csv.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define IMPORT_MAX_REPORTED 20                  /* errors printed; the rest are counted */
#define IMPORT_FILE_MAX     (64u * 1024 * 1024) /* largest CSV file read */
#define IMPORT_TEXT_MAX     200                 /* code points in a name or an alias */
#define IMPORT_LIST_MAX     100                 /* slugs in one '|'-joined list */

struct import_error {
	int file; /* the order files were named on the command line */
	const char *path;
	unsigned long line;
	const char *msg;
	size_t seq;
};

/* Every problem found in the input files, reported as "PATH:LINE: message". */
struct import_errors {
	struct arena *a;
	struct import_error *v;
	size_t n, cap;
};

/* ierr_init / ierr_free: an empty list whose messages live in a. */
void ierr_init(struct import_errors *e, struct arena *a);
void ierr_free(struct import_errors *e);
/* ierr_add: record a problem; fmt is our own text, values go through import_quote. */
void ierr_add(struct import_errors *e, int file, const char *path, unsigned long line,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* ierr_print: print the first IMPORT_MAX_REPORTED problems on stderr sorted by file and line,
 * then how many more there are; return the total. */
size_t ierr_print(struct import_errors *e);

/* import_quote: s in double quotes for a message, control characters, quotes and backslashes
 * escaped, cut after 60 characters with "…". Allocated in a. */
const char *import_quote(struct arena *a, const char *s);

/* One CSV input file being read. */
struct csv_file {
	const char *path;
	int order;
	size_t ncols;
	char *data;
	size_t len;
	struct csv_reader r;
	bool open;
};

/* csv_file_open: read path and check that its first record is exactly the ncols names in
 * header. Problems go to e; returns false when the file cannot be read or its header is
 * wrong (then there is nothing more to read). Close with csv_file_close either way. */
bool csv_file_open(struct csv_file *f, const char *path, int order, const char *const *header,
                   size_t ncols, struct import_errors *e);
/* csv_file_next: the next record that has ncols fields; syntax errors and records with another
 * field count are reported to e and skipped. Returns false at the end. */
bool csv_file_next(struct csv_file *f, struct csv_record *rec, struct import_errors *e);
void csv_file_close(struct csv_file *f);

/* import_text: check a name or alias field (what says which): surrounding blanks are removed;
 * it must then be 1..IMPORT_TEXT_MAX characters without control characters. Returns the
 * trimmed copy (in e's arena), or NULL after reporting the problem. */
const char *import_text(struct import_errors *e, const struct csv_file *f, unsigned long line,
                        const char *what, const char *s);

/* import_slug: check a slug field; reports and returns false when it is not a valid slug. */
bool import_slug(struct import_errors *e, const struct csv_file *f, unsigned long line,
                 const char *what, const char *s);

/* import_slug_list: split a '|'-joined list of slugs (what names the column) into *out
 * (arena array of arena strings) and return how many. Empty elements, invalid slugs and
 * repeats are reported and left out; *ok is cleared when anything was wrong. "" gives 0. */
size_t import_slug_list(struct import_errors *e, const struct csv_file *f, unsigned long line,
                        const char *what, const char *s, const char ***out, bool *ok);

#endif
