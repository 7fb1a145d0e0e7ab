/* graph_file.c: writes, prunes and clears the graph-<version>.json files of
 * MUSICGRAPH_GRAPH_DIR. */
#include "server/graph_file.h"
#include "core/buf.h"
#include "render/graph_json.h"
#include "db/graph.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int graph_file_publish(const char *dir, const struct graph *g, char *path, size_t pathlen)
{
	char tmp[PATH_MAX];
	int n = snprintf(path, pathlen, "%s/graph-%lld.json", dir, g->version);
	int t =
	    snprintf(tmp, sizeof(tmp), "%s/.graph-%lld.%ld.tmp", dir, g->version, (long)getpid());
	if (n < 0 || (size_t)n >= pathlen || t < 0 || (size_t)t >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 0; /* another worker wrote this version already */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	struct buf json;
	buf_init(&json);
	graph_json_write(&json, g);
	/* fchmod: the service's UMask (0077) would leave it unreadable for nginx */
	int rc = write_all(fd, json.data, json.len) == 0 && fchmod(fd, 0644) == 0 ? 0 : -1;
	int saved = errno;
	buf_free(&json);
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		errno = saved;
	}
	return rc;
}

struct entry {
	long long version;
	time_t mtime;
};

static int by_version(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

/* version_of: the version in "graph-<version>.json", or -1 for any other name. */
static long long version_of(const char *name)
{
	if (strncmp(name, "graph-", 6) != 0)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(name + 6, &end, 10);
	if (errno != 0 || end == name + 6 || strcmp(end, ".json") != 0 || v < 0)
		return -1;
	return v;
}

static int is_temp(const char *name)
{
	size_t n = strlen(name);
	return strncmp(name, ".graph-", 7) == 0 && n > 4 && strcmp(name + n - 4, ".tmp") == 0;
}

/* unlink_in: unlink dir/name; a name too long for the buffer is left alone. */
static void unlink_in(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n > 0 && (size_t)n < sizeof(path))
		unlink(path);
}

void graph_file_prune(const char *dir, long long current, time_t now)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		long long v = version_of(de->d_name);
		int temp = v < 0 && is_temp(de->d_name);
		if (v < 0 && !temp)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (temp) { /* a write takes well under a second: this one's writer died */
			if (now - st.st_mtime >= GRAPH_FILE_KEEP)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct entry *ne = realloc(e, ncap * sizeof(*e));
			if (ne == NULL)
				break;
			e = ne;
			cap = ncap;
		}
		e[n].version = v;
		e[n].mtime = st.st_mtime;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(e, n, sizeof(*e), by_version);
	/* a version stopped being served when the next newer file appeared: measure from then */
	for (size_t i = 0; i + 1 < n; i++) {
		if (e[i].version >= current || now - e[i + 1].mtime < GRAPH_FILE_KEEP)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "graph-%lld.json", e[i].version);
		unlink_in(dir, name);
	}
	free(e);
}

void graph_file_clear(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (version_of(de->d_name) >= 0 || is_temp(de->d_name))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}
