/*
 * xmalloc.h: allocation for app/ that cannot fail (tmux's xmalloc.c).
 *
 * In the programs, running out of memory is not an error a handler or a
 * command can do anything useful about: each x* function logs one line
 * ("out of memory: xmalloc 4096 bytes") and exits, and the supervisor
 * (systemd, the master, cron) starts the program again. So the code of
 * app/ reads as its logic, with no out-of-memory branch of its own. lib/
 * never exits: it returns ST_NOMEM and app/ decides.
 */
#ifndef APP_XMALLOC_H
#define APP_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);				/* never NULL */
void	*xcalloc(size_t, size_t);			/* never NULL */
void	*xreallocarray(void *, size_t, size_t);		/* never NULL */
char	*xstrdup(const char *);				/* never NULL */
char	*xstrndup(const char *, size_t);		/* never NULL */
/* asprintf that cannot fail; returns the length. */
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* A string allocated by a format (the common use of xasprintf). */
char	*xprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * p, unless it is NULL: then out of memory is logged with what ("a
 * configuration", "a database handle") and the program exits. For lib/
 * constructors whose only failure is ENOMEM.
 */
void	*xnonnull(void *p, const char *what);
/* Logs "out of memory: what" and exits 1. */
void	 xnomem(const char *what) __attribute__((noreturn));

#endif
