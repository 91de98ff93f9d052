/*
 * scoreboard.c: the shared worker table; see scoreboard.h.
 */
#include "autoconf.h"

#include <sys/mman.h>
#include <time.h>

#include "scoreboard.h"

/* See scoreboard.h. Anonymous shared memory is zeroed by the kernel. */
struct scoreboard *
scoreboard_map(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return (p == MAP_FAILED ? NULL : p);
}

/* See scoreboard.h. */
long long
scoreboard_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
