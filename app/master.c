/*
 * master.c: the supervisor of the bootstack-api workers (php-fpm's model).
 *
 * The master never serves a request. It forks [api] workers processes on the
 * shared socket and then waits for signals with sigtimedwait() (all of them
 * blocked, so no handler races with the bookkeeping):
 *
 *   SIGCHLD	reap; a worker that exited 0 (recycled after max_requests) is
 *		replaced at once; a crash is replaced at once too, unless
 *		crashes come in a burst (CRASH_BURST in CRASH_WINDOW_MS): then
 *		the master logs a crash loop and backs off, doubling up to 30 s.
 *   SIGHUP	graceful reload: re-read the config (a bad file keeps the old
 *		one), start a new generation of workers, then ask the old ones
 *		to finish their request and exit. The socket never closes, so
 *		no request is refused.
 *   SIGTERM, SIGINT, SIGQUIT
 *		graceful stop: workers finish what they serve and exit; after
 *		[api] drain_timeout the rest are killed.
 *   SIGUSR1	reopen log files (logrotate), here and in every worker.
 *
 * On every tick it also reads the scoreboard: a worker busy on one request
 * for longer than [api] request_timeout is killed and replaced (nginx has
 * answered 504 by then if its fastcgi_read_timeout is shorter, as it
 * should be).
 */
#include "autoconf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "log.h"
#include "scoreboard.h"

#define MASTER_MAX_SLOTS	SCOREBOARD_SLOTS
#define CRASH_WINDOW_MS		10000
#define CRASH_BURST		5
#define BACKOFF_MAX_MS		30000

struct master_slot {
	pid_t		 pid;		/* the worker; 0 when none runs */
	unsigned int	 generation;	/* generation it serves */
	int		 waiting;	/* pid 0, to be respawned at respawn_at */
	int		 overran;	/* killed by us for request_timeout */
	long long	 respawn_at;	/* ms, monotonic */
};

static struct master_slot	 slots[MASTER_MAX_SLOTS];
static long long		 crash_times[CRASH_BURST];	/* ring */
static unsigned int		 crash_next;
static long long		 backoff_ms;

/* Monotonic milliseconds. */
static long long
master_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Forks one worker into slot i. */
static void
master_spawn(struct api *api, unsigned int i)
{
	pid_t	 pid;

	slots[i].generation = api->generation;
	slots[i].overran = 0;
	atomic_store(&api->board->slots[i].busy_since_ms, 0);
	atomic_store(&api->board->slots[i].used, 1);
	pid = fork();
	if (pid == -1) {
		log_error("fork");
		slots[i].waiting = 1;
		slots[i].respawn_at = master_now_ms() + 1000;
		return;
	}
	if (pid == 0)
		worker_run(api, i);
	slots[i].pid = pid;
	slots[i].waiting = 0;
	log_debug("worker %u started, pid %ld", i, (long)pid);
}

/* Number of live workers (of any generation). */
static unsigned int
master_alive(void)
{
	unsigned int	 i, n = 0;

	for (i = 0; i < MASTER_MAX_SLOTS; i++)
		if (slots[i].pid != 0)
			n++;
	return (n);
}

/*
 * Brings the current generation to [api] workers processes: due respawns
 * first, then new workers in free slots.
 */
static void
master_fill(struct api *api)
{
	unsigned int	 i, have = 0, want;
	long long	 now = master_now_ms();

	want = (unsigned int)config_int(api->cfg, "api", "workers");
	atomic_store(&api->board->workers, (int)want);
	if (crash_next > 0 &&
	    now - crash_times[(crash_next - 1) % CRASH_BURST] > CRASH_WINDOW_MS)
		atomic_store(&api->board->crash_loop, 0);
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].generation != api->generation)
			continue;
		if (slots[i].waiting && slots[i].respawn_at <= now)
			master_spawn(api, i);
		if (slots[i].pid != 0 || slots[i].waiting)
			have++;
	}
	for (i = 0; i < MASTER_MAX_SLOTS && have < want; i++) {
		if (slots[i].pid == 0 && !slots[i].waiting) {
			master_spawn(api, i);
			have++;
		}
	}
	if (have < want)
		log_errorx("no free worker slot: too many draining workers");
}

/* Counts a worker restart for /metrics. */
static void
master_count(struct api *api, enum scoreboard_restart why)
{
	atomic_fetch_add_explicit(&api->board->restarts[why], 1,
	    memory_order_relaxed);
}

/* Records a crash and returns the delay before the next respawn. */
static long long
master_crash_delay(struct api *api)
{
	long long	 now = master_now_ms(), oldest;

	crash_times[crash_next % CRASH_BURST] = now;
	crash_next++;
	oldest = crash_times[crash_next % CRASH_BURST];
	if (crash_next < CRASH_BURST || now - oldest > CRASH_WINDOW_MS) {
		backoff_ms = 0;
		atomic_store(&api->board->crash_loop, 0);
		return (0);
	}
	atomic_store(&api->board->crash_loop, 1);
	backoff_ms = backoff_ms == 0 ? 500 : backoff_ms * 2;
	if (backoff_ms > BACKOFF_MAX_MS)
		backoff_ms = BACKOFF_MAX_MS;
	log_errorx("crash loop: %d worker crashes within %d s; next respawn "
	    "in %lld ms", CRASH_BURST, CRASH_WINDOW_MS / 1000, backoff_ms);
	return (backoff_ms);
}

/* Reaps every exited worker and schedules replacements. */
static void
master_reap(struct api *api, int stopping)
{
	unsigned int	 i;
	pid_t		 pid;
	int		 status;
	long long	 delay;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < MASTER_MAX_SLOTS; i++)
			if (slots[i].pid == pid)
				break;
		if (i == MASTER_MAX_SLOTS)
			continue;
		slots[i].pid = 0;
		delay = 0;
		if (slots[i].overran) {
			log_debug("worker %u (pid %ld) reaped after its deadline",
			    i, (long)pid);
			master_count(api, SCOREBOARD_RESTART_DEADLINE);
		} else if (WIFSIGNALED(status)) {
			log_errorx("worker %u (pid %ld) killed by signal %d "
			    "(%s)", i, (long)pid, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
			delay = master_crash_delay(api);
			master_count(api, SCOREBOARD_RESTART_CRASH);
		} else if (WEXITSTATUS(status) != 0) {
			log_errorx("worker %u (pid %ld) exited with status %d",
			    i, (long)pid, WEXITSTATUS(status));
			delay = master_crash_delay(api);
			master_count(api, SCOREBOARD_RESTART_CRASH);
		} else {
			log_debug("worker %u (pid %ld) exited", i, (long)pid);
			if (!stopping && slots[i].generation == api->generation)
				master_count(api, SCOREBOARD_RESTART_RECYCLE);
		}
		if (!stopping && slots[i].generation == api->generation) {
			slots[i].waiting = 1;
			slots[i].respawn_at = master_now_ms() + delay;
		}
	}
}

/* Sends sig to every worker, or only to those of older generations. */
static void
master_signal(struct api *api, int sig, int old_only)
{
	unsigned int	 i;

	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0)
			continue;
		if (old_only && slots[i].generation == api->generation)
			continue;
		kill(slots[i].pid, sig);
	}
}

/* Kills the workers whose current request overran request_timeout. */
static void
master_deadlines(struct api *api)
{
	long long	 now = scoreboard_now_ms(), since, limit;
	unsigned int	 i;

	limit = 1000 * config_int(api->cfg, "api", "request_timeout");
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0 || slots[i].overran)
			continue;
		since = atomic_load_explicit(&api->board->slots[i].busy_since_ms,
		    memory_order_relaxed);
		if (since == 0 || now - since <= limit)
			continue;
		log_errorx("worker %u (pid %ld) killed: a request ran past "
		    "request_timeout (%llds)", i, (long)slots[i].pid, limit / 1000);
		slots[i].overran = 1;
		kill(slots[i].pid, SIGKILL);
	}
}

/* SIGHUP: new config, new workers, then the old ones drain. */
static void
master_reload(struct api *api)
{
	struct config	*cfg;
	char		*cause = NULL;
	unsigned int	 i;

	log_info("reloading %s", api->config_path);
	if ((cfg = config_new()) == NULL ||
	    config_load(cfg, api->config_path, &cause) != 0) {
		log_errorx("reload refused, keeping the running configuration: "
		    "%s", cause != NULL ? cause : "out of memory");
		free(cause);
		config_free(cfg);
		return;
	}
	if (strcmp(config_str(cfg, "api", "listen"),
	    config_str(api->cfg, "api", "listen")) != 0)
		log_warnx("[api] listen changed: it takes effect on restart, "
		    "not on reload");
	if (api_apply_logging(cfg, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
	}
	config_free(api->cfg);
	api->cfg = cfg;
	api->generation++;
	for (i = 0; i < MASTER_MAX_SLOTS; i++)
		slots[i].waiting = 0;	/* old respawns are moot now */
	master_fill(api);
	master_signal(api, SIGTERM, 1);
	log_info("reloaded: generation %u, %lld workers", api->generation,
	    config_int(api->cfg, "api", "workers"));
}

/* See api.h. */
int
master_run(struct api *api)
{
	sigset_t	 set;
	siginfo_t	 info;
	struct timespec	 tick = { 0, 200 * 1000 * 1000 };
	long long	 drain_deadline = 0;
	int		 sig, stopping = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (api->board == NULL && (api->board = scoreboard_map()) == NULL) {
		log_error("mapping the scoreboard");
		return (1);
	}

	master_fill(api);
	log_info("bootstack-api %s started: %lld workers on %s", PACKAGE_VERSION,
	    config_int(api->cfg, "api", "workers"),
	    config_str(api->cfg, "api", "listen"));
	for (;;) {
		sig = sigtimedwait(&set, &info, &tick);
		switch (sig) {
		case SIGCHLD:
			break;		/* reaped below */
		case SIGHUP:
			if (!stopping)
				master_reload(api);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			if (!stopping) {
				log_info("stopping: draining %u workers",
				    master_alive());
				stopping = 1;
				drain_deadline = master_now_ms() + 1000 *
				    config_int(api->cfg, "api", "drain_timeout");
				master_signal(api, SIGTERM, 0);
			}
			break;
		case SIGUSR1:
			if (log_reopen() == -1)
				log_warn("reopening the log");
			master_signal(api, SIGUSR1, 0);
			break;
		default:
			break;
		}
		master_reap(api, stopping);
		master_deadlines(api);
		if (stopping) {
			if (master_alive() == 0)
				break;
			if (master_now_ms() > drain_deadline) {
				log_warnx("drain_timeout passed: killing %u "
				    "workers", master_alive());
				master_signal(api, SIGKILL, 0);
				drain_deadline = master_now_ms() + 60000;
			}
		} else
			master_fill(api);
	}
	log_info("stopped");
	return (0);
}
