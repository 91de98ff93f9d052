/*
 * fs.c: atomic writes, lock files and bounded reads; see fs.h.
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
	if (asprintf(cause, "cannot write %s: %s", path, strerror(saved)) == -1)
		*cause = NULL;
	errno = saved;
	return (-1);
}

/* See fs.h. */
int
fs_lock(const char *path, int wait, char **cause)
{
	int	 fd;

	*cause = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		if (asprintf(cause, "cannot open lock file %s: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
		return (-1);
	}
	while (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			if (asprintf(cause, "locked by another run (%s)",
			    path) == -1)
				*cause = NULL;
		} else if (asprintf(cause, "cannot lock %s: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
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
	int		 fd;

	*cause = NULL;
	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		if (asprintf(cause, "cannot open %s: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > max) {
		if (asprintf(cause, "%s: %s", path, S_ISREG(sb.st_mode) ?
		    "file too large" : "not a regular file") == -1)
			*cause = NULL;
		close(fd);
		return (-1);
	}
	if ((data = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		(void)!asprintf(cause, "out of memory");
		return (-1);
	}
	while (len < (size_t)sb.st_size) {
		n = read(fd, data + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (asprintf(cause, "cannot read %s: %s", path,
			    n == 0 ? "file shrank" : strerror(errno)) == -1)
				*cause = NULL;
			free(data);
			close(fd);
			return (-1);
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
