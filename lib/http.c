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

#include "http.h"

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
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
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

/* See http.h. */
const char *
http_header(const struct http_req *r, const char *name)
{
	char	 pname[128];
	size_t	 i, o = 0;

	if (strcasecmp(name, "Content-Type") == 0)
		return (http_param(r, "CONTENT_TYPE"));
	if (strcasecmp(name, "Content-Length") == 0)
		return (http_param(r, "CONTENT_LENGTH"));
	memcpy(pname, "HTTP_", 5);
	o = 5;
	for (i = 0; name[i] != '\0' && o < sizeof(pname) - 1; i++)
		pname[o++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	pname[o] = '\0';
	return (http_param(r, pname));
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

/* See http.h. */
enum st
http_render(const struct http_req *r, struct buf *out)
{
	int	 code = r->status == 0 ? 500 : r->status;
	int	 nobody;
	enum st	 st;

	nobody = strcmp(r->method, "HEAD") == 0 || code == 204 || code == 304;
	st = buf_printf(out, "Status: %d %s\r\n", code, st_http_reason(code));
	if (st == ST_OK && r->ctype != NULL && code != 204 && code != 304)
		st = buf_printf(out, "Content-Type: %s\r\n", r->ctype);
	if (st == ST_OK && code != 204 && code != 304)
		st = buf_printf(out, "Content-Length: %zu\r\n", r->out.len);
	if (st == ST_OK)
		st = buf_printf(out, "X-Request-ID: %s\r\n", r->request_id);
	if (st == ST_OK)
		st = buf_add(out, buf_str(&r->headers), r->headers.len);
	if (st == ST_OK)
		st = buf_add(out, "\r\n", 2);
	if (st == ST_OK && !nobody)
		st = buf_add(out, buf_str(&r->out), r->out.len);
	return (st);
}
