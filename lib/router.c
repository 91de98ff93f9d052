/*
 * router.c: linear, segment-wise route matching; see router.h.
 *
 * Tables are small (tens of rows), so a scan beats any index here and keeps
 * the order of the table meaningful: the first match wins, so put literal
 * routes before parameterised ones that could shadow them.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "router.h"

/* Matches one pattern against a path; fills params on success. */
static int
router_try(const char *pat, const char *path, struct router_match *m)
{
	const char	*pe, *se;
	size_t		 pl, sl;

	m->nparams = 0;
	for (;;) {
		if (*pat != '/' || *path != '/')
			return (*pat == '\0' && *path == '\0');
		pat++;
		path++;
		pe = strchr(pat, '/');
		pl = pe == NULL ? strlen(pat) : (size_t)(pe - pat);
		se = strchr(path, '/');
		sl = se == NULL ? strlen(path) : (size_t)(se - path);
		if (pl >= 2 && pat[0] == '{' && pat[pl - 1] == '}') {
			if (sl == 0 || m->nparams == ROUTER_MAX_PARAMS)
				return (0);
			m->params[m->nparams].name = pat + 1;
			m->params[m->nparams].namelen = pl - 2;
			m->params[m->nparams].value = path;
			m->params[m->nparams].valuelen = sl;
			m->nparams++;
		} else if (pl != sl || strncmp(pat, path, pl) != 0)
			return (0);
		pat += pl;
		path += sl;
	}
}

/*
 * Appends a method to the Allow text unless already there. A method that
 * does not fit whole is left out: a cut name ("GET, HEA") would be a lie.
 */
static void
router_allow_add(char *allow, size_t len, const char *method)
{
	size_t		 ml = strlen(method), al = strlen(allow);
	const char	*p;

	for (p = allow; (p = strstr(p, method)) != NULL; p += ml)
		if ((p == allow || p[-1] == ' ') &&
		    (p[ml] == ',' || p[ml] == '\0'))
			return;
	if (al + (al > 0 ? 2 : 0) + ml >= len)
		return;
	snprintf(allow + al, len - al, "%s%s", al > 0 ? ", " : "", method);
}

/* See router.h. */
enum router_result
router_match(const struct route *table, size_t n, const char *method,
    const char *path, struct router_match *m, char *allow, size_t allowlen)
{
	struct router_match	 tmp;
	int			 path_known = 0;
	size_t			 i;

	if (allowlen > 0)
		allow[0] = '\0';
	m->route = NULL;
	m->nparams = 0;
	for (i = 0; i < n; i++) {
		if (!router_try(table[i].pattern, path, &tmp))
			continue;
		if (strcmp(table[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(table[i].method, "GET") == 0)) {
			*m = tmp;
			m->route = &table[i];
			return (ROUTER_FOUND);
		}
		path_known = 1;
		if (allowlen > 0) {
			router_allow_add(allow, allowlen, table[i].method);
			if (strcmp(table[i].method, "GET") == 0)
				router_allow_add(allow, allowlen, "HEAD");
		}
	}
	return (path_known ? ROUTER_METHOD : ROUTER_NOTFOUND);
}

/* See router.h. */
int
router_param(const struct router_match *m, const char *name, char *dst,
    size_t size)
{
	size_t	 i, nl = strlen(name);

	for (i = 0; i < m->nparams; i++) {
		if (m->params[i].namelen != nl ||
		    strncmp(m->params[i].name, name, nl) != 0)
			continue;
		if (m->params[i].valuelen >= size)
			return (-1);
		memcpy(dst, m->params[i].value, m->params[i].valuelen);
		dst[m->params[i].valuelen] = '\0';
		return (0);
	}
	return (-1);
}
