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
/*
 * How many times header name appears: nginx passes a header sent on two
 * lines as two parameters of one name (1.22), or joined with ", " (1.23+).
 */
int		 http_header_count(const struct http_req *, const char *name);
/*
 * Every value of a list header (RFC 9110 section 5.3: "If-Match: a" and
 * "If-Match: b" mean "If-Match: a, b"), joined with ", " into dst. Returns
 * 0, -1 when the header is absent, -2 when the values do not fit.
 */
int		 http_header_list(const struct http_req *, const char *name,
		    char *dst, size_t size);
/*
 * True if the request's Accept (RFC 9110 section 12.5.1) allows type
 * ("application/json"): no Accept, or its most specific media range that
 * covers type (type/subtype, type/\*, \*\/\*) has a q above 0.
 */
int		 http_accepts(const struct http_req *, const char *type);
/* Monotonic microseconds. */
long long	 http_now_us(void);

/*
 * The query string, strictly: each parameter a route knows appears once,
 * as name=value with a non-empty value, percent-encoding well formed
 * ('+' is a space, as in forms), the decoded value valid UTF-8 without
 * control characters (a %00 would cut it short in C). Anything else is a
 * 400 whose detail names the parameter: a typo must not go unnoticed.
 */
#define HTTP_QUERY_MAX		8	/* parameters one route may know */
#define HTTP_QUERY_VALUE_MAX	256	/* bytes of one decoded value, NUL included */

struct http_query {
	size_t		 n;
	struct {
		const char	*name;		/* borrowed from the known list */
		char		 value[HTTP_QUERY_VALUE_MAX];
	}		 p[HTTP_QUERY_MAX];
};

/*
 * Parses r->query against known (NULL-ended names, at most
 * HTTP_QUERY_MAX) into q. ST_BADREQ, detail recorded on r, for an unknown,
 * repeated, empty, too long or badly encoded parameter.
 */
enum st		 http_query_parse(struct http_req *, const char *const *known,
		    struct http_query *q);
/* The decoded value of parameter name; NULL if absent. Borrowed from q. */
const char	*http_query_get(const struct http_query *q, const char *name);
/*
 * Reads a decimal integer written the one plain way (digits only, no sign,
 * no leading zero, no blank) within min..max into *out; -1 otherwise.
 */
int		 http_int_parse(const char *s, long long min, long long max,
		    long long *out);

/*
 * Conditional requests (RFC 9110 section 13). A handler parses the
 * request's preconditions once (http_cond_parse), describes the target
 * resource as it is now (struct http_target) and asks http_cond_eval()
 * whether to go on, answer 304 or answer 412, in the RFC's order:
 * If-Match, else If-Unmodified-Since; then If-None-Match, else (GET and
 * HEAD) If-Modified-Since. Entity tags are opaque: If-Match compares them
 * strongly (byte for byte, never a weak tag), If-None-Match weakly. A
 * request whose answer without its preconditions would not be 2xx (no
 * such row: 404) must not reach http_cond_eval (section 13.2.1).
 */
#define HTTP_ETAG_MAX		64	/* bytes of one entity tag, quotes included */
#define HTTP_ETAGS_MAX		16	/* entity tags in one If-Match or If-None-Match */

struct http_etags {
	int		 present;	/* the header was sent */
	int		 any;		/* it is "*" */
	size_t		 n;		/* entries in tag[] and weak[] */
	int		 weak[HTTP_ETAGS_MAX];	/* W/ prefix */
	char		 tag[HTTP_ETAGS_MAX][HTTP_ETAG_MAX];	/* "..." with its quotes */
};

struct http_cond {
	struct http_etags if_match;
	struct http_etags if_none_match;
	long long	 if_unmodified_since;	/* epoch seconds; -1: absent or not a date */
	long long	 if_modified_since;	/* epoch seconds; -1: absent or not a date */
};

/* The target resource as the server has it now. */
struct http_target {
	int		 exists;	/* it has a current representation */
	const char	*etag;		/* its strong entity tag, quoted; NULL: none */
	long long	 modified;	/* Last-Modified in epoch seconds; -1: none */
};

/*
 * Parses an If-Match / If-None-Match value ("*" or a list of entity tags,
 * RFC 9110 section 8.8.3) into e. ST_BADREQ on malformed syntax or more
 * than HTTP_ETAGS_MAX tags.
 */
enum st		 http_etags_parse(const char *value, struct http_etags *e);
/*
 * Reads the request's If-Match, If-None-Match, If-Unmodified-Since and
 * If-Modified-Since into c. ST_BADREQ (detail recorded on r) for a
 * malformed entity-tag list; a date that is not an HTTP-date is ignored,
 * as section 13.1.3 and 13.1.4 require.
 */
enum st		 http_cond_parse(struct http_req *, struct http_cond *c);
/* True if tag (quoted) is listed in e: strongly, or weakly if weak_ok. */
int		 http_etags_match(const struct http_etags *e, const char *tag,
		    int weak_ok);
/*
 * Evaluates c against t for method: 0 to go on, 304 (GET and HEAD) or
 * 412. *why (may be NULL) names the header that decided, for the detail.
 */
int		 http_cond_eval(const struct http_cond *c, const char *method,
		    const struct http_target *t, const char **why);
/*
 * Parses an HTTP-date (RFC 9110 section 5.6.7: IMF-fixdate, and the
 * obsolete RFC 850 and asctime forms a recipient must accept) into epoch
 * seconds; -1 if s is not one.
 */
long long	 http_date_parse(const char *s);
/* Formats epoch seconds as an IMF-fixdate into buf (30 bytes); returns buf. */
char		*http_date_fmt(long long t, char *buf, size_t size);
#define HTTP_DATE_LEN		30	/* "Sun, 06 Nov 1994 08:49:37 GMT" + NUL */

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
/*
 * Sets status and content type and returns the body, emptied, for the
 * caller to write into (an answer rendered straight into it).
 */
struct buf	*http_reply_buf(struct http_req *, int status, const char *ctype);
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
