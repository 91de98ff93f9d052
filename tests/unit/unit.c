/*
 * unit.c: main() of every unit suite (see unit.h), and the helpers the
 * suite files share.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "unit.h"

extern char	**environ;

/* Unsets every BOOTSTACK_* variable of the environment. */
static void
unit_clear_env(void)
{
	char	**e, name[256];

	for (e = environ; *e != NULL;) {
		if (strncmp(*e, "BOOTSTACK_", 10) != 0) {
			e++;
			continue;
		}
		(void)snprintf(name, sizeof(name), "%.*s",
		    (int)strcspn(*e, "="), *e);
		unsetenv(name);
		e = environ;
	}
}

/* See unit.h. */
int
unit_mkdtemp(char *buf, size_t size)
{
	const char	*tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(buf, size, "%s/%s.XXXXXX", tmp, unit.name) >=
	    size || mkdtemp(buf) == NULL) {
		fprintf(stderr, "%s: mkdtemp %s: %s\n", unit.name, buf,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* nftw callback of unit_rmtree: removes one entry. */
static int
unit_rm(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	(void)remove(path);
	return (0);
}

/* See unit.h. */
void
unit_rmtree(const char *path)
{
	(void)nftw(path, unit_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* See unit.h. */
void
unit_write(int fd, const char *s, size_t len)
{
	ssize_t	 n;

	while (len > 0 && (n = write(fd, s, len)) > 0) {
		s += n;
		len -= (size_t)n;
	}
}

/* See unit.h. */
size_t
unit_read_request(int fd, char *req, size_t size)
{
	size_t	 n = 0, want;
	ssize_t	 r;
	char	*end, *cl;

	while (n < size - 1 && (r = read(fd, req + n, size - 1 - n)) > 0) {
		n += (size_t)r;
		req[n] = '\0';
		if ((end = strstr(req, "\r\n\r\n")) != NULL) {
			cl = strcasestr(req, "Content-Length:");
			want = cl != NULL ? strtoul(cl + 15, NULL, 10) : 0;
			if (n >= (size_t)(end + 4 - req) + want)
				break;
		}
	}
	req[n] = '\0';
	return (n);
}

/* See unit.h. */
void
unit_srv_start(struct unit_srv *srv, void (*handle)(int, int), int fork_each)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s, c, n = 0, one = 1;

	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(s, 16) != 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) != 0) {
		fprintf(stderr, "%s: server: %s\n", unit.name, strerror(errno));
		exit(1);
	}
	srv->port = ntohs(sin.sin_port);
	if ((srv->pid = fork()) == -1) {
		fprintf(stderr, "%s: fork: %s\n", unit.name, strerror(errno));
		exit(1);
	}
	if (srv->pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		if (fork_each)
			signal(SIGCHLD, SIG_IGN);	/* no zombies */
		setpgid(0, 0);			/* stopped as a group */
		for (;;) {
			if ((c = accept(s, NULL, NULL)) == -1)
				continue;
			n++;
			if (!fork_each) {
				handle(c, n);
				close(c);
				continue;
			}
			if (fork() == 0) {
				handle(c, n);
				_exit(0);
			}
			close(c);
		}
	}
	close(s);
}

/* See unit.h. */
void
unit_srv_stop(struct unit_srv *srv)
{
	if (srv->pid <= 0)
		return;
	(void)kill(-srv->pid, SIGTERM);
	(void)kill(srv->pid, SIGTERM);
	(void)waitpid(srv->pid, NULL, 0);
	srv->pid = 0;
}

int
main(void)
{
	SRunner		*sr;
	const char	*s, *c;
	int		 failed, ran;

	unit_clear_env();
	if (unit.setup != NULL && unit.setup() != 0)
		return (EXIT_FAILURE);
	sr = srunner_create(NULL);
	unit.add(sr);
	srunner_run_all(sr, CK_ENV);	/* CK_VERBOSITY=verbose lists every test */
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (unit.teardown != NULL)
		unit.teardown();
	if (ran == 0) {
		s = getenv("CK_RUN_SUITE");
		c = getenv("CK_RUN_CASE");
		fprintf(stderr, "%s: no test ran: CK_RUN_SUITE='%s' "
		    "CK_RUN_CASE='%s' name no suite or test case of it (the "
		    "names: CK_VERBOSITY=verbose %s, without CK_RUN_*)\n",
		    unit.name, s != NULL ? s : "", c != NULL ? c : "",
		    unit.name);
		return (EXIT_FAILURE);
	}
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
