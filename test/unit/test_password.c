/* test_password.c: PBKDF2 vectors, our hash format, Werkzeug and Django hashes, hostile input. */
#include "check.h"
#include "util/password.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define LOW 1000L /* iterations for the fast checks */

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
	CHECK(password_verify("x", 1,
	                      "scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$"
	                      "6bd3ae9bf0b3f8c4c5b1c2a0e39e4c7c0c1a1b3e7c06f2a9a3a6d7f6c8e1b5d4"
	                      "a0d7b3e9f2c6a1b4d8e3f7c2a5b9d0e4f1a3c6b8d2e5f9a1c4b7d0e3f6a9c2b5",
	                      LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("x", 1, "scrypt$abc$00ff", LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("x", 1, "pbkdf2:md5:1000$abc$00ff", LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_verify("x", 1, "pbkdf2:sha3_256$abc$00ff", LOW) == PASSWORD_UNSUPPORTED);
	CHECK(password_hash_iterations("scrypt$abc$00ff") == 0);
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
	CHECK(password_hash_kind("scrypt:32768:8:1$k9Jx3HqSLOvqCDGw$00ff") == PASSWORD_KIND_RESET);
	CHECK(password_hash_kind("scrypt$abc$00ff") == PASSWORD_KIND_RESET);
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
	test_vectors();
	test_round_trip();
	test_bounds();
	test_werkzeug();
	test_werkzeug_digests();
	test_kind();
	test_django();
	test_malformed();
	test_dummy();
	return check_done("test_password");
}
