/*
 * master.c: the supervisor of the bootstack-api workers (php-fpm's model).
 *
 * The master never serves a request. It forks workers on the shared socket
 * as [api] pm says (php-fpm's process manager):
 *
 *   static	[api] workers processes, always.
 *   dynamic	start_servers at start (and on reload), then once a second:
 *		fewer idle workers than min_spare_servers and more are forked
 *		(max_spawn_rate at most, workers in all), more than
 *		max_spare_servers and the one idle the longest is stopped.
 *   ondemand	none at start; a connection that arrives while no worker is
 *		idle forks one (the master watches the socket, edge-triggered,
 *		and its accept queue on every tick), up to workers; a worker
 *		idle for process_idle_timeout is stopped.
 *
 * A spawn that workers refused is counted ("max children reached") and
 * logged once until the pool shrinks again. The master then waits for
 * signals on a signalfd (all of them blocked, so no handler races with the
 * bookkeeping), in an epoll set with the socket when pm = ondemand:
 *
 *   SIGCHLD	reap; a worker that exited 0 (recycled after max_requests) is
 *		replaced at once; a crash is replaced at once too, unless
 *		crashes come in a burst (CRASH_BURST in CRASH_WINDOW_MS): then
 *		the master logs a crash loop and backs off, doubling up to 30 s.
 *   (crashes)	[api] emergency_restart_threshold workers killed by a crash
 *		signal within emergency_restart_interval: every worker is
 *		restarted, as on SIGHUP (php-fpm's emergency restart).
 *   SIGHUP	graceful reload: re-read the config (a bad file keeps the old
 *		one), start a new generation of workers, then ask the old ones
 *		to finish their request and exit. The socket never closes, so
 *		no request is refused.
 *   SIGTERM, SIGINT, SIGQUIT
 *		graceful stop: new connections are refused first (the unix
 *		socket's path is removed and the master closes its copy of the
 *		socket); the workers get SIGQUIT: they take what is queued,
 *		finish it and exit; after [api] drain_timeout the rest are
 *		killed.
 *   SIGUSR1	reopen log files (logrotate), here and in every worker.
 *   SIGUSR2	binary upgrade: exec the program file again (the newly
 *		installed one) in this same process, keeping the socket and
 *		the workers; see master_upgrade().
 *
 * Under systemd (Type=notify, lib/notify.h) it says READY=1 once the
 * workers of a start or a reload have started, RELOADING=1 when a reload
 * or an upgrade begins (so `systemctl reload` can wait for the new
 * generation), STOPPING=1 on a stop, and a STATUS= line with each.
 *
 * On every tick it also reads the scoreboard: a request running longer than
 * [api] request_slowlog_timeout is written once to the slow-request log
 * (master_slowlog), and a worker whose handler runs
 * longer than [api] request_timeout is killed and replaced (nginx has
 * answered 504 by then if its fastcgi_read_timeout is shorter, as it
 * should be), whatever its generation; so is a worker asked to exit (by a
 * reload, a stop or an upgrade) that has not within [api] drain_timeout.
 * The reading of requests needs no help: workers never block on a client
 * (worker.c). Workers die with the master (PR_SET_PDEATHSIG).
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "cause.h"
#include "clock.h"
#include "config.h"
#include "listenq.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "proc.h"
#include "routes.h"
#include "scoreboard.h"
#include "xmalloc.h"

#define MASTER_MAX_SLOTS	SCOREBOARD_SLOTS
#define CRASH_WINDOW_MS		10000
#define CRASH_BURST		5
#define BACKOFF_MAX_MS		30000
#define SELFTEST_MAX_MS		10000	/* "PROGRAM -t" before an upgrade */
#define MASTER_ENV_WORKERS	"BOOTSTACK_UPGRADE_WORKERS"	/* "pid,pid" */
#define GENERATION_ADOPTED	(~0U)	/* workers of the image before exec */
#define WRITE_GRACE_MS		2000	/* a writing worker past request_timeout */
#define TICK_MS			200	/* longest wait between two looks */
#define MAINTAIN_MS		1000	/* pm = dynamic: one round per second */
#define FAULTS_MAX		1000	/* emergency_restart_threshold, at most */
#define READY_MAX_MS		10000	/* READY=1 even if workers still start */

struct master_slot {
	pid_t		 pid;		/* the worker; 0 when none runs */
	unsigned int	 generation;	/* generation it serves */
	int		 waiting;	/* pid 0, to be respawned at respawn_at */
	int		 overran;	/* killed by us for request_timeout */
	int		 adopted;	/* forked by the image before a SIGUSR2 */
	long long	 respawn_at;	/* ms, monotonic */
	long long	 retire_by;	/* asked to exit: killed past this; 0 = not */
	int		 reaping;	/* stopped by the pm: not replaced */
	long long	 idle_since;	/* ms: last seen busy or counting */
	unsigned long long seen;	/* its requests counter then */
	long long	 slow_logged;	/* busy_since_ms of the request logged slow */
	int		 ready_seen;	/* its ready flag, as last seen */
};

/* What the pool of the current generation looks like now. */
struct master_count {
	unsigned int	 total;		/* running or due to respawn, not retiring */
	unsigned int	 idle;		/* running and not busy, not retiring */
	unsigned int	 active;	/* busy on a request */
};

static struct master_slot	 slots[MASTER_MAX_SLOTS];
static long long		 crash_times[CRASH_BURST];	/* ring */
static unsigned int		 crash_next;
static long long		 backoff_ms;
static long long		 spawn_after;	/* ms: pm spawns wait for a back-off */
static long long		 maintain_at;	/* ms: next dynamic round */
static int			 warned_max;	/* "max children reached" logged */
static int			 master_sigfd = -1;	/* the blocked signals */
static int			 master_ep = -1;	/* sigfd, and the socket */
static int			 master_watching;	/* the socket is in master_ep */
static char			 master_tag_sig, master_tag_listen;
static int			 slowlog_fd = -1;	/* [api] slowlog; -1 = the log */
static long long		 ready_due;	/* ms: READY=1 owed, by then; 0 = none */
static long long		 fault_times[FAULTS_MAX];	/* ring */
static unsigned int		 fault_next;

/*
 * Clears what slot i says about its worker: no pid, idle, nothing pending.
 * Done at spawn and at reap, so a worker killed mid-request is not counted
 * in flight afterwards.
 */
static void
master_clear(struct api *api, unsigned int i)
{
	struct scoreboard_slot	*s = &api->board->slots[i];

	atomic_store(&s->pid, 0);
	atomic_store(&s->state, SCOREBOARD_IDLE);
	atomic_store(&s->pending, 0);
	atomic_store(&s->busy_since_ms, 0);
	atomic_store(&s->ready, 0);
	atomic_store(&s->waiting_on, NULL);
}

/* Sets one resource limit, soft and hard; 0, or -1 with *cause. */
static int
master_rlimit(int resource, const char *name, rlim_t v, char **cause)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = v;
	if (setrlimit(resource, &rl) == -1)
		return (cause_set(cause, "[api] %s: setrlimit: %s%s", name,
		    strerror(errno), errno == EPERM ? " (above the hard limit "
		    "needs root or CAP_SYS_RESOURCE)" : ""));
	return (0);
}

/* See api.h. */
int
master_limits(const struct config *cfg, char **cause)
{
	long long	 files = config_int(cfg, "api", "rlimit_files");
	const char	*core = config_str(cfg, "api", "rlimit_core");

	*cause = NULL;
	if (files > 0 && master_rlimit(RLIMIT_NOFILE, "rlimit_files",
	    (rlim_t)files, cause) != 0)
		return (-1);
	if (core != NULL && core[0] != '\0' && master_rlimit(RLIMIT_CORE,
	    "rlimit_core", strcmp(core, "unlimited") == 0 ? RLIM_INFINITY :
	    (rlim_t)strtoull(core, NULL, 10), cause) != 0)
		return (-1);
	return (0);
}

/* Forks one worker into slot i. */
static void
master_spawn(struct api *api, unsigned int i)
{
	struct scoreboard_slot	*s = &api->board->slots[i];
	char			*cause = NULL;
	pid_t			 pid;

	slots[i].generation = api->generation;
	slots[i].overran = 0;
	slots[i].adopted = 0;
	slots[i].retire_by = 0;
	slots[i].reaping = 0;
	slots[i].slow_logged = 0;
	slots[i].ready_seen = 0;
	slots[i].idle_since = clock_ms();
	master_clear(api, i);
	atomic_store(&s->used, 1);
	slots[i].seen = atomic_load(&s->requests);
	atomic_store(&s->requests_base, slots[i].seen);
	atomic_store(&s->started, (long long)time(NULL));
	pid = fork();
	if (pid == -1) {
		log_error("fork");
		slots[i].waiting = 1;
		slots[i].respawn_at = clock_ms() + 1000;
		return;
	}
	if (pid == 0) {
		close(master_sigfd);
		close(master_ep);
		if (slowlog_fd != -1)
			close(slowlog_fd);
		if (master_limits(api->cfg, &cause) != 0) {
			log_errorx("worker %u: %s", i, cause);
			_exit(1);
		}
		worker_run(api, i);
	}
	slots[i].pid = pid;
	slots[i].waiting = 0;
	atomic_store(&s->pid, (int)pid);
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

/* Forks up to n workers of the current generation into free slots. */
static unsigned int
master_spawn_n(struct api *api, unsigned int n)
{
	unsigned int	 i, done = 0;

	for (i = 0; i < MASTER_MAX_SLOTS && done < n; i++) {
		if (slots[i].pid == 0 && !slots[i].waiting) {
			master_spawn(api, i);
			done++;
		}
	}
	if (done < n)
		log_errorx("no free worker slot: too many draining workers");
	return (done);
}

/*
 * Counts the current generation's workers (struct master_count). One that
 * is still starting (connecting to the database) counts as idle: it will
 * take the next connection, so none is forked for it; it is never stopped
 * for idleness, though (it could not obey before it is up).
 */
static void
master_count_pool(struct api *api, struct master_count *c)
{
	unsigned int	 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].generation != api->generation ||
		    slots[i].retire_by != 0)
			continue;
		if (slots[i].waiting) {
			c->total++;
			continue;
		}
		if (slots[i].pid == 0)
			continue;
		c->total++;
		if (atomic_load_explicit(&api->board->slots[i].busy_since_ms,
		    memory_order_relaxed) != 0)
			c->active++;
		else
			c->idle++;
	}
}

/*
 * A spawn the pool wanted and [api] workers refused: counted and logged
 * once, until the pool is below its cap again (php-fpm's "max children
 * reached").
 */
static void
master_max_reached(struct api *api, unsigned int max)
{
	if (warned_max)
		return;
	warned_max = 1;
	atomic_fetch_add_explicit(&api->board->max_children_reached, 1,
	    memory_order_relaxed);
	log_warnx("the pool reached workers (%u): consider raising it", max);
}

/*
 * Respawns the current generation's workers that are due (a crash or a
 * recycle), and with pm = static brings it to [api] workers processes.
 */
static void
master_fill(struct api *api)
{
	struct pool	 pm;
	unsigned int		 i, have = 0;
	long long		 now = clock_ms();

	pool_get(api->cfg, &pm);
	atomic_store(&api->board->workers, (int)pm.max);
	atomic_store(&api->board->pm, (int)pm.mode);
	if (crash_next > 0 &&
	    now - crash_times[(crash_next - 1) % CRASH_BURST] > CRASH_WINDOW_MS)
		atomic_store(&api->board->crash_loop, 0);
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].generation != api->generation)
			continue;
		if (slots[i].waiting && slots[i].respawn_at <= now)
			master_spawn(api, i);
		if ((slots[i].pid != 0 && slots[i].retire_by == 0) ||
		    slots[i].waiting)
			have++;
	}
	if (pm.mode == POOL_STATIC && have < pm.max)
		master_spawn_n(api, pm.max - have);
}

/*
 * Starts a generation: [api] workers processes with pm = static,
 * start_servers with dynamic, none with ondemand.
 */
static void
master_start_generation(struct api *api)
{
	struct pool	 pm;

	pool_get(api->cfg, &pm);
	warned_max = 0;
	maintain_at = clock_ms() + MAINTAIN_MS;
	if (pm.mode == POOL_DYNAMIC)
		master_spawn_n(api, pm.start);
	master_fill(api);
}

/*
 * Asks worker i to finish what it holds and exit, for the pm (idle): it
 * is not replaced, and killed if it has not exited within drain_timeout.
 */
static void
master_stop_idle(struct api *api, unsigned int i, const char *why)
{
	slots[i].reaping = 1;
	slots[i].retire_by = clock_ms() + 1000 *
	    config_int(api->cfg, "api", "drain_timeout");
	kill(slots[i].pid, SIGTERM);
	log_debug("worker %u (pid %ld) stopped: %s", i, (long)slots[i].pid,
	    why);
}

/*
 * pm = ondemand: a connection waits (the socket's event, or its queue seen
 * on a tick) and no worker is idle: one more is forked, up to workers.
 */
static void
master_ondemand(struct api *api, const struct pool *pm)
{
	struct master_count	 c;

	master_count_pool(api, &c);
	if (c.idle > 0)
		return;
	if (c.total >= pm->max) {
		master_max_reached(api, pm->max);
		return;
	}
	if (clock_ms() < spawn_after)
		return;		/* crashes: backed off */
	master_spawn_n(api, 1);
}

/*
 * The pm's look at the pool, on every wake-up: the listen queue and the
 * busiest moment are sampled for the status page, idle times updated;
 * then pm = dynamic keeps its spare bounds (once a second) and pm =
 * ondemand stops the workers idle for process_idle_timeout and forks one
 * if connections wait (listen_event: the socket said so).
 */
static void
master_maintain(struct api *api, int listen_event)
{
	struct scoreboard	*b = api->board;
	struct pool	 pm;
	struct master_count	 c;
	unsigned long long	 req;
	unsigned int		 i, oldest = MASTER_MAX_SLOTS, n;
	long long		 now = clock_ms();
	int			 q = -1, len = -1;

	pool_get(api->cfg, &pm);
	if (api->listen_fd >= 0 && listenq_get(api->listen_fd, &q, &len) == 0) {
		atomic_store(&b->listen_queue, q);
		atomic_store(&b->listen_queue_len, len);
		if (q > atomic_load(&b->listen_queue_max))
			atomic_store(&b->listen_queue_max, q);
	}
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0 || slots[i].adopted)
			continue;
		req = atomic_load_explicit(&b->slots[i].requests,
		    memory_order_relaxed);
		/* idle from the moment it is up: a slow start is not idleness */
		if (!slots[i].ready_seen && atomic_load(&b->slots[i].ready)) {
			slots[i].ready_seen = 1;
			slots[i].idle_since = now;
		}
		if (req != slots[i].seen || atomic_load_explicit(
		    &b->slots[i].busy_since_ms, memory_order_relaxed) != 0) {
			slots[i].seen = req;
			slots[i].idle_since = now;
		}
	}
	master_count_pool(api, &c);
	if ((int)c.active > atomic_load(&b->active_max))
		atomic_store(&b->active_max, (int)c.active);
	if (c.total < pm.max)
		warned_max = 0;
	switch (pm.mode) {
	case POOL_STATIC:
		break;
	case POOL_DYNAMIC:
		if (now < maintain_at)
			break;
		maintain_at = now + MAINTAIN_MS;
		if (c.idle > pm.max_spare) {
			for (i = 0; i < MASTER_MAX_SLOTS; i++) {
				if (slots[i].pid == 0 || slots[i].retire_by != 0 ||
				    slots[i].generation != api->generation ||
				    slots[i].idle_since == now ||
				    !atomic_load(&b->slots[i].ready))
					continue;
				if (oldest == MASTER_MAX_SLOTS ||
				    slots[i].idle_since < slots[oldest].idle_since)
					oldest = i;
			}
			if (oldest != MASTER_MAX_SLOTS)
				master_stop_idle(api, oldest, "more idle workers "
				    "than max_spare_servers");
		} else if (c.idle < pm.min_spare) {
			n = pm.min_spare - c.idle;
			if (n > pm.spawn_rate)
				n = pm.spawn_rate;
			if (c.total + n > pm.max) {
				master_max_reached(api, pm.max);
				n = c.total < pm.max ? pm.max - c.total : 0;
			}
			if (n > 0 && now >= spawn_after)
				master_spawn_n(api, n);
		}
		break;
	case POOL_ONDEMAND:
		for (i = 0; i < MASTER_MAX_SLOTS; i++) {
			if (slots[i].pid == 0 || slots[i].retire_by != 0 ||
			    slots[i].generation != api->generation ||
			    now - slots[i].idle_since < pm.idle_ms ||
			    atomic_load(&b->slots[i].pending) != 0 ||
			    !atomic_load(&b->slots[i].ready))
				continue;
			master_stop_idle(api, i, "idle for "
			    "process_idle_timeout");
		}
		if (listen_event || q > 0)
			master_ondemand(api, &pm);
		break;
	default:
		break;
	}
}

/*
 * Watches the socket for pm = ondemand (edge-triggered: one wake-up per
 * new connection), or stops watching it (another pm, or the stop).
 */
static void
master_watch(struct api *api, int on)
{
	struct epoll_event	 ev;

	if (on && !master_watching && api->listen_fd >= 0) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLET;
		ev.data.ptr = &master_tag_listen;
		if (epoll_ctl(master_ep, EPOLL_CTL_ADD, api->listen_fd,
		    &ev) == 0)
			master_watching = 1;
		else
			log_warn("watching the socket");
	} else if (!on && master_watching) {
		epoll_ctl(master_ep, EPOLL_CTL_DEL, api->listen_fd, NULL);
		master_watching = 0;
	}
}

/* Watches the socket if the running configuration says pm = ondemand. */
static void
master_watch_pm(struct api *api)
{
	struct pool	 pm;

	pool_get(api->cfg, &pm);
	master_watch(api, pm.mode == POOL_ONDEMAND);
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
	long long	 now = clock_ms(), oldest;

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

/*
 * php-fpm's emergency_restart_threshold: records a worker's death by a
 * crash signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT: a corrupt state
 * every worker may share, not one bad request) and returns 1 when
 * [api] emergency_restart_threshold of them fell within
 * emergency_restart_interval seconds; the ring starts over then, so one
 * burst restarts once.
 */
static int
master_fault(struct api *api, int sig)
{
	long long	 now = clock_ms(), thr, window;

	thr = config_int(api->cfg, "api", "emergency_restart_threshold");
	window = 1000 * config_int(api->cfg, "api",
	    "emergency_restart_interval");
	if (thr <= 0 || (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL &&
	    sig != SIGFPE && sig != SIGABRT))
		return (0);
	fault_times[fault_next % (unsigned int)thr] = now;
	fault_next++;
	if (fault_next < (unsigned int)thr ||
	    now - fault_times[fault_next % (unsigned int)thr] > window)
		return (0);
	fault_next = 0;
	return (1);
}

/*
 * Reaps every exited worker and schedules replacements: at once, or after
 * the crash back-off; with pm = ondemand a new connection forks the next
 * one (after the back-off), and a worker the pm stopped is not replaced.
 * Returns 1 when the crashes call for an emergency restart (master_fault).
 */
static int
master_reap(struct api *api, int stopping)
{
	struct pool	 pm;
	unsigned int		 i;
	pid_t			 pid;
	int			 status, emergency = 0;
	long long		 delay;

	pool_get(api->cfg, &pm);
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < MASTER_MAX_SLOTS; i++)
			if (slots[i].pid == pid)
				break;
		if (i == MASTER_MAX_SLOTS)
			continue;
		slots[i].pid = 0;
		slots[i].retire_by = 0;
		delay = 0;
		if (!slots[i].adopted)
			master_clear(api, i);
		if (slots[i].adopted) {
			/* an old image's worker, done draining: not ours to replace */
			slots[i].adopted = 0;
			log_debug("old worker (pid %ld) exited", (long)pid);
			continue;
		}
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
			if (!stopping && master_fault(api, WTERMSIG(status)))
				emergency = 1;
		} else if (WEXITSTATUS(status) != 0) {
			log_errorx("worker %u (pid %ld) exited with status %d",
			    i, (long)pid, WEXITSTATUS(status));
			delay = master_crash_delay(api);
			master_count(api, SCOREBOARD_RESTART_CRASH);
		} else {
			log_debug("worker %u (pid %ld) exited", i, (long)pid);
			if (!stopping && !slots[i].reaping &&
			    slots[i].generation == api->generation)
				master_count(api, SCOREBOARD_RESTART_RECYCLE);
		}
		if (delay > 0)
			spawn_after = clock_ms() + delay;
		if (!stopping && !slots[i].reaping &&
		    slots[i].generation == api->generation &&
		    pm.mode != POOL_ONDEMAND) {
			slots[i].waiting = 1;
			slots[i].respawn_at = clock_ms() + delay;
		}
		slots[i].reaping = 0;
	}
	return (emergency);
}

/*
 * Sends sig to every worker, or only to those of older generations. A
 * SIGTERM or SIGQUIT asks a worker to exit: it gets [api] drain_timeout to
 * do so, then master_deadlines() kills it.
 */
static void
master_signal(struct api *api, int sig, int old_only)
{
	unsigned int	 i;
	long long	 by = clock_ms() + 1000 *
	    config_int(api->cfg, "api", "drain_timeout");

	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0)
			continue;
		if (old_only && slots[i].generation == api->generation)
			continue;
		if ((sig == SIGTERM || sig == SIGQUIT) && slots[i].retire_by == 0)
			slots[i].retire_by = by;
		kill(slots[i].pid, sig);
	}
}

/*
 * Kills the workers whose handler overran [api] request_timeout (the
 * worker bounds its own writing by the same deadline: it is killed only if
 * it is still writing WRITE_GRACE_MS later), and the workers that were
 * asked to exit and did not within drain_timeout. Workers of every
 * generation are checked; adopted ones write into the previous image's
 * scoreboard, so only their drain deadline applies.
 */
static void
master_deadlines(struct api *api)
{
	struct scoreboard_slot	*s;
	long long		 now = clock_ms(), since, limit;
	unsigned int		 i;
	int			 state;

	limit = 1000 * config_int(api->cfg, "api", "request_timeout");
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0 || slots[i].overran)
			continue;
		if (slots[i].retire_by != 0 && clock_ms() > slots[i].retire_by) {
			log_warnx("worker %u (pid %ld) still busy %llds after it "
			    "was asked to exit: killed", i, (long)slots[i].pid,
			    config_int(api->cfg, "api", "drain_timeout"));
			slots[i].overran = 1;
			kill(slots[i].pid, SIGKILL);
			continue;
		}
		if (slots[i].adopted)
			continue;
		s = &api->board->slots[i];
		since = atomic_load_explicit(&s->busy_since_ms,
		    memory_order_relaxed);
		state = atomic_load_explicit(&s->state, memory_order_relaxed);
		if (since == 0 || now - since <= limit ||
		    (state == SCOREBOARD_WRITING &&
		    now - since <= limit + WRITE_GRACE_MS))
			continue;
		log_errorx("worker %u (pid %ld) killed: a request ran past "
		    "request_timeout (%llds)", i, (long)slots[i].pid, limit / 1000);
		slots[i].overran = 1;
		kill(slots[i].pid, SIGKILL);
	}
}

/*
 * (Re)opens [api] slowlog: at start, on reload and on SIGUSR1. Unset, or
 * a file that does not open (logged), sends slow requests to the log.
 */
static void
master_slowlog_open(struct api *api)
{
	const char	*path = config_str(api->cfg, "api", "slowlog");

	if (slowlog_fd != -1)
		close(slowlog_fd);
	slowlog_fd = -1;
	if (path == NULL || path[0] == '\0')
		return;
	if ((slowlog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		log_warn("[api] slowlog %s: slow requests go to the log", path);
}

/*
 * php-fpm's slowlog: a request still running request_slowlog_timeout
 * seconds after its handler began is written once, with what the worker
 * does at that moment: its request line, route and request id, the time
 * it has taken, and whether it is in the handler, waiting on PostgreSQL
 * (with the prepared statement's name: the worker publishes it, see
 * scoreboard.h) or writing the answer. A JSON line to [api] slowlog, or a
 * warning in the log when that is unset. Counted for the status page.
 */
static void
master_slowlog(struct api *api)
{
	struct scoreboard_slot	*s;
	struct scoreboard_req	 req;
	const char		*on, *doing;
	char			 fields[1024], line[1400], ts[40];
	long long		 now = clock_ms(), since, limit;
	unsigned int		 i;
	int			 state, n;

	limit = 1000 * config_int(api->cfg, "api", "request_slowlog_timeout");
	if (limit == 0)
		return;
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0 || slots[i].adopted)
			continue;
		s = &api->board->slots[i];
		since = atomic_load_explicit(&s->busy_since_ms,
		    memory_order_relaxed);
		if (since == 0 || now - since < limit ||
		    slots[i].slow_logged == since)
			continue;
		slots[i].slow_logged = since;
		atomic_fetch_add_explicit(&api->board->slow_requests, 1,
		    memory_order_relaxed);
		scoreboard_read_req(s, &req);
		on = atomic_load(&s->waiting_on);
		state = atomic_load(&s->state);
		doing = state == SCOREBOARD_WRITING ? "writing the answer" :
		    on != NULL ? "waiting on PostgreSQL" : "in the handler";
		fields[0] = '\0';
		log_field_int(fields, sizeof(fields), "worker_pid", slots[i].pid);
		log_field(fields, sizeof(fields), "request_id", req.request_id);
		log_field(fields, sizeof(fields), "method", req.method);
		log_field(fields, sizeof(fields), "uri", req.uri);
		log_field(fields, sizeof(fields), "route",
		    routes_pattern(req.method, req.uri));
		log_field_int(fields, sizeof(fields), "elapsed_ms", now - since);
		log_field(fields, sizeof(fields), "doing", doing);
		if (on != NULL && state != SCOREBOARD_WRITING)
			log_field(fields, sizeof(fields), "statement", on);
		if (slowlog_fd == -1) {
			log_msg(LOG_LEVEL_WARN, 0, fields, "slow request");
			continue;
		}
		n = snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"msg\":"
		    "\"slow request\"%s}\n",
		    clock_rfc3339_fmt(time(NULL), ts, sizeof(ts)), fields);
		if (n > 0 && (size_t)n < sizeof(line) &&
		    write(slowlog_fd, line, (size_t)n) != n)
			log_warn("writing the slow-request log");
	}
}

/* A new generation of workers on the running config; the old ones drain. */
static void
master_new_generation(struct api *api)
{
	unsigned int	 i;

	api->generation++;
	atomic_store(&api->board->generation, api->generation);
	for (i = 0; i < MASTER_MAX_SLOTS; i++)
		slots[i].waiting = 0;	/* old respawns are moot now */
	master_start_generation(api);
	master_watch_pm(api);
	master_signal(api, SIGTERM, 1);
	ready_due = clock_ms() + READY_MAX_MS;
	log_info("reloaded: generation %u, pm %s, %lld workers%s",
	    api->generation, config_str(api->cfg, "api", "pm"),
	    config_int(api->cfg, "api", "workers"),
	    strcmp(config_str(api->cfg, "api", "pm"), "static") == 0 ? "" :
	    " at most");
}

/*
 * SIGHUP: new config, new workers, then the old ones drain. A config that
 * does not load keeps the running one; with force (an emergency restart)
 * the workers are restarted all the same.
 */
static void
master_reload(struct api *api, int force)
{
	struct config	*cfg;
	char		*cause = NULL;

	log_info("reloading %s", api->config_path);
	notify_reloading("reloading %s", api->config_path);
	if ((cfg = config_new()) == NULL ||
	    config_load(cfg, api->config_path, &cause) != 0 ||
	    pool_check(cfg, &cause) != 0) {
		log_errorx("reload refused, keeping the running configuration: "
		    "%s", cause_text(cause));
		config_free(cfg);
		if (force)
			master_new_generation(api);
		else {
			atomic_fetch_add_explicit(&api->board->reloads_refused,
			    1, memory_order_relaxed);
			notify_ready("serving; reload refused: %s",
			    cause_text(cause));
		}
		free(cause);
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
	master_slowlog_open(api);
	master_new_generation(api);
}

/*
 * Runs "PROGRAM -t ARGS..." on the file a SIGUSR2 would exec, through
 * lib/proc: it must load the configuration and find everything a start
 * needs (api.c's preflight: log file, pid file's folder, the socket it
 * inherits, here on fd 3, and the database). Its verdict ("FILE: ok" on
 * stdout is dropped) becomes one log line. Waits SELFTEST_MAX_MS at most
 * (usually a few milliseconds; the workers serve on meanwhile, only
 * respawns wait). Returns 0 if it passed.
 */
static int
master_selftest(struct api *api)
{
	struct proc_opts	 o;
	char			 opt_t[] = "-t", fd3[] = "3", **argv;
	char			*cause = NULL, *what;
	size_t			 argc, i;
	enum st			 st;

	for (argc = 0; api->argv[argc] != NULL; argc++)
		;
	argv = xcalloc(argc + 2, sizeof(*argv));
	argv[0] = api->argv[0];
	argv[1] = opt_t;
	for (i = 1; i < argc; i++)
		argv[i + 1] = api->argv[i];
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.what = what = xprintf("%s -t", api->argv[0]);
	o.timeout_ms = SELFTEST_MAX_MS;
	o.flags = PROC_PATH | PROC_OUT_NULL | PROC_EXTRA_FD | PROC_PDEATHSIG;
	o.extra_fd = api->listen_fd;
	if (setenv(API_ENV_LISTEN_FD, fd3, 1) == -1) {
		log_error("upgrade refused: setenv");
		free(what);
		free(argv);
		return (-1);
	}
	st = proc_run(&o, NULL, &cause);
	unsetenv(API_ENV_LISTEN_FD);
	free(what);
	free(argv);
	if (st != ST_OK) {
		log_errorx("upgrade refused, the running program keeps serving: "
		    "%s", cause_text(cause));
		free(cause);
		return (-1);
	}
	return (0);
}

/*
 * SIGUSR2: a binary upgrade without a lost request (php-fpm's and nginx's
 * USR2, done in place). The master execs its program path again (argv[0]:
 * after `make install`, the new file), so it keeps its pid (systemd's
 * MainPID, the pid file), its listening socket (the fd number goes in
 * API_ENV_LISTEN_FD, close-on-exec cleared) and its workers, which serve
 * on meanwhile: exec does not end the process, so their PR_SET_PDEATHSIG
 * does not fire. The new image adopts them (master_adopt), starts its own
 * workers, then tells the old ones to finish their request and exit, as a
 * reload does. The socket never closes, so nothing is refused.
 *
 * The new file must first pass "PROGRAM -t" with our arguments; if it does
 * not, or exec fails, this image keeps serving and logs why. Caveat: the
 * scoreboard lives in this image's memory, so /metrics counters start from
 * zero again, as after a restart. A change of [api] listen needs a restart.
 */
static void
master_upgrade(struct api *api)
{
	char		 fdbuf[64], *list = NULL, *next;
	unsigned int	 i, n = 0;
	int		 flags;

	log_info("upgrade: checking %s", api->argv[0]);
	if (master_selftest(api) != 0)
		return;
	for (i = 0; i < MASTER_MAX_SLOTS; i++) {
		if (slots[i].pid == 0)
			continue;
		next = xprintf("%s%s%ld", list != NULL ? list : "",
		    list != NULL ? "," : "", (long)slots[i].pid);
		free(list);
		list = next;
		n++;
	}
	/* "FD", or "FD:DEV:INO" when the socket's path is ours to remove */
	if (api->listen_path != NULL)
		snprintf(fdbuf, sizeof(fdbuf), "%d:%llu:%llu", api->listen_fd,
		    (unsigned long long)api->listen_dev,
		    (unsigned long long)api->listen_ino);
	else
		snprintf(fdbuf, sizeof(fdbuf), "%d", api->listen_fd);
	flags = fcntl(api->listen_fd, F_GETFD);
	if (flags == -1 || setenv(API_ENV_LISTEN_FD, fdbuf, 1) == -1 ||
	    setenv(MASTER_ENV_WORKERS, list != NULL ? list : "", 1) == -1 ||
	    setenv(API_ENV_UPGRADE_FROM, PACKAGE_VERSION, 1) == -1 ||
	    fcntl(api->listen_fd, F_SETFD, flags & ~FD_CLOEXEC) == -1) {
		log_error("upgrade: preparing the exec");
		goto undo;
	}
	log_info("upgrade: exec %s; %u workers serve on meanwhile",
	    api->argv[0], n);
	notify_reloading("upgrading: exec %s", api->argv[0]);
	execvp(api->argv[0], api->argv);
	log_error("upgrade refused: exec %s", api->argv[0]);
	notify_ready("serving; upgrade refused: exec %s failed", api->argv[0]);
undo:
	if (flags != -1)
		fcntl(api->listen_fd, F_SETFD, flags);
	unsetenv(API_ENV_LISTEN_FD);
	unsetenv(MASTER_ENV_WORKERS);
	unsetenv(API_ENV_UPGRADE_FROM);
	free(list);
}

/* 1 if pid is a child of this process (its /proc stat names us as parent). */
static int
master_is_child(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	size_t	 n;
	int	 ppid = -1;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %d", &ppid) != 1)
		return (0);
	return (ppid == (int)getpid());
}

/*
 * After a SIGUSR2 exec: takes the previous image's workers (still our
 * children) into free slots from the top, as an old generation, so they
 * are reaped, counted while stopping, and never respawned. A pid that is
 * not our child is ignored, whatever the environment says. Returns how
 * many; the caller asks them to drain once the new workers run.
 */
static unsigned int
master_adopt(void)
{
	const char	*list = getenv(MASTER_ENV_WORKERS), *p;
	unsigned int	 i = MASTER_MAX_SLOTS, n = 0;
	char		*end;
	long		 pid;

	if (list == NULL)
		return (0);
	for (p = list; *p != '\0' && i > 0; p = *end == ',' ? end + 1 : end) {
		errno = 0;
		pid = strtol(p, &end, 10);
		if (errno != 0 || end == p || pid <= 0)
			break;
		if (!master_is_child((pid_t)pid))
			continue;
		while (i > 0 && slots[i - 1].pid != 0)
			i--;
		if (i == 0)
			break;
		i--;
		slots[i].pid = (pid_t)pid;
		slots[i].generation = GENERATION_ADOPTED;
		slots[i].adopted = 1;
		slots[i].waiting = 0;
		n++;
	}
	unsetenv(MASTER_ENV_WORKERS);
	return (n);
}

/*
 * Type=notify: READY=1 once every worker of the current generation has
 * started (connected to the database, or found it down), or after
 * READY_MAX_MS, at start and after a reload; with a STATUS= line.
 */
static void
master_notify(struct api *api)
{
	struct master_count	 c;
	unsigned int		 i;

	if (ready_due == 0)
		return;
	for (i = 0; i < MASTER_MAX_SLOTS && clock_ms() < ready_due; i++)
		if (slots[i].pid != 0 && slots[i].generation == api->generation &&
		    !atomic_load(&api->board->slots[i].ready))
			return;
	ready_due = 0;
	master_count_pool(api, &c);
	notify_ready("serving: pm %s, %u workers (at most %lld), generation %u",
	    config_str(api->cfg, "api", "pm"), c.total,
	    config_int(api->cfg, "api", "workers"), api->generation);
}

/*
 * Handles one signal; *stopping and *drain_deadline are the stop's state.
 */
static void
master_on_signal(struct api *api, int sig, int *stopping,
    long long *drain_deadline)
{
	switch (sig) {
	case SIGCHLD:
		break;		/* reaped by the caller */
	case SIGHUP:
		if (!*stopping)
			master_reload(api, 0);
		break;
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		if (*stopping)
			break;
		/*
		 * New connections are refused from here on; the workers
		 * take what is queued, finish it and exit (SIGQUIT: drain).
		 */
		master_watch(api, 0);
		api_listen_stop(api);
		log_info("stopping: draining %u workers", master_alive());
		notify_stopping("stopping: draining %u workers", master_alive());
		*stopping = 1;
		*drain_deadline = clock_ms() + 1000 *
		    config_int(api->cfg, "api", "drain_timeout");
		master_signal(api, SIGQUIT, 0);
		break;
	case SIGUSR1:
		if (log_reopen() == -1)
			log_warn("reopening the log");
		master_slowlog_open(api);
		master_signal(api, SIGUSR1, 0);
		break;
	case SIGUSR2:
		if (!*stopping)
			master_upgrade(api);	/* returns on failure */
		break;
	default:
		break;
	}
}

/* See api.h. */
int
master_run(struct api *api)
{
	struct epoll_event		 ev, evs[4];
	struct signalfd_siginfo		 si;
	sigset_t			 set;
	long long			 drain_deadline = 0;
	const char			*from;
	unsigned int			 adopted;
	int				 i, n, stopping = 0, listen_event;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	api->master_pid = getpid();
	if (api->board == NULL && (api->board = scoreboard_map()) == NULL) {
		log_error("mapping the scoreboard");
		return (1);
	}
	if ((master_sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1 || (master_ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_error("signalfd, epoll_create1");
		return (1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &master_tag_sig;
	if (epoll_ctl(master_ep, EPOLL_CTL_ADD, master_sigfd, &ev) == -1) {
		log_error("epoll_ctl");
		return (1);
	}
	atomic_store(&api->board->generation, api->generation);
	master_slowlog_open(api);

	from = getenv(API_ENV_UPGRADE_FROM);
	adopted = from != NULL ? master_adopt() : 0;
	master_start_generation(api);
	master_watch_pm(api);
	ready_due = clock_ms() + READY_MAX_MS;
	if (from != NULL) {
		/* new workers run: now the old ones finish and exit */
		master_signal(api, SIGTERM, 1);
		log_info("upgraded: bootstack-api %s (was %s), pm %s, %lld "
		    "workers on %s, %u old workers draining", PACKAGE_VERSION,
		    from, config_str(api->cfg, "api", "pm"),
		    config_int(api->cfg, "api", "workers"),
		    config_str(api->cfg, "api", "listen"), adopted);
		unsetenv(API_ENV_UPGRADE_FROM);
	} else
		log_info("bootstack-api %s started: pm %s, %lld workers on %s",
		    PACKAGE_VERSION, config_str(api->cfg, "api", "pm"),
		    config_int(api->cfg, "api", "workers"),
		    config_str(api->cfg, "api", "listen"));
	for (;;) {
		n = epoll_wait(master_ep, evs, 4, TICK_MS);
		if (n == -1 && errno != EINTR) {
			log_error("epoll_wait");
			break;
		}
		listen_event = 0;
		for (i = 0; i < n; i++)
			if (evs[i].data.ptr == &master_tag_listen)
				listen_event = 1;
		while (read(master_sigfd, &si, sizeof(si)) == sizeof(si))
			master_on_signal(api, (int)si.ssi_signo, &stopping,
			    &drain_deadline);
		if (master_reap(api, stopping)) {
			log_errorx("emergency restart: %lld workers died of a "
			    "crash signal within %lld s "
			    "(emergency_restart_threshold): restarting every "
			    "worker", config_int(api->cfg, "api",
			    "emergency_restart_threshold"), config_int(api->cfg,
			    "api", "emergency_restart_interval"));
			atomic_fetch_add_explicit(&api->board->emergency_restarts,
			    1, memory_order_relaxed);
			master_reload(api, 1);
		}
		master_slowlog(api);
		master_deadlines(api);
		if (stopping) {
			if (master_alive() == 0)
				break;
			if (clock_ms() > drain_deadline) {
				log_warnx("drain_timeout passed: killing %u "
				    "workers", master_alive());
				master_signal(api, SIGKILL, 0);
				drain_deadline = clock_ms() + 60000;
			}
		} else {
			master_fill(api);
			master_maintain(api, listen_event);
			master_notify(api);
		}
	}
	close(master_ep);
	close(master_sigfd);
	master_ep = master_sigfd = -1;
	if (slowlog_fd != -1)
		close(slowlog_fd);
	slowlog_fd = -1;
	log_info("stopped");
	return (0);
}
