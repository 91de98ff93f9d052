/*
 * fs.h: file system helpers with all-or-nothing semantics.
 *
 * fs_write_atomic() writes NAME.tmp.PID, fsyncs it, renames it over NAME and
 * fsyncs the folder, so a reader sees the old file or the new one, never a
 * half. fs_lock() takes an flock(2) on a lock file, so two cron runs of one
 * command cannot overlap. fs_mkdirs() is mkdir -p.
 *
 * Errors follow lib/cause.h: *cause (caller frees), first error wins; a
 * NULL cause is allowed.
 */
#ifndef LIB_FS_H
#define LIB_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Writes data to path atomically with mode. 0, or -1 with *cause (caller frees). */
int	fs_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode, char **cause);
/*
 * Locks path (created 0600 if missing). With wait, blocks; without, fails at
 * once when another process holds it (*cause says "locked by another run").
 * Returns the lock fd (close it to unlock) or -1 with *cause.
 */
int	fs_lock(const char *path, int wait, char **cause);
/*
 * mkdir -p: makes path and each missing folder above it with mode (as
 * umask allows); folders that exist are left as they are. With
 * FS_MKDIRS_PARENT only the folders above path are made (path is a file
 * to come). 0, or -1 with *cause ("cannot make DIR: REASON").
 */
#define FS_MKDIRS_PARENT	0x1
int	fs_mkdirs(const char *path, mode_t mode, int flags, char **cause);
/*
 * Reads a whole file, at most max bytes. 0 with *out (caller frees), or -1
 * with *cause and errno saying why (ENOENT, EFBIG over max, EINVAL not a
 * regular file, ENOMEM, or the system call's).
 */
int	fs_read_file(const char *path, size_t max, char **out, size_t *len,
	    char **cause);

#endif
