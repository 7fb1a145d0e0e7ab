/* strength.c: the new-password policy: byte and character bounds, then libzxcvbn's estimate. */
#include "util/strength.h"
#include "core/arena.h"
#include "util/password.h"
#include "util/utf8.h"

#include <openssl/crypto.h>
#include <zxcvbn.h>

#include <stdbool.h>
#include <string.h>

#define MAX_USER_WORDS 24  /* user dictionary entries passed to zxcvbn */
#define MIN_WORD_BYTES 3   /* shorter names would make every password look weak */
#define MAX_WORD_BYTES 256 /* longer ones cannot matter: zxcvbn looks at 100 bytes */

enum word_source { FROM_USERNAME, FROM_EMAIL };

/* The user dictionary: NULL-terminated as ZxcvbnMatch wants, and where each word came from. */
struct words {
	const char *w[MAX_USER_WORDS + 1];
	enum word_source src[MAX_USER_WORDS];
	size_t n;
};

/* Why a weak password is weak, by zxcvbn's match type (MULTIPLE_MATCH removed). */
static const struct {
	int type;
	const char *why;
} reasons[] = {
    {DICTIONARY_MATCH, "This password is too easy to guess: it is a common word or password."},
    {DICT_LEET_MATCH, "This password is too easy to guess: it is a common word or password with "
                      "letters swapped for look-alike symbols, which guessers try first."},
    {REPEATS_MATCH, "This password is too easy to guess: it repeats characters or a pattern."},
    {SEQUENCE_MATCH, "This password is too easy to guess: it contains a sequence like abcd or "
                     "1234."},
    {SPATIAL_MATCH, "This password is too easy to guess: it contains a keyboard pattern like "
                    "qwerty."},
    {DATE_MATCH, "This password is too easy to guess: it relies on a date."},
    {YEAR_MATCH, "This password is too easy to guess: it relies on a year."},
};

static const char WHY_REPEAT[] =
    "This password is too easy to guess: it repeats characters or a pattern.";
static const char WHY_GENERAL[] = "This password is too easy to guess: make it longer, for "
                                  "example with a few unrelated words.";
static const char WHY_USERNAME[] = "This password is too easy to guess: it is close to your "
                                   "username.";
static const char WHY_EMAIL[] = "This password is too easy to guess: it is close to your email "
                                "address.";
static const char WHY_USER[] = "This password is too easy to guess: it is close to your username "
                               "or email address.";

static void words_add(struct words *ws, struct arena *a, const char *s, size_t n,
                      enum word_source src)
{
	if (n < MIN_WORD_BYTES || n > MAX_WORD_BYTES || ws->n == MAX_USER_WORDS)
		return;
	ws->src[ws->n] = src;
	ws->w[ws->n++] = arena_strndup(a, s, n);
	ws->w[ws->n] = NULL;
}

/* words_add_pieces: the pieces of the n bytes at s between '.', '_', '-' and '+', when there
 * is more than one. */
static void words_add_pieces(struct words *ws, struct arena *a, const char *s, size_t n,
                             enum word_source src)
{
	size_t start = 0;
	if (s == NULL || strcspn(s, "._-+") >= n)
		return;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && strchr("._-+", s[i]) == NULL)
			continue;
		words_add(ws, a, s + start, i - start, src);
		start = i + 1;
	}
}

/* words_build: username, email, the email's local part, then the pieces of both names. */
static void words_build(struct words *ws, struct arena *a, const char *username, const char *email)
{
	size_t ulen = username != NULL ? strlen(username) : 0;
	size_t elen = email != NULL ? strlen(email) : 0;
	size_t local = email != NULL ? strcspn(email, "@") : 0;

	memset(ws, 0, sizeof(*ws));
	words_add(ws, a, username, ulen, FROM_USERNAME);
	words_add(ws, a, email, elen, FROM_EMAIL);
	if (local < elen)
		words_add(ws, a, email, local, FROM_EMAIL);
	words_add_pieces(ws, a, username, ulen, FROM_USERNAME);
	words_add_pieces(ws, a, email, local, FROM_EMAIL);
}

static bool ascii_case_equal(const char *s, const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], d = (unsigned char)t[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (d >= 'A' && d <= 'Z')
			d = (unsigned char)(d - 'A' + 'a');
		if (c != d)
			return false;
	}
	return true;
}

/* spells: whether the n bytes at s are word, or word repeated, ignoring ASCII case. */
static bool spells(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);
	if (wl == 0 || n % wl != 0)
		return false;
	for (size_t i = 0; i < n; i += wl)
		if (!ascii_case_equal(s + i, word, wl))
			return false;
	return true;
}

/* why_user: which of the user's names the user-dictionary match m spells (once or repeated);
 * both when it is a leet or reversed form we cannot tell apart. */
static const char *why_user(const struct words *ws, const char *pw, size_t len, const ZxcMatch_t *m)
{
	if (m->Begin < 0 || m->Length <= 0 || (size_t)m->Begin + (size_t)m->Length > len)
		return WHY_USER;
	for (size_t i = 0; i < ws->n; i++)
		if (spells(pw + m->Begin, (size_t)m->Length, ws->w[i]))
			return ws->src[i] == FROM_USERNAME ? WHY_USERNAME : WHY_EMAIL;
	return WHY_USER;
}

/* why_weak: the sentence for the pattern that dominates zxcvbn's split of the password: a
 * match on the user's own names if there is one, else the longest non-random part. */
static const char *why_weak(const struct words *ws, const char *pw, size_t len,
                            const ZxcMatch_t *info)
{
	const ZxcMatch_t *best = NULL, *user = NULL;
	for (const ZxcMatch_t *m = info; m != NULL; m = m->Next) {
		int base = m->Type & ~MULTIPLE_MATCH;
		if (base == USER_MATCH || base == USER_LEET_MATCH) {
			if (user == NULL || m->Length > user->Length)
				user = m;
			continue;
		}
		if ((base == BRUTE_MATCH && !(m->Type & MULTIPLE_MATCH)) ||
		    base == LONG_PWD_MATCH || base == NON_MATCH)
			continue;
		if (best == NULL || m->Length > best->Length)
			best = m;
	}
	if (user != NULL)
		return why_user(ws, pw, len, user);
	if (best == NULL)
		return WHY_GENERAL;
	if (best->Type & MULTIPLE_MATCH)
		return WHY_REPEAT;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].type == (int)best->Type)
			return reasons[i].why;
	return WHY_GENERAL;
}

/* contains_ci: does the len bytes at pw contain word (ASCII case-insensitively)? */
static bool contains_ci(const char *pw, size_t len, const char *word, size_t wlen)
{
	for (size_t i = 0; wlen > 0 && i + wlen <= len; i++)
		if (ascii_case_equal(pw + i, word, wlen))
			return true;
	return false;
}

/* own_words: the password holds the username or the email's local part outright (zxcvbn
 * sometimes scores such a password above the line when more words surround it). */
static const char *own_words(const char *pw, size_t len, const char *username, const char *email)
{
	size_t ulen = username ? strlen(username) : 0, elen = 0;
	if (email != NULL) {
		const char *at = strchr(email, '@');
		elen = at ? (size_t)(at - email) : strlen(email);
	}
	bool in_user = ulen >= MIN_WORD_BYTES && contains_ci(pw, len, username, ulen);
	bool in_email = elen >= MIN_WORD_BYTES && contains_ci(pw, len, email, elen);
	/* the whole address, or the longer of the two names ("bartholomew" over "bart");
	 * the username on a tie */
	if (email != NULL && strlen(email) > elen && contains_ci(pw, len, email, strlen(email)))
		return WHY_EMAIL;
	if (in_email && (!in_user || elen > ulen))
		return WHY_EMAIL;
	return in_user ? WHY_USERNAME : NULL;
}

/* few_distinct: fewer than 5 different bytes ("aaaa…", "abababab…"), whatever the length. */
static bool few_distinct(const char *pw, size_t len)
{
	bool seen[256] = {false};
	int n = 0;
	for (size_t i = 0; i < len && n < 5; i++)
		if (!seen[(unsigned char)pw[i]]) {
			seen[(unsigned char)pw[i]] = true;
			n++;
		}
	return n < 5;
}

enum mg_err password_policy_check_n(const char *password, size_t len, const char *username,
                                    const char *email, long min_chars, struct arena *a,
                                    const char **problem)
{
	char copy[PASSWORD_MAX_BYTES + 1];
	struct words ws;
	ZxcMatch_t *info = NULL;
	size_t chars;
	double bits;

	*problem = NULL;
	if (password == NULL) {
		*problem = "Please choose a password.";
		return MG_ERR_INVALID;
	}
	if (memchr(password, '\0', len) != NULL) {
		*problem = "This password contains a NUL character, which is not allowed.";
		return MG_ERR_INVALID;
	}
	if (len > PASSWORD_MAX_BYTES) {
		*problem = "This password is too long: it may have at most 1024 bytes (1024 plain "
		           "letters and digits, fewer accented or non-Latin characters).";
		return MG_ERR_INVALID;
	}
	if (!utf8_valid(password, len)) {
		*problem = "This password is not valid UTF-8 text.";
		return MG_ERR_INVALID;
	}
	chars = utf8_count(password, len);
	if (min_chars > 0 && chars < (size_t)min_chars) {
		*problem =
		    arena_sprintf(a, "This password is too short: use at least %ld character%s.",
		                  min_chars, min_chars == 1 ? "" : "s");
		return MG_ERR_INVALID;
	}

	if ((*problem = own_words(password, len, username, email)) != NULL)
		return MG_ERR_INVALID;
	if (few_distinct(password, len)) {
		*problem = WHY_REPEAT;
		return MG_ERR_INVALID;
	}
	memcpy(copy, password, len);
	copy[len] = '\0';
	words_build(&ws, a, username, email);
	bits = ZxcvbnMatch(copy, ws.w, &info);
	if (!(bits >= STRENGTH_MIN_BITS))
		*problem = why_weak(&ws, copy, len, info);
	ZxcvbnFreeInfo(info);
	OPENSSL_cleanse(copy, len);
	return *problem == NULL ? MG_OK : MG_ERR_INVALID;
}

enum mg_err password_policy_check(const char *password, const char *username, const char *email,
                                  long min_chars, struct arena *a, const char **problem)
{
	size_t len = password != NULL ? strnlen(password, PASSWORD_MAX_BYTES + 1) : 0;
	return password_policy_check_n(password, len, username, email, min_chars, a, problem);
}
