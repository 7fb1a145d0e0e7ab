/* admin_result.h: what an admin write (genre or band) did, and the plumbing the writers share:
 * turning a constraint failure into a message in words, and ending the transaction. */
#ifndef MG_DB_ADMIN_RESULT_H
#define MG_DB_ADMIN_RESULT_H

#include "core/mg.h"
#include "db/db.h"

#include <stdbool.h>

/* What a write did. Only ADMIN_DONE changed anything. */
enum admin_outcome {
	ADMIN_DONE,      /* written, with its audit entries, and committed */
	ADMIN_UNCHANGED, /* update: the form changed nothing; nothing was written */
	ADMIN_NOT_FOUND, /* there is no record with that id */
	ADMIN_STALE,     /* the record's version is not the form's */
	ADMIN_IN_USE,    /* delete (genres only): other records still need it */
	ADMIN_REFUSED,   /* a constraint refused the change; see field and message */
};

/* The outcome and its details; strings live in the arena. */
struct admin_result {
	enum admin_outcome outcome;
	/* REFUSED: the form field the message belongs to (as the data module names it) or NULL
	 * for the whole form, the message in plain words, and whether it was the genre cycle
	 * trigger (MG001: the page names the cycle) */
	const char *field, *message;
	bool cycle;
	const char *name; /* update, delete: the record's name once it was found */
};

/* One constraint failure in words; a table of them ends with a row whose sqlstate is NULL. */
struct admin_refusal {
	const char *sqlstate;   /* NULL: any (the last row) */
	const char *constraint; /* NULL: any */
	const char *field;      /* the form field, or NULL */
	const char *message;    /* "{id}" stands for the record's id */
	bool cycle;             /* the genre cycle trigger */
};

/* admin_result_fill: message with its first "{id}" replaced by id, in the arena (message
 * itself when it has none). */
const char *admin_result_fill(struct arena *a, const char *message, const char *id);
/* admin_result_refuse: roll back and turn db's last failure into out's REFUSED fields, from
 * the first row of table that matches its SQLSTATE and constraint. */
void admin_result_refuse(struct db *db, struct arena *a, const struct admin_refusal *table,
                         const char *id, struct admin_result *out);
/* admin_result_finish: end a write's transaction after its last statement returned rc: commit
 * (DONE), or on a constraint failure (MG_ERR_CONFLICT, at a statement or at COMMIT) roll back
 * and answer REFUSED from table; both return MG_OK. Other errors roll back and are returned. */
enum mg_err admin_result_finish(struct db *db, struct arena *a, enum mg_err rc,
                                const struct admin_refusal *table, const char *id,
                                struct admin_result *out);
/* admin_result_found: for a write's read of its locked row: MG_ERR_NOT_FOUND becomes MG_OK
 * with out's outcome NOT_FOUND; any other code is returned as it is. */
enum mg_err admin_result_found(enum mg_err rc, struct admin_result *out);

#endif
