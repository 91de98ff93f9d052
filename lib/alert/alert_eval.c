/*
 * alert_eval.c: the numbers `bootstack alert` computes from kept scrapes
 * (increases with counter resets, windows, the 5xx ratio, PromQL's
 * histogram_quantile) and the evaluation of each rule kind over them and
 * over the system (status files, statvfs, the database); see alert.h.
 *
 * Rates come from the difference between successive scrapes kept in the
 * state file rather than from a time-series database: with cron's
 * one-minute tick a window is measured from the newest kept scrape at
 * least `window` seconds old, so a "5 minute" window spans 5 to 6 minutes.
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
#include "clock.h"
#include "jobstatus.h"
#include "jsonutil.h"

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
	json_object	*st, *v;
	const char	*na, *res, *err, *at;
	char		*why = NULL, when[32];
	time_t		 t, ts;
	double		 days;
	int		 active, mism, served;

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
		/*
		 * The live check saw the endpoint serve another certificate
		 * than the installed one (a reload that did not take),
		 * whatever run (renew, cert status) looked last.
		 */
		mism = json_object_object_get_ex(st, "served_mismatch", &v) &&
		    json_object_get_boolean(v);
		*value = active || mism;
		if (mism && !active)
			*summary = alert_summary("the certificate installed "
			    "for %s is not served: %s serves serial %s (seen "
			    "%s)", r->what, jsonutil_get_str(st,
			    "served_endpoint") != NULL ? jsonutil_get_str(st,
			    "served_endpoint") : "the endpoint",
			    jsonutil_get_str(st, "served_serial") != NULL ?
			    jsonutil_get_str(st, "served_serial") : "?",
			    jsonutil_get_str(st, "served_checked_at") != NULL ?
			    jsonutil_get_str(st, "served_checked_at") : "?");
		else if (active)
			*summary = alert_summary("the last renewal of %s "
			    "failed (%s): %s", r->what, at != NULL ? at : "?",
			    err != NULL ? err : "no error recorded");
		else
			*summary = alert_summary("the last renewal run of %s: "
			    "%s (%s)", r->what, res != NULL ? res : "unknown",
			    at != NULL ? at : "?");
		json_object_put(st);
		return (active || mism);
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
	/*
	 * The live check saw another certificate served: the one that
	 * lapses first is what clients get.
	 */
	served = json_object_object_get_ex(st, "served_mismatch", &v) &&
	    json_object_get_boolean(v) && clock_rfc3339_parse(
	    jsonutil_get_str(st, "served_not_after"), &ts) == 0 && ts < t;
	if (served)
		t = ts;
	days = difftime(t, in->now) / 86400.0;
	*value = days;
	clock_rfc3339_fmt(t, when, sizeof(when));
	if (days < 0)
		*summary = alert_summary("the certificate %s%s EXPIRED %.1f "
		    "days ago (%s)", r->what, served ? " nginx serves" : "",
		    -days, when);
	else
		*summary = alert_summary("the certificate %s%s expires in "
		    "%.1f days (%s; alert under %g days)", r->what, served ?
		    " nginx serves" : "", days, when, r->threshold);
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
 * (lib/jobstatus.h: a job that runs but keeps failing goes stale too), or
 * of its last skip, when later (another host held the job's lock: that
 * host's own file watches the run), else the age of the file itself (a
 * stamp the cron line touches).
 */
static int
alert_eval_stale(const struct alert_rule *r, const struct alert_input *in,
    double *value, char **summary)
{
	struct stat	 sb;
	char		 age[32], max[32], *held_by;
	time_t		 ok;

	alert_duration_fmt((long long)r->threshold, max, sizeof(max));
	if (jobstatus_last_fresh(r->path, &ok, &held_by) == 0) {
		*value = difftime(in->now, ok);
		alert_duration_fmt((long long)*value, age, sizeof(age));
		if (held_by != NULL)
			*summary = alert_summary("%s: the job was last skipped "
			    "%s ago, its lock held by %s (alert after %s)",
			    r->path, age, held_by, max);
		else
			*summary = alert_summary("%s: the job last succeeded "
			    "%s ago (alert after %s)", r->path, age, max);
		free(held_by);
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

