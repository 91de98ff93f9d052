/*
 * check_promtext.c: unit tests for lib/promtext.c, the reader of the
 * Prometheus text exposition format: a page like the one GET /metrics
 * serves, every token form (escapes, blanks, trailing comma, timestamps,
 * NaN/Inf), the canonical keys and lookups, a write/read round trip, and
 * hostile text: bad syntax, NUL bytes, invalid UTF-8, unknown escapes,
 * repeated labels and series, and every cap.
 */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "promtext.h"
#include "unit.h"

/* Parses text; asserts success. */
static void
parse_ok(struct promtext *p, const char *text)
{
	char	*cause = NULL;
	enum st	 st;

	promtext_init(p);
	st = promtext_parse(p, text, strlen(text), &cause);
	ck_assert_msg(st == ST_OK, "parse failed: %s", cause);
	free(cause);
}

/* Parses text; asserts failure with status want and cause holding words. */
static void
parse_bad(const char *text, size_t len, enum st want, const char *words)
{
	struct promtext	 p;
	char		*cause = NULL;
	enum st		 st;

	promtext_init(&p);
	st = promtext_parse(&p, text, len, &cause);
	ck_assert_msg(st == want, "'%.60s': got status %d, want %d (%s)",
	    text, st, want, cause != NULL ? cause : "");
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, words) != NULL, "cause '%s' lacks '%s'",
	    cause, words);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_ptr_null(p.samples);
	free(cause);
}

static const char page[] =
    "# HELP bootstack_http_requests_total HTTP requests answered.\n"
    "# TYPE bootstack_http_requests_total counter\n"
    "bootstack_http_requests_total{route=\"healthz\",method=\"GET\","
    "code=\"2xx\"} 57\n"
    "bootstack_http_requests_total{route=\"tasks_get\",method=\"GET\","
    "code=\"5xx\"} 3\n"
    "bootstack_http_requests_total{route=\"tasks_get\",method=\"GET\","
    "code=\"2xx\"} 40\n"
    "# TYPE bootstack_http_request_duration_seconds histogram\n"
    "bootstack_http_request_duration_seconds_bucket{route=\"healthz\","
    "le=\"0.005\"} 50\n"
    "bootstack_http_request_duration_seconds_bucket{route=\"healthz\","
    "le=\"+Inf\"} 57\n"
    "bootstack_http_request_duration_seconds_sum{route=\"healthz\"} "
    "0.125000\n"
    "bootstack_db_up 1\n"
    "bootstack_build_info{version=\"0.1-3-gabc\"} 1\n"
    "process_start_time_seconds 1764000000\n";

/* A /metrics page: samples, sorted keys, sums and lookups. */
START_TEST(test_page)
{
	const struct promtext_sample	*s;
	const char			*m5[] = { "code", "5xx", NULL };
	const char			*mr[] = { "route", "tasks_get", "code",
					    "2xx", NULL };
	struct promtext			 p;
	size_t				 i, n;

	parse_ok(&p, page);
	ck_assert_uint_eq(p.n, 9);
	for (i = 1; i < p.n; i++)
		ck_assert_int_lt(strcmp(p.samples[i - 1].key,
		    p.samples[i].key), 0);
	s = promtext_find(&p, "bootstack_http_requests_total{code=\"2xx\","
	    "method=\"GET\",route=\"healthz\"}");
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(s->value, 57);
	ck_assert_str_eq(s->name, "bootstack_http_requests_total");
	ck_assert_str_eq(promtext_label(s, "route"), "healthz");
	ck_assert_ptr_null(promtext_label(s, "le"));
	ck_assert_double_eq(promtext_sum(&p, "bootstack_http_requests_total",
	    NULL, &n), 100);
	ck_assert_uint_eq(n, 3);
	ck_assert_double_eq(promtext_sum(&p, "bootstack_http_requests_total",
	    m5, NULL), 3);
	ck_assert_double_eq(promtext_sum(&p, "bootstack_http_requests_total",
	    mr, &n), 40);
	ck_assert_uint_eq(n, 1);
	ck_assert_double_eq(promtext_sum(&p, "nope", NULL, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_double_eq(promtext_sum(&p, "process_start_time_seconds",
	    NULL, NULL), 1764000000);
	ck_assert_ptr_nonnull(promtext_find(&p, "bootstack_db_up"));
	ck_assert_ptr_null(promtext_find(&p, "bootstack_db"));
	promtext_cleanup(&p);
	promtext_cleanup(&p);		/* safe twice */
}
END_TEST

/* Every accepted form of a token. */
START_TEST(test_forms)
{
	const struct promtext_sample	*s;
	struct promtext			 p;

	parse_ok(&p,
	    "\n   \n"
	    "# a plain comment with \"quotes\" and {braces}\n"
	    "#HELP no_space is a comment too\n"
	    "# HELP m_help\n"
	    "a:b_c 1.5e3\n"
	    "  t\t{ x = \"1\" , y=\"2\", } \t-Inf   1700000000000  \n"
	    "n NaN\n"
	    "p +Inf\n"
	    "q inf\n"
	    "e{v=\"back\\\\slash \\\"q\\\" new\\nline\"} -0.25\n"
	    "u{v=\"\xc3\xa9t\xc3\xa9 \xe2\x9c\x93\"} 2\n"
	    "empty{} 7\n"
	    "neg -3 -5\n"
	    "last 9");
	ck_assert_uint_eq(p.n, 10);
	s = promtext_find(&p, "a:b_c");
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq(s->value, 1500);
	s = promtext_find(&p, "t{x=\"1\",y=\"2\"}");
	ck_assert_ptr_nonnull(s);
	ck_assert(isinf(s->value) && s->value < 0);
	ck_assert(isnan(promtext_find(&p, "n")->value));
	ck_assert(isinf(promtext_find(&p, "p")->value));
	ck_assert(isinf(promtext_find(&p, "q")->value));
	s = promtext_find(&p, "e{v=\"back\\\\slash \\\"q\\\" new\\nline\"}");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(promtext_label(s, "v"), "back\\slash \"q\" new\nline");
	s = promtext_find(&p, "u{v=\"\xc3\xa9t\xc3\xa9 \xe2\x9c\x93\"}");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(promtext_find(&p, "empty"));
	ck_assert_double_eq(promtext_find(&p, "neg")->value, -3);
	ck_assert_double_eq(promtext_find(&p, "last")->value, 9);
	promtext_cleanup(&p);
}
END_TEST

/* promtext_write then promtext_parse gives the same series and values. */
START_TEST(test_round_trip)
{
	const char	*names[] = { "bootstack_http_requests_total", "e", "n",
			    "x", NULL };
	struct promtext	 p, q;
	char		*text = NULL;
	size_t		 len = 0, i;
	FILE		*f;

	parse_ok(&p, "bootstack_http_requests_total{route=\"a\",code=\"5xx\"}"
	    " 12\nx 0.1\nn NaN\ne{v=\"a\\\\b\\\"c\\nd\"} -Inf\n"
	    "x_other 3\nbig 123456789012345678\n");
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(promtext_write(&p, names, f), 0);
	fclose(f);
	ck_assert_ptr_null(strstr(text, "x_other"));
	ck_assert_ptr_null(strstr(text, "big"));
	parse_ok(&q, text);
	ck_assert_uint_eq(q.n, 4);
	for (i = 0; i < q.n; i++) {
		const struct promtext_sample *o = promtext_find(&p,
		    q.samples[i].key);

		ck_assert_ptr_nonnull(o);
		if (isnan(o->value))
			ck_assert(isnan(q.samples[i].value));
		else
			ck_assert(o->value == q.samples[i].value);
	}
	free(text);
	promtext_cleanup(&p);
	promtext_cleanup(&q);
}
END_TEST

/* Malformed text fails with the line number and a reason. */
START_TEST(test_malformed)
{
#define BAD(t, w) parse_bad(t, strlen(t), ST_BADREQ, w)
	BAD("ok 1\n9bad 1\n", "line 2: no valid metric name");
	BAD("m{} \n", "line 1: a blank and a value expected");
	BAD("m{}x 1\n", "a blank and a value expected");
	BAD("m\n", "a blank and a value expected");
	BAD("m 1x\n", "not a number");
	BAD("m 0x10\n", "not a number");
	BAD("m nan(1)\n", "not a number");
	BAD("m 1e999\n", "not a number");
	BAD("m 1 2 3\n", "text after the timestamp");
	BAD("m 1 1.5\n", "timestamp is not an integer");
	BAD("m{a=1} 1\n", "'\"' expected");
	BAD("m{a \"1\"} 1\n", "'=' expected");
	BAD("m{a=\"1\" b=\"2\"} 1\n", "',' or '}' expected");
	BAD("m{a=\"1\n", "unterminated label value");
	BAD("m{a=\"1\"\n", "'}' missing");
	BAD("m{a=\"1\",\n", "'}' missing");
	BAD("m{9a=\"1\"} 1\n", "no valid label name");
	BAD("m{a:b=\"1\"} 1\n", "'=' expected");
	BAD("m{a=\"x\\t\"} 1\n", "unknown escape");
	BAD("m{a=\"1\",a=\"2\"} 1\n", "a label is given twice");
	BAD("m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 2\n", "given twice");
	BAD("m 1\nm 2\n", "series m is given twice");
	BAD("# TYPE m countr\n", "unknown TYPE");
	BAD("# TYPE m\n", "TYPE without a type");
	BAD("# TYPE 1m counter\n", "no valid metric name");
	BAD("# HELP m{x} help\n", "no valid metric name after HELP");
	BAD("m{a=\"\xff\xfe\"} 1\n", "not UTF-8");
	BAD("m{a=\"\xc3\"} 1\n", "not UTF-8");
	BAD("m{a=\"\xed\xa0\x80\"} 1\n", "not UTF-8");
#undef BAD
	parse_bad("m 1\nn\0 2\n", 8, ST_BADREQ, "NUL byte");
}
END_TEST

/* Caps: line length, label count, names, label values, sample count. */
START_TEST(test_caps)
{
	struct promtext	 p;
	char		*t, *cause = NULL;
	size_t		 i, off;

	t = malloc(PROMTEXT_MAX_LINE + 64);
	ck_assert_ptr_nonnull(t);
	memset(t, 'a', PROMTEXT_MAX_LINE + 10);
	memcpy(t + PROMTEXT_MAX_LINE + 10, " 1\n", 4);
	parse_bad(t, strlen(t), ST_TOOBIG, "line 1: line longer");

	/* 300-byte metric name */
	memset(t, 'a', 300);
	memcpy(t + 300, " 1\n", 4);
	parse_bad(t, strlen(t), ST_BADREQ, "no valid metric name");

	/* label value over PROMTEXT_MAX_VALUE */
	off = (size_t)sprintf(t, "m{a=\"");
	memset(t + off, 'v', PROMTEXT_MAX_VALUE + 1);
	off += PROMTEXT_MAX_VALUE + 1;
	memcpy(t + off, "\"} 1\n", 6);
	parse_bad(t, strlen(t), ST_BADREQ, "label value too long");

	/* 33 labels */
	off = (size_t)sprintf(t, "m{");
	for (i = 0; i <= PROMTEXT_MAX_LABELS; i++)
		off += (size_t)sprintf(t + off, "l%zu=\"x\",", i);
	sprintf(t + off, "} 1\n");
	parse_bad(t, strlen(t), ST_BADREQ, "too many labels");
	free(t);

	/* 100001 samples */
	t = malloc((PROMTEXT_MAX_SAMPLES + 1) * 12 + 1);
	ck_assert_ptr_nonnull(t);
	for (i = 0, off = 0; i <= PROMTEXT_MAX_SAMPLES; i++)
		off += (size_t)sprintf(t + off, "m%06zu 1\n", i);
	parse_bad(t, off, ST_TOOBIG, "more than 100000 samples");
	/* ... and exactly the cap passes. */
	promtext_init(&p);
	ck_assert_int_eq(promtext_parse(&p, t, off - 10, &cause), ST_OK);
	ck_assert_uint_eq(p.n, PROMTEXT_MAX_SAMPLES);
	promtext_cleanup(&p);
	free(t);
}
END_TEST

/* Random bytes and mutated pages never crash and always free cleanly. */
START_TEST(test_hostile_noise)
{
	struct promtext	 p;
	char		 buf[sizeof(page)], *cause;
	unsigned int	 seed = 12345, round;
	size_t		 i;

	for (round = 0; round < 3000; round++) {
		memcpy(buf, page, sizeof(page));
		for (i = 0; i < 1 + round % 8; i++)
			buf[rand_r(&seed) % (sizeof(page) - 1)] =
			    (char)(rand_r(&seed) % 256);
		promtext_init(&p);
		cause = NULL;
		if (promtext_parse(&p, buf, sizeof(page) - 1, &cause) ==
		    ST_OK) {
			ck_assert_ptr_null(cause);
			for (i = 1; i < p.n; i++)
				ck_assert_int_lt(strcmp(p.samples[i - 1].key,
				    p.samples[i].key), 0);
		} else {
			ck_assert_ptr_nonnull(cause);
			ck_assert_uint_eq(p.n, 0);
		}
		free(cause);
		promtext_cleanup(&p);
	}
}
END_TEST

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	Suite	*s = suite_create("promtext");
	TCase	*tc;

	tc = tcase_create("page");
	tcase_add_test(tc, test_page);
	suite_add_tcase(s, tc);
	tc = tcase_create("forms");
	tcase_add_test(tc, test_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("round_trip");
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("caps");
	tcase_add_test(tc, test_caps);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile_noise");
	tcase_add_test(tc, test_hostile_noise);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
}

const struct unit unit = { "check_promtext", NULL, NULL, add_suites };
