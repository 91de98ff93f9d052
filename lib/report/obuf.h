/*
 * obuf.h: sticky-failure appends to a struct buf, for the report's
 * generated texts (state, JSON, HTML): after the first append that fails
 * (out of memory, or past the cap) every later one fails too, so a text
 * is either whole or refused, never silently short.
 */
#ifndef LIB_REPORT_OBUF_H
#define LIB_REPORT_OBUF_H

#include <stdarg.h>
#include <string.h>

#include "buf.h"

/* Makes every later append to b fail once st is a failure. */
static inline void
ob_check(struct buf *b, enum st st)
{
	if (st != ST_OK)
		b->max = 0;
}

/* buf_add, sticky. */
static inline void
ob_add(struct buf *b, const void *p, size_t n)
{
	ob_check(b, b->max == 0 ? ST_TOOBIG : buf_add(b, p, n));
}

/* buf_adds, sticky. */
static inline void
ob_adds(struct buf *b, const char *s)
{
	ob_add(b, s, strlen(s));
}

/* buf_printf, sticky. */
static inline void ob_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static inline void
ob_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;

	if (b->max == 0)
		return;
	va_start(ap, fmt);
	ob_check(b, buf_vprintf(b, fmt, ap));
	va_end(ap);
}

/* The text (caller frees), or NULL when an append failed. */
static inline char *
ob_finish(struct buf *b)
{
	if (b->max == 0 || b->data == NULL) {
		buf_cleanup(b);
		return (NULL);
	}
	return (buf_steal(b));
}

#endif
