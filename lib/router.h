/*
 * router.h: maps a method and a path to a route of a table.
 *
 * A route pattern is a literal path whose segments may be parameters,
 * "/v1/tasks/{id}". Matching is segment by segment, on the raw (undecoded)
 * path; a parameter matches one non-empty segment. When the path matches
 * but the method does not, the result is ROUTER_METHOD and the caller gets
 * the Allow list. HEAD is served by GET routes.
 */
#ifndef LIB_ROUTER_H
#define LIB_ROUTER_H

#include <stddef.h>

#include "st.h"

#define ROUTER_MAX_PARAMS	4

struct http_req;

struct route {
	const char	*method;	/* "GET", "POST", ... */
	const char	*pattern;	/* "/v1/tasks/{id}" */
	enum st		(*handler)(struct http_req *);
	const char	*scope;		/* required API key scope, NULL = public */
	const char	*name;		/* short label for logs and metrics */
	/*
	 * Every status the route answers, besides those any request can meet
	 * in front of it (400 413 414 429 431 500 502 504): "200 304 401 403".
	 * docs/openapi.json must declare exactly these plus those; the suite
	 * checks it both ways (tests/e2e/openapi-check.py). NULL: unchecked.
	 */
	const char	*statuses;
};

struct router_param {
	const char	*name;		/* points into the pattern */
	size_t		 namelen;
	const char	*value;		/* points into the path */
	size_t		 valuelen;
};

struct router_match {
	const struct route	*route;		/* borrowed from the table */
	size_t			 nparams;
	struct router_param	 params[ROUTER_MAX_PARAMS];
};

enum router_result {
	ROUTER_FOUND,
	ROUTER_NOTFOUND,
	ROUTER_METHOD,		/* path known, method not: see allow */
};

/*
 * Looks up method and path (without the query) in table (n rows). On
 * ROUTER_METHOD, allow receives "GET, HEAD, POST" style text.
 */
enum router_result router_match(const struct route *table, size_t n,
		    const char *method, const char *path,
		    struct router_match *, char *allow, size_t allowlen);

/* Copies parameter name into dst (NUL-terminated); -1 if absent or too long. */
int		 router_param(const struct router_match *, const char *name,
		    char *dst, size_t size);

#endif
