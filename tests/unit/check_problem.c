/*
 * check_problem.c: unit tests for lib/http.c and lib/problem.c, driven by
 * plain environment arrays as FastCGI would hand them over: request
 * parsing (method, path, query, request id, headers), RFC 9457 problem
 * documents (shape, status-specific headers, no leak of internal detail,
 * valid JSON from hostile detail), the rendered CGI response, and the RFC
 * 9110 preconditions (a table of headers x method x state -> status).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "problem.h"
#include "unit.h"

#define PJSON	"application/problem+json"
/* FastCGI hands over char **; the tests' literals are never written to. */
#define E(s)	((char *)(s))

static char *env_post[] = {
	E("REQUEST_METHOD=POST"),
	E("REQUEST_URI=/v1/tasks?x=1"),
	E("REQUEST_ID=abc123"),
	NULL
};

/* True if s is exactly 32 lowercase hex digits. */
static int
is_hex32(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return (0);
	return (i == 32);
}

/*
 * Parses a response body the strict way: one JSON value, valid UTF-8 (the
 * full check, not json-c's structural one), and an object. Caller puts.
 */
static json_object *
parse_body(const struct http_req *r)
{
	struct json_tokener	*tok;
	json_object		*o;

	ck_assert_ptr_nonnull(r->out.data);
	ck_assert_uint_eq(strlen(r->out.data), r->out.len);
	ck_assert_int_ge(jsonutil_utf8_chars(r->out.data, r->out.len), 0);
	tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, r->out.data, (int)r->out.len + 1);
	ck_assert_int_eq(json_tokener_get_error(tok), json_tokener_success);
	json_tokener_free(tok);
	ck_assert(json_object_is_type(o, json_type_object));
	return (o);
}

/* A string member of o, which must be there. */
static const char *
member_str(json_object *o, const char *key)
{
	json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	ck_assert(json_object_is_type(v, json_type_string));
	return (json_object_get_string(v));
}

/* An integer member of o, which must be there. */
static int
member_int(json_object *o, const char *key)
{
	json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	ck_assert(json_object_is_type(v, json_type_int));
	return (json_object_get_int(v));
}

START_TEST(test_req_init)
{
	struct http_req	 r;

	http_req_init(&r, env_post, 1000);
	ck_assert_str_eq(r.method, "POST");
	ck_assert_str_eq(r.path, "/v1/tasks");
	ck_assert_str_eq(r.query, "x=1");
	ck_assert_str_eq(r.request_id, "abc123");
	ck_assert_uint_eq(r.body.max, 1000);
	ck_assert_uint_eq(r.body.len, 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(r.ctype);
	ck_assert_str_eq(r.detail, "");
	ck_assert_str_eq(r.allow, "");
	ck_assert_int_gt(r.start_us, 0);
	ck_assert_str_eq(http_param(&r, "REQUEST_ID"), "abc123");
	http_req_cleanup(&r);
	http_req_cleanup(&r);		/* safe twice */
}
END_TEST

START_TEST(test_req_defaults)
{
	char		*env_doc[] = { E("DOCUMENT_URI=/d"), NULL };
	char		*env_qs[] = { E("REQUEST_URI=/p?a=1"),
			    E("QUERY_STRING=b=2"), NULL };
	char		*env_prefix[] = { E("REQUEST_URIX=/no"),
			    E("REQUEST_METHODS=PUT"), NULL };
	struct http_req	 r;

	http_req_init(&r, NULL, 10);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/");
	ck_assert_str_eq(r.query, "");
	ck_assert(is_hex32(r.request_id));
	ck_assert_ptr_null(http_param(&r, "REQUEST_URI"));
	http_req_cleanup(&r);

	http_req_init(&r, env_doc, 10);
	ck_assert_str_eq(r.path, "/d");
	http_req_cleanup(&r);

	/* QUERY_STRING, when nginx passes it, wins over the URI's. */
	http_req_init(&r, env_qs, 10);
	ck_assert_str_eq(r.path, "/p");
	ck_assert_str_eq(r.query, "b=2");
	http_req_cleanup(&r);

	/* A parameter whose name only starts like the asked one is not it. */
	http_req_init(&r, env_prefix, 10);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/");
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_request_id_hostile)
{
	static const char *const bad[] = {
		"REQUEST_ID=abc 123",
		"REQUEST_ID=abc\"123",
		"REQUEST_ID=abc\r\nX-Evil: 1",
		"REQUEST_ID=abc\n",
		"REQUEST_ID=",
		"REQUEST_ID=\xc3\xa9t\xc3\xa9",
		"REQUEST_ID=a/b",
		"REQUEST_ID=a\\b",
		("REQUEST_ID=0123456789012345678901234567890123456789"
		    "0123456789012345678901234"),	/* 65 characters */
	};
	char		*env[2], prev[65] = "";
	struct http_req	 r;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env[0] = (char *)bad[i];
		env[1] = NULL;
		http_req_init(&r, env, 10);
		ck_assert_msg(is_hex32(r.request_id), "row %zu: id '%s'", i,
		    r.request_id);
		/* Made from random bytes: two in a row differ. */
		ck_assert_str_ne(r.request_id, prev);
		memcpy(prev, r.request_id, sizeof(prev));
		http_req_cleanup(&r);
	}
}
END_TEST

START_TEST(test_request_id_sources)
{
	char		*env64[] = { E("REQUEST_ID=0123456789012345678901234567"
			    "890123456789012345678901234567890123"), NULL };
	char		*envx[] = { E("REQUEST_ID=bad id"),
			    E("HTTP_X_REQUEST_ID=client-1.a_b"), NULL };
	char		*envxbad[] = { E("HTTP_X_REQUEST_ID=<script>"), NULL };
	struct http_req	 r;

	/* 64 characters is the longest id taken as it is. */
	http_req_init(&r, env64, 10);
	ck_assert_uint_eq(strlen(r.request_id), 64);
	ck_assert_str_eq(r.request_id, env64[0] + strlen("REQUEST_ID="));
	http_req_cleanup(&r);

	/* A bad nginx id falls back to a plain client id. */
	http_req_init(&r, envx, 10);
	ck_assert_str_eq(r.request_id, "client-1.a_b");
	http_req_cleanup(&r);

	http_req_init(&r, envxbad, 10);
	ck_assert(is_hex32(r.request_id));
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_path_too_long)
{
	char		*uri, *env[2];
	struct http_req	 r;
	size_t		 n = HTTP_PATH_MAX + 100;

	uri = malloc(strlen("REQUEST_URI=") + n + 1);
	ck_assert_ptr_nonnull(uri);
	env[0] = uri;
	env[1] = NULL;

	/* HTTP_PATH_MAX + 1 bytes: refused as an empty path. */
	strcpy(uri, "REQUEST_URI=/");
	memset(uri + 13, 'a', HTTP_PATH_MAX);
	uri[13 + HTTP_PATH_MAX] = '\0';
	http_req_init(&r, env, 10);
	ck_assert_str_eq(r.path, "");
	/* Its problem document is a 414 without an empty "instance". */
	http_fail(&r, ST_URITOOLONG, "too long");
	ck_assert_int_eq(problem_reply(&r, ST_URITOOLONG), ST_OK);
	ck_assert_int_eq(r.status, 414);
	ck_assert_ptr_null(strstr(buf_str(&r.out), "instance"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "\"title\":\"URI Too Long\""));
	http_req_cleanup(&r);

	/* HTTP_PATH_MAX bytes do not fit with the NUL either. */
	uri[12 + HTTP_PATH_MAX] = '\0';
	http_req_init(&r, env, 10);
	ck_assert_str_eq(r.path, "");
	http_req_cleanup(&r);

	/* HTTP_PATH_MAX - 1 bytes is the longest path kept. */
	uri[11 + HTTP_PATH_MAX] = '\0';
	http_req_init(&r, env, 10);
	ck_assert_uint_eq(strlen(r.path), HTTP_PATH_MAX - 1);
	ck_assert_int_eq(strncmp(r.path, uri + 12, HTTP_PATH_MAX - 1), 0);
	http_req_cleanup(&r);

	/* Only the path counts, not the query. */
	strcpy(uri, "REQUEST_URI=/a?");
	memset(uri + 15, 'q', n - 3);
	uri[12 + n] = '\0';
	http_req_init(&r, env, 10);
	ck_assert_str_eq(r.path, "/a");
	ck_assert_uint_eq(strlen(r.query), n - 3);
	http_req_cleanup(&r);
	free(uri);
}
END_TEST

START_TEST(test_headers_in)
{
	char		*env[] = { E("HTTP_IF_MATCH=\"v3\""),
			    E("CONTENT_TYPE=application/json"),
			    E("CONTENT_LENGTH=17"),
			    E("HTTP_X_CUSTOM_THING=yes"),
			    E("HTTP_CONTENT_TYPE=wrong"), NULL };
	struct http_req	 r;

	http_req_init(&r, env, 10);
	ck_assert_str_eq(http_header(&r, "If-Match"), "\"v3\"");
	ck_assert_str_eq(http_header(&r, "if-match"), "\"v3\"");
	ck_assert_str_eq(http_header(&r, "IF-MATCH"), "\"v3\"");
	ck_assert_str_eq(http_header(&r, "Content-Type"), "application/json");
	ck_assert_str_eq(http_header(&r, "content-type"), "application/json");
	ck_assert_str_eq(http_header(&r, "Content-Length"), "17");
	ck_assert_str_eq(http_header(&r, "X-Custom-Thing"), "yes");
	ck_assert_ptr_null(http_header(&r, "If-None-Match"));
	ck_assert_ptr_null(http_header(&r, "If-Matc"));
	ck_assert_ptr_null(http_header(&r, ""));
	ck_assert_str_eq(http_param(&r, "CONTENT_TYPE"), "application/json");
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_fail)
{
	struct http_req	 r;
	char		 big[1000];

	http_req_init(&r, env_post, 10);
	ck_assert_int_eq(http_fail(&r, ST_NOTFOUND, "no task %d", 7),
	    ST_NOTFOUND);
	ck_assert_str_eq(r.detail, "no task 7");
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(http_fail(&r, ST_BADREQ, "%s", big), ST_BADREQ);
	ck_assert_uint_eq(strlen(r.detail), sizeof(r.detail) - 1);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_problem_badreq)
{
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env_post, 10);
	http_fail(&r, ST_BADREQ, "field 'title' is required");
	ck_assert_int_eq(problem_reply(&r, ST_BADREQ), ST_OK);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.ctype, PJSON);
	ck_assert_uint_eq(r.headers.len, 0);
	o = parse_body(&r);
	ck_assert_int_eq(json_object_object_length(o), 6);
	ck_assert_str_eq(member_str(o, "type"), "about:blank");
	ck_assert_str_eq(member_str(o, "title"), "Bad Request");
	ck_assert_int_eq(member_int(o, "status"), 400);
	ck_assert_str_eq(member_str(o, "detail"), "field 'title' is required");
	ck_assert_str_eq(member_str(o, "instance"), "/v1/tasks");
	ck_assert_str_eq(member_str(o, "request_id"), "abc123");
	json_object_put(o);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_problem_no_detail)
{
	struct http_req	 r;
	json_object	*o;

	/* Without r->detail, the detail is the status title. */
	http_req_init(&r, env_post, 10);
	ck_assert_int_eq(problem_reply(&r, ST_NOTFOUND), ST_OK);
	ck_assert_int_eq(r.status, 404);
	o = parse_body(&r);
	ck_assert_str_eq(member_str(o, "title"), "Not Found");
	ck_assert_str_eq(member_str(o, "detail"), "not found");
	json_object_put(o);

	/* problem_new without instance nor request id leaves them out. */
	o = problem_new(ST_CONFLICT, "", NULL, "");
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_object_length(o), 4);
	ck_assert_str_eq(member_str(o, "title"), "Conflict");
	ck_assert_str_eq(member_str(o, "detail"), "conflict");
	ck_assert_int_eq(member_int(o, "status"), 409);
	json_object_put(o);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_problem_405_allow)
{
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env_post, 10);
	snprintf(r.allow, sizeof(r.allow), "GET, HEAD, POST");
	http_fail(&r, ST_METHOD, "PUT is not allowed here");
	ck_assert_int_eq(problem_reply(&r, ST_METHOD), ST_OK);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(buf_str(&r.headers), "Allow: GET, HEAD, POST\r\n");
	o = parse_body(&r);
	ck_assert_str_eq(member_str(o, "title"), "Method Not Allowed");
	ck_assert_str_eq(member_str(o, "detail"), "PUT is not allowed here");
	json_object_put(o);

	/* Allow is for 405 only. */
	ck_assert_int_eq(problem_reply(&r, ST_BADREQ), ST_OK);
	ck_assert_str_eq(buf_str(&r.headers), "");
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_problem_503_retry)
{
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env_post, 10);
	http_fail(&r, ST_UNAVAILABLE, "the database is restarting");
	ck_assert_int_eq(problem_reply(&r, ST_UNAVAILABLE), ST_OK);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(buf_str(&r.headers), "Retry-After: 1\r\n");
	o = parse_body(&r);
	ck_assert_str_eq(member_str(o, "title"), "Service Unavailable");
	/* A 503 says why: there is nothing internal in "retry later". */
	ck_assert_str_eq(member_str(o, "detail"), "the database is restarting");
	json_object_put(o);
	http_req_cleanup(&r);
}
END_TEST

/*
 * Lines problem_reply (logged) or problem_reply_unlogged writes to stderr
 * at log level lvl for a 503; the answer is left in r.
 */
static int
problem_lines(struct http_req *r, int logged, enum log_level lvl)
{
	enum log_level	 was = log_min_level;
	FILE		*f;
	char		 line[2048];
	int		 saved, n = 0;

	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	log_min_level = lvl;
	http_fail(r, ST_UNAVAILABLE, "every worker was busy");
	ck_assert_int_eq(logged ? problem_reply(r, ST_UNAVAILABLE) :
	    problem_reply_unlogged(r, ST_UNAVAILABLE), ST_OK);
	log_min_level = was;
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "\"msg\":\"problem\"") != NULL)
			n++;
	fclose(f);
	return (n);
}

/*
 * A shed request's 503 (problem_reply_unlogged) is the same answer as
 * problem_reply's, without the problem line; below info nothing is
 * written either way.
 */
START_TEST(test_problem_unlogged)
{
	struct http_req	 a, b;
	int		 lines[4];

	http_req_init(&a, env_post, 10);
	http_req_init(&b, env_post, 10);
	lines[0] = problem_lines(&a, 1, LOG_LEVEL_INFO);
	lines[1] = problem_lines(&b, 0, LOG_LEVEL_INFO);
	ck_assert_int_eq(a.status, 503);
	ck_assert_int_eq(b.status, 503);
	ck_assert_str_eq(buf_str(&a.headers), buf_str(&b.headers));
	ck_assert_str_eq(buf_str(&a.out), buf_str(&b.out));
	lines[2] = problem_lines(&a, 1, LOG_LEVEL_WARN);
	lines[3] = problem_lines(&b, 0, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(buf_str(&a.out), buf_str(&b.out));
	ck_assert_int_eq(lines[0], 1);
	ck_assert_int_eq(lines[1], 0);
	ck_assert_int_eq(lines[2], 0);
	ck_assert_int_eq(lines[3], 0);
	http_req_cleanup(&a);
	http_req_cleanup(&b);
}
END_TEST

START_TEST(test_problem_401_auth)
{
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env_post, 10);
	http_fail(&r, ST_UNAUTH, "no API key");
	ck_assert_int_eq(problem_reply(&r, ST_UNAUTH), ST_OK);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(buf_str(&r.headers),
	    "WWW-Authenticate: Bearer realm=\"bootstack\"\r\n");
	o = parse_body(&r);
	ck_assert_str_eq(member_str(o, "title"), "Unauthorized");
	ck_assert_str_eq(member_str(o, "detail"), "no API key");
	json_object_put(o);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_problem_500_no_leak)
{
	static const struct {
		enum st		 st;
		const char	*detail;
	} rows[] = {
		{ ST_INTERNAL,	"internal error" },
		{ ST_DB,	"database error" },
		{ ST_IO,	"input/output error" },
		{ ST_NOMEM,	"out of memory" },
		{ ST_OK,	"internal error" },	/* no OK problem */
	};
	struct http_req	 r;
	json_object	*o;
	size_t		 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		http_req_init(&r, env_post, 10);
		http_fail(&r, rows[i].st, "duplicate key secret_pkey in "
		    "/var/lib/secret");
		ck_assert_int_eq(problem_reply(&r, rows[i].st), ST_OK);
		ck_assert_int_eq(r.status, 500);
		ck_assert_ptr_null(strstr(buf_str(&r.out), "secret"));
		o = parse_body(&r);
		ck_assert_str_eq(member_str(o, "title"),
		    "Internal Server Error");
		ck_assert_str_eq(member_str(o, "detail"), rows[i].detail);
		ck_assert_str_eq(member_str(o, "request_id"), "abc123");
		json_object_put(o);
		http_req_cleanup(&r);
	}
}
END_TEST

START_TEST(test_problem_hostile_detail)
{
	char		*env[] = { E("REQUEST_URI=/v1/t\xff\xfe/\xc3"), NULL };
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env, 10);
	http_fail(&r, ST_BADREQ, "q\"b\\s/n\nt\tc\x01\x1f\x7f|"
	    "\xff|\xc0\x80|\xed\xa0\x80|\xf4\x90\x80\x80|\xc3\xa9|\xe2\x82");
	ck_assert_int_eq(problem_reply(&r, ST_BADREQ), ST_OK);
	/* Raw control bytes never reach the body. */
	ck_assert_ptr_null(memchr(r.out.data, '\n', r.out.len));
	ck_assert_ptr_null(memchr(r.out.data, '\x01', r.out.len));
	o = parse_body(&r);
	/* Invalid bytes become U+FFFD; valid text (é) is kept. */
	ck_assert_str_eq(member_str(o, "detail"), "q\"b\\s/n\nt\tc\x01\x1f\x7f|"
	    "\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xc3\xa9|"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_str_eq(member_str(o, "instance"),
	    "/v1/t\xef\xbf\xbd\xef\xbf\xbd/\xef\xbf\xbd");
	json_object_put(o);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_problem_replaces)
{
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env_post, 10);
	ck_assert_int_eq(http_set_header(&r, "ETag", "\"1\""), ST_OK);
	ck_assert_int_eq(http_reply(&r, 200, "text/plain", "half", 4), ST_OK);
	ck_assert_int_eq(problem_reply(&r, ST_CONFLICT), ST_OK);
	ck_assert_int_eq(r.status, 409);
	ck_assert_str_eq(r.ctype, PJSON);
	ck_assert_str_eq(buf_str(&r.headers), "");
	o = parse_body(&r);
	ck_assert_str_eq(member_str(o, "title"), "Conflict");
	json_object_put(o);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_render_200)
{
	struct http_req	 r;
	struct buf	 out;

	http_req_init(&r, env_post, 10);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(http_reply(&r, 200, "application/json", "{\"a\":1}",
	    7), ST_OK);
	ck_assert_int_eq(http_set_header(&r, "ETag", "\"%d\"", 3), ST_OK);
	ck_assert_int_eq(http_set_header(&r, "Cache-Control", "no-store"),
	    ST_OK);
	ck_assert_int_eq(http_render(&r, &out), ST_OK);
	ck_assert_str_eq(buf_str(&out),
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 7\r\n"
	    "X-Request-ID: abc123\r\n"
	    "ETag: \"3\"\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "{\"a\":1}");
	ck_assert_uint_eq(out.len, strlen(out.data));
	buf_cleanup(&out);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_render_binary_body)
{
	struct http_req	 r;
	struct buf	 out;
	static const char body[] = "a\0b";
	const char	 *head = "Status: 201 Created\r\n"
			    "Content-Type: application/octet-stream\r\n"
			    "Content-Length: 3\r\n"
			    "X-Request-ID: abc123\r\n\r\n";

	/* A body with a NUL byte is counted and copied whole. */
	http_req_init(&r, env_post, 10);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(http_reply(&r, 201, "application/octet-stream", body,
	    3), ST_OK);
	ck_assert_int_eq(http_render(&r, &out), ST_OK);
	ck_assert_uint_eq(out.len, strlen(head) + 3);
	ck_assert_int_eq(memcmp(out.data, head, strlen(head)), 0);
	ck_assert_int_eq(memcmp(out.data + strlen(head), body, 3), 0);
	buf_cleanup(&out);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_render_head)
{
	char		*env[] = { E("REQUEST_METHOD=HEAD"),
			    E("REQUEST_URI=/v1/x"), E("REQUEST_ID=h1"), NULL };
	struct http_req	 r;
	struct buf	 out;

	http_req_init(&r, env, 10);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(http_reply(&r, 200, "application/json", "{\"a\":1}",
	    7), ST_OK);
	ck_assert_int_eq(http_render(&r, &out), ST_OK);
	ck_assert_str_eq(buf_str(&out),
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 7\r\n"
	    "X-Request-ID: h1\r\n"
	    "\r\n");
	buf_cleanup(&out);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_render_204_304)
{
	struct http_req	 r;
	struct buf	 out;

	http_req_init(&r, env_post, 10);
	buf_init(&out, 1 << 20);
	/* Even when a handler set a type and a body by mistake. */
	ck_assert_int_eq(http_reply(&r, 204, "application/json", "{}", 2),
	    ST_OK);
	ck_assert_int_eq(http_render(&r, &out), ST_OK);
	ck_assert_str_eq(buf_str(&out),
	    "Status: 204 No Content\r\n"
	    "X-Request-ID: abc123\r\n"
	    "\r\n");

	buf_reset(&out);
	ck_assert_int_eq(http_reply(&r, 304, "application/json", "{}", 2),
	    ST_OK);
	ck_assert_int_eq(http_set_header(&r, "ETag", "\"9\""), ST_OK);
	ck_assert_int_eq(http_render(&r, &out), ST_OK);
	ck_assert_str_eq(buf_str(&out),
	    "Status: 304 Not Modified\r\n"
	    "X-Request-ID: abc123\r\n"
	    "ETag: \"9\"\r\n"
	    "\r\n");
	buf_cleanup(&out);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_render_unset)
{
	struct http_req	 r;
	struct buf	 out;

	/* A handler that set nothing answers 500 with an empty body. */
	http_req_init(&r, env_post, 10);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(http_render(&r, &out), ST_OK);
	ck_assert_str_eq(buf_str(&out),
	    "Status: 500 Internal Server Error\r\n"
	    "Content-Length: 0\r\n"
	    "X-Request-ID: abc123\r\n"
	    "\r\n");
	buf_cleanup(&out);

	/* The output buffer's cap is honoured. */
	buf_init(&out, 10);
	ck_assert_int_eq(http_render(&r, &out), ST_TOOBIG);
	buf_cleanup(&out);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_reply_json)
{
	struct http_req	 r;
	json_object	*o;

	http_req_init(&r, env_post, 10);
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string("/v1/t"));
	ck_assert_int_eq(http_reply_json(&r, 201, o), ST_OK);
	json_object_put(o);
	ck_assert_int_eq(r.status, 201);
	ck_assert_str_eq(r.ctype, "application/json");
	ck_assert_str_eq(buf_str(&r.out), "{\"path\":\"/v1/t\"}");

	/* A later reply replaces the body. */
	ck_assert_int_eq(http_reply(&r, 204, NULL, NULL, 0), ST_OK);
	ck_assert_uint_eq(r.out.len, 0);
	ck_assert_ptr_null(r.ctype);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_set_header_cap)
{
	struct http_req	 r;
	char		*saved = NULL, *huge;
	size_t		 savedlen = 0;
	enum st		 st = ST_OK;
	int		 i;

	http_req_init(&r, env_post, 10);
	for (i = 0; i < 10000; i++) {
		savedlen = r.headers.len;
		saved = strdup(buf_str(&r.headers));
		ck_assert_ptr_nonnull(saved);
		st = http_set_header(&r, "X-Filler", "%05d-abcdefghij", i);
		if (st != ST_OK)
			break;
		free(saved);
	}
	ck_assert_int_eq(st, ST_TOOBIG);
	ck_assert_int_gt(i, 100);
	/* The failed call left the earlier headers exactly as they were. */
	ck_assert_uint_eq(r.headers.len, savedlen);
	ck_assert_str_eq(buf_str(&r.headers), saved);
	ck_assert_uint_le(r.headers.len, HTTP_HEADERS_MAX);
	ck_assert_int_eq(strncmp(r.headers.data + r.headers.len - 2, "\r\n", 2),
	    0);
	free(saved);

	/* So does a single value larger than the whole cap. */
	http_req_cleanup(&r);
	http_req_init(&r, env_post, 10);
	ck_assert_int_eq(http_set_header(&r, "A", "1"), ST_OK);
	huge = malloc(HTTP_HEADERS_MAX + 1);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'v', HTTP_HEADERS_MAX);
	huge[HTTP_HEADERS_MAX] = '\0';
	ck_assert_int_eq(http_set_header(&r, "B", "%s", huge), ST_TOOBIG);
	ck_assert_str_eq(buf_str(&r.headers), "A: 1\r\n");
	/* A value that just fits with its name, ": " and CRLF is taken. */
	huge[HTTP_HEADERS_MAX - 6 - 5] = '\0';
	ck_assert_int_eq(http_set_header(&r, "B", "%s", huge), ST_OK);
	ck_assert_uint_eq(r.headers.len, HTTP_HEADERS_MAX);
	free(huge);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_set_header_crlf)
{
	struct http_req	 r;

	http_req_init(&r, env_post, 10);
	ck_assert_int_eq(http_set_header(&r, "ETag", "\"1\""), ST_OK);
	/* A CR or LF would let a value forge headers: refused. */
	ck_assert_int_eq(http_set_header(&r, "Location", "/x\r\nSet-Cookie: "
	    "a=b"), ST_INTERNAL);
	ck_assert_int_eq(http_set_header(&r, "Location", "/x\nY: 1"),
	    ST_INTERNAL);
	ck_assert_int_eq(http_set_header(&r, "Location", "/x\r"),
	    ST_INTERNAL);
	ck_assert_int_eq(http_set_header(&r, "X-A\r\nX-B", "1"), ST_INTERNAL);
	ck_assert_str_eq(buf_str(&r.headers), "ETag: \"1\"\r\n");
	http_req_cleanup(&r);
}
END_TEST

/*
 * The precondition table (RFC 9110 section 13): request headers x method x
 * state of the target -> status. T is the target's Last-Modified; ROW is a
 * task with ETag "7.3", COLL a collection (exists, no ETag, no date), NONE
 * a target without a current representation. 200 means "go on".
 */
#define T_MOD		1000000000LL	/* Sun, 09 Sep 2001 01:46:40 GMT */
#define D_T		"Sun, 09 Sep 2001 01:46:40 GMT"
#define D_T_1		"Sun, 09 Sep 2001 01:46:39 GMT"
enum cond_state { ROW, COLL, NONE };
static const struct {
	const char	*method;
	const char	*if_match, *if_match2, *if_none_match;
	const char	*ius, *ims;
	enum cond_state	 state;
	int		 want;
} cond_rows[] = {
	/* method  If-Match            2nd line    If-None-Match        IUS      IMS        state  want */
	{ "GET",   NULL,               NULL, NULL,                      NULL,    NULL,      ROW,  200 },
	{ "PATCH", "\"7.3\"",          NULL, NULL,                      NULL,    NULL,      ROW,  200 },
	{ "PATCH", "\"7.2\"",          NULL, NULL,                      NULL,    NULL,      ROW,  412 },
	{ "PATCH", "\"zzz\", \"7.3\"", NULL, NULL,                      NULL,    NULL,      ROW,  200 },
	{ "PATCH", "\"zzz\", \"7.9\"", NULL, NULL,                      NULL,    NULL,      ROW,  412 },
	{ "PATCH", "\"7.03\"",         NULL, NULL,                      NULL,    NULL,      ROW,  412 },
	{ "PATCH", "W/\"7.3\"",        NULL, NULL,                      NULL,    NULL,      ROW,  412 },
	{ "DELETE", "*",               NULL, NULL,                      NULL,    NULL,      ROW,  200 },
	{ "DELETE", "*",               NULL, NULL,                      NULL,    NULL,      NONE, 412 },
	{ "POST",  "*",                NULL, NULL,                      NULL,    NULL,      COLL, 200 },
	{ "POST",  "\"7.3\"",          NULL, NULL,                      NULL,    NULL,      COLL, 412 },
	{ "GET",   "\"7.2\"",          NULL, NULL,                      NULL,    NULL,      ROW,  412 },
	{ "GET",   NULL,               NULL, "\"7.3\"",                 NULL,    NULL,      ROW,  304 },
	{ "HEAD",  NULL,               NULL, "W/\"7.3\"",               NULL,    NULL,      ROW,  304 },
	{ "GET",   NULL,               NULL, "\"7.2\"",                 NULL,    NULL,      ROW,  200 },
	{ "GET",   NULL,               NULL, "\"7.2\", \"7.3\"",        NULL,    NULL,      ROW,  304 },
	{ "GET",   NULL,               NULL, "*",                       NULL,    NULL,      ROW,  304 },
	{ "PATCH", NULL,               NULL, "*",                       NULL,    NULL,      ROW,  412 },
	{ "POST",  NULL,               NULL, "*",                       NULL,    NULL,      COLL, 412 },
	{ "POST",  NULL,               NULL, "\"x\"",                   NULL,    NULL,      COLL, 200 },
	{ "PUT",   NULL,               NULL, "*",                       NULL,    NULL,      NONE, 200 },
	{ "DELETE", NULL,              NULL, "\"7.3\"",                 NULL,    NULL,      ROW,  412 },
	{ "DELETE", NULL,              NULL, "W/\"7.3\"",               NULL,    NULL,      ROW,  412 },
	{ "PATCH", NULL,               NULL, NULL,                      D_T,     NULL,      ROW,  200 },
	{ "PATCH", NULL,               NULL, NULL,                      D_T_1,   NULL,      ROW,  412 },
	{ "GET",   NULL,               NULL, NULL,                      D_T_1,   NULL,      ROW,  412 },
	{ "PATCH", "\"7.3\"",          NULL, NULL,                      D_T_1,   NULL,      ROW,  200 },
	{ "PATCH", NULL,               NULL, NULL,                      "yesterday", NULL,  ROW,  200 },
	{ "POST",  NULL,               NULL, NULL,                      D_T_1,   NULL,      COLL, 200 },
	{ "GET",   NULL,               NULL, NULL,                      NULL,    D_T,       ROW,  304 },
	{ "GET",   NULL,               NULL, NULL,                      NULL,    D_T_1,     ROW,  200 },
	{ "GET",   NULL,               NULL, NULL,                      NULL,    "Sunday, 09-Sep-01 01:46:40 GMT", ROW, 304 },
	{ "GET",   NULL,               NULL, NULL,                      NULL,    "Sun Sep  9 01:46:40 2001", ROW, 304 },
	{ "GET",   NULL,               NULL, NULL,                      NULL,    "Sun, 09 Sep 2001 01:46:40 UTC", ROW, 200 },
	{ "PATCH", NULL,               NULL, NULL,                      NULL,    D_T,       ROW,  200 },
	{ "GET",   NULL,               NULL, "\"7.2\"",                 NULL,    D_T,       ROW,  200 },
	{ "GET",   "\"7.2\"",          NULL, "\"7.3\"",                 NULL,    NULL,      ROW,  412 },
	{ "GET",   "\"7.3\"",          NULL, "\"7.3\"",                 NULL,    NULL,      ROW,  304 },
	{ "PATCH", "\"7.3\"",          NULL, "\"7.3\"",                 NULL,    NULL,      ROW,  412 },
	{ "PATCH", "\"x\"",            "\"7.3\"", NULL,                 NULL,    NULL,      ROW,  200 },
	{ "PATCH", "\"x\"",            "\"y\"", NULL,                   NULL,    NULL,      ROW,  412 },
	{ "PATCH", "",                 NULL, NULL,                      NULL,    NULL,      ROW,  412 },
	{ "PATCH", " , \"7.3\" ,",     NULL, NULL,                      NULL,    NULL,      ROW,  200 },
	{ "PATCH", "zzz",              NULL, NULL,                      NULL,    NULL,      ROW,  400 },
	{ "PATCH", "\"a\" \"b\"",      NULL, NULL,                      NULL,    NULL,      ROW,  400 },
	{ "PATCH", "*, \"7.3\"",       NULL, NULL,                      NULL,    NULL,      ROW,  400 },
	{ "GET",   NULL,               NULL, "\"a\x01\"",               NULL,    NULL,      ROW,  400 },
	{ "GET",   NULL,               NULL, "\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\","
	    "\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"",             NULL,    NULL,      ROW,  400 },
};

START_TEST(test_cond_table)
{
	struct http_target	 t;
	struct http_cond	 c;
	struct http_req		 r;
	char			 env[8][512];
	char			*envp[9];
	const char		*why;
	size_t			 i, n;
	int			 got;

	ck_assert_uint_ge(sizeof(cond_rows) / sizeof(cond_rows[0]), 20);
	for (i = 0; i < sizeof(cond_rows) / sizeof(cond_rows[0]); i++) {
		n = 0;
		snprintf(env[n++], sizeof(env[0]), "REQUEST_METHOD=%s",
		    cond_rows[i].method);
		if (cond_rows[i].if_match != NULL)
			snprintf(env[n++], sizeof(env[0]), "HTTP_IF_MATCH=%s",
			    cond_rows[i].if_match);
		if (cond_rows[i].if_match2 != NULL)
			snprintf(env[n++], sizeof(env[0]), "HTTP_IF_MATCH=%s",
			    cond_rows[i].if_match2);
		if (cond_rows[i].if_none_match != NULL)
			snprintf(env[n++], sizeof(env[0]),
			    "HTTP_IF_NONE_MATCH=%s", cond_rows[i].if_none_match);
		if (cond_rows[i].ius != NULL)
			snprintf(env[n++], sizeof(env[0]),
			    "HTTP_IF_UNMODIFIED_SINCE=%s", cond_rows[i].ius);
		if (cond_rows[i].ims != NULL)
			snprintf(env[n++], sizeof(env[0]),
			    "HTTP_IF_MODIFIED_SINCE=%s", cond_rows[i].ims);
		for (got = 0; (size_t)got < n; got++)
			envp[got] = env[got];
		envp[n] = NULL;
		http_req_init(&r, envp, 10);
		t.exists = cond_rows[i].state != NONE;
		t.etag = cond_rows[i].state == ROW ? "\"7.3\"" : NULL;
		t.modified = cond_rows[i].state == ROW ? T_MOD : -1;
		if (http_cond_parse(&r, &c) != ST_OK) {
			got = 400;
			ck_assert_msg(r.detail[0] != '\0', "row %zu: no detail", i);
		} else if ((got = http_cond_eval(&c, r.method, &t, &why)) == 0)
			got = 200;
		else
			ck_assert_msg(why != NULL, "row %zu: no reason", i);
		ck_assert_msg(got == cond_rows[i].want, "row %zu (%s): %d, "
		    "want %d", i, cond_rows[i].method, got, cond_rows[i].want);
		http_req_cleanup(&r);
	}
}
END_TEST

START_TEST(test_http_dates)
{
	char	 buf[HTTP_DATE_LEN];

	ck_assert_int_eq(http_date_parse(D_T), T_MOD);
	ck_assert_int_eq(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"),
	    784111777);
	ck_assert_int_eq(http_date_parse("Sun Nov  6 08:49:37 1994"),
	    784111777);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"),
	    784111777);
	ck_assert_int_eq(http_date_parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	ck_assert_int_eq(http_date_parse("Tue, 29 Feb 2028 12:00:00 GMT"),
	    1835438400);
	/* Not HTTP-dates. */
	ck_assert_int_eq(http_date_parse(""), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT "), -1);
	ck_assert_int_eq(http_date_parse("Sun, 6 Nov 1994 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 31 Nov 1994 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 29 Feb 2027 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 24:00:00 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Xyz, 06 Nov 1994 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("2026-01-02T03:04:05Z"), -1);
	ck_assert_str_eq(http_date_fmt(784111777, buf, sizeof(buf)),
	    "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_str_eq(http_date_fmt(T_MOD, buf, sizeof(buf)), D_T);
	ck_assert_uint_eq(strlen(buf) + 1, HTTP_DATE_LEN);
}
END_TEST

START_TEST(test_header_lists)
{
	static char	*env[] = {
		E("HTTP_IF_MATCH=\"a\""), E("HTTP_X=1"), E("HTTP_IF_MATCH=\"b\""),
		E("HTTP_IF_MATCH_X=no"), NULL
	};
	struct http_req	 r;
	char		 v[16];

	http_req_init(&r, env, 10);
	ck_assert_int_eq(http_header_count(&r, "If-Match"), 2);
	ck_assert_int_eq(http_header_count(&r, "X"), 1);
	ck_assert_int_eq(http_header_count(&r, "Y"), 0);
	ck_assert_int_eq(http_header_list(&r, "If-Match", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "\"a\", \"b\"");
	ck_assert_int_eq(http_header_list(&r, "If-Match", v, 8), -2);
	ck_assert_int_eq(http_header_list(&r, "Y", v, sizeof(v)), -1);
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_query_strict)
{
	static const char *const known[] = { "status", "limit", "cursor", NULL };
	static const struct {
		const char	*query;
		const char	*detail;	/* NULL: accepted */
	} rows[] = {
		{ "", NULL },
		{ "limit=5", NULL },
		{ "status=todo&limit=5&cursor=abc", NULL },
		{ "cursor=a%2Fb+c", NULL },
		{ "status=%C3%A9", NULL },
		{ "sort=desc", "unknown query parameter 'sort'" },
		{ "limit=5&limit=6", "query parameter 'limit' is repeated" },
		{ "limit=", "query parameter 'limit' has no value" },
		{ "limit", "query parameter 'limit' has no value" },
		{ "limit=5&", "the query string has an empty parameter" },
		{ "&limit=5", "the query string has an empty parameter" },
		{ "limit=5&&status=x", "the query string has an empty parameter" },
		{ "limit=5%00", "query parameter 'limit' holds a control character" },
		{ "status=a%1fb", "query parameter 'status' holds a control character" },
		{ "status=a%7F", "query parameter 'status' holds a control character" },
		{ "status=a\x01", "query parameter 'status' holds a control character" },
		{ "status=%zz", "query parameter 'status' has a malformed percent-encoding" },
		{ "status=%4", "query parameter 'status' has a malformed percent-encoding" },
		{ "status=%", "query parameter 'status' has a malformed percent-encoding" },
		{ "status=%C3", "query parameter 'status' is not valid UTF-8" },
		{ "status=%ED%A0%80", "query parameter 'status' is not valid UTF-8" },
		{ "li%6Dit=5", "unknown query parameter 'li%6Dit'" },
		{ "x\x01y=1", "unknown query parameter 'x?y'" },
	};
	struct http_query	 q;
	struct http_req		 r;
	char			 qs[128], *env[2];
	size_t			 i;
	enum st			 st;

	env[0] = qs;
	env[1] = NULL;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(qs, sizeof(qs), "QUERY_STRING=%s", rows[i].query);
		http_req_init(&r, env, 10);
		st = http_query_parse(&r, known, &q);
		if (rows[i].detail == NULL)
			ck_assert_msg(st == ST_OK, "%s: %s", rows[i].query,
			    r.detail);
		else {
			ck_assert_msg(st == ST_BADREQ, "%s accepted",
			    rows[i].query);
			ck_assert_msg(strncmp(r.detail, rows[i].detail,
			    strlen(rows[i].detail)) == 0, "%s: %s",
			    rows[i].query, r.detail);
		}
		http_req_cleanup(&r);
	}
	/* Values are decoded; '+' is a space, as in forms. */
	snprintf(qs, sizeof(qs), "QUERY_STRING=cursor=a%%2Fb+c&status=%%C3%%A9");
	http_req_init(&r, env, 10);
	ck_assert_int_eq(http_query_parse(&r, known, &q), ST_OK);
	ck_assert_str_eq(http_query_get(&q, "cursor"), "a/b c");
	ck_assert_str_eq(http_query_get(&q, "status"), "\xc3\xa9");
	ck_assert_ptr_null(http_query_get(&q, "limit"));
	http_req_cleanup(&r);
}
END_TEST

START_TEST(test_int_plain)
{
	long long	 v = -1;

	ck_assert_int_eq(http_int_parse("5", 1, 100, &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(http_int_parse("100", 1, 100, &v), 0);
	ck_assert_int_eq(http_int_parse("0", 0, 1, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(http_int_parse("101", 1, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("0", 1, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("+5", 1, 100, &v), -1);
	ck_assert_int_eq(http_int_parse(" 5", 1, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("5 ", 1, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("05", 1, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("-1", -5, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("", 0, 100, &v), -1);
	ck_assert_int_eq(http_int_parse("1e2", 0, 1000, &v), -1);
	ck_assert_int_eq(http_int_parse("9999999999999999999", 0, 100, &v), -1);
}
END_TEST

START_TEST(test_accepts)
{
	static const struct {
		const char	*accept;
		int		 want;
	} rows[] = {
		{ "application/json", 1 },
		{ "application/JSON; charset=utf-8", 1 },
		{ "*/*", 1 },
		{ "application/*", 1 },
		{ "text/html, */*;q=0.1", 1 },
		{ "text/html", 0 },
		{ "text/*", 0 },
		{ "application/xml", 0 },
		{ "application/json;q=0", 0 },
		{ "application/json; q=0.000", 0 },
		{ "application/json;q=0.5", 1 },
		{ "*/*, application/json;q=0", 0 },
		{ "application/*;q=0, application/json", 1 },
		{ "", 0 },
	};
	struct http_req	 r;
	char		 a[128], *env[2];
	size_t		 i;

	http_req_init(&r, NULL, 10);
	ck_assert_int_eq(http_accepts(&r, "application/json"), 1);
	http_req_cleanup(&r);
	env[0] = a;
	env[1] = NULL;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(a, sizeof(a), "HTTP_ACCEPT=%s", rows[i].accept);
		http_req_init(&r, env, 10);
		ck_assert_msg(http_accepts(&r, "application/json") ==
		    rows[i].want, "Accept: %s", rows[i].accept);
		http_req_cleanup(&r);
	}
}
END_TEST

/* The http and problem suite: one test case per behaviour. */
static Suite *
problem_suite(void)
{
	const struct {
		const char	*name;
		const TTest	*test;
	} cases[] = {
		{ "req_init", test_req_init },
		{ "req_defaults", test_req_defaults },
		{ "request_id_hostile", test_request_id_hostile },
		{ "request_id_sources", test_request_id_sources },
		{ "path_too_long", test_path_too_long },
		{ "headers_in", test_headers_in },
		{ "fail", test_fail },
		{ "problem_badreq", test_problem_badreq },
		{ "problem_no_detail", test_problem_no_detail },
		{ "problem_405_allow", test_problem_405_allow },
		{ "problem_503_retry", test_problem_503_retry },
		{ "problem_unlogged", test_problem_unlogged },
		{ "problem_401_auth", test_problem_401_auth },
		{ "problem_500_no_leak", test_problem_500_no_leak },
		{ "problem_hostile_detail", test_problem_hostile_detail },
		{ "problem_replaces", test_problem_replaces },
		{ "render_200", test_render_200 },
		{ "render_binary_body", test_render_binary_body },
		{ "render_head", test_render_head },
		{ "render_204_304", test_render_204_304 },
		{ "render_unset", test_render_unset },
		{ "reply_json", test_reply_json },
		{ "set_header_cap", test_set_header_cap },
		{ "set_header_crlf", test_set_header_crlf },
		{ "cond_table", test_cond_table },
		{ "http_dates", test_http_dates },
		{ "header_lists", test_header_lists },
		{ "query_strict", test_query_strict },
		{ "int_plain", test_int_plain },
		{ "accepts", test_accepts },
	};
	Suite	*s = suite_create("problem");
	TCase	*tc;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc = tcase_create(cases[i].name);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return (s);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, problem_suite());
}

const struct unit unit = { "check_problem", NULL, NULL, add_suites };
