/* test_strength.c: the new-password policy: bounds, character counting and zxcvbn's verdicts. */
#include "check.h"
#include "core/arena.h"
#include "util/password.h"
#include "util/strength.h"

#include <stdbool.h>
#include <string.h>

#define MIN_CHARS 12L

static const char WEAK[] = "This password is too easy to guess: ";

/* refused: the policy's problem for password, or NULL when it is accepted. */
static const char *refused(struct arena *a, const char *password, const char *user,
                           const char *email, long min_chars)
{
	const char *problem = "unset";
	enum mg_err rc = password_policy_check(password, user, email, min_chars, a, &problem);
	if (rc == MG_OK)
		return problem == NULL ? NULL : "MG_OK with a problem set";
	if (rc != MG_ERR_INVALID || problem == NULL)
		return "wrong error code or no problem";
	return problem;
}

static bool starts(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool contains(const char *s, const char *word)
{
	return s != NULL && strstr(s, word) != NULL;
}

static void test_weak(struct arena *a)
{
	const char *p;

	p = refused(a, "password", NULL, NULL, 8);
	CHECK_STR(p, "This password is too easy to guess: it is a common word or password.");
	p = refused(a, "123456789012", NULL, NULL, MIN_CHARS);
	CHECK(starts(p, WEAK) && contains(p, "sequence"));
	p = refused(a, "monkeydragon", NULL, NULL, MIN_CHARS); /* two common words */
	CHECK(starts(p, WEAK) && contains(p, "common word"));
	p = refused(a, "P@ssw0rd2024", NULL, NULL, MIN_CHARS);
	CHECK(starts(p, WEAK) && contains(p, "look-alike"));
	p = refused(a, "asdfghjkl;'#", NULL, NULL, MIN_CHARS);
	CHECK(starts(p, WEAK) && contains(p, "keyboard"));
	p = refused(a, "zzzzzzzzzzzzzzzz", NULL, NULL, MIN_CHARS);
	CHECK(starts(p, WEAK) && contains(p, "repeats"));
	p = refused(a, "abcdefghijklm", NULL, NULL, MIN_CHARS);
	CHECK(starts(p, WEAK) && contains(p, "sequence"));
}

static void test_user_words(struct arena *a)
{
	const char *p;

	/* the username repeated */
	p = refused(a, "margueritemarguerite", "marguerite", "m.x@example.org", MIN_CHARS);
	CHECK_STR(p, "This password is too easy to guess: it is close to your username.");
	p = refused(a, "MargueriteMarguerite!", "marguerite", NULL, MIN_CHARS);
	CHECK_STR(p, "This password is too easy to guess: it is close to your username.");
	p = refused(a, "etireugram-etireugram", "marguerite", NULL, MIN_CHARS); /* reversed */
	CHECK_STR(p, "This password is too easy to guess: it is close to your username or email "
	             "address.");

	/* the email's local part, and the pieces of a dotted one */
	p = refused(a, "bartholomew2024", "bart", "bartholomew@example.org", MIN_CHARS);
	CHECK_STR(p, "This password is too easy to guess: it is close to your email address.");
	p = refused(a, "ZebediahQuill", "zq", "zebediah.quill@example.org", MIN_CHARS);
	CHECK_STR(p, "This password is too easy to guess: it is close to your email address.");
	CHECK(refused(a, "ZebediahQuill", "zq", "someone@example.org", MIN_CHARS) == NULL);

	/* names under 3 bytes are not used as words: they would flag every password */
	CHECK(refused(a, "velvet-crane-orbit-47-lagoon", "ve", "la@example.org", MIN_CHARS) ==
	      NULL);
}

static void test_strong(struct arena *a)
{
	CHECK(refused(a, "velvet-crane-orbit-47-lagoon", "alice", "alice@example.org", MIN_CHARS) ==
	      NULL);
	CHECK(refused(a, "dR7#kq!2Lm9x", NULL, NULL, MIN_CHARS) == NULL);
	CHECK(refused(a, "purple-monkey-dishwasher", "bob", "bob@example.org", MIN_CHARS) == NULL);
}

static void test_length(struct arena *a)
{
	const char *p;

	/* 11 characters, 22 bytes: the rule counts characters */
	p = refused(a, "ééééééééééé", NULL, NULL, 12);
	CHECK_STR(p, "This password is too short: use at least 12 characters.");
	p = refused(a, "ééééééééééé", NULL, NULL, 11); /* long enough, but one letter repeated */
	CHECK(starts(p, WEAK) && contains(p, "repeats"));
	CHECK_STR(refused(a, "éàüöçñøåßîë", NULL, NULL, 12),
	          "This password is too short: use at least 12 characters.");
	CHECK(refused(a, "éàüöçñøåßîë", NULL, NULL, 11) == NULL);
	CHECK(refused(a, "ÿ", NULL, NULL, 1) != NULL);
	CHECK_STR(refused(a, "", NULL, NULL, 1),
	          "This password is too short: use at least 1 character.");

	/* 1024 bytes are allowed, 1025 are not */
	static char big[PASSWORD_MAX_BYTES + 2];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof(big) - 1; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)('!' + (x >> 16) % 94);
	}
	big[PASSWORD_MAX_BYTES] = '\0';
	CHECK(refused(a, big, "alice", "alice@example.org", MIN_CHARS) == NULL);
	big[PASSWORD_MAX_BYTES] = 'x';
	p = refused(a, big, "alice", "alice@example.org", MIN_CHARS);
	CHECK(starts(p, "This password is too long:"));
	CHECK(contains(p, "1024"));
}

static void test_bad_input(struct arena *a)
{
	const char *p = "unset";

	CHECK_STR(refused(a, "velvet-crane-\xff-orbit-47", NULL, NULL, MIN_CHARS),
	          "This password is not valid UTF-8 text.");
	CHECK_STR(refused(a, "velvet-crane-\xed\xa0\x80-orbit-47", NULL, NULL, MIN_CHARS),
	          "This password is not valid UTF-8 text."); /* a surrogate */
	CHECK(password_policy_check_n("velvet-crane\0orbit-47-lagoon", 28, NULL, NULL, MIN_CHARS, a,
	                              &p) == MG_ERR_INVALID);
	CHECK_STR(p, "This password contains a NUL character, which is not allowed.");
	CHECK(password_policy_check_n("velvet-crane-orbit-47-lagoonXXXX", 28, NULL, NULL, MIN_CHARS,
	                              a, &p) == MG_OK);
	CHECK(p == NULL);
	CHECK(password_policy_check(NULL, NULL, NULL, MIN_CHARS, a, &p) == MG_ERR_INVALID);
	CHECK(p != NULL);
}

/* the account's own names inside a longer password, and near-constant passwords */
static void test_own_words(struct arena *a)
{
	CHECK(starts(refused(a, "bob-example-org", "bob", "bob@example.org", MIN_CHARS),
	             "This password is too easy to guess: it is close to your"));
	CHECK(starts(refused(a, "examplebob12xyz", "bob", "bob@example.org", MIN_CHARS),
	             "This password is too easy to guess"));
	CHECK(starts(refused(a, "velvet-ROBERTA-crane-47", "sam", "roberta@example.org", MIN_CHARS),
	             "This password is too easy to guess: it is close to your email"));
	static char same[1025];
	memset(same, 'a', 1024);
	CHECK(
	    starts(refused(a, same, NULL, NULL, MIN_CHARS), "This password is too easy to guess"));
	CHECK(starts(refused(a, "abababababababab", NULL, NULL, MIN_CHARS),
	             "This password is too easy to guess"));
}

int main(void)
{
	struct arena *a = arena_new();
	test_weak(a);
	test_user_words(a);
	test_strong(a);
	test_length(a);
	test_bad_input(a);
	test_own_words(a);
	arena_free(a);
	return check_done("test_strength");
}
