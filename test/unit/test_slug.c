/* test_slug.c: slug validation and the name → slug rule. */
#include "check.h"
#include "core/arena.h"
#include "util/slug.h"

#include <string.h>

static void test_valid(void)
{
	CHECK(slug_valid("rock"));
	CHECK(slug_valid("r-and-b"));
	CHECK(slug_valid("2-step"));
	CHECK(slug_valid("a"));
	CHECK(slug_valid("0"));
	CHECK(slug_valid(
	    "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghi")); /* 64 */
	CHECK(!slug_valid("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij"));
	CHECK(!slug_valid(NULL));
	CHECK(!slug_valid(""));
	CHECK(!slug_valid("-rock"));
	CHECK(!slug_valid("rock-"));
	CHECK(!slug_valid("-"));
	CHECK(!slug_valid("hard--rock"));
	CHECK(!slug_valid("Rock"));
	CHECK(!slug_valid("hard rock"));
	CHECK(!slug_valid("hard_rock"));
	CHECK(!slug_valid("mötley"));
	CHECK(!slug_valid("a/b"));
}

static void test_from_name(struct arena *a)
{
	CHECK_STR(slug_from_name(a, "AC/DC"), "ac-dc");
	CHECK_STR(slug_from_name(a, "Guns N' Roses"), "guns-n-roses");
	CHECK_STR(slug_from_name(a, "Barış Manço"), "baris-manco");
	CHECK_STR(slug_from_name(a, "Earth, Wind & Fire"), "earth-wind-and-fire");
	CHECK_STR(slug_from_name(a, "Motörhead"), "motorhead");
	CHECK_STR(slug_from_name(a, "Mötley Crüe"), "motley-crue");
	CHECK_STR(slug_from_name(a, "Queensrÿche"), "queensryche");
	CHECK_STR(slug_from_name(a, "Florence + the Machine"), "florence-plus-the-machine");
	CHECK_STR(slug_from_name(a, "r&b"), "r-and-b");
	CHECK_STR(slug_from_name(a, "D'Angelo"), "d-angelo");
	CHECK_STR(slug_from_name(a, "*NSYNC"), "nsync");
	CHECK_STR(slug_from_name(a, "t.A.T.u."), "t-a-t-u");
	CHECK_STR(slug_from_name(a, "Anderson .Paak"), "anderson-paak");
	CHECK_STR(slug_from_name(a, "\"Weird Al\" Yankovic"), "weird-al-yankovic");
	CHECK_STR(slug_from_name(a, "Sơn Tùng M-TP"), "son-tung-m-tp");
	CHECK_STR(slug_from_name(a, "Sigur Rós"), "sigur-ros");
	CHECK_STR(slug_from_name(a, "Édith Piaf"), "edith-piaf");
	CHECK_STR(slug_from_name(a, "Straße"), "strasse");
	CHECK_STR(slug_from_name(a, "Æther"), "aether");
	CHECK_STR(slug_from_name(a, "Łódź"), "lodz");
	CHECK_STR(slug_from_name(a, "Ștefan Țara"), "stefan-tara");
	CHECK_STR(slug_from_name(a, "Tiësto"), "tiesto");
	CHECK_STR(slug_from_name(a, "Việt Nam"), "viet-nam");
	CHECK_STR(slug_from_name(a, "Þórr Ðóttir"), "thorr-dottir");
	/* decomposed input: e + U+0301 combining acute accent */
	CHECK_STR(slug_from_name(a, "Beyonce\xCC\x81"), "beyonce");
	/* other scripts and symbols separate words */
	CHECK_STR(slug_from_name(a, "J-pop 日本"), "j-pop");
	CHECK_STR(slug_from_name(a, "rock — roll"), "rock-roll");
	CHECK_STR(slug_from_name(a, "Girls’ Generation"), "girls-generation");
	CHECK_STR(slug_from_name(a, "  --Hello,   World!!  "), "hello-world");
	CHECK_STR(slug_from_name(a, "&"), "and");
	CHECK_STR(slug_from_name(a, "C++"), "c-plus-plus");
	CHECK_STR(slug_from_name(a, ""), "");
	CHECK_STR(slug_from_name(a, "!!!"), "");
	CHECK_STR(slug_from_name(a, "日本"), "");
	/* invalid UTF-8 never leaks into a slug */
	CHECK_STR(slug_from_name(a, "ab\xFF\xC3-cd\xE2\x82"), "ab-cd");
}

static void test_length(struct arena *a)
{
	/* cut at the last hyphen within 64 */
	const char *name = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
	char *s = slug_from_name(a, name);
	CHECK_STR(s, "alpha-beta-gamma-delta-epsilon-zeta-eta-theta-iota-kappa-lambda");
	CHECK(strlen(s) <= SLUG_MAX && slug_valid(s));
	/* exactly 64 before a hyphen: kept whole */
	char exact[80];
	memset(exact, 'a', 64);
	memcpy(exact + 64, " bbb", 5);
	s = slug_from_name(a, exact);
	CHECK(strlen(s) == 64 && slug_valid(s));
	/* one long word: cut hard at 64 */
	char word[200];
	memset(word, 'x', 199);
	word[199] = '\0';
	s = slug_from_name(a, word);
	CHECK(strlen(s) == 64 && slug_valid(s));
	/* a short word then a long one: cut after the short one */
	char two[200];
	memcpy(two, "ab ", 3);
	memset(two + 3, 'y', 150);
	two[153] = '\0';
	CHECK_STR(slug_from_name(a, two), "ab");
	/* many ampersands: the output buffer is big enough */
	char amps[101];
	memset(amps, '&', 100);
	amps[100] = '\0';
	s = slug_from_name(a, amps);
	CHECK(slug_valid(s) && strncmp(s, "and-and-", 8) == 0);
}

int main(void)
{
	struct arena *a = arena_new();
	test_valid();
	test_from_name(a);
	test_length(a);
	arena_free(a);
	return check_done("test_slug");
}
