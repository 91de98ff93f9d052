/*
 * pool.h: the worker pool's settings ([api] pm and its bounds, the
 * rlimits' form, the allow list of peers), read and judged in one place,
 * so `bootstack-api` (its master, and -t) and `bootstack check-config`
 * refuse the same pools.
 *
 * The modes and rules are php-fpm's: static keeps [api] workers running;
 * dynamic starts start_servers and keeps the idle ones between
 * min_spare_servers and max_spare_servers, never above workers
 * (pm.max_children); ondemand forks per waiting connection and reaps a
 * worker idle for process_idle_timeout.
 */
#ifndef LIB_POOL_H
#define LIB_POOL_H

struct config;

/* [api] pm. */
enum pool_mode {
	POOL_STATIC,	/* [api] workers, always */
	POOL_DYNAMIC,	/* start_servers, kept between the spare bounds */
	POOL_ONDEMAND,	/* forked per waiting connection, reaped idle */
	POOL__COUNT
};

extern const char *const pool_modes[POOL__COUNT];	/* "static", ... */

/* [api] pm and its bounds, as a configuration says. */
struct pool {
	enum pool_mode	 mode;
	unsigned int	 max;		/* workers: pm.max_children */
	unsigned int	 start;		/* start_servers */
	unsigned int	 min_spare, max_spare, spawn_rate;
	long long	 idle_ms;	/* process_idle_timeout */
};

/* Reads [api] pm and its bounds (the loader has checked each value). */
void	pool_get(const struct config *, struct pool *);

/*
 * php-fpm's checks of a dynamic pool (min ≤ start ≤ max spare ≤ workers),
 * [api] rlimit_core's form (bytes or "unlimited") and the peers the
 * workers accept ([api] allow, lib/netallow). 0, or -1 with *cause
 * "[api] key: why".
 */
int	pool_check(const struct config *, char **cause);

#endif
