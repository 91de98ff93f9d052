/*
 * dblock.h: named PostgreSQL session advisory locks, the one way hosts
 * that share a database take turns. Two users: the provider account of
 * [dns] lock = database (lib/dns, waited for), and the jobs that run once
 * per deployment ([database] job_lock = database: cert renew, dns sync,
 * report; a run that finds the job held exits 0 and names the holder).
 *
 * The key is hashtextextended(NAME, 0): the same on every host, naming no
 * secret. A lock belongs to the session: a crashed run releases it when
 * its connection ends. On a standby each server has its own locks, so
 * point [database] at the primary (target_session_attrs=read-write).
 */
#ifndef LIB_DBLOCK_H
#define LIB_DBLOCK_H

#include "st.h"

struct config;
struct db;

/* Tries the lock name once: *got 1 if this session now holds it. */
enum st	dblock_try(struct db *, const char *name, int *got, char **cause);
/* Releases name (a failure drops the connection, which releases it). */
void	dblock_release(struct db *, const char *name);
/*
 * Who holds name, as "APPLICATION_NAME (backend pid N, since TIME)";
 * caller frees; NULL when nobody does or it cannot be read.
 */
char	*dblock_holder(struct db *, const char *name);

/* A job's lock, begun by dblock_job_begin(). */
struct dblock_job {
	struct db	*db;		/* NULL: [database] job_lock = local */
	char		*name;		/* "bootstack job cert renew" */
	char		*holder;	/* begin returned 1: who holds it */
	int		 held;
};

/*
 * With [database] job_lock = database, takes the lock of job ("cert
 * renew") without waiting, and names this session "bootstack JOB on
 * HOST pid PID" (application_name) for whoever finds it held. 0: go on
 * (held, or job_lock = local); 1: another session holds it, j->holder says
 * which; -1 with *cause. dblock_job_end() in every case.
 */
int	dblock_job_begin(const struct config *, const char *job,
	    struct dblock_job *, char **cause);
/*
 * Whether the job still holds its lock: the lock belongs to the session,
 * and a session ends with its connection (PostgreSQL restarted, the
 * backend terminated, the network gone) without the job hearing of it.
 * Call before each write the lock protects. 0: held (or job_lock =
 * local); -1 with *cause naming the lost lock.
 */
int	dblock_job_check(struct dblock_job *, char **cause);
void	dblock_job_end(struct dblock_job *);

#endif
