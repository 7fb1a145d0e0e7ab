/* password.c: creating, parsing and checking password hashes: PBKDF2, and Werkzeug's scrypt
 * (libcrypto). */
#include "util/password.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KEY_LEN        32      /* bytes of derived key we store (SHA-256 output size) */
#define KEY_MAX        64      /* the longest Werkzeug key we check (SHA-512, scrypt) */
#define SCRYPT_KEY_LEN 64      /* hashlib.scrypt's default dklen, which Werkzeug keeps */
#define SALT_BYTES     16      /* random bytes in a new salt */
#define SALT_B64_LEN   24      /* their base64 text, the salt PBKDF2 sees */
#define KEY_B64_LEN    44      /* base64 of KEY_LEN bytes: 43 characters and one '=' */
#define SALT_FIELD_MAX 128     /* the longest salt field accepted in a stored hash */
#define STORED_MAX     512     /* the longest stored string we look at */
#define HEX_MAX        1024    /* the longest hex key accepted in an unsupported hash */
#define WERKZEUG_OLD_N 260000L /* Werkzeug 2.0-2.2's default, for "pbkdf2:sha256$…" */

enum stored_kind {
	STORED_BAD,         /* not a hash we recognise, or malformed */
	STORED_OURS,        /* pbkdf2_sha256$n$salt$b64 */
	STORED_WERKZEUG,    /* pbkdf2:<digest of werkzeug_digests>[:n]$salt$hex */
	STORED_SCRYPT,      /* scrypt[:N:r:p]$salt$hex within the PASSWORD_SCRYPT_* bounds */
	STORED_UNSUPPORTED, /* scrypt beyond the bounds, pbkdf2:<other>[:n]$salt$hex, or "!" */
};

/* The digests of Werkzeug's "pbkdf2:<name>" hashes that we check: hashlib's names, and the
 * key length hashlib.pbkdf2_hmac gives by default (the digest's size). */
static const struct werkzeug_digest {
	const char *name;
	const EVP_MD *(*md)(void);
	size_t key_len;
} werkzeug_digests[] = {
    {"sha256", EVP_sha256, 32}, {"sha1", EVP_sha1, 20},     {"sha224", EVP_sha224, 28},
    {"sha384", EVP_sha384, 48}, {"sha512", EVP_sha512, 64},
};

/* A parsed stored hash; salt points into the stored string. */
struct stored {
	enum stored_kind kind;
	long iterations; /* PBKDF2 */
	long n, r, p;    /* scrypt */
	const EVP_MD *md;
	const char *salt;
	size_t salt_len;
	unsigned char key[KEY_MAX];
	size_t key_len;
};

/* A span of the stored string (not NUL-terminated). */
struct field {
	const char *p;
	size_t n;
};

/* Where dummy verifications compare their key; volatile so the comparison is not dropped. */
static volatile int dummy_sink;

/* split: cut the n bytes at s at every sep into at most max fields; returns the number of
 * fields, or max + 1 when there are more. */
static size_t split(const char *s, size_t n, char sep, struct field *f, size_t max)
{
	size_t nf = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != sep)
			continue;
		if (nf == max)
			return max + 1;
		f[nf].p = s + start;
		f[nf].n = i - start;
		nf++;
		start = i + 1;
	}
	return nf;
}

static bool field_is(struct field f, const char *word)
{
	size_t n = strlen(word);
	return f.n == n && memcmp(f.p, word, n) == 0;
}

/* parse_count: a decimal count without sign, spaces or leading zeros, within [lo, hi]. */
static bool parse_count(struct field f, long lo, long hi, long *out)
{
	long v = 0;
	if (f.n == 0 || f.n > 9 || f.p[0] == '0')
		return false;
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		v = v * 10 + (f.p[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* salt_valid: 1..SALT_FIELD_MAX printable ASCII characters other than space (and '$', which
 * split already removed). */
static bool salt_valid(struct field f)
{
	if (f.n == 0 || f.n > SALT_FIELD_MAX)
		return false;
	for (size_t i = 0; i < f.n; i++)
		if (f.p[i] < 0x21 || f.p[i] > 0x7E)
			return false;
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* Python's .hex() writes lower case only, and Werkzeug compares as text */
}

/* hex_valid: a non-empty, even-length run of at most max lower-case hex digits. */
static bool hex_valid(struct field f, size_t max)
{
	if (f.n == 0 || f.n > max || f.n % 2 != 0)
		return false;
	for (size_t i = 0; i < f.n; i++)
		if (hex_value(f.p[i]) < 0)
			return false;
	return true;
}

/* hex_key: exactly 2 * len lower-case hex digits, decoded into key. */
static bool hex_key(struct field f, unsigned char *key, size_t len)
{
	if (f.n != 2 * len || !hex_valid(f, 2 * len))
		return false;
	for (size_t i = 0; i < len; i++)
		key[i] = (unsigned char)(hex_value(f.p[2 * i]) << 4 | hex_value(f.p[2 * i + 1]));
	return true;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* b64_key: the canonical standard base64 of KEY_LEN bytes, decoded into key. EVP_DecodeBlock
 * skips surrounding whitespace and counts padding as output bytes, so the text is checked
 * here first: 43 alphabet characters, the last carrying no stray bits, then one '='. */
static bool b64_key(struct field f, unsigned char *key)
{
	unsigned char tmp[KEY_B64_LEN / 4 * 3];
	if (f.n != KEY_B64_LEN || f.p[KEY_B64_LEN - 1] != '=')
		return false;
	for (size_t i = 0; i < KEY_B64_LEN - 1; i++)
		if (b64_value(f.p[i]) < 0)
			return false;
	if ((b64_value(f.p[KEY_B64_LEN - 2]) & 3) != 0)
		return false;
	if (EVP_DecodeBlock(tmp, (const unsigned char *)f.p, KEY_B64_LEN) != (int)sizeof(tmp))
		return false;
	memcpy(key, tmp, KEY_LEN); /* tmp[KEY_LEN] is the zero that '=' stands for */
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return true;
}

/* parse_pbkdf2_method: "pbkdf2:<name>[:n]" with a name of werkzeug_digests → STORED_WERKZEUG
 * (*digest set); with another digest name ([a-z0-9_-]{1,16}, as hashlib spells them) →
 * STORED_UNSUPPORTED; anything else → STORED_BAD. */
static enum stored_kind parse_pbkdf2_method(struct field method, long *iterations,
                                            const struct werkzeug_digest **digest)
{
	struct field arg[3];
	size_t na = split(method.p, method.n, ':', arg, 3);
	if (na < 2 || na > 3 || !field_is(arg[0], "pbkdf2") || arg[1].n == 0 || arg[1].n > 16)
		return STORED_BAD;
	for (size_t i = 0; i < arg[1].n; i++) {
		char c = arg[1].p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return STORED_BAD;
	}
	*iterations = WERKZEUG_OLD_N;
	if (na == 3 &&
	    !parse_count(arg[2], PASSWORD_ITERATIONS_MIN, PASSWORD_ITERATIONS_MAX, iterations))
		return STORED_BAD;
	for (size_t i = 0; i < sizeof(werkzeug_digests) / sizeof(werkzeug_digests[0]); i++) {
		if (field_is(arg[1], werkzeug_digests[i].name)) {
			*digest = &werkzeug_digests[i];
			return STORED_WERKZEUG;
		}
	}
	return STORED_UNSUPPORTED;
}

/* scrypt_count: a decimal count without sign, spaces or leading zeros, of any length; a value
 * above PASSWORD_SCRYPT_WORK_MAX (beyond every bound) reads as PASSWORD_SCRYPT_WORK_MAX + 1,
 * so no stored number can overflow. */
static bool scrypt_count(struct field f, long *out)
{
	long v = 0;
	if (f.n == 0 || f.p[0] == '0')
		return false;
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		if (v <= PASSWORD_SCRYPT_WORK_MAX)
			v = v * 10 + (f.p[i] - '0');
	}
	*out = v > PASSWORD_SCRYPT_WORK_MAX ? PASSWORD_SCRYPT_WORK_MAX + 1 : v;
	return true;
}

/* scrypt_params_ok: n, r and p within the PASSWORD_SCRYPT_* bounds, and valid for OpenSSL (n a
 * power of two of at least 2, n < 2^(16 r)): what we agree to spend memory and time on. */
static bool scrypt_params_ok(long n, long r, long p)
{
	if (n < 2 || n > PASSWORD_SCRYPT_N_MAX || (n & (n - 1)) != 0)
		return false;
	if (r < 1 || r > PASSWORD_SCRYPT_R_MAX || p < 1 || p > PASSWORD_SCRYPT_P_MAX)
		return false;
	if (r == 1 && n >= 1L << 16)
		return false;
	return n * r * p <= PASSWORD_SCRYPT_WORK_MAX; /* at most 2^23: no overflow */
}

/* parse_scrypt_method: "scrypt:<N>:<r>:<p>", as Werkzeug 2.3+ writes, or "scrypt" (Werkzeug's
 * defaults, N=32768 r=8 p=1) → STORED_SCRYPT when the parameters are within our bounds,
 * STORED_UNSUPPORTED when they are not; anything else → STORED_BAD. */
static enum stored_kind parse_scrypt_method(struct field method, long *n, long *r, long *p)
{
	struct field arg[4];
	size_t na = split(method.p, method.n, ':', arg, 4);
	if (!field_is(arg[0], "scrypt"))
		return STORED_BAD;
	*n = 32768;
	*r = 8;
	*p = 1;
	if (na != 1 && (na != 4 || !scrypt_count(arg[1], n) || !scrypt_count(arg[2], r) ||
	                !scrypt_count(arg[3], p)))
		return STORED_BAD;
	return scrypt_params_ok(*n, *r, *p) ? STORED_SCRYPT : STORED_UNSUPPORTED;
}

/* parse_stored: recognise and check every field of a stored hash; st->kind says the outcome.
 * Any input is safe, NULL included. */
static void parse_stored(const char *s, struct stored *st)
{
	struct field f[4];
	size_t n, nf;

	const struct werkzeug_digest *digest = NULL;

	memset(st, 0, sizeof(*st));
	st->kind = STORED_BAD;
	if (s == NULL || (n = strnlen(s, STORED_MAX + 1)) > STORED_MAX)
		return;
	if (strcmp(s, PASSWORD_UNUSABLE) == 0) {
		st->kind = STORED_UNSUPPORTED;
		return;
	}
	nf = split(s, n, '$', f, 4);
	if (nf == 4 && field_is(f[0], "pbkdf2_sha256")) {
		if (parse_count(f[1], PASSWORD_ITERATIONS_MIN, PASSWORD_ITERATIONS_MAX,
		                &st->iterations) &&
		    salt_valid(f[2]) && b64_key(f[3], st->key)) {
			st->kind = STORED_OURS;
			st->md = EVP_sha256();
			st->key_len = KEY_LEN;
		}
	} else if (nf == 3 && salt_valid(f[1])) {
		if (f[0].n > 7 && memcmp(f[0].p, "pbkdf2:", 7) == 0) {
			enum stored_kind k = parse_pbkdf2_method(f[0], &st->iterations, &digest);
			if (k == STORED_WERKZEUG && hex_key(f[2], st->key, digest->key_len)) {
				st->kind = STORED_WERKZEUG;
				st->md = digest->md();
				st->key_len = digest->key_len;
			} else if (k == STORED_UNSUPPORTED && hex_valid(f[2], HEX_MAX))
				st->kind = STORED_UNSUPPORTED;
		} else {
			/* out of bounds or not, the key must be Werkzeug's 64 bytes */
			enum stored_kind k = parse_scrypt_method(f[0], &st->n, &st->r, &st->p);
			if (k != STORED_BAD && hex_key(f[2], st->key, SCRYPT_KEY_LEN)) {
				st->kind = k;
				st->key_len = SCRYPT_KEY_LEN;
			}
		}
	}
	if (st->kind != STORED_OURS && st->kind != STORED_WERKZEUG && st->kind != STORED_SCRYPT) {
		enum stored_kind k = st->kind;
		OPENSSL_cleanse(st, sizeof(*st)); /* a key may have been decoded before a failure */
		st->kind = k;
		return;
	}
	st->salt = f[st->kind == STORED_OURS ? 2 : 1].p;
	st->salt_len = f[st->kind == STORED_OURS ? 2 : 1].n;
}

/* pbkdf2: PBKDF2 with HMAC over md; password_pbkdf2_sha256's contract otherwise. */
static enum mg_err pbkdf2(const EVP_MD *md, const void *password, size_t len, const void *salt,
                          size_t salt_len, long iterations, unsigned char *out, size_t outlen)
{
	if ((password == NULL && len > 0) || (salt == NULL && salt_len > 0) || out == NULL)
		return MG_ERR_INVALID;
	if (len > PASSWORD_MAX_BYTES || salt_len > STORED_MAX || outlen == 0 || outlen > 1024 ||
	    iterations < 1 || iterations > PASSWORD_ITERATIONS_MAX || md == NULL)
		return MG_ERR_INVALID;
	if (PKCS5_PBKDF2_HMAC(len > 0 ? password : "", (int)len,
	                      salt_len > 0 ? salt : (const void *)"", (int)salt_len,
	                      (int)iterations, md, (int)outlen, out) != 1)
		return MG_ERR_INTERNAL;
	return MG_OK;
}

enum mg_err password_pbkdf2_sha256(const void *password, size_t len, const void *salt,
                                   size_t salt_len, long iterations, unsigned char *out,
                                   size_t outlen)
{
	return pbkdf2(EVP_sha256(), password, len, salt, salt_len, iterations, out, outlen);
}

enum mg_err password_scrypt(const void *password, size_t len, const void *salt, size_t salt_len,
                            long n, long r, long p, unsigned char *out, size_t outlen)
{
	if ((password == NULL && len > 0) || (salt == NULL && salt_len > 0) || out == NULL)
		return MG_ERR_INVALID;
	if (len > PASSWORD_MAX_BYTES || salt_len > STORED_MAX || outlen == 0 || outlen > 1024 ||
	    !scrypt_params_ok(n, r, p))
		return MG_ERR_INVALID;
	/* exactly what OpenSSL allocates: B (128 r p bytes), then V, X and T (128 r (n + 2)) */
	uint64_t maxmem = 128 * (uint64_t)r * ((uint64_t)n + (uint64_t)p + 2);
	if (EVP_PBE_scrypt(len > 0 ? password : "", len,
	                   salt_len > 0 ? salt : (const unsigned char *)"", salt_len, (uint64_t)n,
	                   (uint64_t)r, (uint64_t)p, maxmem, out, outlen) != 1) {
		ERR_clear_error(); /* out of memory: leave no stale error for libpq's TLS */
		return MG_ERR_INTERNAL;
	}
	return MG_OK;
}

enum mg_err password_hash(const char *password, size_t len, long iterations, char *out,
                          size_t outlen)
{
	unsigned char raw[SALT_BYTES], key[KEY_LEN];
	char salt[SALT_B64_LEN + 1], hash[KEY_B64_LEN + 1];
	enum mg_err rc = MG_ERR_INTERNAL;
	int n;

	if (out == NULL || outlen < PASSWORD_HASH_MAX) {
		if (out != NULL && outlen > 0)
			out[0] = '\0';
		return MG_ERR_INTERNAL;
	}
	out[0] = '\0';
	if (len > PASSWORD_MAX_BYTES)
		return MG_ERR_TOO_LARGE;
	if ((password == NULL && len > 0) || iterations < PASSWORD_ITERATIONS_MIN ||
	    iterations > PASSWORD_ITERATIONS_MAX)
		return MG_ERR_INVALID;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		goto out;
	if (EVP_EncodeBlock((unsigned char *)salt, raw, sizeof(raw)) != SALT_B64_LEN)
		goto out;
	if ((rc = password_pbkdf2_sha256(password, len, salt, SALT_B64_LEN, iterations, key,
	                                 sizeof(key))) != MG_OK)
		goto out;
	rc = MG_ERR_INTERNAL;
	if (EVP_EncodeBlock((unsigned char *)hash, key, sizeof(key)) != KEY_B64_LEN)
		goto out;
	n = snprintf(out, outlen, "pbkdf2_sha256$%ld$%s$%s", iterations, salt, hash);
	if (n < 0 || (size_t)n >= outlen)
		goto out;
	rc = MG_OK;
out:
	if (rc != MG_OK)
		out[0] = '\0';
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

void password_dummy_verify(const char *password, size_t len, long iterations)
{
	static const char salt[SALT_B64_LEN + 1] = "bXVzaWNncmFwaC1kdW1teSE=";
	static const unsigned char decoy[KEY_LEN] = {0};
	unsigned char key[KEY_LEN];

	if ((password == NULL && len > 0) || len > PASSWORD_MAX_BYTES)
		return; /* password_verify answers these at once too */
	if (iterations < PASSWORD_ITERATIONS_MIN)
		iterations = PASSWORD_ITERATIONS_MIN;
	if (iterations > PASSWORD_ITERATIONS_MAX)
		iterations = PASSWORD_ITERATIONS_MAX;
	if (password_pbkdf2_sha256(password, len, salt, SALT_B64_LEN, iterations, key,
	                           sizeof(key)) == MG_OK)
		dummy_sink = CRYPTO_memcmp(key, decoy, KEY_LEN);
	OPENSSL_cleanse(key, sizeof(key));
}

enum password_verdict password_verify(const char *password, size_t len, const char *stored,
                                      long configured_iterations)
{
	struct stored st;
	unsigned char key[KEY_MAX];
	enum password_verdict v = PASSWORD_MISMATCH;

	if ((password == NULL && len > 0) || len > PASSWORD_MAX_BYTES)
		return PASSWORD_MISMATCH;
	parse_stored(stored, &st);
	if (st.kind == STORED_UNSUPPORTED) {
		password_dummy_verify(password, len, configured_iterations);
		return PASSWORD_UNSUPPORTED;
	}
	if (st.kind == STORED_BAD)
		return PASSWORD_MISMATCH;
	if (st.kind == STORED_SCRYPT) {
		if (password_scrypt(password, len, st.salt, st.salt_len, st.n, st.r, st.p, key,
		                    st.key_len) != MG_OK)
			goto out;
	} else if (pbkdf2(st.md, password, len, st.salt, st.salt_len, st.iterations, key,
	                  st.key_len) != MG_OK)
		goto out;
	if (CRYPTO_memcmp(key, st.key, st.key_len) != 0)
		goto out;
	if (st.kind != STORED_OURS || st.iterations < configured_iterations)
		v = PASSWORD_OK_REHASH;
	else
		v = PASSWORD_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(&st, sizeof(st));
	return v;
}

long password_hash_iterations(const char *stored)
{
	struct stored st;
	long n;

	parse_stored(stored, &st);
	n = st.kind == STORED_OURS || st.kind == STORED_WERKZEUG ? st.iterations : 0;
	OPENSSL_cleanse(&st, sizeof(st));
	return n;
}

enum password_kind password_hash_kind(const char *stored)
{
	struct stored st;

	parse_stored(stored, &st);
	enum stored_kind k = st.kind;
	OPENSSL_cleanse(&st, sizeof(st));
	switch (k) {
	case STORED_OURS:
	case STORED_WERKZEUG:
	case STORED_SCRYPT:
		return PASSWORD_KIND_CHECKABLE;
	case STORED_UNSUPPORTED:
		return PASSWORD_KIND_RESET;
	case STORED_BAD:
		break;
	}
	return PASSWORD_KIND_INVALID;
}
