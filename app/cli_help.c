/*
 * cli_help.c: the help of every sub-command of `bootstack`, in one table,
 * and the three ways it is printed: `bootstack COMMAND --help` (one entry:
 * synopsis, what it does, each option with the format of its argument, the
 * exit status, an example), `bootstack --help` (a table of the entries) and
 * `bootstack help --man`, the COMMANDS section of bootstack(1), which make
 * pastes into man/bootstack.1.in (as bootstack.conf(5) is made from
 * `check-config --keys`), so the manual and the help cannot disagree.
 *
 * An entry is named by the words typed ("cert renew"); `bootstack cert
 * renew --force --help` finds it by the longest run of leading words that
 * names one. A group word alone ("bootstack key --help") lists its entries.
 *
 * Caveat: the option parsing itself lives in each app/cli_<group>.c; a new
 * option needs a line here too (tests/e2e/097-help.sh checks that every
 * option of a synopsis is explained, and that the manual says the same).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_HELP_WIDTH	79	/* columns of --help output */
#define CLI_HELP_COL	26	/* where option texts start */

/* The formats arguments take, said the same way in every entry. */
#define F_DURATION	"a duration: a number with a unit, s, m, h, d or w, " \
			"several added up (90s, 15m, 2h, 1d, 1h30m)"
#define F_SECONDS	"a whole number of seconds (3600)"
#define F_ONCE	" With [database] job_lock = database it runs once per " \
	"deployment: a run that finds another one holding the job's lock " \
	"in the database does nothing, names it and exits 0."
#define F_NAME		"the NAME of a [cert NAME] section"

static const char *const cli_help_exit =
    "0 done, or nothing to do; 1 failed (one line on stderr per error); "
    "2 bad usage";

const struct cli_help cli_helps[] = {
	{ "check-config", "check-config [--dump | --keys]",
	  "validate the configuration, listing every error",
	  "Load the configuration file, the BOOTSTACK_* environment and the "
	  "secret files as every command does, then run on the values every "
	  "check the commands run later (listen addresses, paths, URLs, host "
	  "names, each [cert NAME], [alert NAME] and [dns_record NAME]). "
	  "Prints \"FILE: ok\", or every error, one line each in the order of "
	  "the file, as FILE:LINE: [section] key: what is wrong, what is "
	  "allowed, then their count. Reads only; connects to nothing but "
	  "the database, once it is valid, to warn (on stderr; the exit "
	  "status stays 0) when [database] user is a superuser or owns the "
	  "tables: the API's role should hold rows only.",
	  { { "--dump", "also print every value in effect, as INI, secrets "
	      "as (secret)" },
	    { "--keys", "print the key table instead: section, key, type, "
	      "default and help, tab-separated (bootstack.conf(5) is made "
	      "from it)" } },
	  "1 when the file has an error", "bootstack check-config" },

	{ "migrate", "migrate",
	  "apply the pending database migrations",
	  "Apply the pending NNNN_name.sql files of [database] migrations_dir "
	  "in order, each in its own transaction, printing \"applied FILE\" "
	  "for each, or \"nothing to apply\". Migrations run forward only: a "
	  "file that was applied and then changed or removed makes it refuse "
	  "to run anything. Concurrent runs wait for each other. Idempotent. "
	  "It logs in as [database] owner (unset: user) and, after each run, "
	  "grants [database] user SELECT, INSERT, UPDATE and DELETE on every "
	  "table but schema_migrations and USAGE on their sequences, creating "
	  "that role if it does not exist.",
	  { { NULL, NULL } },
	  "1 when a migration failed (it is rolled back) or an applied file "
	  "changed", "bootstack migrate" },

	{ "migrate status", "migrate status",
	  "list every migration and whether it is applied",
	  "List every migration file and recorded version with its state "
	  "(when it was applied, pending, renamed, changed), as [database] "
	  "owner. Changes nothing.",
	  { { NULL, NULL } },
	  "1 when the database cannot be reached", "bootstack migrate status" },

	{ "tenant create", "tenant create NAME",
	  "make a tenant and print its id",
	  "Make a tenant called NAME (1 to 100 characters, no control "
	  "characters) and print its id. A name that exists already is an "
	  "error.",
	  { { NULL, NULL } },
	  "1 when the name is taken or the database fails",
	  "bootstack tenant create acme" },

	{ "tenant list", "tenant list",
	  "list the tenants with their number of active keys",
	  "Print one line per tenant: id, name and how many of its keys are "
	  "active.",
	  { { NULL, NULL } }, NULL, "bootstack tenant list" },

	{ "key create",
	  "key create --tenant T --scope read|write [--scope ...] "
	  "[--name LABEL]",
	  "make an API key for a tenant (printed once)",
	  "Make an API key for tenant T and print it once, alone on its line: "
	  "only its prefix and the SHA-256 of its secret are stored, so it "
	  "cannot be shown again.",
	  { { "--tenant T", "the tenant: its id or its name" },
	    { "--scope read|write", "what the key may do; write implies read; "
	      "may be given twice" },
	    { "--name LABEL", "a label shown by key list (who the key is "
	      "for)" } },
	  "1 when the tenant does not exist",
	  "bootstack key create --tenant acme --scope write --name ci" },

	{ "key list", "key list [--tenant T]",
	  "list the keys, never their secrets",
	  "Print one line per key: id, tenant, prefix, scopes, label, "
	  "creation, last use and state (active or revoked).",
	  { { "--tenant T", "only the keys of this tenant (id or name)" } },
	  NULL, "bootstack key list --tenant acme" },

	{ "key revoke", "key revoke ID",
	  "revoke a key",
	  "Revoke the key with this ID (from key list). Running daemons "
	  "refuse it within 5 seconds.",
	  { { NULL, NULL } }, "1 when there is no such key",
	  "bootstack key revoke 42" },

	{ "nginx render", "nginx render [--output DIR] [--check] [--reload]",
	  "write nginx's configuration for [site] and [nginx]",
	  "Fill the templates for [site] and [nginx] into [nginx] conf_dir, "
	  "each file atomically, unchanged files untouched; also make the "
	  "folders the files name and an empty htpasswd file. Idempotent.",
	  { { "--output DIR", "write into DIR (an absolute path) instead of "
	      "[nginx] conf_dir, to read the files" },
	    { "--check", "then run [nginx] test_command, and put the previous "
	      "files back if it fails" },
	    { "--reload", "check, then run [nginx] reload_command" } },
	  "1 when a value is refused or nginx refuses the result (the "
	  "previous files are back)",
	  "bootstack nginx render --reload" },

	{ "nginx password", "nginx password [--user NAME] [--generate]",
	  "set the password of a user of /ops/",
	  "Set the password of a user of the /ops/ dashboard in [nginx] "
	  "htpasswd_file (mode 0640, group [nginx] group), read from "
	  "standard input without echo: at least 12 characters.",
	  { { "--user NAME", "the user: letters, digits, '.', '_' or '-' "
	      "(default ops)" },
	    { "--generate", "make up a password and print it once" } },
	  NULL, "bootstack nginx password --user alice --generate" },

	{ "nginx names", "nginx names",
	  "print the host names of [site], one per line",
	  "Print the host names [site] declares, one per line: what nginx "
	  "serves and what the certificate must cover.",
	  { { NULL, NULL } }, "1 when [site] domain is unset or a name is bad",
	  "bootstack nginx names" },

	{ "cert renew",
	  "cert renew [--force] [--dry-run [--same-ca]] [--random-delay SECONDS] "
	  "[NAME...]",
	  "renew the certificates that are due (ACME)",
	  "Renew the [cert NAME] certificates (all, or the NAMEs given) that "
	  "are due: files missing, names changed, the CA's ARI window, else a "
	  "third of the lifetime left. Each is ordered through ACME, "
	  "installed atomically keeping FILE.prev, tested and reloaded; the "
	  "previous files come back if the test fails. After the reload, "
	  "and on a run with nothing due, a TLS handshake with [cert NAME] "
	  "check_endpoint checks that the installed serial is the one "
	  "served; another one fails the run and the next run reloads "
	  "again. Each run writes <state_dir>/NAME.status.json for alert "
	  "check. Idempotent: a certificate that is not due is left alone. "
	  "With [acme] store = database the HTTP-01 challenges are rows every "
	  "front end answers through the API, and the new certificate is "
	  "also stored in the database (its key sealed with the first key "
	  "of [acme] store_key) for cert sync; a stored row an older key "
	  "of the list opens is sealed again with the first (cert reseal)."
	  F_ONCE,
	  { { "--force", "renew even when not due" },
	    { "--dry-run", "place a real test order for each certificate, due "
	      "or not, at [acme] staging_directory (Let's Encrypt staging by "
	      "default): validate, finalize, download, check; install, "
	      "reload and record nothing" },
	    { "--same-ca", "with --dry-run: order at [acme] directory_url "
	      "instead (counts against its rate limits)" },
	    { "--random-delay SECONDS", "first sleep a random time up to "
	      F_SECONDS ", so that cron jobs do not all ask the CA at once" },
	    { "NAME...", F_NAME "; default every one" } },
	  "1 when a certificate failed; 75 another run holds the lock",
	  "bootstack cert renew --random-delay 3600" },

	{ "cert sync", "cert sync [NAME...]",
	  "install the stored certificates on this front end",
	  "With [acme] store = database (several front ends): install the "
	  "certificate cert renew last stored in the database for each "
	  "[cert NAME] (all, or the NAMEs given), its key unsealed with "
	  "any key of [acme] store_key and checked against the chain and "
	  "names. Files that already hold it are left alone and nginx is "
	  "not reloaded; else they are installed atomically keeping FILE.prev, tested "
	  "(the previous files come back if the test fails) and reloaded, "
	  "and the status file says so. A key list that does not open the "
	  "row writes nothing (the error names the keys tried by id). Run it "
	  "from bootstack-cert-sync.timer or cron on every front end.",
	  { { "NAME...", F_NAME "; default every one" } },
	  "1 when a certificate failed, a wrong store_key too; 75 "
	  "another run holds the lock",
	  "bootstack cert sync" },

	{ "cert reseal", "cert reseal [--dry-run]",
	  "seal the stored certificate keys with the first store_key",
	  "With [acme] store = database, after a rotation of [acme] store_key "
	  "(a list, the sealing key first, older ones after it): every row "
	  "of the database's certificates that an older key opens is sealed "
	  "again with the first, in one transaction, each row written only "
	  "over the value it read (a row a renewal replaced meanwhile is "
	  "left). A row no key of the list opens writes nothing at all. "
	  "Keys are named by position and id (the first 8 hex digits of "
	  "their SHA-256), never shown. cert renew reseals its certificates' "
	  "rows the same way. Rotating: put the new key first on every "
	  "host (the old one after it), reseal, and once a reseal exited 0 "
	  "drop the old key from every list (docs/scale-out.md).",
	  { { "--dry-run", "say what would be resealed; write nothing" } },
	  "1 when a row opens with none of the keys, or the database fails",
	  "bootstack cert reseal --dry-run" },

	{ "cert status", "cert status [NAME...]",
	  "show each certificate's expiry, next renewal, last result, "
	  "what is served",
	  "Print each certificate's names, expiry, when it will be renewed, "
	  "the result of the last run, and whether check_endpoint serves the "
	  "installed certificate (SERVED: yes, NO, unreachable, -; on NO the "
	  "result reads \"installed, not served (nginx serves SERIAL)\"). "
	  "Changes nothing but the served_* fields of the status files.",
	  { { "NAME...", F_NAME "; default every one" } },
	  NULL, "bootstack cert status" },

	{ "cert revoke", "cert revoke NAME [--reason REASON] [--cert-key]",
	  "revoke the installed certificate of [cert NAME]",
	  "Ask the CA to revoke the certificate installed for [cert NAME] "
	  "(RFC 8555 7.6). The files stay; the status file records the "
	  "revocation, cert status shows it, and the next cert renew replaces "
	  "the certificate.",
	  { { "NAME", F_NAME },
	    { "--reason REASON", "the RFC 5280 reason: unspecified (the "
	      "default), keyCompromise, affiliationChanged, superseded, "
	      "cessationOfOperation" },
	    { "--cert-key", "sign with the certificate's own key (key_file) "
	      "instead of the account key: when the account is lost or the "
	      "key is compromised" } },
	  "1 when the CA refuses",
	  "bootstack cert revoke site --reason superseded" },

	{ "cert account",
	  "cert account show | update --contact EMAIL... | update "
	  "--no-contact | deactivate --yes | rollover",
	  "show or manage the ACME account of [acme] account_key",
	  "Work on the ACME account of [acme] account_key at [acme] "
	  "directory_url (RFC 8555 7.3); none of these creates an account. "
	  "show prints the account as the CA has it: URL, status, contacts, "
	  "key. update replaces the contacts (7.3.2); they stand until "
	  "[acme] email changes, which cert renew then tells the CA. "
	  "deactivate ends the account for good (7.3.6): the CA refuses "
	  "every later request of it. rollover moves the account to a new "
	  "key of [acme] key_type (7.3.5), written over the key file (KEY.next "
	  "meanwhile; a rollover cut short is finished by the next one); the "
	  "CA refuses the old key afterwards. The account URL is cached "
	  "beside the key (KEY.json).",
	  { { "--contact EMAIL...", "an email address (mailto: optional); "
	      "repeat for several, at most 8" },
	    { "--no-contact", "remove every contact" },
	    { "--yes", "deactivate: yes, for good" } },
	  "1 when the CA refuses or cannot be reached",
	  "bootstack cert account update --contact ops@example.com" },

	{ "dns sync", "dns sync [--dry-run] [--no-wait]",
	  "make the DNS zone hold the declared records",
	  "Make the zone hold the records the configuration declares ([dns] "
	  "hosts, ipv4, ipv6 and the [dns_record NAME] sections), changing "
	  "nothing else, after keeping a snapshot of the zone; then wait until "
	  "every authoritative nameserver serves the change (at most [dns] "
	  "propagation_timeout). Idempotent." F_ONCE,
	  { { "--dry-run", "print the difference only" },
	    { "--no-wait", "do not wait for the nameservers" } },
	  "1 when the provider refuses or the change is not seen in time",
	  "bootstack dns sync --dry-run" },

	{ "dns show", "dns show",
	  "print the zone as the provider has it",
	  "Print every record of the zone at the provider, one per line: "
	  "name, type, value.",
	  { { NULL, NULL } }, NULL, "bootstack dns show" },

	{ "dns snapshots", "dns snapshots",
	  "list the zone's snapshots, newest first",
	  "List the snapshot files of [dns] snapshot_dir, newest first; each "
	  "sync and restore keeps one before it changes the zone.",
	  { { NULL, NULL } }, NULL, "bootstack dns snapshots" },

	{ "dns restore", "dns restore FILE [--dry-run] [--no-wait]",
	  "write a snapshot back into the zone",
	  "Make the zone hold what snapshot FILE holds (after snapshotting the "
	  "current zone, so a restore is undone the same way), then wait for "
	  "the nameservers.",
	  { { "FILE", "a snapshot, as dns snapshots lists them" },
	    { "--dry-run", "print the difference only" },
	    { "--no-wait", "do not wait for the nameservers" } },
	  NULL, "bootstack dns restore /var/lib/bootstack/dns/"
	  "example.com-20261201T120000Z.json --dry-run" },

	{ "report", "report [--rebuild] [--quiet] | report --live",
	  "count the new access-log lines into the /ops/ dashboard",
	  "Count the access-log lines added since the last run (and the API's "
	  "problem events) into the API overview, feed them to GoAccess, and "
	  "install the pages that changed in [report] output_dir (served at "
	  "/ops/: index.html, goaccess.html, hosts/NAME/). On a terminal it "
	  "shows its progress; otherwise it prints one summary line." F_ONCE,
	  { { "--rebuild", "forget the GoAccess databases and the overview "
	      "and read the logs on disk again" },
	    { "--quiet", "print nothing but errors" },
	    { "--live", "run GoAccess in real time (/ops/live.html, its "
	      "WebSocket on [report] live_port) until SIGTERM" } },
	  "1 failed; 75 another run holds the lock",
	  "bootstack report --quiet" },

	{ "alert check", "alert check [--dry-run]",
	  "evaluate the alert rules and notify (cron, every minute)",
	  "Evaluate every [alert NAME] rule, step its state (inactive, "
	  "pending, firing, resolved) and notify the channels (webhook, mail, "
	  "command); a failed delivery is retried by the next run.",
	  { { "--dry-run", "print what would be sent; save nothing" } },
	  "1 when a rule could not be evaluated or a delivery failed; 75 "
	  "another check holds the lock", "bootstack alert check --dry-run" },

	{ "alert status", "alert status",
	  "print every rule and its state from the last check",
	  "Print every rule with its state from the last check and its "
	  "silence, from [alerts] state_file. Changes nothing.",
	  { { NULL, NULL } }, NULL, "bootstack alert status" },

	{ "alert test", "alert test",
	  "send a test message through every channel",
	  "Send one test message through every configured channel and say "
	  "which ones took it.",
	  { { NULL, NULL } }, "1 when a channel failed", "bootstack alert test" },

	{ "alert prometheus", "alert prometheus",
	  "print a prometheus.yml for every host of [prometheus]",
	  "Print a Prometheus configuration that scrapes every API host "
	  "([prometheus] api_targets, job bootstack) and front end "
	  "(nginx_targets, job bootstack-nginx), loads the shipped rules "
	  "(rules_file) and sends alerts to the Alertmanagers: the path once "
	  "there is more than one host (`alert check` stays the one-box "
	  "answer).",
	  { { NULL, NULL } }, "1 when [prometheus] is incomplete or a target "
	  "is not HOST:PORT",
	  "bootstack alert prometheus > /etc/prometheus/prometheus.yml" },

	{ "alert silence",
	  "alert silence NAME --for DURATION [--comment TEXT] | alert silence "
	  "NAME --expire | alert silence [--list]",
	  "silence a rule for a while, end a silence, list them",
	  "Hold back the firing notices of rule NAME for a while (a resolved "
	  "notice is still sent to those who saw it firing), end its silence, "
	  "or list the silences.",
	  { { "--for DURATION", "how long, " F_DURATION },
	    { "--comment TEXT", "why, shown by alert status and --list" },
	    { "--expire", "end the silence of NAME now" },
	    { "--list", "list the silences (the default without NAME)" } },
	  "1 when there is no rule NAME",
	  "bootstack alert silence api_5xx --for 2h --comment \"deploy\"" },

	{ "backup", "backup [--to DIR]",
	  "write one archive of the database, the configuration and the state",
	  "Write one archive, DIR/bootstack-backup-YYYYMMDDTHHMMSSZ.tar.gz "
	  "(mode 0600: it holds the secrets), and print its path: a pg_dump "
	  "--format=custom of the database, the folder of the configuration "
	  "file (secret files included), [acme] state_dir (the account key, "
	  "the certificates, the orders), [dns] snapshot_dir and [alerts] "
	  "state_file, with a MANIFEST of where each came from and which "
	  "migrations were applied. Run it from cron and copy the archives "
	  "off the box (docs/backup.md).",
	  { { "--to DIR", "write into DIR (made 0700 if missing) instead of "
	      "[backup] dir" } },
	  "1 when the database cannot be dumped or a part read",
	  "bootstack backup --to /var/backups/bootstack" },

	{ "restore", "restore ARCHIVE",
	  "put a backup archive back on an empty box",
	  "Put ARCHIVE back: the configuration folder into the folder of the "
	  "configuration file (-c, --env or the default; a file it replaces "
	  "is kept as FILE.pre-restore), then the ACME state, the DNS "
	  "snapshots and the alert state where the restored configuration "
	  "says, then the database, with pg_restore, into the configured "
	  "database, which must exist and be empty; its migrations are then "
	  "checked against the installed ones. Stop the API and the jobs "
	  "first.",
	  { { "ARCHIVE", "a file bootstack backup wrote" } },
	  "1 when a part cannot be put back, the database is not empty, or "
	  "the backup has migrations this install does not",
	  "bootstack restore /root/bootstack-backup-20261201T030000Z.tar.gz" },

	{ NULL, NULL, NULL, NULL, { { NULL, NULL } }, NULL, NULL }
};

/*
 * Prints text wrapped at CLI_HELP_WIDTH, the cursor being at column at; the
 * lines after the first start at column col.
 */
static void
cli_help_wrap(FILE *f, const char *text, int col, int at)
{
	const char	*w;
	int		 len, first = 1;

	for (w = text; *w != '\0';) {
		while (*w == ' ')
			w++;
		len = (int)strcspn(w, " ");
		if (len == 0)
			break;
		if (!first && at + 1 + len > CLI_HELP_WIDTH) {
			fprintf(f, "\n%*s", col, "");
			at = col;
		} else if (!first) {
			fputc(' ', f);
			at++;
		}
		first = 0;
		fprintf(f, "%.*s", len, w);
		at += len;
		w += len;
	}
	fputc('\n', f);
}

/*
 * The exit status text of h: the common one, or with h's own: what 1 means
 * ("1 when ..."), then after "; " the other codes it has. Returns buf.
 */
static const char *
cli_help_exits(const struct cli_help *h, char *buf, size_t size)
{
	const char	*semi;
	int		 one;

	if (h->exits == NULL) {
		snprintf(buf, size, "%s", cli_help_exit);
		return (buf);
	}
	semi = strstr(h->exits, "; ");
	one = semi != NULL ? (int)(semi - h->exits) : (int)strlen(h->exits);
	snprintf(buf, size, "0 done, or nothing to do; %.*s (one line on "
	    "stderr per error); 2 bad usage%s", one, h->exits,
	    semi != NULL ? semi : "");
	return (buf);
}

/* The number of words of s (blank-separated). */
static size_t
cli_help_words(const char *s)
{
	size_t	 n = 0;

	while (*s != '\0') {
		s += strspn(s, " ");
		if (*s == '\0')
			break;
		n++;
		s += strcspn(s, " ");
	}
	return (n);
}

/* See cli.h. */
const struct cli_help *
cli_help_find(int argc, char **argv)
{
	const struct cli_help	*h, *best = NULL;
	size_t			 n, i, bestn = 0;
	char			 name[128];
	size_t			 len;

	for (h = cli_helps; h->name != NULL; h++) {
		n = cli_help_words(h->name);
		if (n > (size_t)argc || n <= bestn)
			continue;
		len = 0;
		name[0] = '\0';
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(name + len, len < sizeof(name) ?
			    sizeof(name) - len : 0, "%s%s", i > 0 ? " " : "",
			    argv[i]);
		if (len < sizeof(name) && strcmp(name, h->name) == 0) {
			best = h;
			bestn = n;
		}
	}
	return (best);
}

/* The option lines of h, for --help. */
static void
cli_help_opts(FILE *f, const struct cli_help *h)
{
	size_t	 i;
	int	 at;

	if (h->opts[0].flag == NULL)
		return;
	fprintf(f, "\nOptions and arguments:\n");
	for (i = 0; i < sizeof(h->opts) / sizeof(h->opts[0]) &&
	    h->opts[i].flag != NULL; i++) {
		at = fprintf(f, "  %s", h->opts[i].flag);
		if (at >= CLI_HELP_COL - 1)
			fprintf(f, "\n%*s", CLI_HELP_COL, "");
		else
			fprintf(f, "%*s", CLI_HELP_COL - at, "");
		cli_help_wrap(f, h->opts[i].help, CLI_HELP_COL, CLI_HELP_COL);
	}
}

/* See cli.h. */
void
cli_help_print(FILE *f, const struct cli_help *h)
{
	const struct cli_help	*o;
	size_t			 glen = strcspn(h->name, " ");
	char			 exits[512], also[512];
	size_t			 len;
	int			 others = 0;

	fprintf(f, "usage: bootstack [-c FILE | --env NAME] [-v] ");
	cli_help_wrap(f, h->synopsis, 8, 44);
	fputc('\n', f);
	cli_help_wrap(f, h->text, 0, 0);
	cli_help_opts(f, h);
	fprintf(f, "\nExit status: ");
	cli_help_wrap(f, cli_help_exits(h, exits, sizeof(exits)), 2, 13);
	fprintf(f, "\nExample:\n  %s\n", h->example);
	also[0] = '\0';
	for (o = cli_helps; o->name != NULL; o++) {
		if (o == h || strncmp(o->name, h->name, glen) != 0 ||
		    (o->name[glen] != ' ' && o->name[glen] != '\0'))
			continue;
		len = strlen(also);
		snprintf(also + len, sizeof(also) - len, "%sbootstack %s --help",
		    others++ ? ", " : "", o->name);
	}
	if (others) {
		fprintf(f, "\nAlso: ");
		cli_help_wrap(f, also, 6, 6);
	}
}

/* See cli.h. */
int
cli_help_group(FILE *f, const char *group)
{
	const struct cli_help	*h;
	size_t			 glen = strlen(group);
	int			 n = 0;

	for (h = cli_helps; h->name != NULL; h++) {
		if (strncmp(h->name, group, glen) != 0 || (h->name[glen] != ' '
		    && h->name[glen] != '\0'))
			continue;
		if (n++ == 0)
			fprintf(f, "usage: bootstack [-c FILE | --env NAME] [-v] "
			    "%s ...\n\n", group);
		fprintf(f, "  %-*s", CLI_HELP_COL - 2, h->name);
		cli_help_wrap(f, h->summary, CLI_HELP_COL, CLI_HELP_COL);
	}
	if (n > 0)
		fprintf(f, "\n`bootstack %s SUBCOMMAND --help` tells more.\n",
		    group);
	return (n);
}

/* See cli.h. */
void
cli_help_table(FILE *f)
{
	const struct cli_help	*h;

	for (h = cli_helps; h->name != NULL; h++) {
		fprintf(f, "  %-*s", 18, h->name);
		cli_help_wrap(f, h->summary, 20, 20);
	}
}

/* Prints s for man(7): '\' and '-' escaped, a leading '.' or '\'' shielded. */
static void
cli_help_roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '"')
			fputs("\\(dq", f);
		else
			fputc(*s, f);
	}
}

/* `bootstack help --man`: the COMMANDS section of bootstack(1). */
static void
cli_help_man(FILE *f)
{
	const struct cli_help	*h;
	char			 exits[512];
	size_t			 i;

	for (h = cli_helps; h->name != NULL; h++) {
		fputs(".SS \"", f);
		cli_help_roff(f, h->synopsis);
		fputs("\"\n", f);
		cli_help_roff(f, h->text);
		fputc('\n', f);
		for (i = 0; i < sizeof(h->opts) / sizeof(h->opts[0]) &&
		    h->opts[i].flag != NULL; i++) {
			fputs(".TP\n.B \"", f);
			cli_help_roff(f, h->opts[i].flag);
			fputs("\"\n", f);
			cli_help_roff(f, h->opts[i].help);
			fputc('\n', f);
		}
		fputs(".PP\nExit status: ", f);
		cli_help_roff(f, cli_help_exits(h, exits, sizeof(exits)));
		fputs(".\n.PP\nExample:\n.PP\n.RS\n.nf\n", f);
		cli_help_roff(f, h->example);
		fputs("\n.fi\n.RE\n", f);
	}
}

/*
 * `bootstack help [COMMAND...] | help --man | help --list`: the help of
 * COMMAND (as COMMAND --help), the manual's COMMANDS section, or the entry
 * names one per line (for tests).
 */
static int
cli_help_run(struct cli *cli, int argc, char **argv)
{
	const struct cli_help	*h;

	(void)cli;
	if (argc == 2 && strcmp(argv[1], "--man") == 0) {
		cli_help_man(stdout);
		return (fflush(stdout) == EOF ? 1 : 0);
	}
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (h = cli_helps; h->name != NULL; h++)
			printf("%s\n", h->name);
		return (fflush(stdout) == EOF ? 1 : 0);
	}
	if (argc == 1) {
		cli_usage(stdout);
		return (0);
	}
	if ((h = cli_help_find(argc - 1, argv + 1)) != NULL &&
	    cli_help_words(h->name) == (size_t)(argc - 1)) {
		cli_help_print(stdout, h);
		return (0);
	}
	if (argc == 2 && cli_help_group(stdout, argv[1]) > 0)
		return (0);
	cli_err("help", "no command '%s' (bootstack --help lists them)",
	    argv[1]);
	return (2);
}

const struct cli_cmd cli_cmd_help = {
	"help",
	"help [COMMAND...]",
	"the help of a command, as COMMAND --help",
	0,
	cli_help_run
};
