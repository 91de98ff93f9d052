/*
 * cause.h: the one convention for recoverable errors (tmux's char **cause).
 *
 * A function that can fail takes `char **cause`. On failure it sets *cause
 * to one line of text that says what failed and why; the caller frees it
 * (and prints it once, at the boundary). The rules, the same everywhere:
 *
 *   - The first error wins: cause_set() leaves a cause that is already set
 *     alone, so the root cause is never overwritten by a consequence of it.
 *     Context is added around it with cause_prefix() / cause_suffix().
 *   - errno is kept: the helpers save and restore it, so a caller may still
 *     look at errno after recording why.
 *   - One line: line breaks and tabs in the text (libpq's messages hold
 *     them) become one blank each run; trailing blanks are dropped.
 *   - printf-checked formats.
 *   - A NULL cause (a caller that does not care) is allowed everywhere.
 *   - When memory runs out, *cause stays NULL; cause_text() prints that
 *     case as "out of memory".
 *
 * The HTTP side records detail on the request instead (http_fail()).
 */
#ifndef LIB_CAUSE_H
#define LIB_CAUSE_H

#include <stdarg.h>

#include "st.h"

/* Sets *cause (unless already set) from the format; returns -1. */
int	 cause_set(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same, returning st: "return (cause_st(cause, ST_IO, ...))". */
enum st	 cause_st(char **cause, enum st st, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* va_list form of cause_set; returns -1. */
int	 cause_vset(char **cause, const char *fmt, va_list)
	    __attribute__((format(printf, 2, 0)));
/*
 * Puts "TEXT: " before *cause (TEXT from the format); with no cause set,
 * TEXT alone becomes the cause. On ENOMEM the cause stays as it was.
 */
void	 cause_prefix(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends TEXT to *cause (or sets it); on ENOMEM it stays as it was. */
void	 cause_suffix(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Frees *cause and sets it to NULL (forgetting an error handled here). */
void	 cause_clear(char **cause);
/* cause for printing: "out of memory" when it is NULL. Never NULL. */
const char *cause_text(const char *cause);

#endif
