/*
 * jobstatus.h: the status file a cron job leaves behind, for alerting.
 *
 * One small JSON object per job, written atomically after every run:
 *   {"job": "report", "result": "ok" | "failed" | "skipped",
 *    "error": null | "...", "held_by": null | "...",
 *    "last_attempt": "2026-11-26T17:00:00Z", "last_success": "..." | null,
 *    "last_skipped": "..." | null}
 * last_success (and last_skipped) are carried over from the previous file,
 * so `bootstack alert check` (kind stale_job) can tell a job that runs but
 * keeps failing from one that succeeds. A run that found the job's lock
 * held by another host ([database] job_lock = database) is "skipped", with
 * held_by naming the holder: the holder is doing the work, and its own
 * status file (and stale_job rule) watches that run, so a skip counts as
 * fresh (docs/scale-out.md). `bootstack cert renew` writes a richer file of
 * the same shape per certificate (docs/certificates.md).
 */
#ifndef LIB_JOBSTATUS_H
#define LIB_JOBSTATUS_H

#include <time.h>

/*
 * Records one run of job in path. error is NULL on success. Returns 0, or
 * -1 with *cause (caller frees).
 */
int	jobstatus_write(const char *path, const char *job, const char *error,
	    char **cause);
/*
 * Records a run of job in path that did nothing because holder (another
 * host's run, as dblock_job_begin() names it) held the job's lock.
 */
int	jobstatus_write_skipped(const char *path, const char *job,
	    const char *holder, char **cause);
/*
 * Reads the later of last_success and last_skipped from a status file of
 * this shape: 0 with *when (and *held_by, caller frees, when the later is
 * a skip; else NULL), or -1 if the file is missing, is not such a file, or
 * never recorded either.
 */
int	jobstatus_last_fresh(const char *path, time_t *when, char **held_by);

#endif
