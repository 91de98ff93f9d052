/*
 * config_table.c: every section and key bootstack.conf may hold, in one place
 * (tmux options-table.c, redis standardConfig).
 *
 * A key is {section, name, type, min, max, default, choices, help}. The
 * default is text parsed like a value from the file, so config_new() checks
 * it (a bad default aborts: a programming error). Each CONFIG_SECRET key
 * "k" also accepts an implicit "k_file" twin that is not listed here.
 * dist/bootstack.conf documents every key; tests/unit/check_config.c checks
 * that it does and that the defaults shown there match this table.
 *
 * Other modules read keys by these names: renaming one breaks them and
 * every deployed config file, so add keys, do not rename them.
 */
#include "autoconf.h"

#include <stddef.h>

#include "config.h"

#ifndef BS_SQLDIR
#define BS_SQLDIR "/usr/local/share/bootstack/sql"
#endif

const struct config_section config_sections[] = {
	{ "api",	0, "the FastCGI JSON API daemon (bootstack-api)" },
	{ "database",	0, "the PostgreSQL connection" },
	{ "tls",	0, "TLS settings shared by the certificates" },
	{ "acme",	0, "the ACME (RFC 8555) client" },
	{ "dns",	0, "DNS checks and the DNS provider in use" },
	{ "dynadot",	0, "the Dynadot registrar and DNS API" },
	{ "report",	0, "periodic reports" },
	{ "alerts",	0, "where and when alerts are sent" },
	{ "cert",	1, "one certificate: [cert NAME]" },
	{ NULL,		0, NULL }
};

const struct config_key config_keys[] = {
	/* [api] */
	{ "api", "listen", CONFIG_STRING, 0, 0, "/run/bootstack/api.sock", NULL,
	  "where FastCGI requests arrive: a unix socket path, HOST:PORT, or "
	  "\"stdin\" for a socket inherited as fd 0" },
	{ "api", "listen_mode", CONFIG_STRING, 0, 0, "0660", NULL,
	  "octal permissions of the unix socket" },
	{ "api", "workers", CONFIG_INT, 1, 256, "4", NULL,
	  "worker processes serving requests" },
	{ "api", "max_requests", CONFIG_INT, 0, 100000000, "10000", NULL,
	  "requests a worker serves before it is replaced; 0 = never recycle" },
	{ "api", "request_timeout", CONFIG_INT, 1, 3600, "30", NULL,
	  "hard deadline of one request, in seconds" },
	{ "api", "drain_timeout", CONFIG_INT, 1, 3600, "30", NULL,
	  "seconds SIGTERM waits for in-flight requests before killing "
	  "the workers" },
	{ "api", "max_body", CONFIG_INT, 1024, 67108864, "65536", NULL,
	  "largest request body accepted, in bytes" },
	{ "api", "log_level", CONFIG_ENUM, 0, 0, "info",
	  "debug|info|warn|error",
	  "lowest level of log lines written" },
	{ "api", "log_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "file log lines are appended to (SIGUSR1 reopens it); "
	  "unset = stderr" },
	{ "api", "pid_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "file the master writes its pid to; unset = none" },
	{ "api", "backlog", CONFIG_INT, 1, 65535, "511", NULL,
	  "listen(2) backlog of the socket" },

	/* [database] */
	{ "database", "host", CONFIG_STRING, 0, 0, "/run/postgresql", NULL,
	  "PostgreSQL host name, or the directory of its unix socket" },
	{ "database", "port", CONFIG_INT, 1, 65535, "5432", NULL,
	  "PostgreSQL port (also names the unix socket file)" },
	{ "database", "name", CONFIG_STRING, 0, 0, "bootstack", NULL,
	  "database name" },
	{ "database", "user", CONFIG_STRING, 0, 0, "bootstack", NULL,
	  "database role" },
	{ "database", "password", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "database password; prefer password_file; unset = peer or .pgpass" },
	{ "database", "sslmode", CONFIG_ENUM, 0, 0, "prefer",
	  "disable|allow|prefer|require|verify-ca|verify-full",
	  "libpq sslmode of the connection" },
	{ "database", "connect_timeout", CONFIG_INT, 1, 60, "3", NULL,
	  "seconds to wait for a connection" },
	{ "database", "statement_timeout", CONFIG_INT, 0, 3600000, "5000", NULL,
	  "milliseconds one SQL statement may run; 0 = no limit" },
	{ "database", "migrations_dir", CONFIG_STRING, 0, 0, BS_SQLDIR, NULL,
	  "directory of the NNNN_what.sql migrations" },

	{ NULL, NULL, CONFIG_STRING, 0, 0, NULL, NULL, NULL }
};
