/*
 * alert.c: the rules, the state machine, the state file and the numbers of
 * `bootstack alert` (see alert.h for the model; docs/alerts.md for the
 * operator's side).
 *
 * Design: every function here is pure or touches only the local file
 * system (status files, statvfs, the state file), so the whole logic is
 * unit-tested with fixed inputs (tests/unit/check_alert.c); the network
 * and child processes live in alert_notify.c. Rates come from the
 * difference between successive scrapes kept in the state file rather
 * than from a time-series database: with cron's one-minute tick a window
 * is measured from the newest kept scrape at least `window` seconds old,
 * so a "5 minute" window spans 5 to 6 minutes.
 *
 * Caveat: rules are evaluated with the time of the run; `for` and `repeat`
 * are compared in whole seconds, so with cron's minute ticks `for = 60`
 * fires at the second run that sees the condition.
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
#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "config.h"
#include "fs.h"
#include "jobstatus.h"
#include "jsonutil.h"

#define ALERT_MAX_STATUS	(1024 * 1024)	/* bytes of a status file */
#define ALERT_MAX_SUMMARY	480		/* bytes of a summary line */

/* The metric families a kept scrape holds. */
static const char *const alert_families[] = {
	"bootstack_http_requests_total",
	"bootstack_http_request_duration_seconds_bucket",
	"bootstack_worker_restarts_total",
	NULL
};

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

/*
 * Makes a one-line summary from printf arguments: control characters
 * become blanks (runs of blanks one), invalid UTF-8 becomes '?', and it is
 * cut at ALERT_MAX_SUMMARY bytes (on a character boundary). Caller frees.
 */
static char *alert_summary(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *
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

/* --- state machine ------------------------------------------------------- */

/* See alert.h. */
int
alert_silenced(const struct alert_state *st, time_t now)
{
	return (st->silenced_until > now);
}

/* See alert.h. */
int
alert_step(struct alert_state *st, const struct alert_rule *r, int active,
    time_t now)
{
	int	 bits = 0, ch;

	if (active < 0)
		return (0);
	if (active) {
		if (st->phase == ALERT_INACTIVE) {
			st->phase = ALERT_PENDING;
			st->active_since = now;
			bits |= ALERT_STEP_PENDING;
		}
		if (st->phase == ALERT_PENDING &&
		    now - st->active_since >= r->for_s) {
			st->phase = ALERT_FIRING;
			st->fired_at = now;
			bits |= ALERT_STEP_FIRED;
			/*
			 * A new firing: every channel is owed its first
			 * notice; a resolve still owed from the previous one
			 * is moot (the receiver saw it firing, and it is).
			 */
			for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
				st->sent[ch].notified = 0;
				st->sent[ch].resolve = 0;
			}
		}
		return (bits);
	}
	if (st->phase == ALERT_PENDING)
		bits |= ALERT_STEP_CLEARED;
	else if (st->phase == ALERT_FIRING) {
		bits |= ALERT_STEP_RESOLVED;
		st->resolved_at = now;
		for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
			if (st->sent[ch].notified)
				st->sent[ch].resolve = 1;
			st->sent[ch].notified = 0;
		}
	}
	st->phase = ALERT_INACTIVE;
	st->active_since = 0;
	return (bits);
}

/* See alert.h. */
enum alert_notice
alert_due(const struct alert_state *st, const struct alert_rule *r,
    enum alert_chan ch, time_t now)
{
	const struct alert_sent	*s = &st->sent[ch];

	if (s->resolve)
		return (ALERT_NOTICE_RESOLVED);
	if (st->phase != ALERT_FIRING || alert_silenced(st, now))
		return (ALERT_NOTICE_NONE);
	if (!s->notified)
		return (ALERT_NOTICE_FIRING);
	if (r->repeat > 0 && now - s->last >= r->repeat)
		return (ALERT_NOTICE_REPEAT);
	return (ALERT_NOTICE_NONE);
}

/* See alert.h. */
void
alert_delivered(struct alert_state *st, enum alert_chan ch,
    enum alert_notice n, time_t now)
{
	switch (n) {
	case ALERT_NOTICE_FIRING:
	case ALERT_NOTICE_REPEAT:
		st->sent[ch].notified = 1;
		st->sent[ch].last = now;
		break;
	case ALERT_NOTICE_RESOLVED:
		st->sent[ch].resolve = 0;
		break;
	default:
		break;
	}
}

/* --- the state file -------------------------------------------------------- */

/* See alert.h. */
void
alert_store_init(struct alert_store *s)
{
	memset(s, 0, sizeof(*s));
}

/* Frees what one state owns. */
static void
alert_state_free(struct alert_state *st)
{
	free(st->name);
	free(st->summary);
	free(st->silence_comment);
}

/* See alert.h. */
void
alert_store_cleanup(struct alert_store *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		alert_state_free(&s->v[i]);
	free(s->v);
	for (i = 0; i < s->nh; i++)
		free(s->h[i].text);
	free(s->h);
	alert_store_init(s);
}

/* See alert.h. */
struct alert_state *
alert_store_get(struct alert_store *s, const char *name, int create)
{
	struct alert_state	*grown, *st;
	size_t			 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return (&s->v[i]);
	if (!create)
		return (NULL);
	if ((grown = reallocarray(s->v, s->n + 1, sizeof(*grown))) == NULL)
		return (NULL);
	s->v = grown;
	st = &s->v[s->n];
	memset(st, 0, sizeof(*st));
	st->value = NAN;
	if ((st->name = strdup(name)) == NULL)
		return (NULL);
	s->n++;
	return (st);
}

/* See alert.h. */
void
alert_store_prune(struct alert_store *s, const struct alert_rules *rules)
{
	size_t	 i, j = 0;

	for (i = 0; i < s->n; i++) {
		if (alert_rules_find(rules, s->v[i].name) == NULL) {
			alert_state_free(&s->v[i]);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
}

/* An integer (or boolean) member of o, or 0. */
static long long
alert_jint(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_boolean)))
		return (0);
	return ((long long)json_object_get_int64(v));
}

/* A number member of o, or NaN. */
static double
alert_jdouble(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return (NAN);
	return (json_object_get_double(v));
}

/* A copy of a string member of o, or NULL (also on ENOMEM). */
static char *
alert_jstrdup(json_object *o, const char *key)
{
	const char	*s = jsonutil_get_str(o, key);

	return (s != NULL ? strdup(s) : NULL);
}

/* Fills st from its JSON object (missing members keep their zero). */
static void
alert_state_from_json(struct alert_state *st, json_object *o)
{
	json_object	*sent, *c;
	const char	*phase;
	int		 ch;

	phase = jsonutil_get_str(o, "state");
	if (phase != NULL && strcmp(phase, "pending") == 0)
		st->phase = ALERT_PENDING;
	else if (phase != NULL && strcmp(phase, "firing") == 0)
		st->phase = ALERT_FIRING;
	st->active_since = (time_t)alert_jint(o, "active_since");
	st->fired_at = (time_t)alert_jint(o, "fired_at");
	st->resolved_at = (time_t)alert_jint(o, "resolved_at");
	st->checked_at = (time_t)alert_jint(o, "checked_at");
	st->value = alert_jdouble(o, "value");
	st->summary = alert_jstrdup(o, "summary");
	st->silenced_until = (time_t)alert_jint(o, "silenced_until");
	st->silenced_at = (time_t)alert_jint(o, "silenced_at");
	st->silence_comment = alert_jstrdup(o, "silence_comment");
	if (!json_object_object_get_ex(o, "sent", &sent) ||
	    !json_object_is_type(sent, json_type_object))
		return;
	for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
		if (!json_object_object_get_ex(sent, alert_chan_names[ch], &c) ||
		    !json_object_is_type(c, json_type_object))
			continue;
		st->sent[ch].notified = alert_jint(c, "notified") != 0;
		st->sent[ch].last = (time_t)alert_jint(c, "last");
		st->sent[ch].resolve = alert_jint(c, "resolve") != 0;
	}
}

/* See alert.h. */
int
alert_store_load(struct alert_store *s, const char *path, char **cause)
{
	json_object		*root = NULL, *rules, *h, *e;
	struct json_object_iterator it, itend;
	struct alert_state	*st;
	const char		*t;
	size_t			 i, n;
	int			 rc = -1;

	*cause = NULL;
	alert_store_init(s);
	switch (jsonutil_load_file(path, ALERT_MAX_STATE, 8, JSONUTIL_OBJECT,
	    &root, cause)) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
		cause_clear(cause);
		return (0);
	case ST_BADREQ:
		cause_prefix(cause, "not a bootstack alert state file");
		/* FALLTHROUGH */
	default:
		return (-1);
	}
	s->last_check = (time_t)alert_jint(root, "last_check");
	if (json_object_object_get_ex(root, "rules", &rules) &&
	    json_object_is_type(rules, json_type_object)) {
		it = json_object_iter_begin(rules);
		itend = json_object_iter_end(rules);
		for (; !json_object_iter_equal(&it, &itend);
		    json_object_iter_next(&it)) {
			e = json_object_iter_peek_value(&it);
			if (!json_object_is_type(e, json_type_object))
				continue;
			st = alert_store_get(s,
			    json_object_iter_peek_name(&it), 1);
			if (st == NULL)
				goto nomem;
			alert_state_from_json(st, e);
		}
	}
	if (json_object_object_get_ex(root, "scrapes", &h) &&
	    json_object_is_type(h, json_type_array)) {
		n = json_object_array_length(h);
		if (n > ALERT_MAX_HISTORY)
			n = ALERT_MAX_HISTORY;
		if (n > 0 && (s->h = calloc(n, sizeof(*s->h))) == NULL)
			goto nomem;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(h, i);
			if ((t = jsonutil_get_str(e, "series")) == NULL)
				continue;
			s->h[s->nh].t = (time_t)alert_jint(e, "t");
			s->h[s->nh].start = alert_jdouble(e, "start");
			if (!isfinite(s->h[s->nh].start))
				s->h[s->nh].start = 0;
			if ((s->h[s->nh].text = strdup(t)) == NULL)
				goto nomem;
			s->nh++;
		}
	}
	rc = 0;
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	if (rc != 0)
		alert_store_cleanup(s);
	json_object_put(root);
	return (rc);
}

/* Adds key = t as an integer, or nothing for 0. */
static void
alert_jput_time(json_object *o, const char *key, time_t t)
{
	if (t != 0)
		json_object_object_add(o, key, json_object_new_int64(t));
}

/* The JSON object of one state; NULL on ENOMEM. */
static json_object *
alert_state_to_json(const struct alert_state *st)
{
	json_object	*o, *sent, *c;
	int		 ch;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	json_object_object_add(o, "state",
	    json_object_new_string(alert_phase_name(st->phase)));
	alert_jput_time(o, "active_since", st->active_since);
	alert_jput_time(o, "fired_at", st->fired_at);
	alert_jput_time(o, "resolved_at", st->resolved_at);
	alert_jput_time(o, "checked_at", st->checked_at);
	if (isfinite(st->value))
		json_object_object_add(o, "value",
		    json_object_new_double(st->value));
	if (st->summary != NULL)
		json_object_object_add(o, "summary",
		    json_object_new_string(st->summary));
	alert_jput_time(o, "silenced_until", st->silenced_until);
	alert_jput_time(o, "silenced_at", st->silenced_at);
	if (st->silence_comment != NULL)
		json_object_object_add(o, "silence_comment",
		    json_object_new_string(st->silence_comment));
	if ((sent = json_object_new_object()) == NULL) {
		json_object_put(o);
		return (NULL);
	}
	json_object_object_add(o, "sent", sent);
	for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
		if (!st->sent[ch].notified && !st->sent[ch].resolve &&
		    st->sent[ch].last == 0)
			continue;
		if ((c = json_object_new_object()) == NULL) {
			json_object_put(o);
			return (NULL);
		}
		json_object_object_add(c, "notified",
		    json_object_new_boolean(st->sent[ch].notified));
		alert_jput_time(c, "last", st->sent[ch].last);
		json_object_object_add(c, "resolve",
		    json_object_new_boolean(st->sent[ch].resolve));
		json_object_object_add(sent, alert_chan_names[ch], c);
	}
	return (o);
}

/* See alert.h. */
int
alert_store_save(const struct alert_store *s, const char *path,
    char **cause)
{
	json_object	*root, *rules, *h, *o, *e;
	size_t		 i;
	int		 rc = -1;

	*cause = NULL;
	if ((root = json_object_new_object()) == NULL)
		goto nomem;
	json_object_object_add(root, "version", json_object_new_int(1));
	alert_jput_time(root, "last_check", s->last_check);
	if ((rules = json_object_new_object()) == NULL)
		goto nomem;
	json_object_object_add(root, "rules", rules);
	if ((h = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(root, "scrapes", h);
	for (i = 0; i < s->n; i++) {
		if ((o = alert_state_to_json(&s->v[i])) == NULL)
			goto nomem;
		json_object_object_add(rules, s->v[i].name, o);
	}
	for (i = 0; i < s->nh; i++) {
		if ((e = json_object_new_object()) == NULL)
			goto nomem;
		json_object_array_add(h, e);
		json_object_object_add(e, "t",
		    json_object_new_int64(s->h[i].t));
		json_object_object_add(e, "start",
		    json_object_new_double(s->h[i].start));
		json_object_object_add(e, "series",
		    json_object_new_string(s->h[i].text));
	}
	rc = jsonutil_save_file(path, root, 0600, cause);
	json_object_put(root);
	return (rc);
nomem:
	json_object_put(root);
	cause_set(cause, "out of memory");
	return (-1);
}

/* See alert.h. */
enum st
alert_store_add_scrape(struct alert_store *s, const struct promtext *cur,
    time_t now, long long keep)
{
	struct alert_scrape	*grown;
	FILE			*f;
	char			*text = NULL;
	size_t			 len = 0, i, j, from = 0;

	/* A clock that went back: forget what looks like the future. */
	for (i = 0, j = 0; i < s->nh; i++) {
		if (s->h[i].t > now) {
			free(s->h[i].text);
			continue;
		}
		s->h[j++] = s->h[i];
	}
	s->nh = j;
	if ((f = open_memstream(&text, &len)) == NULL)
		return (ST_NOMEM);
	if (promtext_write(cur, alert_families, f) < 0) {
		fclose(f);
		free(text);
		return (ST_NOMEM);
	}
	if (fclose(f) != 0) {
		free(text);
		return (ST_NOMEM);
	}
	if ((grown = reallocarray(s->h, s->nh + 1, sizeof(*grown))) == NULL) {
		free(text);
		return (ST_NOMEM);
	}
	s->h = grown;
	s->h[s->nh].t = now;
	s->h[s->nh].start = promtext_sum(cur, "process_start_time_seconds",
	    NULL, NULL);
	if (!isfinite(s->h[s->nh].start))
		s->h[s->nh].start = 0;
	s->h[s->nh].text = text;
	s->nh++;
	/* Keep the newest scrape older than keep: the longest baseline. */
	for (i = 0; i < s->nh; i++)
		if (now - s->h[i].t >= keep)
			from = i;
	if (s->nh - from > ALERT_MAX_HISTORY)
		from = s->nh - ALERT_MAX_HISTORY;
	for (i = 0; i < from; i++)
		free(s->h[i].text);
	memmove(s->h, s->h + from, (s->nh - from) * sizeof(*s->h));
	s->nh -= from;
	return (ST_OK);
}

/* --- numbers from scrapes --------------------------------------------------- */

/* See alert.h. */
void
alert_series_cleanup(struct alert_series *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		promtext_cleanup(&s[i].p);
}

/* See alert.h. */
int
alert_series_load(const struct alert_store *s, struct alert_series **out,
    size_t *n, char **cause)
{
	struct alert_series	*v;
	char			*why = NULL;
	size_t			 i;

	*cause = NULL;
	*out = NULL;
	*n = 0;
	if (s->nh == 0)
		return (0);
	if ((v = calloc(s->nh, sizeof(*v))) == NULL) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	for (i = 0; i < s->nh; i++) {
		v[i].t = s->h[i].t;
		v[i].start = s->h[i].start;
		promtext_init(&v[i].p);
		if (promtext_parse(&v[i].p, s->h[i].text,
		    strlen(s->h[i].text), &why) != ST_OK) {
			cause_set(cause, "kept scrape %zu: %s", i,
			    why != NULL ? why : "out of memory");
			free(why);
			alert_series_cleanup(v, i);
			free(v);
			return (-1);
		}
	}
	*out = v;
	*n = s->nh;
	return (0);
}

/* See alert.h. */
size_t
alert_window_start(const struct alert_series *s, size_t n, long long window)
{
	size_t	 i;

	for (i = n; i-- > 0;)
		if (s[n - 1].t - s[i].t >= window)
			return (i);
	return (0);
}

/* True if s carries every label pair of match. */
static int
alert_matches(const struct promtext_sample *s, const char *const *match)
{
	const char	*v;

	for (; match != NULL && match[0] != NULL; match += 2) {
		v = promtext_label(s, match[0]);
		if (v == NULL || strcmp(v, match[1]) != 0)
			return (0);
	}
	return (1);
}

/* See alert.h. */
double
alert_increase(const struct alert_series *s, size_t n, const char *name,
    const char *const *match)
{
	const struct promtext_sample	*x, *prev;
	double				 inc = 0;
	size_t				 i, j;
	int				 reset;

	for (i = 1; i < n; i++) {
		reset = s[i].start != s[i - 1].start && s[i].start > 0 &&
		    s[i - 1].start > 0;
		for (j = 0; j < s[i].p.n; j++) {
			x = &s[i].p.samples[j];
			if (strcmp(x->name, name) != 0 ||
			    !alert_matches(x, match) || !isfinite(x->value))
				continue;
			prev = reset ? NULL : promtext_find(&s[i - 1].p, x->key);
			if (prev == NULL || !isfinite(prev->value) ||
			    x->value < prev->value)
				inc += x->value;
			else
				inc += x->value - prev->value;
		}
	}
	return (inc);
}

/* See alert.h. */
double
alert_ratio_5xx(const struct alert_series *s, size_t n, const char *route,
    double *total)
{
	const char	*all[3] = { NULL, NULL, NULL };
	const char	*bad[5] = { "code", "5xx", NULL, NULL, NULL };
	double		 e;

	if (route != NULL) {
		all[0] = bad[2] = "route";
		all[1] = bad[3] = route;
	}
	*total = alert_increase(s, n, "bootstack_http_requests_total", all);
	e = alert_increase(s, n, "bootstack_http_requests_total", bad);
	return (*total > 0 ? e / *total : 0);
}

/* See alert.h. */
double
alert_bucket_quantile(double q, const double *le, const double *count,
    size_t n)
{
	double	 rank, start = 0, cstart = 0;
	size_t	 b;

	if (n < 2 || !isinf(le[n - 1]) || le[n - 1] < 0 || count[n - 1] <= 0)
		return (NAN);
	if (q < 0)
		return (-INFINITY);
	if (q > 1)
		return (INFINITY);
	rank = q * count[n - 1];
	for (b = 0; b < n - 1 && count[b] < rank; b++)
		;
	if (b == n - 1)
		return (le[n - 2]);
	if (b == 0 && le[0] <= 0)
		return (le[0]);
	if (b > 0) {
		start = le[b - 1];
		cstart = count[b - 1];
	}
	if (count[b] - cstart <= 0)
		return (le[b]);
	return (start + (le[b] - start) * ((rank - cstart) /
	    (count[b] - cstart)));
}

/* One histogram bucket while computing a quantile. */
struct alert_bucket {
	double	 le;		/* upper bound, +Inf for the last */
	double	 count;		/* increase over the window */
};

/* qsort: buckets by upper bound. */
static int
alert_bucket_cmp(const void *a, const void *b)
{
	double	 x = ((const struct alert_bucket *)a)->le;
	double	 y = ((const struct alert_bucket *)b)->le;

	return (x < y ? -1 : x > y);
}

/* Parses an le label value ("0.25", "+Inf"); -1 if it is not one. */
static int
alert_le(const char *s, double *v)
{
	char	*end;

	if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0) {
		*v = INFINITY;
		return (0);
	}
	errno = 0;
	*v = strtod(s, &end);
	return (end == s || *end != '\0' || errno == ERANGE || isnan(*v) ?
	    -1 : 0);
}

/* See alert.h. */
double
alert_quantile(const struct alert_series *s, size_t n, const char *route,
    double q, double *total)
{
	static const char	 name[] =
	    "bootstack_http_request_duration_seconds_bucket";
	struct alert_bucket	*b = NULL;
	const char		*match[5] = { NULL, NULL, NULL, NULL, NULL };
	const char		*le = NULL;
	double			*les = NULL, *counts = NULL, v, res = NAN;
	size_t			 i, j, nb = 0, k = 0;

	*total = 0;
	if (n == 0)
		return (NAN);
	if (route != NULL) {
		match[k++] = "route";
		match[k++] = route;
	}
	/* The bucket bounds: every le of the newest scrape, once. */
	if ((b = calloc(s[n - 1].p.n + 1, sizeof(*b))) == NULL)
		return (NAN);
	for (i = 0; i < s[n - 1].p.n; i++) {
		if (strcmp(s[n - 1].p.samples[i].name, name) != 0 ||
		    (route != NULL && !alert_matches(&s[n - 1].p.samples[i],
		    match)) ||
		    (le = promtext_label(&s[n - 1].p.samples[i], "le")) == NULL ||
		    alert_le(le, &v) != 0)
			continue;
		for (j = 0; j < nb && b[j].le != v; j++)
			;
		if (j == nb)
			b[nb++].le = v;
	}
	qsort(b, nb, sizeof(*b), alert_bucket_cmp);
	if ((les = calloc(nb + 1, sizeof(*les))) == NULL ||
	    (counts = calloc(nb + 1, sizeof(*counts))) == NULL)
		goto out;
	for (j = 0; j < nb; j++) {
		/* Bounds are matched as the exporter wrote them. */
		for (i = 0; i < s[n - 1].p.n; i++) {
			if (strcmp(s[n - 1].p.samples[i].name, name) == 0 &&
			    (le = promtext_label(&s[n - 1].p.samples[i],
			    "le")) != NULL && alert_le(le, &v) == 0 &&
			    v == b[j].le)
				break;
		}
		if (i == s[n - 1].p.n)
			goto out;
		match[k] = "le";
		match[k + 1] = le;
		b[j].count = alert_increase(s, n, name, match);
		match[k] = NULL;
		les[j] = b[j].le;
		/* Resets can leave buckets out of order: keep them cumulative. */
		counts[j] = j > 0 && b[j].count < counts[j - 1] ?
		    counts[j - 1] : b[j].count;
	}
	if (nb > 0 && isinf(les[nb - 1]))
		*total = counts[nb - 1];
	res = alert_bucket_quantile(q, les, counts, nb);
out:
	free(b);
	free(les);
	free(counts);
	return (res);
}

/* --- evaluation -------------------------------------------------------------- */

/* Reads a cert status file into a JSON object; NULL with *why. */
static json_object *
alert_status_file(const char *path, char **why)
{
	json_object	*obj = NULL;

	if (jsonutil_load_file(path, ALERT_MAX_STATUS, 8, JSONUTIL_OBJECT,
	    &obj, why) == ST_BADREQ)
		cause_prefix(why, "not a status file");
	return (obj);
}

/* The actual span of s[b..n) as "5m", for texts. */
static const char *
alert_span(const struct alert_series *s, size_t b, size_t n, char *buf,
    size_t size)
{
	return (alert_duration_fmt((long long)(s[n - 1].t - s[b].t), buf,
	    size));
}

/* The metrics rules. */
static int
alert_eval_metrics(const struct alert_rule *r, const struct alert_input *in,
    double *value, char **summary)
{
	const char	*crash[] = { "reason", "crash", NULL, NULL };
	char		 span[32], rt[300] = "";
	double		 total, v, loop;
	size_t		 b, n = in->nseries, k;

	if (r->kind == ALERT_API_DOWN) {
		*value = in->cur == NULL;
		*summary = in->cur == NULL ? alert_summary("cannot scrape "
		    "/metrics: %s", in->scrape_error != NULL ?
		    in->scrape_error : "no answer") :
		    alert_summary("/metrics answers");
		return (in->cur == NULL);
	}
	if (in->cur == NULL) {
		*summary = alert_summary("unknown: cannot scrape /metrics: %s",
		    in->scrape_error != NULL ? in->scrape_error : "no answer");
		return (-1);
	}
	if (r->kind == ALERT_CRASH_LOOP) {
		loop = promtext_sum(in->cur, "bootstack_crash_loop", NULL, &k);
		v = 0;
		if (n >= 2) {
			b = alert_window_start(in->series, n, r->window);
			v = alert_increase(in->series + b, n - b,
			    "bootstack_worker_restarts_total", crash);
			alert_span(in->series, b, n, span, sizeof(span));
		} else
			snprintf(span, sizeof(span), "0s");
		*value = v;
		if (k > 0 && loop >= 1) {
			*summary = alert_summary("the master is backing off a "
			    "worker crash loop (%.0f crash restarts in the "
			    "last %s)", v, span);
			return (1);
		}
		*summary = alert_summary("%.0f worker crash restarts in the "
		    "last %s (alert at %.0f)", v, span, r->threshold);
		return (v >= r->threshold);
	}
	if (n < 2) {
		*value = NAN;
		*summary = alert_summary("waiting for a second scrape");
		return (0);
	}
	if (r->route != NULL)
		snprintf(rt, sizeof(rt), " to %s", r->route);
	b = alert_window_start(in->series, n, r->window);
	alert_span(in->series, b, n, span, sizeof(span));
	if (r->kind == ALERT_HTTP_5XX_RATIO) {
		v = alert_ratio_5xx(in->series + b, n - b, r->route, &total);
		*value = v;
		if (total < (double)r->min_requests) {
			*summary = alert_summary("%.0f requests%s in the last "
			    "%s (%.1f%% 5xx), fewer than min_requests %lld",
			    total, rt, span, v * 100, r->min_requests);
			return (0);
		}
		*summary = alert_summary("%.1f%% of %.0f requests%s answered "
		    "5xx in the last %s (alert above %.1f%%)", v * 100, total,
		    rt, span, r->threshold * 100);
		return (v > r->threshold);
	}
	v = alert_quantile(in->series + b, n - b, r->route, 0.95, &total);
	*value = v;
	if (isnan(v) || total < (double)r->min_requests) {
		*summary = alert_summary("%.0f requests%s in the last %s, "
		    "fewer than min_requests %lld", total, rt, span,
		    r->min_requests);
		return (0);
	}
	*summary = alert_summary("p95 latency %.3f s over %.0f requests%s in "
	    "the last %s (alert above %.3f s)", v, total, rt, span,
	    r->threshold);
	return (v > r->threshold);
}

/* cert_expiry and cert_renew_failed, from the status file. */
static int
alert_eval_cert(const struct alert_rule *r, const struct alert_input *in,
    double *value, char **summary)
{
	json_object	*st;
	const char	*na, *res, *err, *at;
	char		*why = NULL, when[32];
	time_t		 t;
	double		 days;
	int		 active;

	if ((st = alert_status_file(r->path, &why)) == NULL) {
		*value = NAN;
		*summary = alert_summary("%s; has `bootstack cert renew` run?",
		    why != NULL ? why : "out of memory");
		free(why);
		return (r->kind == ALERT_CERT_EXPIRY ? 1 : -1);
	}
	if (r->kind == ALERT_CERT_RENEW_FAILED) {
		res = jsonutil_get_str(st, "result");
		err = jsonutil_get_str(st, "error");
		at = jsonutil_get_str(st, "last_attempt");
		active = res != NULL && strcmp(res, "failed") == 0;
		*value = active;
		if (active)
			*summary = alert_summary("the last renewal of %s "
			    "failed (%s): %s", r->what, at != NULL ? at : "?",
			    err != NULL ? err : "no error recorded");
		else
			*summary = alert_summary("the last renewal run of %s: "
			    "%s (%s)", r->what, res != NULL ? res : "unknown",
			    at != NULL ? at : "?");
		json_object_put(st);
		return (active);
	}
	na = jsonutil_get_str(st, "not_after");
	if (na == NULL || clock_rfc3339_parse(na, &t) != 0) {
		*value = NAN;
		*summary = alert_summary("no certificate installed for %s "
		    "(last renewal run: %s)", r->what,
		    jsonutil_get_str(st, "result") != NULL ?
		    jsonutil_get_str(st, "result") : "unknown");
		json_object_put(st);
		return (1);
	}
	days = difftime(t, in->now) / 86400.0;
	*value = days;
	clock_rfc3339_fmt(t, when, sizeof(when));
	if (days < 0)
		*summary = alert_summary("the certificate %s EXPIRED %.1f days "
		    "ago (%s)", r->what, -days, when);
	else
		*summary = alert_summary("the certificate %s expires in %.1f "
		    "days (%s; alert under %g days)", r->what, days, when,
		    r->threshold);
	json_object_put(st);
	return (days < r->threshold);
}

/* disk_space: free blocks and inodes of the file system of path. */
static int
alert_eval_disk(const struct alert_rule *r, double *value, char **summary)
{
	struct statvfs	 vfs;
	double		 space, inodes = 100;

	if (statvfs(r->path, &vfs) != 0) {
		*value = NAN;
		*summary = alert_summary("cannot check %s: %s", r->path,
		    strerror(errno));
		return (1);
	}
	space = vfs.f_blocks > 0 ? 100.0 * (double)vfs.f_bavail /
	    (double)vfs.f_blocks : 100;
	if (vfs.f_files > 0)
		inodes = 100.0 * (double)vfs.f_favail / (double)vfs.f_files;
	*value = space < inodes ? space : inodes;
	*summary = alert_summary("%s: %.1f%% of the space and %.1f%% of the "
	    "inodes free (alert under %g%%)", r->path, space, inodes,
	    r->threshold);
	return (space < r->threshold || inodes < r->threshold);
}

/*
 * stale_job: the age of the job's last success when path is a status file
 * (lib/jobstatus.h: a job that runs but keeps failing goes stale too),
 * else the age of the file itself (a stamp the cron line touches).
 */
static int
alert_eval_stale(const struct alert_rule *r, const struct alert_input *in,
    double *value, char **summary)
{
	struct stat	 sb;
	char		 age[32], max[32];
	time_t		 ok;

	alert_duration_fmt((long long)r->threshold, max, sizeof(max));
	if (jobstatus_last_success(r->path, &ok) == 0) {
		*value = difftime(in->now, ok);
		alert_duration_fmt((long long)*value, age, sizeof(age));
		*summary = alert_summary("%s: the job last succeeded %s ago "
		    "(alert after %s)", r->path, age, max);
		return (*value > r->threshold);
	}
	if (stat(r->path, &sb) != 0) {
		*value = NAN;
		*summary = alert_summary("%s: %s (the job never ran?)",
		    r->path, strerror(errno));
		return (1);
	}
	*value = difftime(in->now, sb.st_mtime);
	alert_duration_fmt((long long)*value, age, sizeof(age));
	*summary = alert_summary("%s was last written %s ago (alert after %s)",
	    r->path, age, max);
	return (*value > r->threshold);
}

/* See alert.h. */
int
alert_eval(const struct alert_rule *r, const struct alert_input *in,
    double *value, char **summary)
{
	*value = NAN;
	*summary = NULL;
	switch (r->kind) {
	case ALERT_HTTP_5XX_RATIO:
	case ALERT_HTTP_P95:
	case ALERT_CRASH_LOOP:
	case ALERT_API_DOWN:
		return (alert_eval_metrics(r, in, value, summary));
	case ALERT_DB_DOWN:
		if (!in->db_checked) {
			*summary = alert_summary("unknown: the database was "
			    "not checked");
			return (-1);
		}
		*value = !in->db_up;
		*summary = in->db_up ?
		    alert_summary("the database accepts connections") :
		    alert_summary("cannot connect to the database: %s",
		    in->db_error != NULL ? in->db_error : "unknown error");
		return (!in->db_up);
	case ALERT_CERT_EXPIRY:
	case ALERT_CERT_RENEW_FAILED:
		return (alert_eval_cert(r, in, value, summary));
	case ALERT_DISK_SPACE:
		return (alert_eval_disk(r, value, summary));
	case ALERT_STALE_JOB:
		return (alert_eval_stale(r, in, value, summary));
	default:
		return (-1);
	}
}

/* --- messages ----------------------------------------------------------------- */

/* The word of a notice in texts. */
static const char *
alert_notice_word(enum alert_notice n)
{
	switch (n) {
	case ALERT_NOTICE_FIRING:
		return ("FIRING");
	case ALERT_NOTICE_REPEAT:
		return ("STILL FIRING");
	case ALERT_NOTICE_RESOLVED:
		return ("RESOLVED");
	default:
		return ("?");
	}
}

/* Counts the firing (new or repeated) and resolved items. */
static void
alert_count(const struct alert_item *it, size_t n, size_t *firing,
    size_t *resolved)
{
	size_t	 i;

	*firing = *resolved = 0;
	for (i = 0; i < n; i++) {
		if (it[i].what == ALERT_NOTICE_RESOLVED)
			(*resolved)++;
		else
			(*firing)++;
	}
}

/* See alert.h. */
char *
alert_text(const struct alert_item *it, size_t n, const char *host)
{
	struct buf	 b;
	char		 t1[32], t2[32];
	size_t		 i, firing, resolved;
	enum st		 st;

	alert_count(it, n, &firing, &resolved);
	buf_init(&b, 1024 * 1024);
	st = buf_printf(&b, "bootstack on %s: %zu firing, %zu resolved", host,
	    firing, resolved);
	for (i = 0; i < n && st == ST_OK; i++) {
		if (it[i].what == ALERT_NOTICE_RESOLVED)
			st = buf_printf(&b, "\n%s %s (%s): %s (fired %s, "
			    "resolved %s)", alert_notice_word(it[i].what),
			    it[i].rule->name, alert_kind_name(it[i].rule->kind),
			    it[i].st->summary != NULL ? it[i].st->summary : "",
			    clock_rfc3339_fmt(it[i].st->fired_at, t1, sizeof(t1)),
			    clock_rfc3339_fmt(it[i].st->resolved_at, t2,
			    sizeof(t2)));
		else
			st = buf_printf(&b, "\n%s [%s] %s (%s): %s (since %s)",
			    alert_notice_word(it[i].what), it[i].rule->severity,
			    it[i].rule->name, alert_kind_name(it[i].rule->kind),
			    it[i].st->summary != NULL ? it[i].st->summary : "",
			    clock_rfc3339_fmt(it[i].st->fired_at, t1, sizeof(t1)));
	}
	if (st != ST_OK) {
		buf_cleanup(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/* Adds key = t as an ISO time string, or null for 0. */
static void
alert_jput_iso(json_object *o, const char *key, time_t t)
{
	char	 buf[32];

	json_object_object_add(o, key, t != 0 ?
	    json_object_new_string(clock_rfc3339_fmt(t, buf, sizeof(buf))) :
	    NULL);
}

/* See alert.h. */
char *
alert_json(const struct alert_item *it, size_t n, const char *host,
    time_t now)
{
	json_object	*root, *arr, *o;
	const char	*s;
	char		*text, *out = NULL;
	size_t		 i, firing, resolved;

	alert_count(it, n, &firing, &resolved);
	if ((text = alert_text(it, n, host)) == NULL)
		return (NULL);
	if ((root = json_object_new_object()) == NULL) {
		free(text);
		return (NULL);
	}
	json_object_object_add(root, "source",
	    json_object_new_string("bootstack"));
	json_object_object_add(root, "host", json_object_new_string(host));
	json_object_object_add(root, "status",
	    json_object_new_string(firing > 0 ? "firing" : "resolved"));
	alert_jput_iso(root, "time", now);
	json_object_object_add(root, "firing", json_object_new_int64(
	    (int64_t)firing));
	json_object_object_add(root, "resolved", json_object_new_int64(
	    (int64_t)resolved));
	json_object_object_add(root, "text", json_object_new_string(text));
	free(text);
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	json_object_object_add(root, "alerts", arr);
	for (i = 0; i < n; i++) {
		if ((o = json_object_new_object()) == NULL)
			goto out;
		json_object_array_add(arr, o);
		json_object_object_add(o, "name",
		    json_object_new_string(it[i].rule->name));
		json_object_object_add(o, "kind", json_object_new_string(
		    alert_kind_name(it[i].rule->kind)));
		json_object_object_add(o, "severity",
		    json_object_new_string(it[i].rule->severity));
		json_object_object_add(o, "status", json_object_new_string(
		    it[i].what == ALERT_NOTICE_RESOLVED ? "resolved" :
		    "firing"));
		json_object_object_add(o, "repeat", json_object_new_boolean(
		    it[i].what == ALERT_NOTICE_REPEAT));
		s = it[i].st->summary;
		json_object_object_add(o, "summary",
		    json_object_new_string(s != NULL ? s : ""));
		json_object_object_add(o, "value", isfinite(it[i].st->value) ?
		    json_object_new_double(it[i].st->value) : NULL);
		json_object_object_add(o, "threshold",
		    isfinite(it[i].rule->threshold) ?
		    json_object_new_double(it[i].rule->threshold) : NULL);
		alert_jput_iso(o, "fired_at", it[i].st->fired_at);
		alert_jput_iso(o, "resolved_at",
		    it[i].what == ALERT_NOTICE_RESOLVED ?
		    it[i].st->resolved_at : 0);
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL)
		out = strdup(s);
out:
	json_object_put(root);
	return (out);
}

/* See alert.h. */
char *
alert_mail(const struct alert_item *it, size_t n, const char *host,
    const char *from, const char *to, time_t now)
{
	struct buf	 b;
	struct tm	 tm;
	char		 date[64], *text;
	size_t		 i, firing, resolved;
	int		 first;
	enum st		 st;

	alert_count(it, n, &firing, &resolved);
	if ((text = alert_text(it, n, host)) == NULL)
		return (NULL);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_init(&b, 2 * 1024 * 1024);
	st = buf_printf(&b, "From: %s\nTo: %s\nDate: %s\n"
	    "Message-ID: <bootstack-alert.%lld.%ld@%s>\n", from, to, date,
	    (long long)now, (long)getpid(), host);
	if (st == ST_OK && firing > 0)
		st = buf_printf(&b, "Subject: [FIRING:%zu] bootstack on %s:",
		    firing, host);
	else if (st == ST_OK)
		st = buf_printf(&b, "Subject: [RESOLVED] bootstack on %s:",
		    host);
	for (i = 0, first = 1; i < n && st == ST_OK; i++)
		if ((it[i].what == ALERT_NOTICE_RESOLVED) == (firing == 0)) {
			st = buf_printf(&b, "%s %s", first ? "" : ",",
			    it[i].rule->name);
			first = 0;
		}
	if (st == ST_OK)
		st = buf_printf(&b, "\nMIME-Version: 1.0\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n"
		    "Auto-Submitted: auto-generated\n"
		    "X-Bootstack-Status: %s\n\n%s\n",
		    firing > 0 ? "firing" : "resolved", text);
	free(text);
	if (st != ST_OK) {
		buf_cleanup(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}
