/*
 * http.h: one HTTP request as FastCGI delivers it, and its response.
 *
 * The request side borrows the FastCGI parameters (NAME=value strings) and
 * owns a copy of the body, capped at max_body. The response is assembled in
 * memory (status, headers, body) and rendered once, so a handler can change
 * its mind (an error after a partial answer) until it returns. The struct
 * does not know about libfcgi: the worker feeds it and writes it out, and
 * tests drive it with a plain environment array.
 */
#ifndef LIB_HTTP_H
#define LIB_HTTP_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"
#include "router.h"
#include "st.h"

#define HTTP_PATH_MAX		2048	/* longer request paths are refused (400) */
#define HTTP_HEADERS_MAX	8192	/* cap on response headers */
#define HTTP_OUT_MAX		(8 * 1024 * 1024)	/* cap on a response body */

struct http_req {
	char		**env;		/* borrowed FastCGI params */
	const char	*method;	/* borrowed from env; "GET" if absent */
	char		 path[HTTP_PATH_MAX];	/* request path, no query */
	const char	*query;		/* borrowed; "" if none */
	char		 request_id[65];	/* from nginx, else made here */
	struct buf	 body;		/* request body */
	struct router_match match;	/* the route, once routed */
	void		*app;		/* borrowed application state */
	void		*auth;		/* borrowed: who is calling, set by the app */
	long long	 start_us;	/* monotonic start time */

	int		 status;	/* response status; 0 until set */
	const char	*ctype;		/* borrowed content type, NULL = none */
	struct buf	 headers;	/* extra "Name: value\r\n" lines */
	struct buf	 out;		/* response body */
	char		 detail[512];	/* error detail for the problem document */
	char		 allow[64];	/* Allow header for a 405 */
};

void		 http_req_init(struct http_req *, char **env, size_t max_body);
void		 http_req_cleanup(struct http_req *);	/* safe twice */
/* A FastCGI parameter ("CONTENT_TYPE", "HTTP_IF_MATCH"); borrowed or NULL. */
const char	*http_param(const struct http_req *, const char *name);
/* A request header by its HTTP name ("If-Match"); borrowed or NULL. */
const char	*http_header(const struct http_req *, const char *name);
/* Monotonic microseconds. */
long long	 http_now_us(void);

/*
 * Adds a response header; the value is formatted. ST_INTERNAL if the name or
 * value holds CR or LF, ST_TOOBIG past HTTP_HEADERS_MAX; either way the
 * headers set before are kept as they were.
 */
enum st		 http_set_header(struct http_req *, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets status, content type and body (copied; body may be NULL). */
enum st		 http_reply(struct http_req *, int status, const char *ctype,
		    const char *body, size_t len);
/* Sets a JSON body (obj borrowed) with application/json. */
enum st		 http_reply_json(struct http_req *, int status, json_object *);
/*
 * Records why the request fails (curl's failf): the detail is kept for the
 * problem document and the log. Returns st, so handlers can
 * `return (http_fail(r, ST_NOTFOUND, "no task %s", id));`.
 */
enum st		 http_fail(struct http_req *, enum st, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/*
 * Writes the FastCGI/CGI response (Status line, headers, blank line, body;
 * no body for HEAD, 204 and 304) into out.
 */
enum st		 http_render(const struct http_req *, struct buf *out);

#endif
