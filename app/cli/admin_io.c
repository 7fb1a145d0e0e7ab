/* admin_io.c: messages on stderr and whole-file reads for the CLI. */
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void admin_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("musicgraph-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int admin_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("musicgraph-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: musicgraph-admin %s\n", usage);
	return EXIT_USAGE;
}

enum mg_err admin_read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                            size_t errlen)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return MG_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return MG_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s",
		         S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return MG_ERR_IO;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "larger than %zu bytes", max);
		close(fd);
		return MG_ERR_TOO_LARGE;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *p = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				snprintf(err, errlen, "larger than %zu bytes", max);
				free(p);
				close(fd);
				return MG_ERR_TOO_LARGE;
			}
			cap *= 2;
			p = xrealloc(p, cap);
		}
		ssize_t r = read(fd, p + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			free(p);
			close(fd);
			return MG_ERR_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = '\0';
	*data = p;
	*len = n;
	return MG_OK;
}
