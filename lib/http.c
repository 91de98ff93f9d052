/*
 * http.c: the request/response pair of one FastCGI request; see http.h.
 *
 * The request id comes from nginx (REQUEST_ID, set from $request_id) so the
 * access log and the API's log share it; a client's own X-Request-ID is only
 * used when it is short and plain, and otherwise one is made here from
 * /dev/urandom-backed getrandom().
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "http.h"
#include "jsonutil.h"

/* True if s is a safe request id: 1..64 of [A-Za-z0-9._-]. */
static int
http_id_ok(const char *s)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return (0);
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || !(isalnum((unsigned char)s[i]) ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return (0);
	return (1);
}

/* See http.h. */
long long
http_now_us(void)
{
	return (clock_us());
}

/* See http.h. */
void
http_req_init(struct http_req *r, char **env, size_t max_body)
{
	const char	*uri, *q, *id;
	unsigned char	 rnd[16];
	size_t		 n, i;

	memset(r, 0, sizeof(*r));
	r->env = env;
	r->start_us = http_now_us();
	buf_init(&r->body, max_body);
	buf_init(&r->headers, HTTP_HEADERS_MAX);
	buf_init(&r->out, HTTP_OUT_MAX);
	if ((r->method = http_param(r, "REQUEST_METHOD")) == NULL)
		r->method = "GET";
	if ((uri = http_param(r, "REQUEST_URI")) == NULL &&
	    (uri = http_param(r, "DOCUMENT_URI")) == NULL)
		uri = "/";
	q = strchr(uri, '?');
	n = q == NULL ? strlen(uri) : (size_t)(q - uri);
	if (n >= sizeof(r->path))
		n = 0;		/* the worker refuses an empty path (400) */
	memcpy(r->path, uri, n);
	r->path[n] = '\0';
	if ((r->query = http_param(r, "QUERY_STRING")) == NULL)
		r->query = q == NULL ? "" : q + 1;

	id = http_param(r, "REQUEST_ID");
	if (!http_id_ok(id))
		id = http_param(r, "HTTP_X_REQUEST_ID");
	if (http_id_ok(id))
		snprintf(r->request_id, sizeof(r->request_id), "%s", id);
	else {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(r->request_id + 2 * i, 3, "%02x", rnd[i]);
	}
}

/* See http.h. */
void
http_req_cleanup(struct http_req *r)
{
	buf_cleanup(&r->body);
	buf_cleanup(&r->headers);
	buf_cleanup(&r->out);
}

/* See http.h. */
const char *
http_param(const struct http_req *r, const char *name)
{
	size_t	 nl = strlen(name);
	char	**e;

	if (r->env == NULL)
		return (NULL);
	for (e = r->env; *e != NULL; e++)
		if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=')
			return (*e + nl + 1);
	return (NULL);
}

/* The FastCGI parameter name of header name ("If-Match" -> HTTP_IF_MATCH). */
static void
http_pname(const char *name, char *pname, size_t size)
{
	size_t	 i, o;

	if (strcasecmp(name, "Content-Type") == 0) {
		snprintf(pname, size, "CONTENT_TYPE");
		return;
	}
	if (strcasecmp(name, "Content-Length") == 0) {
		snprintf(pname, size, "CONTENT_LENGTH");
		return;
	}
	memcpy(pname, "HTTP_", 5);
	o = 5;
	for (i = 0; name[i] != '\0' && o < size - 1; i++)
		pname[o++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	pname[o] = '\0';
}

/* See http.h. */
const char *
http_header(const struct http_req *r, const char *name)
{
	char	 pname[128];

	http_pname(name, pname, sizeof(pname));
	return (http_param(r, pname));
}

/* See http.h. */
int
http_header_count(const struct http_req *r, const char *name)
{
	char	 pname[128];
	size_t	 nl;
	char	**e;
	int	 n = 0;

	http_pname(name, pname, sizeof(pname));
	nl = strlen(pname);
	for (e = r->env; e != NULL && *e != NULL; e++)
		if (strncmp(*e, pname, nl) == 0 && (*e)[nl] == '=')
			n++;
	return (n);
}

/* See http.h. */
int
http_header_list(const struct http_req *r, const char *name, char *dst,
    size_t size)
{
	char	 pname[128];
	size_t	 nl, o = 0, vl;
	char	**e;
	int	 found = 0;

	http_pname(name, pname, sizeof(pname));
	nl = strlen(pname);
	if (size == 0)
		return (-2);
	dst[0] = '\0';
	for (e = r->env; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, pname, nl) != 0 || (*e)[nl] != '=')
			continue;
		vl = strlen(*e + nl + 1);
		if (o + (found ? 2 : 0) + vl >= size)
			return (-2);
		if (found) {
			memcpy(dst + o, ", ", 2);
			o += 2;
		}
		memcpy(dst + o, *e + nl + 1, vl);
		o += vl;
		dst[o] = '\0';
		found = 1;
	}
	return (found ? 0 : -1);
}

/* See http.h. */
enum st
http_set_header(struct http_req *r, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 mark = r->headers.len;
	enum st	 st;

	if ((st = buf_printf(&r->headers, "%s: ", name)) != ST_OK)
		return (st);
	va_start(ap, fmt);
	st = buf_vprintf(&r->headers, fmt, ap);
	va_end(ap);
	/* A CR or LF would end the header early: response splitting. */
	if (st == ST_OK && strpbrk(r->headers.data + mark, "\r\n") != NULL)
		st = ST_INTERNAL;
	if (st == ST_OK)
		st = buf_add(&r->headers, "\r\n", 2);
	if (st != ST_OK) {
		r->headers.len = mark;
		if (r->headers.data != NULL)
			r->headers.data[mark] = '\0';
	}
	return (st);
}

/* See http.h. */
enum st
http_reply(struct http_req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	r->status = status;
	r->ctype = ctype;
	buf_reset(&r->out);
	if (body == NULL || len == 0)
		return (ST_OK);
	return (buf_add(&r->out, body, len));
}

/* See http.h. */
struct buf *
http_reply_buf(struct http_req *r, int status, const char *ctype)
{
	r->status = status;
	r->ctype = ctype;
	buf_reset(&r->out);
	return (&r->out);
}

/* See http.h. */
enum st
http_reply_json(struct http_req *r, int status, json_object *obj)
{
	const char	*text;
	size_t		 len;

	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL)
		return (ST_NOMEM);
	return (http_reply(r, status, "application/json", text, len));
}

/* See http.h. */
enum st
http_fail(struct http_req *r, enum st st, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return (st);
}

/* v in decimal into num (24 bytes at least); returns num. */
static const char *
http_ulltoa(unsigned long long v, char *num)
{
	char	 tmp[24];
	size_t	 n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		num[i] = tmp[n - 1 - i];
	num[n] = '\0';
	return (num);
}

/* See http.h. */
enum st
http_render(const struct http_req *r, struct buf *out)
{
	int	 code = r->status == 0 ? 500 : r->status;
	int	 nobody;
	char	 num[24];
	enum st	 st;

	/* pieces rather than printf: this runs on every answer */
	nobody = strcmp(r->method, "HEAD") == 0 || code == 204 || code == 304;
	st = buf_adds(out, "Status: ");
	if (st == ST_OK)
		st = buf_adds(out, http_ulltoa((unsigned long long)code, num));
	if (st == ST_OK)
		st = buf_add(out, " ", 1);
	if (st == ST_OK)
		st = buf_adds(out, st_http_reason(code));
	if (st == ST_OK && r->ctype != NULL && code != 204 && code != 304) {
		st = buf_adds(out, "\r\nContent-Type: ");
		if (st == ST_OK)
			st = buf_adds(out, r->ctype);
	}
	if (st == ST_OK && code != 204 && code != 304) {
		st = buf_adds(out, "\r\nContent-Length: ");
		if (st == ST_OK)
			st = buf_adds(out, http_ulltoa(r->out.len, num));
	}
	if (st == ST_OK)
		st = buf_adds(out, "\r\nX-Request-ID: ");
	if (st == ST_OK)
		st = buf_adds(out, r->request_id);
	if (st == ST_OK)
		st = buf_add(out, "\r\n", 2);
	if (st == ST_OK)
		st = buf_add(out, buf_str(&r->headers), r->headers.len);
	if (st == ST_OK)
		st = buf_add(out, "\r\n", 2);
	if (st == ST_OK && !nobody)
		st = buf_add(out, buf_str(&r->out), r->out.len);
	return (st);
}

/* Skips optional white space (RFC 9110 section 5.6.3). */
static const char *
http_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return (p);
}

/* See http.h. */
enum st
http_etags_parse(const char *value, struct http_etags *e)
{
	const char	*p = http_ows(value), *start;
	unsigned char	 c;
	size_t		 len;
	int		 weak;

	memset(e, 0, sizeof(*e));
	e->present = 1;
	if (*p == '*') {
		if (*http_ows(p + 1) != '\0')
			return (ST_BADREQ);
		e->any = 1;
		return (ST_OK);
	}
	for (;;) {
		p = http_ows(p);
		if (*p == ',') {	/* an empty list element */
			p++;
			continue;
		}
		if (*p == '\0')
			return (ST_OK);
		weak = p[0] == 'W' && p[1] == '/';
		if (weak)
			p += 2;
		if (*p != '"')
			return (ST_BADREQ);
		start = p++;
		for (; *p != '"'; p++) {
			c = (unsigned char)*p;
			/* etagc = %x21 / %x23-7E / obs-text */
			if (!(c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80))
				return (ST_BADREQ);
		}
		len = (size_t)(++p - start);
		if (e->n == HTTP_ETAGS_MAX)
			return (ST_BADREQ);
		/* A tag longer than any this server makes cannot match. */
		if (len < HTTP_ETAG_MAX) {
			memcpy(e->tag[e->n], start, len);
			e->tag[e->n][len] = '\0';
			e->weak[e->n++] = weak;
		}
		p = http_ows(p);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return (ST_BADREQ);
	}
}

/* See http.h. */
int
http_etags_match(const struct http_etags *e, const char *tag, int weak_ok)
{
	size_t	 i;

	for (i = 0; i < e->n; i++)
		if ((weak_ok || !e->weak[i]) && strcmp(e->tag[i], tag) == 0)
			return (1);
	return (0);
}

/* Parses one entity-tag list header of r into e; a 400 names it. */
static enum st
http_cond_etags(struct http_req *r, const char *name, struct http_etags *e)
{
	char	 v[HTTP_ETAGS_MAX * (HTTP_ETAG_MAX + 4)];
	int	 rc;

	memset(e, 0, sizeof(*e));
	if ((rc = http_header_list(r, name, v, sizeof(v))) == -1)
		return (ST_OK);
	if (rc == -2)
		return (http_fail(r, ST_BADREQ, "%s is too long", name));
	if (http_etags_parse(v, e) != ST_OK)
		return (http_fail(r, ST_BADREQ, "%s must be \"*\" or a list of "
		    "at most %d entity tags (\"...\" or W/\"...\")", name,
		    HTTP_ETAGS_MAX));
	return (ST_OK);
}

/* One date header of r: epoch seconds, or -1 if absent or not one date. */
static long long
http_cond_date(struct http_req *r, const char *name)
{
	char	 v[128];

	if (http_header_list(r, name, v, sizeof(v)) != 0)
		return (-1);
	return (http_date_parse(v));
}

/* See http.h. */
enum st
http_cond_parse(struct http_req *r, struct http_cond *c)
{
	enum st	 st;

	memset(c, 0, sizeof(*c));
	if ((st = http_cond_etags(r, "If-Match", &c->if_match)) != ST_OK ||
	    (st = http_cond_etags(r, "If-None-Match", &c->if_none_match)) !=
	    ST_OK)
		return (st);
	c->if_unmodified_since = http_cond_date(r, "If-Unmodified-Since");
	c->if_modified_since = http_cond_date(r, "If-Modified-Since");
	return (ST_OK);
}

/* True if an entity-tag field matches t (any: the resource exists). */
static int
http_cond_match(const struct http_etags *e, const struct http_target *t,
    int weak_ok)
{
	if (e->any)
		return (t->exists);
	return (t->exists && t->etag != NULL &&
	    http_etags_match(e, t->etag, weak_ok));
}

/* See http.h. RFC 9110 section 13.2.2, steps 1 to 4 (no ranges here). */
int
http_cond_eval(const struct http_cond *c, const char *method,
    const struct http_target *t, const char **why)
{
	int		 get = strcmp(method, "GET") == 0 ||
			    strcmp(method, "HEAD") == 0;
	const char	*dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (c->if_match.present) {
		if (!http_cond_match(&c->if_match, t, 0)) {
			*why = "If-Match";
			return (412);
		}
	} else if (c->if_unmodified_since >= 0 && t->exists &&
	    t->modified >= 0 && t->modified > c->if_unmodified_since) {
		*why = "If-Unmodified-Since";
		return (412);
	}
	if (c->if_none_match.present) {
		if (http_cond_match(&c->if_none_match, t, 1)) {
			*why = "If-None-Match";
			return (get ? 304 : 412);
		}
	} else if (get && c->if_modified_since >= 0 && t->exists &&
	    t->modified >= 0 && t->modified <= c->if_modified_since) {
		*why = "If-Modified-Since";
		return (304);
	}
	return (0);
}

static const char *const http_days[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const http_days_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const http_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12). */
static long long
http_days_from_civil(long long y, int m, int d)
{
	long long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* Reads n digits at *p into *v; -1 if they are not all digits. */
static int
http_digits(const char **p, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return (-1);
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return (0);
}

/* Matches one of names (n of them) at *p; its index, or -1. */
static int
http_word(const char **p, const char *const *names, int n)
{
	size_t	 l;
	int	 i;

	for (i = 0; i < n; i++) {
		l = strlen(names[i]);
		if (strncmp(*p, names[i], l) == 0) {
			*p += l;
			return (i);
		}
	}
	return (-1);
}

/* Reads "HH:MM:SS" at *p. */
static int
http_hms(const char **p, int *h, int *mi, int *sec)
{
	if (http_digits(p, 2, h) != 0 || *(*p)++ != ':' ||
	    http_digits(p, 2, mi) != 0 || *(*p)++ != ':' ||
	    http_digits(p, 2, sec) != 0)
		return (-1);
	return (*h <= 23 && *mi <= 59 && *sec <= 60 ? 0 : -1);
}

/* See http.h. */
long long
http_date_parse(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
			    30, 31 };
	const char	*p = s;
	int		 y, m, d, h, mi, sec, yy;
	time_t		 now;
	struct tm	 tm;

	if (http_word(&p, http_days, 7) < 0)
		return (-1);
	if (*p == ',') {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		if (*++p != ' ' || (p++, http_digits(&p, 2, &d)) != 0 ||
		    *p++ != ' ' || (m = http_word(&p, http_months, 12)) < 0 ||
		    *p++ != ' ' || http_digits(&p, 4, &y) != 0 || *p++ != ' ')
			return (-1);
	} else if (*p == ' ') {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		p++;
		if ((m = http_word(&p, http_months, 12)) < 0 || *p++ != ' ')
			return (-1);
		if (*p == ' ') {
			p++;
			if (http_digits(&p, 1, &d) != 0)
				return (-1);
		} else if (http_digits(&p, 2, &d) != 0)
			return (-1);
		if (*p++ != ' ' || http_hms(&p, &h, &mi, &sec) != 0 ||
		    *p++ != ' ' || http_digits(&p, 4, &y) != 0 || *p != '\0')
			return (-1);
		goto done;
	} else {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		p = s;
		if (http_word(&p, http_days_long, 7) < 0 || *p++ != ',' ||
		    *p++ != ' ' || http_digits(&p, 2, &d) != 0 ||
		    *p++ != '-' || (m = http_word(&p, http_months, 12)) < 0 ||
		    *p++ != '-' || http_digits(&p, 2, &yy) != 0 || *p++ != ' ')
			return (-1);
		/* Section 5.6.7: more than 50 years ahead is the past century. */
		now = time(NULL);
		gmtime_r(&now, &tm);
		y = (tm.tm_year + 1900) / 100 * 100 + yy;
		if (y > tm.tm_year + 1900 + 50)
			y -= 100;
	}
	if (http_hms(&p, &h, &mi, &sec) != 0 || strcmp(p, " GMT") != 0)
		return (-1);
done:
	if (d < 1 || d > mdays[m] || (m == 1 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return (-1);
	return (http_days_from_civil(y, m + 1, d) * 86400 + h * 3600 +
	    mi * 60 + sec);
}

/* See http.h. */
char *
http_date_fmt(long long t, char *buf, size_t size)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, size, "Thu, 01 Jan 1970 00:00:00 GMT");
		return (buf);
	}
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    http_days[tm.tm_wday], tm.tm_mday, http_months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return (buf);
}

/* Copies at most 64 bytes of s[0..n) into dst, control bytes as '?'. */
static void
http_safe_name(const char *s, size_t n, char *dst, size_t size)
{
	size_t	 i;

	if (n > 64)
		n = 64;
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[n] = '\0';
}

/* The value of one hex digit, or -1. */
static int
http_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Index of name p[0..n) in known, or -1. */
static int
http_known(const char *const *known, const char *p, size_t n)
{
	int	 i;

	for (i = 0; known[i] != NULL; i++)
		if (strlen(known[i]) == n && strncmp(p, known[i], n) == 0)
			return (i);
	return (-1);
}

/*
 * Percent-decodes v[0..n) into dst (size bytes): 0, -1 for a malformed
 * escape, -2 for a control byte, -3 when it does not fit.
 */
static int
http_unescape(const char *v, size_t n, char *dst, size_t size, size_t *len)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < n; i++) {
		if (o + 1 >= size)
			return (-3);
		if (v[i] == '%') {
			if (i + 2 >= n)
				return (-1);
			if ((hi = http_hex(v[i + 1])) < 0 ||
			    (lo = http_hex(v[i + 2])) < 0)
				return (-1);
			c = hi * 16 + lo;
			i += 2;
		} else
			c = v[i] == '+' ? ' ' : (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f)
			return (-2);
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	*len = o;
	return (0);
}

/* See http.h. */
enum st
http_query_parse(struct http_req *r, const char *const *known,
    struct http_query *q)
{
	const char	*p = r->query, *eq, *end;
	char		 name[65];
	size_t		 nl, len, k;
	int		 i, rc;

	memset(q, 0, sizeof(*q));
	if (*p == '\0')
		return (ST_OK);
	for (;;) {
		end = p + strcspn(p, "&");
		if (end == p)
			return (http_fail(r, ST_BADREQ, "the query string has an "
			    "empty parameter (\"&&\", or \"&\" at an end)"));
		eq = memchr(p, '=', (size_t)(end - p));
		nl = (size_t)((eq != NULL ? eq : end) - p);
		http_safe_name(p, nl, name, sizeof(name));
		if ((i = http_known(known, p, nl)) < 0)
			return (http_fail(r, ST_BADREQ, "unknown query parameter "
			    "'%s'", name));
		for (k = 0; k < q->n; k++)
			if (q->p[k].name == known[i])
				return (http_fail(r, ST_BADREQ, "query parameter "
				    "'%s' is repeated", name));
		if (eq == NULL || eq + 1 == end)
			return (http_fail(r, ST_BADREQ, "query parameter '%s' "
			    "has no value", name));
		if (q->n == HTTP_QUERY_MAX)
			return (http_fail(r, ST_BADREQ, "too many query "
			    "parameters"));
		rc = http_unescape(eq + 1, (size_t)(end - eq - 1),
		    q->p[q->n].value, sizeof(q->p[q->n].value), &len);
		if (rc == -1)
			return (http_fail(r, ST_BADREQ, "query parameter '%s' has "
			    "a malformed percent-encoding", name));
		if (rc == -2)
			return (http_fail(r, ST_BADREQ, "query parameter '%s' "
			    "holds a control character", name));
		if (rc == -3)
			return (http_fail(r, ST_BADREQ, "query parameter '%s' is "
			    "longer than %d bytes", name, HTTP_QUERY_VALUE_MAX - 1));
		if (jsonutil_utf8_chars(q->p[q->n].value, len) < 0)
			return (http_fail(r, ST_BADREQ, "query parameter '%s' is "
			    "not valid UTF-8", name));
		q->p[q->n++].name = known[i];
		if (*end == '\0')
			return (ST_OK);
		p = end + 1;
	}
}

/* See http.h. */
const char *
http_query_get(const struct http_query *q, const char *name)
{
	size_t	 i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return (q->p[i].value);
	return (NULL);
}

/* See http.h. */
int
http_int_parse(const char *s, long long min, long long max, long long *out)
{
	long long	 v = 0;
	size_t		 i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 18)
		return (-1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* See http.h. */
int
http_accepts(const struct http_req *r, const char *type)
{
	char		 v[2048];
	const char	*p, *end, *semi, *slash = strchr(type, '/');
	size_t		 rl, tl = strlen(type);
	int		 best = 0, spec, ok = 0, q0;

	if (http_header_list(r, "Accept", v, sizeof(v)) != 0 || slash == NULL)
		return (1);	/* absent, or too long to judge: anything goes */
	for (p = v; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		p = http_ows(p);
		semi = memchr(p, ';', (size_t)(end - p));
		rl = (size_t)((semi != NULL ? semi : end) - p);
		while (rl > 0 && (p[rl - 1] == ' ' || p[rl - 1] == '\t'))
			rl--;
		if (rl == 3 && strncmp(p, "*/*", 3) == 0)
			spec = 1;
		else if (rl == (size_t)(slash - type) + 2 &&
		    strncasecmp(p, type, (size_t)(slash - type) + 1) == 0 &&
		    p[rl - 1] == '*')
			spec = 2;
		else if (rl == tl && strncasecmp(p, type, tl) == 0)
			spec = 3;
		else
			continue;
		/* q=0 (0, 0.0, 0.00, 0.000) refuses; any other q accepts. */
		q0 = 0;
		for (; semi != NULL && semi < end; semi = memchr(semi + 1, ';',
		    (size_t)(end - semi - 1))) {
			const char *q = http_ows(semi + 1);

			if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
				q += 2;
				q0 = q[0] == '0' && (q[1] != '.' ||
				    strspn(q + 2, "0") == strcspn(q + 2, " \t;,"));
			}
		}
		if (spec > best) {
			best = spec;
			ok = !q0;
		}
	}
	return (best > 0 && ok);
}
