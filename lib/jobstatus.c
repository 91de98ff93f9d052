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

/* See jobstatus.h. */
int
jobstatus_write(const char *path, const char *job, const char *error,
    char **cause)
{
	json_object	*obj, *old, *v = NULL;
	char		 now[CLOCK_RFC3339_LEN];
	int		 rc;

	*cause = NULL;
	clock_rfc3339_fmt(time(NULL), now, sizeof(now));
	if ((obj = json_object_new_object()) == NULL)
		return (cause_set(cause, "out of memory"));
	old = error != NULL ? jobstatus_load(path) : NULL;
	if (old != NULL)
		json_object_object_get_ex(old, "last_success", &v);
	json_object_object_add(obj, "job", json_object_new_string(job));
	json_object_object_add(obj, "result",
	    json_object_new_string(error == NULL ? "ok" : "failed"));
	json_object_object_add(obj, "error",
	    error != NULL ? json_object_new_string(error) : NULL);
	json_object_object_add(obj, "last_attempt", json_object_new_string(now));
	json_object_object_add(obj, "last_success", error == NULL ?
	    json_object_new_string(now) : json_object_get(v));
	rc = jsonutil_save_file(path, obj, 0644, cause);
	json_object_put(old);
	json_object_put(obj);
	return (rc);
}

/* See jobstatus.h. */
int
jobstatus_last_success(const char *path, time_t *when)
{
	json_object	*obj;
	int		 rc;

	if ((obj = jobstatus_load(path)) == NULL)
		return (-1);
	rc = clock_rfc3339_parse(jsonutil_get_str(obj, "last_success"), when);
	json_object_put(obj);
	return (rc);
}
