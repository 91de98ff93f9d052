/*
 * acme_http.c: the transport of the ACME client: one exchange through
 * lib/httpc.h (the reused handle keeps the connection), the headers the
 * protocol reads (Replay-Nonce, Location, Retry-After, Link), signed POSTs
 * with badNonce retries (RFC 8555 6.2, 6.3, 6.5) and polling with
 * Retry-After or a doubling back-off and a deadline (7.5.1, 7.4).
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "acme.h"
#include "acme/acme_int.h"
#include "base64url.h"
#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonutil.h"
#include "log.h"

/* --- HTTP ------------------------------------------------------------------ */

/* Prepares r for a request of a. */
void
acme_reply_init(struct acme_reply *r, struct acme *a)
{
	memset(r, 0, sizeof(*r));
	r->a = a;
	buf_init(&r->body, a->max_reply);
}

/* Frees what r holds; r can be used again afterwards. */
void
acme_reply_cleanup(struct acme_reply *r)
{
	size_t	 i;

	buf_cleanup(&r->body);
	free(r->location);
	free(r->retry_after);
	for (i = 0; i < r->nlinks; i++)
		free(r->links[i]);
	free(r->links);
	r->location = r->retry_after = NULL;
	r->links = NULL;
	r->nlinks = 0;
	r->code = 0;
	r->toobig = 0;
}

/* Replaces *dst with a copy of the header value [v, v+len). */
static void
acme_header_set(char **dst, const char *v, size_t len)
{
	free(*dst);
	*dst = strndup(v, len);
}

/* Header hook (lib/httpc.h): keeps the headers the protocol uses. */
static void
acme_header_cb(void *arg, const char *p, size_t nlen, const char *v,
    size_t vlen)
{
	struct acme_reply	*r = arg;
	char			*tmp;

	if (p == NULL) {
		/* A new header block (after 100 Continue): start over. */
		free(r->location);
		free(r->retry_after);
		r->location = r->retry_after = NULL;
		return;
	}
	if (vlen > ACME_MAX_HEADER)
		return;
	if (nlen == 12 && strncasecmp(p, "Replay-Nonce", 12) == 0) {
		if ((tmp = strndup(v, vlen)) != NULL && base64url_valid(tmp)) {
			free(r->a->nonce);
			r->a->nonce = tmp;
		} else
			free(tmp);
	} else if (nlen == 8 && strncasecmp(p, "Location", 8) == 0)
		acme_header_set(&r->location, v, vlen);
	else if (nlen == 11 && strncasecmp(p, "Retry-After", 11) == 0)
		acme_header_set(&r->retry_after, v, vlen);
	else if (nlen == 4 && strncasecmp(p, "Link", 4) == 0 &&
	    (tmp = strndup(v, vlen)) != NULL) {
		(void)acme_link_alternates(tmp, &r->links, &r->nlinks);
		free(tmp);
	}
}

/*
 * One HTTP exchange: method is "GET", "HEAD" or "POST" (body is then a JWS).
 * ST_OK whatever the HTTP status (r->code); an error only when no reply
 * came: ST_UNAVAILABLE (connection, TLS, timeout) or ST_TOOBIG.
 */
enum st
acme_http(struct acme *a, const char *method, const char *url,
    const char *body, const char *accept, struct acme_reply *r, char **cause)
{
	struct httpc_req	 req;
	struct httpc_reply	 rep;
	const char		*hdr[3];
	char			 acc[128];
	size_t			 n = 0;
	enum st			 st;

	(void)snprintf(acc, sizeof(acc), "Accept: %s",
	    accept != NULL ? accept : "application/json");
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	if (strcmp(method, "POST") == 0) {
		req.body = body;
		req.len = strlen(body);
		hdr[n++] = "Content-Type: application/jose+json";
	}
	hdr[n++] = acc;
	hdr[n] = NULL;
	req.headers = hdr;
	req.header = acme_header_cb;
	req.header_arg = r;
	st = httpc_perform(a->http, &req, &r->body, &rep, cause);
	if (st != ST_OK) {
		r->toobig = st == ST_TOOBIG;
		cause_prefix(cause, "%s %s", method, url);
		return (st == ST_TOOBIG || st == ST_NOMEM ? st : ST_UNAVAILABLE);
	}
	r->code = rep.code;
	log_debug("acme: %s %s -> %ld (%zu bytes)", method, url, r->code,
	    r->body.len);
	return (ST_OK);
}

/*
 * Turns an error reply into *cause: "what: TYPE: DETAIL [subproblems]
 * (HTTP n[, retry after n s])". ST_RATELIMIT for rateLimited or 429,
 * else ST_UPSTREAM.
 */
enum st
acme_fail_reply(struct acme_reply *r, const char *what, char **cause)
{
	struct acme_problem	 p;
	char			*ps = NULL, ra[64];
	long			 secs;
	enum st			 st = ST_UPSTREAM;

	acme_problem_init(&p);
	ra[0] = '\0';
	if (r->retry_after != NULL &&
	    (secs = acme_retry_after(r->retry_after, clock_now())) >= 0)
		(void)snprintf(ra, sizeof(ra), ", retry after %ld s", secs);
	if (acme_problem_parse(buf_str(&r->body), r->body.len, &p) == 0) {
		ps = acme_problem_str(&p);
		if (acme_problem_is(&p, "rateLimited"))
			st = ST_RATELIMIT;
		acme_problem_cleanup(&p);
	}
	if (r->code == 429)
		st = ST_RATELIMIT;
	/* Kept for the caller's state: not before then (else an hour). */
	if (st == ST_RATELIMIT)
		r->a->rl_until = clock_now() + (r->retry_after != NULL &&
		    (secs = acme_retry_after(r->retry_after, clock_now())) >= 0 ?
		    secs : 3600);
	cause_st(cause, st, "%s: %s (HTTP %ld%s)", what,
	    ps != NULL ? ps : "no problem document in the reply", r->code, ra);
	free(ps);
	return (st);
}

/* Parses the reply body as a JSON object; *out is the caller's. */
enum st
acme_reply_json(struct acme_reply *r, const char *what, json_object **out,
    char **cause)
{
	char	 err[128];

	*out = NULL;
	if (jsonutil_parse(buf_str(&r->body), r->body.len, ACME_JSON_DEPTH, out,
	    err, sizeof(err)) != ST_OK)
		return (cause_st(cause, ST_UPSTREAM, "%s: malformed JSON "
		    "reply: %s", what, err));
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return (cause_st(cause, ST_UPSTREAM, "%s: the reply is not a "
		    "JSON object", what));
	}
	return (ST_OK);
}

/* Gets a fresh nonce from newNonce (7.2). */
static enum st
acme_new_nonce(struct acme *a, char **cause)
{
	struct acme_reply	 r;
	enum st			 st;

	acme_reply_init(&r, a);
	st = acme_http(a, "HEAD", a->u_nonce, NULL, NULL, &r, cause);
	if (st == ST_OK && (r.code < 200 || r.code > 299))
		st = cause_st(cause, ST_UPSTREAM, "newNonce %s: HTTP %ld",
		    a->u_nonce, r.code);
	else if (st == ST_OK && a->nonce == NULL)
		st = cause_st(cause, ST_UPSTREAM, "newNonce %s: no "
		    "Replay-Nonce in the reply", a->u_nonce);
	acme_reply_cleanup(&r);
	return (st);
}

/* Adds a string member; -1 on ENOMEM. */
int
acme_obj_str(json_object *obj, const char *key, const char *val)
{
	json_object	*s;

	if ((s = json_object_new_string(val)) == NULL)
		return (-1);
	if (json_object_object_add(obj, key, s) != 0) {
		json_object_put(s);
		return (-1);
	}
	return (0);
}

/* An object's JSON text (caller frees); NULL on ENOMEM. */
char *
acme_obj_text(json_object *obj)
{
	const char	*s;

	s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return (s != NULL ? strdup(s) : NULL);
}

/* The JWS protected header for url: alg, kid or jwk, nonce, url (6.2). */
static char *
acme_protected(struct acme *a, const char *url, int use_jwk)
{
	json_object	*obj, *jwk;
	char		*out = NULL;

	if ((obj = json_object_new_object()) == NULL)
		return (NULL);
	if (acme_obj_str(obj, "alg", crypto_jws_alg(a->key)) != 0)
		goto out;
	if (use_jwk || a->kid == NULL) {
		if ((jwk = json_tokener_parse(a->jwk)) == NULL)
			goto out;
		if (json_object_object_add(obj, "jwk", jwk) != 0) {
			json_object_put(jwk);
			goto out;
		}
	} else if (acme_obj_str(obj, "kid", a->kid) != 0)
		goto out;
	if (acme_obj_str(obj, "nonce", a->nonce) != 0 ||
	    acme_obj_str(obj, "url", url) != 0)
		goto out;
	out = acme_obj_text(obj);
out:
	json_object_put(obj);
	return (out);
}

/*
 * A signed POST of payload (NULL: POST-as-GET, 6.3) to url. A badNonce is
 * retried at once with the nonce it carried, at most nonce_retries times.
 * ST_OK whatever the final HTTP status; r holds the reply.
 */
enum st
acme_post(struct acme *a, const char *url, const char *payload, int use_jwk,
    const char *accept, struct acme_reply *r, char **cause)
{
	struct acme_problem	 p;
	char			*prot, *jws, *why = NULL;
	int			 attempt, bad;
	enum st			 st;

	acme_problem_init(&p);
	for (attempt = 0;; attempt++) {
		acme_reply_cleanup(r);
		buf_init(&r->body, a->max_reply);
		if (a->nonce == NULL &&
		    (st = acme_new_nonce(a, cause)) != ST_OK)
			return (st);
		prot = acme_protected(a, url, use_jwk);
		free(a->nonce);			/* a nonce is used once */
		a->nonce = NULL;
		if (prot == NULL)
			return (cause_st(cause, ST_NOMEM, "out of memory"));
		jws = crypto_jws(a->key, prot, payload != NULL ? payload : "",
		    payload != NULL ? strlen(payload) : 0, &why);
		free(prot);
		if (jws == NULL) {
			st = cause_st(cause, ST_INTERNAL, "%s: %s", url,
			    why != NULL ? why : "cannot sign");
			free(why);
			return (st);
		}
		st = acme_http(a, "POST", url, jws, accept, r, cause);
		free(jws);
		if (st != ST_OK)
			return (st);
		if (r->code < 400 || attempt >= a->nonce_retries)
			return (ST_OK);
		bad = acme_problem_parse(buf_str(&r->body), r->body.len,
		    &p) == 0 && acme_problem_is(&p, "badNonce");
		acme_problem_cleanup(&p);
		if (!bad)
			return (ST_OK);
		log_debug("acme: %s: badNonce, retrying (%d)", url, attempt + 1);
	}
}

/* True if s is one of the '|'-separated words. */
static int
acme_status_in(const char *s, const char *words)
{
	size_t		 n = strlen(s);
	const char	*w = words, *bar;

	for (;;) {
		bar = strchr(w, '|');
		if ((size_t)((bar != NULL ? bar : w + strlen(w)) - w) == n &&
		    strncmp(w, s, n) == 0)
			return (1);
		if (bar == NULL)
			return (0);
		w = bar + 1;
	}
}

/*
 * POST-as-GETs url until its "status" is not one of waiting ("pending|
 * processing"), honouring Retry-After, else backing off from 100 ms to 5 s,
 * for at most poll_timeout seconds. *out: the last object (caller puts).
 */
enum st
acme_poll(struct acme *a, const char *url, const char *what,
    const char *waiting, json_object **out, char **cause)
{
	struct acme_reply	 r;
	json_object		*obj = NULL;
	const char		*status;
	time_t			 deadline = time(NULL) + a->poll_timeout;
	long			 wait_ms = ACME_POLL_FIRST_MS, ra;
	enum st			 st;

	*out = NULL;
	acme_reply_init(&r, a);
	for (;;) {
		st = acme_post(a, url, NULL, 0, NULL, &r, cause);
		if (st != ST_OK)
			break;
		if (r.code != 200) {
			st = acme_fail_reply(&r, what, cause);
			break;
		}
		if ((st = acme_reply_json(&r, what, &obj, cause)) != ST_OK)
			break;
		if ((status = jsonutil_get_str(obj, "status")) == NULL) {
			st = cause_st(cause, ST_UPSTREAM, "%s: reply without "
			    "a status", what);
			break;
		}
		if (!acme_status_in(status, waiting)) {
			*out = obj;
			obj = NULL;
			break;
		}
		ra = acme_retry_after(r.retry_after, time(NULL));
		if (ra >= 0 && time(NULL) + ra > deadline) {
			st = cause_st(cause, ST_TIMEOUT, "%s: still %s, and "
			    "the CA asks to come back in %ld s; the next run "
			    "resumes it", what, status, ra);
			break;
		}
		if (time(NULL) >= deadline) {
			st = cause_st(cause, ST_TIMEOUT, "%s: still %s after "
			    "%ld s; the next run resumes it", what, status,
			    a->poll_timeout);
			break;
		}
		json_object_put(obj);
		obj = NULL;
		clock_sleep_ms(ra >= 0 ? (ra > 0 ? ra * 1000 : wait_ms) :
		    wait_ms);
		if (ra < 0 && (wait_ms *= 2) > ACME_POLL_MAX_MS)
			wait_ms = ACME_POLL_MAX_MS;
	}
	json_object_put(obj);
	acme_reply_cleanup(&r);
	return (st);
}

