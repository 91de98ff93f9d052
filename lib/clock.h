/*
 * clock.h: time as bootstack reads and writes it: the monotonic clock for
 * deadlines and intervals, and RFC 3339 timestamps for files and messages.
 *
 * Deadlines are always measured on CLOCK_MONOTONIC (clock_ms), never on
 * time(2), which jumps when the wall clock is set. Timestamps bootstack
 * writes are UTC with a "Z" and whole seconds ("2026-01-02T03:04:05Z");
 * the parser takes what RFC 3339 section 5.6 allows (a 'T', 't' or blank
 * between date and time, fractions of a second, "Z" or a +hh:mm offset),
 * which is what ACME servers and our own files hold.
 */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include <stddef.h>
#include <time.h>

#define CLOCK_RFC3339_LEN	21	/* "2026-01-02T03:04:05Z" + NUL */

/* Milliseconds on the monotonic clock (an arbitrary origin). */
long long	 clock_ms(void);
/* Microseconds on the monotonic clock. */
long long	 clock_us(void);
/*
 * Milliseconds since the epoch on the wall clock: only to compare with a
 * timestamp another process wrote (nginx's $msec), never for a deadline.
 */
long long	 clock_wall_ms(void);
/*
 * The wall clock in seconds, for what is compared with dates others wrote
 * (a certificate's lifetime, a CA's renewal window, a rate limit's end):
 * time(2), plus, in test builds only (configure --enable-test-hooks), the
 * seconds of $BS_TEST_CLOCK_SKEW, so that an end-to-end script can run a
 * command "a day later" without waiting a day.
 */
time_t		 clock_now(void);
/* Sleeps ms milliseconds (all of them: EINTR resumes the sleep). */
void		 clock_sleep_ms(long long ms);
/*
 * Waits until fd is ready for events (POLLIN, POLLOUT) or the monotonic
 * deadline_ms (clock_ms) passes; a deadline already past still looks once.
 * 1 when ready (or in error: the next read or write says which), 0 when
 * the time is up. EINTR resumes the wait.
 */
int		 clock_wait_fd(int fd, short events, long long deadline_ms);
/*
 * Formats t as "2026-01-02T03:04:05Z" (UTC) into buf; t <= 0 gives "-".
 * Returns buf.
 */
char		*clock_rfc3339_fmt(time_t t, char *buf, size_t size);
/* Parses an RFC 3339 date-time into *out. 0, or -1 (s may be NULL). */
int		 clock_rfc3339_parse(const char *s, time_t *out);

#endif
