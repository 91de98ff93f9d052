/*
 * dblock.c: named PostgreSQL session advisory locks (dblock.h): try,
 * release, name the holder (pg_locks joined with pg_stat_activity), and
 * the once-per-deployment lock of a job.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cause.h"
#include "config.h"
#include "db.h"
#include "dblock.h"

/* See dblock.h. */
enum st
dblock_try(struct db *db, const char *name, int *got, char **cause)
{
	const char	*params[1] = { name };
	PGresult	*res = NULL;
	enum st		 st;

	*got = 0;
	if ((st = db_connect(db)) != ST_OK) {
		cause_set(cause, "cannot reach the database for the lock "
		    "'%s': %s", name, db_error(db));
		return (st);
	}
	if ((st = db_exec(db, "SELECT pg_try_advisory_lock("
	    "hashtextextended($1, 0))", 1, params, &res)) != ST_OK) {
		cause_set(cause, "cannot take the lock '%s': %s", name,
		    db_error(db));
		return (st);
	}
	*got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (ST_OK);
}

/* See dblock.h. */
void
dblock_release(struct db *db, const char *name)
{
	const char	*params[1] = { name };
	PGresult	*res = NULL;

	if (db_exec(db, "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
	    1, params, &res) == ST_OK)
		PQclear(res);
	else
		db_disconnect(db);	/* the session's end releases it */
}

/*
 * The pg_locks rows (l) of the granted lock of key k.v: a bigint advisory
 * key shows as classid (its high 32 bits), objid (its low 32 bits) and
 * objsubid 1.
 */
#define DBLOCK_KEY_SQL	"WITH k AS (SELECT hashtextextended($1, 0) AS v) "
#define DBLOCK_GRANTED_SQL						\
	"l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "	\
	"AND l.classid::bigint = ((k.v >> 32) & 4294967295) "		\
	"AND l.objid::bigint = (k.v & 4294967295)"

/* See dblock.h. */
char *
dblock_holder(struct db *db, const char *name)
{
	const char	*params[1] = { name };
	PGresult	*res = NULL;
	char		*s = NULL;

	if (db_exec(db, DBLOCK_KEY_SQL
	    "SELECT coalesce(nullif(a.application_name, ''), '?') || "
	    "' (backend pid ' || a.pid || ', since ' || "
	    "to_char(a.backend_start AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI:SS') || ' UTC)' "
	    "FROM k, pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
	    "WHERE " DBLOCK_GRANTED_SQL " LIMIT 1", 1, params, &res) != ST_OK)
		return (NULL);
	if (PQntuples(res) == 1)
		s = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (s);
}

/* See dblock.h. */
int
dblock_job_begin(const struct config *cfg, const char *job,
    struct dblock_job *j, char **cause)
{
	const char	*params[1];
	PGresult	*res = NULL;
	char		 host[256], *app = NULL;
	int		 got;

	memset(j, 0, sizeof(*j));
	if (strcmp(config_str(cfg, "database", "job_lock"), "database") != 0)
		return (0);
	if ((j->db = db_new(cfg, NULL)) == NULL ||
	    asprintf(&j->name, "bootstack job %s", job) == -1) {
		j->name = NULL;
		return (cause_set(cause, "out of memory"));
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	if (dblock_try(j->db, j->name, &got, cause) != ST_OK)
		return (-1);
	if (!got) {
		if ((j->holder = dblock_holder(j->db, j->name)) == NULL)
			j->holder = strdup("a session that just ended");
		if (j->holder == NULL)
			return (cause_set(cause, "out of memory"));
		return (1);
	}
	j->held = 1;
	/* Named only once it holds the lock: the holder is who works. */
	if (asprintf(&app, "bootstack %s on %s pid %ld", job, host,
	    (long)getpid()) == -1)
		return (0);
	params[0] = app;
	if (db_exec(j->db, "SELECT set_config('application_name', $1, false)",
	    1, params, &res) == ST_OK)
		PQclear(res);
	free(app);
	return (0);
}

/*
 * See dblock.h. Asks pg_locks whether this very session (pg_backend_pid():
 * a reconnected one is another session) holds the lock; a query that fails
 * means the session is gone.
 */
int
dblock_job_check(struct dblock_job *j, char **cause)
{
	const char	*params[1];
	PGresult	*res = NULL;
	int		 held;

	if (j->db == NULL)
		return (0);
	params[0] = j->name;
	if (j->held && db_exec(j->db, DBLOCK_KEY_SQL "SELECT count(*) "
	    "FROM k, pg_locks l WHERE l.pid = pg_backend_pid() AND "
	    DBLOCK_GRANTED_SQL, 1, params, &res) != ST_OK) {
		j->held = 0;
		return (cause_set(cause, "lost the job's lock '%s' in the "
		    "database: its session ended (%s); stopped before "
		    "writing", j->name, db_error(j->db)));
	}
	held = j->held && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	if (!held) {
		j->held = 0;
		return (cause_set(cause, "lost the job's lock '%s' in the "
		    "database: its session ended, and the connection now "
		    "open is another session, which does not hold it; "
		    "stopped before writing", j->name));
	}
	return (0);
}

/* See dblock.h. */
void
dblock_job_end(struct dblock_job *j)
{
	if (j->held)
		dblock_release(j->db, j->name);
	db_free(j->db);
	free(j->name);
	free(j->holder);
	memset(j, 0, sizeof(*j));
}
