/*
 * jobstatus.c: cron jobs' status files; see jobstatus.h.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cause.h"
#include "clock.h"
#include "jobstatus.h"
#include "jsonutil.h"

#define JOBSTATUS_MAX	(64 * 1024)

/* The status file as a JSON object, or NULL; caller json_object_put()s. */
static json_object *
jobstatus_load(const char *path)
{
	json_object	*obj;

	(void)jsonutil_load_file(path, JOBSTATUS_MAX, 4, JSONUTIL_OBJECT, &obj,
	    NULL);
	return (obj);
}

/*
 * Adds key to obj: now when this run is of that kind, else the old file's
 * value (or null).
 */
static void
jobstatus_carry(json_object *obj, json_object *old, const char *key,
    int this_run, const char *now)
{
	json_object	*v = NULL;

	if (this_run) {
		json_object_object_add(obj, key, json_object_new_string(now));
		return;
	}
	if (old != NULL)
		json_object_object_get_ex(old, key, &v);
	json_object_object_add(obj, key, json_object_get(v));
}

/* Writes one run's file: result "ok", "failed" (error) or "skipped". */
static int
jobstatus_save(const char *path, const char *job, const char *result,
    const char *error, const char *holder, char **cause)
{
	json_object	*obj, *old;
	char		 now[CLOCK_RFC3339_LEN];
	int		 rc;

	*cause = NULL;
	clock_rfc3339_fmt(time(NULL), now, sizeof(now));
	if ((obj = json_object_new_object()) == NULL)
		return (cause_set(cause, "out of memory"));
	old = jobstatus_load(path);
	json_object_object_add(obj, "job", json_object_new_string(job));
	json_object_object_add(obj, "result", json_object_new_string(result));
	json_object_object_add(obj, "error",
	    error != NULL ? json_object_new_string(error) : NULL);
	json_object_object_add(obj, "held_by",
	    holder != NULL ? json_object_new_string(holder) : NULL);
	json_object_object_add(obj, "last_attempt", json_object_new_string(now));
	jobstatus_carry(obj, old, "last_success", strcmp(result, "ok") == 0,
	    now);
	jobstatus_carry(obj, old, "last_skipped",
	    strcmp(result, "skipped") == 0, now);
	rc = jsonutil_save_file(path, obj, 0644, cause);
	json_object_put(old);
	json_object_put(obj);
	return (rc);
}

/* See jobstatus.h. */
int
jobstatus_write(const char *path, const char *job, const char *error,
    char **cause)
{
	return (jobstatus_save(path, job, error == NULL ? "ok" : "failed",
	    error, NULL, cause));
}

/* See jobstatus.h. */
int
jobstatus_write_skipped(const char *path, const char *job,
    const char *holder, char **cause)
{
	return (jobstatus_save(path, job, "skipped", NULL, holder, cause));
}

/* See jobstatus.h. */
int
jobstatus_last_fresh(const char *path, time_t *when, char **held_by)
{
	json_object	*obj;
	const char	*h;
	time_t		 ok, skip;
	int		 have_ok, have_skip;

	*held_by = NULL;
	if ((obj = jobstatus_load(path)) == NULL)
		return (-1);
	have_ok = clock_rfc3339_parse(jsonutil_get_str(obj, "last_success"),
	    &ok) == 0;
	have_skip = clock_rfc3339_parse(jsonutil_get_str(obj, "last_skipped"),
	    &skip) == 0;
	if (have_skip && (!have_ok || skip > ok)) {
		*when = skip;
		h = jsonutil_get_str(obj, "held_by");
		*held_by = strdup(h != NULL ? h : "another host");
	} else if (have_ok)
		*when = ok;
	json_object_put(obj);
	return (have_ok || have_skip ? 0 : -1);
}
