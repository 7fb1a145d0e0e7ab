/* password.h: password hashes for user accounts: ours and Django's (PBKDF2), Werkzeug's (PBKDF2
 * and scrypt). */
#ifndef MG_PASSWORD_H
#define MG_PASSWORD_H

#include "core/mg.h"

#include <stddef.h>

/* The longest password we hash, in bytes; longer ones are refused, never truncated. */
#define PASSWORD_MAX_BYTES 1024

/* PBKDF2 iteration counts: the bounds a stored hash may use, and the default to configure
 * (OWASP Password Storage Cheat Sheet, PBKDF2-HMAC-SHA256). */
#define PASSWORD_ITERATIONS_MIN     1000L
#define PASSWORD_ITERATIONS_MAX     10000000L
#define PASSWORD_ITERATIONS_DEFAULT 600000L

/* The Werkzeug scrypt parameters we check (docs/passwords.md): N a power of two in
 * [2, PASSWORD_SCRYPT_N_MAX], r and p from 1 to their maximum, N * r * p at most
 * PASSWORD_SCRYPT_WORK_MAX. Werkzeug's default, scrypt:32768:8:1, needs 32 MiB (128 * N * r
 * bytes) and 2^18 of work; the ceiling is 256 MiB and 8 times that work (about a second). A
 * stored hash outside these bounds is never computed: PASSWORD_UNSUPPORTED, like a method we
 * lack. */
#define PASSWORD_SCRYPT_N_MAX    (1L << 17)
#define PASSWORD_SCRYPT_R_MAX    16L
#define PASSWORD_SCRYPT_P_MAX    4L
#define PASSWORD_SCRYPT_WORK_MAX (1L << 21)

/* The size of the buffer password_hash writes into, NUL included (a hash is at most 93 bytes:
 * "pbkdf2_sha256$" 8 digits "$" 24 "$" 44). */
#define PASSWORD_HASH_MAX 128

/* The stored value of an account that has no usable password (an imported account whose old
 * hash could not be kept): password_verify answers PASSWORD_UNSUPPORTED, so the login page
 * asks for a reset. No hash ever equals it. */
#define PASSWORD_UNUSABLE "!"

enum password_verdict {
	PASSWORD_MISMATCH,    /* wrong password, or a stored string we cannot parse */
	PASSWORD_OK,          /* right password, stored hash is current */
	PASSWORD_OK_REHASH,   /* right password; store password_hash() of it now */
	PASSWORD_UNSUPPORTED, /* a recognised hash we cannot check (pbkdf2 with a digest we do not
	                       * have, Werkzeug scrypt beyond the PASSWORD_SCRYPT_* bounds,
	                       * PASSWORD_UNUSABLE): the user must reset the password */
};

/* What a stored string is, for tools that take hashes from elsewhere (import-flask). */
enum password_kind {
	PASSWORD_KIND_INVALID,   /* not a hash we recognise, or malformed: never matches */
	PASSWORD_KIND_CHECKABLE, /* password_verify can check it */
	PASSWORD_KIND_RESET,     /* recognised, cannot be checked: PASSWORD_UNSUPPORTED at login */
};

/* password_hash: hash the len bytes at password (any bytes, NUL included) with a fresh 16-byte
 * salt from RAND_bytes and write "pbkdf2_sha256$<iterations>$<salt>$<hash>" (NUL-terminated)
 * into out, which must hold outlen >= PASSWORD_HASH_MAX bytes. The salt field is the standard
 * base64 of the random bytes and, as in Django, PBKDF2 uses that field's ASCII text as its
 * salt; the hash field is the standard base64 (with padding) of the 32-byte derived key.
 * Returns MG_ERR_TOO_LARGE when len > PASSWORD_MAX_BYTES, MG_ERR_INVALID when iterations is
 * outside [PASSWORD_ITERATIONS_MIN, PASSWORD_ITERATIONS_MAX] or password is NULL with len > 0,
 * MG_ERR_INTERNAL when out is too small or OpenSSL fails; out is "" after any failure. */
enum mg_err password_hash(const char *password, size_t len, long iterations, char *out,
                          size_t outlen);

/* password_verify: check the len bytes at password against stored, a NUL-terminated string
 * read from the database (any bytes: it is parsed defensively). Accepts
 *   pbkdf2_sha256$<n>$<salt>$<base64 key>   ours, also Django's layout;
 *   pbkdf2:<digest>:<n>$<salt>$<hex key>     Werkzeug's (salt used as its ASCII text), with
 *                                            digest sha256, sha1, sha224, sha384 or sha512
 *                                            and a key of that digest's size;
 *   pbkdf2:<digest>$<salt>$<hex key>         Werkzeug's without a count: n = 260000;
 *   scrypt:<N>:<r>:<p>$<salt>$<hex key>      Werkzeug 2.3+'s default: scrypt (RFC 7914) of
 *                                            the password and the salt's ASCII text, a
 *                                            64-byte key; "scrypt$…" is N=32768, r=8, p=1.
 * Returns PASSWORD_OK, or PASSWORD_OK_REHASH when the password matches but the hash is
 * Werkzeug's or has fewer than configured_iterations iterations; PASSWORD_UNSUPPORTED for
 * pbkdf2:<other digest> hashes, scrypt hashes outside the PASSWORD_SCRYPT_* bounds and
 * PASSWORD_UNUSABLE (after burning the time of a real verify);
 * PASSWORD_MISMATCH for a wrong password, a password over PASSWORD_MAX_BYTES, a NULL or
 * malformed stored string, or an iteration count outside the PASSWORD_ITERATIONS_* bounds.
 * The key comparison is constant-time. A scrypt check allocates 128 * r * (N + p + 2) bytes
 * (32 MiB for Werkzeug's default) for its duration. */
enum password_verdict password_verify(const char *password, size_t len, const char *stored,
                                      long configured_iterations);

/* password_dummy_verify: spend the time password_verify spends on a stored hash with the given
 * iterations, and decide nothing; call it for an unknown user so that the response takes as
 * long as for a known one. */
void password_dummy_verify(const char *password, size_t len, long iterations);

/* password_hash_iterations: the PBKDF2 iteration count of a stored hash that password_verify
 * would check, or 0 when stored is NULL, malformed, unsupported or scrypt. */
long password_hash_iterations(const char *stored);

/* password_hash_kind: whether password_verify can check stored (any string, NULL included),
 * cannot but recognises it (the user must reset the password), or finds it malformed. */
enum password_kind password_hash_kind(const char *stored);

/* password_pbkdf2_sha256: the raw PBKDF2-HMAC-SHA256 (RFC 8018) of the len bytes at password
 * (at most PASSWORD_MAX_BYTES) and the salt_len bytes at salt (at most 512), with iterations in
 * 1..PASSWORD_ITERATIONS_MAX, writing outlen bytes (1..1024) to out; exported for the published
 * test vectors. Returns MG_ERR_INVALID on out-of-range arguments, MG_ERR_INTERNAL when OpenSSL
 * fails. */
enum mg_err password_pbkdf2_sha256(const void *password, size_t len, const void *salt,
                                   size_t salt_len, long iterations, unsigned char *out,
                                   size_t outlen);

/* password_scrypt: the raw scrypt (RFC 7914) of the len bytes at password (at most
 * PASSWORD_MAX_BYTES) and the salt_len bytes at salt (at most 512), writing outlen bytes
 * (1..1024) to out; exported for the published test vectors. Returns MG_ERR_INVALID when n, r
 * or p is outside the PASSWORD_SCRYPT_* bounds (nothing is allocated then) or another argument
 * is out of range, MG_ERR_INTERNAL when OpenSSL fails (out of memory, say). */
enum mg_err password_scrypt(const void *password, size_t len, const void *salt, size_t salt_len,
                            long n, long r, long p, unsigned char *out, size_t outlen);

#endif
