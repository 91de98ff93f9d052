/*
 * check_router.c: unit tests for lib/router.c, the segment-wise route
 * matcher: literal and parameter matching, router_param() bounds, the rules
 * for slashes and empty segments, table order, 405 detection with its Allow
 * text, HEAD served by GET, and hostile paths (very long, too many
 * parameters).
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "router.h"
#include "unit.h"

/* A handler that is never run: the router only hands routes back. */
static enum st
h_none(struct http_req *r)
{
	(void)r;
	return (ST_INTERNAL);
}

/* A table shaped like the API's: literal routes before the ones they shadow. */
static const struct route tbl[] = {
	{ "GET",	"/",				h_none, NULL, "root", NULL },
	{ "GET",	"/v1/health",			h_none, NULL, "health", NULL },
	{ "GET",	"/v1/tasks",			h_none, "r", "list", NULL },
	{ "POST",	"/v1/tasks",			h_none, "w", "create", NULL },
	{ "GET",	"/v1/tasks/stats",		h_none, "r", "stats", NULL },
	{ "GET",	"/v1/tasks/{id}",		h_none, "r", "get", NULL },
	{ "PATCH",	"/v1/tasks/{id}",		h_none, "w", "patch", NULL },
	{ "DELETE",	"/v1/tasks/{id}",		h_none, "w", "delete", NULL },
	{ "POST",	"/v1/jobs",			h_none, "w", "job", NULL },
	{ "GET",	"/v1/projects/{pid}/tasks/{tid}", h_none, "r", "ptask", NULL },
	{ "GET",	"/v1/tasks/{id}",		h_none, "r", "shadowed", NULL },
};
#define NTBL	(sizeof(tbl) / sizeof(tbl[0]))

/* Runs router_match on tbl with a full-size Allow buffer. */
static enum router_result
match(const char *method, const char *path, struct router_match *m,
    char *allow)
{
	return (router_match(tbl, NTBL, method, path, m, allow, 64));
}

START_TEST(test_literal)
{
	struct router_match	 m;
	char			 allow[64];

	ck_assert_int_eq(match("GET", "/v1/health", &m, allow), ROUTER_FOUND);
	ck_assert_ptr_eq(m.route, &tbl[1]);
	ck_assert_uint_eq(m.nparams, 0);
	ck_assert_str_eq(allow, "");

	ck_assert_int_eq(match("GET", "/", &m, allow), ROUTER_FOUND);
	ck_assert_str_eq(m.route->name, "root");

	ck_assert_int_eq(match("POST", "/v1/tasks", &m, allow), ROUTER_FOUND);
	ck_assert_str_eq(m.route->name, "create");
	ck_assert_str_eq(m.route->scope, "w");
}
END_TEST

START_TEST(test_param_capture)
{
	struct router_match	 m;
	char			 allow[64], v[16];

	ck_assert_int_eq(match("GET", "/v1/tasks/42", &m, allow),
	    ROUTER_FOUND);
	ck_assert_str_eq(m.route->name, "get");
	ck_assert_uint_eq(m.nparams, 1);
	ck_assert_uint_eq(m.params[0].namelen, 2);
	ck_assert_int_eq(strncmp(m.params[0].name, "id", 2), 0);
	ck_assert_uint_eq(m.params[0].valuelen, 2);
	ck_assert_int_eq(strncmp(m.params[0].value, "42", 2), 0);

	ck_assert_int_eq(router_param(&m, "id", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "42");
	/* Exactly enough room for "42" and its NUL. */
	ck_assert_int_eq(router_param(&m, "id", v, 3), 0);
	ck_assert_str_eq(v, "42");

	/* Raw, undecoded bytes are handed over as they are. */
	ck_assert_int_eq(match("PATCH", "/v1/tasks/a%2Fb.c", &m, allow),
	    ROUTER_FOUND);
	ck_assert_str_eq(m.route->name, "patch");
	ck_assert_int_eq(router_param(&m, "id", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "a%2Fb.c");
}
END_TEST

START_TEST(test_param_small_buffer)
{
	struct router_match	 m;
	char			 allow[64], v[8];

	ck_assert_int_eq(match("GET", "/v1/tasks/12345678", &m, allow),
	    ROUTER_FOUND);
	memset(v, 'Z', sizeof(v));
	ck_assert_int_eq(router_param(&m, "id", v, sizeof(v)), -1);
	/* Nothing is written on failure. */
	ck_assert_int_eq(v[0], 'Z');
	ck_assert_int_eq(v[7], 'Z');
	ck_assert_int_eq(router_param(&m, "id", v, 0), -1);
	ck_assert_int_eq(router_param(&m, "id", v, 1), -1);
}
END_TEST

START_TEST(test_param_absent)
{
	struct router_match	 m;
	char			 allow[64], v[16];

	ck_assert_int_eq(match("GET", "/v1/tasks/42", &m, allow),
	    ROUTER_FOUND);
	ck_assert_int_eq(router_param(&m, "x", v, sizeof(v)), -1);
	/* A prefix or an extension of a name is another name. */
	ck_assert_int_eq(router_param(&m, "i", v, sizeof(v)), -1);
	ck_assert_int_eq(router_param(&m, "idx", v, sizeof(v)), -1);
	ck_assert_int_eq(router_param(&m, "", v, sizeof(v)), -1);
	ck_assert_int_eq(router_param(&m, "{id}", v, sizeof(v)), -1);

	/* A literal route has no parameters at all. */
	ck_assert_int_eq(match("GET", "/v1/health", &m, allow), ROUTER_FOUND);
	ck_assert_int_eq(router_param(&m, "id", v, sizeof(v)), -1);
}
END_TEST

START_TEST(test_multiple_params)
{
	struct router_match	 m;
	char			 allow[64], v[16];

	ck_assert_int_eq(match("GET", "/v1/projects/p-1/tasks/t_9", &m, allow),
	    ROUTER_FOUND);
	ck_assert_str_eq(m.route->name, "ptask");
	ck_assert_uint_eq(m.nparams, 2);
	ck_assert_int_eq(router_param(&m, "pid", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "p-1");
	ck_assert_int_eq(router_param(&m, "tid", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "t_9");

	/* One segment short or one too many: no match. */
	ck_assert_int_eq(match("GET", "/v1/projects/p-1/tasks", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/projects/p-1/tasks/t/x", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/projects/p-1/bugs/t", &m, allow),
	    ROUTER_NOTFOUND);
}
END_TEST

START_TEST(test_trailing_slash)
{
	struct router_match	 m;
	char			 allow[64];

	ck_assert_int_eq(match("GET", "/v1/health/", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_ptr_null(m.route);
	ck_assert_int_eq(match("GET", "/v1/tasks/42/", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/tasks/stats/", &m, allow),
	    ROUTER_NOTFOUND);
}
END_TEST

START_TEST(test_empty_segment)
{
	struct router_match	 m;
	char			 allow[64];

	/* "/v1/tasks/" must not match "/v1/tasks/{id}" with an empty id. */
	ck_assert_int_eq(match("GET", "/v1/tasks/", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_uint_eq(m.nparams, 0);
	ck_assert_int_eq(match("DELETE", "/v1/tasks/", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_str_eq(allow, "");
	ck_assert_int_eq(match("GET", "/v1/projects//tasks/1", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/projects/1/tasks/", &m, allow),
	    ROUTER_NOTFOUND);
}
END_TEST

START_TEST(test_double_slash)
{
	struct router_match	 m;
	char			 allow[64];

	ck_assert_int_eq(match("GET", "//", &m, allow), ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "//v1/health", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1//health", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/tasks//42", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/health//", &m, allow),
	    ROUTER_NOTFOUND);
	/* No leading slash, or no path at all. */
	ck_assert_int_eq(match("GET", "v1/health", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "", &m, allow), ROUTER_NOTFOUND);
}
END_TEST

START_TEST(test_first_match_wins)
{
	struct router_match	 m;
	char			 allow[64];

	/* The literal row comes before the {id} row that would shadow it. */
	ck_assert_int_eq(match("GET", "/v1/tasks/stats", &m, allow),
	    ROUTER_FOUND);
	ck_assert_ptr_eq(m.route, &tbl[4]);
	ck_assert_uint_eq(m.nparams, 0);
	/* Two rows with the same method and pattern: the first one. */
	ck_assert_int_eq(match("GET", "/v1/tasks/7", &m, allow), ROUTER_FOUND);
	ck_assert_ptr_eq(m.route, &tbl[5]);
	ck_assert_str_eq(m.route->name, "get");
}
END_TEST

START_TEST(test_method_allow)
{
	struct router_match	 m;
	char			 allow[64];

	ck_assert_int_eq(match("DELETE", "/v1/tasks", &m, allow),
	    ROUTER_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, POST");
	ck_assert_ptr_null(m.route);
	ck_assert_uint_eq(m.nparams, 0);

	/* GET appears twice for {id} (rows 5 and 10): listed once. */
	ck_assert_int_eq(match("PUT", "/v1/tasks/42", &m, allow),
	    ROUTER_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, PATCH, DELETE");

	ck_assert_int_eq(match("GET", "/v1/jobs", &m, allow), ROUTER_METHOD);
	ck_assert_str_eq(allow, "POST");
}
END_TEST

START_TEST(test_allow_no_duplicates)
{
	static const struct route t[] = {
		{ "HEAD",	"/x", h_none, NULL, "h", NULL },
		{ "GET",	"/x", h_none, NULL, "g", NULL },
		{ "POST",	"/x", h_none, NULL, "p", NULL },
		{ "GET",	"/x", h_none, NULL, "g2", NULL },
		{ "POST",	"/x", h_none, NULL, "p2", NULL },
		{ "OPTIONSX",	"/x", h_none, NULL, "o", NULL },
		{ "OPTIONS",	"/x", h_none, NULL, "o2", NULL },
	};
	struct router_match	 m;
	char			 allow[64];

	ck_assert_int_eq(router_match(t, 7, "PUT", "/x", &m, allow,
	    sizeof(allow)), ROUTER_METHOD);
	/* "OPTIONS" is a prefix of "OPTIONSX" but a method of its own. */
	ck_assert_str_eq(allow, "HEAD, GET, POST, OPTIONSX, OPTIONS");
}
END_TEST

START_TEST(test_allow_small_buffer)
{
	struct router_match	 m;
	char			 allow[64];

	/* Methods that do not fit whole are left out, never cut. */
	memset(allow, 'Z', sizeof(allow));
	ck_assert_int_eq(router_match(tbl, NTBL, "PUT", "/v1/tasks", &m,
	    allow, 10), ROUTER_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD");
	ck_assert_int_eq(allow[10], 'Z');

	ck_assert_int_eq(router_match(tbl, NTBL, "PUT", "/v1/tasks", &m,
	    allow, 9), ROUTER_METHOD);
	ck_assert_str_eq(allow, "GET");

	ck_assert_int_eq(router_match(tbl, NTBL, "PUT", "/v1/tasks", &m,
	    allow, 1), ROUTER_METHOD);
	ck_assert_str_eq(allow, "");

	/* allowlen 0: the buffer is not touched at all. */
	memset(allow, 'Z', sizeof(allow));
	ck_assert_int_eq(router_match(tbl, NTBL, "PUT", "/v1/tasks", &m,
	    allow, 0), ROUTER_METHOD);
	ck_assert_int_eq(allow[0], 'Z');
}
END_TEST

START_TEST(test_head_by_get)
{
	struct router_match	 m;
	char			 allow[64], v[8];

	ck_assert_int_eq(match("HEAD", "/v1/tasks/9", &m, allow),
	    ROUTER_FOUND);
	ck_assert_str_eq(m.route->method, "GET");
	ck_assert_str_eq(m.route->name, "get");
	ck_assert_int_eq(router_param(&m, "id", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "9");

	/* A POST-only path does not serve HEAD. */
	ck_assert_int_eq(match("HEAD", "/v1/jobs", &m, allow), ROUTER_METHOD);
	ck_assert_str_eq(allow, "POST");
}
END_TEST

START_TEST(test_unknown_method)
{
	struct router_match	 m;
	char			 allow[64];

	ck_assert_int_eq(match("BREW", "/v1/health", &m, allow),
	    ROUTER_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD");
	/* Methods are case-sensitive (RFC 9110 section 9.1). */
	ck_assert_int_eq(match("get", "/v1/health", &m, allow),
	    ROUTER_METHOD);
	ck_assert_int_eq(match("", "/v1/health", &m, allow), ROUTER_METHOD);
	ck_assert_int_eq(match("GET ", "/v1/health", &m, allow),
	    ROUTER_METHOD);
}
END_TEST

START_TEST(test_not_found)
{
	struct router_match	 m;
	char			 allow[64];

	/* A previous match is forgotten. */
	ck_assert_int_eq(match("GET", "/v1/tasks/1", &m, allow), ROUTER_FOUND);
	strcpy(allow, "junk");
	ck_assert_int_eq(match("GET", "/v2/tasks", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_ptr_null(m.route);
	ck_assert_uint_eq(m.nparams, 0);
	ck_assert_str_eq(allow, "");
	ck_assert_int_eq(match("GET", "/v1/healthz", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/v1/healt", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(match("GET", "/V1/health", &m, allow),
	    ROUTER_NOTFOUND);
	ck_assert_int_eq(router_match(tbl, 0, "GET", "/", &m, allow,
	    sizeof(allow)), ROUTER_NOTFOUND);
}
END_TEST

START_TEST(test_long_path)
{
	struct router_match	 m;
	char			 allow[64], v[16], *p;
	size_t			 n = 100000, i;

	p = malloc(n + 1);
	ck_assert_ptr_nonnull(p);
	/* 50,000 tiny segments. */
	for (i = 0; i < n; i += 2) {
		p[i] = '/';
		p[i + 1] = 'a';
	}
	p[n] = '\0';
	ck_assert_int_eq(match("GET", p, &m, allow), ROUTER_NOTFOUND);

	/* One huge segment where {id} is expected. */
	memcpy(p, "/v1/tasks/", 10);
	memset(p + 10, 'x', n - 10);
	ck_assert_int_eq(match("GET", p, &m, allow), ROUTER_FOUND);
	ck_assert_uint_eq(m.params[0].valuelen, n - 10);
	ck_assert_int_eq(router_param(&m, "id", v, sizeof(v)), -1);

	/* One huge segment where a literal is expected. */
	memset(p + 4, 'x', n - 4);
	ck_assert_int_eq(match("GET", p, &m, allow), ROUTER_NOTFOUND);
	free(p);
}
END_TEST

START_TEST(test_too_many_params)
{
	static const struct route t[] = {
		{ "GET", "/{a}/{b}/{c}/{d}/{e}", h_none, NULL, "five", NULL },
		{ "GET", "/{a}/{b}/{c}/{d}", h_none, NULL, "four", NULL },
	};
	struct router_match	 m;
	char			 allow[64], v[8];

	ck_assert_int_eq(ROUTER_MAX_PARAMS, 4);
	/* A pattern with more parameters than fit never matches. */
	ck_assert_int_eq(router_match(t, 2, "GET", "/1/2/3/4/5", &m, allow,
	    sizeof(allow)), ROUTER_NOTFOUND);
	ck_assert_ptr_null(m.route);

	ck_assert_int_eq(router_match(t, 2, "GET", "/1/2/3/4", &m, allow,
	    sizeof(allow)), ROUTER_FOUND);
	ck_assert_str_eq(m.route->name, "four");
	ck_assert_uint_eq(m.nparams, ROUTER_MAX_PARAMS);
	ck_assert_int_eq(router_param(&m, "a", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(router_param(&m, "d", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "4");
	ck_assert_int_eq(router_param(&m, "e", v, sizeof(v)), -1);
}
END_TEST

/* The router suite: one test case per behaviour. */
static Suite *
router_suite(void)
{
	const struct {
		const char	*name;
		const TTest	*test;
	} cases[] = {
		{ "literal", test_literal },
		{ "param_capture", test_param_capture },
		{ "param_small_buffer", test_param_small_buffer },
		{ "param_absent", test_param_absent },
		{ "multiple_params", test_multiple_params },
		{ "trailing_slash", test_trailing_slash },
		{ "empty_segment", test_empty_segment },
		{ "double_slash", test_double_slash },
		{ "first_match_wins", test_first_match_wins },
		{ "method_allow", test_method_allow },
		{ "allow_no_duplicates", test_allow_no_duplicates },
		{ "allow_small_buffer", test_allow_small_buffer },
		{ "head_by_get", test_head_by_get },
		{ "unknown_method", test_unknown_method },
		{ "not_found", test_not_found },
		{ "long_path", test_long_path },
		{ "too_many_params", test_too_many_params },
	};
	Suite	*s = suite_create("router");
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
	srunner_add_suite(sr, router_suite());
}

const struct unit unit = { "check_router", NULL, NULL, add_suites };
