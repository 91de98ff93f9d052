/*
 * st.c: the status table. One row per enum st, in enum order; a unit test
 * checks that the rows and the enum agree.
 */
#include "autoconf.h"

#include <stddef.h>

#include "st.h"

static const struct {
	enum st		 st;
	int		 http;
	const char	*title;
	const char	*slug;
} st_table[] = {
	{ ST_OK,		200, "ok",			"ok" },
	{ ST_NOMEM,		500, "out of memory",		"internal-error" },
	{ ST_BADREQ,		400, "bad request",		"bad-request" },
	{ ST_UNAUTH,		401, "unauthorized",		"unauthorized" },
	{ ST_FORBIDDEN,		403, "forbidden",		"forbidden" },
	{ ST_NOTFOUND,		404, "not found",		"not-found" },
	{ ST_METHOD,		405, "method not allowed",	"method-not-allowed" },
	{ ST_NOTACCEPT,		406, "not acceptable",		"not-acceptable" },
	{ ST_CONFLICT,		409, "conflict",		"conflict" },
	{ ST_PRECOND,		412, "precondition failed",	"precondition-failed" },
	{ ST_TOOBIG,		413, "content too large",	"content-too-large" },
	{ ST_MEDIATYPE,		415, "unsupported media type",	"unsupported-media-type" },
	{ ST_UNPROCESSABLE,	422, "unprocessable content",	"unprocessable-content" },
	{ ST_RATELIMIT,		429, "too many requests",	"too-many-requests" },
	{ ST_INTERNAL,		500, "internal error",		"internal-error" },
	{ ST_UPSTREAM,		502, "bad gateway",		"bad-gateway" },
	{ ST_UNAVAILABLE,	503, "service unavailable",	"service-unavailable" },
	{ ST_TIMEOUT,		504, "gateway timeout",		"gateway-timeout" },
	{ ST_DB,		500, "database error",		"internal-error" },
	{ ST_IO,		500, "input/output error",	"internal-error" },
	{ ST_URITOOLONG,	414, "uri too long",		"uri-too-long" },
	{ ST_PRECONDREQ,	428, "precondition required",	"precondition-required" },
};

/* Returns the row for st, or the ST_INTERNAL row for an out-of-range value. */
static size_t
st_row(enum st st)
{
	if ((unsigned)st >= sizeof(st_table) / sizeof(st_table[0]))
		return (ST_INTERNAL);
	return ((size_t)st);
}

/* Human title of a status: "bad request". */
const char *
st_str(enum st st)
{
	return (st_table[st_row(st)].title);
}

/* Problem type slug of a status: "bad-request". */
const char *
st_slug(enum st st)
{
	return (st_table[st_row(st)].slug);
}

/* HTTP status code of a status. */
int
st_http(enum st st)
{
	return (st_table[st_row(st)].http);
}

/* The RFC 9110 reason phrase for an HTTP code, for the FastCGI Status line. */
const char *
st_http_reason(int code)
{
	switch (code) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 204: return ("No Content");
	case 301: return ("Moved Permanently");
	case 302: return ("Found");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 406: return ("Not Acceptable");
	case 409: return ("Conflict");
	case 412: return ("Precondition Failed");
	case 413: return ("Content Too Large");
	case 414: return ("URI Too Long");
	case 415: return ("Unsupported Media Type");
	case 422: return ("Unprocessable Content");
	case 428: return ("Precondition Required");
	case 429: return ("Too Many Requests");
	case 500: return ("Internal Server Error");
	case 502: return ("Bad Gateway");
	case 503: return ("Service Unavailable");
	case 504: return ("Gateway Timeout");
	default:  return ("Unknown");
	}
}
