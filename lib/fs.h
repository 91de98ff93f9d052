/*
 * fs.h: file system helpers with all-or-nothing semantics.
 *
 * fs_write_atomic() writes NAME.tmp.PID, fsyncs it, renames it over NAME and
 * fsyncs the folder, so a reader sees the old file or the new one, never a
 * half. fs_lock() takes an flock(2) on a lock file, so two cron runs of one
 * command cannot overlap.
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
/* Reads a whole file, at most max bytes. 0 with *out (caller frees), or -1. */
int	fs_read_file(const char *path, size_t max, char **out, size_t *len,
	    char **cause);

#endif
