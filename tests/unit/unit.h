/*
 * unit.h: the one main() of the unit suites (tests/unit/unit.c) and what
 * each tests/unit/check_<module>.c gives it.
 *
 * A suite file defines `const struct unit unit = { ... }`: its name, an
 * optional set-up and tear-down around the whole run (a server child, a
 * private folder), and the function that adds its suites. The shared
 * main clears BOOTSTACK_* from the environment (a developer's variables
 * must not change a test), runs everything, and fails when no test ran at
 * all: a CK_RUN_SUITE or CK_RUN_CASE that matches nothing is a mistake,
 * not a success.
 */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <stddef.h>
#include <sys/types.h>

#include <check.h>

struct unit {
	const char	*name;			/* "check_core", in messages */
	int		(*setup)(void);		/* before the run; -1 stops it */
	void		(*teardown)(void);	/* after the run */
	void		(*add)(SRunner *);	/* adds the file's suites */
};

extern const struct unit unit;			/* defined by the suite file */

/*
 * Makes a private folder $TMPDIR/NAME.XXXXXX (NAME: unit.name) into buf.
 * 0, or -1 after saying why on stderr.
 */
int	unit_mkdtemp(char *buf, size_t size);
/* Removes path and everything below it (no error if it is gone). */
void	unit_rmtree(const char *path);

/* A TCP server on a free loopback port, run by a child process. */
struct unit_srv {
	int	 port;		/* where it listens */
	pid_t	 pid;		/* the child; 0 when not running */
};
/*
 * Starts srv: handle(fd, n) is called for each connection (n counts from
 * 1) and the connection closed after it; with fork_each each connection
 * gets a child of its own (keep-alive, slow answers), else they are served
 * one after the other. SIGPIPE is ignored in the server. Exits on failure.
 */
void	unit_srv_start(struct unit_srv *, void (*handle)(int fd, int n),
	    int fork_each);
void	unit_srv_stop(struct unit_srv *);	/* the server and its children */
/*
 * Reads one HTTP request (head, and a body of Content-Length) into req,
 * NUL-terminated; its length.
 */
size_t	unit_read_request(int fd, char *req, size_t size);
/* Writes all of s[0..len) to fd. */
void	unit_write(int fd, const char *s, size_t len);

#endif
