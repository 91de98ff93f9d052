/*
 * cli_migrate.c: `bootstack migrate [status]`.
 *
 * Without arguments, applies the pending files of [database] migrations_dir
 * and prints one "applied FILE" line for each, or "nothing to apply". The
 * work and its safety rules (advisory lock, one transaction per file, refusal
 * to run when an applied file changed) live in lib/migrate.c, so cron, the
 * package's postinst and an operator may run it at the same time.
 *
 * `migrate status` lists every version known to the files or the database
 * with its state; it changes nothing, not even to create schema_migrations.
 *
 * Both log in as [database] owner (the schema's owner; unset: user). After
 * applying, the API's role ([database] user) is granted its rows on every
 * table (migrate_grant, sql/0004_roles.sql), also when nothing was pending.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "db.h"
#include "migrate.h"
#include "xmalloc.h"

static int	cli_migrate_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_migrate = {
	"migrate",
	"migrate [status]",
	"apply pending database migrations (status: list them)",
	1,
	cli_migrate_run
};

/* Called by migrate_apply after each committed file. */
static void
cli_migrate_applied(const struct migrate_entry *e, void *arg)
{
	(void)arg;
	printf("applied %s\n", e->file);
	fflush(stdout);			/* in order with a later stderr line */
}

/* Applies what is pending, then grants api its rows; the exit code. */
static int
cli_migrate_apply(struct db *db, const char *dir, const char *api)
{
	char	*cause = NULL;
	int	 napplied = 0;
	enum st	 st;

	st = migrate_apply(db, dir, cli_migrate_applied, NULL, &napplied,
	    &cause);
	if (st != ST_OK) {
		cli_err("migrate", "%s", cause != NULL ? cause : st_str(st));
		free(cause);
		return (1);
	}
	if (napplied == 0)
		printf("nothing to apply\n");
	if ((st = migrate_grant(db, api, &cause)) != ST_OK) {
		cli_err("migrate", "%s", cause != NULL ? cause : st_str(st));
		free(cause);
		return (1);
	}
	return (0);
}

/* Prints one line per known version; returns the exit code. */
static int
cli_migrate_status(struct db *db, const char *dir)
{
	struct migrate_entry	*v = NULL, *e;
	char			*cause = NULL;
	size_t			 n = 0, i;
	enum st			 st;

	st = migrate_status(db, dir, &v, &n, &cause);
	if (st != ST_OK) {
		cli_err("migrate", "%s", cause != NULL ? cause : st_str(st));
		free(cause);
		return (1);
	}
	if (n == 0)
		printf("no migrations in %s\n", dir);
	else
		printf("%-7s  %-40s  %s\n", "VERSION", "FILE", "STATE");
	for (i = 0; i < n; i++) {
		e = &v[i];
		printf("%04d     %-40s  ", e->version, e->file);
		switch (e->state) {
		case MIGRATE_APPLIED:
			printf("applied at %s\n", e->applied_at);
			break;
		case MIGRATE_RENAMED:
			printf("renamed (applied as %s)\n", e->recorded_file);
			break;
		default:
			printf("%s\n", migrate_state_str(e->state));
			break;
		}
	}
	migrate_entries_free(v, n);
	return (0);
}

/* Entry point: `migrate` or `migrate status`. */
static int
cli_migrate_run(struct cli *cli, int argc, char **argv)
{
	struct db	*db;
	const char	*dir;
	int		 rc;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "status") != 0)) {
		cli_err("migrate", "usage: bootstack [-c FILE] %s",
		    cli_cmd_migrate.usage);
		return (2);
	}
	if ((dir = config_str(cli->cfg, "database", "migrations_dir")) == NULL)
		dir = BS_SQLDIR;
	db = xnonnull(db_new_owner(cli->cfg, NULL), "a database handle");
	if (argc == 2)
		rc = cli_migrate_status(db, dir);
	else
		rc = cli_migrate_apply(db, dir, config_str(cli->cfg, "database",
		    "user"));
	db_free(db);
	return (rc);
}
