/* log.c: leveled logging to stderr with a sd-daemon priority prefix for journald. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level current = LOG_INFO;
static char tag[32] = "musicgraph";

void log_set_level(const char *name)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			current = (enum log_level)i;
}

void log_set_tag(const char *t)
{
	snprintf(tag, sizeof(tag), "%s", t);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > current)
		return;
	/* <3> error, <4> warning, <6> info, <7> debug: journald reads these prefixes */
	static const int prio[] = {3, 4, 6, 7};
	char line[1024];
	int n = snprintf(line, sizeof(line), "<%d>%s[%ld]: ", prio[level], tag, (long)getpid());
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* one write per record so lines from several workers do not interleave */
	size_t len = strnlen(line, sizeof(line) - 2);
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
