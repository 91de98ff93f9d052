/*
 * alert_notify.c: the parts of `bootstack alert` that talk to the world:
 * the /metrics scrape and the webhook (libcurl), sendmail and the command
 * (a child process fed on stdin).
 *
 * Every answer read goes into a capped struct buf; every call has a
 * deadline ([alerts] timeout), a child included: it is killed when it
 * passes. The webhook token is sent in a header built here and never
 * logged, and error texts name a URL by its scheme and host only (a Slack
 * webhook URL is itself a secret: httpc_url_redact). HTTP goes through
 * lib/httpc.h, children through lib/proc.h (no shell, none of our file
 * descriptors, the end of their output in the error text).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "cause.h"
#include "httpc.h"
#include "log.h"
#include "proc.h"

#define ALERT_MAX_REPLY		(64 * 1024)	/* webhook answer kept */
#define ALERT_MAX_CHILD_OUT	512		/* child output in errors */

/* A handle for one request of ours; NULL with *cause. */
static struct httpc *
alert_httpc(const char *ca_file, const char *connect_to, long timeout,
    char **cause)
{
	struct httpc_opts	 o;

	memset(&o, 0, sizeof(o));
	o.ca_file = ca_file;
	o.connect_to = connect_to;
	o.timeout = timeout;
	return (httpc_new(&o, cause));
}

/* See alert.h. */
enum st
alert_fetch(const char *url, const char *ca_file, const char *connect_to,
    long timeout, struct buf *out, char **cause)
{
	struct httpc_req	 req;
	struct httpc_reply	 rep;
	struct httpc		*h;
	char			 u[256];
	enum st			 st;

	*cause = NULL;
	httpc_url_redact(url, u, sizeof(u));
	if ((h = alert_httpc(ca_file, connect_to, timeout, cause)) == NULL)
		return (ST_NOMEM);
	memset(&req, 0, sizeof(req));
	req.url = url;
	log_debug("alert: GET %s", u);
	if ((st = httpc_perform(h, &req, out, &rep, cause)) != ST_OK) {
		cause_prefix(cause, "GET %s", u);
		st = st == ST_NOMEM ? ST_NOMEM : ST_UPSTREAM;
	} else if (rep.code != 200)
		st = cause_st(cause, ST_UPSTREAM, "GET %s: HTTP %ld", u,
		    rep.code);
	httpc_free(h);
	return (st);
}

/* See alert.h. */
enum st
alert_post(const char *url, const char *token, const char *ca_file,
    long timeout, const char *json, char **cause)
{
	struct httpc_req	 req;
	struct httpc_reply	 rep;
	struct httpc		*h;
	struct buf		 out;
	const char		*hdr[3] = { "Content-Type: application/json",
				    NULL, NULL };
	char			 u[256], *auth = NULL;
	enum st			 st;

	*cause = NULL;
	httpc_url_redact(url, u, sizeof(u));
	if (token != NULL && httpc_url_kind(url) == HTTPC_URL_HTTP)
		return (cause_st(cause, ST_BADREQ, "POST %s: refusing to send "
		    "the webhook token over plain http beyond loopback (use "
		    "https)", u));
	if (token != NULL &&
	    asprintf(&auth, "Authorization: Bearer %s", token) == -1)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	hdr[1] = auth;
	if ((h = alert_httpc(ca_file, NULL, timeout, cause)) == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	buf_init(&out, ALERT_MAX_REPLY);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = json;
	req.len = strlen(json);
	req.headers = hdr;
	log_debug("alert: POST %s (%zu bytes)", u, req.len);
	/* An answer past the cap still is an answer: its status counts. */
	st = httpc_perform(h, &req, &out, &rep, cause);
	if (st == ST_TOOBIG) {
		cause_clear(cause);
		st = ST_OK;
	}
	if (st != ST_OK) {
		cause_prefix(cause, "POST %s", u);
		st = st == ST_NOMEM ? ST_NOMEM : ST_UPSTREAM;
	} else if (rep.code < 200 || rep.code > 299)
		st = cause_st(cause, ST_UPSTREAM, "POST %s: HTTP %ld", u,
		    rep.code);
	buf_cleanup(&out);
	httpc_free(h);
out:
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return (st);
}

/* See alert.h. */
enum st
alert_exec(char *const argv[], const char *input, size_t len, long timeout,
    char **cause)
{
	struct proc_opts	 o;
	enum st			 st;

	*cause = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.input = input != NULL ? input : "";
	o.len = input != NULL ? len : 0;
	o.timeout_ms = timeout * 1000;
	o.keep = ALERT_MAX_CHILD_OUT;
	st = proc_run(&o, NULL, cause);
	return (st == ST_OK || st == ST_NOMEM ? st : ST_UPSTREAM);
}

/* See alert.h. */
char **
alert_split(const char *s, size_t max)
{
	char	**v;
	size_t	 n = 0, len;

	if ((v = calloc(max + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (n == max || (v[n] = strndup(s, len)) == NULL) {
			alert_split_free(v);
			return (NULL);
		}
		n++;
		s += len;
	}
	if (n == 0) {
		free(v);
		return (NULL);
	}
	return (v);
}

/* See alert.h. */
void
alert_split_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
