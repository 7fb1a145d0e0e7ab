/* test_arena.c: arena allocation, alignment, large blocks, cleanups and reset. */
#include "check.h"
#include "core/arena.h"

#include <stdint.h>

static int cleaned;

static void count_cleanup(void *p)
{
	cleaned += *(int *)p;
}

int main(void)
{
	struct arena *a = arena_new();
	for (int i = 0; i < 1000; i++) {
		char *p = arena_alloc(a, (size_t)i + 1);
		CHECK(((uintptr_t)p & 15) == 0);
		memset(p, 'x', (size_t)i + 1);
	}
	char *big = arena_alloc(a, 1 << 20);
	memset(big, 0, 1 << 20);
	CHECK(arena_bytes(a) >= (1 << 20));
	int one = 1, two = 2;
	arena_defer(a, count_cleanup, &one);
	arena_defer(a, count_cleanup, &two);
	CHECK_STR(arena_sprintf(a, "%s-%d", "v", 7), "v-7");
	CHECK_STR(arena_strndup(a, "abcdef", 3), "abc");
	int *z = arena_calloc(a, 4, sizeof(int));
	CHECK(z[0] == 0 && z[3] == 0);
	arena_reset(a);
	CHECK(cleaned == 3);
	CHECK(arena_bytes(a) == 16384);
	arena_reset(a);
	CHECK(cleaned == 3);
	arena_free(a);
	return check_done("test_arena");
}
