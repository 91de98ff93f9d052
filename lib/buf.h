/*
 * buf.h: a growable byte buffer with a hard size cap (curl's dynbuf).
 *
 * Every buffer that holds outside input (request bodies, provider and ACME
 * replies) has a cap; appending past it fails with ST_TOOBIG and leaves the
 * buffer as it was. The data is always NUL-terminated, so it can be used as
 * a C string when it holds text.
 */
#ifndef LIB_BUF_H
#define LIB_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "st.h"

struct buf {
	char	*data;		/* owned; NULL until the first append */
	size_t	 len;		/* bytes used, without the terminating NUL */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* cap on len */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_cleanup(struct buf *);		/* frees; safe twice */
void	 buf_reset(struct buf *);		/* len = 0, keeps memory */
enum st	 buf_add(struct buf *, const void *, size_t);
enum st	 buf_adds(struct buf *, const char *);
enum st	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
enum st	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
const char *buf_str(const struct buf *);	/* borrowed; "" when empty */
char	*buf_steal(struct buf *);		/* caller frees; buf is reset */

#endif
