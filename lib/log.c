/*
 * log.c: JSON-lines logger.
 *
 * A line is built in one stack buffer and written with one write(2), so lines
 * from several workers sharing the file never interleave (writes below
 * PIPE_BUF to a pipe or an O_APPEND file are atomic). Control bytes, quotes,
 * backslashes and bytes that are not valid UTF-8 are escaped, so a hostile
 * request path cannot forge a log line. A line longer than the buffer is cut
 * and marked "truncated":true.
 *
 * The rate limiter (log.h) keeps a small table of the kinds of line seen in
 * the current second, a kind being the format string's address (one call
 * site, or a few sharing a format): no hashing, no allocation. Each entry
 * counts its own second from its first line; when that second is over, the
 * next warning or error (or log_flush_suppressed(), which the daemon's
 * workers call from their loop) writes its summary and frees the entry. A
 * full table gives up the entry whose second began first, summary written.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define LOG_LINE_MAX	4096	/* ts+prog+ids ~200, msg, error, fields */
#define LOG_MSG_MAX	2048	/* message, after escaping */
#define LOG_FIELD_MAX	512	/* one field value, after escaping */
#define LOG_FIELDS_MAX	1500	/* all extra fields */
#define LOG_KINDS	32	/* kinds of line the limiter tells apart */
#define LOG_KIND_MSG	256	/* the first suppressed line kept, bytes */
#define LOG_WINDOW_MS	1000	/* the limiter's second */

/* One kind of line within its current second (the rate limiter). */
struct log_kind {
	const char	*fmt;		/* the kind; NULL = a free entry */
	enum log_level	 level;		/* of its lines */
	long long	 start_ms;	/* its second began, log_now() */
	unsigned int	 written;	/* lines written in this second */
	unsigned long	 suppressed;	/* ... and left out */
	char		 first[LOG_KIND_MSG];	/* the first left out, raw */
};

enum log_level	 log_min_level = LOG_LEVEL_INFO;

static const char *log_prog = "bootstack";
static int	 log_fd = STDERR_FILENO;
static char	*log_path;		/* file being written, NULL = stderr */
static char	 log_reqid[64];		/* current request id */

static const char *const log_names[] = { "debug", "info", "warn", "error" };

static unsigned int	 log_rate;		/* lines per kind and second; 0 = all */
static long long	(*log_now)(void) = clock_ms;
static struct log_kind	 log_kinds[LOG_KINDS];

/* Sets the program name (borrowed: a string literal or argv[0]) and level. */
void
log_init(const char *prog, enum log_level level)
{
	log_prog = prog;
	log_min_level = level;
}

/* Parses "debug|info|warn|error". */
int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	if (strcmp(s, "warning") == 0) {
		*out = LOG_LEVEL_WARN;
		return (0);
	}
	return (-1);
}

/* Sends log lines to path (appending), instead of stderr. */
int
log_open_file(const char *path)
{
	char	*copy;
	int	 fd;

	if ((copy = strdup(path)) == NULL)
		return (-1);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		free(copy);
		return (-1);
	}
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	free(log_path);
	log_fd = fd;
	log_path = copy;
	return (0);
}

/* Reopens the log file after a rotation; a no-op when logging to stderr. */
int
log_reopen(void)
{
	int	 fd;

	if (log_path == NULL)
		return (0);
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return (-1);
	if (dup2(fd, log_fd) == -1) {
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* Sets the request id stamped on following lines; NULL clears it. */
void
log_set_request_id(const char *id)
{
	if (id == NULL)
		log_reqid[0] = '\0';
	else
		log_escape(log_reqid, sizeof(log_reqid), id);
}

/* The current request id, already JSON-safe. */
const char *
log_request_id(void)
{
	return (log_reqid);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is invalid. */
static size_t
log_utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return ((s[1] & 0xc0) == 0x80 ? 2 : 0);
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return (0);
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return (0);	/* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return (0);	/* surrogate */
		return (3);
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return (0);
		if ((s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] >= 0x90))
			return (0);
		return (4);
	}
	return (0);
}

/*
 * Escapes src into dst as JSON string content. Stops cleanly (never in the
 * middle of an escape) when dst is full. Returns the length written; *end
 * gets where in src it stopped (at the NUL when all of src fit).
 */
static size_t
log_escape_end(char *dst, size_t size, const char *src, const char **end)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 o = 0, n;
	char			 esc[8];
	const char		*rep;

	*end = src;
	if (size == 0)
		return (0);
	while (*s != '\0') {
		rep = NULL;
		n = 1;
		switch (*s) {
		case '"':  rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", *s);
				rep = esc;
			} else if ((n = log_utf8_len(s)) == 0) {
				snprintf(esc, sizeof(esc), "\\\\x%02x", *s);
				rep = esc;
				n = 1;
			}
		}
		if (rep != NULL) {
			size_t rl = strlen(rep);
			if (o + rl >= size)
				break;
			memcpy(dst + o, rep, rl);
			o += rl;
			s++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	dst[o] = '\0';
	*end = (const char *)s;
	return (o);
}

/* See log.h: log_escape_end() without the stop position. */
size_t
log_escape(char *dst, size_t size, const char *src)
{
	const char	*end;

	return (log_escape_end(dst, size, src, &end));
}

/* Appends ,"key":"val" to a fields buffer; skips the pair if it won't fit. */
void
log_field(char *fields, size_t size, const char *key, const char *val)
{
	char	 ev[LOG_FIELD_MAX];
	size_t	 len = strlen(fields);
	int	 n;

	log_escape(ev, sizeof(ev), val == NULL ? "" : val);
	n = snprintf(fields + len, size - len, ",\"%s\":\"%s\"", key, ev);
	if (n < 0 || (size_t)n >= size - len)
		fields[len] = '\0';
}

/* Appends ,"key":N to a fields buffer; skips the pair if it won't fit. */
void
log_field_int(char *fields, size_t size, const char *key, long long val)
{
	size_t	 len = strlen(fields);
	int	 n;

	n = snprintf(fields + len, size - len, ",\"%s\":%lld", key, val);
	if (n < 0 || (size_t)n >= size - len)
		fields[len] = '\0';
}

/*
 * Writes one line: msg is raw text (escaped here), cut marks it truncated,
 * err is an errno value to name (0 = none), fields is pre-escaped ,"k":v
 * text made by log_field(); fields longer than LOG_FIELDS_MAX are dropped.
 * Every part has a bound, so the line always fits LOG_LINE_MAX and stays
 * valid JSON.
 */
static void
log_line(enum log_level level, const char *reqid, const char *msg, int cut,
    int err, const char *fields)
{
	char		 line[LOG_LINE_MAX], emsg[LOG_MSG_MAX], eerr[256];
	char		 ts[40];
	struct timespec	 now;
	struct tm	 tm;
	const char	*end;
	int		 n;
	size_t		 len;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + len, sizeof(ts) - len, ".%03ldZ", now.tv_nsec / 1000000);

	log_escape_end(emsg, sizeof(emsg), msg, &end);
	if (*end != '\0')
		cut = 1;
	eerr[0] = '\0';
	if (err != 0)
		log_escape(eerr, sizeof(eerr), strerror(err));
	if (fields != NULL && strlen(fields) > LOG_FIELDS_MAX)
		fields = ",\"fields_dropped\":true";
	n = snprintf(line, sizeof(line),
	    "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":\"%.32s\",\"pid\":%ld"
	    "%s%s%s,\"msg\":\"%s\"%s%s%s%s%s}\n",
	    ts, log_names[level], log_prog, (long)getpid(),
	    reqid[0] != '\0' ? ",\"request_id\":\"" : "", reqid,
	    reqid[0] != '\0' ? "\"" : "", emsg,
	    eerr[0] != '\0' ? ",\"error\":\"" : "", eerr,
	    eerr[0] != '\0' ? "\"" : "", cut ? ",\"truncated\":true" : "",
	    fields == NULL ? "" : fields);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(log_fd, line, (size_t)n);
}

/* See log.h. */
void
log_set_rate_limit(unsigned int n)
{
	log_rate = n;
}

/* See log.h. */
void
log_set_clock(long long (*now_ms)(void))
{
	log_now = now_ms != NULL ? now_ms : clock_ms;
}

/* Writes k's summary if it left lines out, and frees the entry. */
static void
log_kind_end(struct log_kind *k)
{
	char	 msg[LOG_KIND_MSG + 64], fields[64] = "";

	if (k->suppressed > 0) {
		snprintf(msg, sizeof(msg), "%lu more like this suppressed: %s",
		    k->suppressed, k->first);
		log_field_int(fields, sizeof(fields), "suppressed",
		    (long long)k->suppressed);
		log_line(k->level, "", msg, 0, 0, fields);
	}
	k->fmt = NULL;
}

/* Ends the kinds whose second is over at now. */
static void
log_flush_due(long long now)
{
	size_t	 i;

	for (i = 0; i < LOG_KINDS; i++)
		if (log_kinds[i].fmt != NULL &&
		    now - log_kinds[i].start_ms >= LOG_WINDOW_MS)
			log_kind_end(&log_kinds[i]);
}

/* See log.h. */
void
log_flush_suppressed(void)
{
	int	 saved = errno;

	if (log_rate > 0)
		log_flush_due(log_now());
	errno = saved;
}

/* The limiter's entry for lines of format fmt, made if new. */
static struct log_kind *
log_kind_get(const char *fmt, enum log_level level, long long now)
{
	struct log_kind	*k, *free_k = NULL, *oldest = NULL;
	size_t		 i;

	for (i = 0; i < LOG_KINDS; i++) {
		k = &log_kinds[i];
		if (k->fmt == fmt)
			return (k);
		if (k->fmt == NULL) {
			if (free_k == NULL)
				free_k = k;
		} else if (oldest == NULL || k->start_ms < oldest->start_ms)
			oldest = k;
	}
	if ((k = free_k) == NULL) {
		k = oldest;
		log_kind_end(k);
	}
	k->fmt = fmt;
	k->level = level;
	k->start_ms = now;
	k->written = 0;
	k->suppressed = 0;
	k->first[0] = '\0';
	return (k);
}

/*
 * Formats and writes one line; see log.h. A warning or error over the rate
 * limit is counted, not written.
 */
void
log_vmsg(enum log_level level, int with_errno, const char *fields,
    const char *fmt, va_list ap)
{
	struct log_kind	*k;
	char		 msg[LOG_MSG_MAX];
	long long	 now;
	int		 saved = errno, n;

	if (level < log_min_level)
		return;
	if (log_rate > 0 && level >= LOG_LEVEL_WARN) {
		now = log_now();
		log_flush_due(now);
		k = log_kind_get(fmt, level, now);
		if (k->written >= log_rate) {
			if (k->suppressed++ == 0)
				vsnprintf(k->first, sizeof(k->first), fmt, ap);
			errno = saved;
			return;
		}
		k->written++;
	}
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	log_line(level, log_reqid, msg, n < 0 || (size_t)n >= sizeof(msg),
	    with_errno ? saved : 0, fields);
	errno = saved;
}

/* printf-style front end of log_vmsg. */
void
log_msg(enum log_level level, int with_errno, const char *fields,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(level, with_errno, fields, fmt, ap);
	va_end(ap);
}
