/* fuzz_slug.c: slug_valid and slug_from_name (util/slug.c): every genre and band address is a
 * slug, derived from a display name a user typed. The input, cut at its first NUL, is tried as
 * a name and as a slug.
 * Properties: slug_valid agrees with a reference of ^[a-z0-9]+(-[a-z0-9]+)*$ within SLUG_MAX
 * bytes; slug_from_name gives "" or a valid slug, never "" when the name has an ASCII letter or
 * digit, leaves a valid slug unchanged, and is idempotent. */
#include "core/arena.h"
#include "fuzz.h"
#include "util/slug.h"

#include <stdbool.h>
#include <string.h>

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool reference_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SLUG_MAX || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (alnum(s[i]))
			continue;
		if (s[i] != '-' || s[i + 1] == '-')
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = fuzz_cstr(data, size);
	struct arena *a = arena_new();

	bool valid = slug_valid(name);
	FUZZ_ASSERT(valid == reference_valid(name));
	FUZZ_ASSERT(!slug_valid(NULL));

	const char *slug = slug_from_name(a, name);
	FUZZ_ASSERT(slug != NULL);
	FUZZ_ASSERT(slug[0] == '\0' || slug_valid(slug));
	FUZZ_ASSERT(strlen(slug) <= SLUG_MAX);
	bool ascii_alnum = false;
	for (const char *p = name; *p; p++)
		ascii_alnum = ascii_alnum || alnum(*p) || (*p >= 'A' && *p <= 'Z');
	if (ascii_alnum)
		FUZZ_ASSERT(slug[0] != '\0');
	if (valid)
		FUZZ_ASSERT(strcmp(slug, name) == 0);
	FUZZ_ASSERT(strcmp(slug_from_name(a, slug), slug) == 0);

	arena_free(a);
	free(name);
	return 0;
}
