/*
 * check_jsonutil.c: unit tests for lib/jsonutil.c, the bounded JSON input
 * layer: jsonutil_parse() (one value, strict, valid UTF-8, depth cap,
 * hostile bodies), jsonutil_check() against a field table (unknown,
 * required, partial, types, lengths in characters, enums, dates, null),
 * jsonutil_utf8_chars() vectors and error texts cut to a small buffer.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "buf.h"
#include "jsonutil.h"
#include "unit.h"

static const struct jsonutil_field fields[] = {
	{ "title",	JSONUTIL_STRING, 1, 0, 1, 200, NULL },
	{ "note",	JSONUTIL_STRING, 0, 1, 0, 10, NULL },
	{ "n",		JSONUTIL_INT,	 0, 0, -5, 1000, NULL },
	{ "ok",		JSONUTIL_BOOL,	 0, 0, 0, 0, NULL },
	{ "state",	JSONUTIL_ENUM,	 0, 0, 0, 0, "todo|doing|done" },
	{ "due",	JSONUTIL_DATE,	 0, 1, 0, 0, NULL },
	{ NULL,		JSONUTIL_STRING, 0, 0, 0, 0, NULL },
};

/* Parses a C string; the result must be ST_OK. Caller puts. */
static json_object *
parse_ok(const char *text)
{
	json_object	*o = NULL;
	char		 err[256] = "";

	ck_assert_msg(jsonutil_parse(text, strlen(text), JSONUTIL_MAX_DEPTH,
	    &o, err, sizeof(err)) == ST_OK, "'%s': %s", text, err);
	return (o);
}

/* Parses len bytes that must be refused with exactly the error want. */
static void
parse_bad(const char *text, size_t len, const char *want)
{
	json_object	*o = (json_object *)&o;	/* must be reset to NULL */
	char		 err[256] = "";

	ck_assert_int_eq(jsonutil_parse(text, len, JSONUTIL_MAX_DEPTH, &o,
	    err, sizeof(err)), ST_BADREQ);
	ck_assert_ptr_null(o);
	ck_assert_str_eq(err, want);
}

/* Parses then checks text against fields; returns the check's status. */
static enum st
check_text(const char *text, int partial, char *err, size_t errlen)
{
	json_object	*o;
	enum st		 st;

	o = parse_ok(text);
	st = jsonutil_check(o, fields, partial, err, errlen);
	json_object_put(o);
	return (st);
}

/* The check of text must fail with exactly the error want. */
static void
check_bad(const char *text, int partial, const char *want)
{
	char	 err[256] = "";

	ck_assert_msg(check_text(text, partial, err, sizeof(err)) == ST_BADREQ,
	    "'%s' was accepted", text);
	ck_assert_str_eq(err, want);
}

/* The check of text must pass. */
static void
check_good(const char *text, int partial)
{
	char	 err[256] = "";

	ck_assert_msg(check_text(text, partial, err, sizeof(err)) == ST_OK,
	    "'%s': %s", text, err);
}

/* n nested arrays around leaf ("" or "1"). Caller frees. */
static char *
nest_arrays(int n, const char *leaf)
{
	char	*s;
	int	 i;

	s = malloc((size_t)n * 2 + strlen(leaf) + 1);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		s[i] = '[';
	strcpy(s + n, leaf);
	for (i = 0; i < n; i++)
		s[n + (int)strlen(leaf) + i] = ']';
	s[2 * n + (int)strlen(leaf)] = '\0';
	return (s);
}

START_TEST(test_parse_valid)
{
	json_object	*o, *v;

	o = parse_ok("{\"title\":\"x\",\"n\":-3,\"ok\":true,\"tags\":[\"a\",1],"
	    "\"sub\":{\"k\":null},\"f\":1.5e3,\"u\":\"\\u00e9\\ud83d\\ude00\"}");
	ck_assert(json_object_is_type(o, json_type_object));
	ck_assert_int_eq(json_object_object_length(o), 7);
	ck_assert_str_eq(jsonutil_get_str(o, "title"), "x");
	ck_assert(json_object_object_get_ex(o, "n", &v));
	ck_assert_int_eq(json_object_get_int64(v), -3);
	ck_assert(json_object_object_get_ex(o, "tags", &v));
	ck_assert_uint_eq(json_object_array_length(v), 2);
	ck_assert_str_eq(jsonutil_get_str(o, "u"), "\xc3\xa9\xf0\x9f\x98\x80");
	json_object_put(o);

	/* Only len bytes are read: no NUL terminator is needed. */
	ck_assert_int_eq(jsonutil_parse("{}garbage", 2, 32, &o, NULL, 0),
	    ST_OK);
	ck_assert(json_object_is_type(o, json_type_object));
	json_object_put(o);
}
END_TEST

START_TEST(test_parse_scalars)
{
	json_object	*o;
	char		 err[64];

	/* One JSON value, not only objects (RFC 8259 section 2). */
	o = parse_ok("1");
	ck_assert(json_object_is_type(o, json_type_int));
	ck_assert_int_eq(json_object_get_int64(o), 1);
	json_object_put(o);
	o = parse_ok("-12");
	ck_assert_int_eq(json_object_get_int64(o), -12);
	json_object_put(o);
	o = parse_ok("1.5");
	ck_assert(json_object_is_type(o, json_type_double));
	json_object_put(o);
	o = parse_ok("true");
	ck_assert(json_object_is_type(o, json_type_boolean));
	ck_assert(json_object_get_boolean(o));
	json_object_put(o);
	o = parse_ok("false ");
	ck_assert(json_object_is_type(o, json_type_boolean));
	json_object_put(o);
	o = parse_ok("\"s\"");
	ck_assert_str_eq(json_object_get_string(o), "s");
	json_object_put(o);
	o = parse_ok("[]");
	ck_assert(json_object_is_type(o, json_type_array));
	json_object_put(o);
	/* json-c's null is the NULL object. */
	o = parse_ok("null");
	ck_assert_ptr_null(o);
	ck_assert_int_eq(jsonutil_check(o, fields, 0, err, sizeof(err)),
	    ST_BADREQ);
	ck_assert_str_eq(err, "the body must be a JSON object");
}
END_TEST

START_TEST(test_parse_empty)
{
	parse_bad("", 0, "the body is empty, a JSON document was expected");
	parse_bad("{}", 0, "the body is empty, a JSON document was expected");
	parse_bad(" ", 1, "malformed JSON: the document ends too early");
	parse_bad(" \t\r\n ", 5, "malformed JSON: the document ends too early");
	/* Form feed and vertical tab are not JSON whitespace. */
	parse_bad("\f{}", 3, "malformed JSON at byte 0: unexpected character");
	parse_bad("{}\v", 3, "malformed JSON at byte 2: unexpected character");
}
END_TEST

START_TEST(test_parse_trailing)
{
	json_object	*o;

	parse_bad("{}x", 3, "malformed JSON at byte 2: unexpected character");
	parse_bad("{} {}", 5, "malformed JSON at byte 3: unexpected character");
	parse_bad("{}{}", 4, "malformed JSON at byte 2: unexpected character");
	parse_bad("{}}", 3, "malformed JSON at byte 2: unexpected character");
	parse_bad("[1]2", 4, "malformed JSON at byte 3: unexpected character");
	parse_bad("1 2", 3, "malformed JSON at byte 2: unexpected character");

	o = parse_ok("{} \r\n\t ");
	ck_assert(json_object_is_type(o, json_type_object));
	json_object_put(o);
	o = parse_ok(" \n {\"a\" : [ 1 , 2 ] } \n");
	ck_assert_int_eq(json_object_object_length(o), 1);
	json_object_put(o);
}
END_TEST

START_TEST(test_parse_truncated)
{
	static const char *const cut[] = {
		"{", "{\"a\"", "{\"a\":", "{\"a\":\"x", "{\"a\":1", "{\"a\":1,",
		"[1,", "[", "tru", "nul", "\"abc", "-", "{\"a\":\"\\u00",
	};
	size_t	 i;

	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		parse_bad(cut[i], strlen(cut[i]),
		    "malformed JSON: the document ends too early");
}
END_TEST

START_TEST(test_parse_depth)
{
	json_object	*o;
	char		*s, err[128];
	size_t		 i;

	/*
	 * json-c counts every value on its stack, the leaf included:
	 * JSONUTIL_MAX_DEPTH empty arrays fit, one more does not; around a
	 * scalar leaf, one array fewer fits.
	 */
	s = nest_arrays(JSONUTIL_MAX_DEPTH, "");
	o = parse_ok(s);
	ck_assert(json_object_is_type(o, json_type_array));
	json_object_put(o);
	free(s);

	s = nest_arrays(JSONUTIL_MAX_DEPTH + 1, "");
	parse_bad(s, strlen(s), "malformed JSON: nested deeper than 32 levels");
	free(s);

	s = nest_arrays(JSONUTIL_MAX_DEPTH - 1, "1");
	o = parse_ok(s);
	json_object_put(o);
	free(s);

	s = nest_arrays(JSONUTIL_MAX_DEPTH, "1");
	parse_bad(s, strlen(s), "malformed JSON: nested deeper than 32 levels");
	free(s);

	/* Objects count the same way: {"a":{"a":...{}}} with 32 objects. */
	s = malloc(JSONUTIL_MAX_DEPTH * 6 + 8);
	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (i = 0; i < JSONUTIL_MAX_DEPTH - 1; i++)
		strcat(s, "{\"a\":");
	strcat(s, "{}");
	for (i = 0; i < JSONUTIL_MAX_DEPTH - 1; i++)
		strcat(s, "}");
	o = parse_ok(s);
	json_object_put(o);
	memmove(s + 5, s, strlen(s) + 1);
	memcpy(s, "{\"a\":", 5);
	strcat(s, "}");
	parse_bad(s, strlen(s), "malformed JSON: nested deeper than 32 levels");
	free(s);

	/* The cap is the caller's: depth 2 takes [[]] but not [[[]]]. */
	ck_assert_int_eq(jsonutil_parse("[[]]", 4, 2, &o, err, sizeof(err)),
	    ST_OK);
	json_object_put(o);
	ck_assert_int_eq(jsonutil_parse("[[[]]]", 6, 2, &o, err, sizeof(err)),
	    ST_BADREQ);
	ck_assert_str_eq(err, "malformed JSON: nested deeper than 2 levels");

	/* A deep hostile body is refused without trouble. */
	s = nest_arrays(100000, "");
	parse_bad(s, strlen(s), "malformed JSON: nested deeper than 32 levels");
	free(s);
}
END_TEST

START_TEST(test_parse_nul)
{
	static const char a[] = "{\"a\":\"x\0y\"}";
	static const char b[] = "{}\0";
	static const char c[] = "\0{}";

	parse_bad(a, sizeof(a) - 1, "the body holds a NUL byte");
	parse_bad(b, sizeof(b) - 1, "the body holds a NUL byte");
	parse_bad(c, sizeof(c) - 1, "the body holds a NUL byte");
}
END_TEST

START_TEST(test_parse_bad_utf8)
{
	static const char *const bad[] = {
		"{\"a\":\"\xff\"}",			/* never in UTF-8 */
		"{\"a\":\"\xfe\xff\"}",
		"{\"a\":\"\x80\"}",			/* lone continuation */
		"{\"a\":\"\xc3\"}",			/* cut sequence */
		"{\"a\":\"\xe2\x82\"}",
		"{\"\xff\":1}",				/* in a name */
		"\xef\xbb\xbf{}",			/* a BOM is no JSON */
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (i == 6)
			continue;
		parse_bad(bad[i], strlen(bad[i]), "the body is not valid UTF-8");
	}
	/* The BOM is valid UTF-8 but not a JSON token (RFC 8259 8.1). */
	parse_bad(bad[6], strlen(bad[6]),
	    "malformed JSON at byte 0: unexpected character");
}
END_TEST

START_TEST(test_parse_overlong_surrogate)
{
	static const char *const bad[] = {
		"{\"a\":\"\xc0\xaf\"}",			/* overlong '/' */
		"{\"a\":\"\xc1\xbf\"}",
		"{\"a\":\"\xe0\x80\xaf\"}",
		"{\"a\":\"\xe0\x9f\xbf\"}",
		"{\"a\":\"\xf0\x80\x80\xaf\"}",
		"{\"a\":\"\xf0\x8f\xbf\xbf\"}",
		"{\"a\":\"\xed\xa0\x80\"}",		/* U+D800 */
		"{\"a\":\"\xed\xbf\xbf\"}",		/* U+DFFF */
		"{\"\xed\xa0\x80\":1}",
		"{\"a\":\"\xf4\x90\x80\x80\"}",		/* past U+10FFFF */
		"{\"a\":\"\xf5\x80\x80\x80\"}",
	};
	json_object	*o;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i], strlen(bad[i]), "the body is not valid UTF-8");

	/* The edges just inside are fine. */
	o = parse_ok("[\"\xed\x9f\xbf\",\"\xee\x80\x80\",\"\xf4\x8f\xbf\xbf\","
	    "\"\xe0\xa0\x80\",\"\xf0\x90\x80\x80\",\"\xc2\x80\"]");
	ck_assert_uint_eq(json_object_array_length(o), 6);
	json_object_put(o);

	/*
	 * An escaped lone surrogate: json-c would put U+FFFD in its place
	 * without a word; refused instead, at the escape.
	 */
	parse_bad("{\"a\":\"\\ud800\"}", 14,
	    "malformed JSON at byte 6: a lone high surrogate escape");
	parse_bad("{\"a\":\"x\\udc00x\"}", 16,
	    "malformed JSON at byte 7: a lone low surrogate escape");
	parse_bad("{\"a\":\"\\ud83d\\u0041\"}", 20,
	    "malformed JSON at byte 6: a lone high surrogate escape");
	parse_bad("{\"a\":\"\\ud83d\"}", 14,
	    "malformed JSON at byte 6: a lone high surrogate escape");
	parse_bad("{\"\\uDFFF\":1}", 12,
	    "malformed JSON at byte 2: a lone low surrogate escape");
	/* A pair is one character; an escaped backslash is no escape. */
	o = parse_ok("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\\\ud800\"}");
	ck_assert_str_eq(jsonutil_get_str(o, "a"), "\xf0\x9f\x98\x80");
	ck_assert_str_eq(jsonutil_get_str(o, "b"), "\\ud800");
	json_object_put(o);
}
END_TEST

START_TEST(test_parse_nul_name)
{
	json_object	*o;

	/* json-c would cut the name at the NUL: "title\u0000x" is "title". */
	parse_bad("{\"title\\u0000x\":\"t\"}", 20,
	    "malformed JSON at byte 1: a member name holding \\u0000");
	parse_bad("{\"a\":{\"\\u0000\" :1}}", 19,
	    "malformed JSON at byte 6: a member name holding \\u0000");
	/* In a value it parses (JSON allows it); the field check refuses it. */
	o = parse_ok("{\"a\":\"x\\u0000\",\"b\":\"\\\\u0000\"}");
	ck_assert_int_eq(json_object_get_string_len(json_object_object_get(o,
	    "a")), 2);
	json_object_put(o);
}
END_TEST

START_TEST(test_parse_not_json)
{
	/* What json-c's strict mode still takes, and RFC 8259 does not. */
	parse_bad("{\"a\":NaN}", 9,
	    "malformed JSON at byte 5: unexpected character");
	parse_bad("{\"a\":Infinity}", 14,
	    "malformed JSON at byte 5: unexpected character");
	parse_bad("{\"a\":-Infinity}", 15,
	    "malformed JSON at byte 6: unexpected character");
	parse_bad("{'a':1}", 7, "malformed JSON at byte 1: unexpected character");
	parse_bad("{\"a\":\"x\x01y\"}", 11,
	    "malformed JSON at byte 7: a control character in a string");
	parse_bad("{\"a\":\"x\ty\"}", 11,
	    "malformed JSON at byte 7: a control character in a string");
	parse_bad("{\"a\":\"x\ny\"}", 11,
	    "malformed JSON at byte 7: a control character in a string");
	/* And what json-c refuses itself. */
	parse_bad("{\"a\":1,}", 8, "malformed JSON at byte 7: unexpected "
	    "character");
	parse_bad("{/*c*/}", 7, "malformed JSON at byte 1: unexpected character");
	parse_bad("{a:1}", 5, "malformed JSON at byte 1: quoted object "
	    "property name expected");
	parse_bad("{\"a\":\"\\x41\"}", 12, "malformed JSON at byte 7: invalid "
	    "string sequence");
	parse_bad("{\"a\":True}", 10, "malformed JSON at byte 5: unexpected "
	    "character");
	parse_bad("{\"a\":tRue}", 10, "malformed JSON at byte 6: unexpected "
	    "character");
	parse_bad("{\"a\":+1}", 8, "malformed JSON at byte 5: unexpected "
	    "character");
}
END_TEST

START_TEST(test_parse_escapes_in_strings)
{
	json_object	*o;

	/* Escaped quotes and backslashes do not end the string early. */
	o = parse_ok("{\"a\":\"q\\\"{'x'}\\\\\",\"b\":\"\\n\\t\\u0001/\\/\"}");
	ck_assert_str_eq(jsonutil_get_str(o, "a"), "q\"{'x'}\\");
	ck_assert_str_eq(jsonutil_get_str(o, "b"), "\n\t\x01//");
	json_object_put(o);
}
END_TEST

START_TEST(test_parse_big_numbers)
{
	json_object	*o, *v;
	char		 err[128];

	/* json-c saturates integers that do not fit 64 bits... */
	o = parse_ok("{\"n\":99999999999999999999,\"m\":-99999999999999999999}");
	ck_assert(json_object_object_get_ex(o, "n", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int64(v), INT64_MAX);
	ck_assert(json_object_object_get_ex(o, "m", &v));
	ck_assert_int_eq(json_object_get_int64(v), INT64_MIN);
	json_object_put(o);

	/* ...so a bounded field refuses them. */
	check_bad("{\"title\":\"t\",\"n\":99999999999999999999}", 0,
	    "field 'n' must be within -5..1000");
	check_bad("{\"title\":\"t\",\"n\":-99999999999999999999}", 0,
	    "field 'n' must be within -5..1000");
	check_bad("{\"title\":\"t\",\"n\":1e400}", 0,
	    "field 'n' must be an integer");
	check_bad("{\"title\":\"t\",\"n\":1.0}", 0,
	    "field 'n' must be an integer");
	check_good("{\"title\":\"t\",\"n\":1000}", 0);
	check_good("{\"title\":\"t\",\"n\":-5}", 0);
	check_bad("{\"title\":\"t\",\"n\":1001}", 0,
	    "field 'n' must be within -5..1000");
	check_bad("{\"title\":\"t\",\"n\":-6}", 0,
	    "field 'n' must be within -5..1000");

	/* A 1 MB number is just a number. */
	{
		size_t	 len = 1 << 20;
		char	*s = malloc(len + 1);

		ck_assert_ptr_nonnull(s);
		memset(s, '9', len);
		s[len] = '\0';
		ck_assert_int_eq(jsonutil_parse(s, len, 32, &o, err,
		    sizeof(err)), ST_OK);
		ck_assert_int_eq(json_object_get_int64(o), INT64_MAX);
		json_object_put(o);
		free(s);
	}
}
END_TEST

START_TEST(test_duplicate_keys)
{
	json_object	*o, *v;

	/* Documented behaviour: the last value wins, and only it is kept. */
	o = parse_ok("{\"n\":1,\"n\":2}");
	ck_assert_int_eq(json_object_object_length(o), 1);
	ck_assert(json_object_object_get_ex(o, "n", &v));
	ck_assert_int_eq(json_object_get_int(v), 2);
	json_object_put(o);
	/* So a refused first value is not seen by the check. */
	check_good("{\"title\":1,\"title\":\"ok\"}", 0);
	check_bad("{\"title\":\"ok\",\"title\":1}", 0,
	    "field 'title' must be a string");
}
END_TEST

START_TEST(test_check_not_object)
{
	static const char *const docs[] = { "[]", "[{}]", "1", "\"x\"",
	    "true" };
	json_object	*o;
	char		 err[128];
	size_t		 i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		o = parse_ok(docs[i]);
		ck_assert_int_eq(jsonutil_check(o, fields, 0, err,
		    sizeof(err)), ST_BADREQ);
		ck_assert_str_eq(err, "the body must be a JSON object");
		json_object_put(o);
	}
}
END_TEST

START_TEST(test_check_unknown)
{
	check_bad("{\"title\":\"x\",\"colour\":\"red\"}", 0,
	    "unknown field 'colour'");
	check_bad("{\"colour\":\"red\"}", 1, "unknown field 'colour'");
	check_bad("{\"Title\":\"x\"}", 0, "unknown field 'Title'");
	check_bad("{\"\":1}", 0, "unknown field ''");
	check_bad("{\"title \":\"x\"}", 0, "unknown field 'title '");
}
END_TEST

START_TEST(test_check_required)
{
	check_bad("{}", 0, "field 'title' is required");
	check_bad("{\"n\":1}", 0, "field 'title' is required");
	check_good("{\"title\":\"x\"}", 0);
	check_good("{\"title\":\"x\",\"note\":\"n\",\"n\":0,\"ok\":false,"
	    "\"state\":\"done\",\"due\":\"2024-01-31\"}", 0);
}
END_TEST

START_TEST(test_check_partial)
{
	/* A merge patch may leave out required fields... */
	check_good("{}", 1);
	check_good("{\"ok\":true}", 1);
	/* ...but what it holds is checked all the same. */
	check_bad("{\"ok\":1}", 1, "field 'ok' must be true or false");
	check_bad("{\"title\":\"\"}", 1, "field 'title' must be 1 to 200 "
	    "characters long (it has 0)");
	check_bad("{\"title\":null}", 1, "field 'title' must not be null");
	check_good("{\"due\":null}", 1);
}
END_TEST

START_TEST(test_check_types)
{
	check_bad("{\"title\":1}", 0, "field 'title' must be a string");
	check_bad("{\"title\":true}", 0, "field 'title' must be a string");
	check_bad("{\"title\":[\"x\"]}", 0, "field 'title' must be a string");
	check_bad("{\"title\":{}}", 0, "field 'title' must be a string");
	check_bad("{\"title\":\"t\",\"n\":\"1\"}", 0,
	    "field 'n' must be an integer");
	check_bad("{\"title\":\"t\",\"n\":1.5}", 0,
	    "field 'n' must be an integer");
	check_bad("{\"title\":\"t\",\"n\":true}", 0,
	    "field 'n' must be an integer");
	check_bad("{\"title\":\"t\",\"ok\":1}", 0,
	    "field 'ok' must be true or false");
	check_bad("{\"title\":\"t\",\"ok\":\"true\"}", 0,
	    "field 'ok' must be true or false");
	check_bad("{\"title\":\"t\",\"state\":3}", 0,
	    "field 'state' must be a string");
	check_bad("{\"title\":\"t\",\"due\":20240101}", 0,
	    "field 'due' must be a string");
	check_bad("{\"title\":\"t\",\"n\":null}", 0,
	    "field 'n' must not be null");
}
END_TEST

START_TEST(test_check_string_chars)
{
	char	*s;
	size_t	 i, o;

	/* 200 "é" (400 bytes) fit a 200-character field; 201 do not. */
	s = malloc(64 + 201 * 2);
	ck_assert_ptr_nonnull(s);
	o = (size_t)sprintf(s, "{\"title\":\"");
	for (i = 0; i < 200; i++) {
		memcpy(s + o, "\xc3\xa9", 2);
		o += 2;
	}
	strcpy(s + o, "\"}");
	check_good(s, 0);
	memcpy(s + o, "\xc3\xa9\"}", 5);
	check_bad(s, 0, "field 'title' must be 1 to 200 characters long "
	    "(it has 201)");
	free(s);

	/* Four-byte characters count once too. */
	check_good("{\"title\":\"t\",\"note\":\"\xf0\x9f\x98\x80\xf0\x9f\x98"
	    "\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98"
	    "\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98"
	    "\x80\"}", 0);
	check_bad("{\"title\":\"t\",\"note\":\"12345678901\"}", 0,
	    "field 'note' must be 0 to 10 characters long (it has 11)");
	check_bad("{\"title\":\"\"}", 0,
	    "field 'title' must be 1 to 200 characters long (it has 0)");
	/* An escaped NUL is not text. */
	check_bad("{\"title\":\"a\\u0000b\"}", 0,
	    "field 'title' must not contain U+0000");
}
END_TEST

START_TEST(test_check_enum)
{
	check_good("{\"title\":\"t\",\"state\":\"todo\"}", 0);
	check_good("{\"title\":\"t\",\"state\":\"doing\"}", 0);
	check_good("{\"title\":\"t\",\"state\":\"done\"}", 0);
	check_bad("{\"title\":\"t\",\"state\":\"do\"}", 0,
	    "field 'state' must be one of todo|doing|done");
	check_bad("{\"title\":\"t\",\"state\":\"todox\"}", 0,
	    "field 'state' must be one of todo|doing|done");
	check_bad("{\"title\":\"t\",\"state\":\"TODO\"}", 0,
	    "field 'state' must be one of todo|doing|done");
	check_bad("{\"title\":\"t\",\"state\":\"\"}", 0,
	    "field 'state' must be one of todo|doing|done");
	check_bad("{\"title\":\"t\",\"state\":\"todo|doing\"}", 0,
	    "field 'state' must be one of todo|doing|done");
	check_bad("{\"title\":\"t\",\"state\":\"|\"}", 0,
	    "field 'state' must be one of todo|doing|done");
	check_bad("{\"title\":\"t\",\"state\":null}", 0,
	    "field 'state' must not be null");
}
END_TEST

START_TEST(test_dates)
{
	static const struct {
		const char	*s;
		int		 ok;
	} rows[] = {
		{ "2024-02-29", 1 },	{ "2000-02-29", 1 },
		{ "2024-12-31", 1 },	{ "0001-01-01", 1 },
		{ "9999-12-31", 1 },	{ "2023-02-28", 1 },
		{ "2023-02-29", 0 },	{ "1900-02-29", 0 },
		{ "2024-13-01", 0 },	{ "2024-00-10", 0 },
		{ "2024-01-00", 0 },	{ "2024-04-31", 0 },
		{ "2024-01-32", 0 },	{ "2024-1-01", 0 },
		{ "2024-01-1", 0 },	{ "0000-01-01", 0 },
		{ "", 0 },		{ "2024/01/01", 0 },
		{ " 2024-01-01", 0 },	{ "2024-01-01 ", 0 },
		{ "2024-01-0a", 0 },	{ "+024-01-01", 0 },
		{ "2024-01-01T00:00:00Z", 0 },	{ "20240101", 0 },
	};
	char	 doc[128];
	size_t	 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ck_assert_msg(jsonutil_is_date(rows[i].s) == rows[i].ok,
		    "'%s'", rows[i].s);
		snprintf(doc, sizeof(doc), "{\"title\":\"t\",\"due\":\"%s\"}",
		    rows[i].s);
		if (rows[i].ok)
			check_good(doc, 0);
		else
			check_bad(doc, 0, "field 'due' must be a date "
			    "(YYYY-MM-DD)");
	}
}
END_TEST

START_TEST(test_check_nullable)
{
	check_good("{\"title\":\"t\",\"due\":null}", 0);
	check_good("{\"title\":\"t\",\"note\":null}", 0);
	check_good("{\"title\":\"t\"}", 0);
	check_bad("{\"title\":null}", 0, "field 'title' must not be null");
	check_bad("{\"title\":\"t\",\"ok\":null}", 0,
	    "field 'ok' must not be null");
}
END_TEST

START_TEST(test_utf8_chars)
{
	static const struct {
		const char	*s;
		long long	 n;
	} rows[] = {
		{ "", 0 },			{ "abc", 3 },
		{ "\xc3\xa9", 1 },		{ "\xe2\x82\xac", 1 },
		{ "\xf0\x9f\x98\x80", 1 },	{ "a\xc3\xa9\xe2\x82\xac"
						  "\xf0\x9f\x98\x80", 4 },
		{ "\x7f", 1 },			{ "\xc2\x80", 1 },
		{ "\xdf\xbf", 1 },		{ "\xe0\xa0\x80", 1 },
		{ "\xed\x9f\xbf", 1 },		{ "\xee\x80\x80", 1 },
		{ "\xef\xbf\xbf", 1 },		{ "\xf0\x90\x80\x80", 1 },
		{ "\xf4\x8f\xbf\xbf", 1 },
		{ "\x80", -1 },			{ "\xbf", -1 },
		{ "\xc3", -1 },			{ "a\xc3", -1 },
		{ "\xc3\x28", -1 },		{ "\xc0\x80", -1 },
		{ "\xc1\xbf", -1 },		{ "\xe0\x9f\xbf", -1 },
		{ "\xe2\x82", -1 },		{ "\xed\xa0\x80", -1 },
		{ "\xed\xbf\xbf", -1 },		{ "\xf0\x8f\xbf\xbf", -1 },
		{ "\xf4\x90\x80\x80", -1 },	{ "\xf5\x80\x80\x80", -1 },
		{ "\xf8\x88\x80\x80\x80", -1 },	{ "\xfe", -1 },
		{ "\xff", -1 },			{ "\xf0\x9f\x98", -1 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(jsonutil_utf8_chars(rows[i].s,
		    strlen(rows[i].s)) == rows[i].n, "row %zu", i);
	/* len, not the NUL, bounds the count. */
	ck_assert_int_eq(jsonutil_utf8_chars("a\0b", 3), 3);
	ck_assert_int_eq(jsonutil_utf8_chars("\xc3\xa9", 1), -1);
	ck_assert_int_eq(jsonutil_utf8_chars("abc", 0), 0);
}
END_TEST

START_TEST(test_long_unknown_name)
{
	char		*doc, err[256], small[40], want[128];
	json_object	*o;
	size_t		 n = 1000;

	doc = malloc(n + 16);
	ck_assert_ptr_nonnull(doc);
	doc[0] = '{';
	doc[1] = '"';
	memset(doc + 2, 'k', n);
	strcpy(doc + 2 + n, "\":1}");
	o = parse_ok(doc);

	/* The name is cut to 64 characters. */
	ck_assert_int_eq(jsonutil_check(o, fields, 0, err, sizeof(err)),
	    ST_BADREQ);
	snprintf(want, sizeof(want), "unknown field '%.64s'", doc + 2);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(strlen(err), 15 + 64 + 1);

	/* A 32-byte buffer is filled, terminated and not overrun. */
	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(jsonutil_check(o, fields, 0, small, 32), ST_BADREQ);
	ck_assert_uint_eq(strlen(small), 31);
	ck_assert_int_eq(strncmp(small, "unknown field 'kkkkkkkkkkkkkkkk", 31),
	    0);
	ck_assert_int_eq(small[32], 'Z');
	ck_assert_int_eq(small[39], 'Z');

	/* Every error text obeys errlen, down to 1 byte. */
	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(jsonutil_check(o, fields, 0, small, 1), ST_BADREQ);
	ck_assert_int_eq(small[0], '\0');
	ck_assert_int_eq(small[1], 'Z');
	json_object_put(o);
	free(doc);

	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(jsonutil_parse("{", 1, 32, &o, small, 8), ST_BADREQ);
	ck_assert_str_eq(small, "malform");
	ck_assert_int_eq(small[8], 'Z');
}
END_TEST

START_TEST(test_get_str)
{
	json_object	*o;

	o = parse_ok("{\"s\":\"v\",\"n\":1,\"z\":null,\"e\":\"\"}");
	ck_assert_str_eq(jsonutil_get_str(o, "s"), "v");
	ck_assert_str_eq(jsonutil_get_str(o, "e"), "");
	ck_assert_ptr_null(jsonutil_get_str(o, "n"));
	ck_assert_ptr_null(jsonutil_get_str(o, "z"));
	ck_assert_ptr_null(jsonutil_get_str(o, "absent"));
	json_object_put(o);
}
END_TEST

/* The jsonutil suite: one test case per behaviour. */
/*
 * jsonutil_add_str writes every string as json-c does (PLAIN, no slash
 * escape): all 256 byte values one at a time, then mixed strings with
 * quotes, backslashes, controls, DEL, slashes and UTF-8; counted.
 */
START_TEST(test_add_str_as_json_c)
{
	static const char *const mixed[] = {
		"", "plain", "a\"b", "back\\slash", "/path/", "tab\there",
		"nl\nand\rcr", "\b\f", "\x01\x1f\x7f", "\xc3\xa9t\xc3\xa9",
		"\xe2\x80\xa8 U+2028", "\"\"\\\\", "end\\",
	};
	struct buf	 b;
	json_object	*o;
	char		 one[2];
	size_t		 i, n = 0;
	int		 c;

	buf_init(&b, 4096);
	for (c = 1; c < 256; c++) {
		one[0] = (char)c;
		one[1] = '\0';
		buf_reset(&b);
		ck_assert_int_eq(jsonutil_add_str(&b, one, 1), ST_OK);
		o = json_object_new_string(one);
		ck_assert_str_eq(buf_str(&b), json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		n++;
	}
	for (i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
		buf_reset(&b);
		ck_assert_int_eq(jsonutil_add_str(&b, mixed[i], strlen(mixed[i])),
		    ST_OK);
		o = json_object_new_string(mixed[i]);
		ck_assert_str_eq(buf_str(&b), json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		n++;
	}
	/* a cap is ST_TOOBIG or ST_NOMEM, never a cut string */
	buf_cleanup(&b);
	buf_init(&b, 8);
	ck_assert_int_ne(jsonutil_add_str(&b, "0123456789", 10), ST_OK);
	buf_cleanup(&b);
	printf("# add_str: %zu strings as json-c writes them\n", n);
}
END_TEST

static Suite *
jsonutil_suite(void)
{
	const struct {
		const char	*name;
		const TTest	*test;
	} cases[] = {
		{ "parse_valid", test_parse_valid },
		{ "parse_scalars", test_parse_scalars },
		{ "parse_empty", test_parse_empty },
		{ "parse_trailing", test_parse_trailing },
		{ "parse_truncated", test_parse_truncated },
		{ "parse_depth", test_parse_depth },
		{ "parse_nul", test_parse_nul },
		{ "parse_bad_utf8", test_parse_bad_utf8 },
		{ "parse_overlong_surrogate", test_parse_overlong_surrogate },
		{ "parse_nul_name", test_parse_nul_name },
		{ "parse_not_json", test_parse_not_json },
		{ "parse_escapes_in_strings", test_parse_escapes_in_strings },
		{ "parse_big_numbers", test_parse_big_numbers },
		{ "duplicate_keys", test_duplicate_keys },
		{ "check_not_object", test_check_not_object },
		{ "check_unknown", test_check_unknown },
		{ "check_required", test_check_required },
		{ "check_partial", test_check_partial },
		{ "check_types", test_check_types },
		{ "check_string_chars", test_check_string_chars },
		{ "check_enum", test_check_enum },
		{ "dates", test_dates },
		{ "check_nullable", test_check_nullable },
		{ "utf8_chars", test_utf8_chars },
		{ "long_unknown_name", test_long_unknown_name },
		{ "get_str", test_get_str },
		{ "add_str_as_json_c", test_add_str_as_json_c },
	};
	Suite	*s = suite_create("jsonutil");
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
	srunner_add_suite(sr, jsonutil_suite());
}

const struct unit unit = { "check_jsonutil", NULL, NULL, add_suites };
