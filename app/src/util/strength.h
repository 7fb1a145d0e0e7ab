/* strength.h: the password policy for new passwords: length, encoding and zxcvbn's estimate. */
#ifndef MG_STRENGTH_H
#define MG_STRENGTH_H

#include "core/mg.h"

#include <stddef.h>

struct arena;

/* The least zxcvbn estimate we accept, in bits: log2(10^6 guesses). */
#define STRENGTH_MIN_BITS 19.931568569324174

/* password_policy_check: decide whether the NUL-terminated password may be set for the account
 * with this username and email (either may be NULL). Checks, in this order: at most
 * PASSWORD_MAX_BYTES (1024) bytes, valid UTF-8, at least min_chars characters (Unicode code
 * points, not bytes), and a zxcvbn estimate of at least 10^6 guesses (STRENGTH_MIN_BITS), with
 * the username, the email, its local part and the pieces of both names split at . _ - + (3 bytes
 * or more) as words the guesser knows. Returns MG_OK with *problem NULL, or MG_ERR_INVALID with
 * *problem set to one English sentence for the form (static, or allocated in a). NULL password
 * is MG_ERR_INVALID. */
enum mg_err password_policy_check(const char *password, const char *username, const char *email,
                                  long min_chars, struct arena *a, const char **problem);

/* password_policy_check_n: the same for the len bytes at password, which also refuses a NUL
 * byte among them (password_hash would keep it; a C string would cut it off). */
enum mg_err password_policy_check_n(const char *password, size_t len, const char *username,
                                    const char *email, long min_chars, struct arena *a,
                                    const char **problem);

#endif
