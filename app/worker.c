/*
 * worker.c: one single-threaded FastCGI worker.
 *
 * The listening socket is non-blocking and shared by all workers; each one
 * waits in epoll_wait() with EPOLLEXCLUSIVE (so one connection wakes one
 * worker, not all) together with a self-pipe that the signal handlers write
 * to, and the connections it has accepted but not yet read in full.
 *
 * A worker never blocks on a client. Accepted sockets are non-blocking: a
 * connection is read as far as it has arrived (lib/fcgi.h), and one whose
 * request is incomplete is parked in the epoll set and read on when more
 * comes, while the worker serves others. Only a complete request (begin,
 * parameters, body) reaches a handler. A parked connection has
 * [api] header_timeout from accept to send its parameters, then
 * [api] body_timeout for its body; past that it is closed. The parked
 * ones are kept on two lists in deadline order, so expiry costs nothing
 * per request. As many may be parked as the file descriptor limit allows
 * (up to WORKER_PENDING_CAP), holding WORKER_HELD_MAX bytes at most: past
 * either, the oldest is given up. So idle or trickling connections (on a
 * TCP listener anyone who reaches the port can open them) cost a file
 * descriptor and under a kilobyte each, not a worker. nginx sends the
 * whole request with the connection, so on the hot path nothing is parked:
 * accept, one read, one writev, close.
 *
 * A connection nginx asks to keep (FCGI_KEEP_CONN) is parked the same way
 * after its answer, on a third list, idle for [api] keepalive_timeout at
 * most; the first bytes of its next request start its header_timeout. A
 * retiring worker serves its kept ones on until nginx closes them (see
 * worker_retire_now). Off unless nginx asks: docs/nginx.md says what it
 * saves and what it costs.
 *
 * The handler's deadline is kept by the master: the worker writes its state
 * and the start of the request into its scoreboard slot (no system call),
 * and the master kills a worker whose handler overruns [api]
 * request_timeout, as php-fpm's request_terminate_timeout does. The answer
 * is written without blocking too; a peer that does not take it by the end
 * of request_timeout loses it.
 *
 * Signals: SIGTERM retires the worker (a reload, or a recycle): it stops
 * accepting, finishes what it holds and exits. It first accepts what is
 * queued (WORKER_HANDOFF_MAX at most): with EPOLLEXCLUSIVE the wake-up for
 * a queued connection may have gone to this worker alone, and leaving
 * without accepting would strand that connection until the next one
 * arrives. An idle worker tries an accept each time its wait runs out, so
 * a wake-up lost all the same (the last instant before it stops watching,
 * a worker killed) delays a connection by WORKER_CHECK_MS at most.
 * SIGQUIT (the master's stop) and SIGINT first accept everything queued
 * on the socket, so nothing queued is reset, then retire. The signal
 * handlers are installed with SA_RESTART and only set flags. A worker
 * whose master is gone exits at once: PR_SET_PDEATHSIG is SIGKILL, and
 * every wait in epoll_wait() is bounded so the parent is checked at least
 * once a second.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "cause.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "fcgi.h"
#include "http.h"
#include "log.h"
#include "netallow.h"
#include "problem.h"
#include "routes.h"
#include "scoreboard.h"
#include "xmalloc.h"

#define WORKER_PENDING_MIN	32	/* parked connections per worker, at least */
#define WORKER_PENDING_CAP	4096	/* ... and at most (else RLIMIT_NOFILE) */
#define WORKER_HELD_MAX		(16 * 1024 * 1024) /* bytes parked ones hold */
#define WORKER_SPARE_MAX	64	/* connection structs kept for reuse */
#define WORKER_KEEP_BYTES	16384	/* a buffer larger is freed at close */
#define WORKER_EVENTS		64
#define WORKER_CHECK_MS		1000	/* longest sleep before checking the master */
#define WORKER_HANDOFF_MAX	64	/* accepted by a worker leaving, at most */

/* One accepted connection, from accept to close. */
struct worker_conn {
	struct fcgi_conn	 fc;		/* its FastCGI request */
	long long		 accepted_ms;	/* monotonic */
	long long		 params_ms;	/* parameters complete; 0 before */
	long long		 idle_ms;	/* kept: the last answer went out */
	long long		 served;	/* requests answered on it */
	int			 polled;	/* in the epoll set */
	unsigned int		 list;		/* parked on lists[list - 1]; 0 = not */
	size_t			 held;		/* bytes counted in worker.held */
	struct worker_conn	*prev, *next;	/* on its list; next: spare list */
};

/* Parked connections of one stage, oldest (first deadline) first. */
struct worker_list {
	struct worker_conn	*head, *tail;
};

/* The worker's process-wide state. */
struct worker {
	struct api		*api;
	unsigned int		 slot;
	struct scoreboard_slot	*me;		/* its scoreboard slot */
	int			 ep;		/* epoll */
	int			 watching;	/* the listener is in the epoll set */
	pid_t			 master;	/* the parent to outlive us never */
	long long		 header_ms;	/* [api] header_timeout */
	long long		 body_ms;	/* [api] body_timeout */
	long long		 request_ms;	/* [api] request_timeout */
	long long		 queue_ms;	/* [api] queue_timeout */
	long long		 keep_ms;	/* [api] keepalive_timeout; 0: off */
	size_t			 max_params;
	size_t			 max_body;
	struct worker_list	 lists[3];	/* waiting for params, for the body,
						   kept idle between requests */
	unsigned int		 nparked;	/* on the lists */
	unsigned int		 pending_max;	/* parked at most */
	size_t			 held;		/* bytes the parked ones hold */
	struct worker_conn	*spare;		/* free list */
	unsigned int		 nspare;
	char			**allowed;	/* FCGI_WEB_SERVER_ADDRS, NULL = any */
	struct netallow		 allow;		/* [api] allow; n == 0: any */
	long long		 served;	/* requests served */
	int			 retiring;	/* accepts no new connection */
	int			 recycling;	/* max_requests reached: to retire */
	unsigned int		 handed;	/* accepted since asked to leave */
	long long		 kept_until_ms;	/* retiring: closes kept ones then */
	long long		 drain_ms;	/* [api] drain_timeout */
};

#define WORKER_LIST_PARAMS	1	/* c->list: waiting for its parameters */
#define WORKER_LIST_BODY	2	/* ... for its body */
#define WORKER_LIST_IDLE	3	/* kept, between two requests */

static volatile sig_atomic_t	 worker_retire;		/* SIGTERM */
static volatile sig_atomic_t	 worker_drain;		/* SIGQUIT, SIGINT */
static volatile sig_atomic_t	 worker_reopen;		/* SIGUSR1 */
static int			 worker_pipe[2] = { -1, -1 };
static char			 worker_tag_listen, worker_tag_pipe, worker_tag_db;

/* Records a signal and wakes epoll_wait() through the self-pipe. */
static void
worker_on_signal(int sig)
{
	int	 saved = errno;

	if (sig == SIGUSR1)
		worker_reopen = 1;
	else if (sig == SIGQUIT || sig == SIGINT)
		worker_drain = 1;	/* SIGINT: ^C reaches the whole group */
	else
		worker_retire = 1;
	(void)!write(worker_pipe[1], "x", 1);
	errno = saved;
}

/* Installs the worker's signal dispositions and unblocks signals. */
static void
worker_signals(void)
{
	struct sigaction	 sa;
	sigset_t		 all;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);	/* the master's; `systemctl kill` sends it to all */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Counts a connection that ended without its answer. */
static void
worker_drop(struct worker *w, enum scoreboard_drop why)
{
	atomic_fetch_add_explicit(&w->me->drops[why], 1, memory_order_relaxed);
}

/*
 * Checks the body against CONTENT_LENGTH before any handler sees it: a
 * malformed length is 400, one over [api] max_body 413, a body of another
 * length than announced 400 (a short body means a lost part).
 */
static enum st
worker_check_body(struct http_req *r, const struct fcgi_conn *fc)
{
	const char		*cl = http_param(r, "CONTENT_LENGTH"), *p;
	unsigned long long	 len = 0;

	if (cl != NULL && cl[0] != '\0') {
		for (p = cl; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || p - cl >= 19)
				return (http_fail(r, ST_BADREQ, "bad "
				    "Content-Length: %.32s", cl));
			len = len * 10 + (unsigned long long)(*p - '0');
		}
		if (len > r->body.max || fc->body_toobig)
			return (http_fail(r, ST_TOOBIG, "the body is larger "
			    "than %zu bytes", r->body.max));
		if (len != fc->body_len)
			return (http_fail(r, ST_BADREQ, "the body has %llu "
			    "bytes, Content-Length says %llu", fc->body_len,
			    len));
	} else if (fc->body_toobig)
		return (http_fail(r, ST_TOOBIG, "the body is larger than %zu "
		    "bytes", r->body.max));
	return (ST_OK);
}

/*
 * Milliseconds the request waited between nginx starting it (REQUEST_START,
 * nginx's $msec: "1733140800.123") and now; -1 if nginx did not say.
 */
static long long
worker_waited(struct http_req *r)
{
	const char	*p = http_param(r, "REQUEST_START");
	long long	 ms = 0, unit = 1000;
	int		 digits = 0;

	if (p == NULL)
		return (-1);
	for (; *p >= '0' && *p <= '9' && digits < 12; p++, digits++)
		ms = ms * 10 + (*p - '0');
	if (digits == 0)
		return (-1);
	ms *= 1000;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if ((unit /= 10) > 0)
				ms += (*p - '0') * unit;
	if (*p != '\0')
		return (-1);
	return (clock_wall_ms() - ms);
}

/*
 * True for the paths queue_timeout never sheds: /healthz (a health check
 * must not take a busy host out) and the ACME HTTP-01 challenges of
 * app/routes/acme.c, which a CA asks for once: a 503 fails the
 * authorization and with it the renewal ([acme] store = database). Both
 * are rare and cost one cheap answer.
 */
static int
worker_never_shed(const char *path)
{
	static const char	 acme[] = "/.well-known/acme-challenge/";

	return (strcmp(path, "/healthz") == 0 ||
	    strncmp(path, acme, sizeof(acme) - 1) == 0);
}

/*
 * Routes and runs one request; the response is left in r. A request that
 * waited longer than queue_ms ([api] queue_timeout; 0 = off) for a worker
 * (waited, from worker_waited(); -1 if unknown) is answered 503 with
 * Retry-After at once, before any routing, key check, statement or log
 * line, so a backlog drains at about half a GET's cost per request (what
 * worker_never_shed() names is always answered).
 */
static void
worker_dispatch(struct api *api, struct http_req *r, const struct fcgi_conn *fc,
    long long queue_ms, long long waited)
{
	const struct route	*table;
	size_t			 n;
	enum st			 st;

	if (queue_ms > 0 && waited > queue_ms &&
	    !worker_never_shed(r->path)) {
		st = http_fail(r, ST_UNAVAILABLE, "every worker was busy: the "
		    "request waited %lld ms for one (queue_timeout is %lld ms)",
		    waited, queue_ms);
		/* no line per shed request: /metrics counts the 503s */
		problem_reply_unlogged(r, st);
		return;
	}
	if (r->path[0] == '\0') {
		st = http_fail(r, ST_URITOOLONG, "the request path is longer "
		    "than %d bytes", HTTP_PATH_MAX - 1);
		goto out;
	}
	if ((st = worker_check_body(r, fc)) != ST_OK)
		goto out;
	table = routes_all(&n);
	switch (router_match(table, n, r->method, r->path, &r->match, r->allow,
	    sizeof(r->allow))) {
	case ROUTER_NOTFOUND:
		st = http_fail(r, ST_NOTFOUND, "no route for %s", r->path);
		goto out;
	case ROUTER_METHOD:
		st = http_fail(r, ST_METHOD, "%s is not allowed here (allowed: "
		    "%s)", r->method, r->allow);
		goto out;
	case ROUTER_FOUND:
		break;
	}
	if (r->match.route->scope != NULL &&
	    (st = auth_request(api, r, r->match.route->scope)) != ST_OK)
		goto out;
	st = r->match.route->handler(r);
out:
	if (st != ST_OK) {
		if (st_http(st) >= 500)
			log_errorx("%s %s: %s: %s", r->method, r->path,
			    st_str(st), r->detail[0] != '\0' ? r->detail :
			    db_error(api->db));
		problem_reply(r, st);
	}
}

/*
 * Publishes the database connection's state in the worker's slot when it
 * changed: errors, reconnects, and whether the last call succeeded.
 */
static void
worker_count_db(struct api *api, struct scoreboard_slot *me)
{
	static unsigned long	 seen_errors, seen_reconnects;
	unsigned long		 e, c;

	e = db_errors(api->db);
	c = db_reconnects(api->db);
	if (e != seen_errors || c != seen_reconnects) {
		atomic_fetch_add_explicit(&me->db_errors, e - seen_errors,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&me->db_reconnects,
		    c - seen_reconnects, memory_order_relaxed);
		seen_errors = e;
		seen_reconnects = c;
		atomic_store_explicit(&me->db_last_ok, db_last_ok(api->db),
		    memory_order_relaxed);
		atomic_store_explicit(&me->db_last_ms, clock_ms(),
		    memory_order_relaxed);
	} else if (db_last_ok(api->db) &&
	    !atomic_load_explicit(&me->db_last_ok, memory_order_relaxed)) {
		atomic_store_explicit(&me->db_last_ok, 1, memory_order_relaxed);
		atomic_store_explicit(&me->db_last_ms, clock_ms(),
		    memory_order_relaxed);
	}
}

/* Adds what the request did to the worker's scoreboard slot. */
static void
worker_count(struct api *api, struct scoreboard_slot *me, struct http_req *r)
{
	const struct route	*table;
	size_t			 n;
	int			 row = -1;

	if (r->match.route != NULL) {
		table = routes_all(&n);
		row = (int)(r->match.route - table);
	}
	scoreboard_count(me, row, r->method, r->status,
	    http_now_us() - r->start_us);
	worker_count_db(api, me);
}

/*
 * While this worker's database connection is down, a success of another
 * worker's since then says the server is back: try at once, and wait for
 * the attempt as a fresh worker does, rather than answer 503 until this
 * worker's own next attempt.
 */
static void
worker_db_hint(struct worker *w)
{
	struct scoreboard_slot	*s;
	long long		 since = db_down_since(w->api->db);
	unsigned int		 i;

	if (since == 0)
		return;
	for (i = 0; i < SCOREBOARD_SLOTS; i++) {
		s = &w->api->board->slots[i];
		if (s == w->me ||
		    !atomic_load_explicit(&s->used, memory_order_relaxed))
			continue;
		if (atomic_load_explicit(&s->db_last_ok, memory_order_relaxed) &&
		    atomic_load_explicit(&s->db_last_ms, memory_order_relaxed) >
		    since) {
			db_retry_now(w->api->db);
			return;
		}
	}
}

/*
 * Takes the database's connection attempt further if its socket is ready
 * or its time has come (db_poll never waits on the server), and publishes
 * the result.
 */
static void
worker_db_poll(struct worker *w, long long now, int ready)
{
	long long	 next = db_next_ms(w->api->db);

	if (!ready && (next < 0 || next > now))
		return;
	db_poll(w->api->db);
	worker_count_db(w->api, w->me);
}

/*
 * Watches the socket of the database's connection attempt in progress
 * during one epoll_wait(); returns the fd added, or -1. The caller takes it
 * out again right after the wait, before libpq may close it.
 */
static int
worker_db_watch(struct worker *w)
{
	struct epoll_event	 ev;
	int			 fd, want_write;

	if ((fd = db_poll_fd(w->api->db, &want_write)) < 0)
		return (-1);
	memset(&ev, 0, sizeof(ev));
	ev.events = want_write ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = &worker_tag_db;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		return (-1);
	return (fd);
}

/*
 * Serves one complete request: the handler, then the answer. The body the
 * connection read is lent to the request and taken back after, so its
 * memory serves the next connection too.
 */
static int
worker_serve(struct worker *w, struct worker_conn *c)
{
	struct api	*api = w->api;
	struct http_req	 r;
	struct buf	 out;
	char		 fields[256] = "";
	long long	 since = clock_ms(), waited;
	enum st		 st;
	int		 sent = 0;

	atomic_store_explicit(&w->me->busy_since_ms, since, memory_order_relaxed);
	atomic_store_explicit(&w->me->state, SCOREBOARD_HANDLER,
	    memory_order_relaxed);
	http_req_init(&r, c->fc.env, w->max_body);
	buf_cleanup(&r.body);
	r.body = c->fc.body;		/* lent */
	r.app = api;
	scoreboard_begin(w->me, r.method, http_param(&r, "REQUEST_URI") != NULL ?
	    http_param(&r, "REQUEST_URI") : r.path, r.request_id);
	log_set_request_id(r.request_id);
	worker_db_hint(w);
	waited = w->queue_ms > 0 || log_min_level <= LOG_LEVEL_DEBUG ?
	    worker_waited(&r) : -1;
	worker_dispatch(api, &r, &c->fc, w->queue_ms, waited);

	buf_init(&out, HTTP_OUT_MAX + HTTP_HEADERS_MAX + 256);
	atomic_store_explicit(&w->me->state, SCOREBOARD_WRITING,
	    memory_order_relaxed);
	if (http_render(&r, &out) == ST_OK) {
		if ((st = fcgi_conn_answer(&c->fc, out.data, out.len,
		    since + w->request_ms)) == ST_OK)
			sent = 1;
		else {
			log_debug("the answer could not be written: %s",
			    st == ST_TIMEOUT ? "request_timeout passed" :
			    strerror(errno));
			worker_drop(w, SCOREBOARD_DROP_WRITE);
		}
	}
	w->served++;
	c->served++;
	buf_cleanup(&out);
	if (log_min_level <= LOG_LEVEL_DEBUG) {
		log_field(fields, sizeof(fields), "method", r.method);
		log_field(fields, sizeof(fields), "path", r.path);
		log_field_int(fields, sizeof(fields), "status", r.status);
		log_field_int(fields, sizeof(fields), "duration_us",
		    http_now_us() - r.start_us);
		/* what [api] queue_timeout compared, when nginx said */
		if (waited >= 0)
			log_field_int(fields, sizeof(fields), "queued_ms",
			    waited);
		log_msg(LOG_LEVEL_DEBUG, 0, fields, "request");
	}
	worker_count(api, w->me, &r);
	log_set_request_id(NULL);
	c->fc.body = r.body;		/* taken back */
	buf_init(&r.body, 0);
	if (c->fc.body.cap > 1024 * 1024)
		buf_cleanup(&c->fc.body);	/* a big one: give it back */
	http_req_cleanup(&r);
	atomic_store_explicit(&w->me->state, SCOREBOARD_IDLE,
	    memory_order_relaxed);
	atomic_store_explicit(&w->me->busy_since_ms, 0, memory_order_relaxed);
	return (sent);
}

/* Appends c to list l (the newest at the tail). */
static void
worker_list_add(struct worker_list *l, struct worker_conn *c)
{
	c->prev = l->tail;
	c->next = NULL;
	if (l->tail != NULL)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* Takes c out of list l. */
static void
worker_list_del(struct worker_list *l, struct worker_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

/* Bytes c's buffers hold, as counted against WORKER_HELD_MAX. */
static size_t
worker_conn_bytes(const struct worker_conn *c)
{
	return (sizeof(*c) + c->fc.params.cap + c->fc.body.cap);
}

/* Takes c off the parked lists (it is on one). */
static void
worker_unpark(struct worker *w, struct worker_conn *c)
{
	worker_list_del(&w->lists[c->list - 1], c);
	c->list = 0;
	w->held -= c->held;
	c->held = 0;
	w->nparked--;
	atomic_store_explicit(&w->me->pending, (int)w->nparked,
	    memory_order_relaxed);
}

/* Closes the connection and keeps c (a few of them) for the next one. */
static void
worker_close(struct worker *w, struct worker_conn *c)
{
	if (c->list != 0)
		worker_unpark(w, c);	/* close() takes it out of epoll */
	if (c->fc.fd >= 0)
		close(c->fc.fd);
	c->fc.fd = -1;
	c->polled = 0;
	if (w->nspare >= WORKER_SPARE_MAX) {
		fcgi_conn_cleanup(&c->fc);
		free(c);
		return;
	}
	if (c->fc.params.cap > WORKER_KEEP_BYTES)
		buf_cleanup(&c->fc.params);
	if (c->fc.body.cap > WORKER_KEEP_BYTES)
		buf_cleanup(&c->fc.body);
	c->next = w->spare;
	w->spare = c;
	w->nspare++;
}

/* A connection struct for a new connection. */
static struct worker_conn *
worker_conn_get(struct worker *w)
{
	struct worker_conn	*c;

	if ((c = w->spare) != NULL) {
		w->spare = c->next;
		w->nspare--;
		c->next = NULL;
		return (c);
	}
	c = xcalloc(1, sizeof(*c));
	fcgi_conn_init(&c->fc, w->max_params, w->max_body);
	return (c);
}

/* The moment the connection's current stage must be over (monotonic ms). */
static long long
worker_deadline(const struct worker *w, const struct worker_conn *c)
{
	long long	 d;

	if (c->list == WORKER_LIST_IDLE) {
		/* in idle_ms order either way: the list stays sorted */
		d = c->idle_ms + w->keep_ms;
		if (w->retiring && w->kept_until_ms < d)
			d = w->kept_until_ms;
		return (d);
	}
	if (c->params_ms == 0)
		return (c->accepted_ms + w->header_ms);
	return (c->params_ms + w->body_ms);
}

/*
 * The parked connection to give up first: the oldest waiting for its
 * parameters (likely idle: what nginx opens sends them at once), then the
 * oldest kept one, then the oldest waiting for its body.
 */
static struct worker_conn *
worker_oldest(const struct worker *w)
{
	if (w->lists[0].head != NULL)
		return (w->lists[0].head);
	if (w->lists[2].head != NULL)
		return (w->lists[2].head);
	return (w->lists[1].head);
}

/*
 * Parks c (or keeps it parked) on list (WORKER_LIST_*): waiting for its
 * parameters (ordered by accept, or for a kept connection by the first
 * bytes of its next request), for its body (ordered by the end of the
 * parameters), or kept idle (ordered by its last answer), so each list is
 * in deadline order. Then gives up the oldest others while the parked
 * connections hold more than WORKER_HELD_MAX bytes. Returns 0, or -1 if c
 * could not be watched.
 */
static int
worker_park(struct worker *w, struct worker_conn *c, unsigned int list)
{
	struct epoll_event	 ev;
	struct worker_conn	*old;
	size_t			 bytes;

	if (!c->polled) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fc.fd, &ev) == -1) {
			log_warn("worker %u: epoll_ctl", w->slot);
			return (-1);
		}
		c->polled = 1;
	}
	if (c->list != list) {
		if (c->list != 0)
			worker_list_del(&w->lists[c->list - 1], c);
		else {
			w->nparked++;
			atomic_store_explicit(&w->me->pending,
			    (int)w->nparked, memory_order_relaxed);
		}
		worker_list_add(&w->lists[list - 1], c);
		c->list = list;
	}
	bytes = worker_conn_bytes(c);
	w->held += bytes - c->held;
	c->held = bytes;
	while (w->held > WORKER_HELD_MAX && (old = worker_oldest(w)) != NULL &&
	    old != c) {
		worker_drop(w, SCOREBOARD_DROP_EVICTED);
		worker_close(w, old);
	}
	return (0);
}

/* Nothing of a request has come on c yet. */
static int
worker_conn_empty(const struct worker_conn *c)
{
	return (c->fc.stage == FCGI_STAGE_BEGIN && c->fc.hdr_have == 0);
}

/*
 * After an answer: keeps c for the next request if nginx asked for it
 * (FCGI_KEEP_CONN) and keep-alive is on, parked idle until [api]
 * keepalive_timeout; a retiring worker keeps it too, until its
 * kept_until_ms (see worker_retire_now). Returns 1 if kept.
 */
static int
worker_keep(struct worker *w, struct worker_conn *c)
{
	if (!c->fc.keep_conn || c->fc.trailing || w->keep_ms <= 0 ||
	    worker_drain || (w->retiring && clock_ms() >= w->kept_until_ms))
		return (0);
	fcgi_conn_start(&c->fc, c->fc.fd);
	if (c->fc.params.cap > WORKER_KEEP_BYTES)
		buf_cleanup(&c->fc.params);	/* idle: hold little */
	if (c->fc.body.cap > WORKER_KEEP_BYTES)
		buf_cleanup(&c->fc.body);
	c->params_ms = 0;
	c->idle_ms = clock_ms();
	return (worker_park(w, c, WORKER_LIST_IDLE) == 0);
}

/*
 * Reads what the connection holds; serves the request once complete, or
 * parks the connection until more arrives. Returns 1 if it is finished
 * (closed), 0 if parked (or kept for its next request).
 */
static int
worker_progress(struct worker *w, struct worker_conn *c)
{
	enum fcgi_result	 rc;
	unsigned int		 list;

	rc = fcgi_conn_read(&c->fc);
	switch (rc) {
	case FCGI_AGAIN:
		if (c->list == WORKER_LIST_IDLE) {
			if (worker_conn_empty(c))
				return (0);	/* still idle */
			/* the next request began: header_timeout from now */
			c->accepted_ms = clock_ms();
		}
		if (c->params_ms == 0 && c->fc.stage >= FCGI_STAGE_STDIN)
			c->params_ms = clock_ms();
		list = c->params_ms == 0 ? WORKER_LIST_PARAMS : WORKER_LIST_BODY;
		if (worker_park(w, c, list) == 0)
			return (0);
		break;
	case FCGI_DONE:
		if (c->list != 0)
			worker_unpark(w, c);
		if (worker_serve(w, c) && worker_keep(w, c))
			return (0);
		break;
	case FCGI_ABORTED:
		fcgi_conn_end(&c->fc);
		worker_drop(w, SCOREBOARD_DROP_ABORTED);
		log_debug("connection ended: %s", c->fc.why);
		break;
	case FCGI_TOOBIG:
		worker_drop(w, SCOREBOARD_DROP_PARAMS_TOOBIG);
		log_debug("connection closed: %s", c->fc.why);
		break;
	case FCGI_PROTOCOL:
		worker_drop(w, SCOREBOARD_DROP_PROTOCOL);
		log_debug("connection closed: %s", c->fc.why);
		break;
	case FCGI_EOF:
		if (c->served > 0 && worker_conn_empty(c))
			break;		/* nginx closed a kept connection */
		worker_drop(w, SCOREBOARD_DROP_EOF);
		log_debug("connection closed: %s", c->fc.why);
		break;
	}
	worker_close(w, c);
	return (1);
}

/* Closes the parked connections whose stage ran past its deadline. */
static void
worker_expire(struct worker *w, long long now)
{
	struct worker_conn	*c;
	unsigned int		 l;

	for (l = 0; l < 3; l++) {
		while ((c = w->lists[l].head) != NULL &&
		    worker_deadline(w, c) <= now) {
			if (l == WORKER_LIST_IDLE - 1) {
				log_debug("kept connection closed: idle for "
				    "%llds", w->keep_ms / 1000);
				worker_close(w, c);
				continue;
			}
			worker_drop(w, l == 0 ? SCOREBOARD_DROP_HEADER_TIMEOUT :
			    SCOREBOARD_DROP_BODY_TIMEOUT);
			log_debug("connection closed: no %s within %llds",
			    l == 0 ? "parameters" : "body",
			    (l == 0 ? w->header_ms : w->body_ms) / 1000);
			worker_close(w, c);
		}
	}
}

/*
 * Milliseconds epoll_wait() may sleep: to the next deadline (a parked
 * connection's, or the database's next attempt), at most 1 s.
 */
static int
worker_sleep_ms(const struct worker *w, long long now)
{
	long long	 d, best = WORKER_CHECK_MS;
	unsigned int	 l;

	if ((d = db_next_ms(w->api->db)) >= 0 && d - now < best)
		best = d < now ? 0 : d - now;

	for (l = 0; l < 3; l++) {
		if (w->lists[l].head == NULL)
			continue;
		d = worker_deadline(w, w->lists[l].head) - now;
		if (d < best)
			best = d < 0 ? 0 : d;
	}
	return ((int)best + (best > 0 ? 1 : 0));
}

/*
 * The peer's address as text into addr (INET6_ADDRSTRLEN bytes), an
 * IPv4-mapped one as its IPv4 form; -1 for a family that is not IP.
 */
static int
worker_peer_str(const struct sockaddr_storage *ss, char *addr)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    addr, INET6_ADDRSTRLEN);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, addr,
		    INET6_ADDRSTRLEN);
	else
		return (-1);
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.') != NULL)
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
	return (0);
}

/*
 * The peer passes [api] allow and FCGI_WEB_SERVER_ADDRS (libfcgi's allow
 * list), each if set.
 */
static int
worker_allowed(const struct worker *w, const struct sockaddr_storage *ss)
{
	char	 addr[INET6_ADDRSTRLEN];
	size_t	 i;

	if (ss->ss_family == AF_UNIX)
		return (1);
	if (w->allow.n > 0 &&
	    !netallow_match(&w->allow, (const struct sockaddr *)ss))
		return (0);
	if (w->allowed == NULL)
		return (1);
	if (worker_peer_str(ss, addr) != 0)
		return (0);
	for (i = 0; w->allowed[i] != NULL; i++)
		if (strcmp(w->allowed[i], addr) == 0)
			return (1);
	return (0);
}

/* Reads FCGI_WEB_SERVER_ADDRS ("a,b,c") once; NULL if unset or empty. */
static char **
worker_allow_list(void)
{
	const char	*env = getenv("FCGI_WEB_SERVER_ADDRS");
	char		**list, *copy, *p, *tok;
	size_t		 n = 1;

	if (env == NULL || env[0] == '\0')
		return (NULL);
	for (p = (char *)env; *p != '\0'; p++)
		n += *p == ',';
	list = xcalloc(n + 1, sizeof(*list));
	copy = xstrdup(env);
	n = 0;
	for (tok = strtok_r(copy, ", ", &p); tok != NULL;
	    tok = strtok_r(NULL, ", ", &p))
		list[n++] = tok;
	return (list);
}

/* One warning (lib/log.c rate-limits them) for a peer refused at accept. */
static void
worker_log_refused(const struct worker *w, const struct sockaddr_storage *ss)
{
	char	 addr[INET6_ADDRSTRLEN];

	if (worker_peer_str(ss, addr) != 0)
		snprintf(addr, sizeof(addr), "?");
	log_warnx("worker %u: connection from %s refused: not in [api] allow "
	    "(or FCGI_WEB_SERVER_ADDRS)", w->slot, addr);
}

/*
 * Accepts one connection and reads it; parks it or serves it. Returns 0
 * if it was served (or refused), 1 if it was parked, -1 when nothing is
 * queued (or accept failed).
 */
static int
worker_accept(struct worker *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct worker_conn	*c;
	int			 fd, check;

	check = w->allowed != NULL || w->allow.n > 0;	/* needs the peer */
	fd = accept4(w->api->listen_fd, check ? (struct sockaddr *)&ss : NULL,
	    check ? &len : NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("worker %u: accept", w->slot);
		return (-1);
	}
	atomic_fetch_add_explicit(&w->me->accepted, 1, memory_order_relaxed);
	if (check && !worker_allowed(w, &ss)) {
		worker_drop(w, SCOREBOARD_DROP_REFUSED);
		worker_log_refused(w, &ss);
		close(fd);
		return (0);
	}
	if (w->nparked >= w->pending_max) {
		worker_drop(w, SCOREBOARD_DROP_EVICTED);
		worker_close(w, worker_oldest(w));	/* likely idle */
	}
	c = worker_conn_get(w);
	fcgi_conn_start(&c->fc, fd);
	c->accepted_ms = clock_ms();
	c->params_ms = 0;
	c->served = 0;
	c->polled = 0;
	c->list = 0;
	c->held = 0;
	return (worker_progress(w, c) ? 0 : 1);
}

/*
 * Stops watching the listening socket and closes this worker's copy of it
 * (retiring): once the master and every worker have done so on a stop, the
 * socket is closed the moment the last of them has taken what was queued.
 */
static void
worker_unwatch(struct worker *w)
{
	if (!w->watching)
		return;
	epoll_ctl(w->ep, EPOLL_CTL_DEL, w->api->listen_fd, NULL);
	close(w->api->listen_fd);
	w->api->listen_fd = -1;
	w->watching = 0;
}

/*
 * Retires: stops accepting. The kept connections are not closed at once:
 * nginx may be writing a request on one at that moment, and it does not
 * send a POST again when the connection then breaks. They are served on,
 * kept, until nginx closes them (after its keepalive_requests, or its
 * keepalive_timeout idle: shorter than half of drain_timeout in the
 * templates), and only those left after half of [api] drain_timeout are
 * closed (the master kills a worker at drain_timeout). A stop (SIGQUIT,
 * worker_drain) closes the idle ones at once: nothing serves after it.
 */
static void
worker_retire_now(struct worker *w)
{
	w->retiring = 1;
	w->kept_until_ms = clock_ms() + (worker_drain ? 0 : w->drain_ms / 2);
	worker_unwatch(w);
}

/*
 * How many connections may be parked: what the file descriptor limit
 * leaves (a little is kept for the database, the log and epoll), within
 * WORKER_PENDING_MIN..WORKER_PENDING_CAP.
 */
static unsigned int
worker_pending_max(void)
{
	struct rlimit	 rl;
	rlim_t		 n = WORKER_PENDING_CAP;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < n + 64)
		n = rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 0;
	return (n < WORKER_PENDING_MIN ? WORKER_PENDING_MIN : (unsigned int)n);
}

/* Exits at once if the master is gone (PR_SET_PDEATHSIG's race at fork). */
static void
worker_check_master(struct worker *w)
{
	if (getppid() != w->master)
		_exit(1);
}

/* See api.h. */
void
worker_run(struct api *api, unsigned int slot)
{
	struct epoll_event	 ev, evs[WORKER_EVENTS];
	struct worker		 w;
	struct worker_conn	*c;
	long long		 max_requests;
	int			 rc, i, idle = 1, empty = 0, leaving, left;
	int			 db_fd, db_ready;
	char			 drain[64], *cause = NULL;
	const char		*allow;

	memset(&w, 0, sizeof(w));
	w.api = api;
	w.slot = slot;
	w.me = &api->board->slots[slot];
	w.master = api->master_pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	worker_check_master(&w);
	if (pipe2(worker_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_error("worker %u: pipe", slot);
		_exit(1);
	}
	worker_signals();
	max_requests = config_int(api->cfg, "api", "max_requests");
	w.header_ms = 1000 * config_int(api->cfg, "api", "header_timeout");
	w.body_ms = 1000 * config_int(api->cfg, "api", "body_timeout");
	w.request_ms = 1000 * config_int(api->cfg, "api", "request_timeout");
	w.queue_ms = config_int(api->cfg, "api", "queue_timeout");
	w.keep_ms = 1000 * config_int(api->cfg, "api", "keepalive_timeout");
	w.drain_ms = 1000 * config_int(api->cfg, "api", "drain_timeout");
	w.max_params = (size_t)config_int(api->cfg, "api", "max_params");
	w.max_body = (size_t)config_int(api->cfg, "api", "max_body");
	w.allowed = api->listen_unix ? NULL : worker_allow_list();
	allow = config_str(api->cfg, "api", "allow");
	if (!api->listen_unix && netallow_parse(allow != NULL ? allow : "",
	    &w.allow, &cause) != 0) {
		/* pool_check() refused a bad list at start: out of memory */
		log_errorx("worker %u: [api] allow: %s", slot,
		    cause_text(cause));
		_exit(1);
	}
	w.pending_max = worker_pending_max();

	if ((w.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_error("worker %u: epoll_create1", slot);
		_exit(1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = &worker_tag_listen;
	if (epoll_ctl(w.ep, EPOLL_CTL_ADD, api->listen_fd, &ev) == -1) {
		log_error("worker %u: epoll_ctl", slot);
		_exit(1);
	}
	w.watching = 1;
	ev.events = EPOLLIN;
	ev.data.ptr = &worker_tag_pipe;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, worker_pipe[0], &ev);

	/* the first attempt starts now, and goes on while we serve */
	api->db = xnonnull(db_new(api->cfg, routes_stmts), "a database handle");
	db_set_watch(api->db, scoreboard_watch_db, w.me);
	db_poll(api->db);
	atomic_store_explicit(&w.me->ready, 1, memory_order_relaxed);
	log_debug("worker %u ready (generation %u)", slot, api->generation);

	/*
	 * Under load a connection is usually waiting already: try to accept
	 * first and sleep in epoll_wait() only when there is none.
	 */
	for (;;) {
		if (!w.recycling && max_requests > 0 &&
		    w.served >= max_requests) {
			log_info("worker %u recycled after %lld requests", slot,
			    w.served);
			w.recycling = 1;
		}
		/*
		 * A worker asked to leave accepts until an accept made after
		 * it was asked finds the queue empty (a retire or a recycle
		 * WORKER_HANDOFF_MAX at most, so a flood cannot hold it),
		 * then retires (see the signals, above).
		 */
		leaving = worker_retire || w.recycling;
		if (!w.retiring && empty && (worker_drain || leaving))
			worker_retire_now(&w);
		if (!w.retiring && leaving && !worker_drain &&
		    w.handed >= WORKER_HANDOFF_MAX)
			worker_retire_now(&w);
		if (w.retiring && worker_drain && w.kept_until_ms > 0)
			w.kept_until_ms = 0;	/* a stop after a retire */
		if (w.retiring && w.nparked == 0)
			break;
		if (!idle && !w.retiring) {
			/*
			 * After a connection was parked, look at the parked
			 * ones (epoll_wait returns at once if any is ready)
			 * before accepting more: a flood of new connections
			 * must not starve, and evict, one whose rest is
			 * already there.
			 */
			/*
			 * Whether it was asked to leave is read before the
			 * accept: one that found the queue empty just before
			 * says nothing of what came since.
			 */
			left = worker_drain || worker_retire || w.recycling;
			rc = worker_accept(&w);
			empty = rc < 0 && left;
			if (rc >= 0 && left)
				w.handed++;
			if (rc != 0)
				idle = 1;
			if (db_conn(api->db) == NULL)
				worker_db_poll(&w, clock_ms(), 0);
			continue;
		}
		db_fd = worker_db_watch(&w);
		rc = epoll_wait(w.ep, evs, WORKER_EVENTS,
		    worker_sleep_ms(&w, clock_ms()));
		if (db_fd >= 0)
			epoll_ctl(w.ep, EPOLL_CTL_DEL, db_fd, NULL);
		if (rc == -1 && errno != EINTR) {
			log_error("worker %u: epoll_wait", slot);
			break;
		}
		if (rc <= 0)
			worker_check_master(&w);
		if (rc == 0 && w.watching)
			idle = 0;	/* a wake-up lost: look at the queue */
		db_ready = 0;
		for (i = 0; i < rc; i++)
			if (evs[i].data.ptr == &worker_tag_db)
				db_ready = 1;
		worker_db_poll(&w, clock_ms(), db_ready);
		for (i = 0; i < rc; i++) {
			if (evs[i].data.ptr == &worker_tag_db)
				continue;
			if (evs[i].data.ptr == &worker_tag_pipe) {
				while (read(worker_pipe[0], drain,
				    sizeof(drain)) > 0)
					;
			} else if (evs[i].data.ptr == &worker_tag_listen)
				idle = 0;
			else {
				c = evs[i].data.ptr;
				if (c->list != 0 && c->fc.fd >= 0)
					worker_progress(&w, c);
			}
		}
		if ((worker_drain || worker_retire || w.recycling) &&
		    !w.retiring)
			idle = 0;	/* accept what is queued, then retire */
		worker_expire(&w, clock_ms());
		log_flush_suppressed();
		if (worker_reopen) {
			worker_reopen = 0;
			if (log_reopen() == -1)
				log_warn("worker %u: reopening the log", slot);
		}
	}
	db_free(api->db);
	close(w.ep);
	_exit(0);
}
