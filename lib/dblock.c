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
 * See dblock.h. A bigint advisory key shows in pg_locks as classid (its
 * high 32 bits), objid (its low 32 bits) and objsubid 1.
 */
char *
dblock_holder(struct db *db, const char *name)
{
	const char	*params[1] = { name };
	PGresult	*res = NULL;
	char		*s = NULL;

	if (db_exec(db, "WITH k AS (SELECT hashtextextended($1, 0) AS v) "
	    "SELECT coalesce(nullif(a.application_name, ''), '?') || "
	    "' (backend pid ' || a.pid || ', since ' || "
	    "to_char(a.backend_start AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD HH24:MI:SS') || ' UTC)' "
	    "FROM k, pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
	    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
	    "AND l.classid::bigint = ((k.v >> 32) & 4294967295) "
	    "AND l.objid::bigint = (k.v & 4294967295) LIMIT 1", 1, params,
	    &res) != ST_OK)
		return (NULL);
	if (PQntuples(res) == 1)
		s = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (s);
}

/* See dblock.h. */
int
dblock_job_begin(const struct config *cfg, const char *job,
    struct dblock_job *j, char **holder, char **cause)
{
	const char	*params[1];
	PGresult	*res = NULL;
	char		 host[256], *app = NULL;
	int		 got;

	*holder = NULL;
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
		if ((*holder = dblock_holder(j->db, j->name)) == NULL)
			*holder = strdup("a session that just ended");
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

/* See dblock.h. */
void
dblock_job_end(struct dblock_job *j)
{
	if (j->held)
		dblock_release(j->db, j->name);
	db_free(j->db);
	free(j->name);
	memset(j, 0, sizeof(*j));
}
