/* test_csv.c: the RFC 4180 reader: quoting, line endings, line numbers and every error. */
#include "check.h"
#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

/* read_all: parse text; return the records joined as "f1|f2;f1;" plus "@line" per record, or
 * "ERR:line:message" at the first error (stop_at_error) — a compact, comparable form. */
static char out[4096];

static const char *read_all(const char *text, size_t len, bool stop_at_error)
{
	struct csv_reader r;
	struct csv_record rec;
	csv_reader_init(&r, text, len);
	out[0] = '\0';
	size_t n = 0;
	for (;;) {
		enum csv_status st = csv_read(&r, &rec);
		if (st == CSV_END)
			break;
		if (st == CSV_ERROR) {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "ERR:%lu:%s;", r.error_line,
			                      r.error);
			if (stop_at_error || r.fatal)
				break;
			continue;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "@%lu:", rec.line);
		for (size_t i = 0; i < rec.nfields; i++) {
			CHECK(strlen(rec.fields[i]) == rec.lens[i]);
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? "|" : "",
			                      rec.fields[i]);
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, ";");
	}
	csv_reader_free(&r);
	return out;
}

#define READ(lit) read_all(lit, sizeof(lit) - 1, false)

static void test_basic(void)
{
	CHECK_STR(READ(""), "");
	CHECK_STR(READ("a,b,c\n"), "@1:a|b|c;");
	CHECK_STR(READ("a,b,c"), "@1:a|b|c;"); /* no final line break */
	CHECK_STR(READ("a,b\nc,d\n"), "@1:a|b;@2:c|d;");
	CHECK_STR(READ("a,b\r\nc,d\r\n"), "@1:a|b;@2:c|d;");
	CHECK_STR(READ(",,\n"), "@1:||;"); /* empty fields */
	CHECK_STR(READ("a,\n"), "@1:a|;");
	CHECK_STR(READ("a,"), "@1:a|;");
	CHECK_STR(READ("a\n\n\nb\n"), "@1:a;@4:b;"); /* empty lines are skipped, lines counted */
	CHECK_STR(READ("\r\n\r\na\r\n"), "@3:a;");
	CHECK_STR(READ("\"\"\n"), "@1:;");                           /* one empty field */
	CHECK_STR(READ(" a , b \n"), "@1: a | b ;");                 /* spaces are data */
	CHECK_STR(READ("\xEF\xBB\xBFslug,name\n"), "@1:slug|name;"); /* BOM skipped */
}

static void test_quotes(void)
{
	CHECK_STR(READ("\"a\",\"b\"\n"), "@1:a|b;");
	CHECK_STR(READ("\"Earth, Wind & Fire\",x\n"), "@1:Earth, Wind & Fire|x;");
	CHECK_STR(READ("\"\"\"Weird Al\"\" Yankovic\",x\n"), "@1:\"Weird Al\" Yankovic|x;");
	CHECK_STR(READ("\"two\nlines\",x\nnext,y\n"), "@1:two\nlines|x;@3:next|y;");
	CHECK_STR(READ("\"crlf\r\ninside\",x\r\nn,y\r\n"), "@1:crlf\r\ninside|x;@3:n|y;");
	CHECK_STR(READ("a,\"\"\n"), "@1:a|;");
	CHECK_STR(READ("\"a\"\"\"\n"), "@1:a\";");
	CHECK_STR(READ("\"\"\"\"\n"), "@1:\";");
	CHECK_STR(READ("\"a\""), "@1:a;");
	CHECK_STR(READ("x,\"\n\n\n\"\ny\n"), "@1:x|\n\n\n;@5:y;");
}

static void test_errors(void)
{
	CHECK_STR(READ("a,b\n\"open,c\nd\n"), "@1:a|b;ERR:2:unterminated quoted field;");
	CHECK_STR(READ("a,b\nc,d\"e\n"),
	          "@1:a|b;ERR:2:quote inside an unquoted field (quote the whole field and write "
	          "the quote as \"\");");
	CHECK_STR(READ("\"a\"b,c\n"), "ERR:1:unexpected character after a closing quote (write a "
	                              "quote inside a quoted field as \"\");");
	CHECK_STR(READ("\"a\" ,c\n"), "ERR:1:unexpected character after a closing quote (write a "
	                              "quote inside a quoted field as \"\");");
	CHECK_STR(READ("a\rb\n"), "ERR:1:carriage return not followed by a line feed;");
	CHECK_STR(READ("a\r"), "ERR:1:carriage return not followed by a line feed;");
	CHECK_STR(read_all("a\n b\0c\n", 7, false), "@1:a;ERR:2:NUL byte;");
	CHECK_STR(read_all("\"x\n\0\"\n", 6, false), "ERR:2:NUL byte;");
	/* invalid UTF-8 skips the record only, with the line of the bad byte */
	CHECK_STR(READ("a\n\xFF,b\nc\n"), "@1:a;ERR:2:invalid UTF-8;@3:c;");
	CHECK_STR(READ("\"x\ny\xC3\",b\nc\n"), "ERR:2:invalid UTF-8;@3:c;");
	CHECK_STR(READ("ok,\xED\xA0\x80\n"), "ERR:1:invalid UTF-8;");  /* surrogate */
	CHECK_STR(READ("ok,\xC0\xAF\n"), "ERR:1:invalid UTF-8;");      /* overlong '/' */
	CHECK_STR(READ("\"\xC3\"\"\xA9\"\n"), "ERR:1:invalid UTF-8;"); /* split by a quote */
	CHECK_STR(READ("caf\xC3\xA9,ok\n"), "@1:caf\xC3\xA9|ok;");
	/* after a fatal error the reader stays at the end */
	struct csv_reader r;
	struct csv_record rec;
	csv_reader_init(&r, "\"x", 2);
	CHECK(csv_read(&r, &rec) == CSV_ERROR && r.fatal);
	CHECK(csv_read(&r, &rec) == CSV_END);
	CHECK(csv_read(&r, &rec) == CSV_END);
	csv_reader_free(&r);
}

static void test_limits(void)
{
	struct csv_reader r;
	struct csv_record rec;
	const char *text = "a,b,c,d\nx,y\nlongfield,z\nok,ok\n";
	csv_reader_init(&r, text, strlen(text));
	r.max_fields = 3;
	r.max_field_len = 5;
	CHECK(csv_read(&r, &rec) == CSV_ERROR && r.error_line == 1 && !r.fatal);
	CHECK_STR(r.error, "too many fields");
	CHECK(csv_read(&r, &rec) == CSV_RECORD && rec.nfields == 2 && rec.line == 2);
	CHECK(csv_read(&r, &rec) == CSV_ERROR && r.error_line == 3);
	CHECK_STR(r.error, "field too long");
	CHECK(csv_read(&r, &rec) == CSV_RECORD && rec.line == 4);
	CHECK_STR(rec.fields[1], "ok");
	CHECK(csv_read(&r, &rec) == CSV_END);
	csv_reader_free(&r);

	/* many fields and a big record grow the buffers */
	size_t n = 3000;
	char *big = malloc(n * 2 + 1);
	for (size_t i = 0; i < n; i++) {
		big[2 * i] = 'v';
		big[2 * i + 1] = i + 1 < n ? ',' : '\n';
	}
	big[2 * n] = '\0';
	csv_reader_init(&r, big, 2 * n);
	r.max_fields = n;
	CHECK(csv_read(&r, &rec) == CSV_RECORD && rec.nfields == n);
	CHECK(rec.nfields == n && strcmp(rec.fields[n - 1], "v") == 0);
	csv_reader_free(&r);
	free(big);
}

/* pseudo-random bytes from a small alphabet: never crashes, always terminates, and every
 * record's fields are valid C strings of the stated length */
static void test_noise(void)
{
	static const char alphabet[] = {'a', ',', '"', '\n', '\r', '\0', '\xC3', '\xA9', '\xFF'};
	unsigned long seed = 12345;
	char buf[64];
	int records = 0, errors = 0;
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % 48);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			buf[i] = alphabet[(seed >> 33) % sizeof(alphabet)];
		}
		struct csv_reader r;
		struct csv_record rec;
		csv_reader_init(&r, buf, len);
		for (int guard = 0; guard <= 64; guard++) {
			enum csv_status st = csv_read(&r, &rec);
			if (st == CSV_END)
				break;
			if (st == CSV_ERROR) {
				errors++;
				continue;
			}
			records++;
			for (size_t i = 0; i < rec.nfields; i++)
				if (strlen(rec.fields[i]) != rec.lens[i])
					CHECK(!"field length mismatch");
			CHECK(guard < 64);
		}
		csv_reader_free(&r);
	}
	CHECK(records > 0 && errors > 0);
}

int main(void)
{
	test_basic();
	test_quotes();
	test_errors();
	test_limits();
	test_noise();
	return check_done("test_csv");
}
