/* token.c: CSPRNG tokens in base64url, hashed with SHA-256 for storage. */
#include "auth/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum mg_err token_new(char out[TOKEN_CHARS + 1])
{
	unsigned char raw[TOKEN_BYTES + 1] = {0};
	if (RAND_bytes(raw, TOKEN_BYTES) != 1)
		return MG_ERR_INTERNAL;
	/* 32 bytes = 10 groups of 3 bytes (40 chars) + 2 bytes (3 chars) */
	size_t o = 0;
	for (size_t i = 0; i < TOKEN_BYTES; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 |
		             (i + 2 < TOKEN_BYTES ? raw[i + 2] : 0);
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		if (i + 2 < TOKEN_BYTES)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return o == TOKEN_CHARS ? MG_OK : MG_ERR_INTERNAL;
}

bool token_valid(const char *s)
{
	if (s == NULL || strlen(s) != TOKEN_CHARS)
		return false;
	for (const char *p = s; *p; p++)
		if (strchr(b64url, *p) == NULL)
			return false;
	return true;
}

void token_hash(const char *token, unsigned char out[32])
{
	unsigned int n = 32;
	EVP_Digest(token, strlen(token), out, &n, EVP_sha256(), NULL);
}

bool token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return false;
	return CRYPTO_memcmp(a, b, n) == 0;
}
