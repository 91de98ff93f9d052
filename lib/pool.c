/*
 * pool.c: the worker pool's settings, read and judged; see pool.h.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "config.h"
#include "netallow.h"
#include "pool.h"

const char *const pool_modes[POOL__COUNT] = {
	"static", "dynamic", "ondemand"
};

/* See pool.h. */
void
pool_get(const struct config *cfg, struct pool *pm)
{
	const char	*mode = config_str(cfg, "api", "pm");

	pm->mode = strcmp(mode, "dynamic") == 0 ? POOL_DYNAMIC :
	    strcmp(mode, "ondemand") == 0 ? POOL_ONDEMAND : POOL_STATIC;
	pm->max = (unsigned int)config_int(cfg, "api", "workers");
	pm->start = (unsigned int)config_int(cfg, "api", "start_servers");
	pm->min_spare = (unsigned int)config_int(cfg, "api",
	    "min_spare_servers");
	pm->max_spare = (unsigned int)config_int(cfg, "api",
	    "max_spare_servers");
	pm->spawn_rate = (unsigned int)config_int(cfg, "api", "max_spawn_rate");
	pm->idle_ms = 1000 * config_int(cfg, "api", "process_idle_timeout");
}

/* See pool.h. */
int
pool_check(const struct config *cfg, char **cause)
{
	struct pool	 pm;
	const char	*core = config_str(cfg, "api", "rlimit_core");
	const char	*allow = config_str(cfg, "api", "allow");
	char		*why = NULL;

	*cause = NULL;
	if (allow != NULL && netallow_check(allow, &why) != 0) {
		cause_set(cause, "[api] allow: %s", cause_text(why));
		free(why);
		return (-1);
	}
	pool_get(cfg, &pm);
	if (core != NULL && core[0] != '\0' && strcmp(core, "unlimited") != 0 &&
	    strspn(core, "0123456789") != strlen(core))
		return (cause_set(cause, "[api] rlimit_core: %s is neither a "
		    "size in bytes nor \"unlimited\"", core));
	if (pm.mode != POOL_DYNAMIC)
		return (0);
	if (pm.min_spare > pm.max_spare)
		return (cause_set(cause, "[api] min_spare_servers: %u is "
		    "greater than max_spare_servers (%u)", pm.min_spare,
		    pm.max_spare));
	if (pm.max_spare > pm.max)
		return (cause_set(cause, "[api] max_spare_servers: %u is "
		    "greater than workers (%u)", pm.max_spare, pm.max));
	if (pm.start < pm.min_spare || pm.start > pm.max_spare)
		return (cause_set(cause, "[api] start_servers: %u is not "
		    "between min_spare_servers (%u) and max_spare_servers (%u)",
		    pm.start, pm.min_spare, pm.max_spare));
	return (0);
}
