/*
 * cli_key.c: `bootstack key create|list|revoke`, the API keys of tenants.
 *
 * `key create` prints the key once, on stdout, alone on its line (so a
 * script can capture it); only its prefix and the SHA-256 of its secret are
 * stored. `key revoke` keeps the row (and so the prefix, never reissued);
 * a running daemon stops accepting the key within AUTH_CACHE_TTL_MS.
 */
#include "autoconf.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "apikey.h"
#include "cli.h"
#include "db.h"

static int	cli_key_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_key = {
	"key",
	"key create --tenant T --scope read|write [--scope ...] [--name LABEL]"
	" | key list [--tenant T] | key revoke ID",
	"manage API keys (write implies read)",
	1,
	cli_key_run
};

/* Finds a tenant by id (all digits) or by name; its id into id. */
static int
cli_key_tenant(struct db *db, const char *t, char *id, size_t size)
{
	const char	*params[1] = { t };
	PGresult	*res;
	size_t		 i;
	int		 digits = t[0] != '\0';

	for (i = 0; t[i] != '\0'; i++)
		if (!isdigit((unsigned char)t[i]))
			digits = 0;
	res = cli_sql("key", db, digits && strlen(t) < 19 ?
	    "SELECT id FROM tenants WHERE id = $1::bigint" :
	    "SELECT id FROM tenants WHERE name = $1", 1, params);
	if (res == NULL)
		return (-1);
	if (PQntuples(res) != 1) {
		cli_err("key", "no tenant '%s' (bootstack tenant list)", t);
		PQclear(res);
		return (-1);
	}
	snprintf(id, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return (0);
}

/* `key create`: makes, stores and prints a new key. */
static int
cli_key_create(struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "scope",  required_argument, NULL, 's' },
		{ "name",   required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct apikey	 key;
	unsigned char	 hash[APIKEY_HASH_LEN];
	char		 hex[2 * APIKEY_HASH_LEN + 1], tid[24], text[APIKEY_LEN + 1];
	char		 scopes[32] = "{";
	const char	*tenant = NULL, *name = NULL, *params[5];
	PGresult	*res;
	int		 ch, read = 0, write = 0;
	size_t		 i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:s:n:", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			tenant = optarg;
			break;
		case 's':
			if (strcmp(optarg, "read") == 0)
				read = 1;
			else if (strcmp(optarg, "write") == 0)
				write = 1;
			else {
				cli_err("key", "unknown scope '%s' (read or "
				    "write)", optarg);
				return (2);
			}
			break;
		case 'n':
			name = optarg;
			break;
		default:
			return (2);
		}
	}
	if (tenant == NULL || (!read && !write) || optind != argc) {
		cli_err("key", "usage: bootstack key create --tenant T "
		    "--scope read|write [--name LABEL]");
		return (2);
	}
	if (cli_key_tenant(db, tenant, tid, sizeof(tid)) != 0)
		return (1);
	if (apikey_generate(&key) != ST_OK || apikey_hash(&key, hash) != ST_OK) {
		cli_err("key", "the system's random generator failed");
		return (1);
	}
	for (i = 0; i < APIKEY_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	snprintf(scopes, sizeof(scopes), "{%s%s%s}", read ? "read" : "",
	    read && write ? "," : "", write ? "write" : "");
	params[0] = tid;
	params[1] = key.prefix;
	params[2] = hex;
	params[3] = scopes;
	params[4] = name;
	res = cli_sql("key", db, "INSERT INTO api_keys (tenant_id, prefix, "
	    "secret_sha256, scopes, name) VALUES ($1, $2, decode($3, 'hex'), "
	    "$4::text[], $5) RETURNING id", 5, params);
	if (res == NULL) {
		apikey_clear(&key);
		return (1);
	}
	PQclear(res);
	apikey_format(&key, text, sizeof(text));
	apikey_clear(&key);
	printf("%s\n", text);
	memset(text, 0, sizeof(text));
	return (0);
}

/* `key list [--tenant T]`: never shows secrets (they are not stored). */
static int
cli_key_list(struct db *db, int argc, char **argv)
{
	char		 tid[24] = "";
	const char	*params[1] = { NULL };
	PGresult	*res;
	int		 i;

	if (argc == 3 && strcmp(argv[1], "--tenant") == 0) {
		if (cli_key_tenant(db, argv[2], tid, sizeof(tid)) != 0)
			return (1);
		params[0] = tid;
	} else if (argc != 1) {
		cli_err("key", "usage: bootstack key list [--tenant T]");
		return (2);
	}
	res = cli_sql("key", db, "SELECT k.id, t.name, 'bsk_' || k.prefix, "
	    "array_to_string(k.scopes, ','), coalesce(k.name, ''), "
	    "to_char(k.created_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "coalesce(to_char(k.last_used_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'never'), "
	    "CASE WHEN k.revoked_at IS NULL THEN 'active' ELSE 'revoked' END "
	    "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id "
	    "WHERE $1::bigint IS NULL OR k.tenant_id = $1::bigint "
	    "ORDER BY k.id", 1, params);
	if (res == NULL)
		return (1);
	printf("%-5s  %-16s  %-17s  %-10s  %-20s  %-20s  %-20s  %s\n", "ID",
	    "TENANT", "PREFIX", "SCOPES", "NAME", "CREATED", "LAST USED",
	    "STATE");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-5s  %-16s  %-17s  %-10s  %-20s  %-20s  %-20s  %s\n",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		    PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
		    PQgetvalue(res, i, 6), PQgetvalue(res, i, 7));
	PQclear(res);
	return (0);
}

/* `key revoke ID`: idempotent; an unknown id is an error. */
static int
cli_key_revoke(struct db *db, const char *id)
{
	const char	*params[1] = { id };
	PGresult	*res;
	int		 n;

	if (id[0] == '\0' || strspn(id, "0123456789") != strlen(id) ||
	    strlen(id) > 18) {
		cli_err("key", "a key id is a number (bootstack key list)");
		return (2);
	}
	res = cli_sql("key", db, "UPDATE api_keys SET revoked_at = "
	    "coalesce(revoked_at, now()) WHERE id = $1::bigint RETURNING id",
	    1, params);
	if (res == NULL)
		return (1);
	n = PQntuples(res);
	PQclear(res);
	if (n == 0) {
		cli_err("key", "no key %s", id);
		return (1);
	}
	printf("revoked key %s\n", id);
	return (0);
}

/* Entry point. */
static int
cli_key_run(struct cli *cli, int argc, char **argv)
{
	struct db	*db;
	int		 rc;

	if (argc < 2 || (strcmp(argv[1], "create") != 0 &&
	    strcmp(argv[1], "list") != 0 && strcmp(argv[1], "revoke") != 0) ||
	    (strcmp(argv[1], "revoke") == 0 && argc != 3)) {
		cli_err("key", "usage: bootstack [-c FILE] %s", cli_cmd_key.usage);
		return (2);
	}
	if ((db = cli_db("key", cli->cfg)) == NULL)
		return (1);
	if (strcmp(argv[1], "create") == 0)
		rc = cli_key_create(db, argc - 1, argv + 1);
	else if (strcmp(argv[1], "list") == 0)
		rc = cli_key_list(db, argc - 1, argv + 1);
	else
		rc = cli_key_revoke(db, argv[2]);
	db_free(db);
	return (rc);
}
