/*
 * site.c: the names of [site]; see site.h for the rule.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "config.h"
#include "site.h"

/* See site.h. */
int
site_host_ok(char *s, size_t len)
{
	size_t	 i, label = 0;

	if (len == 0 || len > 253)
		return (0);
	for (i = 0; i < len; i++) {
		s[i] = (char)tolower((unsigned char)s[i]);
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return (0);
		if (s[i] == '-' && label == 0)
			return (0);
		if (++label > 63)
			return (0);
	}
	return (label > 0 && s[len - 1] != '-');
}

/* See site.h. */
void
site_cleanup(struct site *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Appends name (taken) from key; refuses a repeat. 0, or -1 with *cause. */
static int
site_add(struct site *s, char *name, const char *key, char **cause)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0) {
			cause_set(cause, "[site] %s: %s is named twice", key,
			    name);
			free(name);
			return (-1);
		}
	if (s->n == SITE_MAX_NAMES) {
		free(name);
		return (cause_set(cause, "[site] %s: more than %d names", key,
		    SITE_MAX_NAMES));
	}
	if (s->v == NULL &&
	    (s->v = calloc(SITE_MAX_NAMES, sizeof(*s->v))) == NULL) {
		free(name);
		return (cause_set(cause, "out of memory"));
	}
	s->v[s->n].name = name;
	s->v[s->n++].key = key;
	return (0);
}

/* See site.h. */
int
site_load(const struct config *cfg, struct site *s, char **cause)
{
	static const char *const keys[] = { "subdomains", "aliases" };
	const char	*v, *w;
	char		*name;
	size_t		 len, k;

	memset(s, 0, sizeof(*s));
	if ((v = config_str(cfg, "site", "domain")) == NULL || *v == '\0')
		return (0);
	if ((name = strdup(v)) == NULL)
		return (cause_set(cause, "out of memory"));
	if (!site_host_ok(name, strlen(name))) {
		free(name);
		return (cause_set(cause, "[site] domain: '%s' is not a host "
		    "name", v));
	}
	if (site_add(s, name, "domain", cause) != 0)
		goto fail;
	s->domain = s->v[0].name;
	for (k = 0; k < 2; k++) {
		if (k == 1 && config_bool(cfg, "site", "wildcard")) {
			if (asprintf(&name, "*.%s", s->domain) == -1) {
				cause_set(cause, "out of memory");
				goto fail;
			}
			if (site_add(s, name, "wildcard", cause) != 0)
				goto fail;
		}
		if ((v = config_str(cfg, "site", keys[k])) == NULL)
			continue;
		for (w = v;;) {
			w += strspn(w, SITE_SEPARATORS);
			if (*w == '\0')
				break;
			len = strcspn(w, SITE_SEPARATORS);
			if (k == 0) {
				if (asprintf(&name, "%.*s.%s", (int)len, w,
				    s->domain) == -1)
					name = NULL;
			} else
				name = strndup(w, len);
			if (name == NULL) {
				cause_set(cause, "out of memory");
				goto fail;
			}
			if (!site_host_ok(name, strlen(name))) {
				cause_set(cause, "[site] %s: '%.*s' is not a "
				    "host name%s", keys[k], (int)len, w,
				    k == 0 ? " label" : "");
				free(name);
				goto fail;
			}
			if (site_add(s, name, keys[k], cause) != 0)
				goto fail;
			w += len;
		}
	}
	return (0);
fail:
	site_cleanup(s);
	return (-1);
}
