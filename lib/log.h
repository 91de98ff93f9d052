/*
 * log.h: structured logging. One JSON object per line on stderr (journald
 * picks it up) or on a file that SIGUSR1 reopens. Every line carries the
 * time, level, program, pid and, inside a request, the request id.
 *
 * The plain functions append strerror(errno); the *x variants do not. All of
 * them keep errno as it was. log_debug() does not evaluate its arguments when
 * debug lines are off.
 *
 * Warnings and errors can be rate-limited (log_set_rate_limit): of one kind
 * of line (one format string), the first N of each second are written, the
 * rest counted, and one summary line per kind and second says how many were
 * suppressed ("3120 more like this suppressed: ..."), so an outage that fails
 * every request costs a few lines a second, not one per request.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

extern enum log_level log_min_level;	/* lines below this are dropped */

void	 log_init(const char *prog, enum log_level);
int	 log_open_file(const char *path);	/* -1 and errno on failure */
int	 log_reopen(void);			/* after logrotate; -1 on failure */
int	 log_level_parse(const char *, enum log_level *);	/* -1 if unknown */
void	 log_set_request_id(const char *);	/* NULL clears; copied */
const char *log_request_id(void);		/* borrowed; "" outside a request */
/*
 * Writes at most n warn and error lines of each kind per second (0 = no
 * limit, the default); see above.
 */
void	 log_set_rate_limit(unsigned int n);
/* Writes the summaries of the seconds that have ended; cheap, call often. */
void	 log_flush_suppressed(void);
/* The clock the limiter reads (monotonic ms); NULL = clock_ms. For tests. */
void	 log_set_clock(long long (*now_ms)(void));

void	 log_msg(enum log_level, int with_errno, const char *fields,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	 log_vmsg(enum log_level, int with_errno, const char *fields,
	     const char *fmt, va_list) __attribute__((format(printf, 4, 0)));
/* Appends a "key":"value" pair, escaped, to fields (a caller buffer). */
void	 log_field(char *fields, size_t size, const char *key, const char *val);
void	 log_field_int(char *fields, size_t size, const char *key, long long);

#define log_debug(...) do {						\
	if (log_min_level <= LOG_LEVEL_DEBUG)				\
		log_msg(LOG_LEVEL_DEBUG, 0, NULL, __VA_ARGS__);		\
} while (0)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, 0, NULL, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, 1, NULL, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_LEVEL_WARN, 0, NULL, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LEVEL_ERROR, 1, NULL, __VA_ARGS__)
#define log_errorx(...)	log_msg(LOG_LEVEL_ERROR, 0, NULL, __VA_ARGS__)

/* Escapes src as the inside of a JSON string into dst (always terminated). */
size_t	 log_escape(char *dst, size_t size, const char *src);

#endif
