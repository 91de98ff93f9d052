/*
 * cli_alert.c: `bootstack alert check|status|silence|test`, the operator's
 * and cron's side of lib/alert.h.
 *
 * `alert check` (cron, every minute) scrapes [alerts] metrics_url when a
 * rule needs it, checks the database when a db_down rule exists,
 * evaluates every [alert NAME], steps each state, sends each channel
 * (webhook, mail, command) one message holding every notice it is owed,
 * and saves the state file. A delivery that fails stays owed: it is
 * retried by the next run, and this run exits 1. --dry-run does all but
 * sending and saving, and prints what it would send.
 *
 * `alert status` prints every rule and its state from the last check.
 * `alert silence NAME --for 2h [--comment TEXT]`, `alert silence NAME
 * --expire`, `alert silence [--list]`. `alert test` sends a test message
 * through every configured channel. `alert prometheus` prints a
 * prometheus.yml scraping every host of [prometheus] with the shipped rules
 * (past one host: docs/logs-and-metrics.md).
 *
 * Exit: 0 done, 1 failed (a line on stderr each), 2 usage, 75 another
 * `alert check` holds the lock (it does not wait: cron starts the next one
 * a minute later). `silence` waits for the lock.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "fs.h"
#include "log.h"
#include "promtext.h"
#include "xmalloc.h"

#define ALERT_EX_LOCKED		75	/* EX_TEMPFAIL: another run holds it */
#define ALERT_MAX_RECIPIENTS	32

static int	cli_alert_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_alert = {
	"alert",
	"alert check [--dry-run] | alert status | alert silence NAME "
	    "--for DURATION [--comment TEXT] | alert silence NAME --expire | "
	    "alert silence [--list] | alert test | alert prometheus",
	"evaluate the alert rules and notify (cron); show states; silence",
	1,
	cli_alert_run
};

/* What one run works with. */
struct alert_run {
	struct cli		*cli;
	struct alert_rules	 rules;
	struct alert_store	 store;
	const char		*state_file;	/* borrowed from the config */
	char			 host[256];	/* this server in messages */
	int			 lock;		/* fd, -1 */
};

/* Prints the usage as an error; returns 2. */
static int
cli_alert_usage(void)
{
	cli_err("alert", "usage: bootstack [-c FILE] %s", cli_cmd_alert.usage);
	return (2);
}

/* Sets up r: rules, host name. 0, or -1 after printing why. */
static int
cli_alert_init(struct alert_run *r, struct cli *cli)
{
	const char	*h;
	char		*cause = NULL;

	memset(r, 0, sizeof(*r));
	r->cli = cli;
	r->lock = -1;
	alert_store_init(&r->store);
	r->state_file = config_str(cli->cfg, "alerts", "state_file");
	if ((h = config_str(cli->cfg, "alerts", "hostname")) != NULL)
		snprintf(r->host, sizeof(r->host), "%s", h);
	else if (gethostname(r->host, sizeof(r->host) - 1) != 0)
		snprintf(r->host, sizeof(r->host), "localhost");
	if (alert_rules_load(cli->cfg, &r->rules, &cause) != 0) {
		cli_err("alert", "%s", cause_text(cause));
		free(cause);
		return (-1);
	}
	return (0);
}

/* Frees what cli_alert_init() set up and drops the lock. */
static void
cli_alert_cleanup(struct alert_run *r)
{
	alert_rules_cleanup(&r->rules);
	alert_store_cleanup(&r->store);
	if (r->lock != -1)
		close(r->lock);
	r->lock = -1;
}

/*
 * Takes the state file's lock (waiting or not), making its folder if
 * missing. 0, else the exit code after printing why.
 */
static int
cli_alert_lock(struct alert_run *r, int wait)
{
	char	*path, *cause = NULL;

	if (fs_mkdirs(r->state_file, 0750, FS_MKDIRS_PARENT, &cause) == -1) {
		cli_err("alert", "%s", cause);
		free(cause);
		return (1);
	}
	path = xprintf("%s.lock", r->state_file);
	r->lock = fs_lock(path, wait, &cause);
	free(path);
	if (r->lock == -1) {
		cli_err("alert", "%s", cause != NULL ? cause : "cannot lock");
		free(cause);
		return (ALERT_EX_LOCKED);
	}
	return (0);
}

/*
 * Loads the state file. A broken one is reported; with keep_aside (the
 * caller will write a new one) it is renamed to STATE_FILE.bad first.
 */
static int
cli_alert_load(struct alert_run *r, int keep_aside)
{
	char	*cause = NULL, *bad = NULL;

	if (alert_store_load(&r->store, r->state_file, &cause) == 0)
		return (0);
	if (keep_aside && rename(r->state_file,
	    bad = xprintf("%s.bad", r->state_file)) == 0)
		cli_err("alert", "%s; kept as %s, starting from an empty state",
		    cause_text(cause), bad);
	else
		cli_err("alert", "%s", cause_text(cause));
	free(bad);
	free(cause);
	return (-1);
}

/* Saves the state file; 0, or -1 after printing why. */
static int
cli_alert_save(struct alert_run *r)
{
	char	*cause = NULL;

	if (alert_store_save(&r->store, r->state_file, &cause) == 0)
		return (0);
	cli_err("alert", "cannot save the state: %s", cause_text(cause));
	free(cause);
	return (-1);
}

/* --- channels ------------------------------------------------------------ */

/* True when channel ch is configured. */
static int
cli_alert_chan_on(const struct config *cfg, enum alert_chan ch)
{
	switch (ch) {
	case ALERT_CH_WEBHOOK:
		return (config_str(cfg, "alerts", "webhook_url") != NULL);
	case ALERT_CH_MAIL:
		return (config_str(cfg, "alerts", "mail_to") != NULL);
	case ALERT_CH_COMMAND:
		return (config_str(cfg, "alerts", "command") != NULL);
	default:
		return (0);
	}
}

/* Mail through sendmail: the message on stdin, recipients as arguments. */
static enum st
cli_alert_mail(struct alert_run *r, const struct alert_item *it, size_t n,
    time_t now, char **cause)
{
	const struct config	*cfg = r->cli->cfg;
	char			*argv[ALERT_MAX_RECIPIENTS + 4], **rcpt = NULL;
	char			*msg = NULL, *to = NULL, *from = NULL, *list;
	struct buf		 tob;
	size_t			 i, k = 0;
	enum st			 st = ST_NOMEM;

	*cause = NULL;
	buf_init(&tob, 8192);
	list = xstrdup(config_str(cfg, "alerts", "mail_to"));
	for (i = 0; list[i] != '\0'; i++)
		if (list[i] == ',')
			list[i] = ' ';
	rcpt = alert_split(list, ALERT_MAX_RECIPIENTS);
	free(list);
	if (rcpt == NULL) {
		cause_set(cause, "[alerts] mail_to: no address, or more "
		    "than %d", ALERT_MAX_RECIPIENTS);
		return (ST_BADREQ);
	}
	argv[k++] = (char *)config_str(cfg, "alerts", "sendmail");
	argv[k++] = (char *)"-i";
	argv[k++] = (char *)"--";
	for (i = 0; rcpt[i] != NULL; i++) {
		argv[k++] = rcpt[i];
		if (buf_printf(&tob, "%s%s", i > 0 ? ", " : "", rcpt[i]) !=
		    ST_OK) {
			st = cause_st(cause, ST_TOOBIG, "[alerts] mail_to: "
			    "too long");
			goto out;
		}
	}
	argv[k] = NULL;
	if (config_str(cfg, "alerts", "mail_from") != NULL)
		from = xstrdup(config_str(cfg, "alerts", "mail_from"));
	else
		from = xprintf("bootstack@%s", r->host);
	to = xnonnull(buf_steal(&tob), "the mail's recipients");
	msg = xnonnull(alert_mail(it, n, r->host, from, to, now), "a mail");
	st = alert_exec(argv, msg, strlen(msg),
	    (long)config_int(cfg, "alerts", "timeout"), cause);
out:
	alert_split_free(rcpt);
	buf_cleanup(&tob);
	free(msg);
	free(to);
	free(from);
	return (st);
}

/* The command: the alert JSON on stdin. */
static enum st
cli_alert_command(struct alert_run *r, const char *json, char **cause)
{
	const struct config	*cfg = r->cli->cfg;
	const char		*cmd = config_str(cfg, "alerts", "command");
	char			**argv, *why = NULL;
	enum st			 st;

	*cause = NULL;
	if (alert_check_command(cmd, &why) != 0) {
		cause_set(cause, "[alerts] command: %s", cause_text(why));
		free(why);
		return (ST_BADREQ);
	}
	if ((argv = alert_split(cmd, 64)) == NULL) {
		cause_set(cause, "out of memory");
		return (ST_NOMEM);
	}
	st = alert_exec(argv, json, strlen(json),
	    (long)config_int(cfg, "alerts", "timeout"), cause);
	alert_split_free(argv);
	return (st);
}

/* Sends one message of n items through channel ch. */
static enum st
cli_alert_send(struct alert_run *r, enum alert_chan ch,
    const struct alert_item *it, size_t n, time_t now, char **cause)
{
	const struct config	*cfg = r->cli->cfg;
	char			*json;
	enum st			 st;

	*cause = NULL;
	if (ch == ALERT_CH_MAIL)
		return (cli_alert_mail(r, it, n, now, cause));
	json = xnonnull(alert_json(it, n, r->host, now), "an alert message");
	if (ch == ALERT_CH_WEBHOOK)
		st = alert_post(config_str(cfg, "alerts", "webhook_url"),
		    config_str(cfg, "alerts", "webhook_token"),
		    config_str(cfg, "alerts", "ca_file"),
		    (long)config_int(cfg, "alerts", "timeout"), json, cause);
	else
		st = cli_alert_command(r, json, cause);
	free(json);
	return (st);
}

/*
 * Gives every configured channel the notices it is owed, in one message
 * per channel. Returns the number of channels that failed.
 */
static int
cli_alert_notify(struct alert_run *r, time_t now, int dry_run)
{
	struct alert_item	*it;
	struct alert_state	*st;
	enum alert_notice	 what;
	char			*cause = NULL, *text;
	size_t			 i, n;
	int			 ch, failed = 0;

	it = xcalloc(r->rules.n + 1, sizeof(*it));
	for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
		if (!cli_alert_chan_on(r->cli->cfg, (enum alert_chan)ch))
			continue;
		n = 0;
		for (i = 0; i < r->rules.n; i++) {
			st = alert_store_get(&r->store, r->rules.v[i].name, 0);
			if (st == NULL)
				continue;
			what = alert_due(st, &r->rules.v[i],
			    (enum alert_chan)ch, now);
			if (what == ALERT_NOTICE_NONE)
				continue;
			it[n].rule = &r->rules.v[i];
			it[n].st = st;
			it[n++].what = what;
		}
		if (n == 0)
			continue;
		if (dry_run) {
			text = xnonnull(alert_text(it, n, r->host),
			    "an alert message");
			printf("would send to %s:\n%s\n",
			    alert_chan_name((enum alert_chan)ch), text);
			free(text);
			continue;
		}
		if (cli_alert_send(r, (enum alert_chan)ch, it, n, now,
		    &cause) != ST_OK) {
			cli_err("alert", "%s: %s; the %zu notice%s will be "
			    "retried by the next run",
			    alert_chan_name((enum alert_chan)ch),
			    cause != NULL ? cause : "failed", n,
			    n == 1 ? "" : "s");
			free(cause);
			cause = NULL;
			failed++;
			continue;
		}
		for (i = 0; i < n; i++)
			alert_delivered((struct alert_state *)it[i].st,
			    (enum alert_chan)ch, it[i].what, now);
		printf("%s: sent %zu notice%s\n",
		    alert_chan_name((enum alert_chan)ch), n, n == 1 ? "" : "s");
	}
	free(it);
	return (failed);
}

/* --- check ------------------------------------------------------------------- */

/*
 * Scrapes metrics_url into cur; on failure *why (caller frees) says why
 * and cur stays empty.
 */
static int
cli_alert_scrape(struct alert_run *r, struct promtext *cur, char **why)
{
	const struct config	*cfg = r->cli->cfg;
	struct buf		 body;
	char			*cause = NULL;
	int			 rc = -1;

	*why = NULL;
	buf_init(&body, ALERT_MAX_SCRAPE);
	if (alert_fetch(config_str(cfg, "alerts", "metrics_url"),
	    config_str(cfg, "alerts", "ca_file"),
	    config_str(cfg, "alerts", "metrics_address"),
	    (long)config_int(cfg, "alerts", "timeout"), &body, &cause) !=
	    ST_OK) {
		*why = cause;
		goto out;
	}
	if (promtext_parse(cur, buf_str(&body), body.len, &cause) != ST_OK) {
		cause_set(why, "/metrics is not valid exposition text: "
		    "%s", cause_text(cause));
		free(cause);
		goto out;
	}
	rc = 0;
out:
	buf_cleanup(&body);
	return (rc);
}

/* Prints a state change of one rule. */
static void
cli_alert_print_step(const struct alert_rule *rule,
    const struct alert_state *st, int bits)
{
	const char	*what;

	if (bits & ALERT_STEP_FIRED)
		what = "firing";
	else if (bits & ALERT_STEP_PENDING)
		what = "pending";
	else if (bits & ALERT_STEP_RESOLVED)
		what = "resolved";
	else if (bits & ALERT_STEP_CLEARED)
		what = "inactive (was pending)";
	else
		return;
	printf("%s: %s: %s\n", rule->name, what, st->summary != NULL ?
	    st->summary : "");
}

/* `alert check [--dry-run]`. */
static int
cli_alert_check(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run",	no_argument,	NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct alert_run	 r;
	struct alert_input	 in;
	struct alert_series	*series = NULL;
	struct alert_state	*st;
	struct promtext		 cur;
	struct db		*db = NULL;
	char			*scrape_why = NULL, *cause = NULL, *summary;
	double			 value;
	time_t			 now;
	size_t			 i, nseries = 0;
	int			 ch, dry_run = 0, rc = 0, active, bits, need_db = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch != 'n')
			return (cli_alert_usage());
		dry_run = 1;
	}
	if (optind != argc)
		return (cli_alert_usage());
	promtext_init(&cur);
	if (cli_alert_init(&r, cli) != 0) {
		cli_alert_cleanup(&r);
		return (1);
	}
	if (!dry_run && (rc = cli_alert_lock(&r, 0)) != 0)
		goto out;
	if (cli_alert_load(&r, !dry_run) != 0)
		rc = 1;
	now = time(NULL);
	memset(&in, 0, sizeof(in));
	in.cfg = cli->cfg;
	in.now = now;

	if (r.rules.need_scrape) {
		if (cli_alert_scrape(&r, &cur, &scrape_why) == 0) {
			in.cur = &cur;
			if (alert_store_add_scrape(&r.store, &cur, now,
			    r.rules.max_window) != ST_OK)
				xnomem("the scrape history");
		} else {
			/* Not an error of this run: api_down reports it. */
			in.scrape_error = scrape_why;
			log_info("alert: %s", scrape_why != NULL ?
			    scrape_why : "scrape failed");
		}
		if (alert_series_load(&r.store, &series, &nseries,
		    &cause) != 0) {
			/* Unreadable history: start it again. */
			cli_err("alert", "%s; the scrape history is dropped",
			    cause_text(cause));
			free(cause);
			cause = NULL;
			for (i = 0; i < r.store.nh; i++)
				free(r.store.h[i].text);
			r.store.nh = 0;
		}
		in.series = series;
		in.nseries = nseries;
	}
	for (i = 0; i < r.rules.n; i++)
		if (r.rules.v[i].kind == ALERT_DB_DOWN)
			need_db = 1;
	if (need_db) {
		db = xnonnull(db_new(cli->cfg, NULL), "a database handle");
		in.db_checked = 1;
		in.db_up = db_connect(db) == ST_OK;
		in.db_error = db_error(db);
	}

	for (i = 0; i < r.rules.n; i++) {
		st = xnonnull(alert_store_get(&r.store, r.rules.v[i].name, 1),
		    "an alert state");
		active = alert_eval(&r.rules.v[i], &in, &value, &summary);
		(void)xnonnull(summary, "an alert summary");
		free(st->summary);
		st->summary = summary;
		if (active >= 0) {
			st->value = value;
			st->checked_at = now;
		}
		bits = alert_step(st, &r.rules.v[i], active, now);
		cli_alert_print_step(&r.rules.v[i], st, bits);
	}
	alert_store_prune(&r.store, &r.rules);
	if (cli_alert_notify(&r, now, dry_run) != 0)
		rc = 1;
	r.store.last_check = now;
	if (!dry_run && cli_alert_save(&r) != 0)
		rc = 1;
out:
	db_free(db);
	free(scrape_why);
	alert_series_cleanup(series, nseries);
	free(series);
	promtext_cleanup(&cur);
	cli_alert_cleanup(&r);
	return (rc);
}

/* --- status, silence, test ----------------------------------------------------- */

/* `alert status`: every rule and its state. */
static int
cli_alert_status(struct cli *cli, int argc, char **argv)
{
	struct alert_run	 r;
	struct alert_state	*st;
	const char		*phase;
	char			 since[32], until[32], last[32];
	time_t			 now = time(NULL);
	size_t			 i;
	int			 rc = 0;

	if (argc != 1)
		return (cli_alert_usage());
	if (cli_alert_init(&r, cli) != 0) {
		cli_alert_cleanup(&r);
		return (1);
	}
	if (cli_alert_load(&r, 0) != 0)
		rc = 1;
	printf("last check: %s (%s)\n", r.store.last_check != 0 ?
	    clock_rfc3339_fmt(r.store.last_check, last, sizeof(last)) : "never",
	    r.state_file);
	if (r.rules.n == 0)
		printf("no [alert NAME] rules are configured\n");
	else
		printf("%-20s %-17s %-8s %-9s %-20s %-20s %s\n", "NAME", "KIND",
		    "SEVERITY", "STATE", "SINCE", "SILENCED-UNTIL",
		    "SUMMARY");
	for (i = 0; i < r.rules.n; i++) {
		st = alert_store_get(&r.store, r.rules.v[i].name, 0);
		phase = st == NULL || st->checked_at == 0 ? "unchecked" :
		    alert_phase_name(st->phase);
		printf("%-20s %-17s %-8s %-9s %-20s %-20s %s\n",
		    r.rules.v[i].name, alert_kind_name(r.rules.v[i].kind),
		    r.rules.v[i].severity, phase,
		    clock_rfc3339_fmt(st == NULL ? 0 : st->phase == ALERT_FIRING ?
		    st->fired_at : st->active_since, since, sizeof(since)),
		    clock_rfc3339_fmt(st != NULL && alert_silenced(st, now) ?
		    st->silenced_until : 0, until, sizeof(until)),
		    st != NULL && st->summary != NULL ? st->summary : "");
	}
	cli_alert_cleanup(&r);
	return (rc);
}

/* Prints the silences in force. */
static void
cli_alert_list_silences(struct alert_run *r, time_t now)
{
	char	 until[32], at[32];
	size_t	 i, n = 0;

	for (i = 0; i < r->store.n; i++) {
		if (!alert_silenced(&r->store.v[i], now))
			continue;
		if (n++ == 0)
			printf("%-20s %-20s %-20s %s\n", "NAME", "UNTIL",
			    "SET", "COMMENT");
		printf("%-20s %-20s %-20s %s\n", r->store.v[i].name,
		    clock_rfc3339_fmt(r->store.v[i].silenced_until, until,
		    sizeof(until)),
		    clock_rfc3339_fmt(r->store.v[i].silenced_at, at, sizeof(at)),
		    r->store.v[i].silence_comment != NULL ?
		    r->store.v[i].silence_comment : "");
	}
	if (n == 0)
		printf("no silences\n");
}

/* `alert silence ...`. */
static int
cli_alert_silence(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "for",	required_argument,	NULL, 'f' },
		{ "comment",	required_argument,	NULL, 'm' },
		{ "expire",	no_argument,		NULL, 'x' },
		{ "list",	no_argument,		NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct alert_run	 r;
	struct alert_state	*st;
	const char		*name = NULL, *dur = NULL, *comment = NULL;
	char			 until[32], *c = NULL;
	long long		 secs = 0;
	time_t			 now;
	int			 ch, expire = 0, list = 0, rc;

	optind = 1;
	opterr = 0;
	/* NAME may come before or after the options. */
	if (argc > 1 && argv[1][0] != '-') {
		name = argv[1];
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			dur = optarg;
			break;
		case 'm':
			comment = optarg;
			break;
		case 'x':
			expire = 1;
			break;
		case 'l':
			list = 1;
			break;
		default:
			return (cli_alert_usage());
		}
	}
	if (name == NULL && optind < argc)
		name = argv[optind++];
	if (optind != argc)
		return (cli_alert_usage());
	if (name == NULL ? dur != NULL || expire || comment != NULL :
	    list || (dur == NULL) == !expire || (expire && comment != NULL))
		return (cli_alert_usage());
	if (dur != NULL && (alert_duration_parse(dur, &secs) != 0 ||
	    secs <= 0)) {
		cli_err("alert", "--for: '%s' is not a duration (90s, 15m, 2h, "
		    "1d, 1h30m)", dur);
		return (2);
	}
	if (comment != NULL && strlen(comment) > 400) {
		cli_err("alert", "--comment: longer than 400 bytes");
		return (2);
	}
	if (cli_alert_init(&r, cli) != 0) {
		cli_alert_cleanup(&r);
		return (1);
	}
	if (name != NULL && alert_rules_find(&r.rules, name) == NULL) {
		cli_err("alert", "no rule '%s' ([alert %s] in %s)", name, name,
		    cli->config_path);
		cli_alert_cleanup(&r);
		return (1);
	}
	if ((rc = cli_alert_lock(&r, 1)) != 0) {
		cli_alert_cleanup(&r);
		return (rc);
	}
	now = time(NULL);
	if (cli_alert_load(&r, name != NULL) != 0 && name == NULL) {
		cli_alert_cleanup(&r);
		return (1);
	}
	rc = 0;
	if (name == NULL) {
		cli_alert_list_silences(&r, now);
		goto out;
	}
	st = xnonnull(alert_store_get(&r.store, name, 1), "an alert state");
	if (comment != NULL)
		c = xstrdup(comment);
	if (expire) {
		if (!alert_silenced(st, now))
			printf("%s: not silenced\n", name);
		else
			printf("%s: silence expired\n", name);
		st->silenced_until = 0;
		st->silenced_at = 0;
		free(st->silence_comment);
		st->silence_comment = NULL;
	} else {
		st->silenced_until = now + (time_t)secs;
		st->silenced_at = now;
		free(st->silence_comment);
		st->silence_comment = c;
		c = NULL;
		printf("%s: silenced until %s\n", name, clock_rfc3339_fmt(
		    st->silenced_until, until, sizeof(until)));
	}
	if (cli_alert_save(&r) != 0)
		rc = 1;
out:
	free(c);
	cli_alert_cleanup(&r);
	return (rc);
}

/* `alert test`: one test message through every configured channel. */
static int
cli_alert_test(struct cli *cli, int argc, char **argv)
{
	struct alert_run	 r;
	struct alert_rule	 rule;
	struct alert_state	 st;
	struct alert_item	 it;
	char			*cause = NULL;
	time_t			 now = time(NULL);
	int			 ch, rc = 0, any = 0;

	if (argc != 1)
		return (cli_alert_usage());
	if (cli_alert_init(&r, cli) != 0) {
		cli_alert_cleanup(&r);
		return (1);
	}
	memset(&rule, 0, sizeof(rule));
	rule.name = "test";
	rule.kind = ALERT_KIND__COUNT;		/* "test" */
	rule.severity = "info";
	rule.threshold = NAN;
	memset(&st, 0, sizeof(st));
	st.phase = ALERT_FIRING;
	st.fired_at = now;
	st.value = NAN;
	st.summary = (char *)"a test message from `bootstack alert test`; "
	    "nothing is wrong";
	it.rule = &rule;
	it.st = &st;
	it.what = ALERT_NOTICE_FIRING;
	for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
		if (!cli_alert_chan_on(cli->cfg, (enum alert_chan)ch))
			continue;
		any = 1;
		if (cli_alert_send(&r, (enum alert_chan)ch, &it, 1, now,
		    &cause) != ST_OK) {
			cli_err("alert", "%s: %s",
			    alert_chan_name((enum alert_chan)ch),
			    cause != NULL ? cause : "failed");
			free(cause);
			cause = NULL;
			rc = 1;
		} else
			printf("%s: sent\n",
			    alert_chan_name((enum alert_chan)ch));
	}
	if (!any) {
		cli_err("alert", "no channel configured ([alerts] webhook_url, "
		    "mail_to, command)");
		rc = 1;
	}
	cli_alert_cleanup(&r);
	return (rc);
}

/*
 * Prints one YAML list item per word of [prometheus] key when indent is
 * not NULL (HOST:PORT each, refused when it holds anything else, so no word
 * can end the quotes); -1 with a line on stderr when a word is bad, else
 * the count.
 */
static int
cli_alert_prom_targets(const struct config *cfg, const char *key,
    const char *indent)
{
	const char	*v = config_str(cfg, "prometheus", key);
	char		*copy, *w, *save = NULL;
	int		 n = 0;

	if (v == NULL)
		return (0);
	copy = xstrdup(v);
	for (w = strtok_r(copy, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if (strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-:[]") != strlen(w) || strrchr(w, ':') == NULL ||
		    strrchr(w, ':')[1] == '\0') {
			cli_err("alert", "[prometheus] %s: '%s' is not HOST:PORT",
			    key, w);
			free(copy);
			return (-1);
		}
		if (indent != NULL)
			printf("%s- '%s'\n", indent, w);
		n++;
	}
	free(copy);
	return (n);
}

/*
 * `alert prometheus`: prints a prometheus.yml for the hosts of
 * [prometheus]: the shipped rules, the Alertmanagers, job "bootstack" (the
 * name the rules match) over every API host's monitoring server and job
 * "bootstack-nginx" over every front end's nginx exporter.
 */
static int
cli_alert_prometheus(struct cli *cli, int argc, char **argv)
{
	const struct config	*cfg = cli->cfg;
	const char		*path = config_path(cfg), *rules;
	int			 n, nam = 0, nngx = 0;

	if (argc != 1)
		return (cli_alert_usage());
	/* Everything is checked before the first line is printed. */
	if ((n = cli_alert_prom_targets(cfg, "api_targets", NULL)) == 0) {
		cli_err("alert", "[prometheus] api_targets is not set: which "
		    "hosts to scrape");
		return (1);
	}
	if (n == -1 ||
	    (nam = cli_alert_prom_targets(cfg, "alertmanagers", NULL)) == -1 ||
	    (nngx = cli_alert_prom_targets(cfg, "nginx_targets", NULL)) == -1)
		return (1);
	rules = config_str(cfg, "prometheus", "rules_file");
	if (rules == NULL || rules[0] != '/' || strpbrk(rules, "'\n\r") != NULL) {
		cli_err("alert", "[prometheus] rules_file: want an absolute "
		    "path without quotes");
		return (1);
	}
	printf("# Generated by `bootstack alert prometheus` from %s.\n"
	    "# Check: promtool check config prometheus.yml\n"
	    "global:\n  scrape_interval: %llds\n  evaluation_interval: %llds\n"
	    "rule_files:\n  - '%s'\n", path != NULL ? path :
	    "(built-in defaults)",
	    config_int(cfg, "prometheus", "scrape_interval"),
	    config_int(cfg, "prometheus", "evaluation_interval"), rules);
	if (nam > 0) {
		printf("alerting:\n  alertmanagers:\n    - static_configs:\n"
		    "        - targets:\n");
		cli_alert_prom_targets(cfg, "alertmanagers", "            ");
	}
	printf("scrape_configs:\n  - job_name: 'bootstack'\n"
	    "    metrics_path: /metrics\n    static_configs:\n"
	    "      - targets:\n");
	cli_alert_prom_targets(cfg, "api_targets", "          ");
	if (nngx > 0) {
		printf("  - job_name: 'bootstack-nginx'\n    static_configs:\n"
		    "      - targets:\n");
		cli_alert_prom_targets(cfg, "nginx_targets", "          ");
	}
	return (fflush(stdout) == 0 ? 0 : 1);
}

/* Dispatches `alert SUBCOMMAND`. */
static int
cli_alert_run(struct cli *cli, int argc, char **argv)
{
	/* A receiver that hangs up must not kill us: EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return (cli_alert_usage());
	if (strcmp(argv[1], "check") == 0)
		return (cli_alert_check(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "status") == 0)
		return (cli_alert_status(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "silence") == 0)
		return (cli_alert_silence(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "test") == 0)
		return (cli_alert_test(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "prometheus") == 0)
		return (cli_alert_prometheus(cli, argc - 1, argv + 1));
	return (cli_alert_usage());
}
