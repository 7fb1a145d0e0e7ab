/* csrf.h: the token every form carries and every POST must return, plus an Origin check. */
#ifndef MG_CSRF_H
#define MG_CSRF_H

#include <stdbool.h>

struct request;
struct response;

#define CSRF_FIELD "csrf_token"

/* csrf_token: the token to put in this page's forms: the session's when logged in, else the
 * double-submit cookie's (set on resp when the browser has none). NULL only if the CSPRNG
 * failed. */
const char *csrf_token(struct request *req, struct response *resp);
/* csrf_check: does this POST carry the right token, and (when sent) an Origin that is ours
 * and no cross-site Sec-Fetch-Site? */
bool csrf_check(const struct request *req);

#endif
