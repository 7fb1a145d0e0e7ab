/* fuzz_password.c: the stored-hash parser of util/password.c (ours "pbkdf2_sha256$n$salt$b64",
 * Werkzeug's "pbkdf2:<digest>[:n]$salt$hex" and "scrypt...", "!"), reached through
 * password_hash_kind, password_hash_iterations and password_verify. The input is the stored
 * string, then after the first newline a password. PBKDF2 runs only for hashes with at most
 * FUZZ_MAX_ITERATIONS iterations and scrypt for N * r * p <= FUZZ_MAX_SCRYPT_WORK, so every
 * input stays fast.
 * Properties: kind and iteration count agree (checkable ⇔ a count within the
 * PASSWORD_ITERATIONS_* bounds, or scrypt); a checkable scrypt hash has parameters within the
 * PASSWORD_SCRYPT_* bounds; a string over 512 bytes is invalid; password_verify of an
 * invalid string is a mismatch, of a reset-only one "unsupported", and of a checkable one a
 * match or mismatch; replacing the key of a checkable hash by the true PBKDF2 of the password
 * (base64 for ours, hex for Werkzeug's with its digest or scrypt) makes it match, to be
 * rehashed exactly when it is Werkzeug's or its count is below the configured one;
 * and with an empty stored string, password_hash of the password parses back as checkable,
 * verifies, and refuses the password with one more byte. */
#include "fuzz.h"
#include "util/password.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#define FUZZ_MAX_ITERATIONS  2000L
#define FUZZ_MAX_SCRYPT_WORK 1024L /* N * r * p of the scrypt hashes computed here */

/* with_true_key: stored (a checkable hash) with its key replaced by the true PBKDF2 of the
 * password: base64 for ours, lower-case hex of the digest's size for Werkzeug's. The caller
 * frees the result. */
static char *with_true_key(const char *stored, const char *pw, size_t pwlen, long n)
{
	bool ours = strncmp(stored, "pbkdf2_sha256$", 14) == 0;
	const char *salt = strchr(ours ? stored + 14 : stored, '$') + 1;
	const char *end = strchr(salt, '$');
	char digest[32] = "sha256";
	if (!ours) {
		const char *name = stored + 7, *stop = name + strcspn(name, ":$");
		FUZZ_ASSERT(strncmp(stored, "pbkdf2:", 7) == 0 && stop - name < 32);
		memcpy(digest, name, (size_t)(stop - name));
		digest[stop - name] = '\0';
	}
	const EVP_MD *md = EVP_get_digestbyname(digest);
	FUZZ_ASSERT(md != NULL);
	unsigned char key[64];
	int klen = EVP_MD_size(md);
	FUZZ_ASSERT(klen > 0 && klen <= 64);
	FUZZ_ASSERT(PKCS5_PBKDF2_HMAC(pwlen ? pw : "", (int)pwlen, (const unsigned char *)salt,
	                              (int)(end - salt), (int)n, md, klen, key) == 1);
	size_t head = (size_t)(end + 1 - stored);
	char *s = malloc(head + 2 * 64 + 1);
	memcpy(s, stored, head);
	if (ours) {
		FUZZ_ASSERT(EVP_EncodeBlock((unsigned char *)s + head, key, klen) == 44);
	} else {
		for (int i = 0; i < klen; i++)
			snprintf(s + head + 2 * i, 3, "%02x", key[i]);
	}
	return s;
}

/* scrypt_params: N, r and p of a checkable Werkzeug scrypt hash ("scrypt$…" is 32768, 8, 1). */
static void scrypt_params(const char *stored, long *n, long *r, long *p)
{
	*n = 32768, *r = 8, *p = 1;
	if (stored[6] == ':')
		FUZZ_ASSERT(sscanf(stored, "scrypt:%ld:%ld:%ld$", n, r, p) == 3);
}

/* with_true_scrypt: stored (a checkable scrypt hash) with its key replaced by the true one. */
static char *with_true_scrypt(const char *stored, const char *pw, size_t pwlen, long n, long r,
                              long p)
{
	const char *salt = strchr(stored, '$') + 1, *end = strchr(salt, '$');
	unsigned char key[64];
	FUZZ_ASSERT(EVP_PBE_scrypt(pwlen ? pw : "", pwlen, (const unsigned char *)salt,
	                           (size_t)(end - salt), (uint64_t)n, (uint64_t)r, (uint64_t)p, 0,
	                           key, sizeof(key)) == 1);
	size_t head = (size_t)(end + 1 - stored);
	char *s = malloc(head + 2 * 64 + 1);
	memcpy(s, stored, head);
	for (int i = 0; i < 64; i++)
		snprintf(s + head + 2 * i, 3, "%02x", key[i]);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t slen = nl ? (size_t)(nl - data) : size;
	char *stored = fuzz_cstr(data, slen);
	const char *pw = nl ? (const char *)nl + 1 : "";
	size_t pwlen = nl ? size - slen - 1 : 0; /* any bytes, NUL included */

	enum password_kind kind = password_hash_kind(stored);
	long n = password_hash_iterations(stored);
	/* a checkable Werkzeug scrypt hash has no PBKDF2 count; it is computed here only when
	 * N * r * p <= FUZZ_MAX_SCRYPT_WORK (a check may take 256 MiB and a second) */
	bool scrypt = kind == PASSWORD_KIND_CHECKABLE && strncmp(stored, "scrypt", 6) == 0;
	FUZZ_ASSERT(kind == PASSWORD_KIND_INVALID || kind == PASSWORD_KIND_CHECKABLE ||
	            kind == PASSWORD_KIND_RESET);
	FUZZ_ASSERT((kind == PASSWORD_KIND_CHECKABLE && !scrypt) == (n != 0));
	FUZZ_ASSERT(n == 0 || (n >= PASSWORD_ITERATIONS_MIN && n <= PASSWORD_ITERATIONS_MAX));
	if (strlen(stored) > 512)
		FUZZ_ASSERT(kind == PASSWORD_KIND_INVALID);
	FUZZ_ASSERT(password_hash_kind(NULL) == PASSWORD_KIND_INVALID);

	if (kind == PASSWORD_KIND_INVALID) {
		FUZZ_ASSERT(password_verify(pw, pwlen, stored, PASSWORD_ITERATIONS_MIN) ==
		            PASSWORD_MISMATCH);
	} else if (kind == PASSWORD_KIND_RESET) {
		/* burns one PBKDF2 at the configured count: keep that at the minimum */
		FUZZ_ASSERT(password_verify(pw, pwlen, stored, PASSWORD_ITERATIONS_MIN) ==
		            PASSWORD_UNSUPPORTED);
	} else if (!scrypt && n <= FUZZ_MAX_ITERATIONS) {
		enum password_verdict v = password_verify(pw, pwlen, stored, 1500);
		FUZZ_ASSERT(v == PASSWORD_MISMATCH || v == PASSWORD_OK || v == PASSWORD_OK_REHASH);
		if (pwlen <= PASSWORD_MAX_BYTES) {
			char *fixed = with_true_key(stored, pw, pwlen, n);
			bool ours = strncmp(stored, "pbkdf2_sha256$", 14) == 0;
			FUZZ_ASSERT(password_hash_kind(fixed) == PASSWORD_KIND_CHECKABLE);
			FUZZ_ASSERT(password_verify(pw, pwlen, fixed, 1500) ==
			            (!ours || n < 1500 ? PASSWORD_OK_REHASH : PASSWORD_OK));
			free(fixed);
		}
	}

	if (scrypt) {
		long sn, sr, sp;
		scrypt_params(stored, &sn, &sr, &sp);
		/* within the bounds password.h promises to compute, and nothing else */
		FUZZ_ASSERT(sn >= 2 && sn <= PASSWORD_SCRYPT_N_MAX && (sn & (sn - 1)) == 0);
		FUZZ_ASSERT(sr >= 1 && sr <= PASSWORD_SCRYPT_R_MAX && sp >= 1 &&
		            sp <= PASSWORD_SCRYPT_P_MAX &&
		            sn * sr * sp <= PASSWORD_SCRYPT_WORK_MAX);
		if (sn * sr * sp <= FUZZ_MAX_SCRYPT_WORK && pwlen <= PASSWORD_MAX_BYTES) {
			enum password_verdict v = password_verify(pw, pwlen, stored, 1500);
			FUZZ_ASSERT(v == PASSWORD_MISMATCH || v == PASSWORD_OK_REHASH);
			char *fixed = with_true_scrypt(stored, pw, pwlen, sn, sr, sp);
			FUZZ_ASSERT(password_hash_kind(fixed) == PASSWORD_KIND_CHECKABLE);
			FUZZ_ASSERT(password_verify(pw, pwlen, fixed, 1500) == PASSWORD_OK_REHASH);
			free(fixed);
		}
	}

	if (slen == 0 && nl != NULL && pwlen < PASSWORD_MAX_BYTES) {
		char hash[PASSWORD_HASH_MAX], *longer = malloc(pwlen + 1);
		FUZZ_ASSERT(password_hash(pw, pwlen, PASSWORD_ITERATIONS_MIN, hash, sizeof(hash)) ==
		            MG_OK);
		FUZZ_ASSERT(password_hash_kind(hash) == PASSWORD_KIND_CHECKABLE);
		FUZZ_ASSERT(password_hash_iterations(hash) == PASSWORD_ITERATIONS_MIN);
		FUZZ_ASSERT(password_verify(pw, pwlen, hash, PASSWORD_ITERATIONS_MIN) ==
		            PASSWORD_OK);
		memcpy(longer, pw, pwlen);
		longer[pwlen] = 'x';
		FUZZ_ASSERT(password_verify(longer, pwlen + 1, hash, PASSWORD_ITERATIONS_MIN) ==
		            PASSWORD_MISMATCH);
		free(longer);
	}
	free(stored);
	return 0;
}
