/*
 * scoreboard.h: what each worker is doing, in memory shared with the
 * master (php-fpm's scoreboard, Apache's too).
 *
 * The master maps it before forking, so every worker inherits it; a worker
 * writes only its own slot, with relaxed atomic stores and no locks, and
 * the master reads all slots on its tick. The master uses it to enforce
 * the per-request deadline (a worker busy on one request for longer than
 * [api] request_timeout is killed), which costs a worker no system call.
 */
#ifndef APP_SCOREBOARD_H
#define APP_SCOREBOARD_H

#include <stdatomic.h>
#include <stddef.h>

#define SCOREBOARD_SLOTS	512	/* room for overlapping generations */

struct scoreboard_slot {
	_Atomic long long		 busy_since_ms;	/* monotonic; 0 = idle */
	_Atomic unsigned long long	 requests;	/* served since start */
};

struct scoreboard {
	struct scoreboard_slot	 slots[SCOREBOARD_SLOTS];
};

/* Maps a zeroed board shared with future children; NULL on failure. */
struct scoreboard	*scoreboard_map(void);
/* Monotonic milliseconds, the board's clock. */
long long		 scoreboard_now_ms(void);

#endif
