/*
 * scoreboard.c: the shared worker table; see scoreboard.h.
 */
#include "autoconf.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "scoreboard.h"

const double scoreboard_bounds[SCOREBOARD_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

const char *const scoreboard_methods[SCOREBOARD_METHODS] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "other"
};

const char *const scoreboard_states[SCOREBOARD_STATE__COUNT] = {
	"idle", "handler", "writing"
};

const char *const scoreboard_drops[SCOREBOARD_DROP__COUNT] = {
	"header_timeout", "body_timeout", "evicted", "protocol", "aborted",
	"params_too_big", "eof", "write", "refused"
};

/* See scoreboard.h. Anonymous shared memory is zeroed by the kernel. */
struct scoreboard *
scoreboard_map(void)
{
	struct scoreboard	*b;
	struct timespec		 ts;

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return (NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	b->start_time = ts.tv_sec;
	atomic_store(&b->listen_queue, -1);
	atomic_store(&b->listen_queue_len, -1);
	return (b);
}

/* See scoreboard.h. */
unsigned int
scoreboard_method(const char *m)
{
	unsigned int	 i;

	for (i = 0; i < SCOREBOARD_METHODS - 1; i++)
		if (strcmp(m, scoreboard_methods[i]) == 0)
			return (i);
	return (SCOREBOARD_METHODS - 1);
}

/* See scoreboard.h. */
void
scoreboard_count(struct scoreboard_slot *s, int route, const char *method,
    int status, long long us)
{
	unsigned int	 c, b;
	double		 secs = (double)us / 1e6;

	c = status >= 100 && status < 600 ? (unsigned int)(status / 100 - 1) : 4;
	atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
	if (route < 0 || route >= SCOREBOARD_ROUTES) {
		atomic_fetch_add_explicit(
		    &s->unmatched[scoreboard_method(method)][c], 1,
		    memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&s->hits[route][c], 1, memory_order_relaxed);
	for (b = 0; b < SCOREBOARD_BUCKETS; b++)
		if (secs <= scoreboard_bounds[b])
			break;
	atomic_fetch_add_explicit(&s->buckets[route][b], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us[route],
	    us > 0 ? (unsigned long long)us : 0, memory_order_relaxed);
}

/* Copies at most size - 1 bytes of src, NUL-terminated. */
static void
scoreboard_copy(char *dst, const char *src, size_t size)
{
	size_t	 n = src != NULL ? strnlen(src, size - 1) : 0;

	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
}

/* See scoreboard.h. The writer is the slot's worker alone. */
void
scoreboard_begin(struct scoreboard_slot *s, const char *method,
    const char *uri, const char *request_id)
{
	unsigned int	 seq;

	seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	scoreboard_copy(s->cur.method, method, sizeof(s->cur.method));
	scoreboard_copy(s->cur.uri, uri, sizeof(s->cur.uri));
	scoreboard_copy(s->cur.request_id, request_id,
	    sizeof(s->cur.request_id));
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

/* See scoreboard.h. */
int
scoreboard_read_req(struct scoreboard_slot *s, struct scoreboard_req *out)
{
	unsigned int	 a, b, try;

	for (try = 0; try < 100; try++) {
		a = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (a & 1)
			continue;
		memcpy(out, &s->cur, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		b = atomic_load_explicit(&s->seq, memory_order_relaxed);
		if (a == b) {
			out->method[sizeof(out->method) - 1] = '\0';
			out->uri[sizeof(out->uri) - 1] = '\0';
			out->request_id[sizeof(out->request_id) - 1] = '\0';
			return (0);
		}
	}
	memset(out, 0, sizeof(*out));
	return (-1);
}

/* See scoreboard.h. */
void
scoreboard_watch_db(void *slot, const char *what)
{
	struct scoreboard_slot	*s = slot;

	atomic_store_explicit(&s->waiting_on, what, memory_order_relaxed);
}
