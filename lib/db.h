/*
 * db.h: one persistent PostgreSQL connection (libpq) per process.
 *
 * The connection is opened lazily and re-opened after a failure; while the
 * server is unreachable every call returns ST_UNAVAILABLE at once (a retry is
 * attempted at most once per second), so the API answers 503 + Retry-After
 * and recovers by itself. Statements used on hot paths are declared once as
 * struct db_stmt and prepared on each new connection. Parameters always go
 * separately from the SQL text (PQexecParams/PQexecPrepared).
 */
#ifndef LIB_DB_H
#define LIB_DB_H

#include <libpq-fe.h>

#include "st.h"

struct config;

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
void		 db_free(struct db *);			/* NULL-safe; closes */
/* Connects now if not connected. ST_UNAVAILABLE when the server is down. */
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
 * Runs a prepared statement (or, for db_exec, a parameterised text). On
 * ST_OK *res holds a result the caller PQclear()s; on failure *res is NULL
 * and db_error() tells why. A lost connection gives ST_UNAVAILABLE (an
 * idempotent statement is retried once on a fresh connection first); a
 * statement error gives ST_DB, or ST_CONFLICT for a unique violation.
 */
enum st		 db_run(struct db *, const struct db_stmt *,
		    const char *const *params, PGresult **res);
enum st		 db_exec(struct db *, const char *sql, int nparams,
		    const char *const *params, PGresult **res);
/* The SQLSTATE of the last failed statement, "" if none. */
const char	*db_sqlstate(const struct db *);

#endif
