/*
 * alert.h: `bootstack alert`: rules, their state machine, the state file,
 * the numbers computed from /metrics scrapes, and the channels.
 *
 * A rule is one [alert NAME] section of a kind (enum alert_kind). Each
 * `alert check` run (cron, every minute) evaluates every rule to active,
 * inactive or unknown (could not tell: the state is kept as it is), then
 * steps its state: inactive -> pending (active, waiting for `for`) ->
 * firing -> inactive again ("resolved"). What a channel is owed is derived
 * from the state and what that channel already got (struct alert_sent): a
 * firing notice once per firing, again every `repeat` seconds, and a
 * resolved notice when a notified alert ends. A failed delivery stays owed,
 * so the next run retries it. A silence holds back firing notices and
 * repeats, not the resolved notice of an alert its receivers saw firing.
 *
 * Everything lives in one JSON file ([alerts] state_file, struct
 * alert_store): rule states, silences and a short history of filtered
 * scrapes, kept as exposition text, from which increases over a window are
 * computed, counter resets included. No database is needed, so alerting
 * works while PostgreSQL is down.
 *
 * lib/alert/ holds it: alert_rule.c (rules), alert_state.c (the state
 * machine, the state file), alert_eval.c (numbers, evaluation),
 * alert_msg.c (messages) are pure or touch local files only;
 * alert_notify.c talks to the world (the scrape, the webhook, sendmail,
 * the command).
 * docs/alerts.md is the operator's guide.
 */
#ifndef LIB_ALERT_H
#define LIB_ALERT_H

#include <stddef.h>
#include <time.h>

#include "promtext.h"
#include "st.h"

struct config;
struct buf;

enum alert_kind {
	ALERT_HTTP_5XX_RATIO,	/* share of 5xx answers over window */
	ALERT_HTTP_P95,		/* 95th percentile latency over window */
	ALERT_DB_DOWN,		/* PostgreSQL does not accept a connection */
	ALERT_CERT_EXPIRY,	/* certificate ends within threshold days */
	ALERT_CERT_RENEW_FAILED, /* the last cert renew run failed */
	ALERT_DISK_SPACE,	/* free space (or inodes) below threshold % */
	ALERT_CRASH_LOOP,	/* the master backs off, or many crashes */
	ALERT_STALE_JOB,	/* a file not updated for threshold seconds */
	ALERT_API_DOWN,		/* the scrape of metrics_url failed */
	ALERT_KIND__COUNT
};

enum alert_phase {
	ALERT_INACTIVE = 0,
	ALERT_PENDING,
	ALERT_FIRING,
};

enum alert_chan {
	ALERT_CH_WEBHOOK = 0,
	ALERT_CH_MAIL,
	ALERT_CH_COMMAND,
	ALERT_CH__COUNT
};

/* What one channel is owed for one alert. */
enum alert_notice {
	ALERT_NOTICE_NONE = 0,
	ALERT_NOTICE_FIRING,	/* first notice of this firing */
	ALERT_NOTICE_REPEAT,	/* still firing, repeat interval passed */
	ALERT_NOTICE_RESOLVED,	/* it ended */
};

/* One [alert NAME] section, checked. */
struct alert_rule {
	const char	*name;		/* borrowed from the config */
	enum alert_kind	 kind;
	const char	*severity;	/* borrowed: critical|warning|info */
	double		 threshold;	/* the kind's unit; see alert_kind_unit */
	long long	 window;	/* seconds, metrics rules */
	long long	 for_s;		/* seconds active before firing */
	long long	 repeat;	/* seconds between repeats; 0 = never */
	long long	 min_requests;	/* http rules: fewer = inactive */
	const char	*route;		/* borrowed; http rules; NULL = all */
	char		*path;		/* owned; file or folder; NULL */
	char		*what;		/* owned; cert name, path: for texts */
};

struct alert_rules {
	struct alert_rule	*v;		/* owned */
	size_t			 n;
	int			 need_scrape;	/* some rule reads metrics */
	long long		 max_window;	/* longest window, seconds */
};

/* Per channel: what this alert's receivers on it have seen. */
struct alert_sent {
	int		 notified;	/* the current firing reached it */
	time_t		 last;		/* when the last firing notice went */
	int		 resolve;	/* a resolved notice is owed */
};

/* The state of one rule, kept across runs. */
struct alert_state {
	char			*name;		/* owned; the rule's name */
	enum alert_phase	 phase;
	time_t			 active_since;	/* start of the active streak */
	time_t			 fired_at;	/* when it last went firing */
	time_t			 resolved_at;	/* when it last resolved */
	time_t			 checked_at;	/* last evaluation, 0 = never */
	double			 value;		/* last value; NaN = none */
	char			*summary;	/* owned; last evaluation, text */
	struct alert_sent	 sent[ALERT_CH__COUNT];
	time_t			 silenced_until; /* 0 = no silence */
	char			*silence_comment; /* owned; may be NULL */
	time_t			 silenced_at;	/* when the silence was set */
};

/* One kept scrape: the series alerting needs, as exposition text. */
struct alert_scrape {
	time_t		 t;		/* when it was taken */
	double		 start;		/* process_start_time_seconds; 0 */
	char		*text;		/* owned; filtered exposition text */
};

/* The state file. */
struct alert_store {
	struct alert_state	*v;		/* owned */
	size_t			 n;
	struct alert_scrape	*h;		/* owned; oldest first */
	size_t			 nh;
	time_t			 last_check;	/* last `alert check`; 0 */
};

/* A parsed scrape for computing increases. */
struct alert_series {
	time_t		 t;
	double		 start;		/* process start; a change = reset */
	struct promtext	 p;		/* owned */
};

#define ALERT_MAX_SCRAPE	(4 * 1024 * 1024)	/* bytes of /metrics */
#define ALERT_MAX_STATE		(32 * 1024 * 1024)	/* bytes of the file */
#define ALERT_MAX_HISTORY	256			/* scrapes kept */

/* --- rules ----------------------------------------------------------- */
/* "db_down"; ALERT_KIND__COUNT is "test", the kind of `alert test`. */
const char	*alert_kind_name(enum alert_kind);
const char	*alert_chan_name(enum alert_chan);	/* "webhook" */
const char	*alert_phase_name(enum alert_phase);	/* "pending" */
/*
 * Reads and checks every [alert NAME] of cfg (borrowed: must outlive
 * rules). 0, or -1 with *cause ("[alert x] threshold: ...", caller frees).
 */
int		 alert_rules_load(const struct config *, struct alert_rules *,
		    char **cause);
void		 alert_rules_cleanup(struct alert_rules *);	/* safe twice */
/*
 * check-config (lib/confcheck.c): the i-th [alert NAME] as alert_rules_load
 * reads it; [alerts] command as the command channel runs it. 0, or -1 with
 * *cause / *why (caller frees).
 */
int		 alert_check_rule(const struct config *, size_t i, char **cause);
int		 alert_check_command(const char *value, char **why);
/* The rule called name, or NULL; borrowed. */
const struct alert_rule *alert_rules_find(const struct alert_rules *,
		    const char *name);
/*
 * Parses a duration: seconds ("90"), or numbers with s, m, h, d, w units
 * ("2h", "1h30m"). 0 with *secs, or -1.
 */
int		 alert_duration_parse(const char *, long long *secs);
/* Formats seconds as "2h", "1h30m", "45s" into buf; returns buf. */
char		*alert_duration_fmt(long long secs, char *buf, size_t size);

/* --- state file ------------------------------------------------------- */
void		 alert_store_init(struct alert_store *);
void		 alert_store_cleanup(struct alert_store *);	/* safe twice */
/*
 * Reads the state file into a fresh store; a missing file is an empty
 * store. 0, or -1 with *cause (unreadable, malformed: the store is empty).
 */
int		 alert_store_load(struct alert_store *, const char *path,
		    char **cause);
/* Writes the store to path atomically (0600). 0, or -1 with *cause. */
int		 alert_store_save(const struct alert_store *, const char *path,
		    char **cause);
/* The state of rule name; made (inactive) when create is set; borrowed. */
struct alert_state *alert_store_get(struct alert_store *, const char *name,
		    int create);
/* Drops the states of rules that are no longer configured. */
void		 alert_store_prune(struct alert_store *,
		    const struct alert_rules *);
/*
 * Appends a scrape (text: the full /metrics answer, filtered here to the
 * series alerting needs) taken at now, then forgets scrapes older than
 * keep seconds except the newest of those (the baseline of the longest
 * window). ST_OK, or ST_NOMEM.
 */
enum st		 alert_store_add_scrape(struct alert_store *,
		    const struct promtext *, time_t now, long long keep);

/* --- state machine ---------------------------------------------------- */
#define ALERT_STEP_PENDING	0x1	/* went pending */
#define ALERT_STEP_FIRED	0x2	/* went firing */
#define ALERT_STEP_RESOLVED	0x4	/* firing -> inactive */
#define ALERT_STEP_CLEARED	0x8	/* pending -> inactive */
/*
 * One evaluation at now: active is 1, 0, or -1 (unknown: nothing moves).
 * Returns the ALERT_STEP_* bits of what happened.
 */
int		 alert_step(struct alert_state *, const struct alert_rule *,
		    int active, time_t now);
/* What channel ch is owed for this alert at now. */
enum alert_notice alert_due(const struct alert_state *,
		    const struct alert_rule *, enum alert_chan, time_t now);
/* Records that notice n reached channel ch at now. */
void		 alert_delivered(struct alert_state *, enum alert_chan,
		    enum alert_notice, time_t now);
/* True while a silence holds the alert at now. */
int		 alert_silenced(const struct alert_state *, time_t now);

/* --- numbers from scrapes --------------------------------------------- */
void		 alert_series_cleanup(struct alert_series *, size_t n);
/*
 * Parses the store's kept scrapes (the newest being this run's, once
 * alert_store_add_scrape() took it) into *out, oldest first (caller frees
 * with alert_series_cleanup() and free()). 0, or -1 with *cause.
 */
int		 alert_series_load(const struct alert_store *,
		    struct alert_series **out, size_t *n, char **cause);
/*
 * The index in s[0..n) to measure a window ending at s[n-1] from: the
 * newest scrape at least window seconds older than s[n-1], else the
 * oldest one. n must be > 0.
 */
size_t		 alert_window_start(const struct alert_series *, size_t n,
		    long long window);
/*
 * Sum over the series of metric name matching match (label pairs,
 * NULL-ended) of their increase from s[0] to s[n-1], scrape by scrape: a
 * value that went down, or a changed process start time, is a counter
 * reset (the increase is then the new value); a series absent from the
 * previous scrape started at 0.
 */
double		 alert_increase(const struct alert_series *, size_t n,
		    const char *name, const char *const *match);
/*
 * The 5xx ratio over s[0..n): *total gets all requests (of route, or all
 * routes when NULL), the result the 5xx share of them (0 if none).
 */
double		 alert_ratio_5xx(const struct alert_series *, size_t n,
		    const char *route, double *total);
/*
 * The q-quantile (0..1) of the latency histogram's increase over
 * s[0..n), as PromQL's histogram_quantile(): linear inside the bucket, the
 * largest finite bound when it falls in +Inf. *total gets the count. NaN
 * when there is no observation.
 */
double		 alert_quantile(const struct alert_series *, size_t n,
		    const char *route, double q, double *total);
/*
 * histogram_quantile over cumulative bucket counts (le ascending, the
 * last +Inf). NaN for no observations or no buckets.
 */
double		 alert_bucket_quantile(double q, const double *le,
		    const double *count, size_t n);

/* --- evaluation -------------------------------------------------------- */
/* What a run knows when it evaluates the rules. */
struct alert_input {
	const struct config	*cfg;		/* for db_down */
	time_t			 now;
	const struct promtext	*cur;		/* this run's scrape; NULL */
	const char		*scrape_error;	/* why cur is NULL; NULL */
	const struct alert_series *series;	/* history + cur; may be NULL */
	size_t			 nseries;
	int			 db_checked;	/* db_up is known */
	int			 db_up;
	const char		*db_error;	/* why not; borrowed */
};
/*
 * Evaluates rule r: returns 1 active, 0 inactive, -1 unknown; *value and
 * *summary (a one-line text, caller frees; NULL on ENOMEM) tell why.
 */
int		 alert_eval(const struct alert_rule *, const struct alert_input *,
		    double *value, char **summary);

/* --- messages and channels ------------------------------------------- */
/* One alert in a message. */
struct alert_item {
	const struct alert_rule		*rule;
	const struct alert_state	*st;
	enum alert_notice		 what;
};
/*
 * The JSON document sent to the webhook and the command: source, host,
 * status ("firing" if any item fires), the Slack-compatible "text", and
 * one object per alert. Caller frees; NULL on ENOMEM.
 */
char		*alert_json(const struct alert_item *, size_t n,
		    const char *host, time_t now);
/* The plain text of the message (also the "text" field); caller frees. */
char		*alert_text(const struct alert_item *, size_t n,
		    const char *host);
/* An RFC 5322 message for sendmail; caller frees. */
char		*alert_mail(const struct alert_item *, size_t n,
		    const char *host, const char *from, const char *to,
		    time_t now);

/*
 * GETs url into out (capped by its max): HTTPS verified against ca_file
 * (NULL: system store), connect_to (NULL: none) is the address to connect
 * to instead of the URL's host. ST_OK for a 200; else *cause.
 */
enum st		 alert_fetch(const char *url, const char *ca_file,
		    const char *connect_to, long timeout, struct buf *out,
		    char **cause);
/*
 * POSTs json to url with Authorization: Bearer token (NULL: none). ST_OK
 * for a 2xx; else *cause (which never holds the token or the URL's path).
 * A token is never sent over plain http except to loopback (ST_BADREQ).
 */
enum st		 alert_post(const char *url, const char *token,
		    const char *ca_file, long timeout, const char *json,
		    char **cause);
/*
 * Runs argv[0] (a path; no shell, no PATH search) with input on its
 * stdin, killed after timeout seconds (lib/proc.h). ST_OK when it exits
 * 0; else ST_UPSTREAM with *cause: "ARGV0 failed (exit 3): OUTPUT", the
 * end of its output.
 */
enum st		 alert_exec(char *const argv[], const char *input, size_t len,
		    long timeout, char **cause);
/*
 * Splits s at blanks into a NULL-ended argv of at most max words (no
 * quoting). Caller frees each word and the array. NULL on ENOMEM, or when
 * s holds no word or too many.
 */
char		**alert_split(const char *s, size_t max);
void		 alert_split_free(char **);		/* NULL-safe */

#endif
