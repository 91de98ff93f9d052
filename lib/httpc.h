/*
 * httpc.h: the one libcurl wrapper (HTTP client) every module uses: the
 * ACME client, the alert scrape and webhook, the Dynadot API.
 *
 * One struct httpc is one reusable curl handle, so a conversation with one
 * server keeps its connection (the ACME client makes dozens of requests).
 * Every request gets the same set-up: our User-Agent, a total and connect
 * timeout, http and https only, no redirects followed, no signals, the CA
 * file when one is configured. The reply body goes into a struct buf the
 * caller capped; a reply past the cap stops the transfer (ST_TOOBIG), so a
 * hostile server cannot make us buffer without bound.
 *
 * Errors: httpc_perform() returns ST_OK whenever a reply came, whatever its
 * HTTP status (the caller judges the status); otherwise *cause holds the
 * reason alone ("Connection refused", "the reply is larger than 65536
 * bytes"), and the caller adds which request it was (cause_prefix), so it
 * decides how much of the URL may be shown. A scrub hook sees every error
 * and debug text first, for secrets a URL carries (the Dynadot key).
 *
 * URLs are taken apart and put together with libcurl's URL API
 * (curl_url), never by hand: httpc_url_kind(), httpc_url_redact(),
 * httpc_url_append(), httpc_escape().
 */
#ifndef LIB_HTTPC_H
#define LIB_HTTPC_H

#include <stddef.h>

#include "st.h"

struct buf;
struct httpc;

#define HTTPC_MAX_HEADER	8192	/* longer reply header lines are skipped */

/* Turns text into a copy safe to print (caller frees; NULL on ENOMEM). */
typedef char *httpc_scrub_fn(const char *text, void *arg);
/*
 * Called for each reply header line: name and value (trimmed), not
 * NUL-terminated. name is NULL at the status line that starts each header
 * block (after a 100 Continue, say), so state can be reset.
 */
typedef void httpc_header_fn(void *arg, const char *name, size_t nlen,
		    const char *value, size_t vlen);

/* What every request of one handle shares. */
struct httpc_opts {
	const char	*user_agent;	/* NULL: "bootstack/VERSION" */
	const char	*ca_file;	/* CURLOPT_CAINFO; NULL: system store */
	long		 timeout;	/* seconds, total and connect; <= 0: 30 */
	const char	*connect_to;	/* connect here instead (an address),
					   any host and port; NULL */
	int		 debug;		/* log the exchange at debug level */
	const char	*debug_name;	/* prefix of those lines: "dynadot" */
	httpc_scrub_fn	*scrub;		/* NULL: texts are shown as they are */
	void		*scrub_arg;
};

/* One request. */
struct httpc_req {
	const char	*method;	/* "GET" (NULL), "HEAD" or "POST" */
	const char	*url;
	const char	*body;		/* POST: the body (len bytes) */
	size_t		 len;
	const char *const *headers;	/* "Name: value", NULL-ended; or NULL */
	httpc_header_fn	*header;	/* or NULL */
	void		*header_arg;
};

/* What came back besides the body. */
struct httpc_reply {
	long		 code;		/* HTTP status; 0 without a reply */
	long		 retry_after;	/* Retry-After in seconds; 0 = none */
};

/* A handle (caller httpc_free()s); NULL with *cause. opts is copied. */
struct httpc	*httpc_new(const struct httpc_opts *, char **cause);
void		 httpc_free(struct httpc *);			/* NULL-safe */
/*
 * Performs req, the body going into body (capped by its max; reset first).
 * ST_OK when a reply came (reply->code says which); else ST_TOOBIG (body
 * cap), ST_BADREQ (a malformed URL, a scheme other than http/https),
 * ST_UNAVAILABLE (no connection, TLS, timeout: a retry may help) or
 * ST_NOMEM, with the reason in *cause. reply (may be NULL) is filled
 * either way: after ST_TOOBIG its code is the status of the cut reply.
 */
enum st		 httpc_perform(struct httpc *, const struct httpc_req *,
		    struct buf *body, struct httpc_reply *reply, char **cause);

/* What a URL is, for the rules about where a secret may go. */
enum httpc_url_kind {
	HTTPC_URL_BAD = 0,		/* not an http(s) URL we can parse */
	HTTPC_URL_HTTPS,
	HTTPC_URL_HTTP_LOOPBACK,	/* http:// to localhost, 127/8, ::1 */
	HTTPC_URL_HTTP,			/* http:// to any other host */
};
enum httpc_url_kind httpc_url_kind(const char *url);
/*
 * The URL as it may be shown: scheme, host and port only, "/..." when
 * anything followed ("https://hooks.example.com/..."): no user, password,
 * path or query. "(a malformed URL)" for one that does not parse.
 */
void		 httpc_url_redact(const char *url, char *out, size_t size);
/*
 * url with query appended to its query string ("a=1&b=2", already encoded,
 * joined with '&'). Caller frees; NULL on ENOMEM or a malformed URL.
 */
char		*httpc_url_append(const char *url, const char *query);
/*
 * s percent-encoded (RFC 3986: only unreserved characters are kept).
 * Caller frees; NULL on ENOMEM.
 */
char		*httpc_escape(const char *s);

#endif
