/*
 * cli_dns.c: `bootstack dns sync|show|restore|snapshots`, the operator's
 * side of lib/dns.h.
 *
 * `dns sync [--dry-run] [--no-wait]` makes the zone hold the records the
 * configuration declares ([dns] hosts to ipv4/ipv6, [dns_record NAME],
 * [dns] ttl): it prints the diff, writes it in one provider call (the
 * zone as it was is kept as a snapshot), then waits until every
 * authoritative nameserver serves it. Records nobody declared are never
 * touched. With nothing to change it only checks the nameservers, so a
 * run after a propagation timeout finishes the wait. --dry-run reads the
 * zone and prints the diff, and writes nothing.
 *
 * `dns show` prints the zone as the provider has it. `dns restore FILE`
 * writes a snapshot back (after snapshotting the current zone, so a
 * restore can be undone the same way). `dns snapshots` lists them, newest
 * first.
 *
 * Exit: 0 done or nothing to do, 1 failed (one line on stderr), 2 usage.
 * Two runs at once: the second waits for the provider account's lock.
 */
#include "autoconf.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cause.h"
#include "cli.h"
#include "config.h"
#include "dblock.h"
#include "dns.h"
#include "xmalloc.h"

#define DNS_SYNC_STATUS_FILE	"sync.status.json"	/* in [dns] snapshot_dir */

static int	cli_dns_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_dns = {
	"dns",
	"dns sync [--dry-run] [--no-wait] | dns show | "
	    "dns restore FILE [--dry-run] [--no-wait] | dns snapshots",
	"make the DNS zone hold the declared records; show, snapshot and "
	"restore it",
	1,
	cli_dns_run
};

/* Prints the usage as an error; returns 2. */
static int
cli_dns_usage(void)
{
	cli_err("dns", "usage: bootstack [-c FILE] %s", cli_cmd_dns.usage);
	return (2);
}

/* Parses --dry-run and --no-wait into *flags; -1 on anything else. */
static int
cli_dns_flags(int argc, char **argv, int *flags)
{
	static const struct option longopts[] = {
		{ "dry-run",	no_argument,	NULL, 'n' },
		{ "no-wait",	no_argument,	NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	*flags = 0;
	optind = 0;	/* glibc: a full reset, so options may follow FILE */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			*flags |= DNS_DRY_RUN;
			break;
		case 'w':
			*flags |= DNS_NO_WAIT;
			break;
		default:
			return (-1);
		}
	}
	return (optind);
}

/* Opens the zone; NULL after printing why. */
static struct dns *
cli_dns_open(struct cli *cli)
{
	struct dns	*d;
	char		*cause = NULL;

	if ((d = dns_open(cli->cfg, &cause)) == NULL) {
		cli_err("dns", "%s", cause_text(cause));
		free(cause);
	}
	return (d);
}

/* `dns sync`. */
static int
cli_dns_sync(struct cli *cli, int argc, char **argv)
{
	struct dns_changes	 ch;
	struct dns		*d = NULL;
	const char		*zone;
	char			*cause = NULL;
	struct dblock_job	 job;
	int			 flags, rc = 1, once = 0;

	memset(&job, 0, sizeof(job));
	if (cli_dns_flags(argc, argv, &flags) != argc)
		return (cli_dns_usage());
	dns_changes_init(&ch);
	if ((zone = dns_config_zone(cli->cfg)) == NULL) {
		cli_err("dns", "no zone: set [dns] zone (or [site] domain)");
		return (1);
	}
	if (dns_desired(cli->cfg, zone, &ch, &cause) != 0) {
		cli_err("dns", "%s", cause_text(cause));
		goto out;
	}
	if (ch.n == 0) {
		printf("%s: nothing to sync (no [dns] ipv4 or ipv6 for the "
		    "hosts, no [dns_record NAME])\n", zone);
		rc = 0;
		goto out;
	}
	if (!(flags & DNS_DRY_RUN) &&
	    (once = cli_job_once("dns", cli->cfg, "dns sync", &job)) != 0) {
		rc = once == 1 ? 0 : 1;
		goto out;
	}
	if ((d = cli_dns_open(cli)) == NULL)
		goto out;
	dns_set_guard(d, cli_job_check, &job);
	if (dns_update(d, &ch, flags, stdout, NULL, &cause) != ST_OK) {
		cli_err("dns", "%s", cause != NULL ? cause : "sync failed");
		goto out;
	}
	rc = 0;
out:
	if (once == 1)		/* skipped: another host's run does it */
		cli_job_skipped("dns", config_str(cli->cfg, "dns",
		    "snapshot_dir"), DNS_SYNC_STATUS_FILE, &job);
	else if (!(flags & DNS_DRY_RUN))
		cli_job_status("dns", config_str(cli->cfg, "dns",
		    "snapshot_dir"), DNS_SYNC_STATUS_FILE, rc == 0 ? NULL :
		    cause != NULL ? cause : "sync failed");
	dblock_job_end(&job);
	free(cause);
	dns_changes_cleanup(&ch);
	dns_free(d);
	return (rc);
}

/* `dns show`: the zone, one record per line. */
static int
cli_dns_show(struct cli *cli, int argc, char **argv)
{
	struct dns_zone	 z, empty;
	struct buf	 b;
	struct dns	*d;
	char		*cause = NULL, *line, *save = NULL;
	int		 rc = 1;

	if (argc != 1)
		return (cli_dns_usage());
	if ((d = cli_dns_open(cli)) == NULL)
		return (1);
	dns_zone_init(&empty);
	buf_init(&b, 4 * 1024 * 1024);
	if (dns_read(d, &z, &cause) != ST_OK) {
		cli_err("dns", "%s", cause != NULL ? cause : "read failed");
		goto out;
	}
	/* Every record is an addition to an empty zone: sorted lines. */
	if (dns_zone_diff(&empty, &z, &b) < 0) {
		cli_err("dns", "the zone is too large to show (over %zu bytes)",
		    b.max);
		goto out;
	}
	printf("%s: %zu record%s, TTL %ld\n", dns_zone(d), z.n,
	    z.n == 1 ? "" : "s", z.ttl);
	for (line = b.data != NULL ? strtok_r(b.data, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "+ ", 2) == 0)
			printf("%s\n", line + 2);
	rc = 0;
out:
	free(cause);
	buf_cleanup(&b);
	dns_zone_cleanup(&z);
	dns_free(d);
	return (rc);
}

/* `dns restore FILE`. */
static int
cli_dns_restore(struct cli *cli, int argc, char **argv)
{
	struct dns	*d;
	char		*cause = NULL;
	int		 flags, i, rc = 1;

	if ((i = cli_dns_flags(argc, argv, &flags)) < 0 || i != argc - 1)
		return (cli_dns_usage());
	if ((d = cli_dns_open(cli)) == NULL)
		return (1);
	if (dns_restore(d, argv[i], flags, stdout, &cause) != ST_OK)
		cli_err("dns", "%s", cause != NULL ? cause : "restore failed");
	else
		rc = 0;
	free(cause);
	dns_free(d);
	return (rc);
}

/* `dns snapshots`: the zone's snapshot files, newest first. */
static int
cli_dns_snapshots(struct cli *cli, int argc, char **argv)
{
	struct dirent	**ents = NULL;
	struct dns	 *d;
	char		 *prefix = NULL;
	int		  n, i, found = 0;

	if (argc != 1)
		return (cli_dns_usage());
	if ((d = cli_dns_open(cli)) == NULL)
		return (1);
	prefix = xprintf("%s-", dns_zone(d));
	if ((n = scandir(dns_snapshot_dir(d), &ents, NULL, alphasort)) < 0) {
		cli_err("dns", "cannot list %s", dns_snapshot_dir(d));
		free(prefix);
		dns_free(d);
		return (1);
	}
	for (i = n; i-- > 0;) {
		const char	*nm = ents[i]->d_name;
		size_t		 l = strlen(nm);

		if (strncmp(nm, prefix, strlen(prefix)) == 0 && l > 5 &&
		    strcmp(nm + l - 5, ".json") == 0) {
			printf("%s/%s\n", dns_snapshot_dir(d), nm);
			found++;
		}
	}
	if (found == 0)
		printf("no snapshot of %s in %s\n", dns_zone(d),
		    dns_snapshot_dir(d));
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(prefix);
	dns_free(d);
	return (0);
}

/* Dispatches `dns SUBCOMMAND`. */
static int
cli_dns_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return (cli_dns_usage());
	if (strcmp(argv[1], "sync") == 0)
		return (cli_dns_sync(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "show") == 0)
		return (cli_dns_show(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "restore") == 0)
		return (cli_dns_restore(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "snapshots") == 0)
		return (cli_dns_snapshots(cli, argc - 1, argv + 1));
	cli_err("dns", "unknown sub-command '%s'", argv[1]);
	return (cli_dns_usage());
}
