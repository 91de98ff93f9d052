/*
 * api.c: main() of bootstack-api, the FastCGI daemon.
 *
 * Loads the configuration, sets up logging, binds the FastCGI socket (a unix
 * path, HOST:PORT, or the socket inherited on fd 0 from systemd socket
 * activation or spawn-fcgi) and hands over to the master (master.c). It runs
 * in the foreground, as systemd and the local ./stack expect.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/filter.h>
#include <signal.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api.h"
#include "cause.h"
#include "config.h"
#include "confenv.h"
#include "cursor.h"
#include "db.h"
#include "fcgic.h"
#include "clock.h"
#include "fs.h"
#include "log.h"
#include "migrate.h"
#include "pool.h"
#include "routes.h"
#include "scoreboard.h"
#include "xmalloc.h"

/* See api.h. */
int
api_apply_logging(const struct config *cfg, char **cause)
{
	enum log_level	 level;
	const char	*file;

	*cause = NULL;
	if (log_level_parse(config_str(cfg, "api", "log_level"), &level) == 0)
		log_min_level = level;
	log_set_rate_limit((unsigned int)config_int(cfg, "api",
	    "log_rate_limit"));
	file = config_str(cfg, "api", "log_file");
	if (file != NULL && file[0] != '\0' && log_open_file(file) == -1)
		return (cause_set(cause, "cannot open log file %s: %s", file,
		    strerror(errno)));
	return (0);
}

/*
 * Binds a unix socket at path, refusing to steal one that is in use; on
 * success api->listen_path and its identity are set.
 */
static int
api_listen_unix(struct api *api, const char *path, const char *modestr,
    int backlog, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	unsigned long		 mode;
	char			*end;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		cause_set(cause, "socket path too long: %s", path);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	errno = 0;
	mode = strtoul(modestr, &end, 8);
	if (errno != 0 || *end != '\0' || mode > 0777) {
		cause_set(cause, "[api] listen_mode: %s is not an octal "
		    "mode", modestr);
		return (-1);
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			cause_set(cause, "%s exists and is not a socket",
			    path);
			return (-1);
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			cause_set(cause, "%s is in use by another process",
			    path);
			return (-1);
		}
		if (probe != -1)
			close(probe);
		unlink(path);	/* stale, from a crash */
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)mode) == -1 || lstat(path, &sb) == -1 ||
	    listen(fd, backlog) == -1) {
		cause_set(cause, "cannot listen on %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	api->listen_path = xstrdup(path);
	api->listen_dev = sb.st_dev;
	api->listen_ino = sb.st_ino;
	return (fd);
}

/*
 * The inherited socket's path is ours if the previous image said so
 * ("FD:DEV:INO", see master_upgrade) and the path still is that file.
 */
static void
api_listen_adopt_path(struct api *api, int fd, const char *ident)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	socklen_t		 len = sizeof(sun);
	unsigned long long	 dev, ino;

	if (ident == NULL || sscanf(ident, ":%llu:%llu", &dev, &ino) != 2)
		return;
	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX || sun.sun_path[0] == '\0' ||
	    lstat(sun.sun_path, &sb) == -1 || (unsigned long long)sb.st_dev != dev ||
	    (unsigned long long)sb.st_ino != ino)
		return;
	api->listen_path = xstrdup(sun.sun_path);
	api->listen_dev = sb.st_dev;
	api->listen_ino = sb.st_ino;
}

/* 1 if path is still the socket file this daemon bound. */
static int
api_path_is_ours(const struct api *api)
{
	struct stat	 sb;

	return (api->listen_path != NULL && lstat(api->listen_path, &sb) == 0 &&
	    S_ISSOCK(sb.st_mode) && sb.st_dev == api->listen_dev &&
	    sb.st_ino == api->listen_ino);
}

/*
 * Makes a listening TCP socket take no new connection while keeping those
 * queued: a classic BPF filter that drops every SYN reaching it (the
 * filter sees the segment from its TCP header on; byte 13 is the flags),
 * so a SYN is dropped (not answered with a reset) and retried by the
 * client after a second, when the socket is closed. A handshake already
 * half done goes on: its last ACK passes, so the connection is queued and
 * the drain takes it (dropping that ACK too would leave the client
 * connected to nothing, reset when the socket closes). Connections already
 * queued were made before and keep no filter. Only for a socket of our
 * own: one inherited from systemd lives on for the next start.
 */
static void
api_listen_freeze(int fd)
{
	struct sock_filter	 syn_drop[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),		/* SYN: dropped */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),	/* the rest: kept */
	};
	struct sock_fprog	 prog = { 4, syn_drop };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1)
		log_warn("stopping: the TCP socket keeps taking connections");
}

/* See api.h. */
void
api_listen_stop(struct api *api)
{
	if (api->listen_fd != -1 && api->listen_tcp_ours)
		api_listen_freeze(api->listen_fd);
	if (api_path_is_ours(api))
		unlink(api->listen_path);
	free(api->listen_path);
	api->listen_path = NULL;
	if (api->listen_fd != -1)
		close(api->listen_fd);
	api->listen_fd = -1;
}

/* Binds HOST:PORT (loopback in the local stack; nginx is the client). */
static int
api_listen_tcp(const char *spec, int backlog, char **cause)
{
	struct addrinfo	 hints, *ai = NULL;
	char		 host[256];
	const char	*colon = strrchr(spec, ':');
	int		 fd = -1, on = 1, rc;
	size_t		 hl;

	if (colon == NULL || (hl = (size_t)(colon - spec)) >= sizeof(host)) {
		cause_set(cause, "[api] listen: %s is neither a path nor "
		    "HOST:PORT", spec);
		return (-1);
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] == '\0' ? NULL : host, colon + 1,
	    &hints, &ai)) != 0) {
		cause_set(cause, "[api] listen: %s: %s", spec,
		    gai_strerror(rc));
		return (-1);
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, backlog) == -1) {
		cause_set(cause, "cannot listen on %s: %s", spec,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return (fd);
}

/*
 * The listening socket a previous image of this process left open for us
 * (master.c, SIGUSR2), named by $BOOTSTACK_LISTEN_FD; close-on-exec again.
 * Returns the fd, or -1 with *cause.
 */
static int
api_listen_inherited(struct api *api, const char *val, char **cause)
{
	char		*end;
	long		 fd;
	int		 on = 0;
	socklen_t	 len = sizeof(on);

	errno = 0;
	fd = strtol(val, &end, 10);
	if (errno != 0 || end == val || (*end != '\0' && *end != ':') ||
	    fd < 0 || fd > 65535 ||
	    getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1 ||
	    !on) {
		cause_set(cause, "%s=%s is not a listening socket",
		    API_ENV_LISTEN_FD, val);
		return (-1);
	}
	if ((int)fd != 0 && fcntl((int)fd, F_SETFD, FD_CLOEXEC) == -1) {
		cause_set(cause, "fcntl: %s", strerror(errno));
		return (-1);
	}
	api_listen_adopt_path(api, (int)fd, *end == ':' ? end : NULL);
	unsetenv(API_ENV_LISTEN_FD);
	return ((int)fd);
}

/* Opens the FastCGI socket named by [api] listen, non-blocking. */
static int
api_listen(struct api *api, const struct config *cfg, char **cause)
{
	const char	*spec = config_str(cfg, "api", "listen");
	const char	*inherited = getenv(API_ENV_LISTEN_FD);
	int		 backlog = (int)config_int(cfg, "api", "backlog");
	int		 fd, type;
	socklen_t	 len = sizeof(type);

	*cause = NULL;
	if (inherited != NULL)
		fd = api_listen_inherited(api, inherited, cause);
	else if (strcmp(spec, "stdin") == 0) {
		if (getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) == -1) {
			cause_set(cause, "[api] listen = stdin, but fd 0 "
			    "is not a socket");
			return (-1);
		}
		fd = 0;
	} else if (spec[0] == '/')
		fd = api_listen_unix(api, spec, config_str(cfg, "api",
		    "listen_mode"), backlog, cause);
	else {
		fd = api_listen_tcp(spec, backlog, cause);
		api->listen_tcp_ours = fd != -1;
	}
	if (fd != -1 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		cause_set(cause, "fcntl: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Writes [api] pid_file, if set, and keeps an owned copy of its path: a
 * reload frees the config, and the file to remove at exit is this one.
 */
static int
api_write_pid(struct api *api, char **cause)
{
	const char	*file = config_str(api->cfg, "api", "pid_file");
	char		 pid[32];

	*cause = NULL;
	if (file == NULL || file[0] == '\0')
		return (0);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (fs_write_atomic(file, pid, strlen(pid), 0644, cause) != 0)
		return (-1);
	api->pid_file = xstrdup(file);
	return (0);
}

/* Removes the pid file written at start, if it still names this process. */
static void
api_remove_pid(struct api *api)
{
	char	 want[32], have[32];
	FILE	*f;
	size_t	 n = 0;

	if (api->pid_file == NULL)
		return;
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	if ((f = fopen(api->pid_file, "re")) != NULL) {
		n = fread(have, 1, sizeof(have) - 1, f);
		fclose(f);
	}
	have[n] = '\0';
	if (strcmp(have, want) == 0)
		unlink(api->pid_file);
	free(api->pid_file);
	api->pid_file = NULL;
}

/* True if fd is a unix-domain socket. */
static int
api_is_unix(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (0);
	return (ss.ss_family == AF_UNIX);
}

/* -t: the folder of path takes a new file (as fs_write_atomic needs). */
static int
api_check_folder(const char *what, const char *path, char **cause)
{
	char	*dir, *slash, *probe;
	int	 fd;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	probe = xprintf("%s/.bootstack-api-t.%ld", dir, (long)getpid());
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		cause_set(cause, "%s %s: cannot create files in %s: %s", what,
		    path, dir, strerror(errno));
	else {
		close(fd);
		unlink(probe);
	}
	free(probe);
	free(dir);
	return (fd == -1 ? -1 : 0);
}

/* -t: the socket the daemon would serve on could be had. */
static int
api_check_listen(const struct config *cfg, char **cause)
{
	const char	*spec = config_str(cfg, "api", "listen");
	const char	*inherited = getenv(API_ENV_LISTEN_FD);
	struct addrinfo	 hints, *ai = NULL;
	struct stat	 sb;
	char		 host[256], *end;
	const char	*colon;
	long		 fd;
	int		 on = 0, rc;
	socklen_t	 len = sizeof(on);

	if (inherited != NULL) {
		/* an upgrade's self-test: the socket the new image gets */
		fd = strtol(inherited, &end, 10);
		if (end == inherited || fd < 0 || fd > 65535 ||
		    getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &on,
		    &len) == -1 || !on)
			return (cause_set(cause, "the inherited socket (%s=%s) "
			    "is not a listening socket", API_ENV_LISTEN_FD,
			    inherited));
		return (0);
	}
	if (strcmp(spec, "stdin") == 0)
		return (0);	/* fd 0 is only there when started for real */
	if (spec[0] == '/') {
		if (lstat(spec, &sb) == 0)
			return (S_ISSOCK(sb.st_mode) ? 0 : cause_set(cause,
			    "[api] listen: %s exists and is not a socket", spec));
		return (api_check_folder("[api] listen", spec, cause));
	}
	if ((colon = strrchr(spec, ':')) == NULL ||
	    (size_t)(colon - spec) >= sizeof(host))
		return (cause_set(cause, "[api] listen: %s is neither a path "
		    "nor HOST:PORT", spec));
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '[' && strlen(host) >= 2 && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] == '\0' ? NULL : host, colon + 1, &hints,
	    &ai)) != 0)
		return (cause_set(cause, "[api] listen: %s: %s", spec,
		    gai_strerror(rc)));
	freeaddrinfo(ai);
	return (0);
}

/*
 * [api] cursor_keys, parsed now: a malformed list stops the start, and
 * the random list of an unset one is made before the workers fork, so
 * they all accept each other's cursors. 0, or -1 with *cause.
 */
static int
api_cursor_keys(const struct config *cfg, int warn, char **cause)
{
	int	 unset;

	if (cursor_keys_of(cfg, &unset, cause) == NULL)
		return (-1);
	if (unset && warn)
		log_warnx("[api] cursor_keys is unset: pagination cursors are "
		    "signed with a random key and die with this process; set "
		    "cursor_keys_file (docs/pagination.md)");
	return (0);
}

/*
 * Warns when [database] user may do more than the API needs (a superuser,
 * or the tables' owner: either could drop them, and row-level security
 * does not hold them). Silent when the database cannot be reached: the
 * workers will say so.
 */
static void
api_check_role(const struct config *cfg)
{
	char	*why = NULL;

	if (migrate_role_risk_of(cfg, &why) == 1)
		log_warnx("[database] user: %s: the API can drop or alter its "
		    "tables and row-level security does not apply to it; give "
		    "it a role of its own ([database] owner, docs/deploy.md)",
		    cause_text(why));
	free(why);
}

/*
 * -t: everything the daemon needs to start, checked without starting it:
 * the configuration (already loaded), the log file and the slow-request
 * log, the pid file's folder,
 * the socket (the inherited one during an upgrade's self-test) and the
 * database (a connection, with every prepared statement, so a schema the
 * program does not fit is caught too). 0, or -1 with *cause.
 */
static int
api_preflight(const struct config *cfg, char **cause)
{
	const char	*file;
	struct db	*db;
	int		 fd;

	file = config_str(cfg, "api", "log_file");
	if (file != NULL && file[0] != '\0') {
		if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640)) == -1)
			return (cause_set(cause, "cannot open log file %s: %s",
			    file, strerror(errno)));
		close(fd);
	}
	file = config_str(cfg, "api", "slowlog");
	if (file != NULL && file[0] != '\0') {
		if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640)) == -1)
			return (cause_set(cause, "cannot open [api] slowlog %s: "
			    "%s", file, strerror(errno)));
		close(fd);
	}
	file = config_str(cfg, "api", "pid_file");
	if (file != NULL && file[0] != '\0' &&
	    api_check_folder("[api] pid_file", file, cause) != 0)
		return (-1);
	if (api_check_listen(cfg, cause) != 0 ||
	    api_cursor_keys(cfg, 0, cause) != 0)
		return (-1);
	if (master_limits(cfg, cause) != 0)	/* -t's process: tried for real */
		return (-1);
	db = xnonnull(db_new(cfg, routes_stmts), "a database handle");
	if (db_connect(db) != ST_OK) {
		cause_set(cause, "database check failed: %s", db_error(db));
		db_free(db);
		return (-1);
	}
	db_free(db);
	return (0);
}

/* Prints the route table, one "METHOD PATTERN SCOPE STATUSES" line per route. */
static int
api_print_routes(void)
{
	const struct route	*t;
	size_t			 n, i;

	t = routes_all(&n);
	for (i = 0; i < n; i++)
		printf("%s %s %s %s\n", t[i].method, t[i].pattern,
		    t[i].scope != NULL ? t[i].scope : "-",
		    t[i].statuses != NULL ? t[i].statuses : "-");
	return (0);
}

/*
 * `bootstack-api status [--full] [--json] [--socket ADDR]`: prints the
 * status page (routes/status.c), read straight from the FastCGI socket of
 * [api] listen (or ADDR), so it needs no web server. Exit 0 if the daemon
 * answered 200, else 1 with one line.
 */
static int
api_status(const struct config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "full",	no_argument,		NULL, 'f' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "socket",	required_argument,	NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct fcgic_answer	 a;
	const char		*addr = config_str(cfg, "api", "listen");
	char			*cause = NULL, uri[64];
	int			 ch, full = 0, json = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			full = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			addr = optarg;
			break;
		default:
			fprintf(stderr, "usage: bootstack-api [-c FILE] status "
			    "[--full] [--json] [--socket ADDR]\n");
			return (2);
		}
	}
	if (strcmp(addr, "stdin") == 0) {
		fprintf(stderr, "bootstack-api: status: [api] listen = stdin "
		    "(a socket unit): give its address with --socket ADDR\n");
		return (1);
	}
	snprintf(uri, sizeof(uri), "/status%s%s%s", full || json ? "?" : "",
	    full ? "full" : "", json ? (full ? "&json" : "json") : "");
	fcgic_answer_init(&a, 8 * 1024 * 1024);
	rc = fcgic_get(addr, uri, NULL, 10000, &a, &cause);
	if (rc == 0 && a.status != 200) {
		cause_set(&cause, "%s answered %d: %.200s", addr, a.status,
		    buf_str(&a.body));
		rc = -1;
	}
	if (rc == 0) {
		fwrite(a.body.data != NULL ? a.body.data : "", 1, a.body.len,
		    stdout);
		if (json)
			putchar('\n');
	} else
		fprintf(stderr, "bootstack-api: status: %s\n", cause_text(cause));
	free(cause);
	fcgic_answer_cleanup(&a);
	return (rc == 0 ? 0 : 1);
}

/*
 * Reads "generation", "reloads refused" and how many workers are still
 * starting from the status page at addr. 0, or -1 with *cause.
 */
static int
api_generation(const char *addr, long long *gen, long long *refused,
    long long *starting, char **cause)
{
	struct fcgic_answer	 a;
	json_object		*j = NULL, *v, *p, *st;
	size_t			 i;
	int			 rc = -1;

	fcgic_answer_init(&a, 8 * 1024 * 1024);
	if (fcgic_get(addr, "/status?full&json", NULL, 10000, &a, cause) != 0)
		goto out;
	if (a.status != 200 || (j = json_tokener_parse(buf_str(&a.body))) ==
	    NULL || !json_object_object_get_ex(j, "generation", &v)) {
		cause_set(cause, "%s: no status page (%d)", addr, a.status);
		goto out;
	}
	*gen = json_object_get_int64(v);
	*refused = json_object_object_get_ex(j, "reloads refused", &v) ?
	    json_object_get_int64(v) : 0;
	*starting = 0;
	if (json_object_object_get_ex(j, "processes", &v))
		for (i = 0; i < json_object_array_length(v); i++)
			if ((p = json_object_array_get_idx(v, i)) != NULL &&
			    json_object_object_get_ex(p, "state", &st) &&
			    strcmp(json_object_get_string(st), "starting") == 0)
				(*starting)++;
	rc = 0;
out:
	json_object_put(j);
	fcgic_answer_cleanup(&a);
	return (rc);
}

/*
 * `bootstack-api reload [--socket ADDR] PID`: SIGHUP to the master PID,
 * then waits until the status page shows the new generation with none of
 * its workers still starting (exit 0) or
 * a refused reload (exit 1), at most 60 s: ExecReload= of the unit, so
 * that `systemctl reload` returns once the new workers serve, and fails
 * when the configuration was refused (systemd before 253 has no
 * Type=notify-reload, and would return as soon as kill(1) did).
 */
static int
api_reload(const struct config *cfg, int argc, char **argv)
{
	const char	*addr = config_str(cfg, "api", "listen");
	char		*cause = NULL, *end;
	long long	 gen0, ref0, gen, ref, starting, deadline;
	long		 pid;

	if (argc == 4 && strcmp(argv[1], "--socket") == 0) {
		addr = argv[2];
		argv += 2;
		argc -= 2;
	}
	errno = 0;
	pid = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 2 || errno != 0 || *end != '\0' || pid <= 1) {
		fprintf(stderr, "usage: bootstack-api [-c FILE] reload "
		    "[--socket ADDR] PID\n");
		return (2);
	}
	if (api_generation(addr, &gen0, &ref0, &starting, &cause) != 0)
		goto fail;
	if (kill((pid_t)pid, SIGHUP) == -1) {
		cause_set(&cause, "kill %ld: %s", pid, strerror(errno));
		goto fail;
	}
	deadline = clock_ms() + 60000;
	while (clock_ms() < deadline) {
		clock_sleep_ms(100);
		free(cause);
		cause = NULL;
		if (api_generation(addr, &gen, &ref, &starting, &cause) != 0)
			continue;	/* busy: try again */
		if (gen != gen0 && starting == 0) {
			printf("reloaded: generation %lld\n", gen);
			return (0);
		}
		if (ref != ref0) {
			cause_set(&cause, "reload refused, the running "
			    "configuration is kept (see the log)");
			goto fail;
		}
	}
	if (cause == NULL)
		cause_set(&cause, "no new generation within 60 s");
fail:
	fprintf(stderr, "bootstack-api: reload: %s\n", cause_text(cause));
	free(cause);
	return (1);
}

/* Prints the usage line. */
static void
api_usage(FILE *f)
{
	fprintf(f, "usage: bootstack-api [-c FILE | --env NAME] [-t] [-V] "
	    "[--routes]\n"
	    "       bootstack-api [-c FILE | --env NAME] status [--full] "
	    "[--json] [--socket ADDR]\n"
	    "       bootstack-api [-c FILE | --env NAME] reload [--socket "
	    "ADDR] PID\n"
	    "  -c FILE     configuration (default $BOOTSTACK_CONF, else "
	    "%s/bootstack.conf)\n"
	    "  --env NAME  configuration %s/NAME.conf (or $BOOTSTACK_ENV)\n"
	    "  -t          check what a start needs (configuration, log and "
	    "pid files,\n              socket, database) and exit\n"
	    "  -V          print the version and exit\n"
	    "  --routes    print the route table (METHOD PATTERN SCOPE "
	    "STATUSES) and exit\n"
	    "  status      print the status page, read from the FastCGI "
	    "socket\n"
	    "  reload PID  SIGHUP the master PID and wait for its new "
	    "generation\n"
	    "Signals: HUP reload, TERM drain and stop, USR1 reopen logs, "
	    "USR2 upgrade\n(exec the installed program again, keeping the "
	    "socket; see bootstack-api(8)).\n",
	    BS_SYSCONFDIR, BS_SYSCONFDIR);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "env",	required_argument,	NULL, 'e' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct api	 api;
	char		*cause = NULL, *path;
	const char	*file = NULL, *env = NULL;
	size_t		 nroutes;
	int		 ch, test_only = 0, upgrading, rc;

	memset(&api, 0, sizeof(api));
	api.argv = argv;
	log_init("bootstack-api", LOG_LEVEL_INFO);
	if (argc == 2 && strcmp(argv[1], "--routes") == 0)
		return (api_print_routes());
	while ((ch = getopt_long(argc, argv, "+c:thV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'e':
			env = optarg;
			break;
		case 't':
			test_only = 1;
			break;
		case 'h':
			api_usage(stdout);
			return (0);
		case 'V':
			printf("bootstack-api %s\n", PACKAGE_VERSION);
			return (0);
		default:
			api_usage(stderr);
			return (2);
		}
	}
	if (optind < argc && strcmp(argv[optind], "status") != 0 &&
	    strcmp(argv[optind], "reload") != 0) {
		api_usage(stderr);
		return (2);
	}
	/* -c, --env, $BOOTSTACK_CONF, $BOOTSTACK_ENV, default: confenv.h */
	if ((path = confenv_path(file, env, BS_SYSCONFDIR, &cause)) == NULL ||
	    (api.cfg = config_new()) == NULL ||
	    config_load(api.cfg, path, &cause) != 0) {
		fprintf(stderr, "bootstack-api: %s\n", cause_text(cause));
		free(cause);
		config_free(api.cfg);
		free(path);
		return (1);
	}
	api.config_path = path;
	if (pool_check(api.cfg, &cause) != 0) {
		fprintf(stderr, "bootstack-api: %s: %s\n", path, cause);
		free(cause);
		config_free(api.cfg);
		free(path);
		return (1);
	}
	routes_all(&nroutes);
	if (nroutes > SCOREBOARD_ROUTES) {
		fprintf(stderr, "bootstack-api: %zu routes, the scoreboard "
		    "counts %d: raise SCOREBOARD_ROUTES\n", nroutes,
		    SCOREBOARD_ROUTES);
		config_free(api.cfg);
		free(path);
		return (1);
	}
	if (optind < argc) {
		rc = strcmp(argv[optind], "reload") == 0 ?
		    api_reload(api.cfg, argc - optind, argv + optind) :
		    api_status(api.cfg, argc - optind, argv + optind);
		config_free(api.cfg);
		free(path);
		return (rc);
	}
	if (test_only) {
		/* one line says it all; the modules' own log lines would repeat it */
		log_min_level = (enum log_level)(LOG_LEVEL_ERROR + 1);
		rc = api_preflight(api.cfg, &cause);
		if (rc == 0)
			printf("%s: ok\n", path);
		else
			fprintf(stderr, "bootstack-api: %s\n", cause_text(cause));
		free(cause);
		config_free(api.cfg);
		free(path);
		return (rc == 0 ? 0 : 1);
	}
	/*
	 * After a SIGUSR2 exec the old workers serve on in this process: a
	 * log or pid file that cannot be written now (the self-test passed a
	 * moment ago) costs a warning, as on SIGHUP, not the service.
	 */
	upgrading = getenv(API_ENV_UPGRADE_FROM) != NULL;
	api.listen_fd = -1;
	if (api_apply_logging(api.cfg, &cause) != 0) {
		if (!upgrading)
			goto fail;
		log_warnx("%s", cause_text(cause));
		cause_clear(&cause);
	}
	if (api_cursor_keys(api.cfg, 1, &cause) != 0)
		goto fail;
	if (!upgrading)
		api_check_role(api.cfg);
	if ((api.listen_fd = api_listen(&api, api.cfg, &cause)) == -1)
		goto fail;
	if (api_write_pid(&api, &cause) != 0) {
		if (!upgrading)
			goto fail;
		log_warnx("%s", cause_text(cause));
		cause_clear(&cause);
	}
	api.listen_unix = api_is_unix(api.listen_fd);
	rc = master_run(&api);
	/* the paths in use, not the reloaded config's (owned copies) */
	api_listen_stop(&api);
	api_remove_pid(&api);
	config_free(api.cfg);
	free(path);
	return (rc);
fail:
	log_errorx("%s", cause_text(cause));
	free(cause);
	api_listen_stop(&api);
	config_free(api.cfg);
	free(path);
	return (1);
}
