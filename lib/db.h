/*
 * db.h: one persistent PostgreSQL connection (libpq) per process.
 *
 * The connection is opened lazily and re-opened after a failure; while the
 * server is unreachable every call returns ST_UNAVAILABLE at once (a retry is
 * attempted at most once per second), so the API answers 503 + Retry-After
 * and recovers by itself. Statements used on hot paths are declared once as
 * struct db_stmt and prepared on each new connection. Parameters always go
 * separately from the SQL text (PQexecParams/PQexecPrepared).
 *
 * No call waits on the server without a bound, so a hung server (stopped,
 * or a network that drops everything) costs a caller a known time, not
 * forever: a connection attempt gives up after [database] connect_timeout,
 * a statement's answer is awaited [database] statement_timeout plus one
 * second (the server enforces statement_timeout itself while it runs; the
 * extra second is for it to say so), and db_set_deadline() can shorten
 * both. A statement that times out drops the connection (a cancel request
 * would wait on the same hung server) and marks the server down. While it
 * is down, a call that needs a connection gives an attempt in progress
 * DB_DOWN_WAIT_MS at most, then returns ST_UNAVAILABLE and leaves the
 * attempt to db_poll(), which an event loop calls when db_poll_fd() is
 * ready or db_next_ms() has come: an outage costs requests 503s, not
 * connect timeouts. TCP connections have keepalives and tcp_user_timeout
 * ([database] tcp_keepalive, tcp_user_timeout), so a peer that vanished is
 * noticed by the kernel too.
 *
 * Several servers ([database] host = a,b with port = p or p,q, a primary
 * and its standbys): an attempt tries each in turn, from the one that
 * worked last, each for connect_timeout (so a silent host costs that and
 * the next is tried), and keeps the first one [database]
 * target_session_attrs accepts (read-write: the primary). After a
 * failover the old connection breaks, and reconnecting finds the new
 * primary; a statement refused as read-only (SQLSTATE 25006) drops the
 * connection too. A call's wait covers the whole round (connect_timeout
 * per host), still cut at the deadline.
 */
#ifndef LIB_DB_H
#define LIB_DB_H

#include <libpq-fe.h>

#include "st.h"

struct config;

/* How long a call waits on a connection attempt while the server is down. */
#define DB_DOWN_WAIT_MS	500

#define DB_HOSTS_MAX	16	/* hosts in [database] host */
#define DB_HOST_MAX	256	/* bytes of one of them */

/*
 * [database] host and port as the handle takes them: host one name,
 * address or socket folder, or several separated by commas; port one for
 * every host or one per host. 0, or -1 with *why (caller frees);
 * check-config runs it too.
 */
int		 db_check_hosts(const char *host, const char *port, char **why);

struct db_stmt {
	const char	*name;		/* prepared statement name, unique */
	const char	*sql;		/* text with $1..$n */
	int		 nparams;
	int		 idempotent;	/* safe to resend after a lost connection */
};

struct db;

/*
 * A handle for the [database] section of cfg (borrowed: must outlive the
 * handle). stmts (borrowed, NULL-ended array, may be NULL) are prepared on
 * every new connection. Does not connect. NULL on ENOMEM.
 */
struct db	*db_new(const struct config *, const struct db_stmt *const *stmts);
/*
 * Same as db_new, logging in as role user (borrowed; NULL: [database]
 * user and password) with password (borrowed, NULL: none, for peer
 * authentication or .pgpass): `bootstack migrate` as [database] owner.
 */
struct db	*db_new_as(const struct config *, const struct db_stmt *const *,
		    const char *user, const char *password);
/*
 * Same as db_new, logging in as [database] owner with owner_password when
 * an owner is named, else as user: migrate, backup and restore, which
 * need the schema's owner.
 */
struct db	*db_new_owner(const struct config *, const struct db_stmt *const *);
void		 db_free(struct db *);			/* NULL-safe; closes */
/*
 * Connects now if not connected, waiting at most connect_timeout (or to the
 * deadline; DB_DOWN_WAIT_MS while the server is down). ST_UNAVAILABLE when
 * the server is down or has not answered yet.
 */
enum st		 db_connect(struct db *);
void		 db_disconnect(struct db *);
PGconn		*db_conn(struct db *);			/* borrowed; NULL if down */
const char	*db_error(const struct db *);		/* borrowed; last error text */
unsigned long	 db_reconnects(const struct db *);	/* new connections after the first */
unsigned long	 db_errors(const struct db *);	/* failed connects and statements */
int		 db_last_ok(const struct db *);	/* the last call succeeded */
/*
 * Calls fn(arg, what) just before the handle waits on the server, and
 * fn(arg, NULL) when the wait is over: what is the prepared statement's
 * name, "connect" or "exec" (db_exec); a borrowed string that lives as long
 * as the program. The daemon publishes it in the worker's scoreboard slot
 * (its slow-request log). fn NULL: no watcher.
 */
void		 db_set_watch(struct db *, void (*fn)(void *, const char *),
		    void *arg);

/*
 * Calls made from now on finish by deadline_ms (monotonic, clock_ms), or
 * return ST_UNAVAILABLE; 0 clears it (each wait keeps its own bound).
 */
void		 db_set_deadline(struct db *, long long deadline_ms);
/* Since when the server has been down (clock_ms), 0 if it is not. */
long long	 db_down_since(const struct db *);
/* The server is up again (another process got through): try now, fully. */
void		 db_retry_now(struct db *);

/*
 * The event loop's side of reconnecting. db_poll() never waits on the
 * server: it starts an attempt when one is due (also the first one, so a
 * fresh process need not wait to connect) or takes the one in progress a
 * step further, and gives it up past connect_timeout. db_poll_fd() is the
 * socket of the attempt in progress (-1 if none) and sets *want_write when
 * it waits to write rather than to read; db_next_ms() is when db_poll()
 * must run at the latest (clock_ms), -1 if nothing is pending.
 */
void		 db_poll(struct db *);
int		 db_poll_fd(const struct db *, int *want_write);
long long	 db_next_ms(const struct db *);

/*
 * Runs a prepared statement (or, for db_exec, a parameterised text). On
 * ST_OK *res holds a result the caller PQclear()s; on failure *res is NULL
 * and db_error() tells why. A lost connection gives ST_UNAVAILABLE (an
 * idempotent statement is retried once on a fresh connection first), as
 * does a server that does not answer in time; a statement error gives
 * ST_DB, or ST_CONFLICT for a unique violation.
 */
enum st		 db_run(struct db *, const struct db_stmt *,
		    const char *const *params, PGresult **res);
enum st		 db_exec(struct db *, const char *sql, int nparams,
		    const char *const *params, PGresult **res);
/*
 * db_exec for a text safe to send twice (a read): like an idempotent
 * db_stmt, it is resent once on a fresh connection when the connection
 * was lost under it (a PostgreSQL restart: every worker's connection is
 * dead, and each one's next statement finds out), so the caller gets no
 * ST_UNAVAILABLE for a server that is up again.
 */
enum st		 db_exec_idempotent(struct db *, const char *sql,
		    int nparams, const char *const *params, PGresult **res);
/*
 * db_run for one tenant's rows (row-level security, sql/0005): the
 * statement runs with the setting bootstack.tenant_id = tenant (not "").
 * The setting is the session's: sent (set_config(..., false)) in the same
 * round trip as the statement (libpq pipeline mode) only when the session
 * may hold another value, so a connection serving one tenant's requests
 * pays it once. db_run clears it the same way first when the session may
 * hold one, so a statement run without a tenant still sees no row of a
 * table under a tenant policy. After db_exec (a ROLLBACK undoes a set), a
 * failed statement or a transaction left open (db_run_steps with BEGIN)
 * the handle is unsure, and sends it again.
 */
enum st		 db_run_tenant(struct db *, const char *tenant,
		    const struct db_stmt *, const char *const *params,
		    PGresult **res);
/*
 * One statement of a db_run_steps() batch: a prepared statement and its
 * parameters (stmt), or a text without parameters (sql: BEGIN, COMMIT,
 * ROLLBACK). res is the result (the caller PQclear()s it; NULL when the
 * batch failed).
 */
struct db_step {
	const struct db_stmt	*stmt;
	const char *const	*params;
	const char		*sql;
	PGresult		*res;
};
/*
 * Sends steps[0..n) in one round trip (libpq pipeline mode, one sync at
 * the end) and reads every answer: a handler's statements that would
 * otherwise wait for each other. tenant is db_run_tenant's (set on the
 * session in the same round trip when it may hold another), or NULL or
 * "" for none, as db_run. ST_OK when each succeeded, else the status of
 * the first that failed (as db_run's; PostgreSQL skips those after it)
 * and every res NULL. Without a BEGIN the steps are one implicit
 * transaction, committed at the sync; after a BEGIN it stays open past
 * the batch, to be ended by a later batch or db_exec (after a failure, by
 * ROLLBACK). After a lost connection the batch is resent once on a fresh
 * one only if every step is an idempotent prepared statement.
 */
enum st		 db_run_steps(struct db *, const char *tenant,
		    struct db_step *, int n);
/* The SQLSTATE of the last failed statement, "" if none. */
const char	*db_sqlstate(const struct db *);

#endif
