/*
 * confenv.h: which configuration file a program loads, and environments.
 *
 * An environment is a name ("staging", "production") for one configuration
 * file, DIR/NAME.conf, where DIR is $BOOTSTACK_CONF_DIR or the build's
 * $(sysconfdir)/bootstack. Both programs take --env NAME; cron jobs and
 * systemd units set BOOTSTACK_ENV instead. See docs/environments.md.
 *
 * The order, first match wins (the command line beats the environment, a
 * file beats a name):
 *
 *	-c FILE,  --env NAME,  $BOOTSTACK_CONF,  $BOOTSTACK_ENV,  DIR/bootstack.conf
 *
 * A name is 1 to 32 of [a-z0-9_-], starting with a letter or a digit, so it
 * can never climb out of DIR. A name with no file is an error that lists the
 * environments DIR holds, rather than a silent fall back to the default.
 */
#ifndef LIB_CONFENV_H
#define LIB_CONFENV_H

#define CONFENV_NAME_MAX	32

/* 1 if name is a valid environment name, else 0. */
int	 confenv_name_ok(const char *name);
/*
 * The configuration file to load, from file (-c; NULL if not given), env
 * (--env; NULL if not given), the environment variables and dir (the
 * default folder). Returns the path (caller frees), or NULL with *cause set
 * (caller frees; NULL when out of memory).
 */
char	*confenv_path(const char *file, const char *env, const char *dir,
	    char **cause);

#endif
