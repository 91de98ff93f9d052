/*
 * confenv.c: picks the configuration file: -c FILE, an environment name
 * (--env NAME or $BOOTSTACK_ENV) mapped to DIR/NAME.conf, or the default.
 *
 * Kept apart from config.c because it is about which file, not what is in
 * it; both programs call it before config_load(). Caveat: the check that
 * the file exists is only there to give a clear error for a mistyped name;
 * config_load() still reports a file that cannot be read.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cause.h"
#include "confenv.h"

/* See confenv.h. */
int
confenv_name_ok(const char *name)
{
	size_t	 i, len;

	if (name == NULL || (len = strlen(name)) == 0 || len > CONFENV_NAME_MAX)
		return (0);
	if (name[0] == '-' || name[0] == '_')
		return (0);
	for (i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]) ==
		    NULL)
			return (0);
	return (1);
}

/* Compares two strings for qsort(). */
static int
confenv_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * The environments dir holds, as ", "-separated names in order, or "none";
 * caller frees. NULL when out of memory.
 */
static char *
confenv_list(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*names[64], *out = NULL, *next;
	size_t		 n = 0, i, len;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL && n < 64) {
			len = strlen(de->d_name);
			if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
				continue;
			if ((names[n] = strndup(de->d_name, len - 5)) == NULL)
				break;
			if (confenv_name_ok(names[n]))
				n++;
			else
				free(names[n]);
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), confenv_cmp);
	for (i = 0; i < n; i++) {
		if (asprintf(&next, "%s%s%s", out != NULL ? out : "",
		    out != NULL ? ", " : "", names[i]) == -1)
			next = NULL;
		free(out);
		out = next;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (n == 0)
		out = strdup("none");
	return (out);
}

/* See confenv.h. */
char *
confenv_path(const char *file, const char *env, const char *dir, char **cause)
{
	struct stat	 sb;
	const char	*from = "--env";
	char		*path = NULL, *list;

	*cause = NULL;
	if (file == NULL && env == NULL && (file = getenv("BOOTSTACK_CONF")) != NULL &&
	    file[0] == '\0')
		file = NULL;
	if (file != NULL)
		return (strdup(file));
	if (env == NULL) {
		from = "BOOTSTACK_ENV";
		if ((env = getenv("BOOTSTACK_ENV")) != NULL && env[0] == '\0')
			env = NULL;
	}
	if (getenv("BOOTSTACK_CONF_DIR") != NULL &&
	    getenv("BOOTSTACK_CONF_DIR")[0] != '\0')
		dir = getenv("BOOTSTACK_CONF_DIR");
	if (env == NULL) {
		if (asprintf(&path, "%s/bootstack.conf", dir) == -1)
			return (NULL);
		return (path);
	}
	if (!confenv_name_ok(env)) {
		cause_set(cause, "%s: bad environment name '%s' (1 to %d "
		    "of a-z, 0-9, '_' and '-', not starting with '_' or '-')",
		    from, env, CONFENV_NAME_MAX);
		return (NULL);
	}
	if (asprintf(&path, "%s/%s.conf", dir, env) == -1)
		return (NULL);
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		list = confenv_list(dir);
		cause_set(cause, "unknown environment '%s' (%s): %s does "
		    "not exist; environments in %s: %s", env, from, path, dir,
		    list != NULL ? list : "?");
		free(list);
		free(path);
		return (NULL);
	}
	return (path);
}
