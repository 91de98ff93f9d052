/*
 * check_core.c: unit tests for the core modules every other one builds on:
 * lib/st.c (the status table), lib/buf.c (the capped buffer), lib/log.c
 * (JSON lines: escaping, errno, lazy debug, truncation, request ids),
 * lib/fs.c (atomic writes, lock files, bounded reads, mkdir -p, and the
 * JSON files of lib/jsonutil.c on top of them), lib/cause.c (the error
 * convention), lib/clock.c (monotonic time, RFC 3339) and lib/proc.c
 * (children: deadline, output tail, descriptors, SIGPIPE) and
 * lib/listenq.c (a listener's accept queue, unix and TCP). One suite per
 * module.
 *
 * The log tests send the logger to a temporary file and parse every line
 * back with json-c; the fs tests work in a private mkdtemp() folder. Both
 * also run with CK_FORK=no (valgrind), so every test sets the global state
 * it relies on instead of inheriting it.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "fs.h"
#include "jsonutil.h"
#include "listenq.h"
#include "log.h"
#include "proc.h"
#include "st.h"
#include "unit.h"

/* One row per test case: its name and its test. */
struct tcase_row {
	const char	*name;
	const TTest	*test;
};

/* Adds one test case per row to s, each with the fixture when given. */
static void
add_cases(Suite *s, const struct tcase_row *rows, size_t n, SFun setup,
    SFun teardown)
{
	TCase	*tc;
	size_t	 i;

	for (i = 0; i < n; i++) {
		tc = tcase_create(rows[i].name);
		if (setup != NULL)
			tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, rows[i].test);
		suite_add_tcase(s, tc);
	}
}

/* --- st ------------------------------------------------------------------ */

/* The expected table, row by row, in enum order. */
static const struct {
	enum st		 st;
	int		 http;
	const char	*title;
	const char	*slug;
} st_want[] = {
	{ ST_OK,		200, "ok",			"ok" },
	{ ST_NOMEM,		500, "out of memory",		"internal-error" },
	{ ST_BADREQ,		400, "bad request",		"bad-request" },
	{ ST_UNAUTH,		401, "unauthorized",		"unauthorized" },
	{ ST_FORBIDDEN,		403, "forbidden",		"forbidden" },
	{ ST_NOTFOUND,		404, "not found",		"not-found" },
	{ ST_METHOD,		405, "method not allowed",	"method-not-allowed" },
	{ ST_NOTACCEPT,		406, "not acceptable",		"not-acceptable" },
	{ ST_CONFLICT,		409, "conflict",		"conflict" },
	{ ST_PRECOND,		412, "precondition failed",	"precondition-failed" },
	{ ST_TOOBIG,		413, "content too large",	"content-too-large" },
	{ ST_MEDIATYPE,		415, "unsupported media type",	"unsupported-media-type" },
	{ ST_UNPROCESSABLE,	422, "unprocessable content",	"unprocessable-content" },
	{ ST_RATELIMIT,		429, "too many requests",	"too-many-requests" },
	{ ST_INTERNAL,		500, "internal error",		"internal-error" },
	{ ST_UPSTREAM,		502, "bad gateway",		"bad-gateway" },
	{ ST_UNAVAILABLE,	503, "service unavailable",	"service-unavailable" },
	{ ST_TIMEOUT,		504, "gateway timeout",		"gateway-timeout" },
	{ ST_DB,		500, "database error",		"internal-error" },
	{ ST_IO,		500, "input/output error",	"internal-error" },
	{ ST_URITOOLONG,	414, "uri too long",		"uri-too-long" },
	{ ST_PRECONDREQ,	428, "precondition required",	"precondition-required" },
};

START_TEST(test_st_every_value)
{
	const char	*s;
	int		 i;

	for (i = 0; i < ST__COUNT; i++) {
		ck_assert_ptr_nonnull(st_str((enum st)i));
		ck_assert_ptr_nonnull(st_slug((enum st)i));
		ck_assert_int_gt(strlen(st_str((enum st)i)), 0);
		ck_assert_int_ge(st_http((enum st)i), 200);
		ck_assert_int_le(st_http((enum st)i), 599);
		/* Every code has a real reason phrase. */
		ck_assert_str_ne(st_http_reason(st_http((enum st)i)),
		    "Unknown");
		/* A slug is a URI path segment: lowercase words and dashes. */
		for (s = st_slug((enum st)i); *s != '\0'; s++)
			ck_assert((*s >= 'a' && *s <= 'z') || *s == '-');
	}
}
END_TEST

START_TEST(test_st_table_rows)
{
	size_t	 i;

	/* The enum and the expected rows agree... */
	ck_assert_uint_eq(sizeof(st_want) / sizeof(st_want[0]), ST__COUNT);
	/* ...and so does lib/st.c, row by row. */
	for (i = 0; i < sizeof(st_want) / sizeof(st_want[0]); i++) {
		ck_assert_int_eq(st_want[i].st, (int)i);
		ck_assert_int_eq(st_http(st_want[i].st), st_want[i].http);
		ck_assert_str_eq(st_str(st_want[i].st), st_want[i].title);
		ck_assert_str_eq(st_slug(st_want[i].st), st_want[i].slug);
	}
}
END_TEST

START_TEST(test_st_out_of_range)
{
	static const int bad[] = { ST__COUNT, ST__COUNT + 1, 1000, -1,
	    INT32_MIN };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(st_http((enum st)bad[i]), 500);
		ck_assert_str_eq(st_str((enum st)bad[i]), "internal error");
		ck_assert_str_eq(st_slug((enum st)bad[i]), "internal-error");
	}
}
END_TEST

START_TEST(test_st_http_reason)
{
	static const struct {
		int		 code;
		const char	*reason;
	} rows[] = {
		{ 200, "OK" },			{ 201, "Created" },
		{ 202, "Accepted" },		{ 204, "No Content" },
		{ 301, "Moved Permanently" },	{ 302, "Found" },
		{ 304, "Not Modified" },	{ 400, "Bad Request" },
		{ 401, "Unauthorized" },	{ 403, "Forbidden" },
		{ 404, "Not Found" },		{ 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" },	{ 409, "Conflict" },
		{ 412, "Precondition Failed" },	{ 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" },
		{ 428, "Precondition Required" },
		{ 429, "Too Many Requests" },	{ 500, "Internal Server Error" },
		{ 502, "Bad Gateway" },		{ 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 0, "Unknown" },		{ -1, "Unknown" },
		{ 299, "Unknown" },		{ 600, "Unknown" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_str_eq(st_http_reason(rows[i].code), rows[i].reason);
}
END_TEST

/* The st suite. */
static Suite *
st_suite(void)
{
	const struct tcase_row rows[] = {
		{ "every_value", test_st_every_value },
		{ "table_rows", test_st_table_rows },
		{ "out_of_range", test_st_out_of_range },
		{ "http_reason", test_st_http_reason },
	};
	Suite	*s = suite_create("st");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* --- buf ----------------------------------------------------------------- */

START_TEST(test_buf_cap_exact)
{
	struct buf	 b;
	char		*before;

	buf_init(&b, 10);
	ck_assert_ptr_null(b.data);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_int_eq(buf_add(&b, "0123456789", 10), ST_OK);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq(buf_str(&b), "0123456789");
	before = b.data;

	/* One byte more, by any route, is refused and changes nothing. */
	ck_assert_int_eq(buf_add(&b, "x", 1), ST_TOOBIG);
	ck_assert_int_eq(buf_adds(&b, "x"), ST_TOOBIG);
	ck_assert_int_eq(buf_printf(&b, "%c", 'x'), ST_TOOBIG);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_ptr_eq(b.data, before);
	ck_assert_str_eq(buf_str(&b), "0123456789");
	/* Nothing more fits in nothing. */
	ck_assert_int_eq(buf_add(&b, "", 0), ST_OK);
	ck_assert_int_eq(buf_printf(&b, "%s", ""), ST_OK);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_uint_le(b.cap, 11);
	buf_cleanup(&b);

	/* Too big from the start: still empty, nothing allocated. */
	buf_init(&b, 10);
	ck_assert_int_eq(buf_add(&b, "0123456789A", 11), ST_TOOBIG);
	ck_assert_int_eq(buf_printf(&b, "%011d", 5), ST_TOOBIG);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(buf_str(&b), "");
	/* Filling up in pieces hits the same edge. */
	ck_assert_int_eq(buf_printf(&b, "%05d", 12345), ST_OK);
	ck_assert_int_eq(buf_adds(&b, "abcd"), ST_OK);
	ck_assert_int_eq(buf_adds(&b, "ef"), ST_TOOBIG);
	ck_assert_int_eq(buf_adds(&b, "e"), ST_OK);
	ck_assert_str_eq(buf_str(&b), "12345abcde");
	buf_cleanup(&b);

	/* A zero cap holds the empty string only. */
	buf_init(&b, 0);
	ck_assert_int_eq(buf_add(&b, "", 0), ST_OK);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_int_eq(buf_add(&b, "a", 1), ST_TOOBIG);
	buf_cleanup(&b);
}
END_TEST

START_TEST(test_buf_printf_growth)
{
	struct buf	 b;
	char		 want[8];
	int		 i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(buf_printf(&b, "%05d,", i), ST_OK);
	ck_assert_uint_eq(b.len, 60000);
	ck_assert_uint_gt(b.cap, b.len);
	ck_assert_uint_eq(strlen(b.data), 60000);
	for (i = 0; i < 10000; i++) {
		snprintf(want, sizeof(want), "%05d,", i);
		ck_assert_int_eq(memcmp(b.data + 6 * i, want, 6), 0);
	}
	/* One formatted piece larger than the whole buffer so far. */
	ck_assert_int_eq(buf_printf(&b, "%100000d", 7), ST_OK);
	ck_assert_uint_eq(b.len, 160000);
	ck_assert_int_eq(b.data[b.len - 1], '7');
	ck_assert_int_eq(b.data[b.len], '\0');
	buf_cleanup(&b);
}
END_TEST

START_TEST(test_buf_binary)
{
	struct buf	 b;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_add(&b, "a\0b", 3), ST_OK);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.data, "a\0b\0", 4), 0);
	buf_cleanup(&b);
}
END_TEST

START_TEST(test_buf_steal)
{
	struct buf	 b;
	char		*p;

	buf_init(&b, 100);
	ck_assert_ptr_null(buf_steal(&b));
	ck_assert_int_eq(buf_adds(&b, "hello"), ST_OK);
	p = buf_steal(&b);
	ck_assert_str_eq(p, "hello");
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.max, 100);
	ck_assert_str_eq(buf_str(&b), "");
	/* The buffer is usable again, with its cap. */
	ck_assert_int_eq(buf_adds(&b, "again"), ST_OK);
	ck_assert_str_eq(buf_str(&b), "again");
	ck_assert_ptr_ne(b.data, p);
	free(p);
	buf_cleanup(&b);
}
END_TEST

START_TEST(test_buf_cleanup_twice)
{
	struct buf	 b;

	buf_init(&b, 100);
	buf_cleanup(&b);		/* just initialised: a no-op */
	ck_assert_int_eq(buf_adds(&b, "x"), ST_OK);
	buf_cleanup(&b);
	buf_cleanup(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_int_eq(buf_adds(&b, "y"), ST_OK);
	ck_assert_str_eq(buf_str(&b), "y");
	buf_cleanup(&b);
}
END_TEST

START_TEST(test_buf_reset)
{
	struct buf	 b;
	char		*p;
	size_t		 cap;

	buf_init(&b, 100);
	buf_reset(&b);			/* nothing allocated yet */
	ck_assert_ptr_null(b.data);
	ck_assert_int_eq(buf_adds(&b, "0123456789"), ST_OK);
	p = b.data;
	cap = b.cap;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_int_eq(buf_adds(&b, "ab"), ST_OK);
	ck_assert_str_eq(buf_str(&b), "ab");
	/* The cap counts from the reset, not from before it. */
	buf_reset(&b);
	ck_assert_int_eq(buf_printf(&b, "%0100d", 0), ST_OK);
	buf_cleanup(&b);
}
END_TEST

/* The buf suite. */
static Suite *
buf_suite(void)
{
	const struct tcase_row rows[] = {
		{ "cap_exact", test_buf_cap_exact },
		{ "printf_growth", test_buf_printf_growth },
		{ "binary", test_buf_binary },
		{ "steal", test_buf_steal },
		{ "cleanup_twice", test_buf_cleanup_twice },
		{ "reset", test_buf_reset },
	};
	Suite	*s = suite_create("buf");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* --- log ----------------------------------------------------------------- */

#define LOG_MAX_LINES	64

/* Log lines captured in a temporary file. */
struct cap {
	char		 path[64];
	json_object	*lines[LOG_MAX_LINES];	/* parsed, owned */
	size_t		 n;
	char		*raw;			/* the file, owned */
};

/* Sends log lines to a new temporary file, at level. */
static void
cap_start(struct cap *c, enum log_level level)
{
	int	 fd;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "/tmp/check_core_log.XXXXXX");
	fd = mkstemp(c->path);
	ck_assert_int_ne(fd, -1);
	close(fd);
	ck_assert_int_eq(log_open_file(c->path), 0);
	log_init("check_core", level);
	log_set_request_id(NULL);
}

/*
 * Reads the captured lines back. Each must be one line of strict JSON, an
 * object, in valid UTF-8 with no raw control byte.
 */
static void
cap_read(struct cap *c)
{
	struct json_tokener	*tok;
	char			*cause, *p, *nl;
	size_t			 len, i;

	ck_assert_int_eq(fs_read_file(c->path, 1 << 20, &c->raw, &len,
	    &cause), 0);
	ck_assert_int_ge(jsonutil_utf8_chars(c->raw, len), 0);
	for (i = 0; i < len; i++)
		ck_assert(c->raw[i] == '\n' || (unsigned char)c->raw[i] >= 0x20);
	ck_assert(len == 0 || c->raw[len - 1] == '\n');
	for (p = c->raw; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_uint_lt(c->n, LOG_MAX_LINES);
		ck_assert_uint_lt((size_t)(nl - p), 4096);
		tok = json_tokener_new();
		ck_assert_ptr_nonnull(tok);
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		c->lines[c->n] = json_tokener_parse_ex(tok, p, (int)(nl - p));
		ck_assert_msg(json_tokener_get_error(tok) ==
		    json_tokener_success, "line %zu: %.*s", c->n,
		    (int)(nl - p), p);
		ck_assert_uint_eq(json_tokener_get_parse_end(tok),
		    (size_t)(nl - p));
		json_tokener_free(tok);
		ck_assert(json_object_is_type(c->lines[c->n],
		    json_type_object));
		c->n++;
	}
}

/* Frees what cap_read() kept and removes the file. */
static void
cap_end(struct cap *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		json_object_put(c->lines[i]);
	free(c->raw);
	unlink(c->path);
	log_set_request_id(NULL);
}

/* A string member of line i, or NULL. */
static const char *
cap_str(struct cap *c, size_t i, const char *key)
{
	ck_assert_uint_lt(i, c->n);
	return (jsonutil_get_str(c->lines[i], key));
}

/* True if line i has the member key. */
static int
cap_has(struct cap *c, size_t i, const char *key)
{
	ck_assert_uint_lt(i, c->n);
	return (json_object_object_get_ex(c->lines[i], key, NULL));
}

START_TEST(test_log_line_shape)
{
	struct cap	 c;
	json_object	*v;
	const char	*ts;

	cap_start(&c, LOG_LEVEL_INFO);
	log_info("hello %d", 42);
	cap_read(&c);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(cap_str(&c, 0, "msg"), "hello 42");
	ck_assert_str_eq(cap_str(&c, 0, "level"), "info");
	ck_assert_str_eq(cap_str(&c, 0, "prog"), "check_core");
	ck_assert(json_object_object_get_ex(c.lines[0], "pid", &v));
	ck_assert_int_eq(json_object_get_int64(v), (int64_t)getpid());
	/* 2024-01-31T12:34:56.789Z */
	ts = cap_str(&c, 0, "ts");
	ck_assert_uint_eq(strlen(ts), 24);
	ck_assert_int_eq(ts[10], 'T');
	ck_assert_int_eq(ts[19], '.');
	ck_assert_int_eq(ts[23], 'Z');
	ck_assert(!cap_has(&c, 0, "request_id"));
	ck_assert(!cap_has(&c, 0, "error"));
	ck_assert(!cap_has(&c, 0, "truncated"));
	cap_end(&c);
}
END_TEST

START_TEST(test_log_hostile_text)
{
	struct cap	 c;

	cap_start(&c, LOG_LEVEL_INFO);
	log_info("%s", "ctl\x01\x1b[31m\x7f|nl\n|cr\r|tab\t|");
	log_info("%s", "q\"uo\"te \\back\\ {\"forged\":1}");
	log_info("%s", "bad\xff|\xc0\x80|\xed\xa0\x80|\xe2\x82|\xc3\xa9");
	log_info("%s", "\n{\"level\":\"error\",\"msg\":\"forged\"}\n");
	cap_read(&c);
	/* Four calls, four lines: nothing forged a line of its own. */
	ck_assert_uint_eq(c.n, 4);
	ck_assert_str_eq(cap_str(&c, 0, "msg"),
	    "ctl\x01\x1b[31m\x7f|nl\n|cr\r|tab\t|");
	ck_assert_str_eq(cap_str(&c, 1, "msg"),
	    "q\"uo\"te \\back\\ {\"forged\":1}");
	/* Bytes that are not UTF-8 show as \xNN text; valid é stays. */
	ck_assert_str_eq(cap_str(&c, 2, "msg"),
	    "bad\\xff|\\xc0\\x80|\\xed\\xa0\\x80|\\xe2\\x82|\xc3\xa9");
	ck_assert_str_eq(cap_str(&c, 3, "msg"),
	    "\n{\"level\":\"error\",\"msg\":\"forged\"}\n");
	ck_assert_str_eq(cap_str(&c, 3, "level"), "info");
	cap_end(&c);
}
END_TEST

START_TEST(test_log_request_id)
{
	struct cap	 c;

	cap_start(&c, LOG_LEVEL_INFO);
	ck_assert_str_eq(log_request_id(), "");
	log_set_request_id("req-1");
	ck_assert_str_eq(log_request_id(), "req-1");
	log_info("in");
	log_set_request_id("a\"b\nc\xff");
	log_info("hostile");
	log_set_request_id(NULL);
	ck_assert_str_eq(log_request_id(), "");
	log_info("out");
	cap_read(&c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(cap_str(&c, 0, "request_id"), "req-1");
	ck_assert_str_eq(cap_str(&c, 1, "request_id"), "a\"b\nc\\xff");
	ck_assert(!cap_has(&c, 2, "request_id"));
	cap_end(&c);
}
END_TEST

START_TEST(test_log_errno)
{
	struct cap	 c;

	cap_start(&c, LOG_LEVEL_INFO);
	errno = ENOENT;
	log_warn("open %s", "/nowhere");
	ck_assert_int_eq(errno, ENOENT);
	log_warnx("no errno here");
	ck_assert_int_eq(errno, ENOENT);
	errno = EACCES;
	log_error("denied");
	ck_assert_int_eq(errno, EACCES);
	log_errorx("plain");
	ck_assert_int_eq(errno, EACCES);
	/* Also when the line is dropped. */
	log_debug("dropped");
	log_msg(LOG_LEVEL_DEBUG, 1, NULL, "dropped");
	ck_assert_int_eq(errno, EACCES);
	errno = 0;
	log_warn("errno is zero");
	ck_assert_int_eq(errno, 0);
	cap_read(&c);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_str_eq(cap_str(&c, 0, "level"), "warn");
	ck_assert_str_eq(cap_str(&c, 0, "msg"), "open /nowhere");
	ck_assert_str_eq(cap_str(&c, 0, "error"), "No such file or directory");
	ck_assert_str_eq(cap_str(&c, 1, "level"), "warn");
	ck_assert(!cap_has(&c, 1, "error"));
	ck_assert_str_eq(cap_str(&c, 2, "level"), "error");
	ck_assert_str_eq(cap_str(&c, 2, "error"), "Permission denied");
	ck_assert(!cap_has(&c, 3, "error"));
	ck_assert(!cap_has(&c, 4, "error"));
	cap_end(&c);
}
END_TEST

START_TEST(test_log_debug_lazy)
{
	struct cap	 c;
	int		 counter = 0;

	cap_start(&c, LOG_LEVEL_INFO);
	log_debug("count %d", counter++);
	ck_assert_int_eq(counter, 0);
	log_init("check_core", LOG_LEVEL_DEBUG);
	log_debug("count %d", counter++);
	ck_assert_int_eq(counter, 1);
	cap_read(&c);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(cap_str(&c, 0, "level"), "debug");
	ck_assert_str_eq(cap_str(&c, 0, "msg"), "count 0");
	cap_end(&c);
}
END_TEST

START_TEST(test_log_levels)
{
	struct cap	 c;
	enum log_level	 l;

	cap_start(&c, LOG_LEVEL_WARN);
	log_info("dropped");
	log_warnx("kept warn");
	log_errorx("kept error");
	cap_read(&c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(cap_str(&c, 0, "msg"), "kept warn");
	ck_assert_str_eq(cap_str(&c, 1, "level"), "error");
	cap_end(&c);

	ck_assert_int_eq(log_level_parse("debug", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_level_parse("info", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_INFO);
	ck_assert_int_eq(log_level_parse("warn", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_int_eq(log_level_parse("warning", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_int_eq(log_level_parse("error", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_ERROR);
	l = LOG_LEVEL_INFO;
	ck_assert_int_eq(log_level_parse("ERROR", &l), -1);
	ck_assert_int_eq(log_level_parse("", &l), -1);
	ck_assert_int_eq(log_level_parse("fatal", &l), -1);
	ck_assert_int_eq(l, LOG_LEVEL_INFO);
}
END_TEST

START_TEST(test_log_huge)
{
	struct cap	 c;
	json_object	*v;
	char		*big;
	size_t		 n = 10 * 1024, i;

	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	cap_start(&c, LOG_LEVEL_INFO);
	log_set_request_id("huge-1");
	memset(big, 'm', n);
	big[n] = '\0';
	log_info("%s", big);
	/* Every byte doubles or worse when escaped. */
	memset(big, '"', n);
	log_info("%s", big);
	memset(big, '\x01', n);
	log_info("%s", big);
	/* An odd cut falls inside a two-byte character. */
	memset(big, 'x', n);
	for (i = 1; i + 1 < n; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	log_info("%s", big);
	errno = ENOENT;
	log_warn("%s", big);
	log_info("short");
	cap_read(&c);
	/* One valid line per call, each marked as cut. */
	ck_assert_uint_eq(c.n, 6);
	for (i = 0; i < 5; i++) {
		ck_assert(json_object_object_get_ex(c.lines[i], "truncated",
		    &v));
		ck_assert(json_object_get_boolean(v));
		ck_assert_str_eq(cap_str(&c, i, "request_id"), "huge-1");
		ck_assert_uint_gt(strlen(cap_str(&c, i, "msg")), 300);
	}
	ck_assert_int_eq(strncmp(cap_str(&c, 0, "msg"), "mmmm", 4), 0);
	ck_assert_int_eq(strncmp(cap_str(&c, 1, "msg"), "\"\"\"\"", 4), 0);
	ck_assert_str_eq(cap_str(&c, 4, "error"), "No such file or directory");
	ck_assert(!cap_has(&c, 5, "truncated"));
	cap_end(&c);
	free(big);
}
END_TEST

START_TEST(test_log_escape_tiny)
{
	/* ", \, LF, 0x01, é and 0xff escape to 2, 2, 2, 6, 2 and 5 bytes. */
	static const char	 src[] = "\"\\\n\x01\xc3\xa9\xff";
	static const size_t	 cuts[] = { 0, 2, 4, 6, 12, 14, 19 };
	char			 full[64], dst[32];
	size_t			 size, want, i, got;

	ck_assert_uint_eq(log_escape(full, sizeof(full), src), 19);
	ck_assert_str_eq(full, "\\\"\\\\\\n\\u0001\xc3\xa9\\\\xff");

	for (size = 0; size <= 21; size++) {
		memset(dst, 'Z', sizeof(dst));
		got = log_escape(dst, size, src);
		if (size == 0) {
			ck_assert_uint_eq(got, 0);
			ck_assert_int_eq(dst[0], 'Z');
			continue;
		}
		/* The longest whole-escape prefix that fits with its NUL. */
		for (i = 0, want = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
			if (cuts[i] < size)
				want = cuts[i];
		ck_assert_msg(got == want, "size %zu: got %zu", size, got);
		ck_assert_uint_eq(strlen(dst), got);
		ck_assert_int_eq(strncmp(dst, full, got), 0);
		ck_assert_int_eq(dst[size], 'Z');
	}
}
END_TEST

START_TEST(test_log_fields)
{
	struct cap	 c;
	json_object	*v;
	char		 f[64] = "", big[2000];

	log_field(f, sizeof(f), "path", "/v1/\"x\"\n");
	log_field_int(f, sizeof(f), "status", -404);
	ck_assert_str_eq(f, ",\"path\":\"/v1/\\\"x\\\"\\n\",\"status\":-404");
	/* A pair that does not fit is left out whole. */
	log_field(f, sizeof(f), "long", "0123456789012345678901234567890");
	log_field_int(f, sizeof(f), "number", INT64_MIN);
	ck_assert_str_eq(f, ",\"path\":\"/v1/\\\"x\\\"\\n\",\"status\":-404");

	cap_start(&c, LOG_LEVEL_INFO);
	log_msg(LOG_LEVEL_INFO, 0, f, "request");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(LOG_LEVEL_INFO, 0, big, "too many fields");
	cap_read(&c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(cap_str(&c, 0, "path"), "/v1/\"x\"\n");
	ck_assert(json_object_object_get_ex(c.lines[0], "status", &v));
	ck_assert_int_eq(json_object_get_int(v), -404);
	ck_assert(json_object_object_get_ex(c.lines[1], "fields_dropped", &v));
	ck_assert(json_object_get_boolean(v));
	cap_end(&c);
}
END_TEST

START_TEST(test_log_reopen)
{
	struct cap	 c;
	char		 rotated[80], *cause, *data;
	size_t		 len;

	cap_start(&c, LOG_LEVEL_INFO);
	log_info("before");
	/* logrotate moves the file away; the next lines go to a new one. */
	snprintf(rotated, sizeof(rotated), "%s.1", c.path);
	ck_assert_int_eq(rename(c.path, rotated), 0);
	log_info("still old");
	ck_assert_int_eq(log_reopen(), 0);
	log_info("after");
	cap_read(&c);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(cap_str(&c, 0, "msg"), "after");
	ck_assert_int_eq(fs_read_file(rotated, 1 << 20, &data, &len, &cause),
	    0);
	ck_assert_ptr_nonnull(strstr(data, "\"msg\":\"before\""));
	ck_assert_ptr_nonnull(strstr(data, "\"msg\":\"still old\""));
	ck_assert_ptr_null(strstr(data, "after"));
	free(data);
	unlink(rotated);
	cap_end(&c);

	/* A folder that does not exist: -1 and errno, logging unchanged. */
	errno = 0;
	ck_assert_int_eq(log_open_file("/nonexistent-dir/x/log"), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static long long	 fake_ms;	/* the limiter's clock in these tests */

/* The injected clock. */
static long long
fake_now(void)
{
	return (fake_ms);
}

/* One line of the kind named by fmt, which is not a literal here. */
static void log_kind_line(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void
log_kind_line(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, 0, NULL, fmt, ap);
	va_end(ap);
}

START_TEST(test_log_rate_limit)
{
	struct cap	 c;
	json_object	*v;
	int		 i;

	cap_start(&c, LOG_LEVEL_INFO);
	log_set_clock(fake_now);
	log_set_rate_limit(3);
	fake_ms = 1000;
	log_set_request_id("req-1");
	for (i = 0; i < 10; i++)
		log_errorx("database down %d", i);		/* 3 written */
	log_warnx("another kind");				/* its own 3 */
	for (i = 0; i < 10; i++)
		log_info("info is never limited %d", i);	/* 10 */
	fake_ms = 1999;
	errno = EIO;
	log_error("database down %d", 10);			/* suppressed */
	ck_assert_int_eq(errno, EIO);
	log_flush_suppressed();			/* its second is not over */
	fake_ms = 2000;
	log_errorx("database down %d", 11);	/* the summary, then this */
	fake_ms = 3100;
	log_flush_suppressed();			/* nothing was left out */
	cap_read(&c);
	ck_assert_uint_eq(c.n, 3 + 1 + 10 + 1 + 1);
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(cap_str(&c, (size_t)i, "level"), "error");
		ck_assert_str_eq(cap_str(&c, (size_t)i, "request_id"), "req-1");
	}
	ck_assert_str_eq(cap_str(&c, 2, "msg"), "database down 2");
	ck_assert_str_eq(cap_str(&c, 3, "msg"), "another kind");
	ck_assert_str_eq(cap_str(&c, 13, "msg"), "info is never limited 9");
	/* the summary of the second at 1000: the first left out, the count */
	ck_assert_str_eq(cap_str(&c, 14, "level"), "error");
	ck_assert_str_eq(cap_str(&c, 14, "msg"),
	    "8 more like this suppressed: database down 3");
	ck_assert(json_object_object_get_ex(c.lines[14], "suppressed", &v));
	ck_assert_int_eq(json_object_get_int(v), 8);
	ck_assert(!cap_has(&c, 14, "request_id"));
	/* "another kind" left nothing out: no summary of its own */
	ck_assert_str_eq(cap_str(&c, 15, "msg"), "database down 11");
	cap_end(&c);
	log_set_rate_limit(0);
	log_set_clock(NULL);
}
END_TEST

START_TEST(test_log_rate_limit_kinds)
{
	static const char *const kinds[] = {
		"k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08",
		"k09", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17",
		"k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25", "k26",
		"k27", "k28", "k29", "k30", "k31", "k32 %d",
	};
	struct cap	 c;
	size_t		 i, n = sizeof(kinds) / sizeof(kinds[0]);

	cap_start(&c, LOG_LEVEL_INFO);
	log_set_clock(fake_now);
	log_set_rate_limit(1);
	fake_ms = 0;
	log_errorx("first kind");
	log_errorx("first kind");			/* suppressed */
	/* 33 more kinds within the same second: the table (32) is full */
	for (i = 0; i < n; i++) {
		fake_ms = (long long)i + 1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
		log_kind_line(kinds[i], 0);
#pragma GCC diagnostic pop
	}
	cap_read(&c);
	/* the first kind is given up for k31, its summary written first */
	ck_assert_uint_eq(c.n, 1 + 31 + 1 + 2);
	ck_assert_str_eq(cap_str(&c, 0, "msg"), "first kind");
	ck_assert_str_eq(cap_str(&c, 31, "msg"), "k30");
	ck_assert_str_eq(cap_str(&c, 32, "msg"),
	    "1 more like this suppressed: first kind");
	ck_assert_str_eq(cap_str(&c, 33, "msg"), "k31");
	ck_assert_str_eq(cap_str(&c, 34, "msg"), "k32 0");
	cap_end(&c);
	log_set_rate_limit(0);
	log_set_clock(NULL);
}
END_TEST

/* The log suite. */
static Suite *
log_suite(void)
{
	const struct tcase_row rows[] = {
		{ "line_shape", test_log_line_shape },
		{ "hostile_text", test_log_hostile_text },
		{ "request_id", test_log_request_id },
		{ "errno", test_log_errno },
		{ "debug_lazy", test_log_debug_lazy },
		{ "levels", test_log_levels },
		{ "huge", test_log_huge },
		{ "escape_tiny", test_log_escape_tiny },
		{ "fields", test_log_fields },
		{ "reopen", test_log_reopen },
		{ "rate_limit", test_log_rate_limit },
		{ "rate_limit_kinds", test_log_rate_limit_kinds },
	};
	Suite	*s = suite_create("log");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* --- fs ------------------------------------------------------------------ */

static char	 fs_dir[64];	/* the test's private folder */

/* Makes a private folder for one test. */
static void
fs_setup(void)
{
	snprintf(fs_dir, sizeof(fs_dir), "/tmp/check_core_fs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fs_dir));
}

/* Removes the private folder and what a test left in it (one level). */
static void
fs_teardown(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[512];

	if ((d = opendir(fs_dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", fs_dir, e->d_name);
			if (unlink(p) == -1)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(fs_dir);
}

/* fs_dir/name into p. */
static void
fs_path(char *p, size_t size, const char *name)
{
	snprintf(p, size, "%s/%s", fs_dir, name);
}

/* The names in fs_dir, sorted, joined by ' '. */
static void
fs_list(char *out, size_t size)
{
	struct dirent	**names;
	int		 n, i;

	out[0] = '\0';
	n = scandir(fs_dir, &names, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (out[0] != '\0')
				strncat(out, " ", size - strlen(out) - 1);
			strncat(out, names[i]->d_name, size - strlen(out) - 1);
		}
		free(names[i]);
	}
	free(names);
}

/* The whole content of path, which must be readable. Caller frees. */
static char *
fs_slurp(const char *path)
{
	char	*data, *cause;
	size_t	 len;

	ck_assert_int_eq(fs_read_file(path, 1 << 20, &data, &len, &cause), 0);
	ck_assert_ptr_null(cause);
	return (data);
}

START_TEST(test_fs_write_mode)
{
	struct stat	 sb;
	char		 p[128], *cause, *data;
	mode_t		 old;

	fs_path(p, sizeof(p), "key.pem");
	/* A permissive umask does not widen the mode... */
	old = umask(0);
	ck_assert_int_eq(fs_write_atomic(p, "secret", 6, 0600, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert(S_ISREG(sb.st_mode));
	data = fs_slurp(p);
	ck_assert_str_eq(data, "secret");
	free(data);

	/* ...and a strict one does not narrow it. */
	umask(077);
	ck_assert_int_eq(fs_write_atomic(p, "public", 6, 0644, &cause), 0);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	umask(old);

	/* Empty data makes an empty file. */
	ck_assert_int_eq(fs_write_atomic(p, "", 0, 0640, &cause), 0);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0640);
}
END_TEST

START_TEST(test_fs_write_replaces)
{
	struct stat	 a, b;
	char		 p[128], *cause, *data, old[8];
	int		 fd;

	fs_path(p, sizeof(p), "cert.pem");
	ck_assert_int_eq(fs_write_atomic(p, "old-old", 7, 0644, &cause), 0);
	ck_assert_int_eq(stat(p, &a), 0);
	/* A reader holding the old file keeps seeing it whole. */
	fd = open(p, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fs_write_atomic(p, "new", 3, 0644, &cause), 0);
	ck_assert_int_eq(stat(p, &b), 0);
	ck_assert_uint_ne(a.st_ino, b.st_ino);
	memset(old, 0, sizeof(old));
	ck_assert_int_eq(read(fd, old, sizeof(old) - 1), 7);
	ck_assert_str_eq(old, "old-old");
	close(fd);
	data = fs_slurp(p);
	ck_assert_str_eq(data, "new");
	free(data);
}
END_TEST

START_TEST(test_fs_write_no_tmp)
{
	char	 p[128], names[256], *cause;
	int	 i;

	fs_path(p, sizeof(p), "f");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fs_write_atomic(p, "abc", 3, 0644, &cause), 0);
	fs_list(names, sizeof(names));
	ck_assert_str_eq(names, "f");

	/* A failed rename (the target is a folder) cleans up as well. */
	fs_path(p, sizeof(p), "sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(fs_write_atomic(p, "abc", 3, 0644, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, p));
	free(cause);
	fs_list(names, sizeof(names));
	ck_assert_str_eq(names, "f sub");
}
END_TEST

START_TEST(test_fs_write_missing_dir)
{
	char	 p[128], want[256], *cause;

	fs_path(p, sizeof(p), "missing/f");
	errno = 0;
	ck_assert_int_eq(fs_write_atomic(p, "abc", 3, 0644, &cause), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(cause);
	snprintf(want, sizeof(want), "cannot write %s: No such file or "
	    "directory", p);
	ck_assert_str_eq(cause, want);
	free(cause);
}
END_TEST

START_TEST(test_fs_write_tmp_symlink)
{
	char	 p[128], tmp[160], target[128], *cause, *data;

	/* A link planted at the temporary name is not followed. */
	fs_path(p, sizeof(p), "f");
	fs_path(target, sizeof(target), "victim");
	ck_assert_int_eq(fs_write_atomic(target, "keep", 4, 0644, &cause), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p, (long)getpid());
	ck_assert_int_eq(symlink(target, tmp), 0);
	ck_assert_int_eq(fs_write_atomic(p, "evil", 4, 0644, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	data = fs_slurp(target);
	ck_assert_str_eq(data, "keep");
	free(data);
	ck_assert_int_eq(access(p, F_OK), -1);
}
END_TEST

/* In a child: tries a lock; exits 0 if the result is as expected. */
static int
fs_lock_child(const char *path, int dowait, int want_locked)
{
	pid_t	 pid;
	char	*cause;
	int	 fd, rc, status;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		fd = fs_lock(path, dowait, &cause);
		if (want_locked)
			rc = fd == -1 && cause != NULL &&
			    strstr(cause, "locked") != NULL &&
			    strstr(cause, path) != NULL ? 0 : 1;
		else
			rc = fd >= 0 && cause == NULL ? 0 : 1;
		free(cause);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return (WEXITSTATUS(status));
}

START_TEST(test_fs_lock)
{
	struct stat	 sb;
	char		 p[128], *cause;
	int		 fd, fd2;
	mode_t		 old;

	fs_path(p, sizeof(p), "run.lock");
	old = umask(0);
	fd = fs_lock(p, 0, &cause);
	umask(old);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);

	/* Another process cannot take it without waiting... */
	ck_assert_int_eq(fs_lock_child(p, 0, 1), 0);
	/* ...nor can a second open in this one (flock is per open). */
	fd2 = fs_lock(p, 0, &cause);
	ck_assert_int_eq(fd2, -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "locked by another run"));
	free(cause);

	/* Closing the fd unlocks. */
	close(fd);
	ck_assert_int_eq(fs_lock_child(p, 0, 0), 0);
	ck_assert_int_eq(fs_lock_child(p, 1, 0), 0);
}
END_TEST

START_TEST(test_fs_lock_wait)
{
	char	 p[128], *cause;
	pid_t	 pid;
	int	 fd, status;

	fs_path(p, sizeof(p), "wait.lock");
	fd = fs_lock(p, 0, &cause);
	ck_assert_int_ge(fd, 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* The inherited fd shares the lock: drop it first. */
		close(fd);
		fd = fs_lock(p, 1, &cause);
		free(cause);
		_exit(fd >= 0 ? 0 : 1);
	}
	/* The waiting child is still blocked while the lock is held. */
	usleep(200000);
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_fs_lock_missing_dir)
{
	char	 p[128], want[256], *cause;

	fs_path(p, sizeof(p), "missing/run.lock");
	ck_assert_int_eq(fs_lock(p, 0, &cause), -1);
	snprintf(want, sizeof(want), "cannot open lock file %s: No such file "
	    "or directory", p);
	ck_assert_str_eq(cause, want);
	free(cause);
}
END_TEST

START_TEST(test_fs_read_cap)
{
	char	 p[128], want[256], *cause, *data;
	size_t	 len;

	fs_path(p, sizeof(p), "f");
	ck_assert_int_eq(fs_write_atomic(p, "0123456789A", 11, 0644, &cause),
	    0);
	data = (char *)p;
	ck_assert_int_eq(fs_read_file(p, 10, &data, &len, &cause), -1);
	ck_assert_ptr_null(data);
	snprintf(want, sizeof(want), "%s: file too large", p);
	ck_assert_str_eq(cause, want);
	free(cause);

	/* Exactly at the cap is fine, and NUL-terminated. */
	ck_assert_int_eq(fs_read_file(p, 11, &data, &len, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(len, 11);
	ck_assert_str_eq(data, "0123456789A");
	free(data);
	ck_assert_int_eq(fs_read_file(p, 11, &data, NULL, &cause), 0);
	free(data);

	/* An empty file under a zero cap. */
	ck_assert_int_eq(fs_write_atomic(p, "", 0, 0644, &cause), 0);
	ck_assert_int_eq(fs_read_file(p, 0, &data, &len, &cause), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
}
END_TEST

START_TEST(test_fs_read_errors)
{
	char	 p[128], want[256], *cause, *data;

	fs_path(p, sizeof(p), "absent");
	ck_assert_int_eq(fs_read_file(p, 100, &data, NULL, &cause), -1);
	ck_assert_ptr_null(data);
	snprintf(want, sizeof(want), "cannot open %s: No such file or "
	    "directory", p);
	ck_assert_str_eq(cause, want);
	free(cause);

	ck_assert_int_eq(fs_read_file(fs_dir, 100, &data, NULL, &cause), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", fs_dir);
	ck_assert_str_eq(cause, want);
	free(cause);

	ck_assert_int_eq(fs_read_file("/dev/null", 100, &data, NULL, &cause),
	    -1);
	ck_assert_str_eq(cause, "/dev/null: not a regular file");
	free(cause);
}
END_TEST

/* mkdir -p: nested, existing, parent-only, modes, a file in the way. */
START_TEST(test_fs_mkdirs)
{
	struct stat	 sb;
	char		 p[256], q[256], want[512], *cause = NULL;

	snprintf(p, sizeof(p), "%s/a/b//c/", fs_dir);
	ck_assert_int_eq(fs_mkdirs(p, 0700, 0, &cause), 0);
	ck_assert_ptr_null(cause);
	snprintf(q, sizeof(q), "%s/a/b/c", fs_dir);
	ck_assert_int_eq(stat(q, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	/* Again: what exists is fine, and keeps its mode. */
	ck_assert_int_eq(fs_mkdirs(q, 0755, 0, &cause), 0);
	ck_assert_int_eq(stat(q, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	/* Parent only: the last component is a file to come. */
	snprintf(p, sizeof(p), "%s/d/e/file.pem", fs_dir);
	ck_assert_int_eq(fs_mkdirs(p, 0755, FS_MKDIRS_PARENT, &cause), 0);
	snprintf(q, sizeof(q), "%s/d/e", fs_dir);
	ck_assert_int_eq(stat(q, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_int_eq(stat(p, &sb), -1);
	/* A file where a folder should be: named, errno kept. */
	snprintf(p, sizeof(p), "%s/f", fs_dir);
	ck_assert_int_eq(fs_write_atomic(p, "x", 1, 0600, &cause), 0);
	snprintf(q, sizeof(q), "%s/f/g", fs_dir);
	errno = 0;
	ck_assert_int_eq(fs_mkdirs(q, 0700, 0, &cause), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	snprintf(want, sizeof(want), "cannot make %s: Not a directory", q);
	ck_assert_str_eq(cause, want);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(fs_mkdirs("", 0700, 0, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	/* fs_teardown removes one level. */
	snprintf(q, sizeof(q), "%s/a/b/c", fs_dir);
	rmdir(q);
	snprintf(q, sizeof(q), "%s/a/b", fs_dir);
	rmdir(q);
	snprintf(q, sizeof(q), "%s/d/e", fs_dir);
	rmdir(q);
}
END_TEST

/* fs_read_file says why in errno too (jsonutil_load_file relies on it). */
START_TEST(test_fs_read_errno)
{
	char	 p[128], *cause = NULL, *data;

	fs_path(p, sizeof(p), "absent");
	ck_assert_int_eq(fs_read_file(p, 100, &data, NULL, &cause), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(cause);
	fs_path(p, sizeof(p), "big");
	ck_assert_int_eq(fs_write_atomic(p, "0123456789", 10, 0600, &cause), 0);
	ck_assert_int_eq(fs_read_file(p, 9, &data, NULL, &cause), -1);
	ck_assert_int_eq(errno, EFBIG);
	free(cause);
	ck_assert_int_eq(fs_read_file(fs_dir, 9, &data, NULL, &cause), -1);
	ck_assert_int_eq(errno, EINVAL);
	free(cause);
}
END_TEST

/* JSON files: atomic round trip, a final newline, and each refusal. */
START_TEST(test_fs_json_files)
{
	json_object	*o, *in = NULL;
	struct stat	 sb;
	char		 p[128], want[256], *cause = NULL, *text;

	fs_path(p, sizeof(p), "state.json");
	o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string("https://x/y"));
	ck_assert_int_eq(jsonutil_save_file(p, o, 0600, &cause), 0);
	json_object_put(o);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	text = fs_slurp(p);
	ck_assert_ptr_nonnull(strstr(text, "\"https://x/y\""));	/* no \/ */
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	free(text);
	ck_assert_int_eq(jsonutil_load_file(p, 1024, 4, JSONUTIL_OBJECT, &in,
	    &cause), ST_OK);
	ck_assert_str_eq(jsonutil_get_str(in, "url"), "https://x/y");
	json_object_put(in);

	fs_path(p, sizeof(p), "absent.json");
	ck_assert_int_eq(jsonutil_load_file(p, 1024, 4, 0, &in, &cause),
	    ST_NOTFOUND);
	ck_assert_ptr_null(in);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;

	fs_path(p, sizeof(p), "bad.json");
	ck_assert_int_eq(fs_write_atomic(p, "{\"a\":", 5, 0600, &cause), 0);
	ck_assert_int_eq(jsonutil_load_file(p, 1024, 4, 0, &in, &cause),
	    ST_BADREQ);
	snprintf(want, sizeof(want), "%s: malformed JSON", p);
	ck_assert_ptr_nonnull(strstr(cause, want));
	free(cause);
	cause = NULL;

	fs_path(p, sizeof(p), "array.json");
	ck_assert_int_eq(fs_write_atomic(p, "[1]\n", 4, 0600, &cause), 0);
	ck_assert_int_eq(jsonutil_load_file(p, 1024, 4, 0, &in, &cause), ST_OK);
	json_object_put(in);
	ck_assert_int_eq(jsonutil_load_file(p, 1024, 4, JSONUTIL_OBJECT, &in,
	    &cause), ST_BADREQ);
	ck_assert_ptr_null(in);
	snprintf(want, sizeof(want), "%s: not a JSON object", p);
	ck_assert_str_eq(cause, want);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(jsonutil_load_file(p, 3, 4, 0, &in, &cause), ST_IO);
	free(cause);
	cause = NULL;
	/* Too deep for the cap. */
	ck_assert_int_eq(fs_write_atomic(p, "[[[[1]]]]", 9, 0600, &cause), 0);
	ck_assert_int_eq(jsonutil_load_file(p, 1024, 2, 0, &in, &cause),
	    ST_BADREQ);
	free(cause);
}
END_TEST

/* The fs suite: each test case gets its own folder. */
static Suite *
fs_suite(void)
{
	const struct tcase_row rows[] = {
		{ "write_mode", test_fs_write_mode },
		{ "write_replaces", test_fs_write_replaces },
		{ "write_no_tmp", test_fs_write_no_tmp },
		{ "write_missing_dir", test_fs_write_missing_dir },
		{ "write_tmp_symlink", test_fs_write_tmp_symlink },
		{ "lock", test_fs_lock },
		{ "lock_wait", test_fs_lock_wait },
		{ "lock_missing_dir", test_fs_lock_missing_dir },
		{ "read_cap", test_fs_read_cap },
		{ "read_errors", test_fs_read_errors },
		{ "read_errno", test_fs_read_errno },
		{ "mkdirs", test_fs_mkdirs },
		{ "json_files", test_fs_json_files },
	};
	Suite	*s = suite_create("fs");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), fs_setup,
	    fs_teardown);
	return (s);
}

/* --- cause ---------------------------------------------------------------- */

/* The first error wins; context goes around it; NULL causes are allowed. */
START_TEST(test_cause_first_wins)
{
	char	*cause = NULL;

	ck_assert_int_eq(cause_set(&cause, "root %d", 1), -1);
	ck_assert_int_eq(cause_set(&cause, "consequence"), -1);
	ck_assert_str_eq(cause, "root 1");
	ck_assert_int_eq(cause_st(&cause, ST_IO, "later"), ST_IO);
	ck_assert_str_eq(cause, "root 1");
	cause_prefix(&cause, "step %s", "two");
	ck_assert_str_eq(cause, "step two: root 1");
	cause_suffix(&cause, "; put back");
	ck_assert_str_eq(cause, "step two: root 1; put back");
	cause_clear(&cause);
	ck_assert_ptr_null(cause);
	cause_prefix(&cause, "alone");
	ck_assert_str_eq(cause, "alone");
	cause_clear(&cause);
	/* Callers that do not care pass NULL. */
	ck_assert_int_eq(cause_set(NULL, "x"), -1);
	ck_assert_int_eq(cause_st(NULL, ST_TIMEOUT, "x"), ST_TIMEOUT);
	cause_prefix(NULL, "x");
	cause_suffix(NULL, "x");
	cause_clear(NULL);
	ck_assert_str_eq(cause_text(NULL), "out of memory");
	ck_assert_str_eq(cause_text("why"), "why");
}
END_TEST

/* errno survives every helper. */
START_TEST(test_cause_errno)
{
	char	*cause = NULL;

	errno = ENOSPC;
	cause_set(&cause, "cannot write: %s", strerror(errno));
	ck_assert_int_eq(errno, ENOSPC);
	cause_prefix(&cause, "a");
	cause_suffix(&cause, "b");
	cause_set(&cause, "c");
	ck_assert_int_eq(errno, ENOSPC);
	cause_clear(&cause);
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

/* A cause is one line: breaks and tabs fold into one blank. */
START_TEST(test_cause_one_line)
{
	char	*cause = NULL;

	cause_set(&cause, "could not connect:\n\tIs the server running?\r\n");
	ck_assert_str_eq(cause, "could not connect: Is the server running?");
	cause_suffix(&cause, "\nand then\n");
	ck_assert_str_eq(cause, "could not connect: Is the server running? "
	    "and then");
	free(cause);
}
END_TEST

static Suite *
cause_suite(void)
{
	const struct tcase_row rows[] = {
		{ "first_wins", test_cause_first_wins },
		{ "errno", test_cause_errno },
		{ "one_line", test_cause_one_line },
	};
	Suite	*s = suite_create("cause");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* --- clock ---------------------------------------------------------------- */

/* RFC 3339: what servers send, and what we refuse. */
START_TEST(test_clock_rfc3339)
{
	char	 buf[CLOCK_RFC3339_LEN];
	time_t	 t;

	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14T22:13:20Z", &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_str_eq(clock_rfc3339_fmt(t, buf, sizeof(buf)),
	    "2023-11-14T22:13:20Z");
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14t22:13:20.5z", &t), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14 22:13:20Z", &t), 0);
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-15T00:43:20+02:30", &t),
	    0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14T21:13:20-01:00", &t),
	    0);
	ck_assert_int_eq(t, 1700000000);
	t = 42;
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14T22:13:20", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14T22:13:20+0100", &t),
	    -1);
	ck_assert_int_eq(clock_rfc3339_parse("2023-02-14T25:13:20Z", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse("2023-00-14T22:13:20Z", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse("2023-11-14T22:13:20Z ", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse("1969-12-31T23:59:59Z", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse("", &t), -1);
	ck_assert_int_eq(clock_rfc3339_parse(NULL, &t), -1);
	ck_assert_int_eq(t, 42);		/* untouched on failure */
	ck_assert_str_eq(clock_rfc3339_fmt(0, buf, sizeof(buf)), "-");
	ck_assert_str_eq(clock_rfc3339_fmt(-5, buf, sizeof(buf)), "-");
}
END_TEST

/* The monotonic clock moves forward and a sleep takes at least its time. */
START_TEST(test_clock_ms)
{
	long long	 a, b, u;

	a = clock_ms();
	u = clock_us();
	clock_sleep_ms(30);
	b = clock_ms();
	ck_assert_int_ge(b - a, 30);
	ck_assert_int_ge(clock_us() - u, 30000);
	clock_sleep_ms(0);
	clock_sleep_ms(-1);
}
END_TEST

START_TEST(test_clock_wait_fd)
{
	long long	 t0;
	int		 p[2];

	ck_assert_int_eq(pipe(p), 0);
	/* nothing to read: 0 once the deadline has passed, not before */
	t0 = clock_ms();
	ck_assert_int_eq(clock_wait_fd(p[0], POLLIN, t0 + 50), 0);
	ck_assert_int_ge(clock_ms() - t0, 50);
	ck_assert_int_eq(clock_wait_fd(p[0], POLLIN, t0 - 1000), 0);
	/* writable at once; readable once written, a past deadline looks once */
	ck_assert_int_eq(clock_wait_fd(p[1], POLLOUT, t0 + 5000), 1);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(clock_wait_fd(p[0], POLLIN, t0 - 1000), 1);
	/* a closed peer is "ready": the read says EOF */
	close(p[1]);
	ck_assert_int_eq(clock_wait_fd(p[0], POLLIN, clock_ms() + 5000), 1);
	close(p[0]);
}
END_TEST

static Suite *
clock_suite(void)
{
	const struct tcase_row rows[] = {
		{ "rfc3339", test_clock_rfc3339 },
		{ "ms", test_clock_ms },
		{ "wait_fd", test_clock_wait_fd },
	};
	Suite	*s = suite_create("clock");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* --- proc ----------------------------------------------------------------- */

/* Runs /bin/sh -c script with input; the status, *cause as it came. */
static enum st
sh_run(const char *script, const char *input, long long timeout_ms,
    size_t keep, struct proc_result *res, char **cause)
{
	char			*argv[] = { (char *)"/bin/sh", (char *)"-c",
				    (char *)script, NULL };
	struct proc_opts	 o;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.input = input;
	o.len = input != NULL ? strlen(input) : 0;
	o.timeout_ms = timeout_ms;
	o.keep = keep;
	*cause = NULL;
	return (proc_run(&o, res, cause));
}

/* Exit status and the error line. */
START_TEST(test_proc_status)
{
	struct proc_result	 res;
	char			*cause;

	ck_assert_int_eq(sh_run("exit 0", NULL, 5000, 0, &res, &cause), ST_OK);
	ck_assert_ptr_null(cause);
	ck_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0);
	ck_assert_str_eq(res.out, "");
	proc_result_cleanup(&res);
	proc_result_cleanup(&res);		/* safe twice */

	ck_assert_int_eq(sh_run("echo out; echo err >&2; exit 3", NULL, 5000, 0,
	    &res, &cause), ST_UPSTREAM);
	ck_assert_str_eq(res.out, "out\nerr");
	ck_assert_str_eq(cause, "/bin/sh failed (exit 3): out err");
	free(cause);
	proc_result_cleanup(&res);

	ck_assert_int_eq(sh_run("kill -9 $$", NULL, 5000, 0, NULL, &cause),
	    ST_UPSTREAM);
	ck_assert_str_eq(cause, "/bin/sh failed (signal 9)");
	free(cause);
}
END_TEST

/* The end of a long output is what is kept. */
START_TEST(test_proc_tail)
{
	struct proc_result	 res;
	char			*cause;

	ck_assert_int_eq(sh_run("i=0; while [ $i -lt 2000 ]; do echo "
	    "line$i; i=$((i+1)); done; echo verdict; exit 1", NULL, 10000, 16,
	    &res, &cause), ST_UPSTREAM);
	ck_assert_uint_eq(res.len, 15);		/* 16, less the last \n */
	ck_assert_str_eq(res.out, "ine1999\nverdict");
	ck_assert_str_eq(cause, "/bin/sh failed (exit 1): ine1999 verdict");
	free(cause);
	proc_result_cleanup(&res);
}
END_TEST

/* The deadline kills a child that hangs, even one that never reads. */
START_TEST(test_proc_deadline)
{
	struct proc_result	 res;
	char			*cause, *big;
	long long		 t0 = clock_ms();

	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(sh_run("echo started; exec sleep 30", big, 300, 0,
	    &res, &cause), ST_TIMEOUT);
	ck_assert(res.timedout);
	ck_assert_str_eq(cause, "/bin/sh failed (killed after 1 s): started");
	ck_assert_int_lt(clock_ms() - t0, 5000);
	free(cause);
	proc_result_cleanup(&res);
	free(big);
}
END_TEST

/* Input is fed whole; a child that stops reading costs us no SIGPIPE. */
START_TEST(test_proc_input)
{
	struct proc_result	 res;
	char			*cause, *big;

	signal(SIGPIPE, SIG_DFL);		/* a SIGPIPE would kill us */
	ck_assert_int_eq(sh_run("wc -c", "12345", 5000, 0, &res, &cause),
	    ST_OK);
	ck_assert_str_eq(res.out, "5");
	proc_result_cleanup(&res);
	big = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'y', (1 << 20) - 1);
	ck_assert_int_eq(sh_run("exit 0", big, 5000, 0, NULL, &cause), ST_OK);
	ck_assert_int_eq(sh_run("head -c 10 >/dev/null; exit 4", big, 5000, 0,
	    NULL, &cause), ST_UPSTREAM);
	ck_assert_str_eq(cause, "/bin/sh failed (exit 4)");
	free(cause);
	free(big);
}
END_TEST

/*
 * The child's exit is the end, even when a process it left behind holds
 * the output open; and the child sees none of our descriptors.
 */
START_TEST(test_proc_descriptors)
{
	struct proc_result	 res;
	char			*cause;
	long long		 t0;
	int			 fd;

	t0 = clock_ms();
	ck_assert_int_eq(sh_run("(sleep 5 &); echo bye", "x", 4000, 0, &res,
	    &cause), ST_OK);
	ck_assert_int_lt(clock_ms() - t0, 3000);
	ck_assert_str_eq(res.out, "bye");
	proc_result_cleanup(&res);

	fd = open("/dev/null", O_RDONLY);	/* not close-on-exec */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 57), 57);
	ck_assert_int_eq(sh_run("ls /proc/$$/fd", NULL, 5000, 0, &res, &cause),
	    ST_OK);
	ck_assert_str_eq(res.out, "0\n1\n2");
	proc_result_cleanup(&res);
	close(57);
	close(fd);
}
END_TEST

/* A parent with fd 0 closed (cron, `<&-`) still feeds the child. */
START_TEST(test_proc_closed_stdin)
{
	struct proc_result	 res;
	char			*cause;
	int			 saved;

	saved = dup(0);
	ck_assert_int_ge(saved, 0);
	close(0);
	ck_assert_int_eq(sh_run("cat", "fed", 5000, 0, &res, &cause), ST_OK);
	dup2(saved, 0);
	close(saved);
	ck_assert_str_eq(res.out, "fed");
	proc_result_cleanup(&res);
}
END_TEST

/* PATH search, a program that is not there, and a name in errors. */
START_TEST(test_proc_path)
{
	struct proc_opts	 o;
	struct proc_result	 res;
	char			*argv[] = { (char *)"sh", (char *)"-c",
				    (char *)"echo found", NULL };
	char			*none[] = { (char *)"/nonexistent/prog", NULL };
	char			*cause = NULL;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.flags = PROC_PATH;
	ck_assert_int_eq(proc_run(&o, &res, &cause), ST_OK);
	ck_assert_str_eq(res.out, "found");
	proc_result_cleanup(&res);
	o.flags = 0;				/* no search: "sh" is a path */
	ck_assert_int_eq(proc_run(&o, NULL, &cause), ST_UPSTREAM);
	ck_assert_str_eq(cause, "sh failed (exit 127): cannot run sh: No such "
	    "file or directory");
	free(cause);
	cause = NULL;
	o.argv = none;
	o.what = "the test command";
	ck_assert_int_eq(proc_run(&o, NULL, &cause), ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "the test command failed (exit "
	    "127): cannot run /nonexistent/prog"));
	free(cause);
}
END_TEST

/* stdout dropped, stderr inherited or kept; start/wait with fd 3. */
START_TEST(test_proc_streams)
{
	struct proc_opts	 o;
	struct proc_result	 res;
	struct proc		 p;
	char			*argv[] = { (char *)"/bin/sh", (char *)"-c", NULL,
				    NULL };
	char			 path[] = "/tmp/check_core_proc.XXXXXX", *cause = NULL;
	char			*text = NULL;
	size_t			 len;
	int			 pp[2], out, status;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	argv[2] = (char *)"echo dropped; echo kept >&2";
	o.flags = PROC_OUT_NULL;
	ck_assert_int_eq(proc_run(&o, &res, &cause), ST_OK);
	ck_assert_str_eq(res.out, "kept");
	proc_result_cleanup(&res);

	/* fd 3 is a pipe we feed; the output goes to a file. */
	ck_assert_int_ge(out = mkstemp(path), 0);
	ck_assert_int_eq(pipe(pp), 0);
	argv[2] = (char *)"cat <&3; echo done >&2";
	o.flags = PROC_OUT_FD | PROC_EXTRA_FD | PROC_PDEATHSIG;
	o.out_fd = out;
	o.extra_fd = pp[0];
	ck_assert_int_eq(proc_start(&o, &p, &cause), ST_OK);
	close(pp[0]);
	ck_assert_int_eq(p.out, -1);
	ck_assert_int_eq(write(pp[1], "streamed\n", 9), 9);
	close(pp[1]);
	ck_assert_int_eq(proc_wait(&p, 5000, "cat", &status, &cause), ST_OK);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(out);
	ck_assert_int_eq(fs_read_file(path, 100, &text, &len, &cause), 0);
	ck_assert_str_eq(text, "streamed\ndone\n");
	free(text);
	unlink(path);

	/* proc_wait's deadline. */
	argv[2] = (char *)"exec sleep 30";
	o.flags = 0;
	ck_assert_int_eq(proc_start(&o, &p, &cause), ST_OK);
	ck_assert_int_eq(proc_wait(&p, 200, "sleeper", NULL, &cause),
	    ST_TIMEOUT);
	ck_assert_str_eq(cause, "sleeper failed (killed after 1 s)");
	free(cause);
}
END_TEST

static Suite *
proc_suite(void)
{
	const struct tcase_row rows[] = {
		{ "status", test_proc_status },
		{ "tail", test_proc_tail },
		{ "deadline", test_proc_deadline },
		{ "input", test_proc_input },
		{ "descriptors", test_proc_descriptors },
		{ "closed_stdin", test_proc_closed_stdin },
		{ "path", test_proc_path },
		{ "streams", test_proc_streams },
	};
	Suite	*s = suite_create("proc");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* n clients connect to sa and are not accepted; their fds go in fds. */
static void
listenq_connect(const struct sockaddr *sa, socklen_t len, int *fds, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		fds[i] = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fds[i], 0);
		ck_assert_int_eq(connect(fds[i], sa, len), 0);
	}
}

/*
 * A unix listener with a backlog of 7: 3 connections not accepted are 3
 * in the queue, one accepted leaves 2; a socket that does not listen is
 * refused.
 */
START_TEST(test_listenq_unix)
{
	struct sockaddr_un	 sun;
	char			 dir[256];
	int			 fd, c[3], a, q = -1, max = -1, i;

	ck_assert_int_eq(unit_mkdtemp(dir, sizeof(dir)), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(dir) + 3, sizeof(sun.sun_path));
	memcpy(sun.sun_path, dir, strlen(dir));
	memcpy(sun.sun_path + strlen(dir), "/s", 3);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 7), 0);
	ck_assert_int_eq(listenq_get(fd, &q, &max), 0);
	ck_assert_int_eq(q, 0);
	ck_assert_int_eq(max, 7);
	listenq_connect((struct sockaddr *)&sun, sizeof(sun), c, 3);
	ck_assert_int_eq(listenq_get(fd, &q, &max), 0);
	ck_assert_int_eq(q, 3);
	a = accept(fd, NULL, NULL);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(listenq_get(fd, &q, &max), 0);
	ck_assert_int_eq(q, 2);
	ck_assert_int_eq(listenq_get(c[0], &q, &max), -1);	/* not listening */
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(a);
	close(fd);
	unit_rmtree(dir);
}
END_TEST

/* The same on a TCP listener on loopback (TCP_INFO), backlog 5. */
START_TEST(test_listenq_tcp)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, c[2], q = -1, max = -1, i, n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 5), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_eq(listenq_get(fd, &q, &max), 0);
	ck_assert_int_eq(q, 0);
	ck_assert_int_eq(max, 5);
	listenq_connect((struct sockaddr *)&sin, sizeof(sin), c, 2);
	/* the handshake completes on loopback; give a loaded box time */
	for (n = 0; n < 200; n++) {
		ck_assert_int_eq(listenq_get(fd, &q, &max), 0);
		if (q == 2)
			break;
		usleep(10000);
	}
	ck_assert_int_eq(q, 2);
	ck_assert_int_eq(listenq_get(c[0], &q, &max), -1);	/* connected */
	for (i = 0; i < 2; i++)
		close(c[i]);
	close(fd);
}
END_TEST

static Suite *
listenq_suite(void)
{
	const struct tcase_row rows[] = {
		{ "unix", test_listenq_unix },
		{ "tcp", test_listenq_tcp },
	};
	Suite	*s = suite_create("listenq");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* A loopback TCP socket bound to a port of the kernel's choice; *port. */
static int
db_test_socket(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}

/*
 * Several [database] hosts: a silent one (accepts, never answers) costs
 * its own connect_timeout and the next host is still tried within the
 * same call, whose error names both; no PostgreSQL needed.
 */
START_TEST(test_db_hosts)
{
	struct config	*cfg;
	struct db	*db;
	char		 text[256], want[64], *cause = NULL;
	long long	 t0, ms;
	int		 silent, refused, sp, rp;

	silent = db_test_socket(&sp);
	ck_assert_int_eq(listen(silent, 8), 0);
	refused = db_test_socket(&rp);
	close(refused);			/* nothing listens there now */
	snprintf(text, sizeof(text), "[database]\nhost = 127.0.0.1,127.0.0.1\n"
	    "port = %d,%d\nconnect_timeout = 1\nsslmode = disable\n", sp, rp);
	ck_assert_ptr_nonnull(cfg = config_new());
	ck_assert_msg(config_load_string(cfg, "t.conf", text, &cause) == 0,
	    "%s", cause);
	ck_assert_ptr_nonnull(db = db_new(cfg, NULL));
	t0 = clock_ms();
	ck_assert_int_eq(db_connect(db), ST_UNAVAILABLE);
	ms = clock_ms() - t0;
	/* the silent host had its second, then the refused one was tried */
	ck_assert_int_ge(ms, 1000);
	ck_assert_int_lt(ms, 30000);
	snprintf(want, sizeof(want), "127.0.0.1:%d: timeout expired", sp);
	ck_assert_msg(strstr(db_error(db), want) != NULL, "%s", db_error(db));
	snprintf(want, sizeof(want), "; 127.0.0.1:%d: ", rp);
	ck_assert_msg(strstr(db_error(db), want) != NULL, "%s", db_error(db));
	ck_assert(db_down_since(db) != 0);
	ck_assert_ptr_null(db_conn(db));
	db_free(db);
	config_free(cfg);
	close(silent);
}
END_TEST

static Suite *
db_suite(void)
{
	const struct tcase_row rows[] = {
		{ "hosts", test_db_hosts },
	};
	Suite	*s = suite_create("db");

	add_cases(s, rows, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
	return (s);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, st_suite());
	srunner_add_suite(sr, buf_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, fs_suite());
	srunner_add_suite(sr, cause_suite());
	srunner_add_suite(sr, clock_suite());
	srunner_add_suite(sr, proc_suite());
	srunner_add_suite(sr, listenq_suite());
	srunner_add_suite(sr, db_suite());
}

const struct unit unit = { "check_core", NULL, NULL, add_suites };
