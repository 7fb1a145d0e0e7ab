/* log.h: one-line log records on stderr (journald adds the time and unit). */
#ifndef MG_LOG_H
#define MG_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* log_set_level: "error", "warn", "info" or "debug"; unknown names leave it unchanged. */
void log_set_level(const char *name);
/* log_set_tag: a prefix naming the process ("master", "worker 3"); copied. */
void log_set_tag(const char *tag);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
