/* fuzz_import.c: the CSV side of musicgraph-admin import-genres / import-bands (app/cli/import.c
 * over util/csv.c): csv_file_open (reading the file, the header check), csv_file_next, and the
 * field checks import_slug, import_text, import_slug_list and import_quote, called per record as
 * the importers call them. What follows in the importers (parents, cycles, the database) needs
 * PostgreSQL and is covered by the integration tests. Byte 0 picks the file: genres.csv,
 * bands.csv or aliases.csv; the rest is its content, read from a memfd.
 * Properties: the header is accepted exactly when the first record is the expected one; every
 * record handed out has the expected field count; import_slug is slug_valid; a name that passes
 * import_text is non-empty, trimmed, free of control characters, at most IMPORT_TEXT_MAX
 * characters and part of the field; a slug list holds only valid, distinct slugs, all of them
 * when nothing was reported; a refused field always adds an error; and every error message is
 * valid UTF-8 without control characters, however hostile the file (they go to a terminal),
 * and ierr_print lists them sorted by file, line and order of discovery. */
#define _GNU_SOURCE
#include "core/arena.h"
#include "fuzz.h"
#include "import.h"
#include "util/slug.h"
#include "util/utf8.h"

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int memfd = -1;
static char path[64];

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void check_text(const char *field, const char *got)
{
	if (got == NULL)
		return;
	size_t n = strlen(got);
	FUZZ_ASSERT(n > 0 && !blank(got[0]) && !blank(got[n - 1]));
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)got[i] >= 0x20 && got[i] != 0x7F);
	FUZZ_ASSERT(utf8_count(got, n) <= IMPORT_TEXT_MAX);
	FUZZ_ASSERT(strstr(field, got) != NULL);
}

static void check_list(const char *field, const char **v, size_t n, bool ok)
{
	FUZZ_ASSERT(n <= IMPORT_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(slug_valid(v[i]));
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(v[i], v[j]) != 0);
	}
	if (ok) {
		size_t want = field[0] != '\0';
		for (const char *p = field; *p; p++)
			want += *p == '|';
		FUZZ_ASSERT(n == want);
	}
}

static void check_messages(const struct import_errors *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const char *m = e->v[i].msg;
		size_t n = strlen(m);
		FUZZ_ASSERT(n > 0 && n < 1024 && utf8_valid(m, n));
		for (size_t k = 0; k < n; k++)
			FUZZ_ASSERT((unsigned char)m[k] >= 0x20 && m[k] != 0x7F);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const genres[] = {"slug", "name", "parent_slugs"};
	static const char *const bands[] = {"slug", "name", "genre_slugs"};
	static const char *const aliases[] = {"slug", "alias"};
	if (size == 0)
		return 0;
	if (memfd < 0) {
		memfd = memfd_create("fuzz_import.csv", MFD_CLOEXEC);
		FUZZ_ASSERT(memfd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	FUZZ_ASSERT(ftruncate(memfd, 0) == 0);
	FUZZ_ASSERT(pwrite(memfd, data + 1, size - 1, 0) == (ssize_t)(size - 1));

	int kind = data[0] % 3;
	const char *const *header = kind == 0 ? genres : kind == 1 ? bands : aliases;
	size_t ncols = kind == 2 ? 2 : 3;
	struct arena *a = arena_new();
	struct import_errors e;
	struct csv_file f;
	struct csv_record rec;
	ierr_init(&e, a);

	bool opened = csv_file_open(&f, path, kind, header, ncols, &e);
	FUZZ_ASSERT(opened == (e.n == 0));
	while (opened && csv_file_next(&f, &rec, &e)) {
		FUZZ_ASSERT(rec.nfields == ncols);
		size_t before = e.n;
		bool ok = import_slug(&e, &f, rec.line, "slug", rec.fields[0]);
		FUZZ_ASSERT(ok == slug_valid(rec.fields[0]));
		FUZZ_ASSERT(ok == (e.n == before));
		before = e.n;
		const char *text = import_text(&e, &f, rec.line, header[1], rec.fields[1]);
		check_text(rec.fields[1], text);
		FUZZ_ASSERT((text != NULL) == (e.n == before));
		if (ncols == 3) {
			const char **v;
			bool list_ok = true;
			before = e.n;
			size_t n = import_slug_list(&e, &f, rec.line, header[2], rec.fields[2], &v,
			                            &list_ok);
			check_list(rec.fields[2], v, n, list_ok);
			FUZZ_ASSERT(list_ok == (e.n == before));
		}
		const char *q = import_quote(a, rec.fields[1]);
		FUZZ_ASSERT(q[0] == '"' && q[strlen(q) - 1] == '"' && strlen(q) >= 2);
	}
	check_messages(&e);

	/* ierr_print sorts the list by file, line and order of discovery, and prints it to stderr
	 * (sent to /dev/null meanwhile) */
	static int devnull = -1;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int saved = dup(2);
	fflush(stderr);
	dup2(devnull, 2);
	size_t total = ierr_print(&e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FUZZ_ASSERT(total == e.n);
	for (size_t i = 1; i < e.n; i++) {
		const struct import_error *x = &e.v[i - 1], *y = &e.v[i];
		FUZZ_ASSERT(x->file < y->file ||
		            (x->file == y->file &&
		             (x->line < y->line || (x->line == y->line && x->seq < y->seq))));
	}
	csv_file_close(&f);
	ierr_free(&e);
	arena_free(a);
	return 0;
}
