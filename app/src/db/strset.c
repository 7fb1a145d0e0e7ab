/* strset.c: sorted string sets and their JSON form. */
#include "db/strset.h"
#include "core/arena.h"
#include "core/buf.h"
#include "render/json.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

const char **strset_sorted(struct arena *a, const char *const *v, size_t n, size_t *out_n)
{
	const char **s = arena_calloc(a, n + 1, sizeof(*s));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL && v[i][0] != '\0')
			s[k++] = v[i];
	qsort(s, k, sizeof(*s), cmp_str);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || strcmp(s[m - 1], s[i]) != 0)
			s[m++] = s[i];
	s[m] = NULL;
	*out_n = m;
	return s;
}

bool strset_equal(const char *const *x, size_t nx, const char *const *y, size_t ny)
{
	if (nx != ny)
		return false;
	for (size_t i = 0; i < nx; i++)
		if (strcmp(x[i], y[i]) != 0)
			return false;
	return true;
}

void strset_json(struct json *j, const char *const *v, size_t n)
{
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_str(j, v[i]);
	json_arr_end(j);
}

const char *strset_json_text(struct arena *a, const char *const *v, size_t n)
{
	struct buf *b = buf_new_in(a);
	struct json j;
	json_init(&j, b);
	strset_json(&j, v, n);
	return arena_strdup(a, buf_cstr(b));
}
