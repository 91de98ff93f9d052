/*
 * jobstatus.c: cron jobs' status files; see jobstatus.h.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fs.h"
#include "jobstatus.h"
#include "jsonutil.h"

#define JOBSTATUS_MAX	(64 * 1024)

/* Formats t as RFC 3339 UTC. */
static const char *
jobstatus_time(time_t t, char *buf, size_t size)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (buf);
}

/* The status file as a JSON object, or NULL; caller json_object_put()s. */
static json_object *
jobstatus_load(const char *path)
{
	json_object	*obj = NULL;
	char		*text = NULL, *cause = NULL, err[128];
	size_t		 len;

	if (fs_read_file(path, JOBSTATUS_MAX, &text, &len, &cause) != 0) {
		free(cause);
		return (NULL);
	}
	if (jsonutil_parse(text, len, 4, &obj, err, sizeof(err)) != ST_OK ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	free(text);
	return (obj);
}

/* See jobstatus.h. */
int
jobstatus_write(const char *path, const char *job, const char *error,
    char **cause)
{
	json_object	*obj, *old, *v = NULL;
	const char	*text;
	char		 now[32];
	size_t		 len;
	int		 rc;

	*cause = NULL;
	jobstatus_time(time(NULL), now, sizeof(now));
	if ((obj = json_object_new_object()) == NULL) {
		*cause = strdup("out of memory");
		return (-1);
	}
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
	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = fs_write_atomic(path, text, len, 0644, cause);
	json_object_put(old);
	json_object_put(obj);
	return (rc);
}

/* See jobstatus.h. */
int
jobstatus_last_success(const char *path, time_t *when)
{
	json_object	*obj;
	const char	*s;
	struct tm	 tm;
	char		*end;
	int		 rc = -1;

	if ((obj = jobstatus_load(path)) == NULL)
		return (-1);
	if ((s = jsonutil_get_str(obj, "last_success")) != NULL) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (end != NULL && *end == '\0') {
			*when = timegm(&tm);
			rc = 0;
		}
	}
	json_object_put(obj);
	return (rc);
}
