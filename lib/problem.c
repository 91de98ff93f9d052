/*
 * problem.c: RFC 9457 problem+json bodies; see problem.h.
 *
 * The type is "about:blank" and the title the HTTP reason phrase, as RFC 9457
 * section 4.2.1 asks when a problem has no more specific semantics than its
 * status code; the detail carries the precise, field-level explanation.
 */
#include "autoconf.h"

#include <string.h>

#include "http.h"
#include "problem.h"

/* See problem.h. */
json_object *
problem_new(enum st st, const char *detail, const char *instance,
    const char *request_id)
{
	json_object	*o;
	int		 code = st_http(st);

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	if (json_object_object_add(o, "type",
	    json_object_new_string("about:blank")) != 0 ||
	    json_object_object_add(o, "title",
	    json_object_new_string(st_http_reason(code))) != 0 ||
	    json_object_object_add(o, "status",
	    json_object_new_int(code)) != 0 ||
	    json_object_object_add(o, "detail", json_object_new_string(
	    detail != NULL && detail[0] != '\0' ? detail : st_str(st))) != 0 ||
	    (instance != NULL && json_object_object_add(o, "instance",
	    json_object_new_string(instance)) != 0) ||
	    (request_id != NULL && request_id[0] != '\0' &&
	    json_object_object_add(o, "request_id",
	    json_object_new_string(request_id)) != 0)) {
		json_object_put(o);
		return (NULL);
	}
	return (o);
}

/* See problem.h. */
enum st
problem_reply(struct http_req *r, enum st st)
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
	/* Internal details stay in the log, not in the answer. */
	o = problem_new(st, st_http(st) >= 500 && st != ST_UNAVAILABLE &&
	    st != ST_TIMEOUT ? NULL : r->detail, r->path, r->request_id);
	if (o == NULL)
		return (http_reply(r, 500, "application/problem+json",
		    "{\"status\":500}", 14));
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rst = http_reply(r, st_http(st), "application/problem+json", text, len);
	json_object_put(o);
	return (rst);
}
