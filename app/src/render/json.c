/* json.c: a streaming JSON writer with escaping that is safe inside HTML too. */
#include "render/json.h"
#include "core/buf.h"
#include "util/utf8.h"

#include <stdint.h>

#include <stdlib.h>
#include <string.h>

void json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		buf_putc(j->out, ',');
	j->need_comma[j->depth] = true;
}

static void open(struct json *j, char c)
{
	before_value(j);
	buf_putc(j->out, c);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		abort(); /* our own nesting is shallow; deeper is a bug */
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
	buf_putc(j->out, c);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j)
{
	open(j, '{');
}

void json_obj_end(struct json *j)
{
	close_(j, '}');
}

void json_arr_begin(struct json *j)
{
	open(j, '[');
}

void json_arr_end(struct json *j)
{
	close_(j, ']');
}

static void put_string(struct buf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	buf_putc(b, '"');
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			uint32_t cp;
			size_t len = utf8_decode((const char *)s + i, n - i, &cp);
			if (len == 0) {
				buf_puts(b, "\\ufffd");
				i++;
			} else if (cp == 0x2028 || cp == 0x2029) {
				buf_puts(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
				i += 3;
			} else {
				buf_append(b, s + i, len);
				i += len;
			}
			continue;
		}
		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\'') {
				char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				buf_append(b, e, 6);
			} else {
				buf_putc(b, (char)c);
			}
		}
		i++;
	}
	buf_putc(b, '"');
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	put_string(j->out, key);
	buf_putc(j->out, ':');
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	before_value(j);
	put_string(j->out, s);
}

void json_int(struct json *j, long long n)
{
	before_value(j);
	buf_printf(j->out, "%lld", n);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	buf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
	before_value(j);
	buf_puts(j->out, "null");
}

void json_raw_value(struct json *j, const char *json, size_t len)
{
	before_value(j);
	buf_append(j->out, json, len);
}
