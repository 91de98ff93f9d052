/*
 * api.h: the bootstack-api daemon: state shared by its master and workers.
 *
 * The master (master.c) binds the socket, forks the workers and supervises
 * them as php-fpm does; each worker (worker.c) accepts FastCGI requests one
 * at a time and dispatches them through the route table (routes.c).
 */
#ifndef APP_API_H
#define APP_API_H

#include <sys/types.h>

struct config;
struct db;
struct scoreboard;

/*
 * Names the fd of a listening socket inherited across exec: set by the
 * master for its own SIGUSR2 upgrade (master.c), read by main (api.c).
 */
#define API_ENV_LISTEN_FD	"BOOTSTACK_LISTEN_FD"
/* Set across a SIGUSR2 exec: the version of the image before (master.c). */
#define API_ENV_UPGRADE_FROM	"BOOTSTACK_UPGRADE_FROM"

/* One process's view of the application; a worker's lives for its life. */
struct api {
	struct config	*cfg;		/* owned by the master; workers inherit it */
	const char	*config_path;	/* -c, --env or default; owned by main() */
	char		**argv;		/* main()'s, exec'd again on SIGUSR2 */
	struct db	*db;		/* the worker's connection; NULL in the master */
	int		 listen_fd;	/* the FastCGI socket, non-blocking; -1 once closed */
	int		 listen_unix;	/* it is a unix socket */
	int		 listen_tcp_ours; /* a TCP socket this image bound */
	char		*listen_path;	/* its path, when we bound it (owned); else NULL */
	dev_t		 listen_dev;	/* the path's file at bind time, so that */
	ino_t		 listen_ino;	/* ... only our own socket is unlinked */
	char		*pid_file;	/* the pid file written (owned); NULL if none */
	struct scoreboard *board;	/* shared with the master, mapped by it */
	unsigned int	 generation;	/* bumped by every reload */
	pid_t		 master_pid;	/* the master, which workers outlive never */
};

/* master.c: runs the supervisor until SIGTERM; returns the exit code. */
int	master_run(struct api *);
/*
 * master.c: sets [api] rlimit_files and rlimit_core (soft and hard) in
 * this process, as each worker does at its start and -t does to try them.
 * 0, or -1 with *cause (caller frees).
 */
int	master_limits(const struct config *, char **cause);

/* worker.c: serves requests until told to stop; never returns. */
void	worker_run(struct api *, unsigned int slot) __attribute__((noreturn));

/* api.c: applies [api] log_level and log_file; -1 with *cause on failure. */
int	api_apply_logging(const struct config *, char **cause);
/*
 * api.c: stops new connections from reaching this daemon (a stop): the
 * unix socket's path is unlinked if it is still ours; a TCP socket we bound
 * gets a filter that drops every new SYN (the client tries again and finds
 * the port closed: refused, nothing sent), so what is queued is all the
 * workers have to take; and the master's copy of the socket is closed (each
 * worker closes its own once it has taken what was queued).
 */
void	api_listen_stop(struct api *);

#endif
