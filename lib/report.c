/*
 * report.c: `bootstack report`, GoAccess run incrementally over the nginx
 * access log; see report.h for the contract and docs/logs.md for the
 * operator's view.
 *
 * Design. GoAccess's own incremental mode (--restore --persist) decides
 * what it has already seen from the log's inode, a snippet of its start and
 * the timestamp of the last line: a line written in the same second as the
 * last one of the previous run is dropped, and a rotated log is skipped up
 * to the stored timestamp, so neither "exactly once" nor "after a rotation"
 * holds. Here GoAccess is only the database and the renderer: it reads
 * /dev/fd/3, a pipe. A pipe has an inode but a size of 0, and GoAccess
 * 1.7 keeps a last-parse record only for files of non-zero size (or for
 * its stdin, inode 0), so it never skips a line we give it; what is new is
 * decided here, by byte offsets:
 *
 *  - Each report ("stream": REPORT_ALL, or one host) has a position per
 *    log file it read last time (struct report_pos): device, inode, a hash
 *    of the file's first bytes and the offset after the last whole line.
 *  - A run opens access.log.1 and access.log (older first). A file that
 *    matches a position is read from its offset, any other from byte 0: a
 *    file we never saw was made after the last run (logrotate's create),
 *    or, on a first run, holds the history. So the tail written into
 *    access.log between the last run and the rename, and what nginx wrote
 *    there until USR1 made it reopen, are both read, once.
 *  - Only whole lines are taken; a line still being written waits for the
 *    next run. Lines whose path is in [report] exclude are skipped but
 *    counted as read.
 *  - The file is read once from the smallest offset of any stream; each
 *    line goes to the streams that have not seen it (all hosts, and its
 *    host's own when it has one), each stream through its own pipe into its
 *    own GoAccess, all running at once. Writes block until GoAccess reads:
 *    a GoAccess never waits for us, so this cannot deadlock.
 *  - When a GoAccess exits 0 its reports are moved into place (fsync,
 *    rename) and its positions are written to the state file (atomic),
 *    before the next one is looked at. A GoAccess that fails keeps its old
 *    positions: the next run gives it the same lines again, and the other
 *    streams are not held back.
 *  - The children die with us (PR_SET_PDEATHSIG), so an interrupted run
 *    does not leave a GoAccess that stores half of what it was given and
 *    then counts it again at the next run.
 *  - GoAccess is given each request with its path replaced by its route
 *    template (report/overview.h's ov_route_of: the router's matching over
 *    the templates the CLI hands in), so its requests panel is per route;
 *    a small script and style sheet (goaccess-api.js/.css, written beside
 *    the reports) arrange its page for an API.
 *  - The overview (report/) reads the same pass with positions of its own,
 *    kept with its counters in state_dir/overview.json; once every line is
 *    read (while the GoAccess processes save) it reads the API's new
 *    problem events, renames its state into place and draws the pages. It
 *    never waits for GoAccess, and a GoAccess failure does not hold it
 *    back, nor the other way round.
 *  - `report --live` (report_live) is a separate, long-running mode: the
 *    same line rewriting into GoAccess's real-time server's stdin,
 *    following the access log across rotations.
 *
 * Caveats: a GoAccess killed while it writes its database can leave it
 * broken (`bootstack report --rebuild` starts again from the logs on
 * disk); if logrotate rotates twice between two runs, what the twice
 * rotated file gained after the last run is lost (the run says so); the
 * window between a GoAccess storing its lines and the state file being
 * renamed is the only place a line can be counted twice.
 */
#include "autoconf.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cause.h"
#include "clock.h"
#include "config.h"
#include "fs.h"
#include "log.h"
#include "nginx.h"
#include "proc.h"
#include "report.h"
#include "report/overview.h"

extern char **environ;

#define REPORT_STATE_MAGIC	"# bootstack report positions v1"
#define REPORT_CHUNK		(1024 * 1024)	/* bytes read at once */
#define REPORT_PIPEBUF		(64 * 1024)	/* bytes kept per stream before a write */
#define REPORT_TMP		".report.tmp"	/* in the output folder */
#define REPORT_ASSET_JS		"goaccess-api.js"	/* in the output folder */
#define REPORT_ASSET_CSS	"goaccess-api.css"
#define REPORT_PROGRESS_MS	200	/* between two progress calls */
#define REPORT_GOACCESS_MS	(20 * 60 * 1000)	/* a GoAccess run, at most */
#define REPORT_REWRITE_MAX	(REPORT_LINE_MAX + 2048)	/* a rewritten line */
/* The format of nginx/http.conf.in's log_format bootstack. */
#define REPORT_LOG_FORMAT \
	"%v %h %^[%d:%t %^] \"%r\" %s %b \"%R\" \"%u\" %T \"%^\" %^"

/*
 * GoAccess's page arranged for an API (its --html-custom-js runs before
 * GoAccess renders, at window.onload): status codes first, the panels that
 * mean nothing for an API (referrers, keyphrases, an empty static-files
 * panel) gone, tiles that say what they count, and a link back to the
 * overview.
 */
static const char report_asset_js[] =
	"/* goaccess-api.js: written by `bootstack report` (lib/report.c). */\n"
	"(function () {\n"
	"\tvar ui = window.user_interface, data = window.json_data || {};\n"
	"\tif (!ui) return;\n"
	"\tvar order = ['general', 'status_codes', 'requests', 'not_found',\n"
	"\t    'visitors', 'visit_time', 'vhosts', 'hosts', 'browsers', 'os'];\n"
	"\tvar drop = {referrers: 1, referring_sites: 1, keyphrases: 1};\n"
	"\tvar st = data.static_requests;\n"
	"\tif (!st || !st.data || st.data.length === 0)\n"
	"\t\tdrop.static_requests = 1;\n"
	"\tvar out = {}, k, i;\n"
	"\tfor (i = 0; i < order.length; i++)\n"
	"\t\tif (ui[order[i]] && !drop[order[i]]) out[order[i]] = ui[order[i]];\n"
	"\tfor (k in ui)\n"
	"\t\tif (!(k in out) && !drop[k]) out[k] = ui[k];\n"
	"\tvar head = {general: 'All requests (health checks left out)',\n"
	"\t    status_codes: 'HTTP status codes', requests: 'Requests by route template',\n"
	"\t    not_found: 'Not found (404) paths', visitors: 'Requests and clients per day',\n"
	"\t    visit_time: 'Requests per hour of the day', hosts: 'Clients (addresses)',\n"
	"\t    browsers: 'Client libraries (user agents)', os: 'Client systems (user agents)',\n"
	"\t    vhosts: 'Hosts (server names)'};\n"
	"\tfor (k in head) if (out[k]) out[k].head = head[k];\n"
	"\tvar g = out.general && out.general.items;\n"
	"\tif (g) {\n"
	"\t\tvar gone = ['valid_requests', 'generation_time', 'excluded_hits',\n"
	"\t\t    'unique_referrers', 'unique_static_files', 'log_size'];\n"
	"\t\tfor (i = 0; i < gone.length; i++) delete g[gone[i]];\n"
	"\t\tvar label = {total_requests: 'Requests', failed_requests: 'Unparsed lines',\n"
	"\t\t    unique_visitors: 'Clients', unique_files: 'Routes',\n"
	"\t\t    unique_not_found: '404 paths', bandwidth: 'Bytes sent'};\n"
	"\t\tfor (k in label) if (g[k]) g[k].label = label[k];\n"
	"\t}\n"
	"\twindow.user_interface = out;\n"
	"\t/* live.html: the WebSocket nginx proxies at /ops/ws, same origin */\n"
	"\tif (window.connection) {\n"
	"\t\tvar l = window.location, tls = l.protocol === 'https:';\n"
	"\t\twindow.connection.url = (tls ? 'wss://' : 'ws://') + l.hostname + ':' +\n"
	"\t\t    (l.port || (tls ? 443 : 80)) + l.pathname.replace(/[^\\/]*$/, '') + 'ws';\n"
	"\t}\n"
	"\tvar load = window.onload;\n"
	"\twindow.onload = function (e) {\n"
	"\t\tif (load) load.call(window, e);\n"
	"\t\tvar a = document.createElement('a');\n"
	"\t\ta.href = 'index.html';\n"
	"\t\ta.id = 'bootstack-overview';\n"
	"\t\ta.textContent = '\\u2190 API overview (routes, latency percentiles, problems)';\n"
	"\t\tdocument.body.insertBefore(a, document.body.firstChild);\n"
	"\t};\n"
	"}());\n";

/* Tables that wrap or scroll inside their panel instead of cutting a column. */
static const char report_asset_css[] =
	"/* goaccess-api.css: written by `bootstack report` (lib/report.c). */\n"
	"#bootstack-overview{display:block;padding:8px 16px 0 110px;"
	"font:14px system-ui,sans-serif}\n"
	".table-responsive{overflow-x:auto}\n"
	".table-responsive table{width:100%}\n"
	".table-responsive td span{white-space:normal;overflow-wrap:anywhere}\n";

/* One log file of this run. */
struct report_file {
	const char	*path;		/* borrowed from the run */
	int		 fd;		/* -1: absent */
	unsigned long long dev, ino;
	unsigned long long end;		/* size when opened: read up to here */
	unsigned long long done;	/* just after the last '\n' read */
	char		 head[REPORT_HEAD];
	size_t		 head_len;	/* bytes of head read */
};

/* One report being made. */
struct report_stream {
	char		*name;		/* REPORT_ALL or a host; owned */
	int		 known;		/* had positions in the state file */
	unsigned long long start[2];	/* per file: first byte not yet fed */
	pid_t		 pid;		/* its GoAccess; 0 = not started */
	struct proc	 proc;		/* the same, as proc_start made it */
	int		 fd;		/* write end of its pipe; -1 */
	char		*buf;		/* bytes not yet written; owned */
	size_t		 blen;		/* bytes in buf */
	int		 failed;	/* the pipe broke or GoAccess failed */
	char		*error;		/* why; owned */
	unsigned long long lines, excluded;	/* fed, left out */
	struct report_stream_result *res;	/* borrowed from the result */
	size_t		 ov;		/* its overview: r->ov.s[ov] */
	char		*dir;		/* its folder in the output; owned */
	const char	*assets;	/* path from its folder to out_dir ("", "../../") */
};

/* Everything one run needs. */
struct report_ctx {
	const struct config	*cfg;		/* borrowed */
	const char		*goaccess;	/* [report] goaccess */
	const char		*exclude;	/* [report] exclude; may be NULL */
	int			 anonymize;	/* [report] anonymize_ip */
	int			 query;		/* [report] query_strings */
	long long		 keep_days;	/* [report] keep_days */
	char			*state_dir;	/* [report] state_dir */
	char			*db_dir;	/* state_dir/db */
	char			*state_file;	/* state_dir/positions */
	char			*out_dir;	/* [report] output_dir */
	char			*tmp_dir;	/* out_dir/.report.tmp */
	char			*rot_path;	/* access_log.1 */
	gid_t			 gid;		/* [nginx] group, or -1 */
	struct report_file	 files[2];	/* rotated, current */
	struct report_stream	*s;		/* s[0] is REPORT_ALL */
	size_t			 ns;		/* streams */
	struct report_state	 state;		/* positions, as saved */
	const struct report_opts *opts;		/* borrowed */
	long long		 now;		/* the run's time, epoch seconds */
	long long		 t0;		/* its start, monotonic ms */
	struct ov		 ov;		/* the overview of every stream */
	char			*ov_file;	/* state_dir/overview.json */
	const char		*ev_log;	/* [api] log_file, or NULL */
	char			*ev_rot;	/* its .1 */
	struct report_file	 ev[2];		/* rotated, current */
	struct report_progress	 prog;		/* lines, bytes so far */
	long long		 prog_ms;	/* last progress call */
	unsigned long long	 events;	/* problem events read */
	int			 ov_failed;	/* out of memory while counting */
	char			*rewrite;	/* a line rewritten for GoAccess; owned */
};

/* See report.h. */
uint64_t
report_hash(const void *p, size_t len)
{
	const unsigned char	*c = p;
	uint64_t		 h = 0xcbf29ce484222325ULL;

	while (len-- > 0) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/* See report.h. */
int
report_pos_match(const struct report_pos *pos, unsigned long long dev,
    unsigned long long ino, const char *head, size_t head_len,
    unsigned long long size)
{
	if (pos->head_len > head_len || size < pos->off)
		return (0);
	if (report_hash(head, (size_t)pos->head_len) != pos->head_hash)
		return (0);
	if (pos->dev == dev && pos->ino == ino)
		return (1);
	return (pos->head_len >= REPORT_HEAD_MIN);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static long long
report_days(long long y, unsigned m, unsigned d)
{
	long long	 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (long long)doe - 719468);
}

/* n digits at p as a number, or -1. */
static long long
report_digits(const char *p, size_t n)
{
	long long	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		v = v * 10 + (p[i] - '0');
	}
	return (v);
}

/* See report.h. */
long long
report_time_local(const char *s, size_t len)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	long long		 d, y, hh, mm, ss, oh, om;
	const char		*mp;
	unsigned		 mon;

	/* 10/Oct/2024:13:55:36 +0000 */
	if (len < 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' ||
	    s[14] != ':' || s[17] != ':' || s[20] != ' ' ||
	    (s[21] != '+' && s[21] != '-'))
		return (-1);
	for (mp = months; *mp != '\0'; mp += 3)
		if (memcmp(mp, s + 3, 3) == 0)
			break;
	if (*mp == '\0')
		return (-1);
	mon = (unsigned)((mp - months) / 3 + 1);
	if ((d = report_digits(s, 2)) < 1 || d > 31 ||
	    (y = report_digits(s + 7, 4)) < 0 ||
	    (hh = report_digits(s + 12, 2)) < 0 || hh > 23 ||
	    (mm = report_digits(s + 15, 2)) < 0 || mm > 59 ||
	    (ss = report_digits(s + 18, 2)) < 0 || ss > 60 ||
	    (oh = report_digits(s + 22, 2)) < 0 ||
	    (om = report_digits(s + 24, 2)) < 0)
		return (-1);
	return (report_days(y, mon, (unsigned)d) * 86400 + hh * 3600 +
	    mm * 60 + ss - (s[21] == '-' ? -1 : 1) * (oh * 3600 + om * 60));
}

/*
 * Seconds with up to three decimals ("0.004", "12.5") at p..end as ms;
 * *next after the number. -1 when there is no number.
 */
static long long
report_ms(const char *p, const char *end, const char **next)
{
	long long	 v = 0, frac = 0;
	int		 digits = 0, fd = 0;

	while (p < end && *p >= '0' && *p <= '9' && digits < 12) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0)
		return (-1);
	if (p < end && *p == '.') {
		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (fd < 3) {
				frac = frac * 10 + (*p - '0');
				fd++;
			}
			p++;
		}
	}
	while (fd++ < 3)
		frac *= 10;
	*next = p;
	return (v * 1000 + frac);
}

/* Skips a quoted field ("..." with nginx's \xHH escapes) at p; NULL if none. */
static const char *
report_skip_quoted(const char *p, const char *end)
{
	const char	*q;

	if (p >= end || *p != '"')
		return (NULL);
	if ((q = memchr(p + 1, '"', (size_t)(end - p - 1))) == NULL)
		return (NULL);
	return (q + 1);
}

/* See report.h. */
int
report_line_parse(const char *line, size_t len, struct report_line *l)
{
	const char	*p, *end = line + len, *q, *sp, *rq, *n;
	long long	 v, sum;
	int		 any;

	memset(l, 0, sizeof(*l));
	l->ts = l->rt_ms = l->up_ms = -1;
	l->host = line;
	if ((p = memchr(line, ' ', len)) == NULL || p == line)
		return (-1);
	l->host_len = (size_t)(p - line);
	l->addr = ++p;
	while (p < end && *p != ' ')
		p++;
	if (p == l->addr)
		return (-1);
	l->addr_len = (size_t)(p - l->addr);
	/* [$time_local] */
	if ((q = memchr(p, '[', (size_t)(end - p))) != NULL &&
	    (sp = memchr(q, ']', (size_t)(end - q))) != NULL)
		l->ts = report_time_local(q + 1, (size_t)(sp - q - 1));
	/* nginx escapes '"' inside variables: the first one opens $request. */
	if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
		return (0);
	rq = q;
	q++;
	if ((sp = memchr(q, ' ', (size_t)(end - q))) != NULL &&
	    (n = memchr(q, '"', (size_t)(end - q))) != NULL && sp < n) {
		l->method = q;
		l->method_len = (size_t)(sp - q);
		q = sp + 1;
		for (p = q; p < end && *p != ' ' && *p != '?' && *p != '"'; p++)
			;
		if (q < end && *q == '/') {
			l->path = q;
			l->path_len = (size_t)(p - q);
		}
	}
	/* "$request" $status $body_bytes_sent "ref" "ua" $request_time "up" */
	if ((p = report_skip_quoted(rq, end)) == NULL || p >= end || *p != ' ')
		return (0);
	p++;
	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q - p != 3 || q >= end || *q != ' ')
		return (0);
	l->status = (int)report_digits(p, 3);
	for (p = q + 1; p < end && *p >= '0' && *p <= '9'; p++)
		l->bytes = l->bytes * 10 + (unsigned long long)(*p - '0');
	if (p >= end || *p != ' ' ||
	    (p = report_skip_quoted(p + 1, end)) == NULL || p >= end ||
	    *p != ' ' || (p = report_skip_quoted(p + 1, end)) == NULL ||
	    p >= end || *p != ' ')
		return (0);
	if ((v = report_ms(p + 1, end, &q)) < 0)
		return (0);
	l->rt_ms = v;
	/* "0.004", "-", "0.004, 0.010" (retries), "0.004 : 0.002" (redirects) */
	if (q >= end || *q != ' ' || q + 1 >= end || q[1] != '"')
		return (0);
	sum = 0;
	any = 0;
	for (p = q + 2; p < end && *p != '"'; ) {
		if ((v = report_ms(p, end, &n)) >= 0) {
			sum += v;
			any = 1;
			p = n;
		} else
			p++;
	}
	if (any)
		l->up_ms = sum;
	return (0);
}

/* See report.h. */
int
report_excluded(const char *path, size_t len, const char *patterns)
{
	const char	*w = patterns, *e;
	size_t		 wl;

	if (patterns == NULL || len == 0)
		return (0);
	for (;;) {
		while (*w == ' ' || *w == '\t')
			w++;
		if (*w == '\0')
			return (0);
		for (e = w; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		wl = (size_t)(e - w);
		if (w[wl - 1] == '*') {
			if (len >= wl - 1 && memcmp(path, w, wl - 1) == 0)
				return (1);
		} else if (len == wl && memcmp(path, w, wl) == 0)
			return (1);
		w = e;
	}
}

/* See report.h. */
int
report_mask_addr(const char *addr, size_t len, char *out, size_t outlen)
{
	char		 in[INET6_ADDRSTRLEN];
	unsigned char	 b[16];
	size_t		 n;

	if (len == 0 || len >= sizeof(in))
		return (-1);
	memcpy(in, addr, len);
	in[len] = '\0';
	if (inet_pton(AF_INET, in, b) == 1) {
		b[3] = 0;
		if (inet_ntop(AF_INET, b, out, (socklen_t)outlen) == NULL)
			return (-1);
	} else if (inet_pton(AF_INET6, in, b) == 1) {
		memset(b + 8, 0, 8);
		if (inet_ntop(AF_INET6, b, out, (socklen_t)outlen) == NULL)
			return (-1);
	} else
		return (-1);
	n = strlen(out);
	return ((int)n);
}

/* See report.h. */
int
report_host_ok(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > 253 || name[0] == '.' || name[0] == '-' ||
	    name[n - 1] == '.' || strstr(name, "..") != NULL)
		return (0);
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '-' || name[i] == '.'))
			return (0);
	return (1);
}

/* See report.h. */
void
report_state_cleanup(struct report_state *st)
{
	size_t	 i;

	for (i = 0; i < st->n; i++)
		free(st->e[i].stream);
	free(st->e);
	st->e = NULL;
	st->n = 0;
}

/* See report.h. */
struct report_state_entry *
report_state_find(struct report_state *st, const char *stream)
{
	size_t	 i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->e[i].stream, stream) == 0)
			return (&st->e[i]);
	return (NULL);
}

/* The entry of stream, added empty if missing; NULL when out of memory. */
static struct report_state_entry *
report_state_get(struct report_state *st, const char *stream)
{
	struct report_state_entry	*e, *ne;

	if ((e = report_state_find(st, stream)) != NULL)
		return (e);
	if ((ne = reallocarray(st->e, st->n + 1, sizeof(*ne))) == NULL)
		return (NULL);
	st->e = ne;
	e = &st->e[st->n];
	memset(e, 0, sizeof(*e));
	if ((e->stream = strdup(stream)) == NULL)
		return (NULL);
	st->n++;
	return (e);
}

/*
 * See report.h. The text is a magic line, then one line per file a stream
 * read: "STREAM DEV INO OFFSET HEAD_LEN HEAD_HASH" (hash in hex); other
 * '#' lines are comments.
 */
int
report_state_parse(const char *text, struct report_state *st, char **cause)
{
	struct report_state_entry	*e;
	struct report_pos		 p;
	const char			*l = text, *nl;
	char				 line[512], name[300];
	size_t				 len, lineno = 0;
	unsigned long long		 hash;

	*cause = NULL;
	memset(st, 0, sizeof(*st));
	if (strncmp(text, REPORT_STATE_MAGIC "\n",
	    strlen(REPORT_STATE_MAGIC) + 1) != 0)
		return (cause_set(cause, "not a bootstack report state file"));
	while (*l != '\0') {
		lineno++;
		nl = strchr(l, '\n');
		len = nl != NULL ? (size_t)(nl - l) : strlen(l);
		if (len >= sizeof(line))
			goto bad;
		memcpy(line, l, len);
		line[len] = '\0';
		l += len + (nl != NULL);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		memset(&p, 0, sizeof(p));
		if (sscanf(line, "%299s %llu %llu %llu %llu %llx", name, &p.dev,
		    &p.ino, &p.off, &p.head_len, &hash) != 6 ||
		    p.head_len > REPORT_HEAD ||
		    (strcmp(name, REPORT_ALL) != 0 && !report_host_ok(name)))
			goto bad;
		p.head_hash = hash;
		if ((e = report_state_get(st, name)) == NULL) {
			report_state_cleanup(st);
			return (cause_set(cause, "out of memory"));
		}
		if (e->npos == 2)
			goto bad;
		e->pos[e->npos++] = p;
	}
	return (0);
bad:
	report_state_cleanup(st);
	return (cause_set(cause, "line %zu is not a position", lineno));
}

/* See report.h. */
char *
report_state_format(const struct report_state *st)
{
	char	*text = NULL, *t;
	size_t	 i, j;

	if (asprintf(&text, "%s\n# STREAM DEV INODE OFFSET HEAD_LEN "
	    "HEAD_HASH, written by bootstack report\n",
	    REPORT_STATE_MAGIC) == -1)
		return (NULL);
	for (i = 0; i < st->n; i++)
		for (j = 0; j < st->e[i].npos; j++) {
			const struct report_pos *p = &st->e[i].pos[j];

			if (asprintf(&t, "%s%s %llu %llu %llu %llu %016llx\n",
			    text, st->e[i].stream, p->dev, p->ino, p->off,
			    p->head_len, (unsigned long long)p->head_hash)
			    == -1) {
				free(text);
				return (NULL);
			}
			free(text);
			text = t;
		}
	return (text);
}

/* Adds a copy of name to hosts unless it is there. -1 when out of memory. */
static int
report_hosts_add(char ***hosts, size_t *n, const char *name, size_t len)
{
	char	**nh, *c;
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (strlen((*hosts)[i]) == len &&
		    strncasecmp((*hosts)[i], name, len) == 0)
			return (0);
	if ((c = strndup(name, len)) == NULL)
		return (-1);
	for (i = 0; i < len; i++)
		if (c[i] >= 'A' && c[i] <= 'Z')
			c[i] = (char)(c[i] - 'A' + 'a');
	if ((nh = reallocarray(*hosts, *n + 1, sizeof(*nh))) == NULL) {
		free(c);
		return (-1);
	}
	*hosts = nh;
	nh[(*n)++] = c;
	return (0);
}

/* See report.h. */
int
report_hosts(const struct config *cfg, char ***hostsp, size_t *np,
    char **cause)
{
	const char	*v, *w, *e;
	char		*names = NULL, **hosts = NULL;
	size_t		 n = 0, i;
	int		 from_site = 0;

	*cause = NULL;
	*hostsp = NULL;
	*np = 0;
	if ((v = config_str(cfg, "report", "hosts")) == NULL) {
		v = config_str(cfg, "site", "domain");
		if (v == NULL || v[0] == '\0')
			return (0);
		if (nginx_server_names(cfg, &names, cause) == -1)
			return (-1);
		v = names;
		from_site = 1;
	}
	for (w = v;;) {
		while (*w == ' ' || *w == '\t' || *w == ',')
			w++;
		if (*w == '\0')
			break;
		for (e = w; *e != '\0' && *e != ' ' && *e != '\t' && *e != ',';
		    e++)
			;
		if (from_site && *w == '*') {
			w = e;		/* a wildcard: all hosts only */
			continue;
		}
		if (n == REPORT_MAX_HOSTS) {
			cause_set(cause, "[report] hosts: more than %d hosts",
			    REPORT_MAX_HOSTS);
			goto fail;
		}
		if (report_hosts_add(&hosts, &n, w, (size_t)(e - w)) == -1) {
			cause_set(cause, "out of memory");
			goto fail;
		}
		if (!report_host_ok(hosts[n - 1])) {
			cause_set(cause, "[report] hosts: '%.*s' is not a "
			    "host name", (int)(e - w), w);
			goto fail;
		}
		w = e;
	}
	free(names);
	*hostsp = hosts;
	*np = n;
	return (0);
fail:
	for (i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	free(names);
	return (-1);
}

/* See report.h. */
void
report_result_cleanup(struct report_result *res)
{
	size_t	 i;

	for (i = 0; i < res->n; i++) {
		free(res->s[i].name);
		free(res->s[i].html);
		free(res->s[i].error);
	}
	free(res->s);
	free(res->overview_error);
	res->s = NULL;
	res->n = 0;
	res->overview_error = NULL;
}

/* Removes the files in dir, then dir (one level: a GoAccess database). */
static int
report_rmdb(const char *dir, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	char		 p[PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return (errno == ENOENT ? 0 : cause_set(cause,
		    "cannot open %s: %s", dir, strerror(errno)));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name)
		    >= sizeof(p) || unlink(p) == -1) {
			closedir(d);
			return (cause_set(cause, "cannot remove %s/%s: %s",
			    dir, de->d_name, strerror(errno)));
		}
	}
	closedir(d);
	if (rmdir(dir) == -1 && errno != ENOENT)
		return (cause_set(cause, "cannot remove %s: %s", dir,
		    strerror(errno)));
	return (0);
}

/* The database folder of a stream (caller frees), NULL when out of memory. */
static char *
report_db_path(const struct report_ctx *r, const char *stream)
{
	char	*p;

	if (asprintf(&p, "%s/%s", r->db_dir, stream) == -1)
		return (NULL);
	return (p);
}

/*
 * Where a stream's file goes (caller frees): OUT/FILE for all hosts,
 * OUT/hosts/NAME/FILE for a host; file NULL: the folder itself.
 */
static char *
report_out_path(const struct report_ctx *r, const char *stream,
    const char *file)
{
	char	*p;
	int	 n;

	if (strcmp(stream, REPORT_ALL) == 0)
		n = asprintf(&p, "%s%s%s", r->out_dir, file != NULL ? "/" : "",
		    file != NULL ? file : "");
	else
		n = asprintf(&p, "%s/hosts/%s%s%s", r->out_dir, stream,
		    file != NULL ? "/" : "", file != NULL ? file : "");
	return (n == -1 ? NULL : p);
}

/* Opens one log file of the run; a missing one is not an error. */
static int
report_file_open(struct report_file *f, const char *path, char **cause)
{
	struct stat	 sb;
	ssize_t		 n;

	memset(f, 0, sizeof(*f));
	f->path = path;
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return (0);
		return (cause_set(cause, "cannot open %s: %s", path,
		    strerror(errno)));
	}
	if (fstat(f->fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		cause_set(cause, "%s: %s", path, S_ISREG(sb.st_mode) ?
		    strerror(errno) : "not a regular file");
		close(f->fd);
		f->fd = -1;
		return (-1);
	}
	f->dev = (unsigned long long)sb.st_dev;
	f->ino = (unsigned long long)sb.st_ino;
	f->end = (unsigned long long)sb.st_size;
	while ((n = pread(f->fd, f->head, sizeof(f->head), 0)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1) {
		cause_set(cause, "cannot read %s: %s", path, strerror(errno));
		close(f->fd);
		f->fd = -1;
		return (-1);
	}
	f->head_len = (size_t)n;
	if (f->head_len > f->end)
		f->head_len = (size_t)f->end;
	return (0);
}

/* Writes len bytes to fd; -1 with errno (EPIPE: GoAccess is gone). */
static int
report_write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Marks a stream failed with a reason (lib/cause.h: the first one is kept). */
static void __attribute__((format(printf, 2, 3)))
report_stream_fail(struct report_stream *s, const char *fmt, ...)
{
	va_list	 ap;

	s->failed = 1;
	va_start(ap, fmt);
	(void)cause_vset(&s->error, fmt, ap);
	va_end(ap);
}

/* Writes what a stream holds into its pipe. */
static void
report_flush(struct report_stream *s)
{
	if (s->blen == 0 || s->fd == -1)
		return;
	if (report_write_all(s->fd, s->buf, s->blen) == -1) {
		report_stream_fail(s, "GoAccess stopped reading: %s",
		    strerror(errno));
		close(s->fd);
		s->fd = -1;
	}
	s->blen = 0;
}

/* The environment GoAccess runs with: ours, with month names in English. */
static char **
report_env(void)
{
	char	**env;
	size_t	 n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 2, sizeof(*env))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0 &&
		    strncmp(environ[i], "LC_TIME=", 8) != 0)
			env[j++] = environ[i];
	/* nginx writes "Oct"; GoAccess parses %b in LC_TIME. */
	env[j++] = (char *)"LC_TIME=C";
	env[j] = NULL;
	return (env);
}

/* The options every GoAccess run of ours has: how to read our log format. */
static const char *const report_goaccess_common[] = {
	"--no-global-config",
	"--no-progress",
	"--no-parsing-spinner",
	("--log-format=" REPORT_LOG_FORMAT),
	"--date-format=%d/%b/%Y",
	"--time-format=%H:%M:%S",
	/* Garbage first lines (a TLS probe on port 80) must not stop a run. */
	"--num-tests=0",
	/* An API's report: no referrers nor keyphrases, one panel a row. */
	"--ignore-panel=REFERRERS",
	"--ignore-panel=REFERRING_SITES",
	"--ignore-panel=KEYPHRASES",
	"--html-prefs={\"layout\":\"vertical\",\"perPage\":10}",
};

/* Appends report_goaccess_common to argv at i; the next free index. */
static int
report_goaccess_args(char **argv, int i)
{
	size_t	 k;

	for (k = 0; k < sizeof(report_goaccess_common) /
	    sizeof(report_goaccess_common[0]); k++)
		argv[i++] = (char *)report_goaccess_common[k];
	return (i);
}

/*
 * Starts the GoAccess of stream s, reading a new pipe as /dev/fd/3, its
 * output going to state_dir/goaccess-NAME.log. On failure s is failed.
 */
static void
report_spawn(struct report_ctx *r, struct report_stream *s)
{
	char	*db = NULL, *html = NULL, *json = NULL, *logp = NULL;
	char	*a_db = NULL, *a_title = NULL, *a_keep = NULL;
	char	*a_js = NULL, *a_css = NULL, *why = NULL;
	char	*argv[48], **env = NULL;
	struct proc_opts po;
	int	 p[2] = { -1, -1 }, logfd = -1, i = 0;

	if ((s->buf = malloc(REPORT_PIPEBUF)) == NULL ||
	    (db = report_db_path(r, s->name)) == NULL ||
	    asprintf(&html, "%s/%s.goaccess.html", r->tmp_dir, s->name) == -1 ||
	    asprintf(&json, "%s/%s.goaccess.json", r->tmp_dir, s->name) == -1 ||
	    asprintf(&logp, "%s/goaccess-%s.log", r->state_dir, s->name) == -1 ||
	    asprintf(&a_db, "--db-path=%s/", db) == -1 ||
	    asprintf(&a_title, "--html-report-title=bootstack: %s (GoAccess)",
	    strcmp(s->name, REPORT_ALL) == 0 ? "all hosts" : s->name) == -1 ||
	    asprintf(&a_js, "--html-custom-js=%s" REPORT_ASSET_JS, s->assets)
	    == -1 ||
	    asprintf(&a_css, "--html-custom-css=%s" REPORT_ASSET_CSS, s->assets)
	    == -1 ||
	    asprintf(&a_keep, "--keep-last=%lld", r->keep_days) == -1 ||
	    (env = report_env()) == NULL) {
		report_stream_fail(s, "out of memory");
		goto out;
	}
	if (mkdir(db, 0700) == -1 && errno != EEXIST) {
		report_stream_fail(s, "cannot make %s: %s", db, strerror(errno));
		goto out;
	}
	(void)unlink(html);
	(void)unlink(json);
	argv[i++] = (char *)r->goaccess;
	argv[i++] = (char *)"/dev/fd/3";
	i = report_goaccess_args(argv, i);
	argv[i++] = (char *)"--restore";
	argv[i++] = (char *)"--persist";
	argv[i++] = a_db;
	argv[i++] = a_title;
	argv[i++] = a_js;
	argv[i++] = a_css;
	if (!r->query)
		argv[i++] = (char *)"--no-query-string";
	if (r->keep_days > 0)
		argv[i++] = a_keep;
	argv[i++] = (char *)"-o";
	argv[i++] = html;
	argv[i++] = (char *)"-o";
	argv[i++] = json;
	argv[i] = NULL;

	/*
	 * Its output goes to its log file, the pipe becomes its fd 3, and it
	 * dies with us: an interrupted run leaves no GoAccess storing half
	 * of what it was given.
	 */
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    (logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		report_stream_fail(s, "cannot start GoAccess: %s",
		    strerror(errno));
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.what = "GoAccess";
	po.flags = PROC_OUT_FD | PROC_EXTRA_FD | PROC_PDEATHSIG;
	po.out_fd = logfd;
	po.extra_fd = p[0];
	if (proc_start(&po, &s->proc, &why) != ST_OK) {
		report_stream_fail(s, "%s", cause_text(why));
		free(why);
		goto out;
	}
	s->pid = s->proc.pid;
	s->fd = p[1];
	p[1] = -1;
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (logfd != -1)
		close(logfd);
	free(env);
	free(db);
	free(html);
	free(json);
	free(logp);
	free(a_db);
	free(a_title);
	free(a_js);
	free(a_css);
	free(a_keep);
}

/* Queues one line (with its '\n') for stream s, starting GoAccess first. */
static void
report_feed(struct report_ctx *r, struct report_stream *s, const char *line,
    size_t len)
{
	if (s->failed)
		return;
	if (s->pid == 0) {
		report_spawn(r, s);
		if (s->failed)
			return;
	}
	if (s->blen + len > REPORT_PIPEBUF)
		report_flush(s);
	if (s->failed)
		return;
	s->lines++;
	if (len > REPORT_PIPEBUF) {
		if (report_write_all(s->fd, line, len) == -1) {
			report_stream_fail(s, "GoAccess stopped reading: %s",
			    strerror(errno));
			close(s->fd);
			s->fd = -1;
		}
		return;
	}
	memcpy(s->buf + s->blen, line, len);
	s->blen += len;
}

/*
 * Calls the progress callback: while reading at most every
 * REPORT_PROGRESS_MS; always when forced (reading done, a GoAccess
 * finished) or last.
 */
static void
report_progress(struct report_ctx *r, int last, int force)
{
	long long	 now;

	if (r->opts == NULL || r->opts->progress == NULL)
		return;
	now = clock_ms();
	if (!last && !force && now - r->prog_ms < REPORT_PROGRESS_MS)
		return;
	r->prog_ms = now;
	r->prog.ms = now - r->t0;
	r->prog.done = last;
	r->opts->progress(&r->prog, r->opts->arg);
}

/*
 * Builds the line GoAccess is given into out (outlen): the address masked
 * ([report] anonymize_ip) and the path replaced by its route template, so
 * GoAccess's requests panel has one row per route. Returns out, or line
 * when nothing changes or the result would not fit.
 */
static const char *
report_rewrite(const struct report_ctx *r, const char *line, size_t len,
    const struct report_line *l, const char *pattern, char *out,
    size_t outsize, size_t *outlen)
{
	char		 a[INET6_ADDRSTRLEN];
	const char	*addr = l->addr, *path = l->path;
	size_t		 alen = l->addr_len, plen = l->path_len, o = 0;
	size_t		 pre, mid, rest;
	int		 n;

	*outlen = len;
	if (r->anonymize &&
	    (n = report_mask_addr(l->addr, l->addr_len, a, sizeof(a))) > 0) {
		addr = a;
		alen = (size_t)n;
	} else if (pattern == NULL)
		return (line);
	if (pattern != NULL) {
		path = pattern;
		plen = strlen(pattern);
	}
	/* line = [pre] addr [mid] path [rest]; a path comes after the address */
	pre = (size_t)(l->addr - line);
	if (l->path_len > 0) {
		mid = (size_t)(l->path - (l->addr + l->addr_len));
		rest = len - (size_t)(l->path + l->path_len - line);
	} else {
		mid = len - pre - l->addr_len;
		rest = 0;
		plen = 0;
	}
	if (pre + alen + mid + plen + rest > outsize)
		return (line);
	memcpy(out + o, line, pre);
	o += pre;
	memcpy(out + o, addr, alen);
	o += alen;
	memcpy(out + o, l->addr + l->addr_len, mid);
	o += mid;
	if (plen > 0) {
		memcpy(out + o, path, plen);
		o += plen;
		memcpy(out + o, l->path + l->path_len, rest);
		o += rest;
	}
	*outlen = o;
	return (out);
}

/* Counts a parsed line into stream s's overview. */
static void
report_ov_take(struct report_ctx *r, struct report_stream *s,
    const struct report_line *l, const char *key, int excl)
{
	struct ov_stream	*ovs = &r->ov.s[s->ov];
	struct ov_hit		 h;

	if (excl) {
		ovs->excluded++;
		return;
	}
	h.ts = l->ts;
	h.route = key;
	h.status = l->status;
	h.bytes = l->bytes;
	h.rt_ms = l->rt_ms;
	h.up_ms = l->up_ms;
	if (ov_add_hit(ovs, &h, r->now) == -1)
		r->ov_failed = 1;
}

/* One whole line of file fi at offset at (len bytes with its '\n'). */
static void
report_take_line(struct report_ctx *r, int fi, unsigned long long at,
    const char *line, size_t len)
{
	struct report_line	 l;
	struct report_stream	*s, *host = NULL;
	char			 key[2100];
	const char		*out = line, *pattern = NULL;
	size_t			 i, outlen = len;
	int			 excl = 0, parsed;

	r->prog.lines++;
	r->prog.bytes += len;
	if ((r->prog.lines & 1023) == 0)
		report_progress(r, 0, 0);
	parsed = report_line_parse(line, len - 1, &l) == 0;
	snprintf(key, sizeof(key), "%s", OV_NOROUTE);
	if (parsed) {
		for (i = 1; i < r->ns; i++)
			if (strlen(r->s[i].name) == l.host_len &&
			    memcmp(r->s[i].name, l.host, l.host_len) == 0) {
				host = &r->s[i];
				break;
			}
		excl = report_excluded(l.path, l.path_len, r->exclude);
		if (!excl) {
			ov_route_of(&r->ov, l.method, l.method_len, l.path,
			    l.path_len, key, sizeof(key), &pattern);
			out = report_rewrite(r, line, len, &l, pattern,
			    r->rewrite, REPORT_REWRITE_MAX, &outlen);
		}
	}
	for (i = 0; i < 2; i++) {
		s = i == 0 ? &r->s[0] : host;
		if (s == NULL)
			continue;
		if (at >= r->ov.s[s->ov].start[fi])
			report_ov_take(r, s, &l, key, excl);
		if (at < s->start[fi])
			continue;
		if (excl)
			s->excluded++;
		else
			report_feed(r, s, out, outlen);
	}
}

/* What report_scan does with each whole line (len bytes with its '\n'). */
typedef void report_line_fn(struct report_ctx *, int fi, unsigned long long at,
    const char *line, size_t len);

/*
 * Reads file f from offset lo up to its size when opened, line by line,
 * giving each whole line to fn; sets f->done just after the last one.
 */
static int
report_scan(struct report_ctx *r, struct report_file *f, int fi,
    unsigned long long lo, report_line_fn *fn, char **cause)
{
	unsigned long long	 pos, base;
	char			*buf;
	char			*nl;
	size_t			 carry = 0, p, total, want;
	ssize_t			 n;
	int			 skipping = 0;

	f->done = lo;
	if (f->fd == -1 || lo >= f->end)
		return (0);
	if ((buf = malloc(REPORT_CHUNK + REPORT_LINE_MAX)) == NULL)
		return (cause_set(cause, "out of memory"));
	for (pos = lo; pos < f->end; ) {
		want = REPORT_CHUNK;
		if (f->end - pos < want)
			want = (size_t)(f->end - pos);
		if ((n = pread(f->fd, buf + carry, want, (off_t)pos)) == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return (cause_set(cause, "cannot read %s: %s",
			    f->path, strerror(errno)));
		}
		if (n == 0)
			break;		/* shrank (truncated): read it next run */
		base = pos - carry;
		total = carry + (size_t)n;
		pos += (unsigned long long)n;
		for (p = 0; (nl = memchr(buf + p, '\n', total - p)) != NULL; ) {
			size_t	 len = (size_t)(nl - (buf + p)) + 1;

			if (!skipping)
				fn(r, fi, base + p, buf + p, len);
			skipping = 0;
			p += len;
			f->done = base + p;
		}
		carry = total - p;
		if (carry >= REPORT_LINE_MAX) {
			log_warnx("report: %s: a line longer than %d bytes at "
			    "offset %llu skipped", f->path, REPORT_LINE_MAX,
			    base + p);
			skipping = 1;
			carry = 0;
		} else
			memmove(buf, buf + p, carry);
	}
	free(buf);
	return (0);
}

/* The smallest start in file fi of any stream, GoAccess's or overview's. */
static unsigned long long
report_lowest(const struct report_ctx *r, int fi)
{
	unsigned long long	 lo = ULLONG_MAX;
	size_t			 i;

	for (i = 0; i < r->ns; i++) {
		if (r->s[i].start[fi] < lo)
			lo = r->s[i].start[fi];
		if (r->ov.s[r->s[i].ov].start[fi] < lo)
			lo = r->ov.s[r->s[i].ov].start[fi];
	}
	return (lo);
}

/* Reads access-log file fi for every stream; sets its done offset. */
static int
report_read(struct report_ctx *r, int fi, char **cause)
{
	return (report_scan(r, &r->files[fi], fi, report_lowest(r, fi),
	    report_take_line, cause));
}

/* One line of the API's event log: a problem goes to its streams. */
static void
report_take_event(struct report_ctx *r, int fi, unsigned long long at,
    const char *line, size_t len)
{
	struct ov_event		 e;
	json_object		*o = NULL;
	size_t			 i, hl;

	if (at < r->ov.ev_start[fi] || ov_event_parse(line, len - 1, &e,
	    &o) != 1)
		return;
	r->events++;
	/* the Host header: any case, maybe with a port */
	hl = e.host != NULL ? strcspn(e.host, ":") : 0;
	for (i = 0; i < r->ns; i++) {
		if (i > 0 && (hl == 0 || hl != strlen(r->s[i].name) ||
		    strncasecmp(e.host, r->s[i].name, hl) != 0))
			continue;
		if (ov_add_event(&r->ov.s[r->s[i].ov], &e, r->now) == -1)
			r->ov_failed = 1;
	}
	json_object_put(o);
}

/*
 * fsyncs tmp, gives it mode 0640 and the web server's group, renames it to
 * dst and fsyncs dst's folder.
 */
static int
report_install(const struct report_ctx *r, const char *tmp, const char *dst,
    char **cause)
{
	char	 dir[PATH_MAX], *sl;
	int	 fd;

	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (cause_set(cause, "GoAccess wrote no %s: %s", tmp,
		    strerror(errno)));
	if (fchmod(fd, 0640) == -1 ||
	    (r->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, r->gid) == -1) ||
	    fsync(fd) == -1) {
		cause_set(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	if (rename(tmp, dst) == -1)
		return (cause_set(cause, "cannot rename %s to %s: %s", tmp,
		    dst, strerror(errno)));
	if (strlen(dst) < sizeof(dir)) {
		strcpy(dir, dst);
		if ((sl = strrchr(dir, '/')) != NULL) {
			*sl = '\0';
			if ((fd = open(dir[0] == '\0' ? "/" : dir,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
				(void)fsync(fd);
				close(fd);
			}
		}
	}
	return (0);
}

/* The last non-empty line of a GoAccess log, for an error (caller frees). */
static char *
report_log_tail(const struct report_ctx *r, const char *stream)
{
	char	*path = NULL, *text = NULL, *cause = NULL, *e, *b, *res;
	size_t	 len;

	if (asprintf(&path, "%s/goaccess-%s.log", r->state_dir, stream) == -1)
		return (NULL);
	if (fs_read_file(path, 1024 * 1024, &text, &len, &cause) == -1) {
		free(cause);
		free(path);
		return (NULL);
	}
	free(path);
	e = text + len;
	while (e > text && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\r'))
		e--;
	*e = '\0';
	b = e;
	while (b > text && b[-1] != '\n')
		b--;
	res = *b != '\0' ? strdup(b) : NULL;
	free(text);
	return (res);
}

/* The positions a stream reached in this run's files. */
static void
report_positions(const struct report_ctx *r, const struct report_stream *s,
    struct report_state_entry *e)
{
	const struct report_file	*f;
	struct report_pos		*p;
	int				 fi;

	e->npos = 0;
	for (fi = 0; fi < 2; fi++) {
		f = &r->files[fi];
		if (f->fd == -1)
			continue;
		p = &e->pos[e->npos++];
		p->dev = f->dev;
		p->ino = f->ino;
		p->off = f->done > s->start[fi] ? f->done : s->start[fi];
		p->head_len = f->head_len;
		p->head_hash = report_hash(f->head, f->head_len);
	}
}

/* Writes the state file. */
static int
report_state_save(const struct report_ctx *r, char **cause)
{
	char	*text;
	int	 rc;

	if ((text = report_state_format(&r->state)) == NULL)
		return (cause_set(cause, "out of memory"));
	rc = fs_write_atomic(r->state_file, text, strlen(text), 0600, cause);
	free(text);
	return (rc);
}

/*
 * Waits for the GoAccess of s (REPORT_GOACCESS_MS at most), then installs
 * its reports and records its positions, or marks it failed with why and
 * the last line it printed.
 */
static void
report_finish(struct report_ctx *r, struct report_stream *s)
{
	struct report_state_entry	*e;
	char				*tmp = NULL, *dst = NULL, *cause = NULL;
	char				*tail, *why = NULL;
	static const char *const	 exts[] = { "json", "html" };
	char				 file[32];
	size_t				 i;
	enum st				 st;

	st = proc_wait(&s->proc, REPORT_GOACCESS_MS, "GoAccess", NULL, &why);
	s->pid = 0;
	if (s->failed) {
		free(why);
		return;
	}
	if (st != ST_OK) {
		tail = report_log_tail(r, s->name);
		report_stream_fail(s, "%s%s%s", cause_text(why),
		    tail != NULL ? ": " : "", tail != NULL ? tail : "");
		free(tail);
		free(why);
		return;
	}
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		free(tmp);
		free(dst);
		dst = NULL;
		snprintf(file, sizeof(file), "goaccess.%s", exts[i]);
		if (asprintf(&tmp, "%s/%s.goaccess.%s", r->tmp_dir, s->name,
		    exts[i]) == -1 || (dst = report_out_path(r, s->name, file))
		    == NULL) {
			tmp = NULL;
			report_stream_fail(s, "out of memory");
			goto out;
		}
		if (report_install(r, tmp, dst, &cause) == -1) {
			report_stream_fail(s, "%s", cause != NULL ? cause :
			    "out of memory");
			goto out;
		}
	}
	/*
	 * GoAccess has stored the lines: record how far it got, now. (The
	 * reports are installed first: a reader sees old or new ones, and if
	 * this write fails the next run counts these lines again.)
	 */
	if ((e = report_state_get(&r->state, s->name)) == NULL) {
		report_stream_fail(s, "out of memory");
		goto out;
	}
	report_positions(r, s, e);
	if (report_state_save(r, &cause) == -1)
		report_stream_fail(s, "%s", cause != NULL ? cause :
		    "out of memory");
	if (s->res != NULL)
		s->res->outcome = REPORT_UPDATED;
out:
	free(cause);
	free(tmp);
	free(dst);
}

/* True when a stream's GoAccess HTML or JSON report is missing. */
static int
report_missing(const struct report_ctx *r, const char *stream)
{
	char	*p;
	int	 missing = 0;

	if ((p = report_out_path(r, stream, "goaccess.html")) == NULL)
		return (1);
	missing |= access(p, F_OK) == -1;
	free(p);
	if ((p = report_out_path(r, stream, "goaccess.json")) == NULL)
		return (1);
	missing |= access(p, F_OK) == -1;
	free(p);
	return (missing);
}

/* Reads the configuration into r. */
static int
report_setup(struct report_ctx *r, const struct config *cfg, char **cause)
{
	const char	*v, *log;
	struct group	 gr, *res = NULL;
	char		 gbuf[4096];

	r->cfg = cfg;
	r->gid = (gid_t)-1;
	r->files[0].fd = r->files[1].fd = -1;
	r->ev[0].fd = r->ev[1].fd = -1;
	r->goaccess = config_str(cfg, "report", "goaccess");
	r->exclude = config_str(cfg, "report", "exclude");
	r->anonymize = config_bool(cfg, "report", "anonymize_ip");
	r->query = config_bool(cfg, "report", "query_strings");
	r->keep_days = config_int(cfg, "report", "keep_days");
	if (r->goaccess == NULL || r->goaccess[0] != '/')
		return (cause_set(cause, "[report] goaccess must be an "
		    "absolute path"));
	if ((v = config_str(cfg, "report", "state_dir")) == NULL ||
	    v[0] != '/')
		return (cause_set(cause, "[report] state_dir must be an "
		    "absolute path"));
	if ((r->state_dir = strdup(v)) == NULL)
		return (cause_set(cause, "out of memory"));
	if ((v = config_str(cfg, "report", "output_dir")) == NULL)
		v = config_str(cfg, "nginx", "ops_root");
	if (v == NULL || v[0] != '/')
		return (cause_set(cause, "[report] output_dir (or [nginx] "
		    "ops_root) must be an absolute path"));
	if ((log = config_str(cfg, "nginx", "access_log")) == NULL ||
	    log[0] != '/')
		return (cause_set(cause, "[nginx] access_log must be an "
		    "absolute path"));
	if ((r->out_dir = strdup(v)) == NULL ||
	    asprintf(&r->db_dir, "%s/db", r->state_dir) == -1 ||
	    asprintf(&r->state_file, "%s/positions", r->state_dir) == -1 ||
	    asprintf(&r->tmp_dir, "%s/" REPORT_TMP, r->out_dir) == -1 ||
	    asprintf(&r->rot_path, "%s.1", log) == -1)
		return (cause_set(cause, "out of memory"));
	if (geteuid() == 0 && (v = config_str(cfg, "nginx", "group")) != NULL &&
	    getgrnam_r(v, &gr, gbuf, sizeof(gbuf), &res) == 0 && res != NULL)
		r->gid = res->gr_gid;
	/* The API's event log, for the overview's problems. */
	r->ev[0].fd = r->ev[1].fd = -1;
	if ((v = config_str(cfg, "api", "log_file")) != NULL && v[0] == '/') {
		r->ev_log = v;
		if (asprintf(&r->ev_rot, "%s.1", v) == -1)
			return (cause_set(cause, "out of memory"));
	}
	if (asprintf(&r->ov_file, "%s/overview.json", r->state_dir) == -1 ||
	    (r->rewrite = malloc(REPORT_REWRITE_MAX)) == NULL)
		return (cause_set(cause, "out of memory"));
	return (0);
}

/* Frees what report_setup and the run made; kills GoAccess children left. */
static void
report_teardown(struct report_ctx *r)
{
	size_t	 i;
	int	 status;

	for (i = 0; i < r->ns; i++) {
		if (r->s[i].fd != -1)
			close(r->s[i].fd);
		if (r->s[i].pid > 0) {
			kill(r->s[i].pid, SIGKILL);
			while (waitpid(r->s[i].pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
		}
		free(r->s[i].name);
		free(r->s[i].buf);
		free(r->s[i].error);
		free(r->s[i].dir);
	}
	free(r->s);
	for (i = 0; i < 2; i++) {
		if (r->files[i].fd != -1)
			close(r->files[i].fd);
		if (r->ev[i].fd != -1)
			close(r->ev[i].fd);
	}
	report_state_cleanup(&r->state);
	ov_cleanup(&r->ov);
	free(r->ov_file);
	free(r->ev_rot);
	free(r->rewrite);
	free(r->state_dir);
	free(r->db_dir);
	free(r->state_file);
	free(r->out_dir);
	free(r->tmp_dir);
	free(r->rot_path);
}

/* Makes the stream list (REPORT_ALL first) and the result rows. */
static int
report_streams(struct report_ctx *r, struct report_result *res, char **cause)
{
	char	**hosts = NULL;
	size_t	 n = 0, i;
	int	 rc = -1;

	if (report_hosts(r->cfg, &hosts, &n, cause) == -1)
		return (-1);
	if ((r->s = calloc(n + 1, sizeof(*r->s))) == NULL ||
	    (res->s = calloc(n + 1, sizeof(*res->s))) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	for (i = 0; i <= n; i++) {
		struct report_stream	*s = &r->s[i];

		s->fd = -1;
		s->res = &res->s[i];
		s->assets = i == 0 ? "" : "../../";
		if ((s->name = strdup(i == 0 ? REPORT_ALL : hosts[i - 1]))
		    == NULL || (s->res->name = strdup(s->name)) == NULL ||
		    (s->res->html = report_out_path(r, s->name, "index.html"))
		    == NULL || (s->dir = report_out_path(r, s->name, NULL))
		    == NULL) {
			r->ns = i + 1;
			res->n = i + 1;
			cause_set(cause, "out of memory");
			goto out;
		}
		r->ns = res->n = i + 1;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	return (rc);
}

/*
 * Forgets the positions of hosts no longer reported: if one comes back,
 * its database is made again from the logs on disk.
 */
static void
report_state_prune(struct report_ctx *r)
{
	size_t	 i = 0, j;
	int	 keep;

	while (i < r->state.n) {
		keep = 0;
		for (j = 0; j < r->ns; j++)
			keep |= strcmp(r->s[j].name, r->state.e[i].stream) == 0;
		if (keep) {
			i++;
			continue;
		}
		free(r->state.e[i].stream);
		memmove(&r->state.e[i], &r->state.e[i + 1],
		    (r->state.n - i - 1) * sizeof(r->state.e[0]));
		r->state.n--;
	}
}

/* Loads the state file (a missing one is an empty state). */
static int
report_state_load(struct report_ctx *r, char **cause)
{
	char	*text = NULL, *why = NULL;
	int	 rc;

	if (access(r->state_file, F_OK) == -1 && errno == ENOENT)
		return (0);
	if (fs_read_file(r->state_file, 16 * 1024 * 1024, &text, NULL,
	    cause) == -1)
		return (-1);
	rc = report_state_parse(text, &r->state, &why);
	free(text);
	if (rc == -1) {
		cause_set(cause, "%s: %s (`bootstack report --rebuild` "
		    "starts again)", r->state_file, why != NULL ? why :
		    "out of memory");
		free(why);
	}
	return (rc);
}

/*
 * Where each stream starts in each file: the offset of its position that
 * matches the file, else 0. A stream without positions starts afresh (its
 * stale database, if any, is removed). Sets res->lost when a stream's
 * files of last time are all gone while logs exist.
 */
static int
report_starts(struct report_ctx *r, struct report_result *res, int rebuild,
    char **cause)
{
	struct report_state_entry	*e;
	struct report_file		*f;
	struct report_stream		*s;
	char				*db;
	size_t				 i, j;
	int				 fi, matched, present;

	present = r->files[0].fd != -1 || r->files[1].fd != -1;
	for (i = 0; i < r->ns; i++) {
		s = &r->s[i];
		e = rebuild ? NULL : report_state_find(&r->state, s->name);
		s->known = e != NULL && e->npos > 0;
		if (!s->known) {
			if ((db = report_db_path(r, s->name)) == NULL)
				return (cause_set(cause, "out of memory"));
			if (report_rmdb(db, cause) == -1) {
				free(db);
				return (-1);
			}
			free(db);
			continue;
		}
		matched = 0;
		for (fi = 0; fi < 2; fi++) {
			f = &r->files[fi];
			if (f->fd == -1)
				continue;
			for (j = 0; j < e->npos; j++)
				if (report_pos_match(&e->pos[j], f->dev, f->ino,
				    f->head, f->head_len, f->end)) {
					s->start[fi] = e->pos[j].off;
					matched = 1;
					break;
				}
		}
		if (!matched && present)
			res->lost = 1;	/* rotated twice since? */
	}
	return (0);
}

/*
 * Where each of the run's files starts for one reader with positions pos:
 * the offset of the position that matches the file, else 0 (a file made
 * since). True when any position matched.
 */
static int
report_match(const struct report_file *files, const struct report_pos *pos,
    size_t npos, unsigned long long start[2])
{
	const struct report_file	*f;
	size_t				 j;
	int				 fi, matched = 0;

	for (fi = 0; fi < 2; fi++) {
		f = &files[fi];
		start[fi] = 0;
		if (f->fd == -1)
			continue;
		for (j = 0; j < npos; j++)
			if (report_pos_match(&pos[j], f->dev, f->ino, f->head,
			    f->head_len, f->end)) {
				start[fi] = pos[j].off;
				matched = 1;
				break;
			}
	}
	return (matched);
}

/* The positions a reader reached in files: max(done, its start). */
static size_t
report_reached(const struct report_file *files,
    const unsigned long long start[2], struct report_pos *pos)
{
	const struct report_file	*f;
	size_t				 n = 0;
	int				 fi;

	for (fi = 0; fi < 2; fi++) {
		f = &files[fi];
		if (f->fd == -1)
			continue;
		pos[n].dev = f->dev;
		pos[n].ino = f->ino;
		pos[n].off = f->done > start[fi] ? f->done : start[fi];
		pos[n].head_len = f->head_len;
		pos[n].head_hash = report_hash(f->head, f->head_len);
		n++;
	}
	return (n);
}

/*
 * Loads the overview's state (unless rebuilding), gives every stream its
 * overview and where it starts in each file. A state that cannot be read
 * is started afresh from the logs on disk, with a warning: the overview
 * can always be rebuilt, unlike GoAccess's databases.
 */
static int
report_ov_load(struct report_ctx *r, struct report_result *res, int rebuild,
    char **cause)
{
	struct ov_stream	*ovs;
	const char		**names;
	char			*text = NULL, *why = NULL;
	size_t			 i;
	int			 present;

	if (r->opts != NULL && ov_set_routes(&r->ov, r->opts->routes,
	    r->opts->nroutes, cause) == -1)
		return (-1);
	if (!rebuild && access(r->ov_file, F_OK) == 0) {
		if (fs_read_file(r->ov_file, 256 * 1024 * 1024, &text, NULL,
		    &why) == -1 || ov_state_parse(text, &r->ov, &why) == -1) {
			log_warnx("report: %s: %s; the overview starts again "
			    "from the logs on disk", r->ov_file, why != NULL ?
			    why : "out of memory");
			free(why);
		}
		free(text);
	}
	if ((names = calloc(r->ns, sizeof(*names))) == NULL)
		return (cause_set(cause, "out of memory"));
	for (i = 0; i < r->ns; i++)
		names[i] = r->s[i].name;
	ov_prune(&r->ov, names, r->ns);
	free(names);
	for (i = 0; i < r->ns; i++)
		if (ov_stream_get(&r->ov, r->s[i].name) == NULL)
			return (cause_set(cause, "out of memory"));
	present = r->files[0].fd != -1 || r->files[1].fd != -1;
	for (i = 0; i < r->ns; i++) {
		for (r->s[i].ov = 0; strcmp(r->ov.s[r->s[i].ov].name,
		    r->s[i].name) != 0; r->s[i].ov++)
			;
		ovs = &r->ov.s[r->s[i].ov];
		if (ovs->known && !report_match(r->files, ovs->pos, ovs->npos,
		    ovs->start) && ovs->npos > 0 && present)
			res->lost = 1;
	}
	if (r->ov.ev_known)
		(void)report_match(r->ev, r->ov.ev, r->ov.nev, r->ov.ev_start);
	return (0);
}

/* Writes text to the run's folder as name, then installs it at dst. */
static int
report_put(const struct report_ctx *r, const char *name, const char *text,
    const char *dst, char **cause)
{
	char	*tmp = NULL;
	int	 rc;

	if (text == NULL)
		return (cause_set(cause, "out of memory"));
	if (asprintf(&tmp, "%s/%s", r->tmp_dir, name) == -1)
		return (cause_set(cause, "out of memory"));
	(void)unlink(tmp);
	rc = fs_write_atomic(tmp, text, strlen(text), 0600, cause);
	if (rc == 0)
		rc = report_install(r, tmp, dst, cause);
	free(tmp);
	return (rc);
}

/* Writes one stream's index.html and index.json. */
static int
report_ov_pages(struct report_ctx *r, size_t si, char **cause)
{
	struct report_stream	*s = &r->s[si];
	struct ov_page		 pg;
	const char		**hosts = NULL;
	char			*text = NULL, *dst = NULL, name[320];
	size_t			 i;
	int			 rc = -1;

	memset(&pg, 0, sizeof(pg));
	pg.now = r->now;
	pg.title = si == 0 ? "all hosts" : s->name;
	pg.up = si == 0 ? NULL : "../../";
	if (r->ev_log == NULL)
		pg.problems_note = "The API logs to the journal ([api] log_file "
		    "is not set): set it to see the API's problems here "
		    "(docs/logs.md).";
	if (si == 0 && r->ns > 1) {
		if ((hosts = calloc(r->ns - 1, sizeof(*hosts))) == NULL)
			return (cause_set(cause, "out of memory"));
		for (i = 1; i < r->ns; i++)
			hosts[i - 1] = r->s[i].name;
		pg.hosts = hosts;
		pg.nhosts = r->ns - 1;
	}
	if (fs_mkdirs(s->dir, 0755, 0, cause) == -1)
		goto out;
	snprintf(name, sizeof(name), "%s.index.html", s->name);
	text = ov_html(&r->ov.s[s->ov], &pg);
	if ((dst = report_out_path(r, s->name, "index.html")) == NULL ||
	    report_put(r, name, text, dst, cause) == -1)
		goto out;
	free(text);
	free(dst);
	dst = NULL;
	snprintf(name, sizeof(name), "%s.index.json", s->name);
	text = ov_json(&r->ov.s[s->ov], &pg);
	if ((dst = report_out_path(r, s->name, "index.json")) == NULL ||
	    report_put(r, name, text, dst, cause) == -1)
		goto out;
	/* The layout before the overview: hosts/NAME.html was GoAccess's. */
	if (si > 0) {
		free(dst);
		if (asprintf(&dst, "%s/hosts/%s.html", r->out_dir, s->name)
		    != -1) {
			(void)unlink(dst);
			dst[strlen(dst) - 4] = '\0';
			strcat(dst, "json");
			(void)unlink(dst);
		} else
			dst = NULL;
	}
	rc = 0;
out:
	if (rc == -1 && *cause == NULL)
		cause_set(cause, "out of memory");
	free(text);
	free(dst);
	free(hosts);
	return (rc);
}

/*
 * The overview's part of a run, once every line is read: the API's new
 * problem events, the new positions, the state file (one atomic rename),
 * then every stream's pages and GoAccess's assets. -1 with *cause.
 */
static int
report_overview(struct report_ctx *r, char **cause)
{
	char	*text, *dst = NULL;
	size_t	 i;
	int	 fi, rc;

	for (fi = 0; fi < 2; fi++)
		if (report_scan(r, &r->ev[fi], fi, r->ov.ev_start[fi],
		    report_take_event, cause) == -1)
			return (-1);
	if (r->ov_failed)
		return (cause_set(cause, "out of memory while counting"));
	for (i = 0; i < r->ns; i++) {
		struct ov_stream	*ovs = &r->ov.s[r->s[i].ov];

		ovs->npos = report_reached(r->files, ovs->start, ovs->pos);
	}
	r->ov.nev = report_reached(r->ev, r->ov.ev_start, r->ov.ev);
	if ((text = ov_state_format(&r->ov)) == NULL)
		return (cause_set(cause, "out of memory"));
	rc = fs_write_atomic(r->ov_file, text, strlen(text), 0600, cause);
	free(text);
	if (rc == -1)
		return (-1);
	for (i = 0; i < r->ns; i++)
		if (report_ov_pages(r, i, cause) == -1)
			return (-1);
	if (asprintf(&dst, "%s/" REPORT_ASSET_JS, r->out_dir) == -1)
		return (cause_set(cause, "out of memory"));
	rc = report_put(r, REPORT_ASSET_JS, report_asset_js, dst, cause);
	free(dst);
	if (rc == -1)
		return (-1);
	if (asprintf(&dst, "%s/" REPORT_ASSET_CSS, r->out_dir) == -1)
		return (cause_set(cause, "out of memory"));
	rc = report_put(r, REPORT_ASSET_CSS, report_asset_css, dst, cause);
	free(dst);
	return (rc);
}

/* Set by a signal: `report --live` stops. */
static volatile sig_atomic_t	*report_live_stop;

/*
 * Starts the real-time GoAccess reading a pipe as its stdin (p->in), its
 * output into state_dir/goaccess-live.log. 0, or -1 with *cause.
 */
static int
report_live_spawn(struct report_ctx *r, struct proc *pr, char **cause)
{
	char	*html = NULL, *logp = NULL, *a_port = NULL, **env = NULL;
	char	*argv[40];
	struct proc_opts po;
	int	 logfd = -1, i = 0, rc = -1;

	if (asprintf(&html, "%s/live.html", r->out_dir) == -1 ||
	    asprintf(&logp, "%s/goaccess-live.log", r->state_dir) == -1 ||
	    asprintf(&a_port, "--port=%lld", config_int(r->cfg, "report",
	    "live_port")) == -1 || (env = report_env()) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	argv[i++] = (char *)r->goaccess;
	argv[i++] = (char *)"-";
	i = report_goaccess_args(argv, i);
	argv[i++] = (char *)"--real-time-html";
	argv[i++] = (char *)"--addr=127.0.0.1";
	argv[i++] = a_port;
	/* replaced in the page by the same origin's /ops/ws (goaccess-api.js) */
	argv[i++] = (char *)"--ws-url=localhost";
	argv[i++] = (char *)"--ping-interval=30";
	argv[i++] = (char *)"--html-report-title=bootstack: live (GoAccess)";
	argv[i++] = (char *)"--html-custom-js=" REPORT_ASSET_JS;
	argv[i++] = (char *)"--html-custom-css=" REPORT_ASSET_CSS;
	if (!r->query)
		argv[i++] = (char *)"--no-query-string";
	argv[i++] = (char *)"-o";
	argv[i++] = html;
	argv[i] = NULL;
	if ((logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		cause_set(cause, "cannot start GoAccess: %s: %s", logp,
		    strerror(errno));
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.what = "GoAccess";
	po.input = "";			/* stdin: a pipe we keep writing to */
	po.flags = PROC_OUT_FD | PROC_PDEATHSIG;
	po.out_fd = logfd;
	if (proc_start(&po, pr, cause) != ST_OK)
		goto out;
	rc = 0;
out:
	if (logfd != -1)
		close(logfd);
	free(env);
	free(html);
	free(logp);
	free(a_port);
	return (rc);
}

/* One access-log line for the real-time GoAccess, as the reports see it. */
static int
report_live_line(struct report_ctx *r, int fd, const char *line, size_t len)
{
	struct report_line	 l;
	const char		*out = line, *pattern = NULL;
	char			 key[2100];
	size_t			 outlen = len;

	if (report_line_parse(line, len - 1, &l) == 0) {
		if (report_excluded(l.path, l.path_len, r->exclude))
			return (0);
		ov_route_of(&r->ov, l.method, l.method_len, l.path, l.path_len,
		    key, sizeof(key), &pattern);
		out = report_rewrite(r, line, len, &l, pattern, r->rewrite,
		    REPORT_REWRITE_MAX, &outlen);
	}
	return (report_write_all(fd, out, outlen));
}

/*
 * Follows path from offset *off in the open *fd: gives whole new lines to
 * GoAccess; when path is another file now (rotated), finishes the old one
 * and opens the new one. -1 when GoAccess stopped reading.
 */
static int
report_live_follow(struct report_ctx *r, const char *path, int *fd,
    unsigned long long *ino, unsigned long long *off, char *buf,
    size_t *carry, int wfd)
{
	struct stat	 sb;
	ssize_t		 n;
	size_t		 p, total;
	char		*nl;
	int		 nfd;

	for (;;) {
		if ((n = pread(*fd, buf + *carry, REPORT_CHUNK, (off_t)*off)) ==
		    -1 && errno == EINTR)
			return (0);
		if (n <= 0)
			break;
		*off += (unsigned long long)n;
		total = *carry + (size_t)n;
		for (p = 0; (nl = memchr(buf + p, '\n', total - p)) != NULL; ) {
			size_t	 len = (size_t)(nl - (buf + p)) + 1;

			if (report_live_line(r, wfd, buf + p, len) == -1)
				return (-1);
			p += len;
		}
		*carry = total - p;
		if (*carry >= REPORT_LINE_MAX)
			*carry = 0;		/* a line too long: dropped */
		else
			memmove(buf, buf + p, *carry);
		if (*report_live_stop)
			return (0);
	}
	if (fstat(*fd, &sb) == 0 && (unsigned long long)sb.st_size < *off) {
		*off = 0;			/* truncated */
		*carry = 0;
	}
	if (stat(path, &sb) == 0 && (unsigned long long)sb.st_ino != *ino &&
	    (nfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) != -1) {
		/* rotated: the old file is read to its end above */
		close(*fd);
		*fd = nfd;
		*ino = (unsigned long long)sb.st_ino;
		*off = 0;
		*carry = 0;
	}
	return (0);
}

/* See report.h. */
enum st
report_live(const struct config *cfg, const struct report_opts *opts,
    volatile sig_atomic_t *stop, char **cause)
{
	struct report_ctx	 r;
	struct sigaction	 ign, old;
	struct stat		 sb;
	struct timespec		 tick = { 1, 0 };
	const char		*log;
	char			*buf = NULL, *dst = NULL, *tail;
	unsigned long long	 ino = 0, off = 0;
	size_t			 carry = 0;
	struct proc		 pr = { -1, -1, -1 };
	int			 fd = -1, status, sig_set = 0;
	enum st			 st = ST_IO;

	*cause = NULL;
	memset(&r, 0, sizeof(r));
	r.opts = opts;
	report_live_stop = stop;
	if (report_setup(&r, cfg, cause) == -1) {
		st = ST_BADREQ;
		goto out;
	}
	log = config_str(cfg, "nginx", "access_log");
	if ((opts != NULL && ov_set_routes(&r.ov, opts->routes, opts->nroutes,
	    cause) == -1) || fs_mkdirs(r.state_dir, 0700, 0, cause) == -1 ||
	    fs_mkdirs(r.out_dir, 0755, 0, cause) == -1)
		goto out;
	/* The page's assets, as a report run writes them. */
	if (asprintf(&dst, "%s/" REPORT_ASSET_JS, r.out_dir) == -1 ||
	    fs_write_atomic(dst, report_asset_js, strlen(report_asset_js),
	    0644, cause) == -1)
		goto out;
	free(dst);
	if (asprintf(&dst, "%s/" REPORT_ASSET_CSS, r.out_dir) == -1 ||
	    fs_write_atomic(dst, report_asset_css, strlen(report_asset_css),
	    0644, cause) == -1)
		goto out;
	if ((buf = malloc(REPORT_CHUNK + REPORT_LINE_MAX)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) == 0)
		sig_set = 1;
	if (report_live_spawn(&r, &pr, cause) == -1)
		goto out;
	while (!*stop) {
		if (fd == -1 && (fd = open(log, O_RDONLY | O_CLOEXEC |
		    O_NOCTTY)) != -1) {
			if (fstat(fd, &sb) == -1) {
				close(fd);
				fd = -1;
			} else
				ino = (unsigned long long)sb.st_ino;
		}
		if (fd != -1 && report_live_follow(&r, log, &fd, &ino, &off,
		    buf, &carry, pr.in) == -1) {
			tail = report_log_tail(&r, "live");
			cause_set(cause, "GoAccess stopped%s%s", tail != NULL ?
			    ": " : "", tail != NULL ? tail : "");
			free(tail);
			st = ST_UPSTREAM;
			goto out;
		}
		if (waitpid(pr.pid, &status, WNOHANG) == pr.pid) {
			pr.pid = -1;
			tail = report_log_tail(&r, "live");
			cause_set(cause, "GoAccess exited%s%s", tail != NULL ?
			    ": " : "", tail != NULL ? tail : "");
			free(tail);
			st = ST_UPSTREAM;
			goto out;
		}
		(void)nanosleep(&tick, NULL);	/* a signal ends it early */
	}
	st = ST_OK;
out:
	if (pr.pid > 0) {
		/* it saves nothing: a second is plenty, then SIGKILL */
		(void)kill(pr.pid, SIGTERM);
		(void)proc_wait(&pr, 1000, "GoAccess", NULL, NULL);
	} else if (pr.in != -1)
		close(pr.in);
	if (fd != -1)
		close(fd);
	if (sig_set)
		sigaction(SIGPIPE, &old, NULL);
	free(buf);
	free(dst);
	report_teardown(&r);
	if (st != ST_OK && *cause == NULL)
		cause_set(cause, "out of memory");
	return (st);
}

/* See report.h. */
int
report_routes_openapi(const char *json, size_t len, char ***routesp,
    size_t *np, char **cause)
{
	static const char *const methods[] = { "get", "put", "post", "delete",
	    "options", "head", "patch", "trace" };
	json_tokener	*tok;
	json_object	*root = NULL, *paths, *ops, *op;
	char		**routes = NULL, **nr, *rt;
	size_t		 n = 0, i, k;
	int		 rc = -1;

	*cause = NULL;
	*routesp = NULL;
	*np = 0;
	if ((tok = json_tokener_new()) == NULL)
		return (cause_set(cause, "out of memory"));
	root = json_tokener_parse_ex(tok, json, (int)(len > INT_MAX ? INT_MAX :
	    len));
	json_tokener_free(tok);
	if (root == NULL || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "paths", &paths) ||
	    !json_object_is_type(paths, json_type_object)) {
		cause_set(cause, "the OpenAPI document has no \"paths\" "
		    "object");
		goto out;
	}
	json_object_object_foreach(paths, path, pv) {
		ops = pv;
		if (path[0] != '/' || strchr(path, ' ') != NULL ||
		    !json_object_is_type(ops, json_type_object))
			continue;
		for (k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
			if (!json_object_object_get_ex(ops, methods[k], &op))
				continue;
			if (asprintf(&rt, "%s %s", methods[k], path) == -1)
				goto nomem;
			for (i = 0; rt[i] != ' '; i++)
				rt[i] = (char)(rt[i] - 'a' + 'A');
			if ((nr = reallocarray(routes, n + 1, sizeof(*nr))) ==
			    NULL) {
				free(rt);
				goto nomem;
			}
			routes = nr;
			routes[n++] = rt;
		}
	}
	*routesp = routes;
	*np = n;
	routes = NULL;
	n = 0;
	rc = 0;
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	for (i = 0; i < n; i++)
		free(routes[i]);
	free(routes);
	json_object_put(root);
	return (rc);
}

/* See report.h. */
enum st
report_run(const struct config *cfg, const struct report_opts *opts,
    struct report_result *res, char **cause)
{
	struct report_ctx	 r;
	int			 flags = opts != NULL ? opts->flags : 0;
	struct sigaction	 ign, old;
	const char		*log;
	char			*hdir = NULL;
	size_t			 i;
	int			 lock = -1, sig_set = 0, failed = 0;
	enum st			 st = ST_IO;

	*cause = NULL;
	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.opts = opts;
	r.t0 = r.prog_ms = clock_ms();
	r.now = opts != NULL && opts->now > 0 ? opts->now : (long long)time(NULL);
	if (report_setup(&r, cfg, cause) == -1) {
		st = ST_BADREQ;
		goto out;
	}
	log = config_str(cfg, "nginx", "access_log");
	if (asprintf(&hdir, "%s/hosts", r.out_dir) == -1) {
		hdir = NULL;
		cause_set(cause, "out of memory");
		goto out;
	}
	if (fs_mkdirs(r.state_dir, 0700, 0, cause) == -1 ||
	    fs_mkdirs(r.db_dir, 0700, 0, cause) == -1 ||
	    fs_mkdirs(r.out_dir, 0755, 0, cause) == -1 ||
	    fs_mkdirs(hdir, 0755, 0, cause) == -1)
		goto out;
	{
		const char	*lf = config_str(cfg, "report", "lock_file");
		char		*lp = NULL;

		if (lf == NULL && asprintf(&lp, "%s/report.lock",
		    r.state_dir) == -1) {
			cause_set(cause, "out of memory");
			goto out;
		}
		lock = fs_lock(lf != NULL ? lf : lp, 0, cause);
		free(lp);
		if (lock == -1) {
			if (*cause != NULL && strstr(*cause, "locked by") != NULL)
				st = ST_CONFLICT;
			goto out;
		}
	}
	/* Left by a run that died: GoAccess's half-written reports. */
	if (report_rmdb(r.tmp_dir, cause) == -1 ||
	    mkdir(r.tmp_dir, 0700) == -1) {
		if (*cause == NULL)
			cause_set(cause, "cannot make %s: %s", r.tmp_dir,
			    strerror(errno));
		goto out;
	}
	if (flags & REPORT_REBUILD) {
		if (unlink(r.state_file) == -1 && errno != ENOENT) {
			cause_set(cause, "cannot remove %s: %s", r.state_file,
			    strerror(errno));
			goto out;
		}
	} else if (report_state_load(&r, cause) == -1)
		goto out;
	if (report_streams(&r, res, cause) == -1) {
		st = ST_BADREQ;
		goto out;
	}
	report_state_prune(&r);
	if (report_file_open(&r.files[0], r.rot_path, cause) == -1 ||
	    report_file_open(&r.files[1], log, cause) == -1)
		goto out;
	if (r.files[0].fd != -1 && r.files[1].fd != -1 &&
	    r.files[0].dev == r.files[1].dev && r.files[0].ino == r.files[1].ino) {
		close(r.files[0].fd);	/* a link mid-rotation: one file */
		r.files[0].fd = -1;
	}
	if (r.ev_log != NULL &&
	    (report_file_open(&r.ev[0], r.ev_rot, cause) == -1 ||
	    report_file_open(&r.ev[1], r.ev_log, cause) == -1))
		goto out;
	if (r.ev[0].fd != -1 && r.ev[1].fd != -1 &&
	    r.ev[0].dev == r.ev[1].dev && r.ev[0].ino == r.ev[1].ino) {
		close(r.ev[0].fd);
		r.ev[0].fd = -1;
	}
	if (report_starts(&r, res, flags & REPORT_REBUILD, cause) == -1 ||
	    report_ov_load(&r, res, flags & REPORT_REBUILD, cause) == -1)
		goto out;
	for (i = 0; i < 2; i++) {
		unsigned long long	 lo = report_lowest(&r, (int)i);

		if (r.files[i].fd != -1 && lo < r.files[i].end)
			r.prog.total += r.files[i].end - lo;
	}

	/* A GoAccess that dies makes our write fail with EPIPE, not kill us. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) == 0)
		sig_set = 1;
	if (report_read(&r, 0, cause) == -1 || report_read(&r, 1, cause) == -1)
		goto out;
	report_progress(&r, 0, 1);		/* everything read */
	/* The last moment to stop with nothing written: GoAccess is fed. */
	if (opts != NULL && opts->check != NULL &&
	    opts->check(opts->check_arg, cause) == -1) {
		st = ST_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < r.ns; i++) {
		struct report_stream *s = &r.s[i];

		/* Nothing new, but no report yet: an empty one. */
		if (s->pid == 0 && !s->failed &&
		    (!s->known || report_missing(&r, s->name)))
			report_spawn(&r, s);
		report_flush(s);
		if (s->fd != -1) {
			close(s->fd);
			s->fd = -1;
		}
		s->res->lines = s->lines;
		s->res->excluded = s->excluded;
	}
	res->lines = r.prog.lines;
	res->bytes = r.prog.bytes;
	/* The overview, while the GoAccess processes store their lines. */
	{
		char	*why = NULL;

		if (report_overview(&r, &why) == -1) {
			res->overview_error = why != NULL ? why :
			    strdup("out of memory");
			failed = 1;
		}
		res->events = r.events;
	}
	/* Streams that had nothing to give GoAccess still moved on. */
	for (i = 0; i < r.ns; i++) {
		struct report_state_entry *e;

		if (r.s[i].pid != 0 || r.s[i].failed)
			continue;
		if ((e = report_state_get(&r.state, r.s[i].name)) == NULL) {
			cause_set(cause, "out of memory");
			goto out;
		}
		report_positions(&r, &r.s[i], e);
	}
	/* Wait for each GoAccess, recording each at once. */
	for (i = 0; i < r.ns; i++) {
		size_t	 j;

		if (r.s[i].pid <= 0)
			continue;
		r.prog.waiting = 0;
		for (j = 0; j < r.ns; j++)
			r.prog.waiting += r.s[j].pid > 0;
		report_progress(&r, 0, 1);
		report_finish(&r, &r.s[i]);
	}
	if (report_state_save(&r, cause) == -1)
		goto out;
	for (i = 0; i < r.ns; i++) {
		if (!r.s[i].failed)
			continue;
		failed = 1;
		r.s[i].res->outcome = REPORT_FAILED;
		r.s[i].res->error = r.s[i].error;
		r.s[i].error = NULL;
	}
	(void)rmdir(r.tmp_dir);
	st = failed ? ST_UPSTREAM : ST_OK;
	r.prog.waiting = 0;
	report_progress(&r, 1, 1);
out:
	res->ms = clock_ms() - r.t0;
	if (sig_set)
		sigaction(SIGPIPE, &old, NULL);
	report_teardown(&r);
	if (lock != -1)
		close(lock);
	free(hdir);
	if (st != ST_OK && st != ST_UPSTREAM && *cause == NULL)
		cause_set(cause, "out of memory");
	return (st);
}
