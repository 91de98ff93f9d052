/*
 * jsonutil.h: JSON input with limits, on top of json-c.
 *
 * jsonutil_parse() accepts exactly one JSON value, in strict mode, with valid
 * UTF-8 and a nesting cap. jsonutil_check() validates an object against a
 * declarative field table (kore-style): unknown fields, missing required
 * fields, wrong types, string lengths counted in characters, enum words and
 * calendar dates. Errors name the field, so the API can answer a precise 400.
 */
#ifndef LIB_JSONUTIL_H
#define LIB_JSONUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "st.h"

#define JSONUTIL_MAX_DEPTH	32	/* default nesting cap for request bodies */

enum jsonutil_type {
	JSONUTIL_STRING,	/* UTF-8 text, min..max characters */
	JSONUTIL_INT,		/* an integer within min..max */
	JSONUTIL_BOOL,
	JSONUTIL_ENUM,		/* a string among the '|'-separated choices */
	JSONUTIL_DATE,		/* "YYYY-MM-DD", a real calendar date */
};

struct jsonutil_field {
	const char		*name;
	enum jsonutil_type	 type;
	int			 required;	/* must be present */
	int			 nullable;	/* null is allowed */
	long long		 min, max;	/* STRING: characters; INT: value */
	const char		*choices;	/* ENUM: "todo|doing|done" */
};

/*
 * Parses len bytes of text as one JSON value nested at most depth deep. On
 * ST_OK *out is a new object the caller json_object_put()s; otherwise *out is
 * NULL and err holds a one-line reason (ST_BADREQ).
 */
enum st	 jsonutil_parse(const char *text, size_t len, int depth,
	    json_object **out, char *err, size_t errlen);

/*
 * Checks obj (borrowed) against fields (an array ended by a NULL name). With
 * partial set, required fields may be absent (a JSON merge patch). ST_OK or
 * ST_BADREQ with err naming the field.
 */
enum st	 jsonutil_check(json_object *obj, const struct jsonutil_field *,
	    int partial, char *err, size_t errlen);

/* Number of UTF-8 characters in s, or -1 if s is not valid UTF-8. */
long long jsonutil_utf8_chars(const char *s, size_t len);

/* True if s is a valid "YYYY-MM-DD" calendar date. */
int	 jsonutil_is_date(const char *s);

/* Borrowed string member of obj, or NULL if absent, null or not a string. */
const char *jsonutil_get_str(json_object *obj, const char *key);

/*
 * Appends s[0..len) to b as a quoted JSON string, escaped exactly as json-c
 * writes it with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE
 * (", \\, \b \f \n \r \t, other bytes below 0x20 as \u00xx; UTF-8 as
 * is): for answers rendered straight into a buffer, without building json-c
 * objects. ST_OK or ST_NOMEM / ST_TOOBIG (the buffer's cap).
 */
struct buf;
enum st	 jsonutil_add_str(struct buf *b, const char *s, size_t len);

/* --- JSON files (state, status, snapshots) --------------------------------- */
#define JSONUTIL_OBJECT		0x1	/* load: the value must be an object */

/*
 * Reads the file at path (at most max bytes) as one JSON value nested at
 * most depth deep (with JSONUTIL_OBJECT, an object). ST_OK with *out (caller
 * json_object_put()s); else *out is NULL and *cause (lib/cause.h) says why:
 * ST_NOTFOUND the file does not exist, ST_IO it cannot be read (or is too
 * large), ST_BADREQ it is not such JSON ("PATH: malformed JSON at byte 3:
 * ..."), ST_NOMEM. cause may be NULL (the reason is not wanted).
 */
enum st	 jsonutil_load_file(const char *path, size_t max, int depth, int flags,
	    json_object **out, char **cause);
/*
 * Writes obj to path atomically (fs_write_atomic: a reader sees the old file
 * or the new one) with mode: pretty-printed, slashes unescaped, a final
 * newline. 0, or -1 with *cause.
 */
int	 jsonutil_save_file(const char *path, json_object *obj, mode_t mode,
	    char **cause);

#endif
