/*
 * report.h: `bootstack report`, GoAccess over the nginx access log, run
 * incrementally: one report for every host and one per [site] name, in
 * HTML and JSON, written atomically into the ops webroot.
 *
 * GoAccess keeps each report's data in its own on-disk database (--persist,
 * --restore); bootstack decides which bytes of the log are new and feeds
 * GoAccess exactly those, through a pipe. Where a report stopped reading is
 * kept per log file as a position: the file's device and inode, the hash
 * of its first bytes (so a reused inode or a copy made by copytruncate is
 * told apart) and the offset just after the last whole line read. Each run
 * looks at access.log.1 (the file logrotate just renamed) and access.log,
 * reads each from where it stopped (or from its start when the file is
 * new), and records the new positions once GoAccess has stored the lines.
 * The design, its reasons and limits: the comment atop report.c, and
 * docs/logs.md for operators.
 */
#ifndef LIB_REPORT_H
#define LIB_REPORT_H

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
	const char	*path;		/* the request's path, without query */
	size_t		 path_len;	/* 0 when the request line is not one */
};

/* One report after a run. */
enum report_outcome {
	REPORT_UNCHANGED = 0,	/* nothing new: GoAccess not run */
	REPORT_UPDATED,		/* GoAccess stored the new lines, files written */
	REPORT_FAILED,		/* GoAccess failed: positions kept, retried next run */
};

struct report_stream_result {
	char			*name;		/* REPORT_ALL or a host; owned */
	char			*html;		/* the HTML report's path; owned */
	enum report_outcome	 outcome;
	unsigned long long	 lines;		/* lines given to GoAccess */
	unsigned long long	 excluded;	/* new lines left out ([report] exclude) */
	char			*error;		/* REPORT_FAILED: why; owned */
};

struct report_result {
	struct report_stream_result	*s;	/* owned, n of them */
	size_t				 n;
	int				 lost;	/* a log read last time was gone */
};

#define REPORT_REBUILD	0x1	/* forget the databases, read the logs again */

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
 * nginx/http.conf.in. 0, or -1 when even the host and address are missing.
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
 * One run: takes the lock, reads what the access logs gained since the
 * last run, feeds each report's GoAccess the lines it has not seen, and
 * installs the reports that changed. flags: REPORT_REBUILD. ST_OK when
 * every report is up to date (res says what each did), ST_CONFLICT when
 * another run holds the lock, ST_UPSTREAM when a GoAccess run failed (the
 * others are installed), another status with *cause (caller frees) when
 * nothing could run. res is always safe to clean up.
 */
enum st		report_run(const struct config *, int flags,
		    struct report_result *res, char **cause);
void		report_result_cleanup(struct report_result *);

#endif
