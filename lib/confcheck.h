/*
 * confcheck.h: `bootstack check-config`'s second half: after the file
 * loaded (lib/config.h: types and bounds of every key), every check a
 * command would run later on the values, so an error shows before the
 * night's cron job meets it.
 *
 * One validation per key, shared: a row of the table in confcheck.c names
 * a key and the function that judges its value, and the command that uses
 * the key calls that same function (nginx_check_listen() in nginx render,
 * alert_check_command() in alert check, ...). Sections whose rules span
 * keys (a [cert NAME]'s names, an [alert NAME]'s kind and threshold, the
 * [site] names, the [dns_record NAME] sections) are checked by running the
 * loader the command runs, once per section instance. Each error becomes
 * one line "FILE:LINE: [section] key: what is wrong, what is allowed",
 * the line being where the key was set (or the section header when the key
 * is missing).
 *
 * To add a check: write `int check(const char *value, char **why)` in the
 * module that uses the key, call it there, and add a row here.
 */
#ifndef LIB_CONFCHECK_H
#define LIB_CONFCHECK_H

struct config;
struct config_errors;

/* Judges one value: 0, or -1 with *why (caller frees) "'x' is not ...". */
typedef int confcheck_fn(const char *value, char **why);

struct confcheck_key {
	const char	*section;	/* "nginx"; a multi section: each instance */
	const char	*key;		/* "listen_https" */
	confcheck_fn	*check;		/* run when the key is set */
};

extern const struct confcheck_key confcheck_keys[];	/* NULL-ended */

/*
 * Runs every check on cfg (loaded), appending one line per error to errs.
 * Returns the number of errors appended.
 */
long	confcheck_run(const struct config *, struct config_errors *errs);

/* Generic value checks used by the table (and by tests). */
int	confcheck_url(const char *value, char **why);	/* http(s)://HOST... */
int	confcheck_https_url(const char *value, char **why);
int	confcheck_abs_path(const char *value, char **why);

#endif
