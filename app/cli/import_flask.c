/* import_flask.c: "musicgraph-admin import-flask": the Flask original's genres, bands and
 * accounts into our database, all or nothing, and what the operator has to do next. */
#include "admin.h"
#include "core/arena.h"
#include "import_flask.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_FLASK_USAGE "import-flask DATABASE [--merge]"

/* count_imported: the accounts written whose old password works here (checkable true) or
 * does not (false). */
static size_t count_imported(const struct flask_import *im, bool checkable)
{
	size_t n = 0;
	for (size_t i = 0; i < im->nu; i++)
		n += im->u[i].imported && (im->u[i].kind == PASSWORD_KIND_CHECKABLE) == checkable;
	return n;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* print_summary: the counts, then what changed shape and what is left to do. Every string
 * from the old database went through the model's checks or import_quote. */
static void print_summary(struct flask_import *im, const char *label)
{
	printf("Imported from %s:\n", label);
	printf("  genres    %zu (%zu added, %zu updated, %zu unchanged), %zu parent %s\n", im->ng,
	       im->genres_added, im->genres_updated, im->ng - im->genres_added - im->genres_updated,
	       im->ngenre_links, plural(im->ngenre_links, "link", "links"));
	printf("  bands     %zu (%zu added, %zu updated, %zu unchanged), %zu genre %s\n", im->nb,
	       im->bands_added, im->bands_updated, im->nb - im->bands_added - im->bands_updated,
	       im->nband_links, plural(im->nband_links, "link", "links"));
	printf("  accounts  %zu (%zu added, %zu already here)\n", im->nu, im->users_added,
	       im->nu - im->users_added);
	if (im->nrenamed > 0) {
		printf("Ids that were not valid slugs, and the slugs they got:\n");
		for (size_t i = 0; i < im->nrenamed; i++)
			printf("  %s %s -> %s\n", im->renamed[i].table,
			       import_quote(im->a, im->renamed[i].from), im->renamed[i].to);
	}
	if (im->users_added < im->nu) {
		printf("Accounts kept as they were (an account with that username or email was "
		       "already here; the Flask one was not imported):\n ");
		for (size_t i = 0; i < im->nu; i++)
			if (!im->u[i].imported)
				printf(" %s", im->u[i].username);
		printf("\n");
	}
	for (size_t i = 0; i < im->nnotes; i++)
		printf("Note: %s\n", im->notes[i]);
	size_t kept = count_imported(im, true), reset = count_imported(im, false);
	if (kept == 1)
		printf("1 imported account keeps its Flask password (a Werkzeug pbkdf2 or scrypt "
		       "hash); its first login here rewrites the hash in our format.\n");
	else if (kept > 1)
		printf(
		    "%zu imported accounts keep their Flask passwords (Werkzeug pbkdf2 or scrypt "
		    "hashes); the first login of each rewrites its hash in our format.\n",
		    kept);
	if (reset == 0)
		return;
	printf("%zu imported %s cannot log in until %s a new password: %s Flask password "
	       "%s cannot be checked here.\nSet one with:\n",
	       reset, plural(reset, "account", "accounts"), plural(reset, "it gets", "they get"),
	       plural(reset, "its", "their"), plural(reset, "hash", "hashes"));
	for (size_t i = 0; i < im->nu; i++) {
		const struct fuser *u = &im->u[i];
		if (!u->imported || u->kind == PASSWORD_KIND_CHECKABLE)
			continue;
		/* usernames passed account_username_valid: safe to print, but one may start
		 * with '-' */
		printf("  musicgraph-admin set-password %s%-20s # was %s\n",
		       u->username[0] == '-' ? "-- " : "", u->username, u->old_method);
	}
}

int cmd_import_flask(const struct config *cfg, int argc, char **argv)
{
	const char *database = NULL;
	bool merge = false, options = true;
	for (int i = 1; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0)
			options = false;
		else if (options && strcmp(argv[i], "--merge") == 0)
			merge = true;
		else if (options && argv[i][0] == '-' && argv[i][1] != '\0')
			return admin_usage_error(IMPORT_FLASK_USAGE,
			                         "import-flask: unknown option \"%s\"", argv[i]);
		else if (database != NULL)
			return admin_usage_error(IMPORT_FLASK_USAGE,
			                         "import-flask: expected one DATABASE");
		else
			database = argv[i];
	}
	if (database == NULL || database[0] == '\0')
		return admin_usage_error(
		    IMPORT_FLASK_USAGE, "import-flask needs the Flask database (a SQLite file or a "
		                        "postgresql:// address)");

	struct flask_import im;
	memset(&im, 0, sizeof(im));
	im.a = arena_new();
	im.merge = merge;
	ierr_init(&im.e, im.a);
	int rc = EXIT_FAIL;
	PGconn *conn = NULL;
	char *label = NULL;
	struct flask_rows rows[FLASK__TABLES];

	/* read everything, then let go of the old database before touching ours */
	struct flask_source *src = flask_source_open(database);
	if (src == NULL)
		goto out;
	label = xstrdup(flask_source_label(src));
	enum mg_err e = flask_source_read(src, im.a, rows);
	flask_source_close(src);
	if (e != MG_OK)
		goto out;

	flask_model_build(&im, rows);
	size_t nerr = ierr_print(&im.e);
	if (nerr > 0) {
		admin_warn("import-flask: %zu problem%s in %s; nothing was imported", nerr,
		           nerr == 1 ? "" : "s", label);
		goto out;
	}
	if ((conn = admin_db_connect(cfg)) == NULL)
		goto out;
	if ((e = flask_import_write(conn, &im)) != MG_OK) {
		if (e != MG_ERR_CONFLICT) /* a refusal has said so already */
			admin_warn("import-flask: nothing was imported");
		goto out;
	}
	print_summary(&im, label);
	rc = EXIT_OK;
out:
	PQfinish(conn); /* an open transaction is rolled back */
	free(label);
	free(im.renamed);
	ierr_free(&im.e);
	arena_free(im.a);
	return rc;
}
