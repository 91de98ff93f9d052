/*
 * metrics.c: GET /metrics, the Prometheus text exposition (format 0.0.4).
 *
 * Any worker can answer: it sums the slots of every worker that ever ran
 * (scoreboard.h) and the master's header, so the figures cover all workers
 * and survive worker restarts. Reading is lock-free: a counter may move
 * while the page is built, never backwards. Only series that have counted
 * something are printed, plus every gauge. nginx lets only loopback reach
 * this route (docs/nginx.md).
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "../api.h"
#include "../routes.h"
#include "../scoreboard.h"
#include "http.h"

#define METRICS_MAX	(256 * 1024)

static const char *const metrics_classes[SCOREBOARD_CLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx"
};
static const char *const metrics_restarts[SCOREBOARD_RESTART__COUNT] = {
	"crash", "recycle", "deadline"
};

/* Relaxed read of a counter. */
static unsigned long long
metrics_get(scoreboard_counter *c)
{
	return (atomic_load_explicit(c, memory_order_relaxed));
}

/* The counters of every used slot, summed into one. */
static void
metrics_sum(struct scoreboard *b, struct scoreboard_slot *t, int *db_up,
    unsigned int *inflight)
{
	struct scoreboard_slot	*s;
	long long		 newest = -1, at;
	unsigned int		 i, r, c, k;

	memset(t, 0, sizeof(*t));
	*db_up = 0;
	*inflight = 0;
	for (i = 0; i < SCOREBOARD_SLOTS; i++) {
		s = &b->slots[i];
		if (!atomic_load_explicit(&s->used, memory_order_relaxed))
			continue;
		if (atomic_load_explicit(&s->busy_since_ms,
		    memory_order_relaxed) != 0)
			(*inflight)++;
		at = atomic_load_explicit(&s->db_last_ms, memory_order_relaxed);
		if (at > newest) {
			newest = at;
			*db_up = atomic_load_explicit(&s->db_last_ok,
			    memory_order_relaxed);
		}
		t->db_errors += metrics_get(&s->db_errors);
		for (k = 0; k < SCOREBOARD_DROP__COUNT; k++)
			t->drops[k] += metrics_get(&s->drops[k]);
		t->db_reconnects += metrics_get(&s->db_reconnects);
		for (r = 0; r < SCOREBOARD_ROUTES; r++) {
			for (c = 0; c < SCOREBOARD_CLASSES; c++)
				t->hits[r][c] += metrics_get(&s->hits[r][c]);
			for (k = 0; k <= SCOREBOARD_BUCKETS; k++)
				t->buckets[r][k] += metrics_get(&s->buckets[r][k]);
			t->sum_us[r] += metrics_get(&s->sum_us[r]);
		}
		for (r = 0; r < SCOREBOARD_METHODS; r++)
			for (c = 0; c < SCOREBOARD_CLASSES; c++)
				t->unmatched[r][c] +=
				    metrics_get(&s->unmatched[r][c]);
	}
}

/* Writes the request counters and latency histograms. */
static void
metrics_http(struct buf *o, struct scoreboard_slot *t)
{
	const struct route	*table;
	unsigned long long	 cum, count;
	size_t			 n, r;
	unsigned int		 c, k;

	table = routes_all(&n);
	if (n > SCOREBOARD_ROUTES)
		n = SCOREBOARD_ROUTES;
	buf_adds(o, "# HELP bootstack_http_requests_total HTTP requests "
	    "answered, by route, method and status class.\n"
	    "# TYPE bootstack_http_requests_total counter\n");
	for (r = 0; r < n; r++)
		for (c = 0; c < SCOREBOARD_CLASSES; c++)
			if (t->hits[r][c] != 0)
				buf_printf(o, "bootstack_http_requests_total{"
				    "route=\"%s\",method=\"%s\",code=\"%s\"} "
				    "%llu\n", table[r].name, table[r].method,
				    metrics_classes[c], t->hits[r][c]);
	for (r = 0; r < SCOREBOARD_METHODS; r++)
		for (c = 0; c < SCOREBOARD_CLASSES; c++)
			if (t->unmatched[r][c] != 0)
				buf_printf(o, "bootstack_http_requests_total{"
				    "route=\"unmatched\",method=\"%s\","
				    "code=\"%s\"} %llu\n", scoreboard_methods[r],
				    metrics_classes[c], t->unmatched[r][c]);

	buf_adds(o, "# HELP bootstack_http_request_duration_seconds Time "
	    "from the start of a request to its answer, by route.\n"
	    "# TYPE bootstack_http_request_duration_seconds histogram\n");
	for (r = 0; r < n; r++) {
		for (count = 0, k = 0; k <= SCOREBOARD_BUCKETS; k++)
			count += t->buckets[r][k];
		if (count == 0)
			continue;
		for (cum = 0, k = 0; k < SCOREBOARD_BUCKETS; k++) {
			cum += t->buckets[r][k];
			buf_printf(o, "bootstack_http_request_duration_seconds_"
			    "bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    table[r].name, scoreboard_bounds[k], cum);
		}
		buf_printf(o, "bootstack_http_request_duration_seconds_bucket{"
		    "route=\"%s\",le=\"+Inf\"} %llu\n", table[r].name, count);
		buf_printf(o, "bootstack_http_request_duration_seconds_sum{"
		    "route=\"%s\"} %.6f\n", table[r].name,
		    (double)t->sum_us[r] / 1e6);
		buf_printf(o, "bootstack_http_request_duration_seconds_count{"
		    "route=\"%s\"} %llu\n", table[r].name, count);
	}
}

/* GET /metrics */
static enum st
metrics_get_route(struct http_req *r)
{
	static struct scoreboard_slot	 total;	/* 5 KB: kept off the stack */
	struct api			*api = r->app;
	struct scoreboard		*b = api->board;
	struct buf			 o;
	unsigned int			 inflight, k;
	int				 db_up;
	enum st				 st;

	metrics_sum(b, &total, &db_up, &inflight);
	buf_init(&o, METRICS_MAX);
	metrics_http(&o, &total);
	buf_printf(&o, "# HELP bootstack_requests_in_flight Requests being "
	    "served now.\n# TYPE bootstack_requests_in_flight gauge\n"
	    "bootstack_requests_in_flight %u\n", inflight);
	buf_printf(&o, "# HELP bootstack_db_errors_total Failed database "
	    "connects and statements.\n# TYPE bootstack_db_errors_total "
	    "counter\nbootstack_db_errors_total %llu\n", total.db_errors);
	buf_printf(&o, "# HELP bootstack_db_reconnects_total Database "
	    "connections opened again after a failure.\n"
	    "# TYPE bootstack_db_reconnects_total counter\n"
	    "bootstack_db_reconnects_total %llu\n", total.db_reconnects);
	buf_printf(&o, "# HELP bootstack_db_up Whether the newest database "
	    "call of any worker succeeded.\n# TYPE bootstack_db_up gauge\n"
	    "bootstack_db_up %d\n", db_up);
	buf_adds(&o, "# HELP bootstack_connections_dropped_total FastCGI "
	    "connections closed without an answer, by reason.\n"
	    "# TYPE bootstack_connections_dropped_total counter\n");
	for (k = 0; k < SCOREBOARD_DROP__COUNT; k++)
		buf_printf(&o, "bootstack_connections_dropped_total{reason="
		    "\"%s\"} %llu\n", scoreboard_drops[k], total.drops[k]);
	buf_adds(&o, "# HELP bootstack_worker_restarts_total Workers "
	    "replaced, by reason.\n"
	    "# TYPE bootstack_worker_restarts_total counter\n");
	for (k = 0; k < SCOREBOARD_RESTART__COUNT; k++)
		buf_printf(&o, "bootstack_worker_restarts_total{reason=\"%s\"} "
		    "%llu\n", metrics_restarts[k], metrics_get(&b->restarts[k]));
	buf_printf(&o, "# HELP bootstack_workers Worker processes the master "
	    "keeps.\n# TYPE bootstack_workers gauge\nbootstack_workers %d\n",
	    atomic_load(&b->workers));
	buf_printf(&o, "# HELP bootstack_crash_loop Whether the master is "
	    "backing off a worker crash loop.\n# TYPE bootstack_crash_loop "
	    "gauge\nbootstack_crash_loop %d\n", atomic_load(&b->crash_loop));
	buf_printf(&o, "# HELP bootstack_build_info The running build.\n"
	    "# TYPE bootstack_build_info gauge\n"
	    "bootstack_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	buf_printf(&o, "# HELP process_start_time_seconds Start time of the "
	    "daemon since the Unix epoch.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds %lld\n", b->start_time);
	st = http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    o.data, o.len);
	buf_cleanup(&o);
	return (st);
}

static const struct route metrics_routes[] = {
	/* 403: nginx lets loopback clients only reach it. */
	{ "GET", "/metrics", metrics_get_route, NULL, "metrics", "200 403" },
};

const struct route_table metrics_table = {
	metrics_routes, sizeof(metrics_routes) / sizeof(metrics_routes[0])
};
