/*
 * clock.c: the monotonic and wall clocks and RFC 3339 timestamps; see clock.h.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

/* See clock.h. */
long long
clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* See clock.h. */
long long
clock_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* See clock.h. */
long long
clock_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* See clock.h. */
time_t
clock_now(void)
{
#ifdef BS_TEST_HOOKS
	static long long	 skew = -1;	/* read once; -1: not yet */
	const char		*v;
	char			*end;

	if (skew == -1) {
		skew = 0;
		if ((v = getenv("BS_TEST_CLOCK_SKEW")) != NULL && *v != '\0') {
			errno = 0;
			skew = strtoll(v, &end, 10);
			if (errno != 0 || *end != '\0' || skew < 0 ||
			    skew > 100LL * 365 * 86400)
				skew = 0;
		}
	}
	return (time(NULL) + (time_t)skew);
#else
	return (time(NULL));
#endif
}

/* See clock.h. */
void
clock_sleep_ms(long long ms)
{
	struct timespec	 ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* See clock.h. */
int
clock_wait_fd(int fd, short events, long long deadline_ms)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 rc;

	for (;;) {
		left = deadline_ms - clock_ms();
		if (left < 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (rc > 0 || (rc == -1 && errno != EINTR))
			return (1);
		if (rc == 0 && left == 0)
			return (0);
	}
}

/* See clock.h. */
char *
clock_rfc3339_fmt(time_t t, char *buf, size_t size)
{
	struct tm	 tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "-");
	return (buf);
}

/* See clock.h. */
int
clock_rfc3339_parse(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*p;
	int		 y, mo, d, h, mi, sec, n = 0, oh, om, sign;
	time_t		 t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo,
	    &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return (-1);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970 || h < 0 || mi < 0 || sec < 0)
		return (-1);
	p = s + n;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 ||
		    oh > 23 || om > 59 || oh < 0 || om < 0)
			return (-1);
		t -= sign * (oh * 3600 + om * 60);
		p += 6;
	} else
		return (-1);
	if (*p != '\0')
		return (-1);
	*out = t;
	return (0);
}
