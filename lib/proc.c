/*
 * proc.c: child processes with a deadline and a kept output tail; see
 * proc.h for the contract.
 *
 * Design: one fork path (proc_start) that moves the descriptors the child
 * keeps above 10 before placing them on 0-3, so a closed stdin in the
 * parent (cron, `<&-`) cannot make a pipe land on the number it is then
 * dup2()ed over; then every other descriptor is closed (close_range, or a
 * loop where the kernel lacks it). The parent loop of proc_run polls the
 * input and output pipes, both non-blocking, with the time left to the
 * deadline on the monotonic clock; once the input is written it also
 * reaps the child every 50 ms at most, so a grandchild that inherited the
 * output pipe cannot hold us until the deadline.
 *
 * SIGPIPE is blocked while we write to a child, and a SIGPIPE raised by
 * that write is consumed before the mask is restored (the POSIX way to
 * survive a reader that went away, without touching the disposition).
 */
#include "autoconf.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cause.h"
#include "clock.h"
#include "proc.h"

#define PROC_DEFAULT_MS		60000	/* deadline when none is given */
#define PROC_REAP_MS		50	/* reaping interval once input is in */

extern char	**environ;

/* The kept tail of a child's output: the last max bytes. */
struct proc_tail {
	char	*data;		/* max + 1 bytes */
	size_t	 len;
	size_t	 max;
};

/* Appends n bytes, keeping the last t->max. */
static void
proc_tail_add(struct proc_tail *t, const char *p, size_t n)
{
	if (t->data == NULL || t->max == 0)
		return;
	if (n >= t->max) {
		memcpy(t->data, p + n - t->max, t->max);
		t->len = t->max;
		return;
	}
	if (t->len + n > t->max) {
		memmove(t->data, t->data + (t->len + n - t->max), t->max - n);
		t->len = t->max - n;
	}
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

/* Closes *fd if open and marks it closed. */
static void
proc_close(int *fd)
{
	if (*fd != -1) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* In the child: fd moved to 10 or above (close-on-exec); -1 on error. */
static int
proc_high(int fd)
{
	return (fd == -1 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 10));
}

/*
 * In the child: puts in, out and err (and extra as 3) in place, closes
 * everything else and execs. Never returns.
 */
static void
proc_child(const struct proc_opts *o, pid_t parent, int in, int out, int err)
{
	sigset_t	 none;
	int		 extra = -1, fd;

	if (o->flags & PROC_PDEATHSIG) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	if ((o->flags & PROC_EXTRA_FD) && (extra = proc_high(o->extra_fd)) == -1)
		_exit(126);
	if ((in = proc_high(in)) == -1 || (out = proc_high(out)) == -1 ||
	    (err != -1 && (err = proc_high(err)) == -1))
		_exit(126);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 ||
	    (err != -1 && dup2(err, 2) == -1) ||
	    (extra != -1 && dup2(extra, 3) == -1))
		_exit(126);
	fd = extra != -1 ? 4 : 3;
	if (close_range((unsigned int)fd, ~0U, 0) != 0)
		for (; fd < 1024; fd++)
			(void)close(fd);
	if ((o->flags & PROC_PATH) && strchr(o->argv[0], '/') == NULL)
		execvpe(o->argv[0], o->argv, o->env != NULL ? o->env : environ);
	else
		execve(o->argv[0], o->argv, o->env != NULL ? o->env : environ);
	dprintf(2, "cannot run %s: %s\n", o->argv[0], strerror(errno));
	_exit(127);
}

/* See proc.h. */
enum st
proc_start(const struct proc_opts *o, struct proc *p, char **cause)
{
	const char	*what = o->what != NULL ? o->what : o->argv[0];
	pid_t		 parent = getpid();
	int		 in[2] = { -1, -1 }, op[2] = { -1, -1 };
	int		 devnull = -1, cin, cout, cerr, saved;

	p->pid = -1;
	p->in = p->out = -1;
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    (o->input != NULL && pipe2(in, O_CLOEXEC) == -1) ||
	    (!(o->flags & PROC_OUT_FD) && pipe2(op, O_CLOEXEC) == -1))
		goto fail;
	cin = o->input != NULL ? in[0] : devnull;
	if (o->flags & PROC_OUT_FD)
		cout = o->out_fd;
	else
		cout = op[1];
	if (o->flags & PROC_ERR_INHERIT)
		cerr = -1;			/* fd 2 stays as it is */
	else
		cerr = cout;
	if (o->flags & PROC_OUT_NULL)
		cout = devnull;
	if ((p->pid = fork()) == -1)
		goto fail;
	if (p->pid == 0)
		proc_child(o, parent, cin, cout, cerr);
	proc_close(&in[0]);
	proc_close(&op[1]);
	proc_close(&devnull);
	p->in = in[1];
	p->out = op[0];
	return (ST_OK);
fail:
	saved = errno;
	proc_close(&in[0]);
	proc_close(&in[1]);
	proc_close(&op[0]);
	proc_close(&op[1]);
	proc_close(&devnull);
	errno = saved;
	return (cause_st(cause, ST_IO, "cannot run %s: %s", what,
	    strerror(saved)));
}

/*
 * The error line of a finished child: "WHAT failed (exit 3): OUTPUT".
 * Returns ST_OK for exit 0, else the status of the failure.
 */
static enum st
proc_verdict(const char *what, int status, int timedout, long long timeout_ms,
    const char *out, size_t len, char **cause)
{
	char	 how[64];

	if (timedout)
		(void)snprintf(how, sizeof(how), "killed after %lld s",
		    (timeout_ms + 999) / 1000);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (ST_OK);
	else if (WIFEXITED(status))
		(void)snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		(void)snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
	else
		(void)snprintf(how, sizeof(how), "status %d", status);
	cause_set(cause, "%s failed (%s)%s%.*s", what, how, len > 0 ? ": " : "",
	    (int)len, out != NULL ? out : "");
	return (timedout ? ST_TIMEOUT : ST_UPSTREAM);
}

/* Waits for pid until deadline (0: none); *timedout when it was killed. */
static int
proc_reap(pid_t pid, long long deadline, int *status, int *timedout)
{
	pid_t	 r;

	*timedout = 0;
	for (;;) {
		r = waitpid(pid, status, deadline > 0 ? WNOHANG : 0);
		if (r == pid)
			return (0);
		if (r == -1 && errno != EINTR)
			return (-1);
		if (r == 0 && clock_ms() >= deadline) {
			(void)kill(pid, SIGKILL);
			*timedout = 1;
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			return (0);
		}
		if (r == 0)
			clock_sleep_ms(10);
	}
}

/* See proc.h. */
enum st
proc_wait(struct proc *p, long long timeout_ms, const char *what, int *status,
    char **cause)
{
	int	 st = 0, timedout = 0;

	proc_close(&p->in);
	proc_close(&p->out);
	if (p->pid == -1)
		return (cause_st(cause, ST_INTERNAL, "%s: not running", what));
	if (proc_reap(p->pid, timeout_ms > 0 ? clock_ms() + timeout_ms : 0,
	    &st, &timedout) == -1)
		return (cause_st(cause, ST_IO, "%s: waitpid: %s", what,
		    strerror(errno)));
	p->pid = -1;
	if (status != NULL)
		*status = st;
	return (proc_verdict(what, st, timedout, timeout_ms, NULL, 0, cause));
}

/* See proc.h. */
void
proc_result_cleanup(struct proc_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	res->out = NULL;
	res->len = 0;
}

/*
 * The loop of proc_run: feeds the input, keeps the output's tail, reaps
 * the child or kills it at the deadline. 0, or -1 with errno (waitpid).
 */
static int
proc_loop(const struct proc_opts *o, struct proc *p, long long deadline,
    struct proc_tail *t, int *status, int *timedout)
{
	struct pollfd	 pfd[2];
	char		 chunk[4096];
	size_t		 off = 0;
	ssize_t		 n;
	pid_t		 r;
	int		 npfd, left, ip, oi;

	*timedout = 0;
	if (p->in != -1)
		(void)fcntl(p->in, F_SETFL, O_NONBLOCK);
	if (p->out != -1)
		(void)fcntl(p->out, F_SETFL, O_NONBLOCK);
	if (p->in != -1 && o->len == 0)
		proc_close(&p->in);
	for (;;) {
		left = (int)(deadline - clock_ms());
		if (left <= 0) {
			(void)kill(p->pid, SIGKILL);
			*timedout = 1;
			while (waitpid(p->pid, status, 0) == -1 &&
			    errno == EINTR)
				;
			return (0);
		}
		/* Input written: the child's exit ends the wait. */
		if (p->in == -1) {
			r = waitpid(p->pid, status, WNOHANG);
			if (r == p->pid)
				break;
			if (r == -1 && errno != EINTR)
				return (-1);
			if (left > PROC_REAP_MS)
				left = PROC_REAP_MS;
		}
		npfd = 0;
		oi = ip = -1;
		if (p->out != -1) {
			pfd[npfd].fd = p->out;
			pfd[npfd].events = POLLIN;
			oi = npfd++;
		}
		if (p->in != -1) {
			pfd[npfd].fd = p->in;
			pfd[npfd].events = POLLOUT;
			ip = npfd++;
		}
		if (npfd == 0) {
			clock_sleep_ms(left);
			continue;
		}
		if (poll(pfd, (nfds_t)npfd, left) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (oi != -1 && pfd[oi].revents != 0) {
			n = read(p->out, chunk, sizeof(chunk));
			if (n > 0)
				proc_tail_add(t, chunk, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				proc_close(&p->out);
		}
		if (ip != -1 && pfd[ip].revents != 0) {
			n = write(p->in, o->input + off, o->len - off);
			if (n > 0)
				off += (size_t)n;
			if ((n == -1 && errno != EAGAIN && errno != EINTR) ||
			    off == o->len)
				proc_close(&p->in);	/* EPIPE: it stopped */
		}
	}
	/* What the child wrote just before exiting. */
	while (p->out != -1 && (n = read(p->out, chunk, sizeof(chunk))) > 0)
		proc_tail_add(t, chunk, (size_t)n);
	return (0);
}

/* See proc.h. */
enum st
proc_shell(const char *what, const char *cmd, long long timeout_ms,
    size_t keep, char **cause)
{
	struct proc_opts	 o;
	char			*argv[4], *name = NULL;
	enum st			 st;

	if ((what != NULL ? asprintf(&name, "%s '%s'", what, cmd) :
	    asprintf(&name, "'%s'", cmd)) == -1)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.what = name;
	o.timeout_ms = timeout_ms;
	o.keep = keep;
	fflush(NULL);			/* our buffered output before its */
	st = proc_run(&o, NULL, cause);
	free(name);
	return (st);
}

/* See proc.h. */
enum st
proc_run(const struct proc_opts *o, struct proc_result *res, char **cause)
{
	struct proc_tail t;
	struct proc	 p;
	const char	*what = o->what != NULL ? o->what : o->argv[0];
	sigset_t	 pipe_set, old, pending;
	struct timespec	 zero = { 0, 0 };
	long long	 timeout = o->timeout_ms > 0 ? o->timeout_ms :
			    PROC_DEFAULT_MS;
	int		 status = 0, timedout = 0, was_pending, saved, rc;
	enum st		 st;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	t.max = o->keep > 0 ? o->keep : PROC_KEEP;
	t.len = 0;
	if ((t.data = malloc(t.max + 1)) == NULL)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	(void)sigprocmask(SIG_BLOCK, &pipe_set, &old);
	if ((st = proc_start(o, &p, cause)) != ST_OK)
		goto out;
	rc = proc_loop(o, &p, clock_ms() + timeout, &t, &status, &timedout);
	saved = errno;
	proc_close(&p.in);
	proc_close(&p.out);
	if (rc == -1) {
		(void)kill(p.pid, SIGKILL);
		while (waitpid(p.pid, NULL, 0) == -1 && errno == EINTR)
			;
		st = cause_st(cause, ST_IO, "%s: %s", what, strerror(saved));
		goto out;
	}
	while (t.len > 0 && (t.data[t.len - 1] == '\n' ||
	    t.data[t.len - 1] == '\r' || t.data[t.len - 1] == ' ' ||
	    t.data[t.len - 1] == '\t'))
		t.len--;
	t.data[t.len] = '\0';
	st = proc_verdict(what, status, timedout, timeout, t.data, t.len, cause);
	if (res != NULL) {
		res->status = status;
		res->timedout = timedout;
	}
out:
	/* A SIGPIPE our writes raised is ours to drop, not to deliver. */
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE))
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (res != NULL) {
		t.data[t.len] = '\0';
		res->out = t.data;
		res->len = t.len;
	} else
		free(t.data);
	return (st);
}
