/*
 * cli_config.c: `bootstack check-config [--dump | --keys]`, which validates
 * the configuration file, the BOOTSTACK_* environment and the secret files
 * exactly as the daemon will, and optionally prints the result; --keys
 * prints the key table itself (lib/config_table.c), from which make writes
 * the key list of bootstack.conf(5), so the manual cannot drift from it.
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
#include <string.h>

#include "cause.h"
#include "cli.h"
#include "config.h"
#include "xmalloc.h"

/* The type column of --keys: "int 1..256", "enum a|b", "string", ... */
static void
cli_config_type(const struct config_key *k, char *buf, size_t size)
{
	switch (k->type) {
	case CONFIG_INT:
		snprintf(buf, size, "int %lld..%lld", k->min, k->max);
		break;
	case CONFIG_BOOL:
		snprintf(buf, size, "bool");
		break;
	case CONFIG_SECRET:
		snprintf(buf, size, "secret");
		break;
	case CONFIG_ENUM:
		snprintf(buf, size, "enum %s", k->choices);
		break;
	default:
		snprintf(buf, size, "string");
		break;
	}
}

/*
 * --keys: one line per section, then one per key, tab-separated:
 * "SECTION<TAB><TAB>section|multi<TAB><TAB>HELP" and
 * "SECTION<TAB>KEY<TAB>TYPE<TAB>DEFAULT<TAB>HELP" (DEFAULT empty: unset).
 * A secret's KEY_file twin follows it with type "file".
 */
static void
cli_config_keys(void)
{
	const struct config_section	*sec;
	const struct config_key		*k;
	char				 type[256];

	for (sec = config_sections; sec->name != NULL; sec++) {
		printf("%s\t\t%s\t\t%s\n", sec->name, sec->multi ? "multi" :
		    "section", sec->help);
		for (k = config_keys; k->section != NULL; k++) {
			if (strcmp(k->section, sec->name) != 0)
				continue;
			cli_config_type(k, type, sizeof(type));
			printf("%s\t%s\t%s\t%s\t%s\n", k->section, k->name,
			    type, k->def != NULL ? k->def : "", k->help);
			if (k->type == CONFIG_SECRET)
				printf("%s\t%s_file\tfile\t\tfile holding %s "
				    "(not readable by group or others)\n",
				    k->section, k->name, k->name);
		}
	}
}

/* Loads cli->config_path afresh; prints "FILE: ok" or the one error line. */
static int
cli_config_run(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dump",	no_argument,	NULL, 'd' },
		{ "keys",	no_argument,	NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	*cfg;
	char		*cause = NULL;
	int		 ch, dump = 0, keys = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dump = 1;
			break;
		case 'k':
			keys = 1;
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
	if (keys) {
		cli_config_keys();
		return (fflush(stdout) == EOF || ferror(stdout) ? 1 : 0);
	}

	cfg = xnonnull(config_new(), "a configuration");
	if (config_load(cfg, cli->config_path, &cause) != 0) {
		cli_err(argv[0], "%s", cause_text(cause));
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
	"check-config [--dump | --keys]",
	"validate the configuration (--dump: print it, secrets hidden; "
	"--keys: list every key)",
	0,
	cli_config_run
};
