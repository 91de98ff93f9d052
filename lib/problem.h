/*
 * problem.h: RFC 9457 problem details (application/problem+json).
 *
 * Every error the API returns has the same shape: type, title, status,
 * detail, instance (the request path) and request_id, so a client (and an
 * operator reading logs) can always tie an answer to a log line.
 */
#ifndef LIB_PROBLEM_H
#define LIB_PROBLEM_H

#include <json-c/json.h>

#include "st.h"

struct http_req;

/*
 * Builds the problem document for status st and detail (NULL: the status
 * title). Caller json_object_put()s. NULL on ENOMEM.
 */
json_object	*problem_new(enum st, const char *detail, const char *instance,
		    const char *request_id);
/*
 * Replaces whatever response r holds with the problem for st, using
 * r->detail when set. Adds Allow for 405, Retry-After for 503 and
 * WWW-Authenticate for 401.
 */
enum st		 problem_reply(struct http_req *, enum st);
/*
 * problem_reply without its "problem" log line: for answers counted
 * elsewhere that would flood the log at the rate they are given (the 503s
 * of [api] queue_timeout, thousands a second under overload).
 */
enum st		 problem_reply_unlogged(struct http_req *, enum st);

#endif
