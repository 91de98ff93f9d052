/*
 * acme_parse.c: the parsers of the ACME client (RFC 8555): problem
 * documents, Retry-After, renewal info (RFC 9773), order objects, Link
 * headers. Each takes untrusted text and never fails harder than
 * returning -1; see acme.h.
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
#include "jsonutil.h"

/* --- parsers -------------------------------------------------------------- */

/* See acme.h. */
void
acme_problem_init(struct acme_problem *p)
{
	memset(p, 0, sizeof(*p));
}

/* See acme.h. */
void
acme_problem_cleanup(struct acme_problem *p)
{
	free(p->type);
	free(p->detail);
	free(p->sub);
	p->type = p->detail = p->sub = NULL;
}

/* Copies a string member (at most max bytes, control bytes made '?'). */
static char *
acme_json_strdup(json_object *obj, const char *key, size_t max)
{
	const char	*s;
	char		*out, *p;

	if ((s = jsonutil_get_str(obj, key)) == NULL)
		return (NULL);
	if ((out = strndup(s, max)) == NULL)
		return (NULL);
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return (out);
}

/* Fills p from a parsed problem object; 0 if it has a type. */
int
acme_problem_from(json_object *obj, struct acme_problem *p)
{
	json_object	*subs, *sub, *id;
	struct buf	 b;
	const char	*v;
	size_t		 i, n;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(obj, json_type_object) ||
	    (p->type = acme_json_strdup(obj, "type", 256)) == NULL)
		return (-1);
	p->detail = acme_json_strdup(obj, "detail", 1024);
	if (json_object_object_get_ex(obj, "subproblems", &subs) &&
	    json_object_is_type(subs, json_type_array)) {
		buf_init(&b, 2048);
		n = json_object_array_length(subs);
		for (i = 0; i < n && i < 10; i++) {
			sub = json_object_array_get_idx(subs, i);
			if (!json_object_is_type(sub, json_type_object))
				continue;
			v = NULL;
			if (json_object_object_get_ex(sub, "identifier", &id))
				v = jsonutil_get_str(id, "value");
			(void)buf_printf(&b, "%s%s: %s: %s", b.len > 0 ? "; " : "",
			    v != NULL ? v : "?",
			    jsonutil_get_str(sub, "type") != NULL ?
			    jsonutil_get_str(sub, "type") : "?",
			    jsonutil_get_str(sub, "detail") != NULL ?
			    jsonutil_get_str(sub, "detail") : "");
		}
		if (b.len > 0) {
			for (i = 0; i < b.len; i++)
				if ((unsigned char)b.data[i] < 0x20)
					b.data[i] = '?';
			p->sub = buf_steal(&b);
		}
		buf_cleanup(&b);
	}
	return (0);
}

/* See acme.h. */
int
acme_problem_parse(const char *text, size_t len, struct acme_problem *p)
{
	json_object	*obj = NULL;
	char		 err[128];
	int		 rc;

	memset(p, 0, sizeof(*p));
	if (text == NULL || jsonutil_parse(text, len, ACME_JSON_DEPTH, &obj,
	    err, sizeof(err)) != ST_OK)
		return (-1);
	rc = acme_problem_from(obj, p);
	json_object_put(obj);
	if (rc != 0)
		acme_problem_cleanup(p);
	return (rc);
}

/* See acme.h. */
char *
acme_problem_str(const struct acme_problem *p)
{
	char	*s;

	if (asprintf(&s, "%s: %s%s%s%s", p->type != NULL ? p->type : "?",
	    p->detail != NULL ? p->detail : "(no detail)",
	    p->sub != NULL ? " [" : "", p->sub != NULL ? p->sub : "",
	    p->sub != NULL ? "]" : "") == -1)
		return (NULL);
	return (s);
}

/* True if the problem type ends with the ACME error name. */
int
acme_problem_is(const struct acme_problem *p, const char *name)
{
	static const char	 ns[] = "urn:ietf:params:acme:error:";

	return (p->type != NULL && strncmp(p->type, ns, sizeof(ns) - 1) == 0 &&
	    strcmp(p->type + sizeof(ns) - 1, name) == 0);
}

/* See acme.h. */
long
acme_retry_after(const char *v, time_t now)
{
	struct tm	 tm;
	const char	*end;
	char		*e;
	long		 n;
	time_t		 t;

	if (v == NULL)
		return (-1);
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		n = strtol(v, &e, 10);
		while (*e == ' ' || *e == '\t')
			e++;
		if (errno != 0 || *e != '\0' || n < 0 || n > 86400 * 366)
			return (-1);
		return (n);
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return (-1);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' || (t = timegm(&tm)) == (time_t)-1)
		return (-1);
	return (t <= now ? 0 : (long)(t - now));
}

/* See acme.h. */
int
acme_ari_parse(const char *text, size_t len, struct acme_ari *ari)
{
	json_object	*obj = NULL, *win;
	char		 err[128];
	int		 rc = -1;

	if (jsonutil_parse(text, len, ACME_JSON_DEPTH, &obj, err,
	    sizeof(err)) != ST_OK)
		return (-1);
	if (json_object_object_get_ex(obj, "suggestedWindow", &win) &&
	    clock_rfc3339_parse(jsonutil_get_str(win, "start"), &ari->start) == 0 &&
	    clock_rfc3339_parse(jsonutil_get_str(win, "end"), &ari->end) == 0 &&
	    ari->end >= ari->start)
		rc = 0;
	json_object_put(obj);
	return (rc);
}

/* See acme.h. */
void
acme_order_init(struct acme_order *o)
{
	memset(o, 0, sizeof(*o));
}

/* Frees the fields acme_order_parse fills (not url). */
static void
acme_order_clear(struct acme_order *o)
{
	size_t	 i;

	for (i = 0; i < o->nauthz; i++)
		free(o->authz[i]);
	free(o->authz);
	free(o->status);
	free(o->finalize);
	free(o->certificate);
	free(o->error);
	o->authz = NULL;
	o->nauthz = 0;
	o->status = o->finalize = o->certificate = o->error = NULL;
	o->expires = 0;
}

/* See acme.h. */
void
acme_order_cleanup(struct acme_order *o)
{
	acme_order_clear(o);
	free(o->url);
	o->url = NULL;
}

/* See acme.h. */
int
acme_order_parse(const char *text, size_t len, struct acme_order *o,
    char **cause)
{
	json_object		*obj = NULL, *arr, *e;
	struct acme_problem	 p;
	char			 err[128];
	const char		*s;
	size_t			 i, n;
	int			 rc = -1;

	acme_problem_init(&p);
	acme_order_clear(o);
	if (jsonutil_parse(text, len, ACME_JSON_DEPTH, &obj, err,
	    sizeof(err)) != ST_OK) {
		cause_st(cause, ST_UPSTREAM, "malformed JSON: %s", err);
		return (-1);
	}
	if (!json_object_is_type(obj, json_type_object) ||
	    (s = jsonutil_get_str(obj, "status")) == NULL) {
		cause_st(cause, ST_UPSTREAM, "not an order object (no status)");
		goto out;
	}
	if ((o->status = strndup(s, 32)) == NULL)
		goto nomem;
	if ((s = jsonutil_get_str(obj, "finalize")) != NULL &&
	    (o->finalize = strdup(s)) == NULL)
		goto nomem;
	if ((s = jsonutil_get_str(obj, "certificate")) != NULL &&
	    (o->certificate = strdup(s)) == NULL)
		goto nomem;
	if ((s = jsonutil_get_str(obj, "expires")) != NULL &&
	    clock_rfc3339_parse(s, &o->expires) != 0)
		o->expires = 0;
	if (json_object_object_get_ex(obj, "error", &e) &&
	    acme_problem_from(e, &p) == 0) {
		o->error = acme_problem_str(&p);
		acme_problem_cleanup(&p);
	}
	if (!json_object_object_get_ex(obj, "authorizations", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) > ACME_MAX_AUTHZ) {
		cause_st(cause, ST_UPSTREAM, "order without a valid "
		    "authorizations array");
		goto out;
	}
	if (o->finalize == NULL) {
		cause_st(cause, ST_UPSTREAM, "order without a finalize URL");
		goto out;
	}
	if (n > 0 && (o->authz = calloc(n, sizeof(char *))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string)) {
			cause_st(cause, ST_UPSTREAM, "authorization %zu is not "
			    "a URL", i);
			goto out;
		}
		if ((o->authz[i] = strdup(json_object_get_string(e))) == NULL)
			goto nomem;
		o->nauthz++;
	}
	rc = 0;
	goto out;
nomem:
	cause_st(cause, ST_NOMEM, "out of memory");
out:
	json_object_put(obj);
	if (rc != 0)
		acme_order_clear(o);
	return (rc);
}

/* Appends one URL to a growing array; 0 or -1. */
static int
acme_push(char ***v, size_t *n, const char *s, size_t len)
{
	char	**nv, *c;

	if ((c = strndup(s, len)) == NULL)
		return (-1);
	if ((nv = reallocarray(*v, *n + 1, sizeof(char *))) == NULL) {
		free(c);
		return (-1);
	}
	nv[(*n)++] = c;
	*v = nv;
	return (0);
}

/* See acme.h. */
int
acme_link_alternates(const char *v, char ***urls, size_t *n)
{
	const char	*lt, *gt, *end, *q;
	int		 alt;

	while ((lt = strchr(v, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL)
			return (0);
		/* Parameters run to the next comma outside quotes. */
		alt = 0;
		for (q = gt + 1, end = q; *end != '\0'; end++) {
			if (*end == '"') {
				for (end++; *end != '\0' && *end != '"'; end++)
					;
				if (*end == '\0')
					break;
			} else if (*end == ',')
				break;
		}
		/* Each ";"-separated parameter; quoted text is skipped. */
		while (q < end) {
			while (q < end && (*q == ';' || *q == ' ' || *q == '\t'))
				q++;
			if (end - q > 4 && strncasecmp(q, "rel=", 4) == 0) {
				q += 4;
				if (*q == '"')
					q++;
				if (end - q >= 9 &&
				    strncasecmp(q, "alternate", 9) == 0 &&
				    (q + 9 == end || q[9] == '"' || q[9] == ';' ||
				    q[9] == ' '))
					alt = 1;
			}
			while (q < end && *q != ';') {
				if (*q == '"')
					for (q++; q < end && *q != '"'; q++)
						;
				if (q < end)
					q++;
			}
		}
		if (alt && gt > lt + 1 && acme_push(urls, n, lt + 1,
		    (size_t)(gt - lt - 1)) != 0)
			return (-1);
		if (*end == '\0')
			break;
		v = end + 1;
	}
	return (0);
}

