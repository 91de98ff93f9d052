/*
 * cli_backup.c: `bootstack backup [--to DIR]` and `bootstack restore
 * ARCHIVE`, the arguments and messages around lib/backup.h.
 *
 * backup prints the archive's path alone on stdout (for scripts: `scp
 * "$(bootstack backup)" elsewhere:`). restore runs without a valid
 * configuration (need_config = 0): on a new box the file comes out of the
 * archive; it prints one line per part put back.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "cause.h"
#include "cli.h"
#include "config.h"

/* `backup [--to DIR]`. */
static int
cli_backup_run(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to",	required_argument,	NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir;
	char		*archive = NULL, *cause = NULL;
	int		 ch;

	dir = config_str(cli->cfg, "backup", "dir");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			dir = optarg;
			break;
		default:
			cli_err("backup", "unknown option '%s'; usage: "
			    "bootstack %s", argv[optind - 1],
			    cli_cmd_backup.usage);
			return (2);
		}
	}
	if (optind < argc || dir == NULL || *dir == '\0') {
		cli_err("backup", "usage: bootstack %s", cli_cmd_backup.usage);
		return (2);
	}
	if (backup_create(cli->cfg, cli->config_path, dir, &archive,
	    &cause) != 0) {
		cli_err("backup", "%s", cause_text(cause));
		free(cause);
		return (1);
	}
	printf("%s\n", archive);
	free(archive);
	return (fflush(stdout) == EOF ? 1 : 0);
}

/* Prints one step of the restore. */
static void
cli_backup_note(void *arg, const char *line)
{
	(void)arg;
	printf("restore: %s\n", line);
	fflush(stdout);
}

/* `restore ARCHIVE`. */
static int
cli_restore_run(struct cli *cli, int argc, char **argv)
{
	char	*cause = NULL;

	if (argc != 2 || argv[1][0] == '-') {
		cli_err("restore", "usage: bootstack %s",
		    cli_cmd_restore.usage);
		return (2);
	}
	if (backup_restore(argv[1], cli->config_path, cli_backup_note, NULL,
	    &cause) != 0) {
		cli_err("restore", "%s", cause_text(cause));
		free(cause);
		return (1);
	}
	printf("restore: done; start the API and the jobs\n");
	return (fflush(stdout) == EOF ? 1 : 0);
}

const struct cli_cmd cli_cmd_backup = {
	"backup",
	"backup [--to DIR]",
	"write one archive of the database, the configuration and the state",
	1,
	cli_backup_run
};

const struct cli_cmd cli_cmd_restore = {
	"restore",
	"restore ARCHIVE",
	"put a backup archive back on an empty box",
	0,
	cli_restore_run
};
