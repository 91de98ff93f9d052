/*
 * notify.h: the service manager's notification protocol (sd_notify(3),
 * libsystemd), for a Type=notify unit: READY=1 once the daemon serves,
 * RELOADING=1 with MONOTONIC_USEC when a reload begins (so `systemctl
 * reload` can wait for the READY=1 that ends it), STOPPING=1, and a
 * STATUS= line that `systemctl status` shows.
 *
 * Outside systemd ($NOTIFY_SOCKET unset) every call does nothing. Errors
 * are not the caller's concern: a lost notification costs the manager's
 * view, never the service.
 */
#ifndef LIB_NOTIFY_H
#define LIB_NOTIFY_H

/* READY=1 and STATUS=text (formatted). */
void	notify_ready(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* RELOADING=1, MONOTONIC_USEC=now and STATUS=text. */
void	notify_reloading(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* STOPPING=1 and STATUS=text. */
void	notify_stopping(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* STATUS=text alone. */
void	notify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
