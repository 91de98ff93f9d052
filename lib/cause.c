/*
 * cause.c: recording why something failed, one line, first error wins; see
 * cause.h for the rules.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"

/*
 * Makes s one line: each run of CR, LF and tab becomes one blank, and
 * trailing blanks go.
 */
static void
cause_oneline(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; r++) {
		if (*r == '\n' || *r == '\r' || *r == '\t') {
			if (w == s || w[-1] != ' ')
				*w++ = ' ';
		} else
			*w++ = *r;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* See cause.h. */
int
cause_vset(char **cause, const char *fmt, va_list ap)
{
	int	 saved = errno;

	if (cause == NULL || *cause != NULL) {
		errno = saved;
		return (-1);
	}
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	else
		cause_oneline(*cause);
	errno = saved;
	return (-1);
}

/* See cause.h. */
int
cause_set(char **cause, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)cause_vset(cause, fmt, ap);
	va_end(ap);
	return (-1);
}

/* See cause.h. */
enum st
cause_st(char **cause, enum st st, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)cause_vset(cause, fmt, ap);
	va_end(ap);
	return (st);
}

/* Joins *cause and the formatted text, text first when before is set. */
static void
cause_join(char **cause, int before, const char *fmt, va_list ap)
{
	char	*text = NULL, *s;
	int	 saved = errno, rc;

	if (cause == NULL)
		return;
	if (vasprintf(&text, fmt, ap) == -1) {
		errno = saved;
		return;
	}
	if (*cause == NULL) {
		cause_oneline(text);
		*cause = text;
		errno = saved;
		return;
	}
	if (before)
		rc = asprintf(&s, "%s: %s", text, *cause);
	else
		rc = asprintf(&s, "%s%s", *cause, text);
	free(text);
	if (rc != -1) {
		cause_oneline(s);
		free(*cause);
		*cause = s;
	}
	errno = saved;
}

/* See cause.h. */
void
cause_prefix(char **cause, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cause_join(cause, 1, fmt, ap);
	va_end(ap);
}

/* See cause.h. */
void
cause_suffix(char **cause, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cause_join(cause, 0, fmt, ap);
	va_end(ap);
}

/* See cause.h. */
void
cause_clear(char **cause)
{
	int	 saved = errno;

	if (cause != NULL) {
		free(*cause);
		*cause = NULL;
	}
	errno = saved;
}

/* See cause.h. */
const char *
cause_text(const char *cause)
{
	return (cause != NULL ? cause : "out of memory");
}
