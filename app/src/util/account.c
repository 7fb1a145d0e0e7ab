/* account.c: username and email shape checks. */
#include "util/account.h"

#include <string.h>

bool account_username_valid(const char *u)
{
	size_t n = strlen(u);
	if (n < 3 || n > 32)
		return false;
	for (const char *p = u; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

bool account_email_valid(const char *e)
{
	size_t n = strlen(e);
	const char *at = strchr(e, '@');
	if (n > 254 || at == NULL || at == e || strchr(at + 1, '@') != NULL)
		return false;
	const char *dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)e; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}
