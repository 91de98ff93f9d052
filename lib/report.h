/*
 * report.h: `bootstack report`, the /ops/ dashboard made incrementally from
 * the nginx access log (and the API's JSON event log): for every host and
 * for each [site] name, bootstack's own API overview (report/overview.h:
 * per route template and window, requests, error ratios, latency
 * percentiles, charts, top problems) and GoAccess's report configured for
 * an API, in HTML and JSON, written atomically into the ops webroot.
 *
 * GoAccess keeps each report's data in its own on-disk database (--persist,
 * --restore); bootstack decides which bytes of the log are new and feeds
 * GoAccess exactly those, through a pipe, the request paths folded into
 * their route templates. Where a report stopped reading is kept per log
 * file as a position: the file's device and inode, the hash of its first
 * bytes (so a reused inode or a copy made by copytruncate is told apart)
 * and the offset just after the last whole line read. Each run looks at
 * access.log.1 (the file logrotate just renamed) and access.log, reads each
 * from where it stopped (or from its start when the file is new), and
 * records the new positions once the lines are stored. The overview keeps
 * its own positions and counters in one state file, so it counts every line
 * once whatever GoAccess does. The design, its reasons and limits: the
 * comment atop report.c, and docs/logs.md for operators.
 */
#ifndef LIB_REPORT_H
#define LIB_REPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "st.h"

struct config;

#define REPORT_ALL		"_all"	/* the stream (and database) of every host */
#define REPORT_HEAD		1024	/* bytes of a log's start that identify it */
#define REPORT_HEAD_MIN		64	/* enough of them to match without the inode */
#define REPORT_MAX_HOSTS	64	/* per-host reports at most */
#define REPORT_LINE_MAX		65536	/* longer lines are skipped */

/* How far one report has read one log file. */
struct report_pos {
	unsigned long long	 dev;		/* st_dev of the file */
	unsigned long long	 ino;		/* st_ino of the file */
	unsigned long long	 off;		/* bytes read: just after a '\n' */
	unsigned long long	 head_len;	/* bytes of the file's start hashed */
	uint64_t		 head_hash;	/* report_hash() of them */
};

/* The positions of every report: the state file, parsed. */
struct report_state_entry {
	char			*stream;	/* REPORT_ALL or a host; owned */
	struct report_pos	 pos[2];	/* the files it read last time */
	size_t			 npos;
};

struct report_state {
	struct report_state_entry	*e;	/* owned */
	size_t				 n;
};

/* The parts of an access-log line bootstack looks at (borrowed spans). */
struct report_line {
	const char	*host;		/* $host, the first field */
	size_t		 host_len;
	const char	*addr;		/* $remote_addr, the second */
	size_t		 addr_len;
	const char	*method;	/* the request's method */
	size_t		 method_len;	/* 0 when the request line is not one */
	const char	*path;		/* the request's path, without query */
	size_t		 path_len;	/* 0 when the request line is not one */
	long long	 ts;		/* $time_local, epoch seconds; -1 */
	int		 status;	/* $status; 0 when missing */
	unsigned long long bytes;	/* $body_bytes_sent */
	long long	 rt_ms;		/* $request_time in ms; -1 */
	long long	 up_ms;		/* $upstream_response_time, ms, summed; -1 */
};

/* One report after a run. */
enum report_outcome {
	REPORT_UNCHANGED = 0,	/* nothing new: GoAccess not run */
	REPORT_UPDATED,		/* GoAccess stored the new lines, files written */
	REPORT_FAILED,		/* GoAccess failed: positions kept, retried next run */
};

struct report_stream_result {
	char			*name;		/* REPORT_ALL or a host; owned */
	char			*html;		/* the overview page's path; owned */
	enum report_outcome	 outcome;
	unsigned long long	 lines;		/* lines given to GoAccess */
	unsigned long long	 excluded;	/* new lines left out ([report] exclude) */
	char			*error;		/* REPORT_FAILED: why; owned */
};

struct report_result {
	struct report_stream_result	*s;	/* owned, n of them */
	size_t				 n;
	int				 lost;	/* a log read last time was gone */
	unsigned long long		 lines;	/* new access-log lines read */
	unsigned long long		 bytes;	/* and their bytes */
	unsigned long long		 events; /* problem events read */
	long long			 ms;	/* the run's wall time */
	char				*overview_error; /* the overview failed: why; owned */
};

#define REPORT_REBUILD	0x1	/* forget the databases, read the logs again */

/* Where a run is, for a progress line. */
struct report_progress {
	unsigned long long	 lines;		/* lines read so far */
	unsigned long long	 bytes;		/* bytes read so far */
	unsigned long long	 total;		/* bytes to read in this run */
	long long		 ms;		/* since the run started */
	int			 waiting;	/* GoAccess processes still saving */
	int			 done;		/* the last call */
};

/* How to run. */
struct report_opts {
	int			 flags;		/* REPORT_REBUILD */
	const char *const	*routes;	/* "GET /v1/tasks/{id}", ...; borrowed */
	size_t			 nroutes;
	/* called every ~200 ms while reading, and once at the end; may be NULL */
	void			(*progress)(const struct report_progress *,
				    void *arg);
	void			*arg;
	/*
	 * called once everything is read, before anything is written (the
	 * GoAccess processes store their database when their input ends):
	 * 0 goes on; -1 with *cause stops the run (ST_UNAVAILABLE) before a
	 * report or a position of this run is written. May be
	 * NULL. `bootstack report` checks there that the job's lock is still
	 * its own (lib/dblock.h).
	 */
	int			(*check)(void *arg, char **cause);
	void			*check_arg;
	long long		 now;		/* epoch seconds; 0 = the clock */
};

/* FNV-1a, 64 bits, of len bytes. */
uint64_t	report_hash(const void *, size_t len);
/*
 * True when pos describes the file of dev/ino whose first head_len bytes
 * are head (fewer than pos->head_len: not that file) and size bytes long:
 * same start, and the same inode unless at least REPORT_HEAD_MIN bytes of
 * start agree (a copy made by copytruncate); a file now shorter than what
 * was read is another one.
 */
int		report_pos_match(const struct report_pos *,
		    unsigned long long dev, unsigned long long ino,
		    const char *head, size_t head_len, unsigned long long size);
/*
 * Splits an access-log line (without its '\n') in the format of
 * nginx/http.conf.in. 0, or -1 when even the host and address are missing;
 * fields after those that cannot be read are left unset (path_len 0, ts
 * -1, status 0 ...).
 */
int		report_line_parse(const char *line, size_t len,
		    struct report_line *);
/*
 * True when path matches one of the blank-separated patterns: "/healthz"
 * exactly; one ending in '*' as a prefix ("/v1/tasks*").
 */
int		report_excluded(const char *path, size_t len,
		    const char *patterns);
/*
 * Writes the masked form of the address addr (len bytes, not terminated)
 * into out: an IPv4 address loses its last byte (a.b.c.0), an IPv6 one
 * keeps its first 64 bits. The length written, or -1 when addr is not an
 * address or out is too small.
 */
int		report_mask_addr(const char *addr, size_t len, char *out,
		    size_t outlen);
/* True when name can be a report's host: a lowercase DNS name. */
int		report_host_ok(const char *name);

/* Parses the state file's text. 0, or -1 with *cause (caller frees). */
int		report_state_parse(const char *text, struct report_state *,
		    char **cause);
/* The state file's text (caller frees), NULL when out of memory. */
char		*report_state_format(const struct report_state *);
/* The entry of stream, borrowed, or NULL. */
struct report_state_entry *report_state_find(struct report_state *,
		    const char *stream);
void		report_state_cleanup(struct report_state *);

/*
 * The hosts that get a report of their own: [report] hosts, else the
 * names of [site] (without a wildcard), at most REPORT_MAX_HOSTS. 0 with
 * *hosts (caller frees each and the array; may be NULL with *n 0), or -1
 * with *cause (caller frees).
 */
int		report_hosts(const struct config *, char ***hosts, size_t *n,
		    char **cause);
/*
 * The route templates of an OpenAPI document's paths ("GET /v1/tasks/{id}"
 * for each operation). 0 with *routes (caller frees each and the array),
 * or -1 with *cause (caller frees).
 */
int		report_routes_openapi(const char *json, size_t len,
		    char ***routes, size_t *n, char **cause);
/* "12/Oct/2024:13:55:36 +0200" -> epoch seconds, or -1. */
long long	report_time_local(const char *s, size_t len);
/*
 * One run: takes the lock, reads what the access logs gained since the
 * last run, counts it into the overview, feeds each report's GoAccess the
 * lines it has not seen, and installs the pages that changed. ST_OK when
 * every report is up to date (res says what each did), ST_CONFLICT when
 * another run holds the lock, ST_UPSTREAM when a GoAccess run or the
 * overview failed (the others are installed), another status with *cause
 * (caller frees) when nothing could run. res is always safe to clean up.
 */
enum st		report_run(const struct config *, const struct report_opts *,
		    struct report_result *res, char **cause);
void		report_result_cleanup(struct report_result *);
/*
 * `report --live`: runs GoAccess's real-time server (127.0.0.1:[report]
 * live_port, page [report] output_dir/live.html) and gives it what the
 * access log gains, as the reports see it (route templates, exclude,
 * anonymize_ip), following rotations, until *stop is set (by a signal) or
 * GoAccess exits. ST_OK when stopped, another status with *cause.
 */
enum st		report_live(const struct config *, const struct report_opts *,
		    volatile sig_atomic_t *stop, char **cause);

#endif
