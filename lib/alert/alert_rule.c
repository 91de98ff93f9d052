/*
 * alert_rule.c: the rules of `bootstack alert` ([alert NAME] sections, their
 * kinds, thresholds and durations) and the small parsers and formatters
 * the other files use; see alert.h for the model, docs/alerts.md for the
 * operator's side. The files of lib/alert/: alert_rule.c (rules),
 * alert_state.c (the state machine and the state file), alert_eval.c (the
 * numbers from scrapes, the evaluation), alert_msg.c (the messages),
 * alert_notify.c (the world: HTTP, sendmail, the command).
 *
 * Design: every file but alert_notify.c is pure or touches only the local
 * file system (status files, statvfs, the state file), so the whole logic
 * is unit-tested with fixed inputs (tests/unit/check_alert.c); the network
 * and child processes live in alert_notify.c.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alert.h"
#include "alert/alert_int.h"
#include "cause.h"
#include "config.h"
#include "jsonutil.h"

#define ALERT_MAX_SUMMARY	480		/* bytes of a summary line */


/* Threshold forms of the kinds. */
enum alert_unit {
	ALERT_UNIT_NONE,	/* no threshold */
	ALERT_UNIT_RATIO,	/* 0.05 or 5% */
	ALERT_UNIT_SECONDS,	/* 0.5, 500ms: a latency */
	ALERT_UNIT_DAYS,	/* 14 */
	ALERT_UNIT_PERCENT,	/* 10 or 10% */
	ALERT_UNIT_COUNT,	/* 5 */
	ALERT_UNIT_DURATION,	/* 2d, 36h, 7200 */
};

/* Which keys a kind wants. */
#define ALERT_K_METRICS	0x01	/* reads the scrape */
#define ALERT_K_ROUTE	0x02	/* may take route, min_requests */
#define ALERT_K_CERT	0x04	/* takes cert or path (a status file) */
#define ALERT_K_PATH	0x08	/* needs path */
#define ALERT_K_WINDOW	0x10	/* uses window */

static const struct {
	const char	*name;
	int		 flags;
	enum alert_unit	 unit;
	const char	*def;		/* default threshold */
} alert_kinds[ALERT_KIND__COUNT] = {
	{ "http_5xx_ratio", ALERT_K_METRICS | ALERT_K_ROUTE | ALERT_K_WINDOW,
	  ALERT_UNIT_RATIO, "5%" },
	{ "http_p95", ALERT_K_METRICS | ALERT_K_ROUTE | ALERT_K_WINDOW,
	  ALERT_UNIT_SECONDS, "0.5" },
	{ "db_down", 0, ALERT_UNIT_NONE, NULL },
	{ "cert_expiry", ALERT_K_CERT, ALERT_UNIT_DAYS, "14" },
	{ "cert_renew_failed", ALERT_K_CERT, ALERT_UNIT_NONE, NULL },
	{ "disk_space", ALERT_K_PATH, ALERT_UNIT_PERCENT, "10" },
	{ "crash_loop", ALERT_K_METRICS | ALERT_K_WINDOW, ALERT_UNIT_COUNT,
	  "5" },
	{ "stale_job", ALERT_K_PATH, ALERT_UNIT_DURATION, "2d" },
	{ "api_down", ALERT_K_METRICS, ALERT_UNIT_NONE, NULL },
};

static const char *const alert_chan_names[ALERT_CH__COUNT] = {
	"webhook", "mail", "command"
};

/* See alert.h. */
const char *
alert_kind_name(enum alert_kind k)
{
	if (k == ALERT_KIND__COUNT)
		return ("test");	/* `bootstack alert test` */
	return ((unsigned)k < ALERT_KIND__COUNT ? alert_kinds[k].name : "?");
}

/* See alert.h. */
const char *
alert_chan_name(enum alert_chan c)
{
	return ((unsigned)c < ALERT_CH__COUNT ? alert_chan_names[c] : "?");
}

/* See alert.h. */
const char *
alert_phase_name(enum alert_phase p)
{
	switch (p) {
	case ALERT_PENDING:
		return ("pending");
	case ALERT_FIRING:
		return ("firing");
	default:
		return ("inactive");
	}
}

/* --- small parsers and formatters --------------------------------------- */

/* See alert.h. */
int
alert_duration_parse(const char *s, long long *secs)
{
	long long	 total = 0, n, mult;
	char		*end;

	if (s == NULL || *s == '\0')
		return (-1);
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return (-1);
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == ERANGE || n > 100000000LL)
			return (-1);
		switch (*end) {
		case '\0':
			if (total != 0)
				return (-1);	/* "1h30": unit missing */
			mult = 1;
			break;
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case 'w':
			mult = 7 * 86400;
			break;
		default:
			return (-1);
		}
		total += n * mult;
		if (total > 10LL * 366 * 86400)
			return (-1);
		s = *end == '\0' ? end : end + 1;
	}
	*secs = total;
	return (0);
}

/* See alert.h. */
char *
alert_duration_fmt(long long secs, char *buf, size_t size)
{
	static const struct { long long n; char u; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' }
	};
	size_t	 i, off = 0;
	int	 parts = 0, w;

	if (secs <= 0) {
		snprintf(buf, size, "0s");
		return (buf);
	}
	buf[0] = '\0';
	for (i = 0; i < 4 && parts < 2 && off < size; i++) {
		if (secs < units[i].n)
			continue;
		w = snprintf(buf + off, size - off, "%lld%c",
		    secs / units[i].n, units[i].u);
		if (w < 0)
			break;
		off += (size_t)w;
		secs %= units[i].n;
		parts++;
		if (secs == 0)
			break;
	}
	return (buf);
}

/* See alert_int.h. */
char *
alert_summary(const char *fmt, ...)
{
	va_list		 ap;
	char		*s = NULL, c;
	size_t		 i, j, len;
	int		 utf8;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return (NULL);
	len = strlen(s);
	utf8 = jsonutil_utf8_chars(s, len) >= 0;
	for (i = 0, j = 0; i < len; i++) {
		c = s[i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		else if (!utf8 && (unsigned char)c >= 0x80)
			c = '?';
		if (c == ' ' && (j == 0 || s[j - 1] == ' '))
			continue;	/* runs of blanks (libpq's lines) */
		s[j++] = c;
	}
	while (j > 0 && s[j - 1] == ' ')
		j--;
	s[j] = '\0';
	len = j;
	if (len > ALERT_MAX_SUMMARY) {
		i = ALERT_MAX_SUMMARY - 3;
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		memcpy(s + i, "...", 4);
	}
	return (s);
}

/* --- rules ------------------------------------------------------------- */

/*
 * Parses a threshold of the given unit; 0 with *v, or -1 with *why (a
 * static text saying what is wanted).
 */
static int
alert_threshold(enum alert_unit unit, const char *s, double *v,
    const char **why)
{
	long long	 secs;
	char		*end;
	double		 d;
	int		 pct = 0, ms = 0;

	if (unit == ALERT_UNIT_DURATION) {
		*why = "a duration such as 7200, 36h or 2d";
		if (alert_duration_parse(s, &secs) != 0 || secs <= 0)
			return (-1);
		*v = (double)secs;
		return (0);
	}
	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(d) ||
	    isspace((unsigned char)*s))
		goto bad;
	if (*end == '%' && (unit == ALERT_UNIT_RATIO ||
	    unit == ALERT_UNIT_PERCENT))
		pct = 1, end++;
	else if (strcmp(end, "ms") == 0 && unit == ALERT_UNIT_SECONDS)
		ms = 1, end += 2;
	else if (strcmp(end, "s") == 0 && unit == ALERT_UNIT_SECONDS)
		end++;
	if (*end != '\0')
		goto bad;
	switch (unit) {
	case ALERT_UNIT_RATIO:
		if (pct)
			d /= 100;
		if (d <= 0 || d > 1)
			goto bad;
		break;
	case ALERT_UNIT_SECONDS:
		if (ms)
			d /= 1000;
		if (d <= 0)
			goto bad;
		break;
	case ALERT_UNIT_PERCENT:
		if (d <= 0 || d >= 100)
			goto bad;
		break;
	case ALERT_UNIT_DAYS:
	case ALERT_UNIT_COUNT:
		if (d <= 0)
			goto bad;
		break;
	default:
		goto bad;
	}
	*v = d;
	return (0);
bad:
	switch (unit) {
	case ALERT_UNIT_RATIO:
		*why = "a ratio above 0 and at most 1 (0.05) or a percentage "
		    "(5%)";
		break;
	case ALERT_UNIT_SECONDS:
		*why = "seconds above 0 (0.5, 500ms)";
		break;
	case ALERT_UNIT_PERCENT:
		*why = "a percentage between 0 and 100 (10 or 10%)";
		break;
	case ALERT_UNIT_DAYS:
		*why = "a number of days above 0";
		break;
	case ALERT_UNIT_COUNT:
		*why = "a count above 0";
		break;
	default:
		*why = "nothing: this kind takes no threshold";
		break;
	}
	return (-1);
}

/* Reads the i-th [alert NAME] into r; 0, or -1 with *cause. */
static int
alert_rule_load(const struct config *cfg, size_t i, struct alert_rule *r,
    char **cause)
{
	const char	*name, *kind, *thr, *cert, *path, *why, *sdir;
	size_t		 k, n;
	int		 flags;

	name = config_iname(cfg, "alert", i);
	r->name = name;
	if ((kind = config_istr(cfg, "alert", i, "kind")) == NULL) {
		cause_set(cause, "[alert %s] kind: not set (one of "
		    "http_5xx_ratio, http_p95, db_down, cert_expiry, "
		    "cert_renew_failed, disk_space, crash_loop, stale_job, "
		    "api_down)", name);
		return (-1);
	}
	for (k = 0; k < ALERT_KIND__COUNT; k++)
		if (strcmp(kind, alert_kinds[k].name) == 0)
			break;
	if (k == ALERT_KIND__COUNT) {
		cause_set(cause, "[alert %s] kind: unknown '%s'", name,
		    kind);
		return (-1);
	}
	r->kind = (enum alert_kind)k;
	flags = alert_kinds[k].flags;
	r->severity = config_istr(cfg, "alert", i, "severity");
	r->window = config_iint(cfg, "alert", i, "window");
	r->for_s = config_iint(cfg, "alert", i, "for");
	r->min_requests = config_iint(cfg, "alert", i, "min_requests");
	if (config_istr(cfg, "alert", i, "repeat") != NULL)
		r->repeat = config_iint(cfg, "alert", i, "repeat");
	else
		r->repeat = config_int(cfg, "alerts", "repeat");
	r->threshold = NAN;
	thr = config_istr(cfg, "alert", i, "threshold");
	if (thr != NULL && alert_kinds[k].unit == ALERT_UNIT_NONE) {
		cause_set(cause, "[alert %s] threshold: a %s rule takes "
		    "none", name, kind);
		return (-1);
	}
	if (alert_kinds[k].unit != ALERT_UNIT_NONE &&
	    alert_threshold(alert_kinds[k].unit, thr != NULL ? thr :
	    alert_kinds[k].def, &r->threshold, &why) != 0) {
		cause_set(cause, "[alert %s] threshold: '%s' is not %s",
		    name, thr != NULL ? thr : alert_kinds[k].def, why);
		return (-1);
	}
	r->route = config_istr(cfg, "alert", i, "route");
	if (r->route != NULL && !(flags & ALERT_K_ROUTE)) {
		cause_set(cause, "[alert %s] route: only http_5xx_ratio "
		    "and http_p95 rules take a route", name);
		return (-1);
	}
	cert = config_istr(cfg, "alert", i, "cert");
	path = config_istr(cfg, "alert", i, "path");
	if (cert != NULL && !(flags & ALERT_K_CERT)) {
		cause_set(cause, "[alert %s] cert: only cert_expiry and "
		    "cert_renew_failed rules take a cert", name);
		return (-1);
	}
	if (path != NULL && !(flags & (ALERT_K_CERT | ALERT_K_PATH))) {
		cause_set(cause, "[alert %s] path: a %s rule takes "
		    "none", name, kind);
		return (-1);
	}
	if (flags & ALERT_K_CERT) {
		if ((cert == NULL) == (path == NULL)) {
			cause_set(cause, "[alert %s] cert: set either "
			    "cert (a [cert NAME]) or path (its status file)",
			    name);
			return (-1);
		}
		if (cert != NULL) {
			for (n = 0; n < config_count(cfg, "cert"); n++)
				if (strcmp(config_iname(cfg, "cert", n),
				    cert) == 0)
					break;
			if (n == config_count(cfg, "cert")) {
				cause_set(cause, "[alert %s] cert: no "
				    "[cert %s] section", name, cert);
				return (-1);
			}
			sdir = config_str(cfg, "acme", "state_dir");
			if (asprintf(&r->path, "%s/%s.status.json", sdir,
			    cert) == -1 || (r->what = strdup(cert)) == NULL)
				goto nomem;
		} else if ((r->path = strdup(path)) == NULL ||
		    (r->what = strdup(path)) == NULL)
			goto nomem;
	} else if (flags & ALERT_K_PATH) {
		if (path == NULL || *path == '\0') {
			cause_set(cause, "[alert %s] path: a %s rule "
			    "needs one", name, kind);
			return (-1);
		}
		if ((r->path = strdup(path)) == NULL ||
		    (r->what = strdup(path)) == NULL)
			goto nomem;
	}
	if ((flags & ALERT_K_METRICS) &&
	    config_str(cfg, "alerts", "metrics_url") == NULL) {
		cause_set(cause, "[alert %s] kind: a %s rule reads "
		    "/metrics: set [alerts] metrics_url", name, kind);
		return (-1);
	}
	return (0);
nomem:
	cause_set(cause, "out of memory");
	return (-1);
}

/* See alert.h. */
int
alert_rules_load(const struct config *cfg, struct alert_rules *rules,
    char **cause)
{
	size_t	 i, n;

	*cause = NULL;
	memset(rules, 0, sizeof(*rules));
	n = config_count(cfg, "alert");
	if (n == 0)
		return (0);
	if ((rules->v = calloc(n, sizeof(*rules->v))) == NULL) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		rules->n++;
		if (alert_rule_load(cfg, i, &rules->v[i], cause) != 0) {
			alert_rules_cleanup(rules);
			return (-1);
		}
		if (alert_kinds[rules->v[i].kind].flags & ALERT_K_METRICS)
			rules->need_scrape = 1;
		if ((alert_kinds[rules->v[i].kind].flags & ALERT_K_WINDOW) &&
		    rules->v[i].window > rules->max_window)
			rules->max_window = rules->v[i].window;
	}
	return (0);
}

/* See alert.h. */
int
alert_check_rule(const struct config *cfg, size_t i, char **cause)
{
	struct alert_rule	 r;
	int			 rc;

	*cause = NULL;
	memset(&r, 0, sizeof(r));
	rc = alert_rule_load(cfg, i, &r, cause);
	free(r.path);
	free(r.what);
	return (rc);
}

/* See alert.h. */
int
alert_check_command(const char *v, char **why)
{
	char	**argv;
	int	  rc = 0;

	if (v == NULL || (argv = alert_split(v, 64)) == NULL)
		return (cause_set(why, "empty or more than 64 words: want an "
		    "absolute path and arguments"));
	if (argv[0][0] != '/')
		rc = cause_set(why, "'%s' is not an absolute path (no shell "
		    "and no PATH search is used)", argv[0]);
	alert_split_free(argv);
	return (rc);
}

/* See alert.h. */
void
alert_rules_cleanup(struct alert_rules *rules)
{
	size_t	 i;

	for (i = 0; i < rules->n; i++) {
		free(rules->v[i].path);
		free(rules->v[i].what);
	}
	free(rules->v);
	memset(rules, 0, sizeof(*rules));
}

/* See alert.h. */
const struct alert_rule *
alert_rules_find(const struct alert_rules *rules, const char *name)
{
	size_t	 i;

	for (i = 0; i < rules->n; i++)
		if (strcmp(rules->v[i].name, name) == 0)
			return (&rules->v[i]);
	return (NULL);
}

