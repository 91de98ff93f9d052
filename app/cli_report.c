/*
 * cli_report.c: `bootstack report`, the cron side of lib/report.c.
 *
 * `report [--rebuild] [--quiet]` gives GoAccess what the nginx access log
 * gained since the last run (access.log.1 included, so a rotation loses
 * nothing) and installs the reports that changed in [report] output_dir:
 * index.html / index.json for every host, hosts/NAME.html / .json per
 * host. One line per report on stdout (none with --quiet). --rebuild
 * forgets the GoAccess databases and the positions, and reads the logs
 * that are on disk again (after a broken database, or to apply a new
 * [report] exclude to the past).
 *
 * Exit: 0 done or nothing new, 1 failed (one line per failure on stderr;
 * the reports that could be made are installed), 2 usage, 75 another run
 * holds the lock.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "report.h"

#define REPORT_STATUS_FILE	"report.status.json"	/* in [report] state_dir */

static int	cli_report_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_report = {
	"report",
	"report [--rebuild] [--quiet]",
	"feed GoAccess the new access-log lines; write the /ops/ reports",
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

/* `report`: one run of lib/report.c, and what each report did. */
static int
cli_report_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rebuild",	no_argument,	NULL, 'r' },
		{ "quiet",	no_argument,	NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_result		 res;
	const struct report_stream_result *s;
	const char			*name;
	char				*cause = NULL;
	size_t				 i;
	int				 ch, flags = 0, quiet = 0, rc;
	enum st				 st;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			flags |= REPORT_REBUILD;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			return (cli_report_usage());
		}
	}
	if (optind != argc)
		return (cli_report_usage());

	st = report_run(cli->cfg, flags, &res, &cause);
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
	for (i = 0; i < res.n; i++) {
		s = &res.s[i];
		name = strcmp(s->name, REPORT_ALL) == 0 ? "all hosts" : s->name;

		if (s->outcome == REPORT_FAILED) {
			cli_err("report", "%s: %s", name, s->error != NULL ?
			    s->error : "failed");
			rc = 1;
		} else if (quiet)
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
	cli_job_status("report", config_str(cli->cfg, "report", "state_dir"),
	    REPORT_STATUS_FILE, rc == 0 ? NULL : "a report failed (see the "
	    "lines above in the cron mail)");
	free(cause);
	report_result_cleanup(&res);
	return (rc);
}
