/*
 * cli_config.c: `bootstack check-config [--dump | --keys]`, which validates
 * the configuration file, the BOOTSTACK_* environment and the secret files
 * exactly as the daemon will, and optionally prints the result; --keys
 * prints the key table itself (lib/config_table.c), from which make writes
 * the key list of bootstack.conf(5), so the manual cannot drift from it.
 *
 * cli.c loads the config before every command, but for this one
 * (need_config = 0) it drops the error; so the file is loaded again here,
 * into a fresh config, with config_load_all(), which lists every error of
 * the file, then lib/confcheck.c runs the checks the commands would run on
 * the values. Each error is one line on stderr, "FILE:LINE: [section] key:
 * what is wrong, what is allowed" (the form editors jump to), then a count;
 * the exit status is 1 on any. The dump never shows a secret's value, only
 * "(secret)".
 */
#include "autoconf.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "cli.h"
#include "confcheck.h"
#include "config.h"
#include "migrate.h"
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

/* One error and its sort key. */
struct cli_config_err {
	const char	*text;		/* borrowed from the error list */
	long		 line;		/* in the file; LONG_MAX: elsewhere */
	size_t		 seq;		/* order found, to keep the sort stable */
};

/* By line in the file, then in the order found. */
static int
cli_config_cmp(const void *a, const void *b)
{
	const struct cli_config_err	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/*
 * Prints the errors in the order of the lines of path they name (the load's
 * and the checks' errors interleave), the others (environment, secret
 * files) after them.
 */
static void
cli_config_print(const struct config_errors *errs, const char *path)
{
	struct cli_config_err	*v;
	size_t			 i, plen = strlen(path);
	char			*end;

	v = xcalloc(errs->n + 1, sizeof(*v));
	for (i = 0; i < errs->n; i++) {
		v[i].text = errs->v[i];
		v[i].seq = i;
		v[i].line = LONG_MAX;
		if (strncmp(errs->v[i], path, plen) == 0 &&
		    errs->v[i][plen] == ':' &&
		    isdigit((unsigned char)errs->v[i][plen + 1])) {
			v[i].line = strtol(errs->v[i] + plen + 1, &end, 10);
			if (*end != ':')
				v[i].line = LONG_MAX;
		}
	}
	qsort(v, errs->n, sizeof(*v), cli_config_cmp);
	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", v[i].text);
	free(v);
}

/*
 * Reports, when the database answers, a [database] user that may do more
 * than the API needs (a superuser or the tables' owner).
 */
static void
cli_config_role(const struct config *cfg)
{
	char	*why = NULL;

	if (migrate_role_risk_of(cfg, &why) == 1)
		cli_err("check-config", "warning: [database] user: %s: the API "
		    "could drop its tables and row-level security would not "
		    "hold it (docs/deploy.md)", cause_text(why));
	free(why);
}

/* Loads cli->config_path afresh; prints "FILE: ok" or every error. */
static int
cli_config_run(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dump",	no_argument,	NULL, 'd' },
		{ "keys",	no_argument,	NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct config_errors	 errs = { NULL, 0, 0 };
	struct config		*cfg;
	size_t			 n;
	long			 rc;
	int			 ch, dump = 0, keys = 0;

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
	rc = config_load_all(cfg, cli->config_path, &errs);
	if (rc >= 0)
		(void)confcheck_run(cfg, &errs);
	n = errs.n + errs.dropped;
	if (n > 0) {
		cli_config_print(&errs, cli->config_path);
		if (errs.dropped > 0)
			fprintf(stderr, "... and %zu more\n", errs.dropped);
		cli_err(argv[0], "%s: %zu error%s", cli->config_path, n,
		    n == 1 ? "" : "s");
		config_errors_cleanup(&errs);
		config_free(cfg);
		return (1);
	}
	config_errors_cleanup(&errs);
	printf("%s: ok\n", cli->config_path);
	cli_config_role(cfg);
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
