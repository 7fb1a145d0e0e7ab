/* test_token.c: random tokens are well-formed, distinct, validated and hashed. */
#include "auth/token.h"
#include "check.h"

int main(void)
{
	char a[TOKEN_CHARS + 1], b[TOKEN_CHARS + 1];
	CHECK(token_new(a) == MG_OK);
	CHECK(token_new(b) == MG_OK);
	CHECK(strlen(a) == TOKEN_CHARS);
	CHECK(strcmp(a, b) != 0);
	CHECK(token_valid(a));
	CHECK(!token_valid(""));
	CHECK(!token_valid(NULL));
	CHECK(!token_valid("short"));
	char bad[TOKEN_CHARS + 1];
	memcpy(bad, a, sizeof(bad));
	bad[5] = '=';
	CHECK(!token_valid(bad));
	bad[5] = '/';
	CHECK(!token_valid(bad));
	unsigned char h[32];
	token_hash("abc", h);
	/* SHA-256("abc") from FIPS 180-2 */
	CHECK(h[0] == 0xba && h[1] == 0x78 && h[30] == 0x15 && h[31] == 0xad);
	CHECK(token_equal(a, a));
	CHECK(!token_equal(a, b));
	CHECK(!token_equal("abc", "abcd"));
	return check_done("test_token");
}
