/*
 * scoreboard.h: what each worker is doing and has done, in memory shared
 * with the master and the other workers (php-fpm's and Apache's scoreboard).
 *
 * The master maps it before forking, so every worker inherits it. A worker
 * writes only its own slot, with relaxed atomic operations and no locks;
 * the master writes only the header. Readers (the master's tick, the
 * /metrics route in any worker) sum what they need. A slot outlives the
 * worker using it: a respawned worker continues its predecessor's counters,
 * so the sums never go backwards, as Prometheus counters must not.
 *
 * The master uses it to enforce the per-request deadline (a worker busy on
 * one request for longer than [api] request_timeout is killed), which costs
 * a worker no system call per request: the worker only stores its state and
 * the start of the request in its slot. The master also writes each slot's
 * pid when it forks and clears the slot's busy mark when it reaps, so a
 * worker killed mid-request is never counted in flight afterwards.
 *
 * For the status page and the slow-request log, a worker also publishes
 * the request it is serving (method, URI, request id) under a per-slot
 * sequence counter (a seqlock: the reader retries if the writer was
 * between its two increments), and what it waits on in the database: the
 * db layer's watcher stores the prepared statement's name. That name is a
 * pointer to a string in the program's image, so it may be read only by
 * processes forked from the same image: the master and its workers.
 */
#ifndef APP_SCOREBOARD_H
#define APP_SCOREBOARD_H

#include <stdatomic.h>
#include <stddef.h>

#define SCOREBOARD_SLOTS	512	/* room for overlapping generations */
#define SCOREBOARD_ROUTES	32	/* route table rows that are counted */
#define SCOREBOARD_METHODS	7	/* GET HEAD POST PUT PATCH DELETE other */
#define SCOREBOARD_CLASSES	5	/* 1xx .. 5xx */
#define SCOREBOARD_BUCKETS	11	/* finite histogram bounds, +Inf after */
#define SCOREBOARD_URI_MAX	192	/* request URI kept per slot (cut) */
#define SCOREBOARD_RID_MAX	65	/* request id, as http.h keeps it */

/* What a worker is doing now (its slot's state). */
enum scoreboard_state {
	SCOREBOARD_IDLE,	/* waiting for a connection (or none runs) */
	SCOREBOARD_HANDLER,	/* running a request's handler */
	SCOREBOARD_WRITING,	/* writing the answer */
	SCOREBOARD_STATE__COUNT
};

/* Why a connection ended without an answer (or its answer was lost). */
enum scoreboard_drop {
	SCOREBOARD_DROP_HEADER_TIMEOUT,	/* params not complete in header_timeout */
	SCOREBOARD_DROP_BODY_TIMEOUT,	/* body not complete in body_timeout */
	SCOREBOARD_DROP_EVICTED,	/* the worker held too many unfinished */
	SCOREBOARD_DROP_PROTOCOL,	/* malformed FastCGI records */
	SCOREBOARD_DROP_ABORTED,	/* FCGI_ABORT_REQUEST */
	SCOREBOARD_DROP_PARAMS_TOOBIG,	/* params over [api] max_params */
	SCOREBOARD_DROP_EOF,		/* the peer closed mid-request */
	SCOREBOARD_DROP_WRITE,		/* the answer could not be written */
	SCOREBOARD_DROP_REFUSED,	/* peer not in [api] allow / FCGI_WEB_SERVER_ADDRS */
	SCOREBOARD_DROP__COUNT
};

enum scoreboard_restart {
	SCOREBOARD_RESTART_CRASH,
	SCOREBOARD_RESTART_RECYCLE,
	SCOREBOARD_RESTART_DEADLINE,
	SCOREBOARD_RESTART__COUNT
};

extern const double	 scoreboard_bounds[SCOREBOARD_BUCKETS];	/* seconds */
extern const char *const scoreboard_methods[SCOREBOARD_METHODS];
extern const char *const scoreboard_states[SCOREBOARD_STATE__COUNT];
extern const char *const scoreboard_drops[SCOREBOARD_DROP__COUNT];

typedef _Atomic unsigned long long scoreboard_counter;

/* The request a worker serves (or served last), as it published it. */
struct scoreboard_req {
	char		 method[8];			/* cut; "" before the first */
	char		 uri[SCOREBOARD_URI_MAX];	/* REQUEST_URI, cut */
	char		 request_id[SCOREBOARD_RID_MAX];
};

struct scoreboard_slot {
	_Atomic int		 used;		/* a worker ran here once */
	_Atomic int		 pid;		/* master: the worker now; 0 = none */
	_Atomic int		 state;		/* enum scoreboard_state */
	_Atomic int		 pending;	/* connections read, not complete */
	_Atomic long long	 busy_since_ms;	/* monotonic; 0 = idle */
	_Atomic long long	 db_last_ms;	/* last database answer, monotonic */
	_Atomic int		 db_last_ok;	/* ... and whether it was good */
	scoreboard_counter	 requests;	/* served since the slot's start */
	scoreboard_counter	 db_errors;	/* failed statements and connects */
	scoreboard_counter	 db_reconnects;	/* new connections after the first */
	/* connections ended without an answer, by reason */
	scoreboard_counter	 drops[SCOREBOARD_DROP__COUNT];
	/* answers by route row and status class */
	scoreboard_counter	 hits[SCOREBOARD_ROUTES][SCOREBOARD_CLASSES];
	/* answers that matched no route, by method and status class */
	scoreboard_counter	 unmatched[SCOREBOARD_METHODS][SCOREBOARD_CLASSES];
	/* latency per route row: one count per bucket (not cumulative) */
	scoreboard_counter	 buckets[SCOREBOARD_ROUTES][SCOREBOARD_BUCKETS + 1];
	scoreboard_counter	 sum_us[SCOREBOARD_ROUTES];	/* total microseconds */
	scoreboard_counter	 accepted;	/* connections accepted */
	_Atomic unsigned long long requests_base; /* master: requests at the fork */
	_Atomic long long	 started;	/* master: the fork, Unix seconds */
	_Atomic int		 ready;		/* the worker has begun serving */
	_Atomic(const char *)	 waiting_on;	/* statement waited on; NULL = none */
	_Atomic unsigned int	 seq;		/* odd while cur is being written */
	struct scoreboard_req	 cur;		/* under seq */
};

struct scoreboard {
	long long		 start_time;	/* master's start, Unix seconds */
	_Atomic int		 workers;	/* configured workers */
	_Atomic int		 crash_loop;	/* 1 while respawns are backed off */
	_Atomic int		 pm;		/* enum pool_mode */
	_Atomic unsigned int	 generation;	/* bumped by every reload */
	_Atomic int		 listen_queue;	/* last sample; -1 = unknown */
	_Atomic int		 listen_queue_max; /* highest sample since start */
	_Atomic int		 listen_queue_len; /* the socket's backlog */
	_Atomic int		 active_max;	/* most workers busy at once */
	scoreboard_counter	 max_children_reached;	/* a spawn the cap refused */
	scoreboard_counter	 slow_requests;	/* past request_slowlog_timeout */
	scoreboard_counter	 emergency_restarts; /* emergency_restart_threshold */
	scoreboard_counter	 reloads_refused; /* a SIGHUP's config did not load */
	scoreboard_counter	 restarts[SCOREBOARD_RESTART__COUNT];
	struct scoreboard_slot	 slots[SCOREBOARD_SLOTS];
};

/* Maps a zeroed board shared with future children; NULL on failure. */
struct scoreboard	*scoreboard_map(void);
/* Index of an HTTP method in scoreboard_methods ("other" if unknown). */
unsigned int		 scoreboard_method(const char *);
/*
 * Counts one answer in slot s: route row (or -1 if none matched), method,
 * HTTP status and duration.
 */
void			 scoreboard_count(struct scoreboard_slot *, int route,
			    const char *method, int status, long long us);
/* Publishes the request a worker begins (strings are copied, cut). */
void			 scoreboard_begin(struct scoreboard_slot *,
			    const char *method, const char *uri,
			    const char *request_id);
/* Copies what slot s published; -1 if it kept changing meanwhile. */
int			 scoreboard_read_req(struct scoreboard_slot *,
			    struct scoreboard_req *);
/*
 * db_set_watch()'s watcher for a worker: arg is its slot, what the
 * statement's name (borrowed from the image) or NULL.
 */
void			 scoreboard_watch_db(void *slot, const char *what);

#endif
