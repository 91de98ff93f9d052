/*
 * cli.c: main() of `bootstack`, the operator's and cron's tool.
 *
 * Parses the global options (-c FILE, -v, --help, --version), loads the
 * configuration and hands over to one command from the table below. Every
 * command exits 0 on success or nothing to do, non-zero on failure, with one
 * line on stderr per error.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cause.h"
#include "cli.h"
#include "config.h"
#include "confenv.h"
#include "db.h"
#include "dblock.h"
#include "fs.h"
#include "jobstatus.h"
#include "log.h"
#include "xmalloc.h"

static const struct cli_cmd *const cli_cmds[] = {
	&cli_cmd_check_config,
	&cli_cmd_migrate,
	&cli_cmd_nginx,
	&cli_cmd_tenant,
	&cli_cmd_key,
	&cli_cmd_cert,
	&cli_cmd_dns,
	&cli_cmd_alert,
	&cli_cmd_report,
	&cli_cmd_backup,
	&cli_cmd_restore,
	&cli_cmd_help,
};
#define CLI_NCMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

/* One error line, prefixed by the program and command. */
void
cli_err(const char *cmd, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "bootstack %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* See cli.h. */
struct db *
cli_db(const char *cmd, const struct config *cfg)
{
	struct db	*db;

	db = xnonnull(db_new(cfg, NULL), "a database handle");
	if (db_connect(db) != ST_OK) {
		cli_err(cmd, "cannot connect to the database: %s", db_error(db));
		db_free(db);
		return (NULL);
	}
	return (db);
}

/* See cli.h. */
PGresult *
cli_sql(const char *cmd, struct db *db, const char *sql, int nparams,
    const char *const *params)
{
	PGresult	*res = NULL;

	if (db_exec(db, sql, nparams, params, &res) != ST_OK) {
		cli_err(cmd, "%s", db_error(db));
		return (NULL);
	}
	return (res);
}

/* Writes DIR/FILE: a run that skipped when holder is set, else error's. */
static void
cli_job_record(const char *cmd, const char *dir, const char *file,
    const char *error, const char *holder)
{
	char	*path = NULL, *cause = NULL;
	int	 rc;

	if (dir == NULL) {
		cli_err(cmd, "warning: no status file written");
		return;
	}
	path = xprintf("%s/%s", dir, file);
	/* A host that only ever skipped has not made the job's folder. */
	if ((rc = fs_mkdirs(dir, 0700, 0, &cause)) == 0)
		rc = holder != NULL ? jobstatus_write_skipped(path, cmd,
		    holder, &cause) : jobstatus_write(path, cmd, error, &cause);
	if (rc != 0)
		cli_err(cmd, "warning: %s", cause != NULL ? cause :
		    "cannot write the status file");
	free(cause);
	free(path);
}

/* See cli.h. */
void
cli_job_status(const char *cmd, const char *dir, const char *file,
    const char *error)
{
	cli_job_record(cmd, dir, file, error, NULL);
}

/* See cli.h. */
int
cli_job_check(void *j, char **cause)
{
	return (dblock_job_check(j, cause));
}

/* See cli.h. */
void
cli_job_skipped(const char *cmd, const char *dir, const char *file,
    const struct dblock_job *j)
{
	cli_job_record(cmd, dir, file, NULL, j->holder);
}

#ifdef BS_TEST_HOOKS
/*
 * Test builds only (configure --enable-test-hooks): with
 * BOOTSTACK_TEST_JOB_PAUSE=PATH, a job that took its lock creates
 * PATH.held and waits (60 s at most) for PATH.go, so
 * tests/e2e/101-job-lock.sh can end the lock's session mid-run.
 */
static void
cli_job_pause(void)
{
	const char	*p = getenv("BOOTSTACK_TEST_JOB_PAUSE");
	char		*held, *go;
	FILE		*f;
	int		 i;

	if (p == NULL || *p == '\0')
		return;
	held = xprintf("%s.held", p);
	go = xprintf("%s.go", p);
	if ((f = fopen(held, "w")) != NULL)
		fclose(f);
	for (i = 0; i < 600 && access(go, F_OK) != 0; i++)
		usleep(100 * 1000);
	free(held);
	free(go);
}
#endif

/* See cli.h. */
int
cli_job_once(const char *cmd, const struct config *cfg, const char *job,
    struct dblock_job *j)
{
	char	*cause = NULL;
	int	 rc;

	rc = dblock_job_begin(cfg, job, j, &cause);
	if (rc == 1)
		printf("%s: skipped: %s holds the job's lock in the database "
		    "([database] job_lock = database)\n", job, j->holder);
	else if (rc == -1)
		cli_err(cmd, "%s ([database] job_lock = database)",
		    cause_text(cause));
#ifdef BS_TEST_HOOKS
	else if (j->held)
		cli_job_pause();
#endif
	free(cause);
	return (rc);
}

/*
 * Handles -h/--help anywhere in a command's arguments: the help of the
 * sub-command the leading words name (app/cli_help.c), else the list of
 * the group's.
 */
int
cli_wants_help(const struct cli_cmd *cmd, int argc, char **argv)
{
	const struct cli_help	*h;
	int			 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") != 0 &&
		    strcmp(argv[i], "--help") != 0)
			continue;
		if ((h = cli_help_find(argc, argv)) != NULL)
			cli_help_print(stdout, h);
		else if (cli_help_group(stdout, cmd->name) == 0)
			printf("usage: bootstack [-c FILE] %s\n%s\n",
			    cmd->usage, cmd->summary);
		return (1);
	}
	return (0);
}

/*
 * Removes "-c FILE", "--config FILE", "--config=FILE", "--env NAME" and
 * "--env=NAME" from a command's arguments, so every command takes them in
 * either place.
 */
static int
cli_take_config(struct cli *cli, int *argc, char **argv)
{
	int	 i, j, skip;

	for (i = 1; i < *argc; i += skip == 0 ? 1 : 0) {
		skip = 0;
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= *argc) {
				cli_err(argv[0], "%s needs a file name", argv[i]);
				return (-1);
			}
			cli->config_path = argv[i + 1];
			skip = 2;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			cli->config_path = argv[i] + 9;
			skip = 1;
		} else if (strcmp(argv[i], "--env") == 0) {
			if (i + 1 >= *argc) {
				cli_err(argv[0], "--env needs a name");
				return (-1);
			}
			cli->env = argv[i + 1];
			skip = 2;
		} else if (strncmp(argv[i], "--env=", 6) == 0) {
			cli->env = argv[i] + 6;
			skip = 1;
		}
		if (skip > 0) {
			for (j = i; j + skip <= *argc; j++)
				argv[j] = argv[j + skip];
			*argc -= skip;
		}
	}
	return (0);
}

/* The top-level usage text: the options, then a table of the commands. */
void
cli_usage(FILE *f)
{
	fprintf(f, "usage: bootstack [-c FILE | --env NAME] [-v] COMMAND "
	    "[ARGS]\n       bootstack --help | --version\n\n"
	    "  -c, --config FILE       the configuration file\n"
	    "  --env NAME              the file of environment NAME:\n"
	    "                          %s/NAME.conf\n"
	    "  -v, --verbose           debug log lines on stderr\n\n"
	    "commands:\n", BS_SYSCONFDIR);
	cli_help_table(f);
	fprintf(f, "  %-17s %s\n", "help COMMAND", cli_cmd_help.summary);
	fprintf(f, "\nThe configuration is read from -c FILE, else --env NAME, "
	    "else $BOOTSTACK_CONF,\nelse $BOOTSTACK_ENV, else "
	    "%s/bootstack.conf.\n`bootstack COMMAND --help`: its options, "
	    "exit status and an example.\n", BS_SYSCONFDIR);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "env",	required_argument,	NULL, 'e' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli		 cli = { NULL, NULL, NULL, 0 };
	const struct cli_cmd	*cmd = NULL;
	char			*cause = NULL, *path;
	size_t			 i;
	int			 ch, rc;

	log_init("bootstack", LOG_LEVEL_WARN);
	while ((ch = getopt_long(argc, argv, "+c:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'e':
			cli.env = optarg;
			break;
		case 'v':
			cli.verbose = 1;
			break;
		case 'h':
			cli_usage(stdout);
			return (0);
		case 'V':
			printf("bootstack %s\n", PACKAGE_VERSION);
			return (0);
		default:
			cli_usage(stderr);
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		cli_usage(stderr);
		return (2);
	}
	for (i = 0; i < CLI_NCMDS; i++)
		if (strcmp(argv[0], cli_cmds[i]->name) == 0)
			cmd = cli_cmds[i];
	if (cmd == NULL) {
		fprintf(stderr, "bootstack: unknown command '%s' "
		    "(bootstack --help lists them)\n", argv[0]);
		return (2);
	}
	if (cli_wants_help(cmd, argc, argv))
		return (0);
	if (cli_take_config(&cli, &argc, argv) != 0)
		return (2);
	if (cli.verbose)
		log_init("bootstack", LOG_LEVEL_DEBUG);

	/* -c, --env, $BOOTSTACK_CONF, $BOOTSTACK_ENV, default: confenv.h */
	if ((path = confenv_path(cli.config_path, cli.env, BS_SYSCONFDIR,
	    &cause)) == NULL) {
		cli_err(cmd->name, "%s", cause_text(cause));
		free(cause);
		return (1);
	}
	cli.config_path = path;
	cli.cfg = xnonnull(config_new(), "a configuration");
	if (config_load(cli.cfg, cli.config_path, &cause) != 0 &&
	    cmd->need_config) {
		cli_err(cmd->name, "%s", cause);
		free(cause);
		config_free(cli.cfg);
		free(path);
		return (1);
	}
	free(cause);
	optind = 1;
	rc = cmd->run(&cli, argc, argv);
	config_free(cli.cfg);
	free(path);
	return (rc);
}
