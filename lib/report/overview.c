/*
 * overview.c: the /ops/ overview's counters, their state file and their
 * sums per window; see overview.h. The page itself is report/page.c.
 *
 * Cells are rings indexed by time: minute m lives in min[m % 60], hour h
 * in hour[h % 168], each tagged with its id, so a cell found holding an
 * older id is simply reset: nothing ever has to be expired. A line older
 * than what the rings keep is counted in `old` and nowhere else (a first
 * run over a long history, or a log replayed after a week).
 *
 * The state is one JSON document (written by hand here, read with json-c):
 * only cells that hold requests are written, histograms as flat [bin, n,
 * bin, n, ...] lists, so its size follows the traffic of the last week, not
 * the log's history.
 */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "report/obuf.h"
#include "report/overview.h"

#define OV_STATE_VERSION	1
#define OV_TEXT_LIMIT		(64 * 1024 * 1024)	/* a state or page, at most */

static const char *const ov_window_names[OV__WINDOWS] = {
	"hour", "day", "week"
};

/* See overview.h. */
const char *
ov_window_name(enum ov_window w)
{
	return (w < OV__WINDOWS ? ov_window_names[w] : "?");
}

/* Frees the route table. */
static void
ov_table_free(struct ov *o)
{
	size_t	 i;

	for (i = 0; i < o->ntable; i++)
		free(o->tstr[i]);
	free(o->tstr);
	free(o->table);
	o->tstr = NULL;
	o->table = NULL;
	o->ntable = 0;
}

/* See overview.h. */
int
ov_set_routes(struct ov *o, const char *const *routes, size_t n, char **cause)
{
	const char	*sp;
	size_t		 i, ml;

	ov_table_free(o);
	if (n == 0)
		return (0);
	if ((o->table = calloc(n, sizeof(*o->table))) == NULL ||
	    (o->tstr = calloc(n, sizeof(*o->tstr))) == NULL) {
		ov_table_free(o);
		return (cause_set(cause, "out of memory"));
	}
	for (i = 0; i < n; i++) {
		sp = strchr(routes[i], ' ');
		ml = sp != NULL ? (size_t)(sp - routes[i]) : 0;
		if (ml == 0 || ml > 16 || sp[1] != '/' ||
		    strchr(sp + 1, ' ') != NULL) {
			cause_set(cause, "route '%s' is not \"METHOD /path\"",
			    routes[i]);
			ov_table_free(o);
			return (-1);
		}
		if ((o->tstr[i] = strdup(routes[i])) == NULL) {
			o->ntable = i;
			ov_table_free(o);
			return (cause_set(cause, "out of memory"));
		}
		o->tstr[i][ml] = '\0';
		o->table[i].method = o->tstr[i];
		o->table[i].pattern = o->tstr[i] + ml + 1;
		o->ntable = i + 1;
	}
	return (0);
}

/* See overview.h. */
void
ov_route_of(const struct ov *o, const char *method, size_t mlen,
    const char *path, size_t plen, char *key, size_t keylen,
    const char **pattern)
{
	struct router_match	 m;
	char			 mb[17], pb[2048], allow[128];

	*pattern = NULL;
	snprintf(key, keylen, "%s", OV_NOROUTE);
	if (o->ntable == 0 || mlen == 0 || mlen >= sizeof(mb) || plen == 0 ||
	    plen >= sizeof(pb) || path[0] != '/')
		return;
	memcpy(mb, method, mlen);
	mb[mlen] = '\0';
	memcpy(pb, path, plen);
	pb[plen] = '\0';
	if (router_match(o->table, o->ntable, mb, pb, &m, allow,
	    sizeof(allow)) != ROUTER_FOUND)
		return;
	*pattern = m.route->pattern;
	/* HEAD is served by GET routes but is a request of its own. */
	snprintf(key, keylen, "%s %s", strcmp(mb, "HEAD") == 0 ? "HEAD" :
	    m.route->method, m.route->pattern);
}

/* Frees what a cell holds; it is empty again. */
static void
ov_cell_clear(struct ov_cell *c)
{
	hist_cleanup(&c->rt);
	hist_cleanup(&c->up);
	memset(c, 0, sizeof(*c));
}

/* Frees a route's cells and key. */
static void
ov_route_free(struct ov_route *r)
{
	size_t	 i;

	for (i = 0; i < OV_MINUTES; i++)
		ov_cell_clear(&r->min[i]);
	for (i = 0; i < OV_HOURS; i++)
		ov_cell_clear(&r->hour[i]);
	free(r->key);
	r->key = NULL;
}

/* Frees a problem's strings. */
static void
ov_problem_free(struct ov_problem *p)
{
	free(p->title);
	free(p->type);
	free(p->route);
	free(p->last_id);
	free(p->last_detail);
}

/* Frees a stream's contents. */
static void
ov_stream_free(struct ov_stream *s)
{
	size_t	 i;

	for (i = 0; i < s->nr; i++)
		ov_route_free(&s->r[i]);
	free(s->r);
	for (i = 0; i < s->np; i++)
		ov_problem_free(&s->p[i]);
	free(s->p);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* See overview.h. */
void
ov_cleanup(struct ov *o)
{
	size_t	 i;

	for (i = 0; i < o->n; i++)
		ov_stream_free(&o->s[i]);
	free(o->s);
	ov_table_free(o);
	memset(o, 0, sizeof(*o));
}

/* See overview.h. */
struct ov_stream *
ov_stream_get(struct ov *o, const char *name)
{
	struct ov_stream	*ns;
	size_t			 i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->s[i].name, name) == 0)
			return (&o->s[i]);
	if ((ns = reallocarray(o->s, o->n + 1, sizeof(*ns))) == NULL)
		return (NULL);
	o->s = ns;
	memset(&ns[o->n], 0, sizeof(ns[0]));
	if ((ns[o->n].name = strdup(name)) == NULL)
		return (NULL);
	return (&o->s[o->n++]);
}

/* See overview.h. */
void
ov_prune(struct ov *o, const char *const *names, size_t n)
{
	size_t	 i = 0, j;
	int	 keep;

	while (i < o->n) {
		keep = 0;
		for (j = 0; j < n && !keep; j++)
			keep = strcmp(o->s[i].name, names[j]) == 0;
		if (keep) {
			i++;
			continue;
		}
		ov_stream_free(&o->s[i]);
		memmove(&o->s[i], &o->s[i + 1], (o->n - i - 1) * sizeof(o->s[0]));
		o->n--;
	}
}

/* The route of key in s, added when missing; NULL when out of memory. */
static struct ov_route *
ov_route_get(struct ov_stream *s, const char *key)
{
	struct ov_route	*nr;
	size_t		 i;

	for (i = 0; i < s->nr; i++)
		if (strcmp(s->r[i].key, key) == 0)
			return (&s->r[i]);
	if ((nr = reallocarray(s->r, s->nr + 1, sizeof(*nr))) == NULL)
		return (NULL);
	s->r = nr;
	memset(&nr[s->nr], 0, sizeof(nr[0]));
	if ((nr[s->nr].key = strdup(key)) == NULL)
		return (NULL);
	return (&s->r[s->nr++]);
}

/*
 * The cell of id in a ring of n, reset when it holds an older id; NULL
 * when it holds a newer one (id is older than the ring keeps).
 */
static struct ov_cell *
ov_cell_at(struct ov_cell *ring, size_t n, long long id)
{
	struct ov_cell	*c = &ring[(size_t)(id % (long long)n)];

	if (c->req > 0 && c->id == id)
		return (c);
	if (c->req > 0 && c->id > id)
		return (NULL);
	ov_cell_clear(c);
	c->id = id;
	return (c);
}

/* Adds one request to a cell. */
static int
ov_cell_add(struct ov_cell *c, const struct ov_hit *h)
{
	if (h->rt_ms >= 0 && hist_add(&c->rt, hist_bin_of((uint64_t)h->rt_ms),
	    1) == -1)
		return (-1);
	if (h->up_ms >= 0 && hist_add(&c->up, hist_bin_of((uint64_t)h->up_ms),
	    1) == -1)
		return (-1);
	c->req++;
	if (h->status >= 400 && h->status < 500)
		c->e4++;
	else if (h->status >= 500 && h->status < 600)
		c->e5++;
	c->bytes += h->bytes;
	return (0);
}

/* See overview.h. */
int
ov_add_hit(struct ov_stream *s, const struct ov_hit *h, long long now)
{
	struct ov_route	*r;
	struct ov_cell	*c;
	long long	 m, hr;

	s->lines++;
	m = h->ts / 60;
	hr = h->ts / 3600;
	if (h->ts < 0 || hr <= now / 3600 - OV_HOURS) {
		s->old++;
		return (0);
	}
	if ((r = ov_route_get(s, h->route)) == NULL)
		return (-1);
	if ((c = ov_cell_at(r->hour, OV_HOURS, hr)) == NULL)
		s->old++;
	else if (ov_cell_add(c, h) == -1)
		return (-1);
	if (m > now / 60 - OV_MINUTES &&
	    (c = ov_cell_at(r->min, OV_MINUTES, m)) != NULL &&
	    ov_cell_add(c, h) == -1)
		return (-1);
	return (0);
}

/* Adds n to the count of id in a ring of counts. */
static void
ov_count_add(struct ov_count *ring, size_t n, long long id, uint64_t k)
{
	struct ov_count	*c = &ring[(size_t)(id % (long long)n)];

	if (c->n > 0 && c->id > id)
		return;
	if (c->id != id)
		c->n = 0;
	c->id = id;
	c->n += k;
}

/* A copy of s cut to OV_TEXT_MAX bytes (caller frees), "" for NULL. */
static char *
ov_text(const char *s)
{
	size_t	 len;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if (len > OV_TEXT_MAX) {
		len = OV_TEXT_MAX;
		/* do not cut a UTF-8 sequence */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	return (strndup(s, len));
}

/* Replaces *dst by a copy of src. -1 when out of memory. */
static int
ov_set_text(char **dst, const char *src)
{
	char	*c;

	if ((c = ov_text(src)) == NULL)
		return (-1);
	free(*dst);
	*dst = c;
	return (0);
}

/* See overview.h. */
int
ov_add_event(struct ov_stream *s, const struct ov_event *e, long long now)
{
	struct ov_problem	*p = NULL, *np;
	const char		*type = e->type != NULL ? e->type : "about:blank";
	const char		*route = e->route != NULL ? e->route : "";
	const char		*title = e->title != NULL ? e->title : "";
	size_t			 i;

	if (e->ts < 0 || e->ts / 3600 <= now / 3600 - OV_HOURS)
		return (0);
	for (i = 0; i < s->np && p == NULL; i++)
		if (s->p[i].status == e->status &&
		    strncmp(s->p[i].title, title, OV_TEXT_MAX) == 0 &&
		    strncmp(s->p[i].type, type, OV_TEXT_MAX) == 0 &&
		    strncmp(s->p[i].route, route, OV_TEXT_MAX) == 0)
			p = &s->p[i];
	if (p == NULL) {
		if (s->np == OV_MAX_PROBLEMS)
			return (0);
		if ((np = reallocarray(s->p, s->np + 1, sizeof(*np))) == NULL)
			return (-1);
		s->p = np;
		p = &np[s->np];
		memset(p, 0, sizeof(*p));
		p->status = e->status;
		if ((p->title = ov_text(title)) == NULL ||
		    (p->type = ov_text(type)) == NULL ||
		    (p->route = ov_text(route)) == NULL) {
			ov_problem_free(p);
			return (-1);
		}
		s->np++;
	}
	ov_count_add(p->hour, OV_HOURS, e->ts / 3600, 1);
	if (e->ts / 60 > now / 60 - OV_MINUTES)
		ov_count_add(p->min, OV_MINUTES, e->ts / 60, 1);
	if (p->last_id == NULL || e->ts >= p->last_ts) {
		if (ov_set_text(&p->last_id, e->request_id) == -1 ||
		    ov_set_text(&p->last_detail, e->detail) == -1)
			return (-1);
		p->last_ts = e->ts;
	}
	return (0);
}

/* "2024-10-10T13:55:36.123Z" -> epoch seconds, or -1. */
static long long
ov_parse_ts(const char *s)
{
	time_t	 t;

	if (clock_rfc3339_parse(s, &t) == -1)
		return (-1);
	return ((long long)t);
}

/* A string member of o, borrowed, or NULL. */
static const char *
ov_jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

/* See overview.h. */
int
ov_event_parse(const char *line, size_t len, struct ov_event *e,
    json_object **objp)
{
	json_tokener	*tok;
	json_object	*o, *v;
	const char	*msg;

	*objp = NULL;
	memset(e, 0, sizeof(*e));
	/* cheap test first: most lines are not problems */
	if (len < 2 || line[0] != '{' || memmem(line, len, "\"problem\"",
	    9) == NULL)
		return (0);
	if ((tok = json_tokener_new()) == NULL)
		return (0);
	o = json_tokener_parse_ex(tok, line, (int)(len > INT_MAX ? INT_MAX :
	    len));
	json_tokener_free(tok);
	if (o == NULL)
		return (0);
	if (!json_object_is_type(o, json_type_object) ||
	    (msg = ov_jstr(o, "msg")) == NULL || strcmp(msg, "problem") != 0 ||
	    !json_object_object_get_ex(o, "status", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (e->status = json_object_get_int(v)) < 400 || e->status > 599 ||
	    (e->ts = ov_parse_ts(ov_jstr(o, "ts"))) < 0) {
		json_object_put(o);
		return (0);
	}
	e->title = ov_jstr(o, "title");
	e->type = ov_jstr(o, "type");
	e->route = ov_jstr(o, "route");
	e->request_id = ov_jstr(o, "request_id");
	e->detail = ov_jstr(o, "detail");
	e->host = ov_jstr(o, "host");
	*objp = o;
	return (1);
}

/* --- the state file ------------------------------------------------------ */

/* Appends s as a JSON string. */
static void
ov_jesc(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)(s != NULL ? s : "");

	ob_add(b, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			ob_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			ob_printf(b, "\\u%04x", *p);
		else
			ob_add(b, p, 1);
	}
	ob_add(b, "\"", 1);
}

/* Appends positions as [[dev, ino, off, head_len, "hash"], ...]. */
static void
ov_put_pos(struct buf *b, const struct report_pos *p, size_t n)
{
	size_t	 i;

	ob_adds(b, "[");
	for (i = 0; i < n; i++)
		ob_printf(b, "%s[%llu,%llu,%llu,%llu,\"%016llx\"]",
		    i > 0 ? "," : "", p[i].dev, p[i].ino, p[i].off,
		    p[i].head_len, (unsigned long long)p[i].head_hash);
	ob_adds(b, "]");
}

/* Appends a histogram as [bin, n, bin, n, ...]. */
static void
ov_put_hist(struct buf *b, const struct hist *h)
{
	size_t	 i;

	ob_adds(b, "[");
	for (i = 0; i < h->n; i++)
		ob_printf(b, "%s%u,%llu", i > 0 ? "," : "",
		    (unsigned)h->b[i].bin, (unsigned long long)h->b[i].n);
	ob_adds(b, "]");
}

/* Appends the non-empty cells of a ring. */
static void
ov_put_cells(struct buf *b, const struct ov_cell *ring, size_t n)
{
	size_t	 i;
	int	 first = 1;

	ob_adds(b, "[");
	for (i = 0; i < n; i++) {
		if (ring[i].req == 0)
			continue;
		ob_printf(b, "%s[%lld,%llu,%llu,%llu,%llu,", first ? "" : ",",
		    ring[i].id, (unsigned long long)ring[i].req,
		    (unsigned long long)ring[i].e4,
		    (unsigned long long)ring[i].e5,
		    (unsigned long long)ring[i].bytes);
		ov_put_hist(b, &ring[i].rt);
		ob_adds(b, ",");
		ov_put_hist(b, &ring[i].up);
		ob_adds(b, "]");
		first = 0;
	}
	ob_adds(b, "]");
}

/* Appends the non-empty counts of a ring as [[id, n], ...]. */
static void
ov_put_counts(struct buf *b, const struct ov_count *ring, size_t n)
{
	size_t	 i;
	int	 first = 1;

	ob_adds(b, "[");
	for (i = 0; i < n; i++) {
		if (ring[i].n == 0)
			continue;
		ob_printf(b, "%s[%lld,%llu]", first ? "" : ",", ring[i].id,
		    (unsigned long long)ring[i].n);
		first = 0;
	}
	ob_adds(b, "]");
}

/* See overview.h. */
char *
ov_state_format(const struct ov *o)
{
	const struct ov_stream	*s;
	const struct ov_problem	*p;
	struct buf		 b;
	size_t			 i, j;

	buf_init(&b, OV_TEXT_LIMIT);
	ob_printf(&b, "{\"version\":%d,\"events\":", OV_STATE_VERSION);
	ov_put_pos(&b, o->ev, o->nev);
	ob_adds(&b, ",\"streams\":[");
	for (i = 0; i < o->n; i++) {
		s = &o->s[i];
		ob_adds(&b, i > 0 ? ",\n{\"name\":" : "\n{\"name\":");
		ov_jesc(&b, s->name);
		ob_adds(&b, ",\"pos\":");
		ov_put_pos(&b, s->pos, s->npos);
		ob_printf(&b, ",\"lines\":%llu,\"excluded\":%llu,\"old\":%llu,"
		    "\"routes\":[", (unsigned long long)s->lines,
		    (unsigned long long)s->excluded, (unsigned long long)s->old);
		for (j = 0; j < s->nr; j++) {
			ob_adds(&b, j > 0 ? ",\n{\"key\":" : "\n{\"key\":");
			ov_jesc(&b, s->r[j].key);
			ob_adds(&b, ",\"min\":");
			ov_put_cells(&b, s->r[j].min, OV_MINUTES);
			ob_adds(&b, ",\"hour\":");
			ov_put_cells(&b, s->r[j].hour, OV_HOURS);
			ob_adds(&b, "}");
		}
		ob_adds(&b, "],\"problems\":[");
		for (j = 0; j < s->np; j++) {
			p = &s->p[j];
			ob_printf(&b, "%s{\"status\":%d,\"title\":",
			    j > 0 ? ",\n" : "\n", p->status);
			ov_jesc(&b, p->title);
			ob_adds(&b, ",\"type\":");
			ov_jesc(&b, p->type);
			ob_adds(&b, ",\"route\":");
			ov_jesc(&b, p->route);
			ob_adds(&b, ",\"last_id\":");
			ov_jesc(&b, p->last_id);
			ob_adds(&b, ",\"last_detail\":");
			ov_jesc(&b, p->last_detail);
			ob_printf(&b, ",\"last_ts\":%lld,\"min\":", p->last_ts);
			ov_put_counts(&b, p->min, OV_MINUTES);
			ob_adds(&b, ",\"hour\":");
			ov_put_counts(&b, p->hour, OV_HOURS);
			ob_adds(&b, "}");
		}
		ob_adds(&b, "]}");
	}
	ob_adds(&b, "]}\n");
	return (ob_finish(&b));
}

/* An array member of o, borrowed, or NULL. */
static json_object *
ov_jarr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return (NULL);
	return (v);
}

/* A non-negative integer member or element; -1 when missing or not one. */
static long long
ov_jint(json_object *v)
{
	if (v == NULL || !json_object_is_type(v, json_type_int))
		return (-1);
	return ((long long)json_object_get_int64(v));
}

/* Integer member key of o (>= 0), or -1. */
static long long
ov_jmember(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		return (-1);
	return (ov_jint(v));
}

/* Reads a positions array into p (at most 2). */
static int
ov_get_pos(json_object *a, struct report_pos *p, size_t *np)
{
	json_object	*e, *h;
	const char	*hs;
	char		*end;
	size_t		 i;
	long long	 v[4];
	int		 k;

	*np = 0;
	if (a == NULL || json_object_array_length(a) > 2)
		return (-1);
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_array) ||
		    json_object_array_length(e) != 5)
			return (-1);
		for (k = 0; k < 4; k++)
			if ((v[k] = ov_jint(json_object_array_get_idx(e,
			    (size_t)k))) < 0)
				return (-1);
		h = json_object_array_get_idx(e, 4);
		if (!json_object_is_type(h, json_type_string))
			return (-1);
		hs = json_object_get_string(h);
		errno = 0;
		p[i].head_hash = strtoull(hs, &end, 16);
		if (errno != 0 || *end != '\0' || end == hs ||
		    v[3] > REPORT_HEAD)
			return (-1);
		p[i].dev = (unsigned long long)v[0];
		p[i].ino = (unsigned long long)v[1];
		p[i].off = (unsigned long long)v[2];
		p[i].head_len = (unsigned long long)v[3];
		(*np)++;
	}
	return (0);
}

/* Reads [bin, n, ...] into h. */
static int
ov_get_hist(json_object *a, struct hist *h)
{
	size_t		 i, n;
	long long	 bin, k;

	if (a == NULL || !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) % 2 != 0)
		return (-1);
	for (i = 0; i < n; i += 2) {
		bin = ov_jint(json_object_array_get_idx(a, i));
		k = ov_jint(json_object_array_get_idx(a, i + 1));
		if (bin < 0 || bin >= HIST_BINS || k < 0 ||
		    hist_add(h, (uint32_t)bin, (uint64_t)k) == -1)
			return (-1);
	}
	return (0);
}

/* Reads a ring's cells. */
static int
ov_get_cells(json_object *a, struct ov_cell *ring, size_t n)
{
	json_object	*e;
	struct ov_cell	*c;
	long long	 v[5];
	size_t		 i;
	int		 k;

	if (a == NULL)
		return (-1);
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_array) ||
		    json_object_array_length(e) != 7)
			return (-1);
		for (k = 0; k < 5; k++)
			if ((v[k] = ov_jint(json_object_array_get_idx(e,
			    (size_t)k))) < 0)
				return (-1);
		if (v[1] == 0)
			continue;
		c = &ring[(size_t)(v[0] % (long long)n)];
		if (c->req > 0)
			return (-1);		/* two cells in one slot */
		c->id = v[0];
		c->req = (uint64_t)v[1];
		c->e4 = (uint64_t)v[2];
		c->e5 = (uint64_t)v[3];
		c->bytes = (uint64_t)v[4];
		if (ov_get_hist(json_object_array_get_idx(e, 5), &c->rt) == -1 ||
		    ov_get_hist(json_object_array_get_idx(e, 6), &c->up) == -1)
			return (-1);
	}
	return (0);
}

/* Reads a ring of counts. */
static int
ov_get_counts(json_object *a, struct ov_count *ring, size_t n)
{
	json_object	*e;
	long long	 id, k;
	size_t		 i;

	if (a == NULL)
		return (-1);
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_array) ||
		    json_object_array_length(e) != 2 ||
		    (id = ov_jint(json_object_array_get_idx(e, 0))) < 0 ||
		    (k = ov_jint(json_object_array_get_idx(e, 1))) < 0)
			return (-1);
		ring[(size_t)(id % (long long)n)].id = id;
		ring[(size_t)(id % (long long)n)].n = (uint64_t)k;
	}
	return (0);
}

/* Reads one stream object into o. */
static int
ov_get_stream(struct ov *o, json_object *js)
{
	struct ov_stream	*s;
	struct ov_route		*r;
	struct ov_problem	*p, *np;
	json_object		*a, *e;
	const char		*name, *key;
	long long		 v;
	size_t			 i;

	if ((name = ov_jstr(js, "name")) == NULL)
		return (-1);
	for (i = 0; i < o->n; i++)
		if (strcmp(o->s[i].name, name) == 0)
			return (-1);		/* twice */
	if ((s = ov_stream_get(o, name)) == NULL ||
	    ov_get_pos(ov_jarr(js, "pos"), s->pos, &s->npos) == -1)
		return (-1);
	s->known = 1;
	if ((v = ov_jmember(js, "lines")) < 0)
		return (-1);
	s->lines = (uint64_t)v;
	if ((v = ov_jmember(js, "excluded")) < 0)
		return (-1);
	s->excluded = (uint64_t)v;
	if ((v = ov_jmember(js, "old")) < 0)
		return (-1);
	s->old = (uint64_t)v;
	if ((a = ov_jarr(js, "routes")) == NULL)
		return (-1);
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if ((key = ov_jstr(e, "key")) == NULL)
			return (-1);
		if ((r = ov_route_get(s, key)) == NULL ||
		    ov_get_cells(ov_jarr(e, "min"), r->min, OV_MINUTES) == -1 ||
		    ov_get_cells(ov_jarr(e, "hour"), r->hour, OV_HOURS) == -1)
			return (-1);
	}
	if ((a = ov_jarr(js, "problems")) == NULL)
		return (-1);
	for (i = 0; i < json_object_array_length(a) && i < OV_MAX_PROBLEMS;
	    i++) {
		e = json_object_array_get_idx(a, i);
		if ((np = reallocarray(s->p, s->np + 1, sizeof(*np))) == NULL)
			return (-1);
		s->p = np;
		p = &np[s->np];
		memset(p, 0, sizeof(*p));
		s->np++;
		if ((v = ov_jmember(e, "status")) < 400 || v > 599)
			return (-1);
		p->status = (int)v;
		if ((p->title = ov_text(ov_jstr(e, "title"))) == NULL ||
		    (p->type = ov_text(ov_jstr(e, "type"))) == NULL ||
		    (p->route = ov_text(ov_jstr(e, "route"))) == NULL ||
		    (p->last_id = ov_text(ov_jstr(e, "last_id"))) == NULL ||
		    (p->last_detail = ov_text(ov_jstr(e, "last_detail"))) ==
		    NULL || (p->last_ts = ov_jmember(e, "last_ts")) < 0 ||
		    ov_get_counts(ov_jarr(e, "min"), p->min, OV_MINUTES) == -1 ||
		    ov_get_counts(ov_jarr(e, "hour"), p->hour, OV_HOURS) == -1)
			return (-1);
	}
	return (0);
}

/* See overview.h. */
int
ov_state_parse(const char *text, struct ov *o, char **cause)
{
	json_object	*root, *a;
	size_t		 i;

	*cause = NULL;
	if ((root = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return (cause_set(cause, "not JSON"));
	}
	if (ov_jmember(root, "version") != OV_STATE_VERSION) {
		json_object_put(root);
		return (cause_set(cause, "not version %d", OV_STATE_VERSION));
	}
	if (ov_get_pos(ov_jarr(root, "events"), o->ev, &o->nev) == -1 ||
	    (a = ov_jarr(root, "streams")) == NULL)
		goto bad;
	o->ev_known = 1;
	for (i = 0; i < json_object_array_length(a); i++)
		if (ov_get_stream(o, json_object_array_get_idx(a, i)) == -1)
			goto bad;
	json_object_put(root);
	return (0);
bad:
	json_object_put(root);
	for (i = 0; i < o->n; i++)
		ov_stream_free(&o->s[i]);
	free(o->s);
	o->s = NULL;
	o->n = 0;
	o->nev = 0;
	o->ev_known = 0;
	return (cause_set(cause, "malformed (or out of memory)"));
}

/* --- sums per window ----------------------------------------------------- */

/* The cells of window w: ring, its size, the ids shown and the step. */
static void
ov_window_span(enum ov_window w, long long now, long long *first,
    long long *n, long long *step, long long *seconds)
{
	switch (w) {
	case OV_HOUR:
		*step = 60;
		*n = OV_MINUTES;
		break;
	case OV_DAY:
		*step = 3600;
		*n = 24;
		break;
	default:
		*step = 3600;
		*n = OV_HOURS;
		break;
	}
	*first = now / *step - *n + 1;
	*seconds = *n * *step;
}

/* A row's percentiles from its merged histograms. */
static void
ov_row_finish(struct ov_row *row, const struct hist *rt, const struct hist *up)
{
	row->p50 = hist_quantile(rt, 500);
	row->p95 = hist_quantile(rt, 950);
	row->p99 = hist_quantile(rt, 990);
	row->up_n = up->count;
	row->up50 = hist_quantile(up, 500);
	row->up95 = hist_quantile(up, 950);
	row->up99 = hist_quantile(up, 990);
}

/* Adds a cell's counters to a row. */
static void
ov_row_add(struct ov_row *row, const struct ov_cell *c)
{
	row->req += c->req;
	row->e4 += c->e4;
	row->e5 += c->e5;
	row->bytes += c->bytes;
}

/* Rows by requests, most first, then by key. */
static int
ov_row_cmp(const void *a, const void *b)
{
	const struct ov_row	*x = a, *y = b;

	if (x->req != y->req)
		return (x->req > y->req ? -1 : 1);
	return (strcmp(x->key, y->key));
}

/* Problems by count, most first, then by status. */
static int
ov_prob_cmp(const void *a, const void *b)
{
	const struct ov_prob_row	*x = a, *y = b;

	if (x->n != y->n)
		return (x->n > y->n ? -1 : 1);
	if (x->p->status != y->p->status)
		return (x->p->status - y->p->status);
	return (strcmp(x->p->route, y->p->route));
}

/* See overview.h. */
int
ov_summarize(const struct ov_stream *s, enum ov_window w, long long now,
    struct ov_win *win)
{
	struct hist	 trt, tup, rt, up, *prt = NULL;
	long long	 first, n, step, id;
	size_t		 i, k, nrow = 0;
	int		 rc = -1;

	memset(win, 0, sizeof(*win));
	memset(&trt, 0, sizeof(trt));
	memset(&tup, 0, sizeof(tup));
	memset(&rt, 0, sizeof(rt));
	memset(&up, 0, sizeof(up));
	win->w = w;
	ov_window_span(w, now, &first, &n, &step, &win->seconds);
	win->step = step;
	if ((win->pts = calloc((size_t)n, sizeof(*win->pts))) == NULL ||
	    (prt = calloc((size_t)n, sizeof(*prt))) == NULL ||
	    (s->nr > 0 && (win->rows = calloc(s->nr, sizeof(*win->rows))) ==
	    NULL) ||
	    (s->np > 0 && (win->probs = calloc(s->np, sizeof(*win->probs))) ==
	    NULL))
		goto out;
	win->npts = (size_t)n;
	for (k = 0; k < (size_t)n; k++)
		win->pts[k].t = (first + (long long)k) * step;
	for (i = 0; i < s->nr; i++) {
		const struct ov_route	*r = &s->r[i];
		const struct ov_cell	*ring = w == OV_HOUR ? r->min : r->hour;
		size_t			 rn = w == OV_HOUR ? OV_MINUTES : OV_HOURS;
		struct ov_row		*row = &win->rows[nrow];

		memset(row, 0, sizeof(*row));
		row->key = r->key;
		for (k = 0; k < rn; k++) {
			const struct ov_cell	*c = &ring[k];

			id = c->id;
			if (c->req == 0 || id < first || id >= first + n)
				continue;
			ov_row_add(row, c);
			ov_row_add(&win->total, c);
			win->pts[id - first].req += c->req;
			win->pts[id - first].e4 += c->e4;
			win->pts[id - first].e5 += c->e5;
			if (hist_merge(&rt, &c->rt) == -1 ||
			    hist_merge(&up, &c->up) == -1 ||
			    hist_merge(&trt, &c->rt) == -1 ||
			    hist_merge(&tup, &c->up) == -1 ||
			    hist_merge(&prt[id - first], &c->rt) == -1)
				goto out;
		}
		if (row->req > 0) {
			ov_row_finish(row, &rt, &up);
			nrow++;
		}
		hist_cleanup(&rt);
		hist_cleanup(&up);
	}
	win->nrows = nrow;
	ov_row_finish(&win->total, &trt, &tup);
	for (k = 0; k < (size_t)n; k++)
		win->pts[k].p95 = hist_quantile(&prt[k], 950);
	if (nrow > 1)
		qsort(win->rows, nrow, sizeof(*win->rows), ov_row_cmp);
	for (i = 0; i < s->np; i++) {
		const struct ov_problem	*p = &s->p[i];
		const struct ov_count	*ring = w == OV_HOUR ? p->min : p->hour;
		size_t			 rn = w == OV_HOUR ? OV_MINUTES : OV_HOURS;
		uint64_t		 cnt = 0;

		for (k = 0; k < rn; k++)
			if (ring[k].n > 0 && ring[k].id >= first &&
			    ring[k].id < first + n)
				cnt += ring[k].n;
		if (cnt == 0)
			continue;
		win->probs[win->nprobs].p = p;
		win->probs[win->nprobs++].n = cnt;
	}
	if (win->nprobs > 1)
		qsort(win->probs, win->nprobs, sizeof(*win->probs),
		    ov_prob_cmp);
	rc = 0;
out:
	if (prt != NULL)
		for (k = 0; k < (size_t)n; k++)
			hist_cleanup(&prt[k]);
	free(prt);
	hist_cleanup(&trt);
	hist_cleanup(&tup);
	hist_cleanup(&rt);
	hist_cleanup(&up);
	if (rc == -1)
		ov_win_cleanup(win);
	return (rc);
}

/* See overview.h. */
void
ov_win_cleanup(struct ov_win *win)
{
	free(win->rows);
	free(win->pts);
	free(win->probs);
	memset(win, 0, sizeof(*win));
}

/* --- index.json ---------------------------------------------------------- */

/* Appends a row's figures as JSON members. */
static void
ov_put_row(struct buf *b, const struct ov_row *r, long long seconds)
{
	double	 req = (double)r->req;

	ob_printf(b, "\"requests\":%llu,\"rps\":%.17g,\"4xx\":%llu,"
	    "\"5xx\":%llu,\"ratio_4xx\":%.17g,\"ratio_5xx\":%.17g,"
	    "\"bytes\":%llu,\"p50_ms\":%llu,\"p95_ms\":%llu,\"p99_ms\":%llu,"
	    "\"upstream\":{\"requests\":%llu,\"p50_ms\":%llu,\"p95_ms\":%llu,"
	    "\"p99_ms\":%llu}",
	    (unsigned long long)r->req, req / (double)seconds,
	    (unsigned long long)r->e4, (unsigned long long)r->e5,
	    r->req > 0 ? (double)r->e4 / req : 0.0,
	    r->req > 0 ? (double)r->e5 / req : 0.0,
	    (unsigned long long)r->bytes, (unsigned long long)r->p50,
	    (unsigned long long)r->p95, (unsigned long long)r->p99,
	    (unsigned long long)r->up_n, (unsigned long long)r->up50,
	    (unsigned long long)r->up95, (unsigned long long)r->up99);
}

/* Appends one series of a window's points. */
static void
ov_put_series(struct buf *b, const struct ov_win *win, const char *name,
    int which)
{
	size_t		 k;
	uint64_t	 v;

	ob_printf(b, "\"%s\":[", name);
	for (k = 0; k < win->npts; k++) {
		const struct ov_point	*p = &win->pts[k];

		v = which == 0 ? p->req : which == 1 ? p->e4 : which == 2 ?
		    p->e5 : p->p95;
		ob_printf(b, "%s%llu", k > 0 ? "," : "", (unsigned long long)v);
	}
	ob_adds(b, "]");
}

/* See overview.h. */
char *
ov_json(const struct ov_stream *s, const struct ov_page *pg)
{
	struct ov_win	 win;
	struct buf	 b;
	char		 ts[CLOCK_RFC3339_LEN];
	size_t		 i;
	int		 w;

	clock_rfc3339_fmt((time_t)pg->now, ts, sizeof(ts));
	buf_init(&b, OV_TEXT_LIMIT);
	ob_adds(&b, "{\"stream\":");
	ov_jesc(&b, s->name);
	ob_adds(&b, ",\"title\":");
	ov_jesc(&b, pg->title);
	ob_printf(&b, ",\"generated\":\"%s\",\"now\":%lld,"
	    "\"histogram\":{\"unit\":\"ms\",\"exact_below_ms\":%d,"
	    "\"max_relative_error\":%.17g,\"percentile\":\"nearest rank; "
	    "the lowest value of its bin\"},"
	    "\"lines\":{\"counted\":%llu,\"excluded\":%llu,\"too_old\":%llu},"
	    "\"windows\":{", ts, pg->now, HIST_EXACT, 1.0 / HIST_SUB,
	    (unsigned long long)s->lines, (unsigned long long)s->excluded,
	    (unsigned long long)s->old);
	for (w = 0; w < OV__WINDOWS; w++) {
		if (ov_summarize(s, (enum ov_window)w, pg->now, &win) == -1) {
			buf_cleanup(&b);
			return (NULL);
		}
		ob_printf(&b, "%s\"%s\":{\"seconds\":%lld,\"step\":%lld,"
		    "\"start\":%lld,\"total\":{", w > 0 ? ",\n" : "\n",
		    ov_window_name((enum ov_window)w), win.seconds, win.step,
		    win.npts > 0 ? win.pts[0].t : 0);
		ov_put_row(&b, &win.total, win.seconds);
		ob_adds(&b, "},\"routes\":[");
		for (i = 0; i < win.nrows; i++) {
			ob_adds(&b, i > 0 ? ",\n{\"route\":" : "\n{\"route\":");
			ov_jesc(&b, win.rows[i].key);
			ob_adds(&b, ",");
			ov_put_row(&b, &win.rows[i], win.seconds);
			ob_adds(&b, "}");
		}
		ob_adds(&b, "],\"series\":{");
		ov_put_series(&b, &win, "requests", 0);
		ob_adds(&b, ",");
		ov_put_series(&b, &win, "4xx", 1);
		ob_adds(&b, ",");
		ov_put_series(&b, &win, "5xx", 2);
		ob_adds(&b, ",");
		ov_put_series(&b, &win, "p95_ms", 3);
		ob_adds(&b, "},\"problems\":[");
		for (i = 0; i < win.nprobs; i++) {
			const struct ov_problem	*p = win.probs[i].p;

			ob_printf(&b, "%s{\"status\":%d,\"count\":%llu,"
			    "\"title\":", i > 0 ? ",\n" : "\n", p->status,
			    (unsigned long long)win.probs[i].n);
			ov_jesc(&b, p->title);
			ob_adds(&b, ",\"type\":");
			ov_jesc(&b, p->type);
			ob_adds(&b, ",\"route\":");
			ov_jesc(&b, p->route);
			ob_adds(&b, ",\"last_request_id\":");
			ov_jesc(&b, p->last_id);
			ob_adds(&b, ",\"last_detail\":");
			ov_jesc(&b, p->last_detail);
			ob_printf(&b, ",\"last_seen\":%lld}", p->last_ts);
		}
		ob_adds(&b, "]}");
		ov_win_cleanup(&win);
	}
	ob_adds(&b, "}}\n");
	return (ob_finish(&b));
}
