/*
 * buf.c: capped growable buffer; see buf.h for the contract.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Prepares an empty buffer that will never hold more than max bytes. */
void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Frees the memory; the buffer is empty and usable again afterwards. */
void
buf_cleanup(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Empties the buffer but keeps its memory for reuse. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for need more bytes plus a NUL. */
static enum st
buf_grow(struct buf *b, size_t need)
{
	size_t	 want;
	char	*p;

	if (need > b->max - b->len)
		return (ST_TOOBIG);
	if (b->len + need + 1 <= b->cap)
		return (ST_OK);
	want = b->cap == 0 ? 256 : b->cap;
	while (want < b->len + need + 1)
		want *= 2;
	if (want > b->max + 1)
		want = b->max + 1;
	if ((p = realloc(b->data, want)) == NULL)
		return (ST_NOMEM);
	b->data = p;
	b->cap = want;
	return (ST_OK);
}

/* Appends n bytes. */
enum st
buf_add(struct buf *b, const void *p, size_t n)
{
	enum st	 st;

	if ((st = buf_grow(b, n)) != ST_OK)
		return (st);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (ST_OK);
}

/* Appends a C string. */
enum st
buf_adds(struct buf *b, const char *s)
{
	return (buf_add(b, s, strlen(s)));
}

/*
 * Appends formatted text: printed once into the room the buffer has (the
 * usual case: a header line), again only if it did not fit.
 */
enum st
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	size_t	 room = b->cap > b->len ? b->cap - b->len : 0;
	int	 n;
	enum st	 st;

	va_copy(ap2, ap);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return (ST_INTERNAL);
	}
	if ((size_t)n < room && (size_t)n <= b->max - b->len) {
		b->len += (size_t)n;
		return (ST_OK);
	}
	if (b->data != NULL)
		b->data[b->len] = '\0';	/* undo a cut text */
	if ((st = buf_grow(b, (size_t)n)) != ST_OK)
		return (st);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return (ST_OK);
}

/* printf front end of buf_vprintf. */
enum st
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	enum st	 st;

	va_start(ap, fmt);
	st = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return (st);
}

/* The contents as a C string. */
const char *
buf_str(const struct buf *b)
{
	return (b->data == NULL ? "" : b->data);
}

/* Hands the memory to the caller (NULL-terminated string, maybe NULL). */
char *
buf_steal(struct buf *b)
{
	char	*p = b->data;

	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return (p);
}
