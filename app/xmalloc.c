/*
 * xmalloc.c: allocation that logs and exits on failure; see xmalloc.h.
 *
 * The exit status is 1 (a failed run); the line goes through the logger,
 * so the daemon's JSON log and the CLI's stderr both say it.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* See xmalloc.h. */
void
xnomem(const char *what)
{
	log_errorx("out of memory: %s", what);
	exit(1);
}

/* See xmalloc.h. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL) {
		log_errorx("out of memory: xmalloc %zu bytes", size);
		exit(1);
	}
	return (p);
}

/* See xmalloc.h. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL) {
		log_errorx("out of memory: xcalloc %zu x %zu bytes", n, size);
		exit(1);
	}
	return (p);
}

/* See xmalloc.h. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = reallocarray(old, n, size)) == NULL) {
		log_errorx("out of memory: xreallocarray %zu x %zu bytes", n,
		    size);
		exit(1);
	}
	return (p);
}

/* See xmalloc.h. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xnomem("xstrdup");
	return (p);
}

/* See xmalloc.h. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		xnomem("xstrndup");
	return (p);
}

/* See xmalloc.h. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 n;

	if ((n = vasprintf(ret, fmt, ap)) < 0)
		xnomem("xasprintf");
	return (n);
}

/* See xmalloc.h. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (n);
}

/* See xmalloc.h. */
char *
xprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	(void)xvasprintf(&s, fmt, ap);
	va_end(ap);
	return (s);
}

/* See xmalloc.h. */
void *
xnonnull(void *p, const char *what)
{
	if (p == NULL)
		xnomem(what);
	return (p);
}
