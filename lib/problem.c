/*
 * problem.c: RFC 9457 problem+json bodies; see problem.h.
 *
 * The type is "about:blank" and the title the HTTP reason phrase, as RFC 9457
 * section 4.2.1 asks when a problem has no more specific semantics than its
 * status code; the detail carries the precise, field-level explanation.
 * The detail and the instance may carry client bytes, so they are made valid
 * UTF-8 before they go in.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "problem.h"

/*
 * Returns s when it is valid UTF-8, else a copy (*tofree, caller frees) in
 * which every byte that is not part of a valid sequence became U+FFFD. json-c
 * copies bytes >= 0x80 as they are, but a JSON text must be UTF-8 (RFC 8259
 * section 8.1), and a detail or a path can hold anything a client sent. NULL
 * (with *tofree NULL) when s is NULL or memory runs out.
 */
static const char *
problem_utf8(const char *s, char **tofree)
{
	size_t	 len, i, o, k;
	char	*d;

	*tofree = NULL;
	if (s == NULL || jsonutil_utf8_chars(s, (len = strlen(s))) >= 0)
		return (s);
	if ((d = malloc(len * 3 + 1)) == NULL)
		return (NULL);
	for (i = o = 0; i < len; i += k) {
		for (k = 1; k <= 4 && i + k <= len; k++)
			if (jsonutil_utf8_chars(s + i, k) == 1)
				break;
		if (k > 4 || i + k > len) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(d + o, s + i, k);
			o += k;
		}
	}
	d[o] = '\0';
	*tofree = d;
	return (d);
}

/* See problem.h. */
json_object *
problem_new(enum st st, const char *detail, const char *instance,
    const char *request_id)
{
	json_object	*o = NULL;
	int		 code = st_http(st);
	char		*dfree = NULL, *ifree = NULL;

	detail = problem_utf8(detail != NULL && detail[0] != '\0' ? detail :
	    st_str(st), &dfree);
	if (detail == NULL || (instance != NULL &&
	    (instance = problem_utf8(instance, &ifree)) == NULL) ||
	    (o = json_object_new_object()) == NULL) {
		free(dfree);
		free(ifree);
		return (NULL);
	}
	if (json_object_object_add(o, "type",
	    json_object_new_string("about:blank")) != 0 ||
	    json_object_object_add(o, "title",
	    json_object_new_string(st_http_reason(code))) != 0 ||
	    json_object_object_add(o, "status",
	    json_object_new_int(code)) != 0 ||
	    json_object_object_add(o, "detail",
	    json_object_new_string(detail)) != 0 ||
	    (instance != NULL && json_object_object_add(o, "instance",
	    json_object_new_string(instance)) != 0) ||
	    (request_id != NULL && request_id[0] != '\0' &&
	    json_object_object_add(o, "request_id",
	    json_object_new_string(request_id)) != 0)) {
		json_object_put(o);
		o = NULL;
	}
	free(dfree);
	free(ifree);
	return (o);
}

/*
 * Logs the problem an answer carries as one "problem" event (info level):
 * status, type, title, the detail the client got, the route template, the
 * method, path and host. The /ops/ overview counts these (lib/report); the
 * logger adds the request id to follow.
 */
static void
problem_log(const struct http_req *r, json_object *o)
{
	json_object	*v;
	const char	*host;
	char		 fields[1400] = "", route[192] = "";

	if (o == NULL || log_min_level > LOG_LEVEL_INFO)
		return;		/* nothing built for a line that is dropped */
	if (json_object_object_get_ex(o, "status", &v))
		log_field_int(fields, sizeof(fields), "status",
		    json_object_get_int(v));
	if (json_object_object_get_ex(o, "type", &v))
		log_field(fields, sizeof(fields), "type",
		    json_object_get_string(v));
	if (json_object_object_get_ex(o, "title", &v))
		log_field(fields, sizeof(fields), "title",
		    json_object_get_string(v));
	if (r->match.route != NULL) {
		snprintf(route, sizeof(route), "%s %s", r->match.route->method,
		    r->match.route->pattern);
		log_field(fields, sizeof(fields), "route", route);
	}
	log_field(fields, sizeof(fields), "method", r->method);
	log_field(fields, sizeof(fields), "path", r->path);
	if ((host = http_header(r, "Host")) != NULL)
		log_field(fields, sizeof(fields), "host", host);
	if (json_object_object_get_ex(o, "detail", &v))
		log_field(fields, sizeof(fields), "detail",
		    json_object_get_string(v));
	log_msg(LOG_LEVEL_INFO, 0, fields, "problem");
}

/* problem_reply(), with its log line when logged is set. */
static enum st
problem_answer(struct http_req *r, enum st st, int logged)
{
	json_object	*o;
	const char	*text;
	size_t		 len;
	enum st		 rst;

	if (st == ST_OK)
		st = ST_INTERNAL;
	buf_reset(&r->headers);
	buf_reset(&r->out);
	if (st == ST_METHOD && r->allow[0] != '\0')
		http_set_header(r, "Allow", "%s", r->allow);
	if (st == ST_UNAVAILABLE)
		http_set_header(r, "Retry-After", "1");
	if (st == ST_UNAUTH)
		http_set_header(r, "WWW-Authenticate", "Bearer realm=\"bootstack\"");
	/*
	 * Internal details stay in the log, not in the answer. A path too
	 * long to keep has no instance.
	 */
	o = problem_new(st, st_http(st) >= 500 && st != ST_UNAVAILABLE &&
	    st != ST_TIMEOUT ? NULL : r->detail,
	    r->path[0] != '\0' ? r->path : NULL, r->request_id);
	if (logged)
		problem_log(r, o);
	if (o == NULL)
		return (http_reply(r, 500, "application/problem+json",
		    "{\"status\":500}", 14));
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rst = http_reply(r, st_http(st), "application/problem+json", text, len);
	json_object_put(o);
	return (rst);
}

/* See problem.h. */
enum st
problem_reply(struct http_req *r, enum st st)
{
	return (problem_answer(r, st, 1));
}

/* See problem.h. */
enum st
problem_reply_unlogged(struct http_req *r, enum st st)
{
	return (problem_answer(r, st, 0));
}
