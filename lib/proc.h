/*
 * proc.h: running another program: no shell, a deadline, the end of its
 * output kept for the error line.
 *
 * proc_run() is the whole life of a child for the common case: fork, exec
 * argv (never through /bin/sh: a caller that wants a shell, for an
 * operator's command line, names /bin/sh -c itself), feed input on its
 * stdin, collect its stdout and stderr (the last opts->keep bytes are
 * kept: programs print their verdict last), and wait for it, killing it
 * (SIGKILL) when the deadline passes. The child gets none of our file
 * descriptors beyond 0-2 (and 3 with PROC_EXTRA_FD), an empty signal mask
 * and SIGPIPE at its default. A child that exits is done even when a
 * process it left behind still holds its output open.
 *
 * proc_start() / proc_wait() split the same into two halves for a caller
 * that talks to the child meanwhile (feeds it a stream on fd 3, say).
 *
 * SIGPIPE: writing to a child that stopped reading does not kill us;
 * callers need not ignore the signal.
 */
#ifndef LIB_PROC_H
#define LIB_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "st.h"

#define PROC_KEEP	2048	/* default bytes of output kept */

/* Flags of struct proc_opts. */
#define PROC_PATH	0x01	/* argv[0] without '/': search PATH */
#define PROC_OUT_NULL	0x02	/* stdout to /dev/null (stderr still kept) */
#define PROC_ERR_INHERIT 0x04	/* stderr is ours, not captured */
#define PROC_OUT_FD	0x08	/* stdout and stderr to opts->out_fd */
#define PROC_EXTRA_FD	0x10	/* opts->extra_fd becomes the child's fd 3 */
#define PROC_PDEATHSIG	0x20	/* the child is killed if we die first */

struct proc_opts {
	char *const	*argv;		/* NULL-ended; argv[0] the program */
	char *const	*env;		/* the child's environment; NULL: ours */
	const char	*what;		/* name in error lines; NULL: argv[0] */
	const char	*input;		/* written to stdin; NULL: /dev/null */
	size_t		 len;		/* bytes of input */
	long long	 timeout_ms;	/* killed after this; <= 0: 60 s */
	size_t		 keep;		/* output bytes kept; 0: PROC_KEEP */
	int		 flags;		/* PROC_* */
	int		 out_fd;	/* with PROC_OUT_FD */
	int		 extra_fd;	/* with PROC_EXTRA_FD */
};

/* How a run ended. */
struct proc_result {
	int		 status;	/* waitpid(2) status; see timedout */
	int		 timedout;	/* killed at the deadline */
	char		*out;		/* owned: the kept end of the output,
					   trailing blanks trimmed; never NULL
					   after proc_run */
	size_t		 len;
};

/* A started child (proc_start). */
struct proc {
	pid_t		 pid;		/* -1 once reaped */
	int		 in;		/* its stdin, write end; -1 if none */
	int		 out;		/* its output, read end; -1 if none */
};

/*
 * Runs opts->argv to the end. ST_OK when it exited 0. Otherwise *cause is
 * "WHAT failed (exit 3): OUTPUT" (or "signal 9", or "killed after 10 s")
 * and the result is ST_UPSTREAM (it ran and failed), ST_TIMEOUT (killed
 * at the deadline) or ST_IO (it could not be started). res may be NULL;
 * else the caller proc_result_cleanup()s it.
 */
enum st	 proc_run(const struct proc_opts *, struct proc_result *res,
	    char **cause);
void	 proc_result_cleanup(struct proc_result *);	/* safe twice */
/*
 * Runs an operator's command line (a configuration value such as
 * "nginx -t") with /bin/sh -c: the one place a shell is used, and only
 * because the operator wrote shell. Named "WHAT 'CMD'" in the error line
 * (just "'CMD'" when what is NULL); as proc_run otherwise.
 */
enum st	 proc_shell(const char *what, const char *cmd, long long timeout_ms,
	    size_t keep, char **cause);
/*
 * Starts opts->argv: stdin is a pipe (p->in) when opts->input is set, else
 * /dev/null; output goes to a pipe (p->out) unless PROC_OUT_FD. ST_OK, or
 * ST_IO with *cause. The caller proc_wait()s the child.
 */
enum st	 proc_start(const struct proc_opts *, struct proc *p, char **cause);
/*
 * Closes p's pipes and waits for the child for at most timeout_ms (<= 0:
 * no limit), then kills it (SIGKILL). *status (may be NULL) gets its wait
 * status. ST_OK when it exited 0, ST_UPSTREAM when it failed, ST_TIMEOUT
 * when it was killed; *cause as proc_run's, named what.
 */
enum st	 proc_wait(struct proc *p, long long timeout_ms, const char *what,
	    int *status, char **cause);

#endif
