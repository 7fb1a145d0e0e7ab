/* paths.c: the installed data folders, relative to the program, else the source tree's. */
#include "core/paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The install rules (CMakeLists.txt) put each folder at PREFIX/share/musicgraph/<installed>;
 * <source> is the same data in the checkout. */
static const struct {
	const char *installed;
	const char *source;
} folders[] = {
    {"migrations", "sql/migrations"},
    {"static", "app/static"},
};

#define N_FOLDERS (sizeof(folders) / sizeof(folders[0]))

static char resolved[N_FOLDERS][PATH_MAX];

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* installed_dir: BINDIR/<bin-to-data>/name from /proc/self/exe into out; 0 if there is none. */
static int installed_dir(const char *name, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	char candidate[PATH_MAX];
	int len =
	    snprintf(candidate, sizeof(candidate), "%s/%s/%s", exe, MUSICGRAPH_BIN_TO_DATA, name);
	if (len <= 0 || (size_t)len >= sizeof(candidate) || outlen < PATH_MAX)
		return 0;
	/* realpath: "/usr/local/share/musicgraph/static", not ".../bin/../share/..." */
	return realpath(candidate, out) != NULL && is_dir(out);
}

const char *paths_data_dir(const char *name)
{
	for (size_t i = 0; i < N_FOLDERS; i++) {
		if (strcmp(folders[i].installed, name) != 0)
			continue;
		char *out = resolved[i];
		if (out[0] == '\0' && !installed_dir(name, out, sizeof(resolved[i])))
			snprintf(out, sizeof(resolved[i]), "%s/%s", MUSICGRAPH_SOURCE_DIR,
			         folders[i].source);
		return out;
	}
	return NULL;
}
