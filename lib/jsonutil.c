/*
 * jsonutil.c: bounded JSON parsing and declarative validation; see jsonutil.h.
 *
 * json-c does the parsing (strict mode, depth cap); this file adds what
 * json-c leaves to the caller or lets through even in strict mode: full UTF-8
 * validation (json-c only checks the byte structure, so overlongs and
 * surrogates pass), raw control bytes in strings, NaN/Infinity and
 * single-quoted names, lone surrogate escapes (json-c makes them U+FFFD),
 * \u0000 in member names (json-c cuts the name there), trailing garbage,
 * field tables and precise error texts. The depth cap is json-c's: it counts every value on the nesting
 * stack, leaves included, so [[1]] is 3 deep and [[]] 2. Field names copied
 * into an error are cut short, since they come from the client.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cause.h"
#include "fs.h"
#include "jsonutil.h"

/* The value of 4 hex digits at p, or -1. */
static long
jsonutil_hex4(const char *p, size_t left)
{
	long	 v = 0;
	size_t	 i;

	if (left < 4)
		return (-1);
	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return (-1);
	}
	return (v);
}

/*
 * Finds what json-c lets through in strict mode although RFC 8259 forbids
 * it, or turns into something else without a word: raw control bytes
 * inside strings; outside strings any byte that no JSON token uses (single
 * quotes, NaN, Infinity); a \uD800-\uDFFF escape that is not one half of a
 * pair (json-c makes it U+FFFD); a \u0000 in a member name (json-c cuts
 * the name there, so "title\u0000x" became "title"). Returns the offset of
 * the first such byte, or len; *why says what it is.
 */
static size_t
jsonutil_lex_check(const char *text, size_t len, const char **why)
{
	size_t	 i, start = 0, k;
	int	 instr = 0, nul = 0;
	long	 cp, lo;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (text[i] == '\\' && i + 1 < len && text[i + 1] == 'u') {
				cp = jsonutil_hex4(text + i + 2, len - i - 2);
				if (cp < 0) {
					i++;		/* json-c reports it */
					continue;
				}
				if (cp == 0)
					nul = 1;
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					*why = "a lone low surrogate escape";
					return (i);
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					lo = i + 7 < len && text[i + 6] == '\\' &&
					    text[i + 7] == 'u' ? jsonutil_hex4(
					    text + i + 8, len - i - 8) : -1;
					if (lo < 0xdc00 || lo > 0xdfff) {
						*why = "a lone high surrogate "
						    "escape";
						return (i);
					}
					i += 6;
				}
				i += 5;
			} else if (text[i] == '\\')
				i++;
			else if (text[i] == '"') {
				instr = 0;
				for (k = i + 1; k < len && strchr(" \t\r\n",
				    text[k]) != NULL; k++)
					;
				if (nul && k < len && text[k] == ':') {
					*why = "a member name holding \\u0000";
					return (start);
				}
			} else if ((unsigned char)text[i] < 0x20) {
				*why = "a control character in a string";
				return (i);
			}
		} else if (text[i] == '"') {
			instr = 1;
			nul = 0;
			start = i;
		} else if (text[i] == '\0' || strchr(" \t\r\n{}[],:"
		    "0123456789+-.eEtrufalsn", text[i]) == NULL) {
			*why = "unexpected character";
			return (i);
		}
	}
	return (len);
}

/* See jsonutil.h. */
enum st
jsonutil_parse(const char *text, size_t len, int depth, json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener	*tok;
	enum json_tokener_error	 jerr;
	json_object		*obj;
	const char		*why = "";
	size_t			 off, i;

	*out = NULL;
	if (len == 0) {
		snprintf(err, errlen, "the body is empty, a JSON document "
		    "was expected");
		return (ST_BADREQ);
	}
	if (len > (size_t)0x7fffffff || memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "the body holds a NUL byte");
		return (ST_BADREQ);
	}
	/* json-c's UTF-8 check lets overlongs and surrogates through. */
	if (jsonutil_utf8_chars(text, len) < 0) {
		snprintf(err, errlen, "the body is not valid UTF-8");
		return (ST_BADREQ);
	}
	if ((off = jsonutil_lex_check(text, len, &why)) < len) {
		snprintf(err, errlen, "malformed JSON at byte %zu: %s", off, why);
		return (ST_BADREQ);
	}
	if ((tok = json_tokener_new_ex(depth)) == NULL)
		return (ST_NOMEM);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/*
		 * The input is complete: json-c wants the final NUL to end a
		 * top-level number or literal ("1", "true").
		 */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		off = len;
		if (jerr == json_tokener_error_parse_eof)
			jerr = json_tokener_continue;
	}
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		json_object_put(obj);
		snprintf(err, errlen, "malformed JSON: the document ends "
		    "too early");
		return (ST_BADREQ);
	}
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		if (jerr == json_tokener_error_depth)
			snprintf(err, errlen, "malformed JSON: nested deeper "
			    "than %d levels", depth);
		else
			snprintf(err, errlen, "malformed JSON at byte %zu: %s",
			    off, json_tokener_error_desc(jerr));
		return (ST_BADREQ);
	}
	for (i = off; i < len; i++) {
		if (strchr(" \t\r\n", text[i]) == NULL) {
			json_object_put(obj);
			snprintf(err, errlen, "malformed JSON: unexpected data "
			    "after the document at byte %zu", i);
			return (ST_BADREQ);
		}
	}
	*out = obj;
	return (ST_OK);
}

/* See jsonutil.h. */
long long
jsonutil_utf8_chars(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	long long		 n = 0;
	size_t			 i = 0, k, need;
	unsigned int		 cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			n++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			need = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			need = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			need = 3;
			cp = p[i] & 0x07;
		} else
			return (-1);
		for (k = 1; k <= need; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return (-1);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return (-1);
		i += need + 1;
		n++;
	}
	return (n);
}

/* See jsonutil.h. */
int
jsonutil_is_date(const char *s)
{
	static const int	 mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
				     30, 31, 30, 31 };
	int			 y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (0);
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return (0);
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return (0);
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return (0);
	return (1);
}

/* True if word is one of the '|'-separated choices. */
static int
jsonutil_in_choices(const char *word, const char *choices)
{
	size_t		 wl = strlen(word);
	const char	*p = choices, *bar;

	for (;;) {
		bar = strchr(p, '|');
		if ((bar == NULL && strcmp(p, word) == 0) ||
		    (bar != NULL && (size_t)(bar - p) == wl &&
		    strncmp(p, word, wl) == 0))
			return (1);
		if (bar == NULL)
			return (0);
		p = bar + 1;
	}
}

/* Checks one present member against its field row. */
static enum st
jsonutil_check_one(const struct jsonutil_field *f, json_object *v, char *err,
    size_t errlen)
{
	const char	*s;
	long long	 n;

	if (v == NULL || json_object_is_type(v, json_type_null)) {
		if (f->nullable)
			return (ST_OK);
		snprintf(err, errlen, "field '%s' must not be null", f->name);
		return (ST_BADREQ);
	}
	switch (f->type) {
	case JSONUTIL_STRING:
	case JSONUTIL_ENUM:
	case JSONUTIL_DATE:
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "field '%s' must be a string",
			    f->name);
			return (ST_BADREQ);
		}
		s = json_object_get_string(v);
		n = jsonutil_utf8_chars(s, (size_t)json_object_get_string_len(v));
		if (n < 0) {
			snprintf(err, errlen, "field '%s' is not valid UTF-8 "
			    "text", f->name);
			return (ST_BADREQ);
		}
		/* JSON allows \u0000; a C string (and PostgreSQL text) cannot. */
		if (memchr(s, '\0', (size_t)json_object_get_string_len(v)) !=
		    NULL) {
			snprintf(err, errlen, "field '%s' must not contain "
			    "U+0000", f->name);
			return (ST_BADREQ);
		}
		if (f->type == JSONUTIL_ENUM && !jsonutil_in_choices(s,
		    f->choices)) {
			snprintf(err, errlen, "field '%s' must be one of %s",
			    f->name, f->choices);
			return (ST_BADREQ);
		}
		if (f->type == JSONUTIL_DATE && !jsonutil_is_date(s)) {
			snprintf(err, errlen, "field '%s' must be a date "
			    "(YYYY-MM-DD)", f->name);
			return (ST_BADREQ);
		}
		if (f->type == JSONUTIL_STRING && (n < f->min || n > f->max)) {
			snprintf(err, errlen, "field '%s' must be %lld to %lld "
			    "characters long (it has %lld)", f->name, f->min,
			    f->max, n);
			return (ST_BADREQ);
		}
		return (ST_OK);
	case JSONUTIL_INT:
		if (!json_object_is_type(v, json_type_int)) {
			snprintf(err, errlen, "field '%s' must be an integer",
			    f->name);
			return (ST_BADREQ);
		}
		n = json_object_get_int64(v);
		if (n < f->min || n > f->max) {
			snprintf(err, errlen, "field '%s' must be within "
			    "%lld..%lld", f->name, f->min, f->max);
			return (ST_BADREQ);
		}
		return (ST_OK);
	case JSONUTIL_BOOL:
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "field '%s' must be true or "
			    "false", f->name);
			return (ST_BADREQ);
		}
		return (ST_OK);
	}
	return (ST_INTERNAL);
}

/* See jsonutil.h. */
enum st
jsonutil_check(json_object *obj, const struct jsonutil_field *fields,
    int partial, char *err, size_t errlen)
{
	const struct jsonutil_field	*f;
	json_object			*v;
	enum st				 st;

	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "the body must be a JSON object");
		return (ST_BADREQ);
	}
	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL) {
			snprintf(err, errlen, "unknown field '%.64s'", key);
			return (ST_BADREQ);
		}
	}
	for (f = fields; f->name != NULL; f++) {
		if (!json_object_object_get_ex(obj, f->name, &v)) {
			if (f->required && !partial) {
				snprintf(err, errlen, "field '%s' is required",
				    f->name);
				return (ST_BADREQ);
			}
			continue;
		}
		if ((st = jsonutil_check_one(f, v, err, errlen)) != ST_OK)
			return (st);
	}
	return (ST_OK);
}

/* See jsonutil.h. */
const char *
jsonutil_get_str(json_object *obj, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

/* See jsonutil.h. */
enum st
jsonutil_load_file(const char *path, size_t max, int depth, int flags,
    json_object **out, char **cause)
{
	char	*text = NULL, err[160];
	size_t	 len = 0;
	enum st	 st;

	*out = NULL;
	if (fs_read_file(path, max, &text, &len, cause) != 0)
		return (errno == ENOENT ? ST_NOTFOUND : errno == ENOMEM ?
		    ST_NOMEM : ST_IO);
	st = jsonutil_parse(text, len, depth, out, err, sizeof(err));
	free(text);
	if (st != ST_OK)
		return (cause_st(cause, st == ST_NOMEM ? ST_NOMEM : ST_BADREQ,
		    "%s: %s", path, err));
	if ((flags & JSONUTIL_OBJECT) &&
	    !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return (cause_st(cause, ST_BADREQ, "%s: not a JSON object",
		    path));
	}
	return (ST_OK);
}

/* See jsonutil.h. */
int
jsonutil_save_file(const char *path, json_object *obj, mode_t mode,
    char **cause)
{
	const char	*text;
	char		*line = NULL;
	size_t		 len;
	int		 rc;

	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL || (line = malloc(len + 2)) == NULL)
		return (cause_set(cause, "out of memory"));
	memcpy(line, text, len);
	line[len++] = '\n';
	line[len] = '\0';
	rc = fs_write_atomic(path, line, len, mode, cause);
	free(line);
	return (rc);
}

/* See jsonutil.h. */
enum st
jsonutil_add_str(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t			 i, run = 0, el;
	unsigned char		 c;
	enum st			 st;

	if ((st = buf_add(b, "\"", 1)) != ST_OK)
		return (st);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		el = 2;		/* a backslash and one letter, or \u00xx */
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			el = 6;
			break;
		}
		if ((st = buf_add(b, s + run, i - run)) != ST_OK ||
		    (st = buf_add(b, esc, el)) != ST_OK)
			return (st);
		run = i + 1;
	}
	if ((st = buf_add(b, s + run, len - run)) != ST_OK)
		return (st);
	return (buf_add(b, "\"", 1));
}
