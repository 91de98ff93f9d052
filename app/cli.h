/*
 * cli.h: the bootstack command-line tool. One entry per command group, each
 * in its own file (app/cli_<group>.c), listed in cli.c's table.
 */
#ifndef APP_CLI_H
#define APP_CLI_H

#include <stdio.h>

struct config;

struct cli {
	struct config	*cfg;		/* loaded before the command runs */
	const char	*config_path;	/* -c FILE, $BOOTSTACK_CONF or the default */
	const char	*env;		/* --env NAME, or NULL (confenv.h) */
	int		 verbose;	/* -v: debug log lines */
};

struct cli_cmd {
	const char	*name;		/* "migrate" */
	const char	*usage;		/* "migrate [status]" */
	const char	*summary;	/* one line for `bootstack --help` */
	int		 need_config;	/* 0: runs without a valid config */
	/* Runs the command; argv[0] is the command name. Returns the exit code. */
	int		(*run)(struct cli *, int argc, char **argv);
};

extern const struct cli_cmd cli_cmd_check_config;
extern const struct cli_cmd cli_cmd_migrate;
extern const struct cli_cmd cli_cmd_nginx;
extern const struct cli_cmd cli_cmd_tenant;
extern const struct cli_cmd cli_cmd_key;
extern const struct cli_cmd cli_cmd_cert;
extern const struct cli_cmd cli_cmd_dns;
extern const struct cli_cmd cli_cmd_alert;
extern const struct cli_cmd cli_cmd_report;
extern const struct cli_cmd cli_cmd_help;
extern const struct cli_cmd cli_cmd_backup;
extern const struct cli_cmd cli_cmd_restore;

/* One option of a sub-command's help (app/cli_help.c). */
struct cli_help_opt {
	const char	*flag;		/* "--random-delay SECONDS"; NULL ends */
	const char	*help;		/* what it does, the argument's format */
};

/* The help of one sub-command: --help, the top-level table, bootstack(1). */
struct cli_help {
	const char		*name;		/* the words typed: "cert renew" */
	const char		*synopsis;	/* after "bootstack [options] " */
	const char		*summary;	/* one line, for the table */
	const char		*text;		/* what it does */
	struct cli_help_opt	 opts[6];
	const char		*exits;		/* beyond 0/1/2; NULL = those */
	const char		*example;	/* one command line */
};

extern const struct cli_help cli_helps[];	/* NULL-ended */

/* The entry named by the longest run of argv's first words, or NULL. */
const struct cli_help *cli_help_find(int argc, char **argv);
/* Prints an entry as `COMMAND --help` does. */
void	cli_help_print(FILE *, const struct cli_help *);
/* Lists the entries of a group ("key"); returns how many (0: none). */
int	cli_help_group(FILE *, const char *group);
/* The table of every entry, one line each, for `bootstack --help`. */
void	cli_help_table(FILE *);
/* The top-level usage text (cli.c). */
void	cli_usage(FILE *);

/* Prints "bootstack NAME: message" on stderr (one line per error). */
void	cli_err(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
struct db;
/*
 * A connected database handle for the configured [database], or NULL after
 * printing why on stderr. Caller db_free()s.
 */
struct db *cli_db(const char *cmd, const struct config *);
/* Runs one parameterised statement; NULL after printing the error. */
struct pg_result *cli_sql(const char *cmd, struct db *, const char *sql,
	    int nparams, const char *const *params);
/*
 * Records a cron job's run in DIR/FILE (lib/jobstatus.h) for alerting;
 * error is NULL on success. A status that cannot be written is a warning
 * on stderr, not a failure of the job.
 */
void	cli_job_status(const char *cmd, const char *dir, const char *file,
	    const char *error);
struct dblock_job;
/*
 * Records in DIR/FILE that this run skipped: cli_job_once() returned 1,
 * and j->holder is doing the work (lib/jobstatus.h: a skip is fresh).
 */
void	cli_job_skipped(const char *cmd, const char *dir, const char *file,
	    const struct dblock_job *j);
/*
 * dblock_job_check() on j (a struct dblock_job *), as the callback the
 * long jobs call before they write (report_opts.check, dns_set_guard).
 */
int	cli_job_check(void *j, char **cause);
/*
 * With [database] job_lock = database, takes the once-per-deployment lock
 * of job (lib/dblock.h). 0: go on; 1: another run holds it, said on
 * stdout ("JOB: skipped: ... holds it"), the command exits 0; -1: the
 * error printed, the command fails. dblock_job_end(j) in every case.
 */
int	cli_job_once(const char *cmd, const struct config *, const char *job,
	    struct dblock_job *j);
/* True when argv holds -h or --help; prints the usage of cmd then. */
int	cli_wants_help(const struct cli_cmd *, int argc, char **argv);

#endif
