/*
 * jobstatus.h: the status file a cron job leaves behind, for alerting.
 *
 * One small JSON object per job, written atomically after every run:
 *   {"job": "report", "result": "ok" | "failed", "error": null | "...",
 *    "last_attempt": "2026-11-26T17:00:00Z", "last_success": "..." | null}
 * last_success is carried over from the previous file when a run fails, so
 * `bootstack alert check` (kind stale_job) can tell a job that runs but
 * keeps failing from one that succeeds. `bootstack cert renew` writes a
 * richer file of the same shape per certificate (docs/certificates.md).
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
 * Reads last_success from a status file of this shape: 0 with *when, or -1
 * if the file is missing, is not such a file, or never recorded a success.
 */
int	jobstatus_last_success(const char *path, time_t *when);

#endif
