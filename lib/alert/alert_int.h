/*
 * alert_int.h: what the files of lib/alert/ share and nobody else sees (the
 * public contract is lib/alert.h).
 */
#ifndef LIB_ALERT_ALERT_INT_H
#define LIB_ALERT_ALERT_INT_H

#define ALERT_MAX_STATUS	(1024 * 1024)	/* bytes of a status file */

/* --- alert_rule.c ------------------------------------------------------ */
/*
 * Makes a one-line summary from printf arguments: control characters
 * become blanks (runs of blanks one), invalid UTF-8 becomes '?', and it is
 * cut at ALERT_MAX_SUMMARY bytes (on a character boundary). Caller frees.
 */
char	*alert_summary(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
