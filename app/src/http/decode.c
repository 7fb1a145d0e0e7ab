/* decode.c: percent-decoding, urlencoded forms and Cookie headers. */
#include "http/decode.h"
#include "core/arena.h"
#include "util/utf8.h"

#include <string.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum mg_err pct_decode(struct arena *a, const char *s, size_t len, bool plus_is_space, char **out,
                       size_t *out_len)
{
	char *d = arena_alloc(a, len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3)
				return MG_ERR_INVALID;
			int hi = hexval((unsigned char)s[i + 1]),
			    lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return MG_ERR_INVALID;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		d[n++] = (char)c;
	}
	d[n] = '\0';
	if (!utf8_text_valid(d, n)) /* also refuses NUL, which C strings cannot carry */
		return MG_ERR_INVALID;
	*out = d;
	*out_len = n;
	return MG_OK;
}

static void params_push(struct arena *a, struct params *p, size_t *cap, struct param item)
{
	if (p->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct param *items = arena_alloc(a, ncap * sizeof(*items));
		if (p->count)
			memcpy(items, p->items, p->count * sizeof(*items));
		p->items = items;
		*cap = ncap;
	}
	p->items[p->count++] = item;
}

enum mg_err form_parse(struct arena *a, const char *s, size_t len, size_t max_fields,
                       struct params *out)
{
	size_t cap = 0;
	out->items = NULL;
	out->count = 0;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && s[end] != '&')
			end++;
		if (end > i) {
			if (out->count >= max_fields)
				return MG_ERR_TOO_LARGE;
			const char *eq = memchr(s + i, '=', end - i);
			size_t nlen = eq ? (size_t)(eq - (s + i)) : end - i;
			struct param p;
			char *name, *value;
			size_t name_len;
			enum mg_err rc = pct_decode(a, s + i, nlen, true, &name, &name_len);
			if (rc != MG_OK)
				return rc;
			if (eq) {
				rc = pct_decode(a, eq + 1, (size_t)(s + end - (eq + 1)), true,
				                &value, &p.value_len);
				if (rc != MG_OK)
					return rc;
			} else {
				value = arena_strdup(a, "");
				p.value_len = 0;
			}
			p.name = name;
			p.value = value;
			params_push(a, out, &cap, p);
		}
		i = end + 1;
	}
	return MG_OK;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

void cookie_parse(struct arena *a, const char *header, struct params *out)
{
	size_t cap = 0;
	out->items = NULL;
	out->count = 0;
	if (header == NULL)
		return;
	const char *s = header;
	while (*s) {
		while (is_space(*s) || *s == ';')
			s++;
		const char *start = s;
		while (*s && *s != ';')
			s++;
		const char *end = s;
		const char *eq = memchr(start, '=', (size_t)(end - start));
		if (eq == NULL || eq == start)
			continue;
		const char *nend = eq;
		while (nend > start && is_space(nend[-1]))
			nend--;
		const char *v = eq + 1, *vend = end;
		while (v < vend && is_space(*v))
			v++;
		while (vend > v && is_space(vend[-1]))
			vend--;
		if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
			v++;
			vend--;
		}
		if (nend == start || !utf8_text_valid(start, (size_t)(nend - start)) ||
		    !utf8_text_valid(v, (size_t)(vend - v)))
			continue;
		struct param p = {
		    .name = arena_strndup(a, start, (size_t)(nend - start)),
		    .value = arena_strndup(a, v, (size_t)(vend - v)),
		    .value_len = (size_t)(vend - v),
		};
		params_push(a, out, &cap, p);
	}
}

const char *params_get(const struct params *p, const char *name)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return p->items[i].value;
	return NULL;
}

const char **params_get_all(struct arena *a, const struct params *p, const char *name, size_t *n)
{
	size_t count = 0;
	for (size_t i = 0; i < p->count; i++)
		count += strcmp(p->items[i].name, name) == 0;
	const char **v = arena_alloc(a, (count + 1) * sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->items[i].name, name) == 0)
			v[k++] = p->items[i].value;
	v[k] = NULL;
	*n = count;
	return v;
}
