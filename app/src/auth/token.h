/* token.h: random tokens for cookies (sessions, CSRF, flash keys) and their SHA-256. */
#ifndef MG_TOKEN_H
#define MG_TOKEN_H

#include "core/mg.h"

#include <stdbool.h>

#define TOKEN_BYTES 32
#define TOKEN_CHARS 43 /* base64url of 32 bytes, without padding */

/* token_new: TOKEN_BYTES from the CSPRNG as base64url into out (TOKEN_CHARS + NUL).
 * MG_ERR_INTERNAL only if the CSPRNG fails (the caller answers 500 and logs). */
enum mg_err token_new(char out[TOKEN_CHARS + 1]);
/* token_valid: is s exactly TOKEN_CHARS base64url characters? (checked before any lookup) */
bool token_valid(const char *s);
/* token_hash: SHA-256 of the token's characters. */
void token_hash(const char *token, unsigned char out[32]);
/* token_equal: constant-time comparison of two NUL-terminated strings of equal length. */
bool token_equal(const char *a, const char *b);

#endif
