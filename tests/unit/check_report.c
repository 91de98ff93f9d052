/*
 * check_report.c: unit tests for lib/report.c, the parts that decide what
 * GoAccess is given: splitting an access-log line, the exclusion patterns,
 * address masking, host names, recognising a log file again (rotation,
 * copytruncate, a reused inode) and the state file. GoAccess itself is run
 * by tests/e2e/070-report.sh.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "config.h"
#include "report.h"

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
		"# bootstack report positions v1\n_all 1 2 3 4 5\n"
		    "_all 1 2 3 4 5\n_all 1 2 3 4 5\n",
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
#undef ADD
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(report_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
