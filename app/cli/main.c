/* main.c: musicgraph-admin, the operator's command line: one table of subcommands. */
#include "admin.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static int cmd_help(const struct config *cfg, int argc, char **argv);

struct command {
	const char *name;
	admin_handler handler;
	const char *args; /* after the name, for the usage line */
	const char *help; /* one or more lines, each indented by the printer */
};

static const struct command commands[] = {
    {"migrate", cmd_migrate, "[--dir DIR] [--status]",
     "Apply the pending NNNN_*.sql migrations of MUSICGRAPH_MIGRATIONS_DIR (or DIR) in order,\n"
     "each in its own transaction; refuse if an applied migration was edited or removed.\n"
     "--status lists applied and pending migrations and changes nothing."},
    {"import-genres", cmd_import_genres, "GENRES.csv [ALIASES.csv]",
     "Validate, then add or update the genres of GENRES.csv (slug,name,parent_slugs) and,\n"
     "when given, their aliases (slug,alias), all in one transaction. Nothing is written\n"
     "if any line is wrong; genres missing from the file are kept."},
    {"import-bands", cmd_import_bands, "BANDS.csv",
     "Validate, then add or update the bands of BANDS.csv (slug,name,genre_slugs) in one\n"
     "transaction. The genres must already be in the database."},
    {"import-flask", cmd_import_flask, "DATABASE [--merge]",
     "Bring over the Flask version's genres, bands and accounts from its SQLite file or\n"
     "PostgreSQL database (postgresql://...), read-only, in one transaction: all or nothing.\n"
     "Refuses a database that already holds genres or bands unless --merge (then genres and\n"
     "bands with the same slug take the Flask version); existing accounts are kept."},
    {"create-user", cmd_create_user, "USER EMAIL [--admin]",
     "Create an account (an admin with --admin). The password is asked twice on the terminal,\n"
     "without echo, or read from the first line of standard input when that is not a\n"
     "terminal; never from the command line. Same rules as the registration form."},
    {"set-password", cmd_set_password, "USER",
     "Set a new password (read as for create-user) and end all of USER's sessions, in one\n"
     "transaction."},
    {"list-users", cmd_list_users, "",
     "List the accounts, newest first: username, email, admin, created, last login (UTC)."},
    {"promote", cmd_promote, "USER", "Give USER admin rights."},
    {"demote", cmd_demote, "USER",
     "Take USER's admin rights away; the last admin cannot be demoted."},
    {"--remove", cmd_demote, "USER", "The same as demote (make_admin.py's spelling)."},
    {"end-sessions", cmd_end_sessions, "USER | --all",
     "End every session of USER, or of every user with --all: their browsers are logged out\n"
     "at their next request. Each user concerned gets an audit entry."},
    {"help", cmd_help, "", "Print this text."},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *f)
{
	fputs("usage: musicgraph-admin COMMAND [ARGUMENTS]\n\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct command *c = &commands[i];
		fprintf(f, "  %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
		const char *line = c->help;
		while (*line != '\0') {
			const char *end = strchr(line, '\n');
			size_t n = end ? (size_t)(end - line) : strlen(line);
			fprintf(f, "      %.*s\n", (int)n, line);
			line += n + (end ? 1 : 0);
		}
	}
	fputs("\nenvironment:\n"
	      "  MUSICGRAPH_DATABASE_URL        libpq URI or connection string (empty: PG* "
	      "variables)\n"
	      "  MUSICGRAPH_MIGRATIONS_DIR      folder of NNNN_name.sql migrations\n"
	      "  MUSICGRAPH_DB_CONNECT_TIMEOUT  seconds to wait for the database\n"
	      "  MUSICGRAPH_PBKDF2_ITERATIONS   PBKDF2 iterations for new password hashes\n"
	      "  MUSICGRAPH_PASSWORD_MIN        fewest characters in a new password\n"
	      "\nexit status: 0 success, 1 failure (nothing half-done), 2 usage error\n",
	      f);
}

static int cmd_help(const struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argv;
	if (argc > 1)
		return admin_usage_error("help", "help takes no arguments");
	print_usage(stdout);
	return EXIT_OK;
}

/* command_usage: "NAME ARGS" of a command, for its own usage errors. */
static void print_command_usage(FILE *f, const struct command *c)
{
	fprintf(f, "usage: musicgraph-admin %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
}

int main(int argc, char **argv)
{
	log_set_tag("musicgraph-admin");
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	const struct command *cmd = NULL;
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "musicgraph-admin: unknown command \"%s\"\n\n", name);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_command_usage(stdout, cmd);
			return EXIT_OK;
		}
	}
	struct config cfg;
	char err[256];
	if (config_load(&cfg, err, sizeof(err)) != MG_OK) {
		admin_warn("%s", err);
		return EXIT_FAIL;
	}
	log_set_level(cfg.log_level);
	return cmd->handler(&cfg, argc - 1, argv + 1);
}
