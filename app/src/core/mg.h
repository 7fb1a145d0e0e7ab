/* mg.h: the one error enum shared by every module, and xmalloc. */
#ifndef MG_H
#define MG_H

#include <stddef.h>

enum mg_err {
	MG_OK = 0,
	MG_ERR_INVALID,   /* the input is malformed (a user's mistake: 4xx) */
	MG_ERR_TOO_LARGE, /* the input is over a configured bound (413) */
	MG_ERR_NOT_FOUND, /* no such record (404) */
	MG_ERR_CONFLICT,  /* a constraint refused the change (409 / form message) */
	MG_ERR_DB,        /* the database failed or is unreachable (503) */
	MG_ERR_TIMEOUT,   /* a statement ran past its timeout (503) */
	MG_ERR_IO,        /* a read or write on a file or socket failed */
	MG_ERR_INTERNAL,  /* a bug or an unexpected library failure (500) */
};

/* mg_strerror: a short English phrase for an error code; never NULL, static storage. */
const char *mg_strerror(enum mg_err err);

/* xmalloc, xcalloc, xrealloc, xstrdup: allocate or abort the process (the master respawns
 * a worker that dies); never return NULL. Freed with free(). */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/* mg_now_ms: the monotonic clock in milliseconds, for timeouts and intervals. */
long long mg_now_ms(void);

#endif
