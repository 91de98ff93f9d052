/*
 * check_fcgi.c: unit tests for lib/fcgi.c, the FastCGI reader and writer:
 * a request fed whole and one byte at a time, parameters with four-byte
 * lengths and split over records, the parameter cap, a body over its cap
 * read to the end, every kind of malformed stream (version, order, ids,
 * names, lengths), FCGI_ABORT_REQUEST, management records and the unknown
 * role answered on the socket, and an answer longer than one record.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "clock.h"
#include "fcgi.h"

/* A stream being built: records appended one by one. */
struct rec {
	unsigned char	 b[300000];
	size_t		 n;
};

/* Appends one record (type, id, content) with padding to 8. */
static void
rec_add(struct rec *r, int type, int id, const void *p, size_t len)
{
	size_t	 pad = (8 - len % 8) % 8;

	ck_assert_uint_le(r->n + 8 + len + pad, sizeof(r->b));
	r->b[r->n++] = 1;
	r->b[r->n++] = (unsigned char)type;
	r->b[r->n++] = (unsigned char)(id >> 8);
	r->b[r->n++] = (unsigned char)id;
	r->b[r->n++] = (unsigned char)(len >> 8);
	r->b[r->n++] = (unsigned char)len;
	r->b[r->n++] = (unsigned char)pad;
	r->b[r->n++] = 0;
	memcpy(r->b + r->n, p, len);
	r->n += len;
	memset(r->b + r->n, 0, pad);
	r->n += pad;
}

/* Appends FCGI_BEGIN_REQUEST (responder unless role says otherwise). */
static void
rec_begin(struct rec *r, int id, int role, int flags)
{
	unsigned char	 b[8] = { 0 };

	b[0] = (unsigned char)(role >> 8);
	b[1] = (unsigned char)role;
	b[2] = (unsigned char)flags;
	rec_add(r, 1, id, b, 8);
}

/* Encodes one name-value pair into out; returns its length. */
static size_t
pair(unsigned char *out, const char *name, size_t nl, const char *val,
    size_t vl)
{
	size_t	 o = 0;

	if (nl < 128)
		out[o++] = (unsigned char)nl;
	else {
		out[o++] = (unsigned char)(0x80 | (nl >> 24));
		out[o++] = (unsigned char)(nl >> 16);
		out[o++] = (unsigned char)(nl >> 8);
		out[o++] = (unsigned char)nl;
	}
	if (vl < 128)
		out[o++] = (unsigned char)vl;
	else {
		out[o++] = (unsigned char)(0x80 | (vl >> 24));
		out[o++] = (unsigned char)(vl >> 16);
		out[o++] = (unsigned char)(vl >> 8);
		out[o++] = (unsigned char)vl;
	}
	memcpy(out + o, name, nl);
	o += nl;
	memcpy(out + o, val, vl);
	return (o + vl);
}

/* A plain POST: begin, two params, end of params, body in two records. */
static void
rec_post(struct rec *r, const char *body)
{
	unsigned char	 p[256];
	size_t		 n;

	rec_begin(r, 1, 1, 0);
	n = pair(p, "REQUEST_METHOD", 14, "POST", 4);
	n += pair(p + n, "REQUEST_URI", 11, "/v1/tasks", 9);
	rec_add(r, 4, 1, p, n);
	rec_add(r, 4, 1, "", 0);
	rec_add(r, 5, 1, body, strlen(body) / 2);
	rec_add(r, 5, 1, body + strlen(body) / 2, strlen(body) - strlen(body) / 2);
	rec_add(r, 5, 1, "", 0);
}

/* Feeds the whole stream at once. */
static enum fcgi_result
feed_all(struct fcgi_conn *c, const struct rec *r, size_t *used)
{
	fcgi_conn_start(c, -1);
	return (fcgi_conn_feed(c, r->b, r->n, used));
}

START_TEST(test_whole_and_bytewise)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	enum fcgi_result	 rc = FCGI_AGAIN;
	size_t			 used, i;

	rec_post(r, "{\"title\":\"x\"}");
	fcgi_conn_init(&c, 4096, 1024);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_DONE);
	ck_assert_uint_eq(used, r->n);
	ck_assert_str_eq(fcgi_param(&c, "REQUEST_METHOD"), "POST");
	ck_assert_str_eq(fcgi_param(&c, "REQUEST_URI"), "/v1/tasks");
	ck_assert_ptr_null(fcgi_param(&c, "REQUEST"));
	ck_assert_str_eq(c.body.data, "{\"title\":\"x\"}");
	ck_assert_uint_eq(c.body_len, 13);
	ck_assert_ptr_null(c.env[2]);

	/* the same, one byte at a time: AGAIN until the very last byte */
	fcgi_conn_start(&c, -1);
	for (i = 0; i < r->n; i++) {
		rc = fcgi_conn_feed(&c, r->b + i, 1, &used);
		ck_assert_uint_eq(used, 1);
		if (i + 1 < r->n)
			ck_assert_int_eq(rc, FCGI_AGAIN);
	}
	ck_assert_int_eq(rc, FCGI_DONE);
	ck_assert_str_eq(fcgi_param(&c, "REQUEST_URI"), "/v1/tasks");
	ck_assert_str_eq(c.body.data, "{\"title\":\"x\"}");
	fcgi_conn_cleanup(&c);
	free(r);
}
END_TEST

START_TEST(test_long_lengths_split_params)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	unsigned char		*p = malloc(70000);
	char			*val = malloc(5000);
	size_t			 n, used;

	memset(val, 'v', 5000);
	rec_begin(r, 7, 1, 1);
	n = pair(p, "HTTP_X_LONG", 11, val, 5000);
	n += pair(p + n, "EMPTY", 5, "", 0);
	/* the pairs split across three records, mid-length and mid-value */
	rec_add(r, 4, 7, p, 3);
	rec_add(r, 4, 7, p + 3, 2000);
	rec_add(r, 4, 7, p + 2003, n - 2003);
	rec_add(r, 4, 7, "", 0);
	rec_add(r, 5, 7, "", 0);
	fcgi_conn_init(&c, 65536, 1024);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_DONE);
	ck_assert_int_eq(c.keep_conn, 1);
	ck_assert_uint_eq(c.id, 7);
	ck_assert_uint_eq(strlen(fcgi_param(&c, "HTTP_X_LONG")), 5000);
	ck_assert_str_eq(fcgi_param(&c, "EMPTY"), "");
	ck_assert_uint_eq(c.body_len, 0);
	fcgi_conn_cleanup(&c);
	free(p);
	free(val);
	free(r);
}
END_TEST

START_TEST(test_params_cap)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	static unsigned char	 p[5000];
	size_t			 used;

	/* 64 MiB announced by one pair: refused as soon as it passes the cap */
	p[0] = 4;
	p[1] = 0x84;	/* value length 64 MiB */
	p[2] = 0;
	p[3] = 0;
	p[4] = 0;
	memcpy(p + 5, "HUGE", 4);
	rec_begin(r, 1, 1, 0);
	rec_add(r, 4, 1, p, 4000);
	rec_add(r, 4, 1, p, 4000);
	fcgi_conn_init(&c, 6000, 1024);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_TOOBIG);
	ck_assert_uint_le(c.params.len, 6000);
	/* under the cap, the announced length is a protocol error */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_add(r, 4, 1, p, 4000);
	rec_add(r, 4, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(c.why, "past its record"));
	fcgi_conn_cleanup(&c);
	free(r);
}
END_TEST

START_TEST(test_body_over_cap)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	static char		 body[3000];
	size_t			 used;

	memset(body, 'b', sizeof(body) - 1);
	rec_post(r, body);
	fcgi_conn_init(&c, 4096, 1024);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_DONE);
	ck_assert_int_eq(c.body_toobig, 1);
	ck_assert_uint_eq(c.body_len, sizeof(body) - 1);
	ck_assert_uint_eq(c.body.len, 0);
	fcgi_conn_cleanup(&c);
	free(r);
}
END_TEST

START_TEST(test_malformed)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	unsigned char		 p[64];
	size_t			 used, n;

	fcgi_conn_init(&c, 4096, 1024);

	/* version 2 */
	rec_begin(r, 1, 1, 0);
	r->b[0] = 2;
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* params before the begin record */
	r->n = 0;
	rec_add(r, 4, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* stdin before the end of the params */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_add(r, 5, 1, "x", 1);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* another request id */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_add(r, 4, 2, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* a second begin: multiplexing */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_begin(r, 2, 1, 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(c.why, "multiplexing"));

	/* a name holding '=' */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	n = pair(p, "A=B", 3, "c", 1);
	rec_add(r, 4, 1, p, n);
	rec_add(r, 4, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* an empty name */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	n = pair(p, "", 0, "c", 1);
	rec_add(r, 4, 1, p, n);
	rec_add(r, 4, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* a value holding NUL */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	n = pair(p, "A", 1, "x\0y", 3);
	rec_add(r, 4, 1, p, n);
	rec_add(r, 4, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* a pair cut short by the end of the params */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	n = pair(p, "NAME", 4, "value", 5);
	rec_add(r, 4, 1, p, n - 2);
	rec_add(r, 4, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* FCGI_DATA (the filter role's) and FCGI_STDOUT from the server */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_add(r, 4, 1, "", 0);
	rec_add(r, 8, 1, "x", 1);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_add(r, 6, 1, "x", 1);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* a request record with id 0 */
	r->n = 0;
	rec_begin(r, 0, 1, 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);

	/* a begin record of the wrong size */
	r->n = 0;
	rec_add(r, 1, 1, "\0\1\0", 3);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_PROTOCOL);
	fcgi_conn_cleanup(&c);
	free(r);
}
END_TEST

START_TEST(test_abort)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	unsigned char		 p[64];
	size_t			 n, used;

	fcgi_conn_init(&c, 4096, 1024);
	/* mid-body: the part already read is never delivered */
	rec_begin(r, 1, 1, 0);
	n = pair(p, "CONTENT_LENGTH", 14, "20", 2);
	rec_add(r, 4, 1, p, n);
	rec_add(r, 4, 1, "", 0);
	rec_add(r, 5, 1, "0123456789", 10);
	rec_add(r, 2, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_ABORTED);
	ck_assert_int_ne(c.stage, FCGI_STAGE_DONE);
	/* in the params */
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	rec_add(r, 2, 1, "", 0);
	ck_assert_int_eq(feed_all(&c, r, &used), FCGI_ABORTED);
	fcgi_conn_cleanup(&c);
	free(r);
}
END_TEST

/* Reads from fd until EOF or n bytes; returns the count. */
static size_t
read_all(int fd, unsigned char *b, size_t n)
{
	size_t	 o = 0;
	ssize_t	 k;

	while (o < n && (k = read(fd, b + o, n - o)) > 0)
		o += (size_t)k;
	return (o);
}

START_TEST(test_socket_management_and_answer)
{
	struct fcgi_conn	 c;
	struct rec		*r = calloc(1, sizeof(*r));
	unsigned char		 p[128], *got = malloc(300000);
	static char		 big[70000];
	int			 sv[2];
	size_t			 n, got_n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcgi_conn_init(&c, 4096, 1024);

	/* GET_VALUES before the request, an unknown management type, then
	 * a request: both answered, the request still read */
	n = pair(p, "FCGI_MPXS_CONNS", 15, "", 0);
	n += pair(p + n, "FCGI_MAX_REQS", 13, "", 0);
	rec_add(r, 9, 0, p, n);
	rec_add(r, 99, 0, "zz", 2);
	rec_begin(r, 3, 1, 0);
	rec_add(r, 4, 3, "", 0);
	rec_add(r, 5, 3, "", 0);
	ck_assert_int_eq(write(sv[1], r->b, r->n), (ssize_t)r->n);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcgi_conn_start(&c, sv[0]);
	ck_assert_int_eq(fcgi_conn_read(&c), FCGI_DONE);

	/* an answer of two records, then the end of the request */
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(fcgi_conn_answer(&c, big, sizeof(big), -1), ST_OK);
	close(sv[0]);
	got_n = read_all(sv[1], got, 300000);
	/* GET_VALUES_RESULT: type 10, id 0, both names answered */
	ck_assert_int_eq(got[1], 10);
	ck_assert_int_eq((got[4] << 8) | got[5], 2 + 15 + 1 + 2 + 13 + 1);
	ck_assert_int_eq(memcmp(got + 8 + 2, "FCGI_MPXS_CONNS0", 16), 0);
	n = 8 + 34 + got[6];
	/* UNKNOWN_TYPE for type 99 */
	ck_assert_int_eq(got[n + 1], 11);
	ck_assert_int_eq(got[n + 8], 99);
	n += 16;
	/* STDOUT 65535 + STDOUT rest + empty STDOUT + END_REQUEST */
	ck_assert_int_eq(got[n + 1], 6);
	ck_assert_int_eq((got[n + 2] << 8) | got[n + 3], 3);
	ck_assert_int_eq((got[n + 4] << 8) | got[n + 5], 65535);
	n += 8 + 65535;
	ck_assert_int_eq(got[n + 1], 6);
	ck_assert_int_eq((got[n + 4] << 8) | got[n + 5], 70000 - 65535);
	n += 8 + 70000 - 65535;
	ck_assert_int_eq(got[n + 1], 6);
	ck_assert_int_eq((got[n + 4] << 8) | got[n + 5], 0);
	ck_assert_int_eq(got[n + 8 + 1], 3);
	ck_assert_int_eq(got[n + 8 + 8 + 4], 0);	/* REQUEST_COMPLETE */
	ck_assert_uint_eq(got_n, n + 24);
	close(sv[1]);

	/* another role: FCGI_END_REQUEST with FCGI_UNKNOWN_ROLE */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	r->n = 0;
	rec_begin(r, 5, 3, 0);
	ck_assert_int_eq(write(sv[1], r->b, r->n), (ssize_t)r->n);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcgi_conn_start(&c, sv[0]);
	ck_assert_int_eq(fcgi_conn_read(&c), FCGI_PROTOCOL);
	close(sv[0]);
	got_n = read_all(sv[1], got, 100);
	ck_assert_uint_eq(got_n, 16);
	ck_assert_int_eq(got[1], 3);
	ck_assert_int_eq(got[8 + 4], 3);
	close(sv[1]);

	/* the peer closing mid-params is FCGI_EOF; nothing yet is FCGI_AGAIN */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcgi_conn_start(&c, sv[0]);
	ck_assert_int_eq(fcgi_conn_read(&c), FCGI_AGAIN);
	r->n = 0;
	rec_begin(r, 1, 1, 0);
	ck_assert_int_eq(write(sv[1], r->b, r->n), (ssize_t)r->n);
	ck_assert_int_eq(fcgi_conn_read(&c), FCGI_AGAIN);
	ck_assert_int_eq(c.stage, FCGI_STAGE_PARAMS);
	close(sv[1]);
	ck_assert_int_eq(fcgi_conn_read(&c), FCGI_EOF);
	close(sv[0]);
	fcgi_conn_cleanup(&c);
	free(got);
	free(r);
}
END_TEST

START_TEST(test_write_deadline)
{
	struct fcgi_conn	 c;
	static char		 big[4 * 1024 * 1024];
	long long		 t0;
	int			 sv[2];

	/* nobody reads: the answer gives up at its deadline */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcgi_conn_init(&c, 4096, 1024);
	fcgi_conn_start(&c, sv[0]);
	t0 = clock_ms();
	ck_assert_int_eq(fcgi_conn_answer(&c, big, sizeof(big), t0 + 300),
	    ST_TIMEOUT);
	ck_assert_int_ge(clock_ms() - t0, 290);
	ck_assert_int_lt(clock_ms() - t0, 3000);
	close(sv[0]);
	close(sv[1]);
	fcgi_conn_cleanup(&c);
}
END_TEST

/* The suite: one test case per behaviour. */
static Suite *
fcgi_suite(void)
{
	const struct {
		const char	*name;
		const TTest	*test;
	} cases[] = {
		{ "whole_and_bytewise", test_whole_and_bytewise },
		{ "long_lengths_split_params", test_long_lengths_split_params },
		{ "params_cap", test_params_cap },
		{ "body_over_cap", test_body_over_cap },
		{ "malformed", test_malformed },
		{ "abort", test_abort },
		{ "socket_management_and_answer",
		    test_socket_management_and_answer },
		{ "write_deadline", test_write_deadline },
	};
	Suite	*s = suite_create("fcgi");
	TCase	*tc;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc = tcase_create(cases[i].name);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(fcgi_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
