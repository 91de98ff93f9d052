/*
 * worker.c: one single-threaded FastCGI worker.
 *
 * The listening socket is non-blocking and shared by all workers; each one
 * waits in epoll_wait() with EPOLLEXCLUSIVE (so one connection wakes one
 * worker, not all) together with a self-pipe that the signal handlers write
 * to. That way a stop signal interrupts an idle worker at once, while a busy
 * worker (signals installed with SA_RESTART, so its reads and writes are not
 * cut short) finishes the request in hand first: SIGTERM drains, never drops.
 *
 * The per-request deadline is kept by the master: the worker writes the
 * start of each request into its scoreboard slot (no system call), and the
 * master kills a worker whose request overruns [api] request_timeout, as
 * php-fpm's request_terminate_timeout does.
 *
 * On a unix socket the worker ends each connection itself: it reads the
 * request's stdin to its end, flushes the answer and closes. libfcgi would
 * instead shutdown(2) and wait for nginx to close first, a guard against
 * TCP resets that costs a context switch per request and means nothing on
 * a unix socket once nothing is left unread.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "problem.h"
#include "routes.h"
#include "scoreboard.h"

static volatile sig_atomic_t	 worker_stop;		/* SIGTERM/SIGQUIT/SIGINT */
static volatile sig_atomic_t	 worker_reopen;		/* SIGUSR1 */
static int			 worker_pipe[2] = { -1, -1 };

/* Records a signal and wakes epoll_wait() through the self-pipe. */
static void
worker_on_signal(int sig)
{
	int	 saved = errno;

	if (sig == SIGUSR1)
		worker_reopen = 1;
	else
		worker_stop = 1;
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

/* Reads the request body into r->body; ST_TOOBIG past [api] max_body. */
static enum st
worker_read_body(struct http_req *r, FCGX_Stream *in)
{
	const char	*cl = http_param(r, "CONTENT_LENGTH");
	char		 chunk[16384], *end;
	unsigned long long len = 0;
	enum st		 st;
	int		 n;

	if (cl != NULL && cl[0] != '\0') {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno != 0 || *end != '\0')
			return (http_fail(r, ST_BADREQ, "bad Content-Length"));
		if (len > r->body.max)
			return (http_fail(r, ST_TOOBIG, "the body is larger than "
			    "%zu bytes", r->body.max));
	}
	while ((n = FCGX_GetStr(chunk, sizeof(chunk), in)) > 0) {
		if ((st = buf_add(&r->body, chunk, (size_t)n)) != ST_OK)
			return (http_fail(r, st, "the body is larger than %zu "
			    "bytes", r->body.max));
	}
	return (ST_OK);
}

/* Routes and runs one request; the response is left in r. */
static void
worker_dispatch(struct api *api, struct http_req *r, FCGX_Stream *in)
{
	const struct route	*table;
	size_t			 n;
	enum st			 st;

	if (r->path[0] == '\0') {
		st = http_fail(r, ST_URITOOLONG, "the request path is longer "
		    "than %d bytes", HTTP_PATH_MAX - 1);
		goto out;
	}
	if ((st = worker_read_body(r, in)) != ST_OK)
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

/* Adds what the request did to the worker's scoreboard slot. */
static void
worker_count(struct api *api, struct scoreboard_slot *me, struct http_req *r)
{
	static unsigned long	 seen_errors, seen_reconnects;
	const struct route	*table;
	unsigned long		 e, c;
	size_t			 n;
	int			 row = -1;

	if (r->match.route != NULL) {
		table = routes_all(&n);
		row = (int)(r->match.route - table);
	}
	scoreboard_count(me, row, r->method, r->status,
	    http_now_us() - r->start_us);
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
		atomic_store_explicit(&me->db_last_ms, scoreboard_now_ms(),
		    memory_order_relaxed);
	} else if (db_last_ok(api->db) &&
	    !atomic_load_explicit(&me->db_last_ok, memory_order_relaxed)) {
		atomic_store_explicit(&me->db_last_ok, 1, memory_order_relaxed);
		atomic_store_explicit(&me->db_last_ms, scoreboard_now_ms(),
		    memory_order_relaxed);
	}
}

/* Serves one accepted FastCGI request from start to end. */
static void
worker_serve(struct api *api, FCGX_Request *fr, unsigned int slot)
{
	struct http_req	 r;
	struct buf	 out;
	char		 fields[256] = "";

	http_req_init(&r, fr->envp, (size_t)config_int(api->cfg, "api",
	    "max_body"));
	r.app = api;
	log_set_request_id(r.request_id);
	worker_dispatch(api, &r, fr->in);

	buf_init(&out, HTTP_OUT_MAX + HTTP_HEADERS_MAX + 256);
	if (http_render(&r, &out) == ST_OK)
		FCGX_PutStr(out.data, (int)out.len, fr->out);
	buf_cleanup(&out);
	if (log_min_level <= LOG_LEVEL_DEBUG) {
		log_field(fields, sizeof(fields), "method", r.method);
		log_field(fields, sizeof(fields), "path", r.path);
		log_field_int(fields, sizeof(fields), "status", r.status);
		log_field_int(fields, sizeof(fields), "duration_us",
		    http_now_us() - r.start_us);
		log_msg(LOG_LEVEL_DEBUG, 0, fields, "request");
	}
	worker_count(api, &api->board->slots[slot], &r);
	log_set_request_id(NULL);
	http_req_cleanup(&r);
}

/*
 * Accepts the next request. On a unix socket the worker accepts the
 * connection itself and hands it to libfcgi as if it were a kept one, which
 * skips libfcgi's extra wait for the first bytes (nginx sends them with the
 * connection); elsewhere libfcgi accepts, with its FCGI_WEB_SERVER_ADDRS
 * check. Returns 0, or a negative errno (-EAGAIN: nothing waiting).
 */
static int
worker_accept(struct api *api, FCGX_Request *fr)
{
	int	 fd;

	if (!api->listen_unix)
		return (FCGX_Accept_r(fr));
	if ((fd = accept4(api->listen_fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return (-errno);
	fr->ipcFd = fd;
	fr->keepConnection = 1;	/* so FCGX_Accept_r keeps fd instead of closing */
	return (FCGX_Accept_r(fr));
}

/* Ends the request on a unix socket without libfcgi's shutdown-and-wait. */
static void
worker_finish(struct api *api, FCGX_Request *fr)
{
	static int	 warned;
	char		 drain[4096];

	/*
	 * FastCGI keep-alive (nginx's fastcgi_keep_conn on) is refused: a
	 * single-threaded worker holding an idle kept connection cannot
	 * accept another, so nginx's pool could stall behind busy workers
	 * (docs/nginx.md has the measurements). Closing is always safe.
	 */
	if (fr->keepConnection) {
		if (!warned++)
			log_warnx("nginx asked for FastCGI keep-alive; connections "
			    "are closed after each request (remove "
			    "fastcgi_keep_conn)");
		fr->keepConnection = 0;
	}
	if (!api->listen_unix) {
		FCGX_Finish_r(fr);
		return;
	}
	while (FCGX_GetStr(drain, sizeof(drain), fr->in) > 0)
		;
	FCGX_FClose(fr->err);
	FCGX_FClose(fr->out);
	FCGX_Free(fr, 0);
	if (fr->ipcFd >= 0)
		close(fr->ipcFd);
	fr->ipcFd = -1;
}

/* See api.h. */
void
worker_run(struct api *api, unsigned int slot)
{
	struct epoll_event	 ev, evs[2];
	FCGX_Request		 fr;
	struct scoreboard_slot	*me = &api->board->slots[slot];
	long long		 served = 0, max_requests;
	int			 ep, rc, i, idle;
	char			 drain[64];

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (pipe2(worker_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_error("worker %u: pipe", slot);
		_exit(1);
	}
	worker_signals();
	max_requests = config_int(api->cfg, "api", "max_requests");

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_error("worker %u: epoll_create1", slot);
		_exit(1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = api->listen_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, api->listen_fd, &ev) == -1) {
		log_error("worker %u: epoll_ctl", slot);
		_exit(1);
	}
	ev.events = EPOLLIN;
	ev.data.fd = worker_pipe[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, worker_pipe[0], &ev);

	if ((api->db = db_new(api->cfg, routes_stmts)) == NULL) {
		log_errorx("worker %u: out of memory", slot);
		_exit(1);
	}
	if (db_connect(api->db) != ST_OK)
		log_warnx("worker %u: database not reachable yet: %s", slot,
		    db_error(api->db));
	if (FCGX_InitRequest(&fr, api->listen_fd, 0) != 0) {
		log_errorx("worker %u: FCGX_InitRequest failed", slot);
		_exit(1);
	}
	log_debug("worker %u ready (generation %u)", slot, api->generation);

	/*
	 * Under load a connection is usually waiting already: try to accept
	 * first and sleep in epoll_wait() only when there is none.
	 */
	idle = 1;
	while (!worker_stop) {
		if (idle) {
			rc = epoll_wait(ep, evs, 2, -1);
			if (rc == -1 && errno != EINTR) {
				log_error("worker %u: epoll_wait", slot);
				break;
			}
			for (i = 0; i < rc; i++)
				if (evs[i].data.fd == worker_pipe[0])
					while (read(worker_pipe[0], drain,
					    sizeof(drain)) > 0)
						;
		}
		if (worker_reopen) {
			worker_reopen = 0;
			if (log_reopen() == -1)
				log_warn("worker %u: reopening the log", slot);
		}
		if (worker_stop)
			break;
		rc = worker_accept(api, &fr);
		if (rc < 0) {
			if (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR)
				log_warnx("worker %u: accept failed: %s", slot,
				    strerror(-rc));
			idle = 1;
			continue;
		}
		idle = 0;
		atomic_store_explicit(&me->busy_since_ms, scoreboard_now_ms(),
		    memory_order_relaxed);
		worker_serve(api, &fr, slot);
		worker_finish(api, &fr);
		atomic_store_explicit(&me->busy_since_ms, 0, memory_order_relaxed);
		if (max_requests > 0 && ++served >= max_requests) {
			log_info("worker %u recycled after %lld requests", slot,
			    served);
			break;
		}
	}
	FCGX_Free(&fr, 1);
	db_free(api->db);
	close(ep);
	_exit(0);
}
