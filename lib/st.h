/*
 * st.h: the one status enum every lib/ function returns, and the table that
 * maps it to an HTTP status, a short title and a problem type slug.
 */
#ifndef LIB_ST_H
#define LIB_ST_H

enum st {
	ST_OK = 0,
	ST_NOMEM,		/* allocation failed */
	ST_BADREQ,		/* malformed or invalid input (400) */
	ST_UNAUTH,		/* missing or bad credentials (401) */
	ST_FORBIDDEN,		/* authenticated, not allowed (403) */
	ST_NOTFOUND,		/* no such resource or route (404) */
	ST_METHOD,		/* route exists, method does not (405) */
	ST_NOTACCEPT,		/* cannot produce the asked media type (406) */
	ST_CONFLICT,		/* state conflict (409) */
	ST_PRECOND,		/* If-Match failed (412) */
	ST_TOOBIG,		/* a size cap was hit (413) */
	ST_MEDIATYPE,		/* unsupported content type (415) */
	ST_UNPROCESSABLE,	/* well-formed but refused (422) */
	ST_RATELIMIT,		/* too many requests (429) */
	ST_INTERNAL,		/* a bug or an impossible state (500) */
	ST_UPSTREAM,		/* an outside service failed (502) */
	ST_UNAVAILABLE,		/* a dependency is down, retry later (503) */
	ST_TIMEOUT,		/* a deadline passed (504) */
	ST_DB,			/* a database error that is not an outage (500) */
	ST_IO,			/* a local file or socket error (500) */
	ST_URITOOLONG,		/* the request path is longer than kept (414) */
	ST_PRECONDREQ,		/* a conditional header is required (428) */
	ST__COUNT
};

const char	*st_str(enum st);	/* "bad request"; never NULL */
const char	*st_slug(enum st);	/* "bad-request": problem type suffix */
int		 st_http(enum st);	/* ST_BADREQ -> 400 */
const char	*st_http_reason(int);	/* 400 -> "Bad Request" */

#endif
