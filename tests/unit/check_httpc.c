/*
 * check_httpc.c: unit tests for lib/httpc.c, the one libcurl wrapper.
 *
 * A small HTTP/1.1 server runs in a forked child on a loopback port: it
 * keeps connections alive, numbers them (X-Conn), and answers by path:
 * /ok, /echo (the request back), /big (more than any cap here), /404,
 * /slow (never answers in time), /cont (a 100 Continue block first). The
 * tests go through the real libcurl, so what they check is what the ACME
 * client, the alert webhook and the Dynadot backend get: the set-up, the
 * body cap, headers both ways, connection reuse, the error classes, the
 * scrub hook, and the URL helpers on libcurl's URL API.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "httpc.h"
#include "unit.h"

static struct unit_srv	 srv;
#define srv_port	 srv.port

/* Sends a reply that keeps the connection open. */
static void
srv_reply(int fd, int conn, int status, const char *headers, const char *body,
    size_t len)
{
	char	 head[1024];

	snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
	    "X-Conn: %d\r\n%s\r\n", status, len, conn, headers);
	unit_write(fd, head, strlen(head));
	unit_write(fd, body, len);
}

/* Serves requests on one connection until the client closes it. */
static void
srv_conn(int fd, int conn)
{
	char	 req[16384], path[256], *end, *cl, *big;
	size_t	 n = 0, want, used;
	ssize_t	 r;

	for (;;) {
		end = NULL;
		while (n < sizeof(req) - 1) {
			req[n] = '\0';
			if ((end = strstr(req, "\r\n\r\n")) != NULL) {
				cl = strcasestr(req, "Content-Length:");
				want = cl != NULL && cl < end ?
				    strtoul(cl + 15, NULL, 10) : 0;
				if (n >= (size_t)(end + 4 - req) + want)
					break;
			}
			if ((r = read(fd, req + n, sizeof(req) - 1 - n)) <= 0)
				return;
			n += (size_t)r;
		}
		if (end == NULL)
			return;
		req[n] = '\0';
		cl = strcasestr(req, "Content-Length:");
		want = cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
		used = (size_t)(end + 4 - req) + want;
		if (sscanf(req, "%*s %255s", path) != 1)
			return;
		if (strcmp(path, "/ok") == 0)
			srv_reply(fd, conn, 200, "X-Test:  a b \r\n"
			    "Retry-After: 7\r\n", "hello", 5);
		else if (strcmp(path, "/echo") == 0)
			srv_reply(fd, conn, 200, "", req, used);
		else if (strcmp(path, "/big") == 0) {
			big = malloc(100000);
			memset(big, 'b', 100000);
			srv_reply(fd, conn, 200, "", big, 100000);
			free(big);
		} else if (strcmp(path, "/cont") == 0) {
			unit_write(fd, "HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n",
			    37);
			srv_reply(fd, conn, 201, "X-Late: 2\r\n", "", 0);
		} else if (strcmp(path, "/slow") == 0) {
			sleep(5);
			return;
		} else
			srv_reply(fd, conn, 404, "", "no", 2);
		memmove(req, req + used, n - used);
		n -= used;
	}
}


/* A URL on the test server. */
static const char *
url(const char *path)
{
	static char	 u[128];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", srv_port, path);
	return (u);
}

/* What the header hook saw, as "Name=value;" pairs and "|" per block. */
struct seen {
	char	 text[1024];
};

/* The header hook of the tests. */
static void
seen_header(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct seen	*s = arg;
	size_t		 len = strlen(s->text);

	if (name == NULL)
		snprintf(s->text + len, sizeof(s->text) - len, "|");
	else
		snprintf(s->text + len, sizeof(s->text) - len, "%.*s=%.*s;",
		    (int)nlen, name, (int)vlen, value);
}

/* A GET: body, status, Retry-After, header values trimmed. */
START_TEST(test_get)
{
	struct httpc_opts	 o;
	struct httpc_req	 r;
	struct httpc_reply	 rep;
	struct httpc		*h;
	struct seen		 seen;
	struct buf		 b;
	char			*cause = NULL;

	memset(&o, 0, sizeof(o));
	o.timeout = 5;
	ck_assert_ptr_nonnull(h = httpc_new(&o, &cause));
	memset(&r, 0, sizeof(r));
	memset(&seen, 0, sizeof(seen));
	r.url = url("/ok");
	r.header = seen_header;
	r.header_arg = &seen;
	buf_init(&b, 1024);
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(rep.code, 200);
	ck_assert_int_eq(rep.retry_after, 7);
	ck_assert_str_eq(buf_str(&b), "hello");
	ck_assert_ptr_nonnull(strstr(seen.text, "|"));
	ck_assert_ptr_nonnull(strstr(seen.text, "X-Test=a b;"));
	ck_assert_ptr_nonnull(strstr(seen.text, "X-Conn=1;"));
	/* Another status is a reply too: the caller judges it. */
	r.url = url("/404");
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_int_eq(rep.code, 404);
	ck_assert_str_eq(buf_str(&b), "no");		/* reset, not appended */
	buf_cleanup(&b);
	httpc_free(h);
	httpc_free(NULL);
}
END_TEST

/* POST with headers; the same handle keeps one connection. */
START_TEST(test_post_reuse)
{
	struct httpc_opts	 o;
	struct httpc_req	 r;
	struct httpc_reply	 rep;
	struct httpc		*h;
	struct seen		 seen;
	struct buf		 b;
	const char		*hdr[] = { "Content-Type: application/json",
				    "Authorization: Bearer tok", NULL };
	char			*cause = NULL;

	memset(&o, 0, sizeof(o));
	o.user_agent = "check_httpc/1";
	ck_assert_ptr_nonnull(h = httpc_new(&o, &cause));
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.url = url("/echo");
	r.body = "{\"a\":1}";
	r.len = 7;
	r.headers = hdr;
	buf_init(&b, 4096);
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_int_eq(rep.code, 200);
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "POST /echo HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "User-Agent: check_httpc/1"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "Authorization: Bearer tok"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "\r\n\r\n{\"a\":1}"));
	/* A GET after the POST: no body, no stale header, same connection. */
	memset(&r, 0, sizeof(r));
	memset(&seen, 0, sizeof(seen));
	r.url = url("/echo");
	r.header = seen_header;
	r.header_arg = &seen;
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "GET /echo HTTP/1.1\r\n"));
	ck_assert_ptr_null(strstr(buf_str(&b), "Authorization"));
	ck_assert_ptr_null(strstr(buf_str(&b), "{\"a\":1}"));
	ck_assert_ptr_nonnull(strstr(seen.text, "X-Conn="));
	/* HEAD: a status, no body. */
	r.method = "HEAD";
	r.url = url("/ok");
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_int_eq(rep.code, 200);
	ck_assert_uint_eq(b.len, 0);
	buf_cleanup(&b);
	httpc_free(h);
}
END_TEST

/* Connection reuse, counted by the server. */
START_TEST(test_keepalive)
{
	struct httpc_opts	 o;
	struct httpc_req	 r;
	struct httpc		*h1, *h2;
	struct seen		 s1, s2, s3;
	struct buf		 b;
	char			*cause = NULL, *a, *c;

	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(h1 = httpc_new(&o, &cause));
	ck_assert_ptr_nonnull(h2 = httpc_new(&o, &cause));
	buf_init(&b, 1024);
	memset(&r, 0, sizeof(r));
	r.url = url("/ok");
	r.header = seen_header;
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	memset(&s3, 0, sizeof(s3));
	r.header_arg = &s1;
	ck_assert_int_eq(httpc_perform(h1, &r, &b, NULL, &cause), ST_OK);
	r.header_arg = &s2;
	ck_assert_int_eq(httpc_perform(h1, &r, &b, NULL, &cause), ST_OK);
	r.header_arg = &s3;
	ck_assert_int_eq(httpc_perform(h2, &r, &b, NULL, &cause), ST_OK);
	a = strstr(s1.text, "X-Conn=");
	c = strstr(s2.text, "X-Conn=");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(atoi(a + 7), atoi(c + 7));	/* reused */
	ck_assert_int_ne(atoi(strstr(s3.text, "X-Conn=") + 7), atoi(a + 7));
	buf_cleanup(&b);
	httpc_free(h1);
	httpc_free(h2);
}
END_TEST

/* A header block after 100 Continue starts with a NULL name. */
START_TEST(test_continue)
{
	struct httpc_opts	 o;
	struct httpc_req	 r;
	struct httpc_reply	 rep;
	struct httpc		*h;
	struct seen		 seen;
	struct buf		 b;
	char			*cause = NULL;

	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(h = httpc_new(&o, &cause));
	memset(&r, 0, sizeof(r));
	memset(&seen, 0, sizeof(seen));
	r.url = url("/cont");
	r.header = seen_header;
	r.header_arg = &seen;
	buf_init(&b, 1024);
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_int_eq(rep.code, 201);
	ck_assert_ptr_nonnull(strstr(seen.text, "|X-Early=1;|"));
	ck_assert_ptr_nonnull(strstr(strstr(seen.text, ";|"), "X-Late=2;"));
	buf_cleanup(&b);
	httpc_free(h);
}
END_TEST

/* The body cap, refused connections, timeouts, bad URLs, the scrub hook. */
START_TEST(test_errors)
{
	struct httpc_opts	 o;
	struct httpc_req	 r;
	struct httpc_reply	 rep;
	struct httpc		*h;
	struct buf		 b;
	char			*cause = NULL, refused[64];

	memset(&o, 0, sizeof(o));
	o.timeout = 1;
	ck_assert_ptr_nonnull(h = httpc_new(&o, &cause));
	memset(&r, 0, sizeof(r));
	buf_init(&b, 1000);
	r.url = url("/big");
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_TOOBIG);
	ck_assert_str_eq(cause, "the reply is larger than 1000 bytes");
	ck_assert_int_eq(rep.code, 200);	/* the status of the cut reply */
	ck_assert_uint_le(b.len, 1000);
	free(cause);
	cause = NULL;
	/* The handle is still good after an error. */
	r.url = url("/ok");
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_str_eq(buf_str(&b), "hello");

	r.url = url("/slow");
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause),
	    ST_UNAVAILABLE);
	ck_assert_ptr_nonnull(cause);
	ck_assert_int_eq(rep.code, 0);
	free(cause);
	cause = NULL;

	snprintf(refused, sizeof(refused), "http://127.0.0.1:1/x");
	r.url = refused;
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause),
	    ST_UNAVAILABLE);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	r.url = "ftp://127.0.0.1:1/";
	ck_assert_int_eq(httpc_perform(h, &r, &b, NULL, &cause), ST_BADREQ);
	free(cause);
	cause = NULL;
	r.url = "http://[::1";
	ck_assert_int_eq(httpc_perform(h, &r, &b, NULL, &cause), ST_BADREQ);
	free(cause);
	cause = NULL;
	httpc_free(h);
	buf_cleanup(&b);
}
END_TEST

/* The scrub hook sees error texts before they reach *cause. */
static char *
scrub_1(const char *text, void *arg)
{
	const char	*secret = arg;
	char		*s = strdup(text), *p;

	while (s != NULL && (p = strstr(s, secret)) != NULL)
		memset(p, '*', strlen(secret));
	return (s);
}

START_TEST(test_scrub_connect_to)
{
	struct httpc_opts	 o;
	struct httpc_req	 r;
	struct httpc_reply	 rep;
	struct httpc		*h;
	struct buf		 b;
	char			 u[128], *cause = NULL;

	memset(&o, 0, sizeof(o));
	o.timeout = 2;
	o.scrub = scrub_1;
	o.scrub_arg = (void *)"127.0.0.1";
	ck_assert_ptr_nonnull(h = httpc_new(&o, &cause));
	memset(&r, 0, sizeof(r));
	r.url = "http://127.0.0.1:1/";
	buf_init(&b, 100);
	ck_assert_int_ne(httpc_perform(h, &r, &b, NULL, &cause), ST_OK);
	ck_assert_ptr_null(strstr(cause, "127.0.0.1"));
	free(cause);
	cause = NULL;
	httpc_free(h);

	/* connect_to: any host name, to our address. */
	memset(&o, 0, sizeof(o));
	o.connect_to = "127.0.0.1";
	ck_assert_ptr_nonnull(h = httpc_new(&o, &cause));
	snprintf(u, sizeof(u), "http://api.example.test:%d/ok", srv_port);
	r.url = u;
	ck_assert_int_eq(httpc_perform(h, &r, &b, &rep, &cause), ST_OK);
	ck_assert_int_eq(rep.code, 200);
	httpc_free(h);
	buf_cleanup(&b);
}
END_TEST

/* What a URL is, for the rules about secrets. */
START_TEST(test_url_kind)
{
	ck_assert_int_eq(httpc_url_kind("https://api.dynadot.com/api3.json"),
	    HTTPC_URL_HTTPS);
	ck_assert_int_eq(httpc_url_kind("HTTPS://X.example/"), HTTPC_URL_HTTPS);
	ck_assert_int_eq(httpc_url_kind("http://127.0.0.1:8080/x"),
	    HTTPC_URL_HTTP_LOOPBACK);
	ck_assert_int_eq(httpc_url_kind("http://127.9.8.7/"),
	    HTTPC_URL_HTTP_LOOPBACK);
	ck_assert_int_eq(httpc_url_kind("http://localhost:1/x"),
	    HTTPC_URL_HTTP_LOOPBACK);
	ck_assert_int_eq(httpc_url_kind("http://[::1]:1/x"),
	    HTTPC_URL_HTTP_LOOPBACK);
	ck_assert_int_eq(httpc_url_kind("http://user:pw@127.0.0.1/"),
	    HTTPC_URL_HTTP_LOOPBACK);
	ck_assert_int_eq(httpc_url_kind("http://localhost.example.test:1/x"),
	    HTTPC_URL_HTTP);
	ck_assert_int_eq(httpc_url_kind("http://127.evil.test/x"),
	    HTTPC_URL_HTTP);
	ck_assert_int_eq(httpc_url_kind("http://128.0.0.1/"), HTTPC_URL_HTTP);
	ck_assert_int_eq(httpc_url_kind("http://[::2]/"), HTTPC_URL_HTTP);
	ck_assert_int_eq(httpc_url_kind("ftp://127.0.0.1/"), HTTPC_URL_BAD);
	ck_assert_int_eq(httpc_url_kind("not a url"), HTTPC_URL_BAD);
	ck_assert_int_eq(httpc_url_kind(""), HTTPC_URL_BAD);
	ck_assert_int_eq(httpc_url_kind(NULL), HTTPC_URL_BAD);
}
END_TEST

/* Redaction keeps scheme, host and port only. */
START_TEST(test_url_redact)
{
	char	 out[128];

	httpc_url_redact("https://hooks.example.com/services/T0/B1/secret", out,
	    sizeof(out));
	ck_assert_str_eq(out, "https://hooks.example.com/...");
	httpc_url_redact("http://user:pw@127.0.0.1:1/hooks?x=secret#f", out,
	    sizeof(out));
	ck_assert_str_eq(out, "http://127.0.0.1:1/...");
	httpc_url_redact("https://example.com", out, sizeof(out));
	ck_assert_str_eq(out, "https://example.com");
	httpc_url_redact("https://example.com:443?q=1", out, sizeof(out));
	ck_assert_str_eq(out, "https://example.com/...");
	httpc_url_redact("no url at all", out, sizeof(out));
	ck_assert_str_eq(out, "(a malformed URL)");
	httpc_url_redact(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "(a malformed URL)");
}
END_TEST

/* Query strings are appended by libcurl; escaping keeps unreserved only. */
START_TEST(test_url_append_escape)
{
	char	*s;

	s = httpc_url_append("https://api.example/api3.json", "key=k&a=1");
	ck_assert_str_eq(s, "https://api.example/api3.json?key=k&a=1");
	free(s);
	s = httpc_url_append("http://127.0.0.1:9/x?v=2", "key=k");
	ck_assert_str_eq(s, "http://127.0.0.1:9/x?v=2&key=k");
	free(s);
	ck_assert_ptr_null(httpc_url_append("::nope::", "a=1"));
	s = httpc_escape("a b+c/d=e~f_g.h-i%&\xc3\xa9");
	ck_assert_str_eq(s, "a%20b%2Bc%2Fd%3De~f_g.h-i%25%26%C3%A9");
	free(s);
	s = httpc_escape("");
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* Adds one test case to s. */
static void
add(Suite *s, const char *name, const TTest *t)
{
	TCase	*tc = tcase_create(name);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

/* Starts the test server before the run. */
static int
setup_all(void)
{
	unit_srv_start(&srv, srv_conn, 1);
	return (0);
}

/* Stops it afterwards. */
static void
teardown_all(void)
{
	unit_srv_stop(&srv);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	Suite	*s = suite_create("httpc");

	add(s, "get", test_get);
	add(s, "post_reuse", test_post_reuse);
	add(s, "keepalive", test_keepalive);
	add(s, "continue", test_continue);
	add(s, "errors", test_errors);
	add(s, "scrub_connect_to", test_scrub_connect_to);
	add(s, "url_kind", test_url_kind);
	add(s, "url_redact", test_url_redact);
	add(s, "url_append_escape", test_url_append_escape);
	srunner_add_suite(sr, s);
}

const struct unit unit = { "check_httpc", setup_all, teardown_all,
    add_suites };
