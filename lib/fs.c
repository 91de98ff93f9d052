/*
 * fs.c: atomic writes, lock files, bounded reads and mkdir -p; see fs.h.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cause.h"
#include "fs.h"

/* fsyncs the folder holding path, so a rename survives a crash. */
static void
fs_sync_dir(const char *path)
{
	char	*copy;
	int	 fd;

	if ((copy = strdup(path)) == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

/* See fs.h. */
int
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    char **cause)
{
	char		*tmp = NULL;
	const char	*p = data;
	ssize_t		 n;
	int		 fd = -1, saved;

	if (cause != NULL)
		*cause = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) == -1) {
		tmp = NULL;
		errno = ENOMEM;
		goto fail;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1 || fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;		/* fail: closes fd */
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	fs_sync_dir(path);
	free(tmp);
	return (0);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	errno = saved;
	cause_set(cause, "cannot write %s: %s", path, strerror(saved));
	return (-1);
}

/* See fs.h. */
int
fs_lock(const char *path, int wait, char **cause)
{
	int	 fd;

	if (cause != NULL)
		*cause = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		return (cause_set(cause, "cannot open lock file %s: %s", path,
		    strerror(errno)));
	}
	while (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			cause_set(cause, "locked by another run (%s)", path);
		else
			cause_set(cause, "cannot lock %s: %s", path,
			    strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* See fs.h. */
int
fs_read_file(const char *path, size_t max, char **out, size_t *lenp,
    char **cause)
{
	struct stat	 sb;
	char		*data = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, saved;

	if (cause != NULL)
		*cause = NULL;
	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		saved = errno;
		if (fd != -1)
			close(fd);
		errno = saved;
		return (cause_set(cause, "cannot open %s: %s", path,
		    strerror(saved)));
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
		close(fd);
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		return (cause_set(cause, "%s: %s", path, S_ISREG(sb.st_mode) ?
		    "file too large" : "not a regular file"));
	}
	if ((data = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return (cause_set(cause, "out of memory"));
	}
	while (len < (size_t)sb.st_size) {
		n = read(fd, data + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n == 0 ? EIO : errno;
			free(data);
			close(fd);
			errno = saved;
			return (cause_set(cause, "cannot read %s: %s", path,
			    n == 0 ? "file shrank" : strerror(saved)));
		}
		len += (size_t)n;
	}
	close(fd);
	data[len] = '\0';
	*out = data;
	if (lenp != NULL)
		*lenp = len;
	return (0);
}

/* See fs.h. */
int
fs_mkdirs(const char *path, mode_t mode, int flags, char **cause)
{
	char	*copy, *p, c;
	int	 rc = 0;

	if (*path == '\0')
		return (cause_set(cause, "cannot make a folder with no name"));
	if ((copy = strdup(path)) == NULL)
		return (cause_set(cause, "out of memory"));
	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (*p == '\0' && (flags & FS_MKDIRS_PARENT))
			break;
		if (p[-1] != '/') {
			c = *p;
			*p = '\0';
			if (mkdir(copy, mode) == -1 && errno != EEXIST) {
				rc = cause_set(cause, "cannot make %s: %s", copy,
				    strerror(errno));
				break;
			}
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	free(copy);
	return (rc);
}
