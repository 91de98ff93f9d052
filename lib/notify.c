/*
 * notify.c: sd_notify(3) for the daemon; see notify.h.
 *
 * The one wrapper around libsystemd. The environment is kept (unset_env
 * 0): the master sends every message, and its workers, forked with the
 * same environment, never call these. The text of STATUS= is cut to one
 * line of NOTIFY_STATUS_MAX bytes.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "notify.h"

#define NOTIFY_STATUS_MAX	256

/* Sends head (e.g. "READY=1\n") followed by STATUS=fmt... */
static void
notify_send(const char *head, const char *fmt, va_list ap)
{
	char	 status[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 128];

	vsnprintf(status, sizeof(status), fmt, ap);
	status[strcspn(status, "\n")] = '\0';
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", head, status);
	(void)sd_notify(0, msg);
}

/* See notify.h. */
void
notify_ready(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	notify_send("READY=1\n", fmt, ap);
	va_end(ap);
}

/* See notify.h. */
void
notify_reloading(const char *fmt, ...)
{
	char	 head[96];
	va_list	 ap;

	/* CLOCK_MONOTONIC, as systemd reads MONOTONIC_USEC */
	snprintf(head, sizeof(head), "RELOADING=1\nMONOTONIC_USEC=%lld\n",
	    clock_us());
	va_start(ap, fmt);
	notify_send(head, fmt, ap);
	va_end(ap);
}

/* See notify.h. */
void
notify_stopping(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	notify_send("STOPPING=1\n", fmt, ap);
	va_end(ap);
}

/* See notify.h. */
void
notify_status(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	notify_send("", fmt, ap);
	va_end(ap);
}
