/*
 * cli_cert.c: `bootstack cert renew|sync|reseal|status|revoke|account`,
 * the command line of lib/cert.h (the certificate life cycle: due-ness,
 * orders, install with FILE.prev and rollback, deploy, the status file;
 * the ACME account; the database store and its key rotation).
 *
 * This file parses arguments and prints: one line per certificate on
 * stdout, one line per error on stderr.
 *
 * Concurrency: one flock on <state_dir>/renew.lock for the whole renew run;
 * a second run does not wait, it exits 75 (EX_TEMPFAIL) with "locked by
 * another run", which cron wrappers may ignore. With [database] job_lock
 * = database, a renew that finds the job's lock held records "skipped"
 * (held_by) in each certificate's status file and exits 0; one that holds
 * it checks it is still held right before each issuance writes
 * (cert_run.check), and stops with nothing written when it is not. The random delay
 * (--random-delay or [acme] renew_random_delay) is slept before locking.
 * Exit: 0 when every certificate is fine or renewed, 1 when one failed.
 */
#include "autoconf.h"

#include <openssl/evp.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "cause.h"
#include "cert.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dblock.h"
#include "fs.h"
#include "log.h"
#include "xmalloc.h"

#define CERT_EX_LOCKED		75	/* EX_TEMPFAIL: another run holds the lock */

static int	cli_cert_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_cert = {
	"cert",
	"cert renew [--force] [--dry-run [--same-ca]] [--random-delay SECONDS] "
	    "[NAME...] | cert sync [NAME...] | cert reseal [--dry-run] | "
	    "cert status [NAME...] | cert revoke NAME [--reason REASON] "
	    "[--cert-key] | cert account show | cert account update "
	    "--contact EMAIL... | cert account update --no-contact | "
	    "cert account deactivate --yes | "
	    "cert account rollover",
	"renew the [cert NAME] certificates that are due (ACME), install the "
	"current ones from the database on this front end ([acme] store = "
	"database), seal their keys again after a store_key rotation, show "
	"them, revoke one, or manage the ACME account",
	1,
	cli_cert_run
};

/* True if name is among the command-line NAMEs (or none were given). */
static int
cert_selected(const char *name, int argc, char **argv)
{
	int	 i;

	if (argc == 0)
		return (1);
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return (1);
	return (0);
}

/* Fails when a NAME on the command line is not a [cert NAME]. */
static int
cert_check_names(const struct config *cfg, int argc, char **argv)
{
	size_t	 i, n = config_count(cfg, "cert");
	int	 a;

	for (a = 0; a < argc; a++) {
		for (i = 0; i < n; i++)
			if (strcmp(config_iname(cfg, "cert", i), argv[a]) == 0)
				break;
		if (i == n) {
			cli_err("cert", "no [cert %s] in %s", argv[a],
			    config_path(cfg) != NULL ? config_path(cfg) :
			    "the configuration");
			return (-1);
		}
	}
	return (0);
}

/* Ends a renew line with what the live check saw. */
static void
cert_print_served(const struct cert *c, const struct cert_outcome *o)
{
	if (o->served == CERT_SERVED_MATCH)
		printf("; %s serves it", c->check_endpoint);
	else if (o->served == CERT_SERVED_UNREACHABLE)
		printf("; cannot check what %s serves (unreachable)",
		    c->check_endpoint);
	printf("\n");
}

/* Prints what cert_renew_one did; returns 0 (fine) or 1 (failed). */
static int
cert_print(const struct cert *c, const struct cert_outcome *o)
{
	char	 b1[CLOCK_RFC3339_LEN], b2[CLOCK_RFC3339_LEN];
	int	 rc = 0;

	if (o->reloaded)
		printf("%s: reloaded: the certificate an earlier run installed "
		    "is served now\n", c->name);
	switch (o->result) {
	case CERT_NOT_DUE:
		if (o->rate_limited) {
			printf("%s: rate limited by the CA: not retried before "
			    "%s (expires %s)\n", c->name,
			    clock_rfc3339_fmt(o->next, b2, sizeof(b2)),
			    clock_rfc3339_fmt(o->not_after, b1, sizeof(b1)));
			break;
		}
		printf("%s: not due (expires %s, renewal from %s)", c->name,
		    clock_rfc3339_fmt(o->not_after, b1, sizeof(b1)),
		    clock_rfc3339_fmt(o->next, b2, sizeof(b2)));
		cert_print_served(c, o);
		break;
	case CERT_DRY_RUN:
		printf("%s: dry run: ordered, validated and issued: serial %s, "
		    "expires %s; nothing installed\n", c->name, o->serial,
		    clock_rfc3339_fmt(o->not_after, b1, sizeof(b1)));
		break;
	case CERT_RENEWED:
		printf("%s: renewed (%s): serial %s, expires %s", c->name,
		    o->reason, o->serial, clock_rfc3339_fmt(o->not_after, b1,
		    sizeof(b1)));
		cert_print_served(c, o);
		break;
	case CERT_FAILED:
		cli_err("cert", "%s: %s", c->name, o->error != NULL ? o->error :
		    "renewal failed");
		rc = 1;
		break;
	}
	fflush(stdout);
	return (rc);
}

/* Takes <state_dir>/renew.lock, the one lock of runs that write the files. */
static int
cert_lock(const char *state_dir)
{
	char	*cause = NULL, *path;
	int	 fd;

	if (fs_mkdirs(state_dir, 0700, 0, &cause) != 0) {
		cli_err("cert", "%s", cause_text(cause));
		free(cause);
		return (-1);
	}
	path = xprintf("%s/renew.lock", state_dir);
	fd = fs_lock(path, 0, &cause);
	free(path);
	if (fd == -1) {
		cli_err("cert", "%s", cause != NULL ? cause : "cannot lock");
		free(cause);
		return (-2);
	}
	return (fd);
}

/*
 * Loads [cert] section i into *c when the command line selects it: 1
 * loaded (the caller cert_cleanup()s), 0 not selected, -1 unusable (said
 * on stderr).
 */
static int
cert_take(const struct config *cfg, size_t i, int argc, char **argv,
    const char *state_dir, struct cert *c)
{
	char	*cause = NULL;

	if (!cert_selected(config_iname(cfg, "cert", i), argc, argv))
		return (0);
	if (cert_load(cfg, i, state_dir, c, &cause) != 0) {
		cli_err("cert", "%s", cause_text(cause));
		free(cause);
		cert_cleanup(c);
		return (-1);
	}
	return (1);
}

/*
 * Records the skip in the status file of each certificate the command
 * line selects: j->holder's run does the work.
 */
static void
cert_skipped(const struct config *cfg, int argc, char **argv,
    const char *state_dir, const struct dblock_job *j)
{
	struct cert	 c;
	char		*cause = NULL;
	size_t		 i, n = config_count(cfg, "cert");

	/* A host that only ever skipped has not made the folder. */
	if (fs_mkdirs(state_dir, 0700, 0, &cause) != 0) {
		cli_err("cert", "warning: %s: no status file written",
		    cause_text(cause));
		free(cause);
		return;
	}
	for (i = 0; i < n; i++)
		if (cert_take(cfg, i, argc, argv, state_dir, &c) == 1) {
			cert_status_skipped(&c, j->holder, clock_now());
			cert_cleanup(&c);
		}
}

/*
 * [acme] store = database, after c's renewal (or none due): its row is
 * sealed again with the first store key when an older one opens it
 * (cert_store_reseal; a renewal that stored a new row sealed it with the
 * first already). One line when it did. A row no key opens fails the run
 * (1, said on stderr); a database that cannot be reached only warns, so
 * a run with nothing due does not fail for a step the next run retries.
 */
static int
cert_renew_reseal(struct cert_run *run, const struct cert *c)
{
	struct cert_reseal	 rs;
	char			*cause = NULL;
	int			 rc = 0, r;

	memset(&rs, 0, sizeof(rs));
	if (run->store == NULL && (run->store = cert_store_open(run->cfg, 1,
	    &cause)) == NULL) {
		cli_err("cert", "%s: %s", c->name, cause_text(cause));
		free(cause);
		return (1);
	}
	if ((r = cert_store_reseal(run->store, c->name, 0, &rs,
	    &cause)) == -2) {
		cli_err("cert", "%s: %s", c->name, cause_text(cause));
		rc = 1;
	} else if (r != 0)
		cli_err("cert", "warning: %s: not resealed: %s; the next run "
		    "tries again", c->name, cause_text(cause));
	else if (rs.n[CERT_RESEAL_RESEALED] > 0)
		printf("%s: resealed in the database with key 1 of store_key "
		    "(id %s); it opened with key %zu (id %s)\n", c->name,
		    run->store->ids[0], rs.rows[0].key_index + 1,
		    run->store->ids[rs.rows[0].key_index]);
	fflush(stdout);
	free(cause);
	cert_reseal_cleanup(&rs);
	return (rc);
}

/* `cert renew`. */
static int
cert_renew(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force",		no_argument,		NULL, 'f' },
		{ "dry-run",		no_argument,		NULL, 'n' },
		{ "same-ca",		no_argument,		NULL, 's' },
		{ "random-delay",	required_argument,	NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct cert_outcome	 o;
	struct cert_run		 run;
	struct cert		 c;
	char			*end;
	long long		 delay;
	size_t			 i, n;
	struct dblock_job	 job;
	int			 ch, fd, failed = 0, same_ca = 0, once, take;

	memset(&job, 0, sizeof(job));
	cert_run_init(&run, cli->cfg);
	delay = config_int(cli->cfg, "acme", "renew_random_delay");
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			run.force = 1;
			break;
		case 'n':
			run.dry_run = 1;
			break;
		case 's':
			same_ca = 1;
			break;
		case 'r':
			errno = 0;
			delay = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || delay < 0 ||
			    delay > 86400) {
				cli_err("cert", "--random-delay: want 0..86400 "
				    "seconds, not '%s'", optarg);
				return (2);
			}
			break;
		default:
			cli_err("cert", "unknown option '%s'; usage: bootstack "
			    "cert renew [--force] [--dry-run [--same-ca]] "
			    "[--random-delay SECONDS] [NAME...]",
			    argv[optind - 1]);
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (same_ca && !run.dry_run) {
		cli_err("cert", "--same-ca goes with --dry-run");
		return (2);
	}
	if (cert_check_names(cli->cfg, argc, argv) != 0)
		return (1);
	if (run.dry_run && !same_ca)
		run.directory_url = config_str(cli->cfg, "acme",
		    "staging_directory");
	if ((n = config_count(cli->cfg, "cert")) == 0) {
		printf("no [cert NAME] section in %s: nothing to do\n",
		    config_path(cli->cfg));
		return (0);
	}
	if (delay > 0 && !run.dry_run) {
		unsigned long	 s = cert_random((unsigned long)delay);

		log_info("cert: sleeping %lu s (random delay)", s);
		sleep((unsigned int)s);
	}
	fd = -1;
	if (!run.dry_run &&
	    (once = cli_job_once("cert", cli->cfg, "cert renew", &job)) != 0) {
		if (once == 1)	/* another host's run does it: on record */
			cert_skipped(cli->cfg, argc, argv, run.state_dir, &job);
		dblock_job_end(&job);
		cert_run_cleanup(&run);
		return (once == 1 ? 0 : 1);
	}
	if (!run.dry_run && (fd = cert_lock(run.state_dir)) < 0) {
		dblock_job_end(&job);
		cert_run_cleanup(&run);
		return (fd == -2 ? CERT_EX_LOCKED : 1);
	}
	if (job.held) {		/* [database] job_lock = database */
		run.check = cli_job_check;
		run.check_arg = &job;
	}
	if (run.dry_run)
		printf("dry run: test orders at %s (%s); nothing is installed\n",
		    run.directory_url, same_ca ? "the same CA, --same-ca" :
		    "[acme] staging_directory");
	for (i = 0; i < n; i++) {
		if ((take = cert_take(cli->cfg, i, argc, argv, run.state_dir,
		    &c)) != 1) {
			failed |= take == -1;
			continue;
		}
		cert_renew_one(&run, &c, &o);
		failed |= cert_print(&c, &o);
		if (!run.dry_run && o.result != CERT_FAILED &&
		    cert_store_enabled(cli->cfg))
			failed |= cert_renew_reseal(&run, &c);
		cert_outcome_cleanup(&o);
		cert_cleanup(&c);
		/* A lost lock stays lost: the next ones are another run's. */
		if (job.db != NULL && !job.held) {
			cli_err("cert", "the job's lock is lost: the other "
			    "certificates are left to the next run");
			failed = 1;
			break;
		}
	}
	cert_run_cleanup(&run);
	if (fd != -1)
		close(fd);
	dblock_job_end(&job);
	return (failed);
}

/* Ends a sync line, saying when an older store key opened the row. */
static void
cert_sync_print_key(const struct cert_store *store,
    const struct cert_sync_outcome *o)
{
	if (o->key_index > 0)
		printf("; sealed with an older store_key (key %zu, id %s): "
		    "cert reseal, or the next cert renew, seals it with key "
		    "1", o->key_index + 1, store->ids[o->key_index]);
	printf("\n");
}

/*
 * `cert sync`: installs each certificate's stored version ([acme] store =
 * database) where the files differ; one line per certificate.
 */
static int
cert_sync(struct cli *cli, int argc, char **argv)
{
	struct cert_sync_outcome o;
	struct cert_store	*store;
	struct cert		 c;
	const char		*state_dir;
	char			*cause = NULL, b1[CLOCK_RFC3339_LEN];
	size_t			 i, n;
	int			 fd, failed = 0, take;

	if (argc > 1 && argv[1][0] == '-') {
		cli_err("cert", "unknown option '%s'; usage: bootstack cert "
		    "sync [NAME...]", argv[1]);
		return (2);
	}
	argc--;
	argv++;
	if (!cert_store_enabled(cli->cfg)) {
		cli_err("cert", "sync installs certificates from the database: "
		    "set [acme] store = database (docs/scale-out.md)");
		return (1);
	}
	if (cert_check_names(cli->cfg, argc, argv) != 0)
		return (1);
	if ((n = config_count(cli->cfg, "cert")) == 0) {
		printf("no [cert NAME] section in %s: nothing to do\n",
		    config_path(cli->cfg));
		return (0);
	}
	if ((store = cert_store_open(cli->cfg, 1, &cause)) == NULL) {
		cli_err("cert", "%s", cause_text(cause));
		free(cause);
		return (1);
	}
	state_dir = config_str(cli->cfg, "acme", "state_dir");
	if ((fd = cert_lock(state_dir)) < 0) {
		cert_store_free(store);
		return (fd == -2 ? CERT_EX_LOCKED : 1);
	}
	for (i = 0; i < n; i++) {
		if ((take = cert_take(cli->cfg, i, argc, argv, state_dir,
		    &c)) != 1) {
			failed |= take == -1;
			continue;
		}
		cert_sync_one(store, &c, &o);
		switch (o.result) {
		case CERT_SYNC_NONE:
			printf("%s: nothing in the database yet\n", c.name);
			break;
		case CERT_SYNC_SAME:
			printf("%s: up to date: serial %s, expires %s%s",
			    c.name, o.serial, clock_rfc3339_fmt(o.not_after,
			    b1, sizeof(b1)), o.reloaded ? "; reloaded (owed "
			    "by an earlier run)" : "");
			cert_sync_print_key(store, &o);
			break;
		case CERT_SYNC_INSTALLED:
			printf("%s: installed: serial %s, expires %s; %zu "
			    "files written, reloaded", c.name, o.serial,
			    clock_rfc3339_fmt(o.not_after, b1, sizeof(b1)),
			    o.written);
			cert_sync_print_key(store, &o);
			break;
		case CERT_SYNC_FAILED:
			cli_err("cert", "%s: %s", c.name, o.error);
			failed = 1;
			break;
		}
		fflush(stdout);
		cert_sync_outcome_cleanup(&o);
		cert_cleanup(&c);
	}
	close(fd);
	cert_store_free(store);
	return (failed);
}

/*
 * `cert reseal [--dry-run]`: every stored row that an older [acme]
 * store_key opens is sealed again with the first, in one transaction;
 * a row no key opens stops it all. One line per row, then a summary.
 */
static int
cert_reseal_cmd(struct cli *cli, int argc, char **argv)
{
	static const char *const what[] = { "current", "resealed",
	    "changed meanwhile", "refused" };
	struct cert_reseal	 rs;
	struct cert_reseal_row	*r;
	struct cert_store	*store;
	char			*cause = NULL;
	size_t			 i;
	int			 dry = 0, rc;

	if (argc == 2 && strcmp(argv[1], "--dry-run") == 0)
		dry = 1;
	else if (argc != 1) {
		cli_err("cert", "usage: bootstack cert reseal [--dry-run]");
		return (2);
	}
	if (!cert_store_enabled(cli->cfg)) {
		cli_err("cert", "reseal works on the certificates in the "
		    "database: set [acme] store = database (docs/scale-out.md)");
		return (1);
	}
	if ((store = cert_store_open(cli->cfg, 1, &cause)) == NULL) {
		cli_err("cert", "%s", cause_text(cause));
		free(cause);
		return (1);
	}
	printf("store_key: %zu key%s: key 1 (id %s) seals", store->nkeys,
	    store->nkeys == 1 ? "" : "s", store->ids[0]);
	for (i = 1; i < store->nkeys; i++)
		printf("%s key %zu (id %s)", i == 1 ? "; opening only:" : ",",
		    i + 1, store->ids[i]);
	printf("\n");
	rc = cert_store_reseal(store, NULL, dry, &rs, &cause) != 0;
	for (i = 0; i < rs.nrows; i++) {
		r = &rs.rows[i];
		switch (r->state) {
		case CERT_RESEAL_CURRENT:
			printf("%s: current: sealed with key 1\n", r->name);
			break;
		case CERT_RESEAL_RESEALED:
			if (rc == 0)
				printf("%s: %s: opened with key %zu (id %s), "
				    "sealed with key 1 (id %s)\n", r->name,
				    dry ? "would reseal" : "resealed",
				    r->key_index + 1, store->ids[r->key_index],
				    store->ids[0]);
			break;
		case CERT_RESEAL_CHANGED:
			printf("%s: changed meanwhile (a renewal stored a new "
			    "row): left as it is\n", r->name);
			break;
		case CERT_RESEAL_REFUSED:
			cli_err("cert", "%s: opens with none of the %zu keys",
			    r->name, store->nkeys);
			break;
		}
	}
	if (rc != 0)
		cli_err("cert", "reseal: %s", cause_text(cause));
	else
		printf("%zu rows: %zu %s, %zu %s, %zu %s%s\n", rs.nrows,
		    rs.n[CERT_RESEAL_RESEALED], dry ? "would be resealed" :
		    what[CERT_RESEAL_RESEALED], rs.n[CERT_RESEAL_CURRENT],
		    what[CERT_RESEAL_CURRENT], rs.n[CERT_RESEAL_CHANGED],
		    what[CERT_RESEAL_CHANGED], dry ? "; dry run: nothing "
		    "written" : "");
	free(cause);
	cert_reseal_cleanup(&rs);
	cert_store_free(store);
	return (rc);
}

/* `cert status`: one line per certificate. */
static int
cert_status(struct cli *cli, int argc, char **argv)
{
	struct crypto_cert	 cur;
	struct cert_last	 last;
	struct cert_served	 live;
	struct cert		 c;
	const char		*state_dir, *served;
	char			*cause = NULL, *lockpath, b1[CLOCK_RFC3339_LEN];
	char			 days[32];
	char			 b2[CLOCK_RFC3339_LEN], res[256];
	size_t			 i, j, n;
	time_t			 now = clock_now(), next;
	int			 have, revoked, failed = 0, lockfd, take;

	if (argc > 1 && argv[1][0] == '-') {
		cli_err("cert", "unknown option '%s'; usage: bootstack cert "
		    "status [NAME...]", argv[1]);
		return (2);
	}
	if (cert_check_names(cli->cfg, argc - 1, argv + 1) != 0)
		return (1);
	state_dir = config_str(cli->cfg, "acme", "state_dir");
	n = config_count(cli->cfg, "cert");
	if (n == 0) {
		printf("no [cert NAME] section in %s\n", config_path(cli->cfg));
		return (0);
	}
	lockpath = xprintf("%s/renew.lock", state_dir);
	printf("%-16s %-20s %5s %-20s %-30s %-11s %s\n", "NAME", "NOT-AFTER",
	    "DAYS", "NEXT-RENEWAL", "LAST-RESULT", "SERVED", "NAMES");
	for (i = 0; i < n; i++) {
		if ((take = cert_take(cli->cfg, i, argc - 1, argv + 1,
		    state_dir, &c)) != 1) {
			failed |= take == -1;
			continue;
		}
		have = crypto_cert_load(c.fullchain_file, &cur, &cause) == 0;
		cause_clear(&cause);
		cert_last_read(&c, &last);
		revoked = have && cur.serial != NULL &&
		    strcmp(last.revoked_serial, cur.serial) == 0;
		/* What the endpoint serves now: one look, no waiting. */
		memset(&live, 0, sizeof(live));
		if (have) {
			cert_served_check(&c, cur.serial, 0, &live);
			/*
			 * Recorded in the status file, unless a renew run
			 * holds the lock (it writes the file itself) or the
			 * state folder is not ours to write. The lock is
			 * held for the write only: a renew starting now
			 * must not find it taken.
			 */
			if (access(state_dir, W_OK) == 0 &&
			    (lockfd = fs_lock(lockpath, 0, &cause)) != -1) {
				cert_served_record(&c, &live);
				close(lockfd);
			}
			cause_clear(&cause);
		}
		served = live.state == CERT_SERVED_MATCH ? "yes" :
		    live.state == CERT_SERVED_MISMATCH ? "NO" :
		    live.state == CERT_SERVED_UNREACHABLE ? "unreachable" :
		    "-";
		if (!revoked && live.state == CERT_SERVED_MISMATCH)
			(void)snprintf(res, sizeof(res), "installed, not served "
			    "(nginx serves %s)", live.serial[0] != '\0' ?
			    live.serial : "another certificate");
		else
			(void)snprintf(res, sizeof(res), "%s%s%s%s%s",
			    revoked ? "revoked: " : "", revoked ?
			    last.revoked_reason : last.reload_pending ?
			    "installed, not served" : last.result[0] != '\0' ?
			    last.result : "never", last.when[0] != '\0' ?
			    " (" : "", last.when, last.when[0] != '\0' ?
			    ")" : "");
		/* The date the renew run uses: ARI pick, rate limit. */
		next = cert_next_renewal(&c, have ? &cur : NULL);
		if (have)
			(void)snprintf(days, sizeof(days), "%lld",
			    (long long)((cur.not_after - now) / 86400));
		else
			(void)snprintf(days, sizeof(days), "-");
		printf("%-16s %-20s %5s %-20s %-30s %-11s ", c.name,
		    have ? clock_rfc3339_fmt(cur.not_after, b1, sizeof(b1)) :
		    "missing", days, next <= now ? "due now" :
		    clock_rfc3339_fmt(next, b2, sizeof(b2)), res, served);
		for (j = 0; j < c.nnames; j++)
			printf("%s%s", j > 0 ? "," : "", c.names[j]);
		printf("\n");
		if (live.state == CERT_SERVED_UNREACHABLE)
			printf("%-16s cannot check what %s serves: %s\n", "",
			    c.check_endpoint, live.error);
		crypto_cert_cleanup(&cur);
		cert_cleanup(&c);
	}
	free(lockpath);
	return (failed);
}

/*
 * `cert revoke NAME [--reason REASON] [--cert-key]`: revokes the installed
 * certificate, signed by the account or by the certificate's own key.
 */
static int
cert_revoke_cmd(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason",	required_argument,	NULL, 'r' },
		{ "cert-key",	no_argument,		NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct cert_run	 run;
	struct cert	 c;
	const char	*reason = NULL;
	char		*cause = NULL;
	size_t		 i, n;
	int		 ch, cert_key = 0, rc = 1;

	/*
	 * No "+": the options may follow NAME (GNU getopt permutes); optind
	 * 0 makes glibc read the ordering again after main's "+" scan.
	 */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		case 'k':
			cert_key = 1;
			break;
		default:
			cli_err("cert", "usage: bootstack cert revoke NAME "
			    "[--reason REASON] [--cert-key]");
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || argv[0][0] == '-') {
		cli_err("cert", "usage: bootstack cert revoke NAME "
		    "[--reason REASON] [--cert-key]");
		return (2);
	}
	if (cert_check_names(cli->cfg, 1, argv) != 0)
		return (1);
	cert_run_init(&run, cli->cfg);
	memset(&c, 0, sizeof(c));
	n = config_count(cli->cfg, "cert");
	for (i = 0; i < n; i++)
		if (strcmp(config_iname(cli->cfg, "cert", i), argv[0]) == 0)
			break;
	if (cert_load(cli->cfg, i, run.state_dir, &c, &cause) != 0 ||
	    cert_revoke(&run, &c, reason, cert_key, &cause) != 0) {
		cli_err("cert", "%s: %s", argv[0], cause != NULL ? cause :
		    "revocation failed");
		goto out;
	}
	printf("%s: revoked %s (%s, signed with the %s key); the next cert "
	    "renew replaces it\n", argv[0], c.cert_file, reason != NULL ?
	    reason : "unspecified", cert_key ? "certificate" : "account");
	rc = 0;
out:
	free(cause);
	cert_cleanup(&c);
	cert_run_cleanup(&run);
	return (rc);
}

/* Prints an account object as the CA has it. */
static void
cert_account_print(const struct cert_run *run,
    const struct acme_account_info *info)
{
	char	*tp, *why = NULL;
	size_t	 i;

	tp = crypto_jwk_thumbprint(run->account_key, &why);
	printf("account:    %s\n", acme_account_url(run->acme));
	printf("directory:  %s\n", run->directory_url);
	printf("status:     %s\n", info->status);
	printf("contact:    ");
	for (i = 0; i < info->ncontact; i++)
		printf("%s%s", i > 0 ? ", " : "", info->contact[i]);
	printf("%s\n", info->ncontact == 0 ? "none" : "");
	printf("key:        %s (%s, thumbprint %s)\n", run->account_key_file,
	    crypto_jws_alg(run->account_key), tp != NULL ? tp : "?");
	if (info->orders != NULL)
		printf("orders:     %s\n", info->orders);
	free(tp);
	free(why);
}

#define CERT_ACCOUNT_USAGE "usage: bootstack cert account show | " \
	"update --contact EMAIL... | update --no-contact | deactivate --yes " \
	"| rollover"

/*
 * `cert account show | update --contact EMAIL... | deactivate --yes |
 * rollover` (RFC 8555 7.3.2, 7.3.6, 7.3.5), against [acme] directory_url
 * with [acme] account_key. None of them creates an account.
 */
static int
cert_account_cmd(struct cli *cli, int argc, char **argv)
{
	struct acme_account_info	 info;
	struct cert_run			 run;
	const char			*email, *contacts[8];
	char				*cause = NULL;
	size_t				 n = 0;
	int				 i, rc = 1;

	memset(&info, 0, sizeof(info));
	if (argc < 2) {
		cli_err("cert", CERT_ACCOUNT_USAGE);
		return (2);
	}
	cert_run_init(&run, cli->cfg);
	if (strcmp(argv[1], "show") == 0 && argc == 2) {
		if (cert_account_show(&run, &info, &cause) != 0)
			goto fail;
		cert_account_print(&run, &info);
	} else if (strcmp(argv[1], "update") == 0) {
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--contact") == 0 && i + 1 < argc &&
			    n < 8)
				contacts[n++] = argv[++i];
			else if (strncmp(argv[i], "--contact=", 10) == 0 &&
			    n < 8)
				contacts[n++] = argv[i] + 10;
			else if (strcmp(argv[i], "--no-contact") == 0)
				continue;
			else {
				cli_err("cert", "account update: '%s': want "
				    "--contact EMAIL (up to 8), or "
				    "--no-contact", argv[i]);
				goto out2;
			}
		}
		if (n == 0 && (argc != 3 || strcmp(argv[2], "--no-contact")
		    != 0)) {
			cli_err("cert", "account update: give --contact "
			    "EMAIL (repeatable), or --no-contact");
			goto out2;
		}
		if (cert_account_contact(&run, contacts, n, &info,
		    &cause) != 0)
			goto fail;
		cert_account_print(&run, &info);
		email = config_str(cli->cfg, "acme", "email");
		if (email != NULL && *email != '\0')
			fprintf(stderr, "bootstack cert: note: [acme] email = "
			    "%s in %s: these contacts stand until it changes "
			    "(then the CA is told the new one)\n", email,
			    config_path(cli->cfg));
	} else if (strcmp(argv[1], "deactivate") == 0) {
		if (argc != 3 || strcmp(argv[2], "--yes") != 0) {
			cli_err("cert", "account deactivate cannot be undone: "
			    "the CA refuses every later request of the "
			    "account; add --yes");
			goto out2;
		}
		if (cert_account_deactivate(&run, &cause) != 0)
			goto fail;
		printf("account %s: deactivated; a new account needs a new "
		    "key: move %s aside\n", acme_account_url(run.acme),
		    run.account_key_file);
	} else if (strcmp(argv[1], "rollover") == 0 && argc == 2) {
		if (cert_account_rollover(&run, &cause) != 0)
			goto fail;
		printf("account %s: rolled over to a new key in %s\n",
		    acme_account_url(run.acme), run.account_key_file);
	} else {
		cli_err("cert", CERT_ACCOUNT_USAGE);
		goto out2;
	}
	rc = 0;
	goto out;
fail:
	cli_err("cert", "account %s: %s", argv[1], cause_text(cause));
	goto out;
out2:
	rc = 2;
out:
	free(cause);
	acme_account_info_cleanup(&info);
	cert_run_cleanup(&run);
	return (rc);
}

/* Dispatches `cert SUBCOMMAND`. */
static int
cli_cert_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		cli_err("cert", "usage: bootstack %s", cli_cmd_cert.usage);
		return (2);
	}
	if (strcmp(argv[1], "renew") == 0)
		return (cert_renew(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "sync") == 0)
		return (cert_sync(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "reseal") == 0)
		return (cert_reseal_cmd(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "status") == 0)
		return (cert_status(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "revoke") == 0)
		return (cert_revoke_cmd(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "account") == 0)
		return (cert_account_cmd(cli, argc - 1, argv + 1));
	cli_err("cert", "unknown sub-command '%s'; usage: bootstack %s",
	    argv[1], cli_cmd_cert.usage);
	return (2);
}
