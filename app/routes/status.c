/*
 * status.c: GET /status, the pool's status page as php-fpm's pm.status_path
 * shows it: pool, process manager, start time, accepted connections, the
 * listen queue (now, its highest, its length), idle / active / total
 * processes, the most active at once, "max children reached" and slow
 * requests; with ?full, one block per worker: pid, state, what it does
 * (the request method, URI, route and request id; the statement it waits
 * on in PostgreSQL), for how long, requests served and RSS.
 *
 * Text by default, as php-fpm's; JSON with ?json or an Accept header that
 * names application/json (php-fpm's keys, so its tooling reads ours, plus
 * a few of our own). Parameters: "full" and "json", bare or "=1" (php-fpm
 * writes "?full&json"); anything else is a 400.
 *
 * Any worker can answer: it reads the scoreboard (scoreboard.h) as
 * /metrics does, samples the listen queue itself (lib/listenq), and reads
 * each worker's RSS from /proc/PID/statm. A worker's route is found again
 * from its published method and URI with the route table. nginx lets only
 * loopback reach this route, as /metrics (docs/nginx.md);
 * `bootstack-api status` reads it straight from the FastCGI socket.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../api.h"
#include "../routes.h"
#include "../scoreboard.h"
#include "buf.h"
#include "clock.h"
#include "http.h"
#include "listenq.h"
#include "pool.h"

#define STATUS_MAX	(512 * 1024)

/* The pool-wide figures. */
struct status_pool {
	long long		 start, since;
	unsigned long long	 accepted, max_reached, slow, emergency, refused;
	int			 queue, queue_max, queue_len;
	unsigned int		 idle, active, total, active_max;
	unsigned int		 generation;
	int			 pm, workers;
};

/* One worker, as its slot says. */
struct status_worker {
	int			 pid;
	const char		*state;		/* "starting", "idle", ... */
	long long		 start, since;
	unsigned long long	 requests;
	long long		 duration_us;	/* of the request now; 0 if idle */
	struct scoreboard_req	 req;
	const char		*route;		/* pattern, "" if none matched */
	const char		*waiting_on;	/* statement, "" if none */
	long long		 rss;		/* bytes; -1 if unknown */
};

/* The resident set size of pid in bytes, -1 if unknown. */
static long long
status_rss(int pid)
{
	char		 path[64];
	long long	 size, rss;
	FILE		*f;
	int		 n;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if ((f = fopen(path, "re")) == NULL)
		return (-1);
	n = fscanf(f, "%lld %lld", &size, &rss);
	fclose(f);
	return (n == 2 ? rss * sysconf(_SC_PAGESIZE) : -1);
}

/* Reads slot s (of a running worker) into w. */
static void
status_worker(struct scoreboard_slot *s, long long now_ms, long long now,
    struct status_worker *w)
{
	long long	 busy;
	const char	*on;

	memset(w, 0, sizeof(*w));
	w->pid = atomic_load(&s->pid);
	w->start = atomic_load(&s->started);
	w->since = now - w->start;
	w->requests = atomic_load(&s->requests) - atomic_load(&s->requests_base);
	busy = atomic_load(&s->busy_since_ms);
	if (!atomic_load(&s->ready))
		w->state = "starting";
	else if (busy == 0)
		w->state = "idle";
	else
		w->state = scoreboard_states[atomic_load(&s->state) %
		    SCOREBOARD_STATE__COUNT];
	w->duration_us = busy != 0 ? (now_ms - busy) * 1000 : 0;
	scoreboard_read_req(s, &w->req);
	w->route = routes_pattern(w->req.method, w->req.uri);
	on = atomic_load(&s->waiting_on);
	w->waiting_on = busy != 0 && on != NULL ? on : "";
	w->rss = status_rss(w->pid);
}

/* Sums the board into p; samples the listen queue on our socket. */
static void
status_pool(struct api *api, struct status_pool *p)
{
	struct scoreboard	*b = api->board;
	struct scoreboard_slot	*s;
	unsigned int		 i;
	int			 q, len;

	memset(p, 0, sizeof(*p));
	p->start = b->start_time;
	p->since = (long long)time(NULL) - p->start;
	p->pm = atomic_load(&b->pm);
	p->workers = atomic_load(&b->workers);
	p->generation = atomic_load(&b->generation);
	p->max_reached = atomic_load(&b->max_children_reached);
	p->slow = atomic_load(&b->slow_requests);
	p->emergency = atomic_load(&b->emergency_restarts);
	p->refused = atomic_load(&b->reloads_refused);
	p->queue = atomic_load(&b->listen_queue);
	p->queue_len = atomic_load(&b->listen_queue_len);
	if (api->listen_fd >= 0 && listenq_get(api->listen_fd, &q, &len) == 0) {
		p->queue = q;
		p->queue_len = len;
		if (q > atomic_load(&b->listen_queue_max))
			atomic_store(&b->listen_queue_max, q);
	}
	p->queue_max = atomic_load(&b->listen_queue_max);
	for (i = 0; i < SCOREBOARD_SLOTS; i++) {
		s = &b->slots[i];
		if (!atomic_load_explicit(&s->used, memory_order_relaxed))
			continue;
		p->accepted += atomic_load_explicit(&s->accepted,
		    memory_order_relaxed);
		if (atomic_load(&s->pid) == 0)
			continue;
		p->total++;
		if (atomic_load(&s->busy_since_ms) != 0)
			p->active++;
		else
			p->idle++;
	}
	p->active_max = (unsigned int)atomic_load(&b->active_max);
	if (p->active > p->active_max)
		p->active_max = p->active;
}

/* php-fpm's time format: "02/Dec/2026:06:50:00 +0000". */
static const char *
status_time(long long t, char *buf, size_t size)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%d/%b/%Y:%H:%M:%S +0000", &tm);
	return (buf);
}

/* The text page. */
static void
status_text(struct buf *o, const struct status_pool *p,
    const struct status_worker *w, size_t nw, int full)
{
	char	 t[64];
	size_t	 i;

	buf_printf(o, "pool:                 bootstack-api\n"
	    "process manager:      %s\n"
	    "start time:           %s\n"
	    "start since:          %lld\n"
	    "accepted conn:        %llu\n"
	    "listen queue:         %d\n"
	    "max listen queue:     %d\n"
	    "listen queue len:     %d\n"
	    "idle processes:       %u\n"
	    "active processes:     %u\n"
	    "total processes:      %u\n"
	    "max active processes: %u\n"
	    "max children reached: %llu\n"
	    "slow requests:        %llu\n"
	    "max children:         %d\n"
	    "generation:           %u\n"
	    "emergency restarts:   %llu\n"
	    "reloads refused:      %llu\n",
	    pool_modes[p->pm % POOL__COUNT],
	    status_time(p->start, t, sizeof(t)), p->since, p->accepted,
	    p->queue, p->queue_max, p->queue_len, p->idle, p->active, p->total,
	    p->active_max, p->max_reached, p->slow, p->workers, p->generation,
	    p->emergency, p->refused);
	if (!full)
		return;
	for (i = 0; i < nw; i++)
		buf_printf(o, "\n************************\n"
		    "pid:                  %d\n"
		    "state:                %s\n"
		    "start time:           %s\n"
		    "start since:          %lld\n"
		    "requests:             %llu\n"
		    "request duration:     %lld\n"
		    "request method:       %s\n"
		    "request uri:          %s\n"
		    "route:                %s\n"
		    "request id:           %s\n"
		    "waiting on:           %s\n"
		    "rss:                  %lld\n",
		    w[i].pid, w[i].state, status_time(w[i].start, t, sizeof(t)),
		    w[i].since, w[i].requests, w[i].duration_us,
		    w[i].req.method[0] != '\0' ? w[i].req.method : "-",
		    w[i].req.uri[0] != '\0' ? w[i].req.uri : "-",
		    w[i].route[0] != '\0' ? w[i].route : "-",
		    w[i].req.request_id[0] != '\0' ? w[i].req.request_id : "-",
		    w[i].waiting_on[0] != '\0' ? w[i].waiting_on : "-",
		    w[i].rss);
}

/* Adds an integer member. */
static void
status_jint(json_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* The JSON page; caller json_object_put()s. */
static json_object *
status_json(const struct status_pool *p, const struct status_worker *w,
    size_t nw, int full)
{
	json_object	*o = json_object_new_object(), *a, *x;
	size_t		 i;

	json_object_object_add(o, "pool",
	    json_object_new_string("bootstack-api"));
	json_object_object_add(o, "process manager", json_object_new_string(
	    pool_modes[p->pm % POOL__COUNT]));
	status_jint(o, "start time", p->start);
	status_jint(o, "start since", p->since);
	status_jint(o, "accepted conn", (long long)p->accepted);
	status_jint(o, "listen queue", p->queue);
	status_jint(o, "max listen queue", p->queue_max);
	status_jint(o, "listen queue len", p->queue_len);
	status_jint(o, "idle processes", p->idle);
	status_jint(o, "active processes", p->active);
	status_jint(o, "total processes", p->total);
	status_jint(o, "max active processes", p->active_max);
	status_jint(o, "max children reached", (long long)p->max_reached);
	status_jint(o, "slow requests", (long long)p->slow);
	status_jint(o, "max children", p->workers);
	status_jint(o, "generation", p->generation);
	status_jint(o, "emergency restarts", (long long)p->emergency);
	status_jint(o, "reloads refused", (long long)p->refused);
	if (!full)
		return (o);
	a = json_object_new_array();
	for (i = 0; i < nw; i++) {
		x = json_object_new_object();
		status_jint(x, "pid", w[i].pid);
		json_object_object_add(x, "state",
		    json_object_new_string(w[i].state));
		status_jint(x, "start time", w[i].start);
		status_jint(x, "start since", w[i].since);
		status_jint(x, "requests", (long long)w[i].requests);
		status_jint(x, "request duration", w[i].duration_us);
		json_object_object_add(x, "request method",
		    json_object_new_string(w[i].req.method));
		json_object_object_add(x, "request uri",
		    json_object_new_string(w[i].req.uri));
		json_object_object_add(x, "route",
		    json_object_new_string(w[i].route));
		json_object_object_add(x, "request id",
		    json_object_new_string(w[i].req.request_id));
		json_object_object_add(x, "waiting on",
		    json_object_new_string(w[i].waiting_on));
		status_jint(x, "rss", w[i].rss);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "processes", a);
	return (o);
}

/*
 * The query: "full" and "json", each bare or "=1", joined by '&'. 0, or
 * -1 with the offending parameter in bad.
 */
static int
status_query(const char *q, int *full, int *json, char *bad, size_t size)
{
	const char	*p = q, *end;
	size_t		 len;

	*full = *json = 0;
	while (*p != '\0') {
		end = p + strcspn(p, "&");
		len = (size_t)(end - p);
		if ((len == 4 || (len == 6 && strncmp(p + 4, "=1", 2) == 0)) &&
		    strncmp(p, "full", 4) == 0)
			*full = 1;
		else if ((len == 4 || (len == 6 &&
		    strncmp(p + 4, "=1", 2) == 0)) && strncmp(p, "json", 4) == 0)
			*json = 1;
		else if (len > 0) {
			snprintf(bad, size, "%.*s", (int)(len > 32 ? 32 : len),
			    p);
			return (-1);
		}
		p = *end == '&' ? end + 1 : end;
	}
	return (0);
}

/* GET /status */
static enum st
status_get_route(struct http_req *r)
{
	static struct status_worker	 w[SCOREBOARD_SLOTS];	/* kept off the stack */
	struct api			*api = r->app;
	struct scoreboard_slot		*s;
	struct status_pool		 p;
	struct buf			 o;
	json_object			*j;
	const char			*accept = http_header(r, "Accept");
	char				 bad[40];
	long long			 now_ms = clock_ms(), now = time(NULL);
	size_t				 nw = 0, i;
	int				 full, json;
	enum st				 st;

	if (status_query(r->query, &full, &json, bad, sizeof(bad)) != 0)
		return (http_fail(r, ST_BADREQ, "unknown query parameter %s "
		    "(full, json)", bad));
	if (accept != NULL && strstr(accept, "application/json") != NULL)
		json = 1;
	status_pool(api, &p);
	for (i = 0; full && i < SCOREBOARD_SLOTS; i++) {
		s = &api->board->slots[i];
		if (!atomic_load(&s->used) || atomic_load(&s->pid) == 0)
			continue;
		status_worker(s, now_ms, now, &w[nw++]);
	}
	if (json) {
		j = status_json(&p, w, nw, full);
		st = http_reply_json(r, 200, j);
		json_object_put(j);
		return (st);
	}
	buf_init(&o, STATUS_MAX);
	status_text(&o, &p, w, nw, full);
	st = http_reply(r, 200, "text/plain; charset=utf-8", o.data, o.len);
	buf_cleanup(&o);
	return (st);
}

static const struct route status_routes[] = {
	/* 403: nginx lets loopback clients only reach it. */
	{ "GET", "/status", status_get_route, NULL, "status", "200 403" },
};

const struct route_table status_table = {
	status_routes, sizeof(status_routes) / sizeof(status_routes[0])
};
