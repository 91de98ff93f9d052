/*
 * httpc.c: the libcurl wrapper; see httpc.h for the contract.
 *
 * Design: curl_easy_reset() before every request, then the one set-up
 * function (httpc_setup) sets every option we rely on, so no option of a
 * previous request leaks into the next while the connection cache
 * survives. The body and header callbacks never fail except at the body
 * cap. Caveat: the header callback sees raw lines, so folded (obsolete)
 * header continuations are passed on as lines without a name and ignored.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "cause.h"
#include "httpc.h"
#include "log.h"

struct httpc {
	CURL		*curl;		/* reused: keeps the connection */
	char		*user_agent;
	char		*ca_file;	/* or NULL */
	long		 timeout;	/* seconds */
	struct curl_slist *connect_to;	/* CURLOPT_CONNECT_TO, or NULL */
	int		 debug;
	char		*debug_name;
	httpc_scrub_fn	*scrub;
	void		*scrub_arg;
	char		 errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks of one transfer share. */
struct httpc_xfer {
	struct httpc		*h;
	const struct httpc_req	*req;
	struct buf		*body;
	int			 toobig;	/* the body hit its cap */
};

/* See httpc.h. */
struct httpc *
httpc_new(const struct httpc_opts *o, char **cause)
{
	struct httpc	*h;
	char		*spec = NULL;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (cause_set(cause, "out of memory"), NULL);
	h->timeout = o->timeout > 0 ? o->timeout : 30;
	h->debug = o->debug;
	h->scrub = o->scrub;
	h->scrub_arg = o->scrub_arg;
	if ((h->user_agent = strdup(o->user_agent != NULL ? o->user_agent :
	    "bootstack/" PACKAGE_VERSION)) == NULL ||
	    (o->ca_file != NULL && *o->ca_file != '\0' &&
	    (h->ca_file = strdup(o->ca_file)) == NULL) ||
	    (h->debug_name = strdup(o->debug_name != NULL ? o->debug_name :
	    "http")) == NULL)
		goto nomem;
	if (o->connect_to != NULL && *o->connect_to != '\0') {
		/* "::ADDR:": any host, any port, to ADDR on that port. */
		if (asprintf(&spec, strchr(o->connect_to, ':') != NULL &&
		    o->connect_to[0] != '[' ? "::[%s]:" : "::%s:",
		    o->connect_to) == -1) {
			spec = NULL;
			goto nomem;
		}
		if ((h->connect_to = curl_slist_append(NULL, spec)) == NULL)
			goto nomem;
		free(spec);
		spec = NULL;
	}
	if ((h->curl = curl_easy_init()) == NULL) {
		httpc_free(h);
		return (cause_set(cause, "cannot start libcurl"), NULL);
	}
	return (h);
nomem:
	free(spec);
	httpc_free(h);
	return (cause_set(cause, "out of memory"), NULL);
}

/* See httpc.h. */
void
httpc_free(struct httpc *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->connect_to);
	free(h->user_agent);
	free(h->ca_file);
	free(h->debug_name);
	free(h);
}

/* Body callback: appends to the capped buf; the cap stops the transfer. */
static size_t
httpc_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct httpc_xfer	*x = arg;
	enum st			 st;

	if ((st = buf_add(x->body, p, size * n)) != ST_OK) {
		x->toobig = st == ST_TOOBIG;
		return (0);
	}
	return (size * n);
}

/* Header callback: splits "Name: value" and hands it to the caller. */
static size_t
httpc_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct httpc_xfer	*x = arg;
	size_t			 len = size * n, nlen, vlen;
	const char		*colon, *v;

	if (x->req->header == NULL)
		return (len);
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->req->header(x->req->header_arg, NULL, 0, p, len);
		return (len);
	}
	if ((colon = memchr(p, ':', len)) == NULL || len > HTTPC_MAX_HEADER)
		return (len);
	nlen = (size_t)(colon - p);
	for (v = colon + 1; v < p + len && (*v == ' ' || *v == '\t'); v++)
		;
	vlen = (size_t)(p + len - v);
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	x->req->header(x->req->header_arg, p, nlen, v, vlen);
	return (len);
}

/* A copy of text through the scrub hook (caller frees); NULL on ENOMEM. */
static char *
httpc_scrubbed(const struct httpc *h, const char *text)
{
	return (h->scrub != NULL ? h->scrub(text, h->scrub_arg) : strdup(text));
}

/* Debug callback: one scrubbed log line per text or header chunk. */
static int
httpc_debug_cb(CURL *c, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct httpc	*h = arg;
	const char	*dir;
	char		 line[1024], *p, *s;
	size_t		 n;

	(void)c;
	switch (type) {
	case CURLINFO_TEXT:
		dir = "*";
		break;
	case CURLINFO_HEADER_OUT:
		dir = ">";
		break;
	case CURLINFO_HEADER_IN:
		dir = "<";
		break;
	default:
		return (0);
	}
	n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	memcpy(line, data, n);
	line[n] = '\0';
	for (p = line; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	if ((s = httpc_scrubbed(h, line)) != NULL) {
		log_debug("%s: %s %s", h->debug_name, dir, s);
		free(s);
	}
	return (0);
}

/* Sets every option a request relies on (after curl_easy_reset). */
static int
httpc_setup(struct httpc *h, const struct httpc_req *r, struct httpc_xfer *x,
    struct curl_slist **hdrs)
{
	const char *const	*hp;
	struct curl_slist	*t;
	const char		*method = r->method != NULL ? r->method : "GET";

	*hdrs = NULL;
	curl_easy_reset(h->curl);
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_URL, r->url);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->timeout);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, h->timeout);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "https,http");
#else
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
	if (h->ca_file != NULL)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->ca_file);
	if (h->connect_to != NULL)
		curl_easy_setopt(h->curl, CURLOPT_CONNECT_TO, h->connect_to);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, httpc_write_cb);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, httpc_header_cb);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, x);
	if (h->debug && log_min_level <= LOG_LEVEL_DEBUG) {
		curl_easy_setopt(h->curl, CURLOPT_DEBUGFUNCTION,
		    httpc_debug_cb);
		curl_easy_setopt(h->curl, CURLOPT_DEBUGDATA, h);
		curl_easy_setopt(h->curl, CURLOPT_VERBOSE, 1L);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
		    r->body != NULL ? r->body : "");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE,
		    (long)(r->body != NULL ? r->len : 0));
	} else
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	for (hp = r->headers; hp != NULL && *hp != NULL; hp++) {
		if ((t = curl_slist_append(*hdrs, *hp)) == NULL)
			return (-1);
		*hdrs = t;
	}
	if (*hdrs != NULL)
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, *hdrs);
	return (0);
}

/* See httpc.h. */
enum st
httpc_perform(struct httpc *h, const struct httpc_req *r, struct buf *body,
    struct httpc_reply *reply, char **cause)
{
	struct httpc_xfer	 x;
	struct curl_slist	*hdrs = NULL;
	curl_off_t		 ra = 0;
	CURLcode		 cc;
	char			*why;
	enum st			 st = ST_OK;

	if (reply != NULL)
		memset(reply, 0, sizeof(*reply));
	buf_reset(body);
	memset(&x, 0, sizeof(x));
	x.h = h;
	x.req = r;
	x.body = body;
	if (httpc_setup(h, r, &x, &hdrs) != 0) {
		st = cause_st(cause, ST_NOMEM, "out of memory");
		goto out;
	}
	cc = curl_easy_perform(h->curl);
	if (reply != NULL) {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
		    &reply->code);
		if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER,
		    &ra) == CURLE_OK && ra > 0)
			reply->retry_after = ra > 86400 * 366 ? 86400 * 366 :
			    (long)ra;
	}
	if (cc != CURLE_OK) {
		if (x.toobig)
			st = cause_st(cause, ST_TOOBIG, "the reply is larger "
			    "than %zu bytes", body->max);
		else {
			st = cc == CURLE_URL_MALFORMAT ||
			    cc == CURLE_UNSUPPORTED_PROTOCOL ? ST_BADREQ :
			    cc == CURLE_OUT_OF_MEMORY || cc == CURLE_WRITE_ERROR ?
			    ST_NOMEM : ST_UNAVAILABLE;
			why = httpc_scrubbed(h, h->errbuf[0] != '\0' ?
			    h->errbuf : curl_easy_strerror(cc));
			cause_set(cause, "%s", why != NULL ? why :
			    curl_easy_strerror(cc));
			free(why);
		}
		goto out;
	}
out:
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	return (st);
}

/* True when the host part of a URL (as curl_url gives it) is loopback. */
static int
httpc_host_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 b[INET6_ADDRSTRLEN];
	size_t		 n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(b)) {
		memcpy(b, host + 1, n - 2);
		b[n - 2] = '\0';
		if (strchr(b, '%') != NULL)
			*strchr(b, '%') = '\0';		/* a zone id */
		return (inet_pton(AF_INET6, b, &a6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a6));
	}
	return (0);
}

/* Parses url into a new handle; NULL when it does not parse. */
static CURLU *
httpc_url_parse(const char *url)
{
	CURLU	*u;

	if ((u = curl_url()) == NULL)
		return (NULL);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return (NULL);
	}
	return (u);
}

/* See httpc.h. */
enum httpc_url_kind
httpc_url_kind(const char *url)
{
	CURLU			*u;
	char			*scheme = NULL, *host = NULL;
	enum httpc_url_kind	 k = HTTPC_URL_BAD;

	if (url == NULL || (u = httpc_url_parse(url)) == NULL)
		return (HTTPC_URL_BAD);
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (strcasecmp(scheme, "https") == 0)
			k = HTTPC_URL_HTTPS;
		else if (strcasecmp(scheme, "http") == 0)
			k = httpc_host_loopback(host) ? HTTPC_URL_HTTP_LOOPBACK :
			    HTTPC_URL_HTTP;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return (k);
}

/* See httpc.h. */
void
httpc_url_redact(const char *url, char *out, size_t size)
{
	CURLU	*u = NULL;
	char	*scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char	*query = NULL, *frag = NULL;
	int	 more;

	if (url == NULL || (u = httpc_url_parse(url)) == NULL ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		curl_free(scheme);
		(void)snprintf(out, size, "(a malformed URL)");
		return;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
	(void)curl_url_get(u, CURLUPART_PATH, &path, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	/* Anything after the authority, even a bare "/" that was written. */
	more = (path != NULL && strcmp(path, "/") != 0) || query != NULL ||
	    frag != NULL || strchr(strstr(url, "://") != NULL ?
	    strstr(url, "://") + 3 : url, '/') != NULL;
	(void)snprintf(out, size, "%s://%s%s%s%s", scheme, host,
	    port != NULL ? ":" : "", port != NULL ? port : "",
	    more ? "/..." : "");
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
}

/* See httpc.h. */
char *
httpc_url_append(const char *url, const char *query)
{
	CURLU	*u;
	char	*s = NULL, *out = NULL;

	if ((u = httpc_url_parse(url)) == NULL)
		return (NULL);
	if (curl_url_set(u, CURLUPART_QUERY, query, CURLU_APPENDQUERY) ==
	    CURLUE_OK && curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = strdup(s);
	if (s != NULL) {
		explicit_bzero(s, strlen(s));	/* may hold a key */
		curl_free(s);
	}
	curl_url_cleanup(u);
	return (out);
}

/* See httpc.h. */
char *
httpc_escape(const char *s)
{
	CURL	*c = NULL;
	char	*e, *out;

#if LIBCURL_VERSION_NUM < 0x075200
	if ((c = curl_easy_init()) == NULL)
		return (NULL);
#endif
	e = curl_easy_escape(c, s, (int)strlen(s));
	if (c != NULL)
		curl_easy_cleanup(c);
	if (e == NULL)
		return (NULL);
	out = strdup(e);
	explicit_bzero(e, strlen(e));
	curl_free(e);
	return (out);
}
