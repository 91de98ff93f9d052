/*
 * htpasswd.c: the auth_basic password file; see htpasswd.h.
 *
 * Read-modify-write: the whole file is read (it is small, capped at 1 MiB),
 * the user's line is replaced or appended, and the result is written to a
 * temporary file and renamed over the old one, so nginx never reads half a
 * file. Callers serialise writers with a lock file (the CLI does).
 *
 * The password never reaches a log line or an error message. Its copy in
 * crypt's scratch area is wiped before that area is freed.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cause.h"
#include "fs.h"
#include "htpasswd.h"

#define HTPASSWD_MAX	(1024 * 1024)	/* bytes of file read */
#define HTPASSWD_MODE	0640

/* See htpasswd.h. */
int
htpasswd_user_ok(const char *name)
{
	size_t	 i;

	if (name == NULL || name[0] == '\0' || strlen(name) > 64)
		return (0);
	for (i = 0; name[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", name[i]) == NULL)
			return (0);
	return (1);
}

/*
 * Gives path the group named group (when it exists) and mode 0640. A
 * missing group, or one we may not give away as a normal user, leaves the
 * group as it is: nginx then runs as us (a developer's stack).
 */
static int
htpasswd_own(const char *path, const char *group, char **cause)
{
	struct group	 gr, *res = NULL;
	char		 gbuf[4096];

	if (group != NULL && group[0] != '\0' &&
	    getgrnam_r(group, &gr, gbuf, sizeof(gbuf), &res) == 0 &&
	    res != NULL && chown(path, (uid_t)-1, res->gr_gid) == -1 &&
	    errno != EPERM) {
		cause_set(cause, "cannot give %s to group %s: %s", path,
		    group, strerror(errno));
		return (-1);
	}
	if (chmod(path, HTPASSWD_MODE) == -1) {
		cause_set(cause, "cannot chmod %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* Hashes password with a fresh salt; 0 with out filled, or -1. */
static int
htpasswd_hash(const char *password, char *out, size_t size)
{
	struct crypt_data	*cd;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	int			 rc = -1;

	if (crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return (-1);
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return (-1);
	if (crypt_rn(password, salt, cd, sizeof(*cd)) != NULL &&
	    cd->output[0] != '*' && strlen(cd->output) < size) {
		memcpy(out, cd->output, strlen(cd->output) + 1);
		rc = 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return (rc);
}

/* The file's text, "" when it does not exist; -1 with *cause otherwise. */
static int
htpasswd_read(const char *path, char **text, char **cause)
{
	struct stat	 sb;

	*text = NULL;
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		if ((*text = strdup("")) == NULL) {
			*cause = strdup("out of memory");
			return (-1);
		}
		return (0);
	}
	return (fs_read_file(path, HTPASSWD_MAX, text, NULL, cause));
}

/* See htpasswd.h. */
int
htpasswd_set(const char *path, const char *user, const char *password,
    const char *group, char **cause)
{
	struct buf	 out;
	char		 hash[CRYPT_OUTPUT_SIZE];
	char		*text = NULL, *line, *next;
	size_t		 ulen;
	int		 rc = -1;

	*cause = NULL;
	buf_init(&out, HTPASSWD_MAX + 1024);
	if (!htpasswd_user_ok(user)) {
		*cause = strdup("a user name is 1 to 64 letters, digits, "
		    "'.', '_' or '-'");
		goto out;
	}
	if (strchr(password, '\n') != NULL || password[0] == '\0') {
		*cause = strdup("the password is empty or holds a newline");
		goto out;
	}
	if (htpasswd_hash(password, hash, sizeof(hash)) == -1) {
		*cause = strdup("crypt(3) could not hash the password");
		goto out;
	}
	if (htpasswd_read(path, &text, cause) == -1)
		goto out;
	ulen = strlen(user);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '\0')
			continue;
		if (strncmp(line, user, ulen) == 0 && line[ulen] == ':')
			continue;		/* replaced below */
		if (buf_printf(&out, "%s\n", line) != ST_OK)
			goto nomem;
	}
	if (buf_printf(&out, "%s:%s\n", user, hash) != ST_OK)
		goto nomem;
	if (fs_write_atomic(path, out.data, out.len, HTPASSWD_MODE,
	    cause) == -1 || htpasswd_own(path, group, cause) == -1)
		goto out;
	rc = 0;
	goto out;
nomem:
	*cause = strdup("out of memory or file too large");
out:
	explicit_bzero(hash, sizeof(hash));
	free(text);
	buf_cleanup(&out);
	return (rc);
}

/* See htpasswd.h. */
int
htpasswd_ensure(const char *path, const char *group, char **cause)
{
	struct stat	 sb;

	*cause = NULL;
	if (stat(path, &sb) == 0) {
		if ((sb.st_mode & 0007) != 0) {
			return (cause_set(cause, "%s is open to others (mode "
			    "%04o); chmod o-rwx it", path,
			    (unsigned int)(sb.st_mode & 07777)));
		}
		return (0);
	}
	if (errno != ENOENT) {
		cause_set(cause, "cannot stat %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fs_write_atomic(path, "", 0, HTPASSWD_MODE, cause) == -1)
		return (-1);
	return (htpasswd_own(path, group, cause));
}

/* See htpasswd.h. */
int
htpasswd_verify(const char *path, const char *user, const char *password)
{
	struct crypt_data	*cd = NULL;
	char			*text = NULL, *cause = NULL, *line, *next;
	size_t			 ulen = strlen(user);
	int			 ok = 0;

	if (fs_read_file(path, HTPASSWD_MAX, &text, NULL, &cause) == -1) {
		free(cause);
		return (0);
	}
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, user, ulen) != 0 || line[ulen] != ':')
			continue;
		if ((cd = calloc(1, sizeof(*cd))) == NULL)
			break;
		ok = crypt_rn(password, line + ulen + 1, cd, sizeof(*cd)) !=
		    NULL && cd->output[0] != '*' &&
		    strcmp(cd->output, line + ulen + 1) == 0;
		break;
	}
	if (cd != NULL) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	free(text);
	return (ok);
}
