/*
 * cli_config.c: `bootstack check-config [--dump]`, which validates the
 * configuration file, the BOOTSTACK_* environment and the secret files
 * exactly as the daemon will, and optionally prints the result.
 *
 * cli.c loads the config before every command, but for this one
 * (need_config = 0) it drops the error; so the file is loaded again here,
 * into a fresh config, to report the error text. The dump never shows a
 * secret's value, only "(secret)".
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"

/* Loads cli->config_path afresh; prints "FILE: ok" or the one error line. */
static int
cli_config_run(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dump",	no_argument,	NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg;
	char		*cause = NULL;
	int		 ch, dump = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dump = 1;
			break;
		default:
			cli_err(argv[0], "unknown option '%s'; usage: "
			    "bootstack %s", argv[optind - 1],
			    cli_cmd_check_config.usage);
			return (2);
		}
	}
	if (optind < argc) {
		cli_err(argv[0], "unexpected argument '%s'; usage: "
		    "bootstack %s", argv[optind], cli_cmd_check_config.usage);
		return (2);
	}

	if ((cfg = config_new()) == NULL) {
		cli_err(argv[0], "out of memory");
		return (1);
	}
	if (config_load(cfg, cli->config_path, &cause) != 0) {
		cli_err(argv[0], "%s", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		config_free(cfg);
		return (1);
	}
	printf("%s: ok\n", cli->config_path);
	if (dump)
		config_dump(cfg, stdout);
	config_free(cfg);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_err(argv[0], "cannot write to stdout");
		return (1);
	}
	return (0);
}

const struct cli_cmd cli_cmd_check_config = {
	"check-config",
	"check-config [--dump]",
	"validate the configuration (--dump: print it, secrets hidden)",
	0,
	cli_config_run
};
