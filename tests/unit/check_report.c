/*
 * check_report.c: unit tests for lib/report.c, the parts that decide what
 * GoAccess is given: splitting an access-log line, the exclusion patterns,
 * address masking, host names, recognising a log file again (rotation,
 * copytruncate, a reused inode) and the state file; and the overview's
 * parts (report/): the histogram's bins and percentiles, the time and
 * latency fields, route templates, problem events and the overview's
 * state. GoAccess itself, and the overview's figures end to end, are
 * tests/e2e/070-report.sh.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <json-c/json.h>

#include "config.h"
#include "report.h"
#include "report/hist.h"
#include "report/overview.h"
#include "unit.h"

#define LINE \
	"api.example.com 203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] " \
	"\"GET /v1/tasks?limit=2 HTTP/2.0\" 200 12 \"-\" \"curl/8.0\" " \
	"0.002 \"0.002\" 0123456789abcdef0123456789abcdef"

/* The fields of a line in the format of nginx/http.conf.in. */
START_TEST(test_line_parse)
{
	struct report_line	 l;

	ck_assert_int_eq(report_line_parse(LINE, strlen(LINE), &l), 0);
	ck_assert_uint_eq(l.host_len, strlen("api.example.com"));
	ck_assert(strncmp(l.host, "api.example.com ", 16) == 0);
	ck_assert_uint_eq(l.addr_len, strlen("203.0.113.9"));
	ck_assert(strncmp(l.addr, "203.0.113.9 ", 12) == 0);
	ck_assert_uint_eq(l.path_len, strlen("/v1/tasks"));
	ck_assert(strncmp(l.path, "/v1/tasks?", 10) == 0);
}
END_TEST

/* Request lines that are not one: no path, the line still counts. */
START_TEST(test_line_parse_odd)
{
	static const char *const no_path[] = {
		"h 1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] \"-\" 400 0",
		"h 1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
		    "\"\\x16\\x03\\x01\" 400 0",
		"h 1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
		    "\"GET http://x/ HTTP/1.1\" 400 0",
		"h 1.2.3.4 - - [x]",
	};
	struct report_line	 l;
	size_t			 i;

	for (i = 0; i < sizeof(no_path) / sizeof(no_path[0]); i++) {
		ck_assert_int_eq(report_line_parse(no_path[i],
		    strlen(no_path[i]), &l), 0);
		ck_assert_uint_eq(l.path_len, 0);
		ck_assert_uint_eq(l.host_len, 1);
	}
	ck_assert_int_eq(report_line_parse("", 0, &l), -1);
	ck_assert_int_eq(report_line_parse("host", 4, &l), -1);
	ck_assert_int_eq(report_line_parse(" 1.2.3.4 x", 10, &l), -1);
	ck_assert_int_eq(report_line_parse("h  x", 4, &l), -1);
	/* The length bounds the parse: nothing read past it. */
	ck_assert_int_eq(report_line_parse(LINE, 30, &l), 0);
	ck_assert_uint_eq(l.path_len, 0);
}
END_TEST

/* Exact paths, prefixes ending in '*', blanks anywhere. */
START_TEST(test_excluded)
{
	const char	*pat = " /healthz\t/readyz  /ops/* ";

	ck_assert(report_excluded("/healthz", 8, pat));
	ck_assert(report_excluded("/readyz", 7, pat));
	ck_assert(!report_excluded("/healthzz", 9, pat));
	ck_assert(!report_excluded("/health", 7, pat));
	ck_assert(report_excluded("/ops/", 5, pat));
	ck_assert(report_excluded("/ops/index.json", 15, pat));
	ck_assert(!report_excluded("/ops", 4, pat));
	ck_assert(!report_excluded("/v1/tasks", 9, pat));
	ck_assert(!report_excluded("/healthz", 8, NULL));
	ck_assert(!report_excluded("/healthz", 8, ""));
	ck_assert(!report_excluded("", 0, pat));
	/* Only len bytes of path count. */
	ck_assert(report_excluded("/healthz?x=1", 8, pat));
}
END_TEST

/* IPv4 loses its last byte, IPv6 keeps 64 bits; the rest is refused. */
START_TEST(test_mask_addr)
{
	char	 out[64];

	ck_assert_int_eq(report_mask_addr("203.0.113.9", 11, out,
	    sizeof(out)), 11);
	ck_assert_str_eq(out, "203.0.113.0");
	ck_assert_int_gt(report_mask_addr("2001:db8:1:2:3:4:5:6", 20, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "2001:db8:1:2::");
	ck_assert_int_gt(report_mask_addr("::1", 3, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "::");
	/* Not terminated: only len bytes are read. */
	ck_assert_int_eq(report_mask_addr("10.1.2.3 - -", 8, out,
	    sizeof(out)), 8);
	ck_assert_str_eq(out, "10.1.2.0");
	ck_assert_int_eq(report_mask_addr("unix:", 5, out, sizeof(out)), -1);
	ck_assert_int_eq(report_mask_addr("", 0, out, sizeof(out)), -1);
	ck_assert_int_eq(report_mask_addr("1.2.3.4", 7, out, 4), -1);
}
END_TEST

/* Report host names: lowercase DNS names only (they become file names). */
START_TEST(test_host_ok)
{
	ck_assert(report_host_ok("api.example.com"));
	ck_assert(report_host_ok("localhost"));
	ck_assert(!report_host_ok(""));
	ck_assert(!report_host_ok("../etc"));
	ck_assert(!report_host_ok("a/b"));
	ck_assert(!report_host_ok("API.example.com"));
	ck_assert(!report_host_ok(".example.com"));
	ck_assert(!report_host_ok("example..com"));
	ck_assert(!report_host_ok("*.example.com"));
	ck_assert(!report_host_ok(REPORT_ALL));
}
END_TEST

/* A position for a file of content text, read up to off. */
static struct report_pos
pos_of(unsigned long long ino, const char *text, unsigned long long off)
{
	struct report_pos	 p;

	memset(&p, 0, sizeof(p));
	p.dev = 1;
	p.ino = ino;
	p.off = off;
	p.head_len = strlen(text) < REPORT_HEAD ? strlen(text) : REPORT_HEAD;
	p.head_hash = report_hash(text, (size_t)p.head_len);
	return (p);
}

/*
 * The same file is found again after a rename (same inode and start), a
 * copytruncate copy (same start, other inode) is too, a reused inode with
 * other content or a shorter file is not.
 */
START_TEST(test_pos_match)
{
	char			 a[200], b[200];
	struct report_pos	 p;

	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[10] = 'b';
	p = pos_of(7, a, 150);
	ck_assert(report_pos_match(&p, 1, 7, a, strlen(a), 199));
	ck_assert(report_pos_match(&p, 1, 7, a, strlen(a), 150));
	ck_assert(report_pos_match(&p, 1, 8, a, strlen(a), 400));
	ck_assert(!report_pos_match(&p, 1, 7, b, strlen(b), 199));
	ck_assert(!report_pos_match(&p, 1, 7, a, strlen(a), 149));
	ck_assert(!report_pos_match(&p, 1, 7, a, 100, 100));
	/* A short start is not enough without the inode. */
	p = pos_of(7, "short", 5);
	ck_assert(report_pos_match(&p, 1, 7, "short line", 10, 10));
	ck_assert(!report_pos_match(&p, 1, 8, "short line", 10, 10));
	ck_assert(!report_pos_match(&p, 2, 7, "short line", 10, 10));
	/* An empty file (just made by logrotate) is known by its inode. */
	p = pos_of(9, "", 0);
	ck_assert(report_pos_match(&p, 1, 9, "new", 3, 3));
	ck_assert(!report_pos_match(&p, 1, 10, "", 0, 0));
}
END_TEST

/* The state file's text goes back and forth; bad text is refused. */
START_TEST(test_state_roundtrip)
{
	struct report_state		 st, back;
	struct report_state_entry	 e[2];
	char				*text, *text2, *cause = NULL;

	memset(e, 0, sizeof(e));
	e[0].stream = (char *)REPORT_ALL;
	e[0].pos[0] = pos_of(11, "first file", 10);
	e[0].pos[1] = pos_of(12, "second", 3);
	e[0].npos = 2;
	e[1].stream = (char *)"api.example.com";
	e[1].pos[0] = pos_of(12, "second", 6);
	e[1].pos[0].head_hash = UINT64_MAX;
	e[1].npos = 1;
	st.e = e;
	st.n = 2;
	text = report_state_format(&st);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(report_state_parse(text, &back, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.e[1].stream, "api.example.com");
	ck_assert_uint_eq(back.e[0].npos, 2);
	ck_assert(memcmp(&back.e[0].pos[1], &e[0].pos[1],
	    sizeof(e[0].pos[1])) == 0);
	ck_assert(back.e[1].pos[0].head_hash == UINT64_MAX);
	ck_assert_ptr_nonnull(report_state_find(&back, REPORT_ALL));
	ck_assert_ptr_null(report_state_find(&back, "www.example.com"));
	text2 = report_state_format(&back);
	ck_assert_str_eq(text, text2);
	free(text);
	free(text2);
	report_state_cleanup(&back);
	report_state_cleanup(&back);	/* twice: a no-op */
}
END_TEST

/* Each bad state text is refused with a reason, and leaves nothing. */
START_TEST(test_state_bad)
{
	static const char *const bad[] = {
		"",
		"not a state\n",
		"# bootstack report positions v1\n_all 1 2 3\n",
		"# bootstack report positions v1\n../x 1 2 3 4 5\n",
		"# bootstack report positions v1\n_all 1 2 3 2000 5\n",
		("# bootstack report positions v1\n_all 1 2 3 4 5\n"
		    "_all 1 2 3 4 5\n_all 1 2 3 4 5\n"),
	};
	struct report_state	 st;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(report_state_parse(bad[i], &st, &cause), -1);
		ck_assert_ptr_nonnull(cause);
		ck_assert_uint_eq(st.n, 0);
		free(cause);
		cause = NULL;
	}
	ck_assert_int_eq(report_state_parse("# bootstack report positions v1\n"
	    "# a comment\n\n", &st, &cause), 0);
	ck_assert_uint_eq(st.n, 0);
	report_state_cleanup(&st);
}
END_TEST

/* Loads INI text into a new config; the test fails if it is refused. */
static struct config *
cfg_of(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_load_string(cfg, "t.conf", text, &cause) == 0,
	    "%s", cause);
	return (cfg);
}

/* Frees a host list from report_hosts. */
static void
hosts_free(char **hosts, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
}

/*
 * The per-host reports: the [site] names without the wildcard, or
 * [report] hosts (lowercased, once each), none when empty; bad names refused.
 */
START_TEST(test_hosts)
{
	struct config	*cfg;
	char		**h = NULL, *cause = NULL;
	size_t		 n = 0;

	cfg = cfg_of("[site]\ndomain = example.com\nsubdomains = api www\n"
	    "wildcard = yes\naliases = localhost\n");
	ck_assert_int_eq(report_hosts(cfg, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(h[0], "example.com");
	ck_assert_str_eq(h[1], "api.example.com");
	ck_assert_str_eq(h[2], "www.example.com");
	ck_assert_str_eq(h[3], "localhost");
	hosts_free(h, n);
	config_free(cfg);

	cfg = cfg_of("[site]\ndomain = example.com\n[report]\n"
	    "hosts = API.example.com, a.example.com api.example.com\n");
	ck_assert_int_eq(report_hosts(cfg, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(h[0], "api.example.com");
	ck_assert_str_eq(h[1], "a.example.com");
	hosts_free(h, n);
	config_free(cfg);

	cfg = cfg_of("[site]\ndomain = example.com\n[report]\nhosts =\n");
	ck_assert_int_eq(report_hosts(cfg, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(h);
	config_free(cfg);

	cfg = cfg_of("[api]\nworkers = 1\n");
	ck_assert_int_eq(report_hosts(cfg, &h, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	config_free(cfg);

	cfg = cfg_of("[report]\nhosts = ok.example.com ../etc\n");
	ck_assert_int_eq(report_hosts(cfg, &h, &n, &cause), -1);
	ck_assert_str_eq(cause, "[report] hosts: '../etc' is not a host name");
	ck_assert_ptr_null(h);
	free(cause);
	config_free(cfg);
}
END_TEST

/* FNV-1a 64 reference values. */
START_TEST(test_hash)
{
	ck_assert(report_hash("", 0) == 0xcbf29ce484222325ULL);
	ck_assert(report_hash("a", 1) == 0xaf63dc4c8601ec8cULL);
	ck_assert(report_hash("foobar", 6) == 0x85944171f73967e8ULL);
}
END_TEST

/* Bins: exact below 256 ms, under 1/128 low above, ordered, capped. */
START_TEST(test_hist_bins)
{
	uint64_t	 v, lo, next;
	uint32_t	 b, prev = 0;

	for (v = 0; v < HIST_EXACT; v++) {
		ck_assert_uint_eq(hist_bin_of(v), v);
		ck_assert_uint_eq(hist_bin_low((uint32_t)v), v);
	}
	for (v = 1; v < 20000000; v += v / 97 + 1) {
		b = hist_bin_of(v);
		lo = hist_bin_low(b);
		ck_assert_uint_ge(b, prev);
		prev = b;
		ck_assert_uint_le(lo, v);
		if (b < HIST_BINS - 1) {
			next = hist_bin_low(b + 1);
			ck_assert_uint_gt(next, v);
			/* the error bound the page and docs state */
			ck_assert((double)(v - lo) < (double)v / HIST_SUB);
			ck_assert_uint_eq(hist_bin_of(lo), b);
		}
	}
	/* round values are exact; 3000 ms is reported as 2992 */
	ck_assert_uint_eq(hist_bin_low(hist_bin_of(300)), 300);
	ck_assert_uint_eq(hist_bin_low(hist_bin_of(1000)), 1000);
	ck_assert_uint_eq(hist_bin_low(hist_bin_of(2000)), 2000);
	ck_assert_uint_eq(hist_bin_low(hist_bin_of(3000)), 2992);
	ck_assert_uint_eq(hist_bin_of(HIST_MAX), HIST_BINS - 1);
	ck_assert_uint_eq(hist_bin_of(UINT64_MAX), HIST_BINS - 1);
}
END_TEST

/* Nearest-rank percentiles, and merging equals adding. */
START_TEST(test_hist_quantile)
{
	struct hist	 a, b, c;
	uint64_t	 i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	ck_assert_uint_eq(hist_quantile(&a, 950), 0);
	/* 1..100 ms: p50 = 50, p95 = 95, p99 = 99, p100 = 100 */
	for (i = 100; i >= 1; i--)
		ck_assert_int_eq(hist_add(i % 2 ? &a : &b, hist_bin_of(i), 1), 0);
	ck_assert_int_eq(hist_merge(&c, &a), 0);
	ck_assert_int_eq(hist_merge(&c, &b), 0);
	ck_assert_uint_eq(c.count, 100);
	ck_assert_uint_eq(c.n, 100);
	ck_assert_uint_eq(hist_quantile(&c, 500), 50);
	ck_assert_uint_eq(hist_quantile(&c, 950), 95);
	ck_assert_uint_eq(hist_quantile(&c, 990), 99);
	ck_assert_uint_eq(hist_quantile(&c, 1000), 100);
	ck_assert_uint_eq(hist_quantile(&c, 0), 1);
	/* 19 fast and one slow: p95 is fast, p99 is the slow one */
	hist_cleanup(&a);
	ck_assert_int_eq(hist_add(&a, hist_bin_of(10), 19), 0);
	ck_assert_int_eq(hist_add(&a, hist_bin_of(1000), 1), 0);
	ck_assert_uint_eq(hist_quantile(&a, 950), 10);
	ck_assert_uint_eq(hist_quantile(&a, 990), 1000);
	hist_cleanup(&a);
	hist_cleanup(&b);
	hist_cleanup(&c);
	ck_assert_ptr_null(c.b);
}
END_TEST

/* $time_local with its offset, and bad ones. */
START_TEST(test_time_local)
{
	const char	*t = "10/Oct/2024:13:55:36 +0000";

	ck_assert_int_eq(report_time_local(t, strlen(t)), 1728568536LL);
	t = "10/Oct/2024:15:55:36 +0200";
	ck_assert_int_eq(report_time_local(t, strlen(t)), 1728568536LL);
	t = "29/Feb/2024:00:00:00 -0130";
	ck_assert_int_eq(report_time_local(t, strlen(t)), 1709170200LL);
	t = "01/Jan/1970:00:00:00 +0000";
	ck_assert_int_eq(report_time_local(t, strlen(t)), 0);
	t = "10/Okt/2024:13:55:36 +0000";
	ck_assert_int_eq(report_time_local(t, strlen(t)), -1);
	t = "10/Oct/2024:25:55:36 +0000";
	ck_assert_int_eq(report_time_local(t, strlen(t)), -1);
	ck_assert_int_eq(report_time_local("10/Oct/2024", 11), -1);
}
END_TEST

/* Status, bytes, nginx's and the upstream's times, retries summed. */
START_TEST(test_line_fields)
{
	static const char *const ups[] = {
		"\"0.002\"", "\"-\"", "\"0.010, 0.005\"", "\"0.004 : 0.002\"",
		"\"1.5\"",
	};
	static const long long want[] = { 2, -1, 15, 6, 1500 };
	struct report_line	 l;
	char			 line[512];
	size_t			 i;

	ck_assert_int_eq(report_line_parse(LINE, strlen(LINE), &l), 0);
	ck_assert_int_eq(l.status, 200);
	ck_assert_uint_eq(l.bytes, 12);
	ck_assert_int_eq(l.rt_ms, 2);
	ck_assert_int_eq(l.up_ms, 2);
	ck_assert_int_eq(l.ts, 1728568536LL);
	ck_assert_uint_eq(l.method_len, 3);
	ck_assert(strncmp(l.method, "GET ", 4) == 0);
	for (i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
		snprintf(line, sizeof(line), "h 1.2.3.4 - - [10/Oct/2024:"
		    "13:55:36 +0000] \"POST /v1/tasks HTTP/1.1\" 503 7 \"-\" "
		    "\"ua \\x22quoted\\x22\" 12.345 %s abc", ups[i]);
		ck_assert_int_eq(report_line_parse(line, strlen(line), &l), 0);
		ck_assert_int_eq(l.status, 503);
		ck_assert_int_eq(l.rt_ms, 12345);
		ck_assert_int_eq(l.up_ms, want[i]);
	}
	/* cut short: what is there is read, the rest unknown */
	ck_assert_int_eq(report_line_parse(LINE, strlen(LINE) - 60, &l), 0);
	ck_assert_int_eq(l.status, 200);
	ck_assert_int_eq(l.rt_ms, -1);
	ck_assert_int_eq(l.up_ms, -1);
}
END_TEST

/* Route templates: the router's matching; HEAD its own; no match. */
START_TEST(test_route_of)
{
	static const char *const routes[] = { "GET /v1/tasks",
	    "POST /v1/tasks", "GET /v1/tasks/{id}", "DELETE /v1/tasks/{id}" };
	static const char *const bad[] = { "GET", "/v1/tasks", "GET  /x",
	    "GET /a b" };
	struct ov	 o;
	char		 key[128], *cause = NULL;
	const char	*pat;
	size_t		 i;

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(ov_set_routes(&o, routes, 4, &cause), 0);
	ov_route_of(&o, "GET", 3, "/v1/tasks/123", 13, key, sizeof(key), &pat);
	ck_assert_str_eq(key, "GET /v1/tasks/{id}");
	ck_assert_str_eq(pat, "/v1/tasks/{id}");
	ov_route_of(&o, "HEAD", 4, "/v1/tasks", 9, key, sizeof(key), &pat);
	ck_assert_str_eq(key, "HEAD /v1/tasks");
	ov_route_of(&o, "PUT", 3, "/v1/tasks/1", 11, key, sizeof(key), &pat);
	ck_assert_str_eq(key, OV_NOROUTE);
	ck_assert_ptr_null(pat);
	ov_route_of(&o, "GET", 3, "/v1/tasks/1/x", 13, key, sizeof(key), &pat);
	ck_assert_str_eq(key, OV_NOROUTE);
	ov_route_of(&o, "GET", 3, "/v1/tasks/1", 9, key, sizeof(key), &pat);
	ck_assert_str_eq(key, "GET /v1/tasks");		/* length bounds it */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(ov_set_routes(&o, &bad[i], 1, &cause), -1);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
	}
	ov_cleanup(&o);
}
END_TEST

/* The OpenAPI document's operations become templates. */
START_TEST(test_routes_openapi)
{
	const char	*doc = "{\"openapi\":\"3.1.0\",\"paths\":{"
	    "\"/v1/tasks\":{\"get\":{},\"post\":{},\"parameters\":[]},"
	    "\"/v1/tasks/{id}\":{\"get\":{},\"delete\":{}},"
	    "\"nope\":{\"get\":{}}}}";
	char		**r = NULL, *cause = NULL;
	size_t		 n = 0, i;

	ck_assert_int_eq(report_routes_openapi(doc, strlen(doc), &r, &n,
	    &cause), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(r[0], "GET /v1/tasks");
	ck_assert_str_eq(r[1], "POST /v1/tasks");
	ck_assert_str_eq(r[2], "GET /v1/tasks/{id}");
	ck_assert_str_eq(r[3], "DELETE /v1/tasks/{id}");
	for (i = 0; i < n; i++)
		free(r[i]);
	free(r);
	ck_assert_int_eq(report_routes_openapi("{}", 2, &r, &n, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert_int_eq(report_routes_openapi("[", 1, &r, &n, &cause), -1);
	free(cause);
}
END_TEST

/* Problem events: only "problem" lines with a 4xx/5xx status and a time. */
START_TEST(test_event_parse)
{
	const char	*ok = "{\"ts\":\"2024-10-10T13:55:36.123Z\",\"level\":"
	    "\"info\",\"request_id\":\"abc\",\"msg\":\"problem\",\"status\":404,"
	    "\"title\":\"Not Found\",\"host\":\"api.example.com:8443\","
	    "\"detail\":\"no route for /x\"}";
	static const char *const not[] = {
		"{\"ts\":\"2024-10-10T13:55:36.123Z\",\"msg\":\"problem\"}",
		"{\"ts\":\"2024-10-10T13:55:36.123Z\",\"msg\":\"problem\","
		    "\"status\":200}",
		"{\"ts\":\"yesterday\",\"msg\":\"problem\",\"status\":500}",
		"{\"ts\":\"2024-10-10T13:55:36.123Z\",\"msg\":\"request\","
		    "\"status\":500,\"problem\":1}",
		"not json \"problem\"",
		"{\"msg\":\"problem\",",
	};
	struct ov_event	 e;
	json_object	*o;
	size_t		 i;

	ck_assert_int_eq(ov_event_parse(ok, strlen(ok), &e, &o), 1);
	ck_assert_int_eq(e.status, 404);
	ck_assert_int_eq(e.ts, 1728568536LL);
	ck_assert_str_eq(e.title, "Not Found");
	ck_assert_str_eq(e.request_id, "abc");
	ck_assert_str_eq(e.host, "api.example.com:8443");
	ck_assert_ptr_null(e.route);
	json_object_put(o);
	for (i = 0; i < sizeof(not) / sizeof(not[0]); i++) {
		ck_assert_int_eq(ov_event_parse(not[i], strlen(not[i]), &e,
		    &o), 0);
		ck_assert_ptr_null(o);
	}
}
END_TEST

/* Counting into the rings, then the state text survives a round trip. */
START_TEST(test_ov_state)
{
	struct ov		 o, p;
	struct ov_stream	*s;
	struct ov_hit		 h;
	struct ov_event		 e;
	struct ov_win		 w;
	struct ov_page		 pg;
	char			*t1, *t2, *cause = NULL;
	long long		 now = 1728568536LL, i;

	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	ck_assert_ptr_nonnull(s = ov_stream_get(&o, REPORT_ALL));
	memset(&h, 0, sizeof(h));
	h.route = "GET /v1/tasks/{id}";
	for (i = 0; i < 100; i++) {
		h.ts = now - 3000 + i;
		h.status = i < 5 ? 500 : 200;
		h.rt_ms = i + 1;
		h.up_ms = i < 10 ? -1 : i;
		h.bytes = 10;
		ck_assert_int_eq(ov_add_hit(s, &h, now), 0);
	}
	h.ts = now - 8 * 86400;		/* older than the week */
	ck_assert_int_eq(ov_add_hit(s, &h, now), 0);
	h.ts = now - 2 * 86400;		/* the week only */
	ck_assert_int_eq(ov_add_hit(s, &h, now), 0);
	memset(&e, 0, sizeof(e));
	e.ts = now - 60;
	e.status = 503;
	e.title = "Service Unavailable";
	e.request_id = "r1";
	e.detail = "the database \"is\" down\n";
	ck_assert_int_eq(ov_add_event(s, &e, now), 0);
	ck_assert_uint_eq(s->lines, 102);
	ck_assert_uint_eq(s->old, 1);

	ck_assert_int_eq(ov_summarize(s, OV_HOUR, now, &w), 0);
	ck_assert_uint_eq(w.total.req, 100);
	ck_assert_uint_eq(w.total.e5, 5);
	ck_assert_uint_eq(w.total.p95, 95);
	ck_assert_uint_eq(w.total.up_n, 90);
	ck_assert_uint_eq(w.nprobs, 1);
	ck_assert_uint_eq(w.probs[0].n, 1);
	ov_win_cleanup(&w);
	ck_assert_int_eq(ov_summarize(s, OV_WEEK, now, &w), 0);
	ck_assert_uint_eq(w.total.req, 101);
	ov_win_cleanup(&w);

	ck_assert_ptr_nonnull(t1 = ov_state_format(&o));
	ck_assert_int_eq(ov_state_parse(t1, &p, &cause), 0);
	ck_assert_ptr_nonnull(t2 = ov_state_format(&p));
	ck_assert_str_eq(t1, t2);
	free(t2);
	/* the page and JSON of the parsed state */
	memset(&pg, 0, sizeof(pg));
	pg.title = "all <hosts>";
	pg.now = now;
	ck_assert_ptr_nonnull(t2 = ov_json(&p.s[0], &pg));
	ck_assert_ptr_nonnull(strstr(t2, "\"p95_ms\":95,"));
	free(t2);
	ck_assert_ptr_nonnull(t2 = ov_html(&p.s[0], &pg));
	ck_assert_ptr_nonnull(strstr(t2, "all &lt;hosts&gt;"));
	ck_assert_ptr_nonnull(strstr(t2, "the database &quot;is&quot; down "));
	ck_assert_ptr_nonnull(strstr(t2, "id=\"routes-week\""));
	free(t2);
	/* a cut or altered state is refused whole */
	t1[strlen(t1) / 2] = '\0';
	ck_assert_int_eq(ov_state_parse(t1, &p, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	free(t1);
	ov_cleanup(&o);
	ov_cleanup(&p);
}
END_TEST

/* The report suite: one test case per behaviour. */
static Suite *
report_suite(void)
{
	Suite	*s = suite_create("report");
	TCase	*tc;

#define ADD(name, fn) do {						\
	tc = tcase_create(name);					\
	tcase_add_test(tc, fn);						\
	suite_add_tcase(s, tc);						\
} while (0)
	ADD("line_parse", test_line_parse);
	ADD("line_parse_odd", test_line_parse_odd);
	ADD("excluded", test_excluded);
	ADD("mask_addr", test_mask_addr);
	ADD("host_ok", test_host_ok);
	ADD("pos_match", test_pos_match);
	ADD("state_roundtrip", test_state_roundtrip);
	ADD("state_bad", test_state_bad);
	ADD("hosts", test_hosts);
	ADD("hash", test_hash);
	ADD("hist_bins", test_hist_bins);
	ADD("hist_quantile", test_hist_quantile);
	ADD("time_local", test_time_local);
	ADD("line_fields", test_line_fields);
	ADD("route_of", test_route_of);
	ADD("routes_openapi", test_routes_openapi);
	ADD("event_parse", test_event_parse);
	ADD("ov_state", test_ov_state);
#undef ADD
	return (s);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, report_suite());
}

const struct unit unit = { "check_report", NULL, NULL, add_suites };
