/*
 * cli_tenant.c: `bootstack tenant create NAME` and `bootstack tenant list`.
 *
 * A tenant owns API keys and all the rows its keys create; the API scopes
 * every query by it. Names are unique, 1 to 100 characters, no control
 * characters (the schema checks it too).
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "cli.h"
#include "db.h"

static int	cli_tenant_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_tenant = {
	"tenant",
	"tenant create NAME | tenant list",
	"create a tenant (prints its id), or list them",
	1,
	cli_tenant_run
};

/* `tenant create NAME`: prints the new id. */
static int
cli_tenant_create(struct db *db, const char *name)
{
	const char	*params[1] = { name };
	PGresult	*res;
	size_t		 i;

	if (name[0] == '\0' || strlen(name) > 100) {
		cli_err("tenant", "a tenant name is 1 to 100 characters");
		return (1);
	}
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			cli_err("tenant", "a tenant name has no control "
			    "characters");
			return (1);
		}
	if ((res = cli_sql("tenant", db, "INSERT INTO tenants (name) VALUES "
	    "($1) RETURNING id", 1, params)) == NULL) {
		if (strcmp(db_sqlstate(db), "23505") == 0)
			fprintf(stderr, "bootstack tenant: (a tenant named "
			    "'%s' exists already)\n", name);
		return (1);
	}
	printf("%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	return (0);
}

/* `tenant list`: id, name, keys in use, creation time. */
static int
cli_tenant_list(struct db *db)
{
	PGresult	*res;
	int		 i;

	if ((res = cli_sql("tenant", db, "SELECT t.id, t.name, "
	    "count(k.id) FILTER (WHERE k.revoked_at IS NULL), "
	    "to_char(t.created_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM tenants t "
	    "LEFT JOIN api_keys k ON k.tenant_id = t.id "
	    "GROUP BY t.id ORDER BY t.id", 0, NULL)) == NULL)
		return (1);
	printf("%-6s  %-30s  %-4s  %s\n", "ID", "NAME", "KEYS", "CREATED");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-6s  %-30s  %-4s  %s\n", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3));
	PQclear(res);
	return (0);
}

/* Entry point. */
static int
cli_tenant_run(struct cli *cli, int argc, char **argv)
{
	struct db	*db;
	int		 rc;

	if (!((argc == 3 && strcmp(argv[1], "create") == 0) ||
	    (argc == 2 && strcmp(argv[1], "list") == 0))) {
		cli_err("tenant", "usage: bootstack [-c FILE] %s",
		    cli_cmd_tenant.usage);
		return (2);
	}
	if ((db = cli_db("tenant", cli->cfg)) == NULL)
		return (1);
	rc = argc == 3 ? cli_tenant_create(db, argv[2]) : cli_tenant_list(db);
	db_free(db);
	return (rc);
}
