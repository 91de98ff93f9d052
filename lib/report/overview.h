/*
 * overview.h: the /ops/ API overview, bootstack's own page beside
 * GoAccess's report: per route template ("GET /v1/tasks/{id}", never a raw
 * path) and per window (the last hour, day, week): requests, req/s, 4xx and
 * 5xx ratios, p50/p95/p99 of nginx's $request_time and of the API's
 * $upstream_response_time, time series of traffic, errors and p95, and the
 * most frequent problems the API logged, each with a request id to follow.
 *
 * It is computed incrementally by `bootstack report` from the lines it
 * reads anyway: each stream (all hosts, each host) keeps, in one state
 * file, counters and latency histograms (report/hist.h) per route for each
 * of the last 60 minutes and 168 hours. A window is the sum of its cells,
 * so a percentile over a day is the percentile of the day's merged
 * histogram. The state also holds the positions the overview reached in
 * each log, written with the counters in one atomic rename: the overview
 * counts every line once whatever happens to GoAccess.
 */
#ifndef LIB_REPORT_OVERVIEW_H
#define LIB_REPORT_OVERVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "router.h"
#include "report/hist.h"

struct json_object;

#define OV_MINUTES	60		/* minute cells: the hour window */
#define OV_HOURS	168		/* hour cells: the day and week windows */
#define OV_MAX_PROBLEMS	256		/* problem kinds kept per stream */
#define OV_NOROUTE	"(no route)"	/* requests no template matches */
#define OV_TEXT_MAX	200		/* bytes kept of a detail, title ... */

enum ov_window {
	OV_HOUR = 0,
	OV_DAY,
	OV_WEEK,
	OV__WINDOWS
};

/* One minute or hour of one route. */
struct ov_cell {
	long long	 id;		/* minutes or hours since the epoch */
	uint64_t	 req;		/* requests; 0 = an empty cell */
	uint64_t	 e4, e5;	/* of which 4xx, 5xx */
	uint64_t	 bytes;		/* $body_bytes_sent */
	struct hist	 rt;		/* $request_time, ms */
	struct hist	 up;		/* $upstream_response_time, ms (summed over retries) */
};

/* One route template's cells. */
struct ov_route {
	char		*key;			/* "GET /v1/tasks/{id}"; owned */
	struct ov_cell	 min[OV_MINUTES];	/* by id % OV_MINUTES */
	struct ov_cell	 hour[OV_HOURS];	/* by id % OV_HOURS */
};

struct ov_count {
	long long	 id;
	uint64_t	 n;
};

/* One kind of problem the API answered with, from its event log. */
struct ov_problem {
	int		 status;	/* 404 */
	char		*title;		/* "Not Found"; owned */
	char		*type;		/* "about:blank"; owned */
	char		*route;		/* "GET /v1/tasks/{id}", or ""; owned */
	char		*last_id;	/* request id of the latest; owned */
	char		*last_detail;	/* its detail; owned */
	long long	 last_ts;	/* its time, epoch seconds */
	struct ov_count	 min[OV_MINUTES];
	struct ov_count	 hour[OV_HOURS];
};

/* The overview of one stream (REPORT_ALL or a host). */
struct ov_stream {
	char			*name;		/* owned */
	struct report_pos	 pos[2];	/* where it stopped in the access logs */
	size_t			 npos;
	int			 known;		/* had positions in the state */
	unsigned long long	 start[2];	/* this run: first byte not yet counted */
	struct ov_route		*r;		/* owned, nr of them */
	size_t			 nr;
	struct ov_problem	*p;		/* owned, np of them */
	size_t			 np;
	uint64_t		 lines;		/* lines counted, ever */
	uint64_t		 excluded;	/* lines left out ([report] exclude) */
	uint64_t		 old;		/* lines older than the week kept */
};

/* Every stream's overview, the route table and the event log's positions. */
struct ov {
	struct ov_stream	*s;		/* owned, n of them */
	size_t			 n;
	struct report_pos	 ev[2];		/* where it stopped in the API's log */
	size_t			 nev;
	int			 ev_known;	/* had event positions */
	unsigned long long	 ev_start[2];	/* this run */
	struct route		*table;		/* templates as a router table; owned */
	char			**tstr;		/* their "METHOD\0/path" strings; owned */
	size_t			 ntable;
};

/* One access-log request, as the overview counts it. */
struct ov_hit {
	long long	 ts;		/* epoch seconds */
	const char	*route;		/* the key: "GET /v1/tasks/{id}" or OV_NOROUTE */
	int		 status;
	uint64_t	 bytes;
	long long	 rt_ms;		/* -1: unknown */
	long long	 up_ms;		/* -1: nginx answered alone */
};

/* One problem event of the API's log. */
struct ov_event {
	long long	 ts;
	int		 status;
	const char	*title, *type, *route, *request_id, *detail, *host;
};

/* A window's figures for one route (or all: key NULL). */
struct ov_row {
	const char	*key;			/* borrowed */
	uint64_t	 req, e4, e5, bytes;
	uint64_t	 p50, p95, p99;		/* ms; 0 when req is 0 */
	uint64_t	 up_n;			/* requests with an upstream time */
	uint64_t	 up50, up95, up99;	/* ms */
};

/* One point of a window's time series (all routes). */
struct ov_point {
	long long	 t;		/* start, epoch seconds */
	uint64_t	 req, e4, e5;
	uint64_t	 p95;		/* ms; 0 without requests */
};

struct ov_prob_row {
	const struct ov_problem	*p;	/* borrowed */
	uint64_t		 n;	/* in the window */
};

/* A window summed up. */
struct ov_win {
	enum ov_window		 w;
	long long		 seconds;	/* 3600, 86400, 604800 */
	long long		 step;		/* seconds per point */
	struct ov_row		 total;
	struct ov_row		*rows;		/* owned, by requests, most first */
	size_t			 nrows;
	struct ov_point		*pts;		/* owned, oldest first */
	size_t			 npts;
	struct ov_prob_row	*probs;		/* owned, most first */
	size_t			 nprobs;
};

/* What a page links to, and what it says about the run. */
struct ov_page {
	const char	*title;		/* "all hosts" or the host */
	const char	*up;		/* link to the all-hosts page, or NULL */
	const char	*const *hosts;	/* the host pages (from all hosts), or NULL */
	size_t		 nhosts;
	const char	*problems_note;	/* why there are no problems, or NULL */
	long long	 now;		/* epoch seconds */
};

/* The name of a window: "hour", "day", "week". */
const char	*ov_window_name(enum ov_window);
/*
 * Sets the route templates ("METHOD /path/{param}", e.g. from the OpenAPI
 * document). 0, or -1 with *cause (caller frees) for a malformed one.
 */
int		ov_set_routes(struct ov *, const char *const *routes, size_t n,
		    char **cause);
/*
 * The template of method/path (path without the query, not terminated):
 * *pattern (borrowed from the table, "/v1/tasks/{id}") and the key into
 * key ("GET /v1/tasks/{id}"; HEAD keeps its name), or OV_NOROUTE with
 * *pattern NULL.
 */
void		ov_route_of(const struct ov *, const char *method, size_t mlen,
		    const char *path, size_t plen, char *key, size_t keylen,
		    const char **pattern);
/* The stream named name, added empty when missing; NULL when out of memory. */
struct ov_stream *ov_stream_get(struct ov *, const char *name);
/* Drops the streams not in names (a host no longer reported). */
void		ov_prune(struct ov *, const char *const *names, size_t n);
/* Counts a request, now being the run's time. 0, or -1 when out of memory. */
int		ov_add_hit(struct ov_stream *, const struct ov_hit *, long long now);
/* Counts a problem event. 0, or -1 when out of memory. */
int		ov_add_event(struct ov_stream *, const struct ov_event *,
		    long long now);
/*
 * Parses one line of the API's JSON event log: 1 with *ev (strings
 * borrowed from *obj, which the caller json_object_put()s) when it is a
 * problem event, 0 when it is another line.
 */
int		ov_event_parse(const char *line, size_t len, struct ov_event *,
		    struct json_object **obj);

/* The state file's text (caller frees), NULL when out of memory. */
char		*ov_state_format(const struct ov *);
/* Parses the state text. 0, or -1 with *cause (caller frees). */
int		ov_state_parse(const char *text, struct ov *, char **cause);
void		ov_cleanup(struct ov *);

/* Sums up window w of s at now. 0, or -1 when out of memory. */
int		ov_summarize(const struct ov_stream *, enum ov_window, long long now,
		    struct ov_win *);
void		ov_win_cleanup(struct ov_win *);
/* The overview as JSON (index.json), caller frees; NULL when out of memory. */
char		*ov_json(const struct ov_stream *, const struct ov_page *);
/* The overview as an HTML page (index.html), caller frees; NULL on ENOMEM. */
char		*ov_html(const struct ov_stream *, const struct ov_page *);

#endif
