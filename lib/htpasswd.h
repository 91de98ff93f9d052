/*
 * htpasswd.h: the password file nginx's auth_basic reads ("user:hash"
 * lines), for the /ops/ dashboard.
 *
 * Hashes come from crypt(3) with libxcrypt's preferred method (yescrypt on
 * Debian 12), which nginx verifies through the same library. The file is
 * written atomically, mode 0640, and given the web server's group when that
 * group exists and we may; a file readable by others is refused.
 */
#ifndef LIB_HTPASSWD_H
#define LIB_HTPASSWD_H

/* True when name can be a user: 1..64 of [A-Za-z0-9._-]. */
int	htpasswd_user_ok(const char *name);
/*
 * Sets user's password in path (added, or its line replaced; other lines
 * kept as they are). group may be NULL. 0, or -1 with *cause (caller frees).
 */
int	htpasswd_set(const char *path, const char *user, const char *password,
	    const char *group, char **cause);
/*
 * Makes an empty file at path if there is none (everyone is then refused);
 * checks an existing one is not open to others. 0, or -1 with *cause.
 */
int	htpasswd_ensure(const char *path, const char *group, char **cause);
/* True when password matches user's hash in path (tests, diagnostics). */
int	htpasswd_verify(const char *path, const char *user,
	    const char *password);

#endif
