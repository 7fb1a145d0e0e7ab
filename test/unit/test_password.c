/* test_password.c: PBKDF2 and scrypt vectors, our hash format, Werkzeug and Django hashes,
 * hostile input, and the memory a stored scrypt hash may make us allocate. */
#include "check.h"
#include "util/password.h"

#include <openssl/crypto.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOW 1000L /* iterations for the fast checks */

/* The largest single block libcrypto asked for since the last reset: main() routes OpenSSL's
 * allocations through these before anything else allocates. */
static size_t largest_alloc;

static void *track_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (n > largest_alloc)
		largest_alloc = n;
	return malloc(n);
}

static void *track_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (n > largest_alloc)
		largest_alloc = n;
	return realloc(p, n);
}

static void track_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* pbkdf2_hex: PBKDF2-HMAC-SHA256 as lower-case hex ("" on failure). */
static const char *pbkdf2_hex(const char *pw, size_t pwlen, const char *salt, size_t saltlen,
                              long c, size_t dklen)
{
	static char out[2 * 64 + 1];
	unsigned char dk[64];
	out[0] = '\0';
	if (dklen <= sizeof(dk) &&
	    password_pbkdf2_sha256(pw, pwlen, salt, saltlen, c, dk, dklen) == MG_OK)
		hex(dk, dklen, out);
	return out;
}

/* Published vectors: RFC 7914 section 11, and the SHA-256 versions of the RFC 6070 cases. */
static void test_vectors(void)
{
	CHECK_STR(pbkdf2_hex("passwd", 6, "salt", 4, 1, 64),
	          "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
	          "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
	CHECK_STR(pbkdf2_hex("Password", 8, "NaCl", 4, 80000, 64),
	          "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
	          "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
	CHECK_STR(pbkdf2_hex("password", 8, "salt", 4, 1, 32),
	          "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
	CHECK_STR(pbkdf2_hex("password", 8, "salt", 4, 2, 32),
	          "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
	CHECK_STR(pbkdf2_hex("password", 8, "salt", 4, 4096, 32),
	          "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
	CHECK_STR(
	    pbkdf2_hex("passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36,
	               4096, 40),
	    "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9");
	CHECK_STR(pbkdf2_hex("pass\0word", 9, "sa\0lt", 5, 4096, 16),
	          "89b69d0516f829893c696226650a8687");

	unsigned char dk[32];
	CHECK(password_pbkdf2_sha256("x", 1, "s", 1, 0, dk, sizeof(dk)) == MG_ERR_INVALID);
	CHECK(password_pbkdf2_sha256(NULL, 1, "s", 1, 1, dk, sizeof(dk)) == MG_ERR_INVALID);
	CHECK(password_pbkdf2_sha256("x", 1, "s", 1, 1, dk, 0) == MG_ERR_INVALID);
	CHECK(password_pbkdf2_sha256(NULL, 0, NULL, 0, 1, dk, sizeof(dk)) == MG_OK);
}

static void test_round_trip(void)
{
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
	const char *pw = "velvet-crane-orbit-47-lagoon";
	size_t n = strlen(pw);

	CHECK(password_hash(pw, n, LOW, h1, sizeof(h1)) == MG_OK);
	CHECK(strncmp(h1, "pbkdf2_sha256$1000$", 19) == 0);
	CHECK(strlen(h1) == 19 + 24 + 1 + 44);
	CHECK(h1[19 + 24] == '$');
	CHECK(password_verify(pw, n, h1, LOW) == PASSWORD_OK);
	CHECK(password_verify(pw, n, h1, 500) == PASSWORD_OK); /* never downgrade */
	CHECK(password_verify(pw, n, h1, 2000) == PASSWORD_OK_REHASH);
	CHECK(password_verify("velvet-crane-orbit-47-lagooN", n, h1, LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify(pw, n - 1, h1, LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify("", 0, h1, LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify(NULL, 0, h1, LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify(NULL, 5, h1, LOW) == PASSWORD_MISMATCH);
	CHECK(password_hash_iterations(h1) == LOW);

	/* the same password twice: different salts, so different strings; both verify */
	CHECK(password_hash(pw, n, LOW, h2, sizeof(h2)) == MG_OK);
	CHECK(strcmp(h1, h2) != 0);
	CHECK(memcmp(h1, h2, 19 + 24) != 0);
	CHECK(password_verify(pw, n, h2, LOW) == PASSWORD_OK);

	/* bytes after a NUL count: nothing is cut at the first NUL */
	CHECK(password_hash("pass\0word", 9, LOW, h1, sizeof(h1)) == MG_OK);
	CHECK(password_verify("pass\0word", 9, h1, LOW) == PASSWORD_OK);
	CHECK(password_verify("pass", 4, h1, LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify("pass\0wore", 9, h1, LOW) == PASSWORD_MISMATCH);

	/* UTF-8 bytes go in as they are */
	CHECK(password_hash("Grüße", strlen("Grüße"), LOW, h1, sizeof(h1)) == MG_OK);
	CHECK(password_verify("Grüße", strlen("Grüße"), h1, LOW) == PASSWORD_OK);
}

static void test_bounds(void)
{
	static char big[PASSWORD_MAX_BYTES + 2];
	char h[PASSWORD_HASH_MAX];

	memset(big, 'k', sizeof(big) - 1);
	big[PASSWORD_MAX_BYTES - 1] = 'Z'; /* the last byte that counts */
	CHECK(password_hash(big, PASSWORD_MAX_BYTES, LOW, h, sizeof(h)) == MG_OK);
	CHECK(password_verify(big, PASSWORD_MAX_BYTES, h, LOW) == PASSWORD_OK);
	big[PASSWORD_MAX_BYTES - 1] = 'k';
	CHECK(password_verify(big, PASSWORD_MAX_BYTES, h, LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify(big, PASSWORD_MAX_BYTES + 1, h, LOW) == PASSWORD_MISMATCH);

	strcpy(h, "junk");
	CHECK(password_hash(big, PASSWORD_MAX_BYTES + 1, LOW, h, sizeof(h)) == MG_ERR_TOO_LARGE);
	CHECK_STR(h, "");
	CHECK(password_hash("pw", 2, 999, h, sizeof(h)) == MG_ERR_INVALID);
	CHECK(password_hash("pw", 2, PASSWORD_ITERATIONS_MAX + 1, h, sizeof(h)) == MG_ERR_INVALID);
	CHECK(password_hash(NULL, 2, LOW, h, sizeof(h)) == MG_ERR_INVALID);
	CHECK(password_hash("pw", 2, LOW, h, PASSWORD_HASH_MAX - 1) == MG_ERR_INTERNAL);
	CHECK(password_hash("pw", 2, LOW, NULL, 0) == MG_ERR_INTERNAL);
}

/* Werkzeug's layout, computed outside Werkzeug with Python's standard library:
 *   python3 -c 'import hashlib; print(hashlib.pbkdf2_hmac("sha256",
 *       "Grüße, Welt! 1984".encode(), b"tN2wHVk7Ow8rdbT3x6Z8cA", 600000).hex())'
 * which is what werkzeug.security._hash_internal does for "pbkdf2:sha256:600000" (the salt is
 * used as its text, the key written as hex), and likewise for 260000 and 1000 iterations. */
static void test_werkzeug(void)
{
	const char *pw = "Grüße, Welt! 1984";
	size_t n = strlen(pw);
	const char *w600k = "pbkdf2:sha256:600000$tN2wHVk7Ow8rdbT3x6Z8cA$"
	                    "74f4ba753793489129ef9457fe8d481bb4bc71b05f74b9799722716f63dc5136";
	const char *w260k = "pbkdf2:sha256$tN2wHVk7Ow8rdbT3x6Z8cA$"
	                    "5ef066e1c0ff01a2c8d3191de48646d2f0b19318d86542a87b09e28aaa19c7da";
	const char *w1000 = "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	                    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f";

	CHECK(password_verify(pw, n, w600k, PASSWORD_ITERATIONS_DEFAULT) == PASSWORD_OK_REHASH);
	CHECK(password_hash_iterations(w600k) == 600000);
	CHECK(password_verify(pw, n, w260k, PASSWORD_ITERATIONS_DEFAULT) == PASSWORD_OK_REHASH);
	CHECK(password_hash_iterations(w260k) == 260000);
	CHECK(password_verify("hunter2-but-longer", 18, w1000, LOW) == PASSWORD_OK_REHASH);
	CHECK(password_verify("hunter2-but-longer", 18, w1000, 1) == PASSWORD_OK_REHASH);
	CHECK(password_verify("hunter2-but-longeR", 18, w1000, LOW) == PASSWORD_MISMATCH);
	/* Werkzeug compares hex text, so upper case never matched there either */
	CHECK(password_verify("hunter2-but-longer", 18,
	                      "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	                      "16C394C2689EAF439C04EDCBB640EA6026512629DF1CF48B7DC46189F082F61F",
	                      LOW) == PASSWORD_MISMATCH);

	/* hashes we recognise but cannot check: the caller offers a reset */
	CHECK(password_verify("x", 1, "pbkdf2:md5:1000$abc$00ff", LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("x", 1, "pbkdf2:sha3_256$abc$00ff", LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("x", 1, "scrypt:32768:8$abc$00ff", LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify("x", 1, "scrypt:32768:8:1$abc$xyz", LOW) == PASSWORD_MISMATCH);
	/* an imported account without a usable hash: a reset, like scrypt */
	CHECK(password_verify("x", 1, PASSWORD_UNUSABLE, LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("!", 1, "!", LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("x", 1, "!!", LOW) == PASSWORD_MISMATCH);
	CHECK(password_verify("x", 1, "!$abc$00ff", LOW) == PASSWORD_MISMATCH);
	CHECK(password_hash_iterations(PASSWORD_UNUSABLE) == 0);
}

/* Werkzeug's other PBKDF2 digests, each with the key length hashlib gives by default (the
 * digest's size), computed the same way:
 *   python3 -c 'import hashlib; print(hashlib.pbkdf2_hmac("sha512",
 *       "Grüße, Welt! 1984".encode(), b"Qm9yZWRBcGU", 1000).hex())' */
static void test_werkzeug_digests(void)
{
	const char *pw = "Grüße, Welt! 1984";
	size_t n = strlen(pw);
	static const char *const ok[] = {
	    "pbkdf2:sha1:1000$Qm9yZWRBcGU$60e62e3985ac130a95bfa162d6a283ec6c925372",
	    "pbkdf2:sha1:260000$tN2wHVk7Ow8rdbT3x6Z8cA$c0ec6b0d1cefd49caac7f3f5691ee35306b5b241",
	    "pbkdf2:sha1$tN2wHVk7Ow8rdbT3x6Z8cA$c0ec6b0d1cefd49caac7f3f5691ee35306b5b241",
	    "pbkdf2:sha224:1000$s4lt$a9d803831e07d23ccd38e378b212cf27ca61e4a1cab495ecc09fb66d",
	    "pbkdf2:sha384:1000$s4lt$8242c25e7fc7890ab93eabead13bbca2cf7d3298c5d4376ba1c275d43decf4"
	    "35b3d18f993af7a57754716a660d6c7f60",
	    "pbkdf2:sha512:1000$Qm9yZWRBcGU$f2f3dc178ad7677a67b2354b393fe29cc6e4cbb6deaa2dede4245ed"
	    "e8deff3eba4e3eb2d9c9f44f38a9fef6f0b3df147e3627af279387dc786ae22974f23d4f7",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK(password_verify(pw, n, ok[i], LOW) == PASSWORD_OK_REHASH);
		CHECK(password_verify("Grüße, Welt! 1985", n, ok[i], LOW) == PASSWORD_MISMATCH);
		CHECK(password_hash_kind(ok[i]) == PASSWORD_KIND_CHECKABLE);
	}
	CHECK(password_hash_iterations(ok[1]) == 260000);
	CHECK(password_hash_iterations(ok[2]) == 260000);
	CHECK(password_verify("x", 1,
	                      "pbkdf2:sha1:1000$abc$c8b781f90e48d82f5895ef42eb2961ca54e7aabd",
	                      LOW) == PASSWORD_OK_REHASH);
	/* the key must have the digest's length: a SHA-1-sized key under sha512 is malformed */
	static const char *const bad[] = {
	    "pbkdf2:sha512:1000$Qm9yZWRBcGU$60e62e3985ac130a95bfa162d6a283ec6c925372",
	    "pbkdf2:sha1:1000$Qm9yZWRBcGU$60e62e3985ac130a95bfa162d6a283ec6c92537200",
	    "pbkdf2:sha256:1000$Qm9yZWRBcGU$60e62e3985ac130a95bfa162d6a283ec6c925372",
	    "pbkdf2:sha512$abc$00ff",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(password_verify(pw, n, bad[i], LOW) == PASSWORD_MISMATCH);
		CHECK(password_hash_kind(bad[i]) == PASSWORD_KIND_INVALID);
	}
}

/* Werkzeug's scrypt (its default method since 2.3), computed with Python's standard library
 * exactly as werkzeug.security._hash_internal (3.1.3) does for "scrypt:N:r:p":
 *   python3 -c 'import hashlib; n, r, p = 32768, 8, 1; print(hashlib.scrypt(
 *       "Grüße, Welt! 1984".encode(), salt=b"k9Jx3HqSLOvqCDGw", n=n, r=r, p=p,
 *       maxmem=132 * n * r * p).hex())'
 * (hashlib's default dklen, 64 bytes), and "scrypt$salt$hex" with Werkzeug's defaults. */
#define SCRYPT_DEFAULT_KEY                                                                         \
	"1385e60f9760f82a28e80e73a2c9157c190b2fc245f332ed830fd4216ddd0553"                         \
	"b848c436ed26176aea47849dbca7dde507635f0fc9f5f77ba0c8fc7ee900b9c7"
#define SCRYPT_DEFAULT "scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY
/* a well-formed key for hashes that are refused before any key is computed */
#define KEY128                                                                                     \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"                         \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void test_scrypt(void)
{
	const char *pw = "Grüße, Welt! 1984";
	size_t n = strlen(pw);
	static const char *const ok[] = {
	    SCRYPT_DEFAULT,
	    "scrypt$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt:1024:8:1$Qm9yZWRBcGU$"
	    "929ffbddb3148326735b0cc49f638263c8c205bfcb7a6acf9b8f583b59b"
	    "8e987fd6361f2d75450bcd8ff7441d0315c08affa526d0b429a32f81a45bc0ceefc38",
	    "scrypt:4096:16:4$Qm9yZWRBcGU$"
	    "fcf0ef0eeb87ee84bd8d0d75bc02d6b970612cf125d2d0cefe80c454aa"
	    "a4ff78e4763164337971b6cbc939ecf22f598b25cfccd5b23170243ca4da894213daf6",
	    "scrypt:2048:1:2$s4lt$"
	    "c2ae3be33ae8ddbcfbbf3564adc63e0c897a9724687e39cd1cd81dd39737d566c1"
	    "3b49acd43b5d43acf48a30295393712890c4c467675c360e08222e0c3f9b7f",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		/* right: always rewritten in our format, whatever the configured iterations */
		CHECK(password_verify(pw, n, ok[i], PASSWORD_ITERATIONS_DEFAULT) ==
		      PASSWORD_OK_REHASH);
		CHECK(password_verify("Grüße, Welt! 1985", n, ok[i], LOW) == PASSWORD_MISMATCH);
		CHECK(password_verify(pw, n - 1, ok[i], LOW) == PASSWORD_MISMATCH);
		CHECK(password_hash_kind(ok[i]) == PASSWORD_KIND_CHECKABLE);
		CHECK(password_hash_iterations(ok[i]) == 0); /* no PBKDF2 count to report */
	}
	CHECK(
	    password_verify("hunter2-but-longer", 18,
	                    "scrypt:16384:2:3$s4lt$a83d06a9031520cf4e9bbe3ce7fa8ef8716b53aad7d90d6d"
	                    "ca7d20add4dea79cf20e803d80f77ccf81ed4dd20c2661a2b6ae25e139e64b12a1419c"
	                    "de22b5bfa6",
	                    LOW) == PASSWORD_OK_REHASH);
	/* bytes after a NUL count here too */
	const char *nul =
	    "scrypt:1024:8:1$Qm9yZWRBcGU$5ba99a13a51f5decf5e27256f2454fa1dba3904366009a"
	    "34d92319c9a6bf28838faebfae5f0e5672a2c31f136f5ac49109697874744ac37f148d5a6c"
	    "7e4e2b26";
	CHECK(password_verify("pass\0word", 9, nul, LOW) == PASSWORD_OK_REHASH);
	CHECK(password_verify("pass", 4, nul, LOW) == PASSWORD_MISMATCH);
	/* the salt is part of the input: the right key under another salt does not match */
	CHECK(password_verify(pw, n, "scrypt:32768:8:1$k9Jx3HqSLOvqCDGX$" SCRYPT_DEFAULT_KEY,
	                      LOW) == PASSWORD_MISMATCH);
	/* so are N, r and p */
	CHECK(password_verify(pw, n, "scrypt:16384:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	                      LOW) == PASSWORD_MISMATCH);

	/* malformed keys: truncated, one digit short or over, upper case (Werkzeug compares the hex
	 * as text) — never a match, and an import does not keep them */
	static const char *const bad[] = {
	    "scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$"
	    "1385e60f9760f82a28e80e73a2c9157c190b2fc245f332ed830fd"
	    "4216ddd0553",
	    "scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$"
	    "1385e60f9760f82a28e80e73a2c9157c190b2fc245f332ed830fd"
	    "4216ddd0553b848c436ed26176aea47849dbca7dde507635f0fc9f5f77ba0c8fc7ee900b9c",
	    SCRYPT_DEFAULT "0",
	    SCRYPT_DEFAULT "00",
	    "scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$"
	    "1385E60F9760F82A28E80E73A2C9157C190B2FC245F332ED830FD"
	    "4216DDD0553B848C436ED26176AEA47849DBCA7DDE507635F0FC9F5F77BA0C8FC7EE900B9C7",
	    "scrypt:32768:8:1$$" SCRYPT_DEFAULT_KEY,
	    "scrypt:32768:8:1:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt:32768:8:$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt:032768:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt:0:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt:-32768:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt: 32768:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "Scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY,
	    "scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$" SCRYPT_DEFAULT_KEY "$",
	    /* out of bounds and malformed: malformed wins */
	    "scrypt:1048576:8:1$k9Jx3HqSLOvqCDGw$00ff",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum password_verdict v = password_verify(pw, n, bad[i], LOW);
		if (v != PASSWORD_MISMATCH)
			fprintf(stderr, "verdict %d for scrypt bad[%zu] \"%s\"\n", (int)v, i,
			        bad[i]);
		CHECK(v == PASSWORD_MISMATCH);
		CHECK(password_hash_kind(bad[i]) == PASSWORD_KIND_INVALID);
	}

	/* parameters beyond what we agree to spend: recognised, never computed, a reset */
	static const char *const huge[] = {
	    "scrypt:262144:8:1$k9Jx3HqSLOvqCDGw$" KEY128,     /* N over 2^17 */
	    "scrypt:1073741824:8:1$k9Jx3HqSLOvqCDGw$" KEY128, /* 128 GiB */
	    "scrypt:99999999999999999999999999999999:8:1$k9Jx3HqSLOvqCDGw$" KEY128,
	    "scrypt:32768:17:1$k9Jx3HqSLOvqCDGw$" KEY128, /* r over 16 */
	    "scrypt:32768:4294967297:1$k9Jx3HqSLOvqCDGw$" KEY128,
	    "scrypt:32768:8:5$k9Jx3HqSLOvqCDGw$" KEY128,   /* p over 4 */
	    "scrypt:131072:16:2$k9Jx3HqSLOvqCDGw$" KEY128, /* each in bounds, work 2^22 */
	    "scrypt:65536:8:5$k9Jx3HqSLOvqCDGw$" KEY128,   /* p over 4, work 2^21 */
	    "scrypt:32767:8:1$k9Jx3HqSLOvqCDGw$" KEY128,   /* not a power of two */
	    "scrypt:1:8:1$k9Jx3HqSLOvqCDGw$" KEY128,       /* below 2 */
	    "scrypt:65536:1:1$k9Jx3HqSLOvqCDGw$" KEY128,   /* OpenSSL needs N < 2^(16 r) */
	};
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		largest_alloc = 0;
		enum password_verdict v = password_verify(pw, n, huge[i], LOW);
		if (v != PASSWORD_UNSUPPORTED)
			fprintf(stderr, "verdict %d for scrypt huge[%zu] \"%s\"\n", (int)v, i,
			        huge[i]);
		CHECK(v == PASSWORD_UNSUPPORTED);
		CHECK(largest_alloc < 1024 * 1024); /* only the dummy PBKDF2 ran */
		CHECK(password_hash_kind(huge[i]) == PASSWORD_KIND_RESET);
	}
	/* the ceilings themselves are accepted (sorted without computing: 256 MiB, 128 MiB and
	 * 64 MiB, all 2^21 of work) */
	CHECK(password_hash_kind("scrypt:131072:16:1$k9Jx3HqSLOvqCDGw$" KEY128) ==
	      PASSWORD_KIND_CHECKABLE);
	CHECK(password_hash_kind("scrypt:131072:8:2$k9Jx3HqSLOvqCDGw$" KEY128) ==
	      PASSWORD_KIND_CHECKABLE);
	CHECK(password_hash_kind("scrypt:65536:8:4$k9Jx3HqSLOvqCDGw$" KEY128) ==
	      PASSWORD_KIND_CHECKABLE);
	CHECK(password_hash_kind("scrypt:32768:1:1$k9Jx3HqSLOvqCDGw$" KEY128) ==
	      PASSWORD_KIND_CHECKABLE);

	/* Werkzeug's default costs one block of 128 r (N + p + 2) bytes, about 32 MiB, and no more
	 */
	largest_alloc = 0;
	CHECK(password_verify(pw, n, SCRYPT_DEFAULT, LOW) == PASSWORD_OK_REHASH);
	CHECK(largest_alloc == 128UL * 8 * (32768 + 1 + 2));
}

/* The raw function: RFC 7914 section 12's vectors (the two within our bounds), and its limits. */
static void test_scrypt_vectors(void)
{
	unsigned char dk[64];
	char out[2 * 64 + 1];

	CHECK(password_scrypt("", 0, "", 0, 16, 1, 1, dk, 64) == MG_OK);
	hex(dk, 64, out);
	CHECK_STR(out, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
	               "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
	CHECK(password_scrypt("pleaseletmein", 13, "SodiumChloride", 14, 16384, 8, 1, dk, 64) ==
	      MG_OK);
	hex(dk, 64, out);
	CHECK_STR(out, "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
	               "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
	CHECK(password_scrypt(NULL, 0, NULL, 0, 16, 1, 1, dk, 64) == MG_OK);
	hex(dk, 64, out);
	CHECK(strncmp(out, "77d6576238657b20", 16) == 0);

	largest_alloc = 0;
	CHECK(password_scrypt("x", 1, "s", 1, 1L << 18, 8, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 1L << 40, 8, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16384, 17, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16384, 8, 5, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 131072, 16, 2, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16384, 0, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16384, 8, 0, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16383, 8, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, -16384, 8, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 0, 8, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt(NULL, 1, "s", 1, 16, 1, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, NULL, 1, 16, 1, 1, dk, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16, 1, 1, NULL, 64) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", 1, "s", 1, 16, 1, 1, dk, 0) == MG_ERR_INVALID);
	CHECK(password_scrypt("x", PASSWORD_MAX_BYTES + 1, "s", 1, 16, 1, 1, dk, 64) ==
	      MG_ERR_INVALID);
	CHECK(largest_alloc == 0); /* refused before OpenSSL was asked for anything */
}

/* password_hash_kind sorts what an import finds in an old database. */
static void test_kind(void)
{
	char ours[PASSWORD_HASH_MAX];
	CHECK(password_hash("pw", 2, LOW, ours, sizeof(ours)) == MG_OK);
	CHECK(password_hash_kind(ours) == PASSWORD_KIND_CHECKABLE);
	CHECK(password_hash_kind(
	          "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	          "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f") ==
	      PASSWORD_KIND_CHECKABLE);
	CHECK(password_hash_kind(SCRYPT_DEFAULT) == PASSWORD_KIND_CHECKABLE);
	CHECK(password_hash_kind("scrypt:1048576:8:1$k9Jx3HqSLOvqCDGw$" KEY128) ==
	      PASSWORD_KIND_RESET);
	CHECK(password_hash_kind("scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$00ff") ==
	      PASSWORD_KIND_INVALID);
	CHECK(password_hash_kind("scrypt$abc$00ff") == PASSWORD_KIND_INVALID);
	CHECK(password_hash_kind("pbkdf2:md5:1000$abc$00ff") == PASSWORD_KIND_RESET);
	CHECK(password_hash_kind(PASSWORD_UNUSABLE) == PASSWORD_KIND_RESET);
	CHECK(password_hash_kind("plain$$hunter2") == PASSWORD_KIND_INVALID);
	CHECK(password_hash_kind("sha256$abc$00ff") == PASSWORD_KIND_INVALID);
	CHECK(password_hash_kind("") == PASSWORD_KIND_INVALID);
	CHECK(password_hash_kind(NULL) == PASSWORD_KIND_INVALID);
}

/* Django's pbkdf2_sha256 layout is ours, salt text and all:
 *   python3 -c 'import hashlib, base64; print(base64.b64encode(hashlib.pbkdf2_hmac("sha256",
 *       b"correct horse", b"Y8dCq3zV0pLkR2sNw7TbHe", 1000)).decode())' */
static void test_django(void)
{
	const char *d = "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$"
	                "dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=";
	CHECK(password_verify("correct horse", 13, d, LOW) == PASSWORD_OK);
	CHECK(password_verify("correct horse", 13, d, 600000) == PASSWORD_OK_REHASH);
	CHECK(password_verify("correct horsE", 13, d, LOW) == PASSWORD_MISMATCH);
	/* the same key with stray low bits in its last base64 digit is not canonical: refused */
	CHECK(password_verify("correct horse", 13,
	                      "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$"
	                      "dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7R=",
	                      LOW) == PASSWORD_MISMATCH);
}

/* Malformed stored strings: each must give MISMATCH (and 0 iterations) and never crash. */
static void test_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "$",
	    "$$",
	    "$$$",
	    "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
	    "pbkdf2_sha256",
	    "pbkdf2_sha256$",
	    "pbkdf2_sha256$1000",
	    "pbkdf2_sha256$1000$",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$",
	    "pbkdf2_sha256$$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$1000$$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$abc$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$01000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+"
	    "zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$+1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+"
	    "zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$-1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+"
	    "zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$ "
	    "1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$999$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$10000001$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+"
	    "zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$99999999999999999999999$Y8dCq3zV0pLkR2sNw7TbHe$"
	    "dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q="
	    "=",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q="
	    "\n",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$ "
	    "dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8-"
	    "zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7="
	    "Q",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q="
	    "x",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q="
	    "$",
	    "pbkdf2_sha256$1000$Y8dC "
	    "q3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q="
	    "$x",
	    "PBKDF2_SHA256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+"
	    "zh9I1I31h5GFvw7Q=",
	    " pbkdf2_sha256$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+"
	    "zh9I1I31h5GFvw7Q=",
	    "pbkdf2_sha1$1000$Y8dCq3zV0pLkR2sNw7TbHe$dPlghIWmH1zgBr4zcACMYy2Tf8+zh9I1I31h5GFvw7Q=",
	    "pbkdf2:sha256",
	    "pbkdf2:sha256$",
	    "pbkdf2:sha256$$",
	    "pbkdf2:sha256:1000$Qm9yZWRBcGU$",
	    "pbkdf2:sha256:1000$$16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:sha256:$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:sha256:x$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:sha256:1000:1$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:sha256:0$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f6",
	    "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f00",
	    "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61g",
	    "pbkdf2:sha256:1000$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f$",
	    "pbkdf2::1000$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:SHA256:1000$Qm9yZWRBcGU$"
	    "16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2:$Qm9yZWRBcGU$16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "pbkdf2$Qm9yZWRBcGU$16c394c2689eaf439c04edcbb640ea6026512629df1cf48b7dc46189f082f61f",
	    "scrypt",
	    "scrypt:",
	    "scrypt$abc$",
	    "scrypt$$00ff",
	    "scrypt:1:2:3:4$abc$00ff",
	    "scrypt:a:b:c$abc$00ff",
	    "scrypt$abc$0ff",
	    "sha256$abc$00ff",
	    "plain$$hunter2",
	    "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
	    "\xff\xfe$\x80$\x01$\x02",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum password_verdict v = password_verify("correct horse", 13, bad[i], LOW);
		if (v != PASSWORD_MISMATCH)
			fprintf(stderr, "verdict %d for bad[%zu] \"%s\"\n", (int)v, i, bad[i]);
		CHECK(v == PASSWORD_MISMATCH);
		CHECK(password_hash_iterations(bad[i]) == 0);
	}
	CHECK(password_verify("x", 1, NULL, LOW) == PASSWORD_MISMATCH);
	CHECK(password_hash_iterations(NULL) == 0);

	/* a stored string far longer than any hash is not even looked at */
	static char huge[4096];
	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "pbkdf2_sha256$1000$", 19);
	CHECK(password_verify("x", 1, huge, LOW) == PASSWORD_MISMATCH);
}

static void test_dummy(void)
{
	/* it must run for any arguments and decide nothing */
	password_dummy_verify("x", 1, LOW);
	password_dummy_verify(NULL, 0, 0);
	password_dummy_verify(NULL, 3, LOW);
	password_dummy_verify("x", 1, -5);
	CHECK(1);
}

int main(void)
{
	/* before any other OpenSSL call: afterwards it is refused */
	if (CRYPTO_set_mem_functions(track_malloc, track_realloc, track_free) != 1) {
		fprintf(stderr, "test_password: CRYPTO_set_mem_functions refused\n");
		return 1;
	}
	test_vectors();
	test_round_trip();
	test_bounds();
	test_werkzeug();
	test_werkzeug_digests();
	test_scrypt();
	test_scrypt_vectors();
	test_kind();
	test_django();
	test_malformed();
	test_dummy();
	return check_done("test_password");
}
