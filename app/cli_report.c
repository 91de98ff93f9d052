/*
 * cli_report.c: `bootstack report`, the cron side of lib/report.c.
 *
 * `report [--rebuild] [--quiet]` reads what the nginx access log (and the
 * API's event log) gained since the last run (access.log.1 included, so a
 * rotation loses nothing), counts it into the /ops/ API overview and gives
 * it to GoAccess, then installs the pages that changed in [report]
 * output_dir: index.html / index.json (the overview) and goaccess.html /
 * goaccess.json for every host, the same under hosts/NAME/ per host.
 * --rebuild forgets the GoAccess databases, the overview and the positions,
 * and reads the logs that are on disk again (after a broken database, or to
 * apply a new [report] exclude to the past). `report --live` runs GoAccess's
 * real-time page (live.html, its WebSocket proxied by nginx at /ops/ws)
 * until SIGTERM or SIGINT: the process bootstack-report-live.service runs.
 *
 * The overview's route templates are the OpenAPI document's paths
 * (docs/openapi.json, compiled in as the daemon serves it): the document
 * is the API's contract, tests/e2e/openapi-check.py keeps it equal to the
 * router's table, and this way lib/ never reaches into app/ and the CLI
 * does not link the daemon's handlers.
 *
 * Output: on a terminal, a progress line on stderr while it reads (lines,
 * bytes, %, rate), then one line per report and a summary; elsewhere (cron,
 * a pipe) the summary line only; --quiet prints neither (errors still go
 * to stderr).
 *
 * Exit: 0 done or nothing new, 1 failed (one line per failure on stderr;
 * the reports that could be made are installed), 2 usage, 75 another run
 * holds the lock.
 */
#include "autoconf.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cause.h"
#include "cli.h"
#include "config.h"
#include "dblock.h"
#include "report.h"

#define REPORT_STATUS_FILE	"report.status.json"	/* in [report] state_dir */

extern const unsigned char	 openapi_json[];	/* app/openapi_json.c */
extern const size_t		 openapi_json_len;

static int	cli_report_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_report = {
	"report",
	"report [--rebuild] [--quiet] | report --live",
	"count the new access-log lines into the /ops/ overview and GoAccess",
	1,
	cli_report_run
};

/* Prints the usage as an error; returns 2. */
static int
cli_report_usage(void)
{
	cli_err("report", "usage: bootstack [-c FILE] %s", cli_cmd_report.usage);
	return (2);
}

/* n bytes as "812 B", "4.1 KB", "63.2 MB", "1.4 GB" into out. */
static void
cli_report_bytes(unsigned long long n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%llu B", n);
	else if (n < 1024ULL * 1024)
		snprintf(out, len, "%.1f KB", (double)n / 1024);
	else if (n < 1024ULL * 1024 * 1024)
		snprintf(out, len, "%.1f MB", (double)n / (1024 * 1024));
	else
		snprintf(out, len, "%.1f GB", (double)n / (1024 * 1024 * 1024));
}

/* The progress line on a terminal (stderr), redrawn in place. */
static void
cli_report_progress(const struct report_progress *p, void *arg)
{
	char	 done[32], total[32];
	double	 s = (double)p->ms / 1000.0;

	(void)arg;
	if (p->done) {
		fputs("\r\033[K", stderr);	/* the summary says the rest */
		fflush(stderr);
		return;
	}
	cli_report_bytes(p->bytes, done, sizeof(done));
	cli_report_bytes(p->total, total, sizeof(total));
	fprintf(stderr, "\r\033[Kreport: %llu lines, %s of %s (%.0f%%), "
	    "%.0f lines/s", p->lines, done, total, p->total > 0 ?
	    100.0 * (double)p->bytes / (double)p->total : 100.0,
	    s > 0 ? (double)p->lines / s : 0.0);
	if (p->waiting > 0)
		fprintf(stderr, "; GoAccess saving (%d left)", p->waiting);
	fflush(stderr);
}

/* The overview's templates from the compiled-in OpenAPI document. */
static int
cli_report_routes(char ***routes, size_t *n)
{
	char	*cause = NULL;

	if (report_routes_openapi((const char *)openapi_json, openapi_json_len,
	    routes, n, &cause) == -1) {
		cli_err("report", "the compiled-in OpenAPI document: %s",
		    cause_text(cause));
		free(cause);
		return (-1);
	}
	return (0);
}

static volatile sig_atomic_t	cli_report_stop;

/* SIGTERM, SIGINT: `report --live` stops. */
static void
cli_report_signal(int sig)
{
	(void)sig;
	cli_report_stop = 1;
}

/* `report --live`: GoAccess in real time until a signal. */
static int
cli_report_live(struct cli *cli, const struct report_opts *ro)
{
	struct sigaction	 sa;
	char			*cause = NULL;
	enum st			 st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_report_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: the wait ends early */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	st = report_live(cli->cfg, ro, &cli_report_stop, &cause);
	if (st != ST_OK) {
		cli_err("report", "live: %s", cause != NULL ? cause :
		    st_str(st));
		free(cause);
		return (1);
	}
	return (0);
}

/* The one summary line: what was read, what each report did. */
static void
cli_report_summary(const struct report_result *res)
{
	char			 b[32];
	size_t			 i, updated = 0, same = 0, failed = 0;

	for (i = 0; i < res->n; i++) {
		if (res->s[i].outcome == REPORT_UPDATED)
			updated++;
		else if (res->s[i].outcome == REPORT_FAILED)
			failed++;
		else
			same++;
	}
	cli_report_bytes(res->bytes, b, sizeof(b));
	printf("report: %llu new lines (%s, %llu excluded), %llu problem "
	    "events, %.2f s; GoAccess: %zu updated, %zu unchanged, %zu failed; "
	    "overview: %s\n", res->lines, b, res->n > 0 ? res->s[0].excluded :
	    0, res->events, (double)res->ms / 1000.0, updated, same, failed,
	    res->overview_error != NULL ? "FAILED" : res->n > 0 ?
	    res->s[0].html : "-");
}

/* `report`: one run of lib/report.c, and what each report did. */
static int
cli_report_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rebuild",	no_argument,	NULL, 'r' },
		{ "quiet",	no_argument,	NULL, 'q' },
		{ "live",	no_argument,	NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_opts		 ro;
	struct report_result		 res;
	struct dblock_job		 job;
	const struct report_stream_result *s;
	const char			*name;
	char				*cause = NULL, **routes = NULL;
	size_t				 i, nroutes = 0;
	int				 ch, quiet = 0, live = 0, tty, rc;
	enum st				 st;

	memset(&ro, 0, sizeof(ro));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			ro.flags |= REPORT_REBUILD;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'l':
			live = 1;
			break;
		default:
			return (cli_report_usage());
		}
	}
	if (optind != argc || (live && (ro.flags || quiet)))
		return (cli_report_usage());
	if (cli_report_routes(&routes, &nroutes) == -1)
		return (1);
	ro.routes = (const char *const *)routes;
	ro.nroutes = nroutes;
	if (live) {
		rc = cli_report_live(cli, &ro);
		for (i = 0; i < nroutes; i++)
			free(routes[i]);
		free(routes);
		return (rc);
	}
	tty = isatty(STDOUT_FILENO);
	if (!quiet && isatty(STDERR_FILENO))
		ro.progress = cli_report_progress;

	st = ST_INTERNAL;
	ro.check = cli_job_check;
	ro.check_arg = &job;
	if ((rc = cli_job_once("report", cli->cfg, "report", &job)) == 0)
		st = report_run(cli->cfg, &ro, &res, &cause);
	else if (rc == 1)
		cli_job_skipped("report", config_str(cli->cfg, "report",
		    "state_dir"), REPORT_STATUS_FILE, &job);
	dblock_job_end(&job);
	for (i = 0; i < nroutes; i++)
		free(routes[i]);
	free(routes);
	if (rc != 0)		/* another host's run, or no lock */
		return (rc == 1 ? 0 : 1);
	if (st != ST_OK && st != ST_UPSTREAM) {
		cli_err("report", "%s", cause != NULL ? cause : st_str(st));
		if (st != ST_CONFLICT)	/* locked: another run is the run */
			cli_job_status("report", config_str(cli->cfg, "report",
			    "state_dir"), REPORT_STATUS_FILE,
			    cause != NULL ? cause : st_str(st));
		free(cause);
		report_result_cleanup(&res);
		return (st == ST_CONFLICT ? 75 : 1);
	}
	if (res.lost)
		cli_err("report", "warning: a log read by the last run is gone "
		    "(rotated twice since?): what it gained after that run is "
		    "not counted");
	rc = 0;
	if (res.overview_error != NULL) {
		cli_err("report", "overview: %s", res.overview_error);
		rc = 1;
	}
	for (i = 0; i < res.n; i++) {
		s = &res.s[i];
		name = strcmp(s->name, REPORT_ALL) == 0 ? "all hosts" : s->name;

		if (s->outcome == REPORT_FAILED) {
			cli_err("report", "%s: %s", name, s->error != NULL ?
			    s->error : "failed");
			rc = 1;
		} else if (quiet || !tty)
			continue;
		else if (s->outcome == REPORT_UPDATED && s->lines == 0)
			printf("%s: no lines yet (%llu excluded), empty report: "
			    "%s\n", name, s->excluded, s->html);
		else if (s->outcome == REPORT_UPDATED)
			printf("%s: %llu new lines, %llu excluded: %s\n", name,
			    s->lines, s->excluded, s->html);
		else
			printf("%s: nothing new (%llu excluded)\n", name,
			    s->excluded);
	}
	if (!quiet)
		cli_report_summary(&res);
	cli_job_status("report", config_str(cli->cfg, "report", "state_dir"),
	    REPORT_STATUS_FILE, rc == 0 ? NULL : "a report failed (see the "
	    "lines above in the cron mail)");
	free(cause);
	report_result_cleanup(&res);
	return (rc);
}
