/*
 * check_alert.c: unit tests for lib/alert/ (alert.h).
 *
 * Suites: "machine" (the state machine: pending, for, firing, repeat,
 * resolved, silences, per-channel delivery and retries), "numbers"
 * (increases, the 5xx ratio and the p95 from successive scrapes, counter
 * resets, the window, histogram_quantile), "store" (the state file round
 * trip and the scrape history), "rules" (config checking), "eval" (status
 * files, stale files, disk, metrics rules), "messages" (JSON, text, mail)
 * and "notify" (child processes, unreachable URLs). Files go to a private
 * mkdtemp() folder.
 */
#include "autoconf.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "alert.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "fs.h"
#include "jobstatus.h"
#include "jsonutil.h"
#include "promtext.h"
#include "unit.h"

static char	 tmpdir[64];

static void
tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_alert.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A rule of kind k with for/repeat, for the machine tests. */
static struct alert_rule
rule(enum alert_kind k, long long for_s, long long repeat)
{
	struct alert_rule	 r;

	memset(&r, 0, sizeof(r));
	r.name = "r";
	r.kind = k;
	r.severity = "critical";
	r.for_s = for_s;
	r.repeat = repeat;
	r.window = 300;
	r.min_requests = 10;
	r.threshold = 0.05;
	return (r);
}

/* --- machine ------------------------------------------------------------- */

/* inactive -> pending -> firing after `for` -> resolved. */
START_TEST(test_machine_for)
{
	struct alert_rule	 r = rule(ALERT_DB_DOWN, 120, 3600);
	struct alert_state	 st;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(alert_step(&st, &r, 0, 1000), 0);
	ck_assert_int_eq(st.phase, ALERT_INACTIVE);
	ck_assert_int_eq(alert_step(&st, &r, 1, 1000), ALERT_STEP_PENDING);
	ck_assert_int_eq(st.phase, ALERT_PENDING);
	ck_assert_int_eq(st.active_since, 1000);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 1000),
	    ALERT_NOTICE_NONE);
	ck_assert_int_eq(alert_step(&st, &r, 1, 1060), 0);
	ck_assert_int_eq(st.phase, ALERT_PENDING);
	/* unknown: nothing moves, not even the clock of `for` */
	ck_assert_int_eq(alert_step(&st, &r, -1, 1100), 0);
	ck_assert_int_eq(st.phase, ALERT_PENDING);
	ck_assert_int_eq(alert_step(&st, &r, 1, 1119), 0);
	ck_assert_int_eq(alert_step(&st, &r, 1, 1120), ALERT_STEP_FIRED);
	ck_assert_int_eq(st.phase, ALERT_FIRING);
	ck_assert_int_eq(st.fired_at, 1120);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 1120),
	    ALERT_NOTICE_FIRING);
	alert_delivered(&st, ALERT_CH_WEBHOOK, ALERT_NOTICE_FIRING, 1120);
	ck_assert_int_eq(alert_step(&st, &r, 1, 1180), 0);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 1180),
	    ALERT_NOTICE_NONE);
	ck_assert_int_eq(alert_step(&st, &r, -1, 1240), 0);
	ck_assert_int_eq(st.phase, ALERT_FIRING);
	ck_assert_int_eq(alert_step(&st, &r, 0, 1300), ALERT_STEP_RESOLVED);
	ck_assert_int_eq(st.phase, ALERT_INACTIVE);
	ck_assert_int_eq(st.resolved_at, 1300);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 1300),
	    ALERT_NOTICE_RESOLVED);
	/* a channel that never saw it firing is owed nothing */
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_MAIL, 1300),
	    ALERT_NOTICE_NONE);
	alert_delivered(&st, ALERT_CH_WEBHOOK, ALERT_NOTICE_RESOLVED, 1300);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 1360),
	    ALERT_NOTICE_NONE);
	ck_assert_int_eq(alert_step(&st, &r, 0, 1360), 0);
}
END_TEST

/* for = 0 fires at once; a pending alert that clears sends nothing. */
START_TEST(test_machine_flap)
{
	struct alert_rule	 r0 = rule(ALERT_DB_DOWN, 0, 0);
	struct alert_rule	 r1 = rule(ALERT_DB_DOWN, 300, 0);
	struct alert_state	 st;
	int			 ch;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(alert_step(&st, &r0, 1, 50),
	    ALERT_STEP_PENDING | ALERT_STEP_FIRED);
	ck_assert_int_eq(st.phase, ALERT_FIRING);

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(alert_step(&st, &r1, 1, 50), ALERT_STEP_PENDING);
	ck_assert_int_eq(alert_step(&st, &r1, 0, 110), ALERT_STEP_CLEARED);
	ck_assert_int_eq(alert_step(&st, &r1, 1, 170), ALERT_STEP_PENDING);
	ck_assert_int_eq(st.active_since, 170);	/* the streak restarts */
	ck_assert_int_eq(alert_step(&st, &r1, 1, 400), 0);
	for (ch = 0; ch < ALERT_CH__COUNT; ch++)
		ck_assert_int_eq(alert_due(&st, &r1, (enum alert_chan)ch, 400),
		    ALERT_NOTICE_NONE);
	ck_assert_int_eq(alert_step(&st, &r1, 1, 470), ALERT_STEP_FIRED);
}
END_TEST

/* Repeats every `repeat` seconds; repeat = 0 never repeats. */
START_TEST(test_machine_repeat)
{
	struct alert_rule	 r = rule(ALERT_DB_DOWN, 0, 3600);
	struct alert_rule	 r0 = rule(ALERT_DB_DOWN, 0, 0);
	struct alert_state	 st;
	time_t			 t;
	int			 sent = 0;

	memset(&st, 0, sizeof(st));
	for (t = 0; t <= 3 * 3600; t += 60) {
		alert_step(&st, &r, 1, t);
		if (alert_due(&st, &r, ALERT_CH_MAIL, t) != ALERT_NOTICE_NONE) {
			ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_MAIL, t),
			    sent == 0 ? ALERT_NOTICE_FIRING :
			    ALERT_NOTICE_REPEAT);
			ck_assert_int_eq(t, sent * 3600);
			alert_delivered(&st, ALERT_CH_MAIL,
			    alert_due(&st, &r, ALERT_CH_MAIL, t), t);
			sent++;
		}
	}
	ck_assert_int_eq(sent, 4);	/* 0, 1h, 2h, 3h */

	memset(&st, 0, sizeof(st));
	sent = 0;
	for (t = 0; t <= 3 * 3600; t += 60) {
		alert_step(&st, &r0, 1, t);
		if (alert_due(&st, &r0, ALERT_CH_MAIL, t) !=
		    ALERT_NOTICE_NONE) {
			alert_delivered(&st, ALERT_CH_MAIL, ALERT_NOTICE_FIRING,
			    t);
			sent++;
		}
	}
	ck_assert_int_eq(sent, 1);
}
END_TEST

/* A failed delivery stays owed, per channel, until it goes through. */
START_TEST(test_machine_retry)
{
	struct alert_rule	 r = rule(ALERT_DB_DOWN, 0, 3600);
	struct alert_state	 st;

	memset(&st, 0, sizeof(st));
	alert_step(&st, &r, 1, 0);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 0),
	    ALERT_NOTICE_FIRING);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_MAIL, 0),
	    ALERT_NOTICE_FIRING);
	alert_delivered(&st, ALERT_CH_MAIL, ALERT_NOTICE_FIRING, 0);
	/* the webhook failed: still owed at the next runs */
	alert_step(&st, &r, 1, 60);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 60),
	    ALERT_NOTICE_FIRING);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_MAIL, 60),
	    ALERT_NOTICE_NONE);
	/* it resolves before the webhook ever got it: nothing to resolve */
	alert_step(&st, &r, 0, 120);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 120),
	    ALERT_NOTICE_NONE);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_MAIL, 120),
	    ALERT_NOTICE_RESOLVED);
	/* mail fails to take the resolve; it fires again: the resolve is moot */
	alert_step(&st, &r, 1, 180);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_MAIL, 180),
	    ALERT_NOTICE_FIRING);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_WEBHOOK, 180),
	    ALERT_NOTICE_FIRING);
}
END_TEST

/* A silence holds firing notices and repeats back, not a resolve. */
START_TEST(test_machine_silence)
{
	struct alert_rule	 r = rule(ALERT_DB_DOWN, 0, 600);
	struct alert_state	 st;

	memset(&st, 0, sizeof(st));
	st.silenced_until = 1000;
	ck_assert(alert_silenced(&st, 999));
	ck_assert(!alert_silenced(&st, 1000));
	alert_step(&st, &r, 1, 100);
	ck_assert_int_eq(st.phase, ALERT_FIRING);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 100),
	    ALERT_NOTICE_NONE);
	alert_step(&st, &r, 1, 999);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 999),
	    ALERT_NOTICE_NONE);
	/* the silence ends: the firing notice it held goes out at once */
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 1000),
	    ALERT_NOTICE_FIRING);
	alert_delivered(&st, ALERT_CH_COMMAND, ALERT_NOTICE_FIRING, 1000);
	/* silenced again: no repeat; but the resolve is sent */
	st.silenced_until = 5000;
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 1700),
	    ALERT_NOTICE_NONE);
	alert_step(&st, &r, 0, 1800);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 1800),
	    ALERT_NOTICE_RESOLVED);
	/* fires and resolves inside a silence: nothing at all */
	alert_delivered(&st, ALERT_CH_COMMAND, ALERT_NOTICE_RESOLVED, 1800);
	alert_step(&st, &r, 1, 1900);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 1900),
	    ALERT_NOTICE_NONE);
	alert_step(&st, &r, 0, 2000);
	ck_assert_int_eq(alert_due(&st, &r, ALERT_CH_COMMAND, 2000),
	    ALERT_NOTICE_NONE);
}
END_TEST

/* --- numbers -------------------------------------------------------------- */

/* Parses text into s[i] at time t with a process start. */
static void
series_set(struct alert_series *s, time_t t, double start, const char *text)
{
	char	*cause = NULL;

	s->t = t;
	s->start = start;
	promtext_init(&s->p);
	ck_assert_msg(promtext_parse(&s->p, text, strlen(text), &cause) ==
	    ST_OK, "%s", cause);
}

#define REQ(route, code, v)	"bootstack_http_requests_total{route=\"" \
	route "\",method=\"GET\",code=\"" code "\"} " #v "\n"

/* Increases across scrapes: plain, reset by value, reset by restart. */
START_TEST(test_increase)
{
	struct alert_series	 s[5];
	const char		*m5[] = { "code", "5xx", NULL };

	series_set(&s[0], 0, 100, REQ("a", "2xx", 10) REQ("a", "5xx", 1));
	series_set(&s[1], 60, 100, REQ("a", "2xx", 30) REQ("a", "5xx", 4)
	    REQ("b", "5xx", 2));
	/* a counter went down: a reset within the same process start */
	series_set(&s[2], 120, 100, REQ("a", "2xx", 5) REQ("a", "5xx", 4)
	    REQ("b", "5xx", 2));
	/* the daemon restarted: counts from 0 even though they are higher */
	series_set(&s[3], 180, 170, REQ("a", "2xx", 50) REQ("a", "5xx", 6)
	    REQ("b", "5xx", 3));
	/* a series vanished (not counted yet after a restart): ignored */
	series_set(&s[4], 240, 170, REQ("a", "2xx", 60));

	ck_assert_double_eq(alert_increase(s, 2, "bootstack_http_requests_total",
	    NULL), 20 + 3 + 2);
	ck_assert_double_eq(alert_increase(s, 2, "bootstack_http_requests_total",
	    m5), 3 + 2);
	ck_assert_double_eq(alert_increase(s + 1, 2,
	    "bootstack_http_requests_total", NULL), 5);
	ck_assert_double_eq(alert_increase(s + 2, 2,
	    "bootstack_http_requests_total", NULL), 50 + 6 + 3);
	ck_assert_double_eq(alert_increase(s + 3, 2,
	    "bootstack_http_requests_total", NULL), 10);
	ck_assert_double_eq(alert_increase(s, 5, "bootstack_http_requests_total",
	    m5), 3 + 2 + 0 + 6 + 3);
	ck_assert_double_eq(alert_increase(s, 1, "bootstack_http_requests_total",
	    NULL), 0);
	ck_assert_double_eq(alert_increase(s, 5, "nope", NULL), 0);
	alert_series_cleanup(s, 5);
}
END_TEST

/* The window starts at the newest scrape at least `window` old. */
START_TEST(test_window)
{
	struct alert_series	 s[5];
	int			 i;

	for (i = 0; i < 5; i++)
		series_set(&s[i], 1000 + i * 60, 1, "x 1\n");
	ck_assert_uint_eq(alert_window_start(s, 5, 300), 0);
	ck_assert_uint_eq(alert_window_start(s, 5, 120), 2);
	ck_assert_uint_eq(alert_window_start(s, 5, 121), 1);
	ck_assert_uint_eq(alert_window_start(s, 5, 60), 3);
	ck_assert_uint_eq(alert_window_start(s, 5, 10), 3);
	ck_assert_uint_eq(alert_window_start(s, 1, 10), 0);
	alert_series_cleanup(s, 5);
}
END_TEST

/* The 5xx ratio over two scrapes, all routes or one. */
START_TEST(test_ratio)
{
	struct alert_series	 s[2];
	double			 total, v;

	series_set(&s[0], 0, 1, REQ("a", "2xx", 100) REQ("a", "5xx", 0)
	    REQ("b", "2xx", 10));
	series_set(&s[1], 60, 1, REQ("a", "2xx", 190) REQ("a", "5xx", 10)
	    REQ("b", "2xx", 110) REQ("b", "4xx", 3));
	v = alert_ratio_5xx(s, 2, NULL, &total);
	ck_assert_double_eq(total, 90 + 10 + 100 + 3);
	ck_assert_double_eq_tol(v, 10.0 / 203, 1e-12);
	v = alert_ratio_5xx(s, 2, "a", &total);
	ck_assert_double_eq(total, 100);
	ck_assert_double_eq_tol(v, 0.1, 1e-12);
	v = alert_ratio_5xx(s, 2, "c", &total);
	ck_assert_double_eq(total, 0);
	ck_assert_double_eq(v, 0);
	alert_series_cleanup(s, 2);
}
END_TEST

/* histogram_quantile, as PromQL computes it. */
START_TEST(test_bucket_quantile)
{
	const double	 le[] = { 0.05, 0.1, 0.5, 1, INFINITY };
	const double	 c1[] = { 0, 0, 100, 100, 100 };
	const double	 c2[] = { 10, 20, 30, 40, 100 };
	const double	 c3[] = { 0, 0, 0, 0, 0 };
	const double	 c4[] = { 50, 100, 100, 100, 100 };
	const double	 le0[] = { 0, 1, INFINITY };
	const double	 c5[] = { 10, 10, 10 };

	/* every observation in (0.1, 0.5]: linear inside that bucket */
	ck_assert_double_eq_tol(alert_bucket_quantile(0.95, le, c1, 5),
	    0.1 + 0.4 * 0.95, 1e-12);
	ck_assert_double_eq_tol(alert_bucket_quantile(0.5, le, c1, 5),
	    0.3, 1e-12);
	/* rank in +Inf: the largest finite bound */
	ck_assert_double_eq(alert_bucket_quantile(0.95, le, c2, 5), 1);
	ck_assert_double_eq_tol(alert_bucket_quantile(0.35, le, c2, 5),
	    0.5 + 0.5 * 0.5, 1e-12);
	/* first bucket: from 0 */
	ck_assert_double_eq_tol(alert_bucket_quantile(0.25, le, c4, 5),
	    0.025, 1e-12);
	ck_assert(isnan(alert_bucket_quantile(0.95, le, c3, 5)));
	ck_assert(isnan(alert_bucket_quantile(0.95, le, c1, 4)));	/* no +Inf */
	ck_assert(isnan(alert_bucket_quantile(0.95, le, c1, 1)));
	ck_assert_double_eq(alert_bucket_quantile(0.5, le0, c5, 3), 0);
	ck_assert(isinf(alert_bucket_quantile(2, le, c1, 5)));
}
END_TEST

#define BUCKET(route, le, v) "bootstack_http_request_duration_seconds_" \
	"bucket{route=\"" route "\",le=\"" le "\"} " #v "\n"
#define HIST(route, a, b, c, d) BUCKET(route, "0.1", a) \
	BUCKET(route, "0.5", b) BUCKET(route, "1", c) BUCKET(route, "+Inf", d)

/* p95 from the increase of the buckets, per route or summed. */
START_TEST(test_quantile)
{
	struct alert_series	 s[3];
	double			 total, v;

	series_set(&s[0], 0, 1, HIST("a", 5, 5, 5, 5) HIST("b", 0, 0, 0, 0));
	/* a: 100 new requests, all in (0.5, 1]; b: 100 in (0, 0.1] */
	series_set(&s[1], 60, 1, HIST("a", 5, 5, 105, 105)
	    HIST("b", 100, 100, 100, 100));
	v = alert_quantile(s, 2, "a", 0.95, &total);
	ck_assert_double_eq(total, 100);
	ck_assert_double_eq_tol(v, 0.5 + 0.5 * 0.95, 1e-12);
	v = alert_quantile(s, 2, "b", 0.95, &total);
	ck_assert_double_eq_tol(v, 0.095, 1e-12);
	v = alert_quantile(s, 2, NULL, 0.95, &total);
	ck_assert_double_eq(total, 200);
	ck_assert_double_eq_tol(v, 0.5 + 0.5 * 0.9, 1e-12);
	v = alert_quantile(s, 2, "nope", 0.95, &total);
	ck_assert(isnan(v));
	ck_assert_double_eq(total, 0);
	/* after a restart the buckets count from zero */
	series_set(&s[2], 120, 2, HIST("a", 0, 0, 0, 10));
	v = alert_quantile(s + 1, 2, "a", 0.95, &total);
	ck_assert_double_eq(total, 10);
	ck_assert_double_eq(v, 1);
	alert_series_cleanup(s, 3);
}
END_TEST

/* --- store --------------------------------------------------------------- */

/* Saves a store and loads it back identically. */
START_TEST(test_store_round_trip)
{
	struct alert_store	 s, t;
	struct alert_state	*st;
	struct alert_rules	 rules;
	struct alert_rule	 rv[1];
	char			 path[128], *cause = NULL;

	snprintf(path, sizeof(path), "%s/sub-missing-is-ok.json", tmpdir);
	ck_assert_int_eq(alert_store_load(&s, path, &cause), 0);
	ck_assert_uint_eq(s.n, 0);
	st = alert_store_get(&s, "db", 1);
	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_eq(alert_store_get(&s, "db", 1), st);
	st->phase = ALERT_FIRING;
	st->active_since = 100;
	st->fired_at = 160;
	st->checked_at = 220;
	st->value = 0.25;
	st->summary = strdup("cannot connect: \"quoted\" \xc3\xa9");
	st->sent[ALERT_CH_MAIL].notified = 1;
	st->sent[ALERT_CH_MAIL].last = 160;
	st->sent[ALERT_CH_WEBHOOK].resolve = 1;
	st->silenced_until = 9999;
	st->silenced_at = 200;
	st->silence_comment = strdup("maintenance");
	ck_assert_ptr_nonnull(alert_store_get(&s, "gone", 1));
	ck_assert_ptr_null(alert_store_get(&s, "other", 0));
	s.last_check = 220;
	ck_assert_int_eq(alert_store_save(&s, path, &cause), 0);
	{
		struct stat sb;

		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 0777, 0600);
	}
	ck_assert_int_eq(alert_store_load(&t, path, &cause), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(t.last_check, 220);
	st = alert_store_get(&t, "db", 0);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->phase, ALERT_FIRING);
	ck_assert_int_eq(st->active_since, 100);
	ck_assert_int_eq(st->fired_at, 160);
	ck_assert_int_eq(st->checked_at, 220);
	ck_assert_double_eq(st->value, 0.25);
	ck_assert_str_eq(st->summary, "cannot connect: \"quoted\" \xc3\xa9");
	ck_assert_int_eq(st->sent[ALERT_CH_MAIL].notified, 1);
	ck_assert_int_eq(st->sent[ALERT_CH_MAIL].last, 160);
	ck_assert_int_eq(st->sent[ALERT_CH_WEBHOOK].resolve, 1);
	ck_assert_int_eq(st->sent[ALERT_CH_COMMAND].notified, 0);
	ck_assert_int_eq(st->silenced_until, 9999);
	ck_assert_str_eq(st->silence_comment, "maintenance");
	/* prune: only configured rules stay */
	memset(rv, 0, sizeof(rv));
	rv[0].name = "db";
	rules.v = rv;
	rules.n = 1;
	alert_store_prune(&t, &rules);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_ptr_null(alert_store_get(&t, "gone", 0));
	alert_store_cleanup(&s);
	alert_store_cleanup(&t);
	alert_store_cleanup(&t);

	/* a broken file: an error, and an empty store */
	ck_assert_int_eq(fs_write_atomic(path, "{\"rules\": [", 11, 0600,
	    &cause), 0);
	ck_assert_int_eq(alert_store_load(&t, path, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "not a bootstack alert state"));
	ck_assert_uint_eq(t.n, 0);
	free(cause);
}
END_TEST

/* Scrapes are kept filtered, pruned to the window, and survive a save. */
START_TEST(test_store_history)
{
	struct alert_store	 s, t;
	struct alert_series	*v = NULL;
	struct promtext		 p;
	char			 path[128], *cause = NULL, text[512];
	size_t			 n = 0, i;

	alert_store_init(&s);
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), REQ("a", "2xx", %zu)
		    "bootstack_db_up 1\nprocess_start_time_seconds 77\n"
		    "bootstack_worker_restarts_total{reason=\"crash\"} 0\n",
		    i * 10);
		promtext_init(&p);
		ck_assert_int_eq(promtext_parse(&p, text, strlen(text), &cause),
		    ST_OK);
		ck_assert_int_eq(alert_store_add_scrape(&s, &p,
		    (time_t)(1000 + i * 60), 150), ST_OK);
		promtext_cleanup(&p);
	}
	/* kept: the newest at least 150 s old (1360), then 1420..1540 */
	ck_assert_uint_eq(s.nh, 4);
	ck_assert_int_eq(s.h[0].t, 1360);
	ck_assert_double_eq(s.h[0].start, 77);
	ck_assert_ptr_null(strstr(s.h[0].text, "db_up"));
	ck_assert_ptr_nonnull(strstr(s.h[0].text, "restarts"));
	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	ck_assert_int_eq(alert_store_save(&s, path, &cause), 0);
	ck_assert_int_eq(alert_store_load(&t, path, &cause), 0);
	ck_assert_uint_eq(t.nh, 4);
	ck_assert_int_eq(alert_series_load(&t, &v, &n, &cause), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_double_eq(alert_increase(v, n,
	    "bootstack_http_requests_total", NULL), 30);
	alert_series_cleanup(v, n);
	free(v);

	/* two runs in the same second: both scrapes are kept */
	promtext_init(&p);
	ck_assert_int_eq(promtext_parse(&p, "x 1\n", 4, &cause), ST_OK);
	ck_assert_int_eq(alert_store_add_scrape(&s, &p, 1540, 150), ST_OK);
	ck_assert_uint_eq(s.nh, 5);
	promtext_cleanup(&p);

	/* the clock went back: the "future" scrapes are dropped */
	promtext_init(&p);
	ck_assert_int_eq(promtext_parse(&p, "x 1\n", 4, &cause), ST_OK);
	ck_assert_int_eq(alert_store_add_scrape(&t, &p, 1400, 150), ST_OK);
	ck_assert_uint_eq(t.nh, 2);
	ck_assert_int_eq(t.h[1].t, 1400);
	ck_assert_double_eq(t.h[1].start, 0);
	promtext_cleanup(&p);

	/* a kept scrape that is not exposition text is reported */
	free(t.h[0].text);
	t.h[0].text = strdup("garbage {");
	ck_assert_int_eq(alert_series_load(&t, &v, &n, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "kept scrape 0"));
	free(cause);
	alert_store_cleanup(&s);
	alert_store_cleanup(&t);
}
END_TEST

/* --- rules --------------------------------------------------------------- */

/* Loads text as a config and its rules; returns 0 or -1 with cause. */
static int
rules_from(const char *text, struct config **cfg, struct alert_rules *rules,
    char **cause)
{
	*cause = NULL;
	*cfg = config_new();
	ck_assert_ptr_nonnull(*cfg);
	ck_assert_msg(config_load_string(*cfg, "t.conf", text, cause) == 0,
	    "%s", *cause);
	return (alert_rules_load(*cfg, rules, cause));
}

/* Expects the rules of text to be refused with words in the cause. */
static void
rules_bad(const char *text, const char *words)
{
	struct alert_rules	 rules;
	struct config		*cfg;
	char			*cause;

	ck_assert_int_eq(rules_from(text, &cfg, &rules, &cause), -1);
	ck_assert_msg(cause != NULL && strstr(cause, words) != NULL,
	    "cause '%s' lacks '%s'", cause, words);
	free(cause);
	config_free(cfg);
}

START_TEST(test_rules)
{
	const struct alert_rule	*r;
	struct alert_rules	 rules;
	struct config		*cfg;
	char			*cause;

	ck_assert_int_eq(rules_from(
	    "[alerts]\nmetrics_url = http://127.0.0.1:1/metrics\n"
	    "repeat = 600\n"
	    "[acme]\nstate_dir = /st\n"
	    "[cert www]\nnames = example.com\n"
	    "[alert errors]\nkind = http_5xx_ratio\nthreshold = 2.5%\n"
	    "route = tasks_get\nfor = 120\nrepeat = 0\n"
	    "[alert slow]\nkind = http_p95\nthreshold = 250ms\n"
	    "[alert db]\nkind = db_down\nseverity = critical\n"
	    "[alert www]\nkind = cert_expiry\ncert = www\n"
	    "[alert other]\nkind = cert_renew_failed\npath = /x.json\n"
	    "[alert disk]\nkind = disk_space\npath = /var\nthreshold = 15\n"
	    "[alert loop]\nkind = crash_loop\nwindow = 900\n"
	    "[alert stale]\nkind = stale_job\npath = /f\nthreshold = 1d12h\n"
	    "[alert api]\nkind = api_down\n", &cfg, &rules, &cause), 0);
	ck_assert_uint_eq(rules.n, 9);
	ck_assert(rules.need_scrape);
	ck_assert_int_eq(rules.max_window, 900);
	r = alert_rules_find(&rules, "errors");
	ck_assert_int_eq(r->kind, ALERT_HTTP_5XX_RATIO);
	ck_assert_double_eq_tol(r->threshold, 0.025, 1e-12);
	ck_assert_str_eq(r->route, "tasks_get");
	ck_assert_int_eq(r->for_s, 120);
	ck_assert_int_eq(r->repeat, 0);
	ck_assert_str_eq(r->severity, "warning");
	r = alert_rules_find(&rules, "slow");
	ck_assert_double_eq_tol(r->threshold, 0.25, 1e-12);
	ck_assert_int_eq(r->repeat, 600);	/* [alerts] repeat */
	ck_assert_int_eq(r->min_requests, 10);
	r = alert_rules_find(&rules, "db");
	ck_assert_str_eq(r->severity, "critical");
	ck_assert(isnan(r->threshold));
	r = alert_rules_find(&rules, "www");
	ck_assert_str_eq(r->path, "/st/www.status.json");
	ck_assert_double_eq(r->threshold, 14);
	ck_assert_str_eq(alert_rules_find(&rules, "other")->path, "/x.json");
	ck_assert_double_eq(alert_rules_find(&rules, "disk")->threshold, 15);
	ck_assert_double_eq(alert_rules_find(&rules, "loop")->threshold, 5);
	ck_assert_double_eq(alert_rules_find(&rules, "stale")->threshold,
	    36 * 3600);
	ck_assert_ptr_null(alert_rules_find(&rules, "nope"));
	alert_rules_cleanup(&rules);
	alert_rules_cleanup(&rules);
	config_free(cfg);

	/* no rules at all is fine */
	ck_assert_int_eq(rules_from("", &cfg, &rules, &cause), 0);
	ck_assert_uint_eq(rules.n, 0);
	ck_assert(!rules.need_scrape);
	config_free(cfg);

	rules_bad("[alert a]\nseverity = info\n", "[alert a] kind: not set");
	rules_bad("[alert a]\nkind = db_down\nthreshold = 1\n",
	    "takes none");
	rules_bad("[alert a]\nkind = http_5xx_ratio\n", "set [alerts] "
	    "metrics_url");
	rules_bad("[alerts]\nmetrics_url = http://x/\n[alert a]\n"
	    "kind = http_5xx_ratio\nthreshold = 1.5\n", "'1.5' is not a ratio");
	rules_bad("[alerts]\nmetrics_url = http://x/\n[alert a]\n"
	    "kind = http_p95\nthreshold = fast\n", "not seconds");
	rules_bad("[alert a]\nkind = disk_space\npath = /\nthreshold = 100\n",
	    "percentage");
	rules_bad("[alert a]\nkind = disk_space\n", "needs one");
	rules_bad("[alert a]\nkind = stale_job\npath = /x\nthreshold = 1x\n",
	    "a duration");
	rules_bad("[alert a]\nkind = cert_expiry\n", "set either cert");
	rules_bad("[alert a]\nkind = cert_expiry\ncert = x\n", "no [cert x]");
	rules_bad("[alert a]\nkind = db_down\nroute = x\n", "route: only");
	rules_bad("[alert a]\nkind = db_down\ncert = x\n", "cert: only");
	rules_bad("[alert a]\nkind = db_down\npath = /x\n", "path: a db_down");
}
END_TEST

/* Durations and times, parsed and printed. */
START_TEST(test_durations)
{
	long long	 s;
	time_t		 t;
	char		 buf[32];

	ck_assert_int_eq(alert_duration_parse("90", &s), 0);
	ck_assert_int_eq(s, 90);
	ck_assert_int_eq(alert_duration_parse("2h", &s), 0);
	ck_assert_int_eq(s, 7200);
	ck_assert_int_eq(alert_duration_parse("1h30m", &s), 0);
	ck_assert_int_eq(s, 5400);
	ck_assert_int_eq(alert_duration_parse("1w1d1s", &s), 0);
	ck_assert_int_eq(s, 8 * 86400 + 1);
	ck_assert_int_eq(alert_duration_parse("", &s), -1);
	ck_assert_int_eq(alert_duration_parse("h", &s), -1);
	ck_assert_int_eq(alert_duration_parse("1h30", &s), -1);
	ck_assert_int_eq(alert_duration_parse("-1h", &s), -1);
	ck_assert_int_eq(alert_duration_parse("2y", &s), -1);
	ck_assert_int_eq(alert_duration_parse("99999999999999999999", &s), -1);
	ck_assert_int_eq(alert_duration_parse("20000w", &s), -1);
	ck_assert_str_eq(alert_duration_fmt(5400, buf, sizeof(buf)), "1h30m");
	ck_assert_str_eq(alert_duration_fmt(86400 + 5, buf, sizeof(buf)),
	    "1d5s");
	ck_assert_str_eq(alert_duration_fmt(45, buf, sizeof(buf)), "45s");
	ck_assert_str_eq(alert_duration_fmt(0, buf, sizeof(buf)), "0s");
	ck_assert_int_eq(clock_rfc3339_parse("2025-12-01T10:00:00Z", &t), 0);
	ck_assert_int_eq(t, 1764583200);
	ck_assert_str_eq(clock_rfc3339_fmt(t, buf, sizeof(buf)),
	    "2025-12-01T10:00:00Z");
	ck_assert_int_eq(clock_rfc3339_parse("2025-12-01T12:00:00.123+02:00", &t),
	    0);
	ck_assert_int_eq(t, 1764583200);
	ck_assert_int_eq(clock_rfc3339_parse("2025-12-01 10:00:00", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse("2025-12-01T10:00:00Zjunk", &t), -1);
	ck_assert_str_eq(clock_rfc3339_fmt(0, buf, sizeof(buf)), "-");
}
END_TEST

/* --- eval --------------------------------------------------------------- */

/* Writes a status file as `cert renew` does. */
static void
status_file(const char *path, const char *result, time_t not_after)
{
	char	 text[512], na[64], t[32];
	char	*cause = NULL;

	if (not_after != 0)
		snprintf(na, sizeof(na), "\"%s\"", clock_rfc3339_fmt(not_after, t,
		    sizeof(t)));
	else
		snprintf(na, sizeof(na), "null");
	snprintf(text, sizeof(text), "{\"name\": \"www\", \"result\": \"%s\", "
	    "\"error\": %s, \"last_attempt\": \"2025-12-01T10:00:03Z\", "
	    "\"not_after\": %s}\n", result, strcmp(result, "failed") == 0 ?
	    "\"GET https://ca/dir: Couldn't connect\"" : "null", na);
	ck_assert_int_eq(fs_write_atomic(path, text, strlen(text), 0644,
	    &cause), 0);
}

START_TEST(test_eval_cert)
{
	struct alert_rule	 r = rule(ALERT_CERT_EXPIRY, 0, 0);
	struct alert_input	 in;
	char			 path[128], *sum;
	double			 v;

	snprintf(path, sizeof(path), "%s/www.status.json", tmpdir);
	r.path = path;
	r.what = (char *)"www";
	r.threshold = 14;
	memset(&in, 0, sizeof(in));
	in.now = 1764583200;

	/* missing: fires (renew never ran) */
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "cert renew"));
	free(sum);
	status_file(path, "ok", in.now + 5 * 86400);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_double_eq_tol(v, 5, 1e-9);
	ck_assert_ptr_nonnull(strstr(sum, "expires in 5.0 days"));
	free(sum);
	status_file(path, "not-due", in.now + 30 * 86400);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	free(sum);
	status_file(path, "failed", in.now - 86400);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "EXPIRED 1.0 days ago"));
	free(sum);
	status_file(path, "failed", 0);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "no certificate installed"));
	free(sum);

	r.kind = ALERT_CERT_RENEW_FAILED;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "Couldn't connect"));
	free(sum);
	status_file(path, "ok", in.now + 80 * 86400);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	free(sum);
	ck_assert_int_eq(fs_write_atomic(path, "[1]", 3, 0644, &sum), 0);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), -1);
	ck_assert_ptr_nonnull(strstr(sum, "not a status file"));
	free(sum);
}
END_TEST

START_TEST(test_eval_files)
{
	struct alert_rule	 r = rule(ALERT_STALE_JOB, 0, 0);
	struct alert_input	 in;
	struct timeval		 tv[2];
	char			 path[128], *sum;
	double			 v;

	snprintf(path, sizeof(path), "%s/stamp", tmpdir);
	r.path = path;
	r.threshold = 3600;
	memset(&in, 0, sizeof(in));
	in.now = time(NULL);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "never ran"));
	free(sum);
	ck_assert_int_eq(fs_write_atomic(path, "", 0, 0644, &sum), 0);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	free(sum);
	tv[0].tv_sec = tv[1].tv_sec = in.now - 7200;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	ck_assert_int_eq(utimes(path, tv), 0);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_double_eq_tol(v, 7200, 1);
	ck_assert_ptr_nonnull(strstr(sum, "last written 2h ago (alert after "
	    "1h)"));
	free(sum);

	/*
	 * A job status file (lib/jobstatus.h) counts from the last success:
	 * a fresh file whose job keeps failing still goes stale.
	 */
	snprintf(path, sizeof(path), "%s/job.status.json", tmpdir);
	ck_assert_int_eq(jobstatus_write(path, "report", NULL, &sum), 0);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	ck_assert_ptr_nonnull(strstr(sum, "last succeeded"));
	free(sum);
	ck_assert_int_eq(fs_write_atomic(path, "{\"job\":\"report\","
	    "\"result\":\"ok\",\"last_success\":\"2001-01-01T00:00:00Z\"}",
	    68, 0644, &sum), 0);
	ck_assert_int_eq(jobstatus_write(path, "report", "GoAccess failed",
	    &sum), 0);	/* a failed run keeps the old success time */
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_double_eq_tol(v, difftime(in.now, 978307200), 1);
	free(sum);
	/*
	 * A run that skipped because another host held the job's lock is
	 * fresh (the holder's own file watches its run), and says who held
	 * it; the old success is kept for when this host works again.
	 */
	ck_assert_int_eq(jobstatus_write_skipped(path, "report",
	    "bootstack report on api2 pid 42 (backend pid 7, since ...)", &sum),
	    0);
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	ck_assert_double_eq_tol(v, 0, 5);
	ck_assert_ptr_nonnull(strstr(sum, "last skipped"));
	ck_assert_ptr_nonnull(strstr(sum, "held by bootstack report on api2 "
	    "pid 42"));
	free(sum);
	{
		json_object	*obj;
		char		*held = NULL;
		time_t		 when;

		ck_assert_int_eq(jsonutil_load_file(path, 4096, 4,
		    JSONUTIL_OBJECT, &obj, NULL), 0);
		ck_assert_str_eq(jsonutil_get_str(obj, "result"), "skipped");
		ck_assert_str_eq(jsonutil_get_str(obj, "last_success"),
		    "2001-01-01T00:00:00Z");
		json_object_put(obj);
		/* a success after it: the success is the fresher one */
		ck_assert_int_eq(jobstatus_write(path, "report", NULL, &sum),
		    0);
		ck_assert_int_eq(jobstatus_last_fresh(path, &when, &held), 0);
		ck_assert_ptr_null(held);
		ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
		ck_assert_ptr_nonnull(strstr(sum, "last succeeded"));
		free(sum);
	}

	r.kind = ALERT_DISK_SPACE;
	r.path = tmpdir;
	r.threshold = 1e-9;	/* no disk is that full */
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	ck_assert(v > 0 && v <= 100);
	ck_assert_ptr_nonnull(strstr(sum, "of the space and"));
	free(sum);
	r.threshold = 99.9999999;	/* ... nor that empty */
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	free(sum);
	r.path = (char *)"/nonexistent/folder";
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "cannot check"));
	free(sum);

	r.kind = ALERT_DB_DOWN;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), -1);
	free(sum);
	in.db_checked = 1;
	in.db_error = "connection refused\n\x01";
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_str_eq(sum, "cannot connect to the database: connection "
	    "refused");
	free(sum);
	/* a long error is cut, on a character boundary */
	{
		char	 longerr[3000];
		size_t	 k;

		for (k = 0; k + 2 < sizeof(longerr); k += 2)
			memcpy(longerr + k, "\xc3\xa9", 2);
		longerr[k] = '\0';
		in.db_error = longerr;
		ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
		ck_assert_uint_le(strlen(sum), 480);
		ck_assert_str_eq(sum + strlen(sum) - 3, "...");
		ck_assert_int_ge(jsonutil_utf8_chars(sum, strlen(sum)), 0);
		free(sum);
	}
	in.db_up = 1;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	free(sum);
}
END_TEST

START_TEST(test_eval_metrics)
{
	struct alert_rule	 r = rule(ALERT_HTTP_5XX_RATIO, 0, 0);
	struct alert_input	 in;
	struct alert_series	 s[2];
	char			*sum;
	double			 v;

	memset(&in, 0, sizeof(in));
	in.now = 1000;
	in.scrape_error = "GET http://127.0.0.1:1/...: Connection refused";
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), -1);
	ck_assert_ptr_nonnull(strstr(sum, "Connection refused"));
	free(sum);
	r.kind = ALERT_API_DOWN;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	free(sum);

	series_set(&s[0], 900, 1, REQ("a", "2xx", 100)
	    "bootstack_crash_loop 0\n"
	    "bootstack_worker_restarts_total{reason=\"crash\"} 1\n");
	series_set(&s[1], 1000, 1, REQ("a", "2xx", 105) REQ("a", "5xx", 6)
	    "bootstack_crash_loop 0\n"
	    "bootstack_worker_restarts_total{reason=\"crash\"} 7\n" HIST("a",
	    1, 2, 3, 11));
	in.scrape_error = NULL;
	in.cur = &s[1].p;
	in.series = s;
	in.nseries = 1;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);	/* api up */
	free(sum);
	r.kind = ALERT_HTTP_5XX_RATIO;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	ck_assert_str_eq(sum, "waiting for a second scrape");
	free(sum);
	in.nseries = 2;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_double_eq_tol(v, 6.0 / 11, 1e-12);
	ck_assert_ptr_nonnull(strstr(sum, "54.5% of 11 requests answered 5xx "
	    "in the last 1m40s (alert above 5.0%)"));
	free(sum);
	r.min_requests = 12;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	ck_assert_ptr_nonnull(strstr(sum, "fewer than min_requests 12"));
	free(sum);
	r.kind = ALERT_HTTP_P95;
	r.min_requests = 10;
	r.threshold = 0.5;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);	/* +Inf: 1 */
	ck_assert_double_eq(v, 1);
	free(sum);
	r.kind = ALERT_CRASH_LOOP;
	r.threshold = 5;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_double_eq(v, 6);
	free(sum);
	r.threshold = 7;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 0);
	free(sum);
	alert_series_cleanup(s, 2);
	series_set(&s[0], 1000, 1, "bootstack_crash_loop 1\n");
	in.cur = &s[0].p;
	in.nseries = 1;
	ck_assert_int_eq(alert_eval(&r, &in, &v, &sum), 1);
	ck_assert_ptr_nonnull(strstr(sum, "backing off"));
	free(sum);
	alert_series_cleanup(s, 1);
}
END_TEST

/* --- messages ---------------------------------------------------------- */

START_TEST(test_messages)
{
	struct alert_rule	 r1 = rule(ALERT_DB_DOWN, 0, 0);
	struct alert_rule	 r2 = rule(ALERT_CERT_EXPIRY, 0, 0);
	struct alert_state	 s1, s2;
	struct alert_item	 it[2];
	json_object		*o, *a, *e;
	char			*j, *t, *m, err[128];

	r1.name = "db";
	r2.name = "www";
	r2.severity = "warning";
	r2.threshold = 14;
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	s1.fired_at = 1764583200;
	s1.value = 1;
	s1.summary = (char *)"cannot connect to the database: refused";
	s2.fired_at = 1764583000;
	s2.resolved_at = 1764583200;
	s2.value = NAN;
	s2.summary = (char *)"the certificate www expires in 80.0 days";
	it[0].rule = &r1;
	it[0].st = &s1;
	it[0].what = ALERT_NOTICE_FIRING;
	it[1].rule = &r2;
	it[1].st = &s2;
	it[1].what = ALERT_NOTICE_RESOLVED;

	j = alert_json(it, 2, "box", 1764583200);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(jsonutil_parse(j, strlen(j), 8, &o, err, sizeof(err)),
	    ST_OK);
	ck_assert_str_eq(jsonutil_get_str(o, "status"), "firing");
	ck_assert_str_eq(jsonutil_get_str(o, "host"), "box");
	ck_assert_str_eq(jsonutil_get_str(o, "time"), "2025-12-01T10:00:00Z");
	ck_assert_ptr_nonnull(strstr(jsonutil_get_str(o, "text"),
	    "1 firing, 1 resolved"));
	ck_assert(json_object_object_get_ex(o, "alerts", &a));
	ck_assert_uint_eq(json_object_array_length(a), 2);
	e = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(jsonutil_get_str(e, "name"), "db");
	ck_assert_str_eq(jsonutil_get_str(e, "kind"), "db_down");
	ck_assert_str_eq(jsonutil_get_str(e, "severity"), "critical");
	ck_assert_str_eq(jsonutil_get_str(e, "status"), "firing");
	e = json_object_array_get_idx(a, 1);
	ck_assert_str_eq(jsonutil_get_str(e, "status"), "resolved");
	ck_assert_str_eq(jsonutil_get_str(e, "resolved_at"),
	    "2025-12-01T10:00:00Z");
	json_object_put(o);
	free(j);

	t = alert_text(it, 2, "box");
	ck_assert_str_eq(t, "bootstack on box: 1 firing, 1 resolved\n"
	    "FIRING [critical] db (db_down): cannot connect to the database: "
	    "refused (since 2025-12-01T10:00:00Z)\n"
	    "RESOLVED www (cert_expiry): the certificate www expires in 80.0 "
	    "days (fired 2025-12-01T09:56:40Z, resolved "
	    "2025-12-01T10:00:00Z)");
	free(t);

	m = alert_mail(it, 2, "box", "bootstack@box", "a@x, b@y", 1764583200);
	ck_assert_ptr_nonnull(strstr(m, "From: bootstack@box\nTo: a@x, b@y\n"
	    "Date: Mon, 01 Dec 2025 10:00:00 +0000\n"));
	ck_assert_ptr_nonnull(strstr(m, "\nSubject: [FIRING:1] bootstack on "
	    "box: db\n"));
	ck_assert_ptr_nonnull(strstr(m, "\nContent-Type: text/plain; "
	    "charset=utf-8\n"));
	ck_assert_ptr_nonnull(strstr(m, "\n\nbootstack on box: 1 firing"));
	free(m);
	m = alert_mail(it + 1, 1, "box", "f@x", "a@x", 1764583200);
	ck_assert_ptr_nonnull(strstr(m, "\nSubject: [RESOLVED] bootstack on "
	    "box: www\n"));
	free(m);
}
END_TEST

/* --- notify ------------------------------------------------------------ */

START_TEST(test_exec)
{
	char		 out[160], script[200], *cause = NULL, **argv;
	char		*text = NULL;
	size_t		 len;
	char		*sh_ok[] = { (char *)"/bin/sh", (char *)"-c", NULL, NULL };
	char		*none[] = { (char *)"/nonexistent/prog", NULL };
	char		*big;

	signal(SIGPIPE, SIG_IGN);
	snprintf(out, sizeof(out), "%s/got", tmpdir);
	snprintf(script, sizeof(script), "cat > '%s'", out);
	sh_ok[2] = script;
	ck_assert_int_eq(alert_exec(sh_ok, "{\"a\":1}\n", 8, 10, &cause),
	    ST_OK);
	ck_assert_int_eq(fs_read_file(out, 100, &text, &len, &cause), 0);
	ck_assert_str_eq(text, "{\"a\":1}\n");
	free(text);

	sh_ok[2] = (char *)"echo 'smtp: relay\nrefused' >&2; exit 3";
	ck_assert_int_eq(alert_exec(sh_ok, "x", 1, 10, &cause), ST_UPSTREAM);
	ck_assert_str_eq(cause, "/bin/sh failed (exit 3): smtp: relay refused");
	free(cause);

	ck_assert_int_eq(alert_exec(none, "x", 1, 10, &cause), ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "failed (exit 127): cannot run "
	    "/nonexistent/prog"));
	free(cause);

	/* a child that never reads a large input, and hangs: killed */
	big = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(big);
	sh_ok[2] = (char *)"exec sleep 30";
	ck_assert_int_eq(alert_exec(sh_ok, big, 1 << 20, 1, &cause),
	    ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "killed after 1 s"));
	free(cause);
	/* one that exits without reading: its status counts, no SIGPIPE */
	sh_ok[2] = (char *)"exit 0";
	ck_assert_int_eq(alert_exec(sh_ok, big, 1 << 20, 10, &cause), ST_OK);
	/* one that leaves a process holding the output open: not waited */
	sh_ok[2] = (char *)"(sleep 4 &) ; exit 0";
	ck_assert_int_eq(alert_exec(sh_ok, "x", 1, 2, &cause), ST_OK);
	free(big);

	argv = alert_split("  /usr/bin/logger  -t\tbootstack ", 8);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[0], "/usr/bin/logger");
	ck_assert_str_eq(argv[1], "-t");
	ck_assert_str_eq(argv[2], "bootstack");
	ck_assert_ptr_null(argv[3]);
	alert_split_free(argv);
	ck_assert_ptr_null(alert_split("   ", 8));
	ck_assert_ptr_null(alert_split("a b c", 2));
	alert_split_free(NULL);
}
END_TEST

/* Unreachable URLs fail with their scheme and host only. */
START_TEST(test_http_errors)
{
	struct buf	 b;
	char		*cause = NULL;

	buf_init(&b, 1024);
	ck_assert_int_eq(alert_fetch("http://127.0.0.1:1/metrics?x=secret",
	    NULL, NULL, 5, &b, &cause), ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "GET http://127.0.0.1:1/...: "));
	ck_assert_ptr_null(strstr(cause, "secret"));
	free(cause);
	ck_assert_int_eq(alert_post("http://user:pw@127.0.0.1:1/hooks/T0/B1/"
	    "secret", "tok", NULL, 5, "{}", &cause), ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "POST http://127.0.0.1:1/...: "));
	ck_assert_ptr_null(strstr(cause, "secret"));
	ck_assert_ptr_null(strstr(cause, "pw"));
	ck_assert_ptr_null(strstr(cause, "tok"));
	free(cause);
	ck_assert_int_eq(alert_post("http://hooks.example.test/x", "tok", NULL,
	    5, "{}", &cause), ST_BADREQ);
	ck_assert_ptr_nonnull(strstr(cause, "refusing to send the webhook "
	    "token over plain http"));
	free(cause);
	ck_assert_int_eq(alert_post("http://localhost.example.test:1/x", "tok",
	    NULL, 5, "{}", &cause), ST_BADREQ);
	free(cause);
	ck_assert_int_eq(alert_post("http://127.evil.test/x", "tok", NULL, 5,
	    "{}", &cause), ST_BADREQ);
	free(cause);
	ck_assert_int_eq(alert_post("http://localhost:1/x", "tok", NULL, 5,
	    "{}", &cause), ST_UPSTREAM);
	free(cause);
	ck_assert_int_eq(alert_post("http://[::1]:1/x", "tok", NULL, 5,
	    "{}", &cause), ST_UPSTREAM);
	free(cause);
	ck_assert_int_eq(alert_fetch("ftp://127.0.0.1:1/", NULL, NULL, 5, &b,
	    &cause), ST_UPSTREAM);
	free(cause);
	buf_cleanup(&b);
}
END_TEST

/* Adds one test case per row to s. */
static void
add(Suite *s, const char *name, const TTest *t, int fixture)
{
	TCase	*tc = tcase_create(name);

	if (fixture)
		tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	Suite	*m = suite_create("machine"), *n = suite_create("numbers");
	Suite	*st = suite_create("store"), *r = suite_create("rules");
	Suite	*e = suite_create("eval"), *msg = suite_create("messages");
	Suite	*nt = suite_create("notify");

	add(m, "for", test_machine_for, 0);
	add(m, "flap", test_machine_flap, 0);
	add(m, "repeat", test_machine_repeat, 0);
	add(m, "retry", test_machine_retry, 0);
	add(m, "silence", test_machine_silence, 0);
	add(n, "increase", test_increase, 0);
	add(n, "window", test_window, 0);
	add(n, "ratio", test_ratio, 0);
	add(n, "bucket_quantile", test_bucket_quantile, 0);
	add(n, "quantile", test_quantile, 0);
	add(st, "round_trip", test_store_round_trip, 1);
	add(st, "history", test_store_history, 1);
	add(r, "rules", test_rules, 0);
	add(r, "durations", test_durations, 0);
	add(e, "cert", test_eval_cert, 1);
	add(e, "files", test_eval_files, 1);
	add(e, "metrics", test_eval_metrics, 0);
	add(msg, "messages", test_messages, 0);
	add(nt, "exec", test_exec, 1);
	add(nt, "http_errors", test_http_errors, 0);
	srunner_add_suite(sr, m);
	srunner_add_suite(sr, n);
	srunner_add_suite(sr, st);
	srunner_add_suite(sr, r);
	srunner_add_suite(sr, e);
	srunner_add_suite(sr, msg);
	srunner_add_suite(sr, nt);
}

const struct unit unit = { "check_alert", NULL, NULL, add_suites };
