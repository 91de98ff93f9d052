/*
 * db.c: the per-process PostgreSQL connection; see db.h for the contract.
 *
 * Design: one blocking libpq connection, opened lazily. After any failure
 * that leaves the connection bad, it is closed; the next call reconnects, but
 * not more often than once per DB_RETRY_MS, so a database outage costs each
 * request a clock read, not a connect timeout. Prepared statements are
 * prepared right after each connect. Connection parameters go to libpq as
 * keyword/value arrays, never pasted into a conninfo string.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"

#define DB_RETRY_MS	1000	/* minimum gap between reconnect attempts */

struct db {
	const struct config		*cfg;		/* borrowed */
	const struct db_stmt *const	*stmts;		/* borrowed, NULL-ended */
	PGconn				*conn;		/* NULL when down */
	unsigned long			 connects;	/* successful connects */
	unsigned long			 errors;	/* failed connects and statements */
	int				 last_ok;	/* the last call succeeded */
	long long			 last_try_ms;	/* last failed attempt */
	char				 err[512];	/* last error text */
	char				 sqlstate[6];	/* last SQLSTATE */
	void	(*watch)(void *, const char *);		/* db_set_watch() */
	void				*watch_arg;
};

/* Tells the watcher, if any, what the handle waits on (NULL: nothing). */
#define DB_WATCH(db, what) do {						\
	if ((db)->watch != NULL)					\
		(db)->watch((db)->watch_arg, (what));			\
} while (0)

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
	return (db);
}

/* Closes the connection, if any. */
void
db_disconnect(struct db *db)
{
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
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

/* Prepares every declared statement on the new connection. */
static enum st
db_prepare_all(struct db *db)
{
	const struct db_stmt *const	*s;
	PGresult			*res;

	if (db->stmts == NULL)
		return (ST_OK);
	for (s = db->stmts; *s != NULL; s++) {
		res = PQprepare(db->conn, (*s)->name, (*s)->sql,
		    (*s)->nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_set_error(db, "prepare: ",
			    PQresultErrorMessage(res));
			log_errorx("database: preparing %s failed: %s",
			    (*s)->name, db->err);
			PQclear(res);
			return (ST_DB);
		}
		PQclear(res);
	}
	return (ST_OK);
}

/* See db.h. */
enum st
db_connect(struct db *db)
{
	const char	*keys[10], *vals[10];
	char		 port[16], timeout[16], options[128];
	long long	 now;
	int		 n = 0;
	enum st		 st;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return (ST_OK);
	db_disconnect(db);
	now = clock_ms();
	if (now - db->last_try_ms < DB_RETRY_MS)
		return (ST_UNAVAILABLE);
	db->last_try_ms = now;

	snprintf(port, sizeof(port), "%lld",
	    config_int(db->cfg, "database", "port"));
	snprintf(timeout, sizeof(timeout), "%lld",
	    config_int(db->cfg, "database", "connect_timeout"));
	/*
	 * The session's clock and calendar are the API's, not the server's:
	 * timestamps in UTC, dates as ISO 8601, whatever the cluster says.
	 */
	snprintf(options, sizeof(options), "-c statement_timeout=%lld "
	    "-c TimeZone=UTC -c DateStyle=ISO,YMD",
	    config_int(db->cfg, "database", "statement_timeout"));
	keys[n] = "host";	vals[n++] = config_str(db->cfg, "database", "host");
	keys[n] = "port";	vals[n++] = port;
	keys[n] = "dbname";	vals[n++] = config_str(db->cfg, "database", "name");
	keys[n] = "user";	vals[n++] = config_str(db->cfg, "database", "user");
	keys[n] = "password";	vals[n++] = config_str(db->cfg, "database", "password");
	keys[n] = "sslmode";	vals[n++] = config_str(db->cfg, "database", "sslmode");
	keys[n] = "connect_timeout"; vals[n++] = timeout;
	keys[n] = "options";	vals[n++] = options;
	keys[n] = "application_name"; vals[n++] = "bootstack";
	keys[n] = NULL;		vals[n] = NULL;

	DB_WATCH(db, "connect");
	db->conn = PQconnectdbParams(keys, vals, 0);
	DB_WATCH(db, NULL);
	if (db->conn == NULL) {
		db_set_error(db, "out of memory", NULL);
		return (ST_NOMEM);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, "", PQerrorMessage(db->conn));
		db_disconnect(db);
		db->errors++;
		db->last_ok = 0;
		return (ST_UNAVAILABLE);
	}
	if ((st = db_prepare_all(db)) != ST_OK) {
		db_disconnect(db);
		return (st);
	}
	if (db->connects++ > 0)
		log_info("database: reconnected");
	db->err[0] = '\0';
	return (ST_OK);
}

/* See db.h. */
PGconn *
db_conn(struct db *db)
{
	return (db->conn);
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
	if (strncmp(db->sqlstate, "57", 2) == 0 ||
	    strncmp(db->sqlstate, "08", 2) == 0)
		return (ST_UNAVAILABLE);	/* shutdown, cancel, connection */
	return (ST_DB);
}

/* See db.h. */
enum st
db_run(struct db *db, const struct db_stmt *stmt, const char *const *params,
    PGresult **out)
{
	PGresult	*res;
	enum st		 st;
	int		 try;

	*out = NULL;
	for (try = 0; try < 2; try++) {
		if ((st = db_connect(db)) != ST_OK)
			return (st);
		DB_WATCH(db, stmt->name);
		res = PQexecPrepared(db->conn, stmt->name, stmt->nparams,
		    params, NULL, NULL, 0);
		DB_WATCH(db, NULL);
		st = db_result(db, res, out);
		if (st != ST_UNAVAILABLE || db->conn != NULL ||
		    !stmt->idempotent)
			return (st);
		/* The connection was lost: allow one immediate reconnect. */
		db->last_try_ms = -DB_RETRY_MS;
	}
	return (st);
}

/* See db.h. */
enum st
db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
    PGresult **out)
{
	PGresult	*res;
	enum st		 st;

	*out = NULL;
	if ((st = db_connect(db)) != ST_OK)
		return (st);
	DB_WATCH(db, "exec");
	res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	DB_WATCH(db, NULL);
	return (db_result(db, res, out));
}

/* See db.h. */
void
db_set_watch(struct db *db, void (*fn)(void *, const char *), void *arg)
{
	db->watch = fn;
	db->watch_arg = arg;
}
