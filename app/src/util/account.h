/* account.h: the shape of a username and an email address, shared by the registration form
 * and musicgraph-admin. */
#ifndef MG_ACCOUNT_H
#define MG_ACCOUNT_H

#include <stdbool.h>

/* account_username_valid: 3 to 32 of A-Z a-z 0-9 _ . - (the database checks the same). */
bool account_username_valid(const char *u);
/* account_email_valid: a plausible address: one @ with text before it, a dot in the domain
 * with text on both sides, no spaces or control characters, at most 254 bytes. */
bool account_email_valid(const char *e);

#endif
