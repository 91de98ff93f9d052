/*
 * db.c: the per-process PostgreSQL connection; see db.h for the contract.
 *
 * Design: one libpq connection, opened lazily, in non-blocking mode, and
 * every wait on the server a poll(2) with an end. Connecting is
 * PQconnectStartParams + PQconnectPoll, driven either by a caller that
 * needs the connection (waiting up to its bound) or by the event loop
 * (db_poll), so an attempt outlives the call that gave up on it and the
 * next call finds it done. Statements are sent with PQsend* and their
 * results awaited the same way. After any failure that leaves the
 * connection bad, it is closed; the next attempt comes not sooner than
 * DB_RETRY_MS after the last, so an outage costs a request a clock read,
 * not a connect timeout. Prepared statements are prepared right after each
 * connect. Connection parameters go to libpq as keyword/value arrays, never
 * pasted into a conninfo string.
 *
 * Caveats: a host name is resolved by PQconnectStartParams itself, which
 * blocks (getaddrinfo); give an address or a socket folder where that
 * matters. A statement that timed out is not cancelled (PQcancel waits on
 * the same server): the connection is dropped, and the server ends the
 * statement at its statement_timeout or when it notices the client gone.
 * PQexec on db_conn() (lib/migrate) still blocks: libpq's PQexec ignores
 * non-blocking mode.
 */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"

#define DB_RETRY_MS	1000	/* minimum gap between connection attempts */
#define DB_GRACE_MS	1000	/* awaited past statement_timeout */
#define DB_TIMEOUT_TEXT	"timeout expired (connect_timeout)"

struct db {
	const struct config		*cfg;		/* borrowed */
	const struct db_stmt *const	*stmts;		/* borrowed, NULL-ended */
	const char			*user;		/* borrowed; NULL: [database] user */
	const char			*password;	/* borrowed; the user's, may be NULL */
	PGconn				*conn;		/* NULL when down */
	int				 connecting;	/* conn is an attempt in progress */
	int				 want_write;	/* ... waiting to write, else to read */
	long long			 attempt_end_ms; /* ... given up then */
	long long			 round_end_ms;	/* every host tried by then */
	int				 host_n;	/* hosts in [database] host */
	int				 host_i;	/* the one tried or connected */
	int				 host_tried;	/* hosts tried in this round */
	int				 host_first;	/* where a round starts: the
							   last host that worked */
	long long			 deadline_ms;	/* db_set_deadline(); 0 = none */
	long long			 down_ms;	/* server down since; 0 = not */
	unsigned long			 connects;	/* successful connects */
	unsigned long			 errors;	/* failed connects and statements */
	int				 last_ok;	/* the last call succeeded */
	long long			 last_try_ms;	/* last attempt's start */
	char				 err[512];	/* last error text */
	char				 sqlstate[6];	/* last SQLSTATE */
	int				 tenant_sent;	/* a tenant was set on the
							   session, */
	int				 tenant_maybe;	/* ... which may still hold
							   one */
	char				 tenant[32];	/* ... the one it surely
							   holds; "": unsure */
	long long			 stmt_ms;	/* [database]
							   statement_timeout */
	void	(*watch)(void *, const char *);		/* db_set_watch() */
	void				*watch_arg;
};

/*
 * The session's tenant (row-level security, sql/0005), set for the
 * session, not the transaction: a connection serving one tenant's
 * statements in a row sends it once, not before each (a second statement
 * per request: a quarter of GET's throughput in bench/run). Sent in the
 * same pipeline as the statement that needs another value; prepared with
 * the handle's statements (a handle that has some).
 */
static const struct db_stmt db_stmt_tenant = {
	"db_set_tenant",
	"SELECT set_config('bootstack.tenant_id', $1, false)",
	1, 1
};

/* Tells the watcher, if any, what the handle waits on (NULL: nothing). */
#define DB_WATCH(db, what) do {						\
	if ((db)->watch != NULL)					\
		(db)->watch((db)->watch_arg, (what));			\
} while (0)

static enum st	db_run_as(struct db *, const char *, const struct db_stmt *,
		    const char *const *, PGresult **);

/* Records an error text, trimmed of libpq's trailing newline. */
static void
db_set_error(struct db *db, const char *prefix, const char *msg)
{
	size_t	 n;

	snprintf(db->err, sizeof(db->err), "%s%s", prefix,
	    msg == NULL ? "" : msg);
	n = strlen(db->err);
	while (n > 0 && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
		db->err[--n] = '\0';
}

/* The number of comma-separated items of list (1 for NULL or ""). */
static int
db_list_len(const char *list)
{
	int	 n = 1;

	for (; list != NULL && *list != '\0'; list++)
		if (*list == ',')
			n++;
	return (n);
}

/*
 * Item i of a comma-separated list into buf (one item: every i gets it).
 * -1 if it does not fit.
 */
static int
db_list_item(const char *list, int i, char *buf, size_t size)
{
	size_t	 len;

	if (list == NULL)
		list = "";
	if (db_list_len(list) > 1)
		for (; i > 0; i--)
			list = strchr(list, ',') + 1;
	len = strcspn(list, ",");
	if (len >= size)
		return (-1);
	memcpy(buf, list, len);
	buf[len] = '\0';
	return (0);
}

/* See db.h. */
int
db_check_hosts(const char *host, const char *port, char **why)
{
	char		 item[DB_HOST_MAX], *end;
	long		 num;
	int		 i, nh = db_list_len(host), np = db_list_len(port);

	if (nh > DB_HOSTS_MAX)
		return (cause_set(why, "[database] host: %d hosts, at most %d",
		    nh, DB_HOSTS_MAX));
	for (i = 0; i < nh; i++)
		if (db_list_item(host, i, item, sizeof(item)) == -1 ||
		    item[0] == '\0' || strpbrk(item, " \t'\"\\=") != NULL)
			return (cause_set(why, "[database] host: '%.200s': "
			    "want a host name, an address or a socket "
			    "folder, or several separated by commas (no "
			    "blanks, quotes, '=' or empty items)", host));
	if (np != 1 && np != nh)
		return (cause_set(why, "[database] port: '%.200s' has %d "
		    "ports for %d hosts: give one for all, or one per host",
		    port, np, nh));
	for (i = 0; i < np; i++) {
		if (db_list_item(port, i, item, sizeof(item)) == -1)
			item[0] = '\0';
		errno = 0;
		num = strtol(item, &end, 10);
		if (item[0] < '0' || item[0] > '9' || *end != '\0' ||
		    errno != 0 || num < 1 || num > 65535)
			return (cause_set(why, "[database] port: '%.200s' is "
			    "not a port (1..65535) or a list of them "
			    "separated by commas", port));
	}
	return (0);
}

/* See db.h. */
struct db *
db_new(const struct config *cfg, const struct db_stmt *const *stmts)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return (NULL);
	db->cfg = cfg;
	db->stmts = stmts;
	db->last_try_ms = -DB_RETRY_MS;
	db->host_n = db_list_len(config_str(cfg, "database", "host"));
	db->stmt_ms = config_int(cfg, "database", "statement_timeout");
	return (db);
}

/* See db.h. */
struct db *
db_new_as(const struct config *cfg, const struct db_stmt *const *stmts,
    const char *user, const char *password)
{
	struct db	*db;

	if ((db = db_new(cfg, stmts)) != NULL) {
		db->user = user;
		db->password = password;
	}
	return (db);
}

/* See db.h. */
struct db *
db_new_owner(const struct config *cfg, const struct db_stmt *const *stmts)
{
	const char	*owner = config_str(cfg, "database", "owner");

	if (owner == NULL)
		return (db_new(cfg, stmts));
	return (db_new_as(cfg, stmts, owner, config_str(cfg, "database",
	    "owner_password")));
}

/* The session is a new one: it holds no bootstack.tenant_id. */
static void
db_tenant_none(struct db *db)
{
	db->tenant_sent = db->tenant_maybe = 0;
	db->tenant[0] = '\0';
}

/* Closes the connection, if any. */
void
db_disconnect(struct db *db)
{
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->connecting = 0;
	db_tenant_none(db);
}

/* See db.h. */
void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

/* The end of a wait of ms from now, cut at the caller's deadline. */
static long long
db_until(const struct db *db, long long now, long long ms)
{
	long long	 until = now + ms;

	if (db->deadline_ms > 0 && db->deadline_ms < until)
		until = db->deadline_ms;
	return (until);
}

/* Waits for the connection's socket (clock_wait_fd); a missing one is ready. */
static int
db_wait(int fd, short events, long long until)
{
	return (fd < 0 ? 1 : clock_wait_fd(fd, events, until));
}

/*
 * Sends what libpq holds, until the monotonic time until: 1 when all is
 * sent, 0 when the connection failed, -1 when the time ran out.
 */
static int
db_flush(PGconn *c, long long until)
{
	int	 fd = PQsocket(c), rc;

	while ((rc = PQflush(c)) == 1) {
		/* the socket is full: write on, reading what comes meanwhile */
		if (db_wait(fd, POLLIN | POLLOUT, until) == 0)
			return (-1);
		if (!PQconsumeInput(c))
			return (0);
	}
	return (rc == -1 ? 0 : 1);
}

/*
 * Sends what libpq holds and awaits the result of the statement sent,
 * until the monotonic time until. 0 with *res set (to NULL when the
 * connection failed: PQerrorMessage() says why; the first error if there
 * were several results, else the last), or -1 when the time ran out (the
 * connection is then unusable: the caller drops it).
 */
static int
db_await(struct db *db, long long until, PGresult **res)
{
	PGconn		*c = db->conn;
	PGresult	*r;
	int		 fd = PQsocket(c), rc;

	*res = NULL;
	if ((rc = db_flush(c, until)) != 1)
		return (rc);
	for (;;) {
		while (PQisBusy(c)) {
			if (db_wait(fd, POLLIN, until) == 0)
				return (-1);
			if (!PQconsumeInput(c))
				return (0);
		}
		if ((r = PQgetResult(c)) == NULL)
			break;
		if (*res == NULL || PQresultStatus(*res) == PGRES_COMMAND_OK ||
		    PQresultStatus(*res) == PGRES_TUPLES_OK) {
			PQclear(*res);
			*res = r;
		} else
			PQclear(r);
	}
	return (0);
}

/* The server is down from now on (if it was not already). */
static void
db_mark_down(struct db *db)
{
	long long	 now = clock_ms();

	if (db->down_ms == 0)
		db->down_ms = now > 0 ? now : 1;
}

/* A connection attempt failed: records why and closes it. */
static void
db_attempt_fail(struct db *db, const char *prefix, const char *msg)
{
	db_set_error(db, prefix, msg);
	db_disconnect(db);
	db->errors++;
	db->last_ok = 0;
	db_mark_down(db);
}

/* Prepares one statement on the new connection, until until. */
static enum st
db_prepare(struct db *db, const struct db_stmt *s, long long until)
{
	PGresult	*res;

	if (!PQsendPrepare(db->conn, s->name, s->sql, s->nparams, NULL)) {
		db_set_error(db, "prepare: ", PQerrorMessage(db->conn));
		return (ST_UNAVAILABLE);
	}
	if (db_await(db, until, &res) == -1) {
		db_set_error(db, "prepare: ", "the database did not "
		    "answer within connect_timeout");
		return (ST_UNAVAILABLE);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_set_error(db, "prepare: ", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		log_errorx("database: preparing %s failed: %s", s->name,
		    db->err);
		if (res == NULL)
			return (ST_UNAVAILABLE);
		PQclear(res);
		return (ST_DB);
	}
	PQclear(res);
	return (ST_OK);
}

/*
 * Prepares every declared statement on the new connection, and
 * db_run_tenant's set_config with them, until until.
 */
static enum st
db_prepare_all(struct db *db, long long until)
{
	const struct db_stmt *const	*s;
	enum st				 st;

	db_tenant_none(db);
	if (db->stmts == NULL)
		return (ST_OK);
	if ((st = db_prepare(db, &db_stmt_tenant, until)) != ST_OK)
		return (st);
	for (s = db->stmts; *s != NULL; s++)
		if ((st = db_prepare(db, *s, until)) != ST_OK)
			return (st);
	return (ST_OK);
}

/* "HOST:PORT" of host i, for errors and logs. */
static void
db_host_name(const struct db *db, int i, char *buf, size_t size)
{
	char	 host[DB_HOST_MAX], port[16];

	if (db_list_item(config_str(db->cfg, "database", "host"), i, host,
	    sizeof(host)) == -1 || db_list_item(config_str(db->cfg,
	    "database", "port"), i, port, sizeof(port)) == -1)
		snprintf(buf, size, "host %d", i + 1);
	else
		snprintf(buf, size, "%s:%s", host, port);
}

static enum st	db_host_start(struct db *, long long);

/*
 * The attempt on the current host failed (why): records it (one host: as
 * it is; several: "HOST:PORT: why; ..." over the round), closes it and
 * starts the next host of the round, if one is left. ST_OK when another
 * attempt is in progress; ST_UNAVAILABLE when every host failed: the
 * server is down.
 */
static enum st
db_host_fail(struct db *db, const char *why)
{
	char	 name[DB_HOST_MAX + 16];
	size_t	 n;

	if (db->host_n == 1)
		db_set_error(db, "", why);
	else {
		db_host_name(db, db->host_i, name, sizeof(name));
		n = db->host_tried == 0 ? 0 : strlen(db->err);
		snprintf(db->err + n, sizeof(db->err) - n, "%s%s: %s",
		    n > 0 ? "; " : "", name, why == NULL ? "" : why);
		n = strlen(db->err);
		while (n > 0 && (db->err[n - 1] == '\n' ||
		    db->err[n - 1] == ' '))
			db->err[--n] = '\0';
	}
	db_disconnect(db);
	if (++db->host_tried < db->host_n) {
		db->host_i = (db->host_i + 1) % db->host_n;
		return (db_host_start(db, clock_ms()));
	}
	db->errors++;
	db->last_ok = 0;
	db_mark_down(db);
	return (ST_UNAVAILABLE);
}

/*
 * Starts the connection attempt to host db->host_i (PQconnectStartParams),
 * given connect_timeout. ST_OK when in progress (on this host or, when it
 * failed at once, the next), ST_UNAVAILABLE when every host failed.
 */
static enum st
db_host_start(struct db *db, long long now)
{
	const char	*keys[16], *vals[16];
	char		 host[DB_HOST_MAX], port[16], timeout[16];
	char		 options[128], idle[24], interval[24], user_timeout[24];
	long long	 ka;
	int		 n = 0;

	if (db_list_item(config_str(db->cfg, "database", "host"), db->host_i,
	    host, sizeof(host)) == -1 || db_list_item(config_str(db->cfg,
	    "database", "port"), db->host_i, port, sizeof(port)) == -1)
		return (db_host_fail(db, "[database] host or port: an item "
		    "is too long"));
	snprintf(timeout, sizeof(timeout), "%lld",
	    config_int(db->cfg, "database", "connect_timeout"));
	/*
	 * The session's clock and calendar are the API's, not the server's:
	 * timestamps in UTC, dates as ISO 8601, whatever the cluster says.
	 */
	snprintf(options, sizeof(options), "-c statement_timeout=%lld "
	    "-c TimeZone=UTC -c DateStyle=ISO,YMD",
	    config_int(db->cfg, "database", "statement_timeout"));
	/* TCP only: libpq ignores these on a unix socket */
	ka = config_int(db->cfg, "database", "tcp_keepalive");
	snprintf(idle, sizeof(idle), "%lld", ka);
	snprintf(interval, sizeof(interval), "%lld", ka / 3 > 0 ? ka / 3 : 1);
	snprintf(user_timeout, sizeof(user_timeout), "%lld",
	    config_int(db->cfg, "database", "tcp_user_timeout"));
	keys[n] = "host";	vals[n++] = host;
	keys[n] = "port";	vals[n++] = port;
	keys[n] = "dbname";	vals[n++] = config_str(db->cfg, "database", "name");
	keys[n] = "user";	vals[n++] = db->user != NULL ? db->user :
	    config_str(db->cfg, "database", "user");
	keys[n] = "password";	vals[n++] = db->user != NULL ? db->password :
	    config_str(db->cfg, "database", "password");
	keys[n] = "sslmode";	vals[n++] = config_str(db->cfg, "database", "sslmode");
	keys[n] = "target_session_attrs";
	vals[n++] = config_str(db->cfg, "database", "target_session_attrs");
	keys[n] = "connect_timeout"; vals[n++] = timeout;
	keys[n] = "options";	vals[n++] = options;
	keys[n] = "application_name"; vals[n++] = "bootstack";
	keys[n] = "keepalives";	vals[n++] = ka > 0 ? "1" : "0";
	if (ka > 0) {
		keys[n] = "keepalives_idle";	 vals[n++] = idle;
		keys[n] = "keepalives_interval"; vals[n++] = interval;
		keys[n] = "keepalives_count";	 vals[n++] = "3";
	}
	keys[n] = "tcp_user_timeout"; vals[n++] = user_timeout;
	keys[n] = NULL;		vals[n] = NULL;

	if ((db->conn = PQconnectStartParams(keys, vals, 0)) == NULL) {
		db_set_error(db, "out of memory", NULL);
		return (ST_NOMEM);
	}
	if (PQstatus(db->conn) == CONNECTION_BAD)
		return (db_host_fail(db, PQerrorMessage(db->conn)));
	db->connecting = 1;
	db->want_write = 1;	/* libpq: start as if it said POLLING_WRITING */
	/* libpq leaves connect_timeout to us in non-blocking mode */
	db->attempt_end_ms = now +
	    1000 * config_int(db->cfg, "database", "connect_timeout");
	return (ST_OK);
}

/*
 * Starts a round of connection attempts: each host in turn from the one
 * that worked last, each given connect_timeout, until one connects.
 */
static enum st
db_attempt_start(struct db *db, long long now)
{
	db->last_try_ms = now;
	db->host_tried = 0;
	db->host_i = db->host_first;
	db->err[0] = '\0';
	db->round_end_ms = now + 1000LL * db->host_n *
	    config_int(db->cfg, "database", "connect_timeout");
	return (db_host_start(db, now));
}

/*
 * Takes the attempt one step (its socket is ready). 1 when connected (the
 * statements prepared), 0 while in progress, -1 when it failed (*st why).
 */
static int
db_attempt_step(struct db *db, enum st *st)
{
	long long	 until;
	char		 name[DB_HOST_MAX + 16];

	*st = ST_UNAVAILABLE;
	switch (PQconnectPoll(db->conn)) {
	case PGRES_POLLING_OK:
		db->connecting = 0;
		break;
	case PGRES_POLLING_FAILED:
		return (db_host_fail(db, PQerrorMessage(db->conn)) == ST_OK ?
		    0 : -1);
	case PGRES_POLLING_WRITING:
		db->want_write = 1;
		goto pending;
	default:
		db->want_write = 0;
		goto pending;
	}
	until = db->attempt_end_ms;
	if (db->deadline_ms > 0 && db->deadline_ms < until)
		until = db->deadline_ms;
	if (PQsetnonblocking(db->conn, 1) != 0) {
		db_attempt_fail(db, "", PQerrorMessage(db->conn));
		return (-1);
	}
	if ((*st = db_prepare_all(db, until)) != ST_OK) {
		db_disconnect(db);
		db->errors++;
		db->last_ok = 0;
		db_mark_down(db);
		return (-1);
	}
	db->host_first = db->host_i;
	if (db->connects++ > 0 && db->host_n > 1) {
		db_host_name(db, db->host_i, name, sizeof(name));
		log_info("database: reconnected, to %s", name);
	} else if (db->connects > 1)
		log_info("database: reconnected");
	db->down_ms = 0;
	db->err[0] = '\0';
	*st = ST_OK;
	return (1);
pending:
	if (clock_ms() >= db->attempt_end_ms)
		return (db_host_fail(db, DB_TIMEOUT_TEXT) == ST_OK ? 0 : -1);
	return (0);
}

/*
 * Makes sure a connection is there (see db_connect in db.h): starts an
 * attempt if one is due and drives it until it ends or the wait's bound.
 */
static enum st
db_ready(struct db *db)
{
	long long	 now, until;
	enum st		 st;
	int		 rc;

	if (db->conn != NULL && !db->connecting) {
		if (PQstatus(db->conn) == CONNECTION_OK)
			return (ST_OK);
		db_disconnect(db);
	}
	now = clock_ms();
	if (!db->connecting) {
		if (now - db->last_try_ms < DB_RETRY_MS)
			return (ST_UNAVAILABLE);
		if ((st = db_attempt_start(db, now)) != ST_OK)
			return (st);
	}
	until = db->round_end_ms;
	if (db->deadline_ms > 0 && db->deadline_ms < until)
		until = db->deadline_ms;
	if (db->down_ms != 0 && now + DB_DOWN_WAIT_MS < until)
		until = now + DB_DOWN_WAIT_MS;
	DB_WATCH(db, "connect");
	for (;;) {
		/* each host's own bound, so a silent one passes to the next */
		if (db_wait(PQsocket(db->conn), db->want_write ? POLLOUT :
		    POLLIN, db->attempt_end_ms < until ? db->attempt_end_ms :
		    until) == 1) {
			if ((rc = db_attempt_step(db, &st)) == 0 &&
			    clock_ms() < until)
				continue;
			if (rc > 0)
				st = ST_OK;
			else if (rc == 0)
				goto pending;
			break;
		}
		st = ST_UNAVAILABLE;
		if (clock_ms() >= db->attempt_end_ms) {
			if (db_host_fail(db, DB_TIMEOUT_TEXT) != ST_OK)
				break;
			if (clock_ms() < until)
				continue;
		}
pending:	/* left in progress, for db_poll() or the next call */
		st = ST_UNAVAILABLE;
		db_set_error(db, "", "the database has not answered yet");
		break;
	}
	DB_WATCH(db, NULL);
	return (st);
}

/* See db.h. */
enum st
db_connect(struct db *db)
{
	return (db_ready(db));
}

/* See db.h. */
void
db_poll(struct db *db)
{
	long long	 now;
	enum st		 st;

	if (db->conn != NULL && !db->connecting)
		return;
	now = clock_ms();
	if (!db->connecting) {
		if (now - db->last_try_ms >= DB_RETRY_MS)
			(void)db_attempt_start(db, now);
		return;
	}
	if (db_wait(PQsocket(db->conn), db->want_write ? POLLOUT : POLLIN,
	    now) == 1)
		(void)db_attempt_step(db, &st);
	else if (now >= db->attempt_end_ms)
		(void)db_host_fail(db, DB_TIMEOUT_TEXT);
}

/* See db.h. */
int
db_poll_fd(const struct db *db, int *want_write)
{
	if (!db->connecting)
		return (-1);
	*want_write = db->want_write;
	return (PQsocket(db->conn));
}

/* See db.h. */
long long
db_next_ms(const struct db *db)
{
	if (db->connecting)
		return (db->attempt_end_ms);
	if (db->conn == NULL)
		return (db->last_try_ms + DB_RETRY_MS);
	return (-1);
}

/* See db.h. */
void
db_set_deadline(struct db *db, long long deadline_ms)
{
	db->deadline_ms = deadline_ms;
}

/* See db.h. */
long long
db_down_since(const struct db *db)
{
	return (db->down_ms);
}

/* See db.h. */
void
db_retry_now(struct db *db)
{
	db->down_ms = 0;
	if (!db->connecting)
		db->last_try_ms = clock_ms() - DB_RETRY_MS;
}

/* See db.h. */
PGconn *
db_conn(struct db *db)
{
	return (db->connecting ? NULL : db->conn);
}

/* See db.h. */
const char *
db_error(const struct db *db)
{
	return (db->err);
}

/* See db.h. */
const char *
db_sqlstate(const struct db *db)
{
	return (db->sqlstate);
}

/* See db.h. */
unsigned long
db_errors(const struct db *db)
{
	return (db->errors);
}

/* See db.h. */
int
db_last_ok(const struct db *db)
{
	return (db->last_ok);
}

/* See db.h. */
unsigned long
db_reconnects(const struct db *db)
{
	return (db->connects > 0 ? db->connects - 1 : 0);
}

/*
 * Turns a libpq result into a status. Takes res; on ST_OK it is stored in
 * *out, otherwise cleared.
 */
static enum st
db_result(struct db *db, PGresult *res, PGresult **out)
{
	const char	*state;

	db->sqlstate[0] = '\0';
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		*out = res;
		db->last_ok = 1;
		return (ST_OK);
	default:
		break;
	}
	db->errors++;
	db->last_ok = 0;
	db_set_error(db, "", res != NULL ? PQresultErrorMessage(res) :
	    PQerrorMessage(db->conn));
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL)
		snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state);
	PQclear(res);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_disconnect(db);
		return (ST_UNAVAILABLE);
	}
	if (strcmp(db->sqlstate, "23505") == 0)
		return (ST_CONFLICT);
	if (strcmp(db->sqlstate, "25006") == 0) {
		/*
		 * read_only_sql_transaction: the server became a standby
		 * under this connection (a switchover that kept it): drop
		 * it, so the next call looks for the primary again.
		 */
		log_warnx("database: %s: the server is read-only, "
		    "reconnecting", db->err);
		db_disconnect(db);
		return (ST_UNAVAILABLE);
	}
	if (strncmp(db->sqlstate, "57", 2) == 0 ||
	    strncmp(db->sqlstate, "08", 2) == 0)
		return (ST_UNAVAILABLE);	/* shutdown, cancel, connection */
	return (ST_DB);
}

/*
 * How long a statement sent at now may wait for its answer:
 * statement_timeout and DB_GRACE_MS, cut at the caller's deadline.
 */
static long long
db_stmt_until(const struct db *db, long long now)
{
	long long	 ms = db->stmt_ms;	/* read once: per statement */

	if (ms > 0)
		return (db_until(db, now, ms + DB_GRACE_MS));
	return (db->deadline_ms > 0 ? db->deadline_ms : LLONG_MAX);
}

/*
 * The server did not answer a statement sent at now: the connection is
 * dropped and the server marked down. ST_TIMEOUT.
 */
static enum st
db_timed_out(struct db *db, long long now)
{
	snprintf(db->err, sizeof(db->err), "no answer from the database in "
	    "%lld ms: connection dropped", clock_ms() - now);
	db->sqlstate[0] = '\0';
	db->errors++;
	db->last_ok = 0;
	db_disconnect(db);
	db_mark_down(db);
	db->last_try_ms = clock_ms();
	log_warnx("database: %s", db->err);
	return (ST_TIMEOUT);
}

/*
 * Awaits the answer to the statement just sent (sent: PQsend* succeeded;
 * what names it for the watcher) and turns it into a status, as
 * db_result(). ST_TIMEOUT when the server
 * did not answer within statement_timeout and DB_GRACE_MS (or by the
 * deadline): the connection is dropped and the server marked down.
 */
static enum st
db_finish(struct db *db, const char *what, int sent, PGresult **out)
{
	PGresult	*res = NULL;
	long long	 now = clock_ms(), until = db_stmt_until(db, now);
	int		 rc;

	DB_WATCH(db, what);
	rc = sent ? db_await(db, until, &res) : 0;
	DB_WATCH(db, NULL);
	if (rc == -1)
		return (db_timed_out(db, now));
	return (db_result(db, res, out));
}

/* See db.h. */
enum st
db_run(struct db *db, const struct db_stmt *stmt, const char *const *params,
    PGresult **out)
{
	return (db_run_as(db, "", stmt, params, out));
}

/*
 * db_exec and db_exec_idempotent: sql once, or (resend) once more on a
 * fresh connection when the first was lost under it (not when the server
 * did not answer in time: a hung server is not asked twice).
 */
static enum st
db_exec_as(struct db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out, int resend)
{
	enum st	 st;
	int	 try;

	*out = NULL;
	for (try = 0; ; try++) {
		if ((st = db_ready(db)) != ST_OK)
			return (st);
		st = db_finish(db, "exec", PQsendQueryParams(db->conn, sql,
		    nparams, NULL, params, NULL, NULL, 0), out);
		/*
		 * A ROLLBACK undoes what its transaction set: the tenant, or
		 * that it was cleared. Unsure again, until db_run_as sets it.
		 */
		db->tenant[0] = '\0';
		db->tenant_maybe = db->tenant_sent;
		if (!resend || try > 0 || st != ST_UNAVAILABLE ||
		    db->conn != NULL)
			break;
		/* The connection was lost: allow one immediate reconnect. */
		db->last_try_ms = -DB_RETRY_MS;
	}
	return (st == ST_TIMEOUT ? ST_UNAVAILABLE : st);
}

/* See db.h. */
enum st
db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
    PGresult **out)
{
	return (db_exec_as(db, sql, nparams, params, out, 0));
}

/* See db.h. */
enum st
db_exec_idempotent(struct db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	return (db_exec_as(db, sql, nparams, params, out, 1));
}

/* See db.h. */
void
db_set_watch(struct db *db, void (*fn)(void *, const char *), void *arg)
{
	db->watch = fn;
	db->watch_arg = arg;
}

/*
 * db_await for a pipeline of skip + n queries and its sync: sends what
 * libpq holds, then reads every answer up to the sync: query k's first
 * result into steps[k - skip].res when it succeeded (the first skip,
 * db_stmt_tenant's, cleared), the first failure into *fail. 0, or -1 when
 * the time ran out (the connection is then unusable: the caller drops it).
 */
static int
db_await_steps(struct db *db, long long until, int skip,
    struct db_step *steps, int n, PGresult **fail)
{
	PGconn		*c = db->conn;
	PGresult	*r;
	int		 fd = PQsocket(c), rc, k = 0;

	*fail = NULL;
	if ((rc = db_flush(c, until)) != 1)
		return (rc);
	for (;;) {
		while (PQisBusy(c)) {
			if (db_wait(fd, POLLIN, until) == 0)
				return (-1);
			if (!PQconsumeInput(c))
				return (0);
		}
		if ((r = PQgetResult(c)) == NULL) {
			if (PQstatus(c) != CONNECTION_OK || ++k > skip + n)
				return (0);	/* the end of query k-1's results */
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(r);
			return (0);
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			if (k >= skip && k < skip + n &&
			    steps[k - skip].res == NULL) {
				steps[k - skip].res = r;
				continue;
			}
			break;
		case PGRES_PIPELINE_ABORTED:
			break;		/* skipped after the failure */
		default:
			if (*fail == NULL) {
				*fail = r;
				continue;
			}
			break;
		}
		PQclear(r);
	}
}

/* Sends one step; 1 when libpq took it. */
static int
db_send_step(PGconn *c, const struct db_step *s)
{
	if (s->stmt != NULL)
		return (PQsendQueryPrepared(c, s->stmt->name, s->stmt->nparams,
		    s->params, NULL, NULL, 0));
	return (PQsendQueryParams(c, s->sql, 0, NULL, NULL, NULL, NULL, 0));
}

/*
 * Sends steps[0..n) with bootstack.tenant_id = tenant ("": none) on the
 * session, and awaits their answers: db_stmt_tenant first in the same
 * round trip when the session may hold another value. One step with no
 * tenant to send goes alone (GET's path, no pipeline); else all go in one
 * pipeline, one sync. ST_OK with every steps[i].res set, else the status
 * of the first that failed (as db_result's; ST_TIMEOUT when the server did
 * not answer in time) and every res NULL. Once the steps succeeded and
 * left no transaction open, the session surely holds tenant.
 */
static enum st
db_steps_as(struct db *db, const char *tenant, struct db_step *steps, int n)
{
	PGresult	*fail = NULL, *none = NULL;
	const char	*what = "exec";
	long long	 now, until;
	enum st		 st;
	int		 i, rc = 0, set_it, piped, ok;

	for (i = 0; i < n; i++) {
		steps[i].res = NULL;
		if (steps[i].stmt != NULL)	/* the last names the wait: */
			what = steps[i].stmt->name;	/* a write, most likely */
	}
	if (strlen(tenant) >= sizeof(db->tenant)) {
		snprintf(db->err, sizeof(db->err), "tenant id too long");
		return (ST_DB);
	}
	if ((st = db_ready(db)) != ST_OK)
		return (st);
	set_it = tenant[0] != '\0' ? strcmp(db->tenant, tenant) != 0 :
	    db->tenant_maybe;
	if (set_it && tenant[0] != '\0')
		db->tenant_sent = db->tenant_maybe = 1;
	db->tenant[0] = '\0';		/* unsure until it is confirmed */
	piped = set_it || n > 1;
	now = clock_ms();
	until = db_stmt_until(db, now);
	DB_WATCH(db, what);
	if (!piped) {
		if (db_send_step(db->conn, &steps[0]) == 1)
			rc = db_await(db, until, &fail);
		if (rc == 0 && (PQresultStatus(fail) == PGRES_TUPLES_OK ||
		    PQresultStatus(fail) == PGRES_COMMAND_OK)) {
			steps[0].res = fail;
			fail = NULL;
		}
	} else {
		ok = PQenterPipelineMode(db->conn) == 1 && (!set_it ||
		    PQsendQueryPrepared(db->conn, db_stmt_tenant.name, 1,
		    &tenant, NULL, NULL, 0) == 1);
		for (i = 0; ok && i < n; i++)
			ok = db_send_step(db->conn, &steps[i]) == 1;
		if (ok && PQpipelineSync(db->conn) == 1)
			rc = db_await_steps(db, until, set_it, steps, n, &fail);
	}
	DB_WATCH(db, NULL);
	if (rc == -1) {
		PQclear(fail);
		st = db_timed_out(db, now);
	} else if (piped && db->conn != NULL &&
	    PQexitPipelineMode(db->conn) != 1) {
		PQclear(fail);
		st = db_result(db, NULL, &none);	/* left half-read */
		db_disconnect(db);
	} else {
		for (i = 0; i < n && fail == NULL; i++)
			if (steps[i].res == NULL)
				break;
		if (fail != NULL || i < n)
			st = db_result(db, fail, &none);
		else {
			db->sqlstate[0] = '\0';
			db->last_ok = 1;
			/* committed (no BEGIN left open): the session's now */
			if (PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
				snprintf(db->tenant, sizeof(db->tenant), "%s",
				    tenant);
				if (tenant[0] == '\0')
					db->tenant_maybe = 0;
			}
			return (ST_OK);
		}
	}
	for (i = 0; i < n; i++) {
		PQclear(steps[i].res);
		steps[i].res = NULL;
	}
	PQclear(none);
	return (st == ST_OK ? ST_UNAVAILABLE : st);
}

/*
 * db_steps_as, and once more on a fresh connection when resend (every
 * step idempotent) and the connection was lost under the first (not when
 * the server did not answer in time: a hung server is not asked twice).
 */
static enum st
db_steps_resend(struct db *db, const char *tenant, struct db_step *steps,
    int n, int resend)
{
	enum st	 st;
	int	 try;

	for (try = 0; try < 2; try++) {
		st = db_steps_as(db, tenant, steps, n);
		if (st != ST_UNAVAILABLE || db->conn != NULL || !resend)
			break;
		/* The connection was lost: allow one immediate reconnect. */
		db->last_try_ms = -DB_RETRY_MS;
	}
	return (st == ST_TIMEOUT ? ST_UNAVAILABLE : st);
}

/* db_run and db_run_tenant: stmt as the only step. */
static enum st
db_run_as(struct db *db, const char *tenant, const struct db_stmt *stmt,
    const char *const *params, PGresult **out)
{
	struct db_step	 s = { .stmt = stmt, .params = params };
	enum st		 st;

	st = db_steps_resend(db, tenant, &s, 1, stmt->idempotent);
	*out = st == ST_OK ? s.res : NULL;
	return (st);
}

/* See db.h. */
enum st
db_run_steps(struct db *db, const char *tenant, struct db_step *steps, int n)
{
	int	 i, resend = 1;

	for (i = 0; i < n; i++)
		if (steps[i].stmt == NULL || !steps[i].stmt->idempotent)
			resend = 0;
	return (db_steps_resend(db, tenant == NULL ? "" : tenant, steps, n,
	    resend));
}

/* See db.h. */
enum st
db_run_tenant(struct db *db, const char *tenant, const struct db_stmt *stmt,
    const char *const *params, PGresult **out)
{
	if (tenant[0] == '\0') {	/* "" would be no tenant: refuse */
		snprintf(db->err, sizeof(db->err), "no tenant given");
		*out = NULL;
		return (ST_DB);
	}
	return (db_run_as(db, tenant, stmt, params, out));
}
