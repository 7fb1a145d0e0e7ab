/* cookie.h: Set-Cookie headers for our __Host- cookies (Secure, HttpOnly, SameSite=Lax). */
#ifndef MG_COOKIE_H
#define MG_COOKIE_H

struct arena;
struct response;

#define COOKIE_SESSION "__Host-mg_session"
#define COOKIE_CSRF    "__Host-mg_csrf"
#define COOKIE_FLASH   "__Host-mg_flash"

/* cookie_set: name=value with Max-Age max_age (0 deletes; -1 makes a browser-session cookie).
 * value must be a token (base64url), never user text. */
void cookie_set(struct response *resp, struct arena *a, const char *name, const char *value,
                long max_age);

#endif
