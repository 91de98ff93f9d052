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
#ifndef BS_NGINXDIR
#define BS_NGINXDIR "/usr/local/share/bootstack/nginx"
#endif

const struct config_section config_sections[] = {
	{ "api",	0, "the FastCGI JSON API daemon (bootstack-api)" },
	{ "database",	0, "the PostgreSQL connection" },
	{ "site",	0, "the names the API is served under (nginx)" },
	{ "nginx",	0, "the nginx configuration bootstack renders" },
	{ "tls",	0, "TLS settings shared by the certificates" },
	{ "acme",	0, "the ACME (RFC 8555) client" },
	{ "dns",	0, "DNS checks and the DNS provider in use" },
	{ "dynadot",	0, "the Dynadot registrar and DNS API" },
	{ "report",	0, "periodic reports" },
	{ "alerts",	0, "where and when alerts are sent" },
	{ "backup",	0, "bootstack backup: where the archives go" },
	{ "prometheus",	0, "bootstack alert prometheus: the hosts Prometheus "
	  "scrapes" },
	{ "cert",	1, "one certificate: [cert NAME]" },
	{ "dns_record",	1, "one record the zone must hold: [dns_record NAME]" },
	{ "alert",	1, "one alert rule: [alert NAME]" },
	{ NULL,		0, NULL }
};

const struct config_key config_keys[] = {
	/* [api] */
	{ "api", "listen", CONFIG_STRING, 0, 0, "/run/bootstack/api.sock", NULL,
	  "where FastCGI requests arrive: a unix socket path, HOST:PORT, or "
	  "\"stdin\" for a socket inherited as fd 0" },
	{ "api", "allow", CONFIG_STRING, 0, 0, NULL, NULL,
	  "peers a TCP listener accepts, ADDR or ADDR/LEN (IPv4, IPv6) "
	  "separated by blanks or commas; unset = any; others are closed at "
	  "accept" },
	{ "api", "listen_mode", CONFIG_STRING, 0, 0, "0660", NULL,
	  "octal permissions of the unix socket" },
	{ "api", "workers", CONFIG_INT, 1, 256, "4", NULL,
	  "worker processes serving requests (pm = static), or at most "
	  "(dynamic, ondemand): php-fpm's pm.max_children" },
	{ "api", "pm", CONFIG_ENUM, 0, 0, "static", "static|dynamic|ondemand",
	  "process manager: a fixed number of workers, a number kept between "
	  "spare bounds, or workers forked for waiting connections" },
	{ "api", "start_servers", CONFIG_INT, 0, 256, "2", NULL,
	  "pm = dynamic: workers started at start and reload" },
	{ "api", "min_spare_servers", CONFIG_INT, 1, 256, "1", NULL,
	  "pm = dynamic: fewer idle workers than this and more are forked" },
	{ "api", "max_spare_servers", CONFIG_INT, 1, 256, "3", NULL,
	  "pm = dynamic: more idle workers than this and one is stopped per "
	  "second" },
	{ "api", "max_spawn_rate", CONFIG_INT, 1, 256, "32", NULL,
	  "pm = dynamic: workers forked at most per second" },
	{ "api", "process_idle_timeout", CONFIG_INT, 1, 86400, "10", NULL,
	  "pm = ondemand: seconds a worker may stay idle before it is stopped" },
	{ "api", "request_slowlog_timeout", CONFIG_INT, 0, 3600, "0", NULL,
	  "seconds after which a request still running is written to the "
	  "slow-request log; 0 = off" },
	{ "api", "slowlog", CONFIG_STRING, 0, 0, NULL, NULL,
	  "file the slow-request log is appended to (SIGUSR1 reopens it); "
	  "unset = the log" },
	{ "api", "emergency_restart_threshold", CONFIG_INT, 0, 1000, "0", NULL,
	  "workers dying of a crash signal within emergency_restart_interval "
	  "that restart every worker; 0 = off" },
	{ "api", "emergency_restart_interval", CONFIG_INT, 1, 86400, "60", NULL,
	  "seconds of emergency_restart_threshold's window" },
	{ "api", "rlimit_files", CONFIG_INT, 0, 1048576, "0", NULL,
	  "open files limit (RLIMIT_NOFILE) of each worker; 0 = inherited" },
	{ "api", "rlimit_core", CONFIG_STRING, 0, 0, NULL, NULL,
	  "core file size limit (RLIMIT_CORE) of each worker: bytes or "
	  "\"unlimited\"; unset = inherited" },
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
	{ "api", "log_rate_limit", CONFIG_INT, 0, 1000000, "10", NULL,
	  "warning and error lines of one kind written per second, the rest "
	  "counted in one summary line; 0 = no limit" },
	{ "api", "log_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "file log lines are appended to (SIGUSR1 reopens it); "
	  "unset = stderr" },
	{ "api", "pid_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "file the master writes its pid to; unset = none" },
	{ "api", "backlog", CONFIG_INT, 1, 65535, "4096", NULL,
	  "listen(2) backlog of the socket (the kernel caps it at "
	  "net.core.somaxconn)" },
	{ "api", "queue_timeout", CONFIG_INT, 0, 60000, "500", NULL,
	  "milliseconds a request may wait for a free worker (from nginx's "
	  "REQUEST_START parameter) before it is answered 503 with "
	  "Retry-After without being run; 0 = off" },
	{ "api", "header_timeout", CONFIG_INT, 1, 3600, "5", NULL,
	  "seconds a connection has to send its FastCGI parameters, from "
	  "accept" },
	{ "api", "body_timeout", CONFIG_INT, 1, 3600, "10", NULL,
	  "seconds a connection has to send its request body, after the "
	  "parameters" },
	{ "api", "keepalive_timeout", CONFIG_INT, 0, 3600, "75", NULL,
	  "seconds a FastCGI connection nginx keeps (fastcgi_keep_conn) may "
	  "stay idle between two requests; longer than nginx's upstream "
	  "keepalive_timeout, so that nginx closes first; 0 = close after "
	  "each answer" },
	{ "api", "max_params", CONFIG_INT, 4096, 1048576, "65536", NULL,
	  "largest total size of a request's FastCGI parameters (its "
	  "headers and CGI variables), in bytes" },
	{ "api", "cursor_keys", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "keys that sign pagination cursors (base64url, 32+ bytes each, "
	  "blank-separated, the signing one first); prefer cursor_keys_file; "
	  "unset = one random key per start" },
	{ "api", "cursor_ttl", CONFIG_INT, 1, 31536000, "86400", NULL,
	  "seconds a pagination cursor stays valid" },

	/* [database] */
	{ "database", "host", CONFIG_STRING, 0, 0, "/run/postgresql", NULL,
	  "PostgreSQL host name, or the directory of its unix socket; or a "
	  "comma-separated list of them (a primary and its standbys), "
	  "tried in turn" },
	{ "database", "port", CONFIG_STRING, 0, 0, "5432", NULL,
	  "PostgreSQL port (also names the unix socket file); one for every "
	  "host, or a comma-separated list, one per host" },
	{ "database", "target_session_attrs", CONFIG_ENUM, 0, 0, "read-write",
	  "any|read-write|read-only|primary|standby|prefer-standby",
	  "which of the hosts a connection is kept on (libpq): read-write "
	  "finds the primary after a failover" },
	{ "database", "name", CONFIG_STRING, 0, 0, "bootstack", NULL,
	  "database name" },
	{ "database", "user", CONFIG_STRING, 0, 0, "bootstack", NULL,
	  "the API's database role (bootstack-api and the commands): rows "
	  "only, no DDL" },
	{ "database", "password", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "database password; prefer password_file; unset = peer or .pgpass" },
	{ "database", "owner", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the role that owns the schema, which bootstack migrate logs in "
	  "as and grants user its rows; unset = user (one role does both)" },
	{ "database", "owner_password", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "owner's password; prefer owner_password_file; unset = peer or "
	  ".pgpass" },
	{ "database", "sslmode", CONFIG_ENUM, 0, 0, "prefer",
	  "disable|allow|prefer|require|verify-ca|verify-full",
	  "libpq sslmode of the connection" },
	{ "database", "connect_timeout", CONFIG_INT, 1, 60, "3", NULL,
	  "seconds to wait for a connection" },
	{ "database", "statement_timeout", CONFIG_INT, 0, 3600000, "5000", NULL,
	  "milliseconds one SQL statement may run; 0 = no limit" },
	{ "database", "tcp_keepalive", CONFIG_INT, 0, 7200, "10", NULL,
	  "seconds a TCP connection to the server may be idle before "
	  "keepalive probes (a third of it apart, 3 of them); 0 = none" },
	{ "database", "tcp_user_timeout", CONFIG_INT, 0, 3600000, "10000", NULL,
	  "milliseconds data sent on a TCP connection to the server may stay "
	  "unacknowledged before the kernel drops it; 0 = the system's" },
	{ "database", "job_lock", CONFIG_ENUM, 0, 0, "local", "local|database",
	  "jobs meant to run once per deployment (cert renew, dns sync, "
	  "report): local (each host runs its own, one at a time) or database "
	  "(a PostgreSQL advisory lock: the first host to start does the "
	  "work, the others exit 0 naming it)" },
	{ "database", "migrations_dir", CONFIG_STRING, 0, 0, BS_SQLDIR, NULL,
	  "directory of the NNNN_what.sql migrations" },

	/* [site] (lib/site.c: read for nginx, dns and report) */
	{ "site", "domain", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the apex domain the API is served under, e.g. example.com" },
	{ "site", "subdomains", CONFIG_STRING, 0, 0, NULL, NULL,
	  "labels served under the domain, separated by blanks or commas: "
	  "\"api www\"" },
	{ "site", "wildcard", CONFIG_BOOL, 0, 0, "no", NULL,
	  "also serve *.domain (its certificate needs dns-01)" },
	{ "site", "aliases", CONFIG_STRING, 0, 0, NULL, NULL,
	  "other full host names served the same way, separated by blanks or "
	  "commas" },
	{ "site", "ipv6", CONFIG_BOOL, 0, 0, "yes", NULL,
	  "also listen on [::] for each listen address that is a bare port" },
	{ "site", "cert_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "certificate and intermediates (PEM) of every name; unset = no "
	  "HTTPS server yet" },
	{ "site", "key_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "private key of cert_file" },

	/* [nginx] (lib/nginx.c, app/cli_nginx.c) */
	{ "nginx", "conf_dir", CONFIG_STRING, 0, 0, "/etc/bootstack/nginx", NULL,
	  "folder `bootstack nginx render` writes; nginx includes its "
	  "http.conf" },
	{ "nginx", "template_dir", CONFIG_STRING, 0, 0, BS_NGINXDIR, NULL,
	  "folder of the templates rendered" },
	{ "nginx", "upstream", CONFIG_STRING, 0, 0, NULL, NULL,
	  "where nginx sends FastCGI requests: servers separated by commas, "
	  "each unix:PATH or HOST:PORT then optionally weight=N max_fails=N "
	  "fail_timeout=Ns backup; unset = [api] listen" },
	{ "nginx", "fastcgi_keepalive", CONFIG_INT, 0, 4096, "0", NULL,
	  "idle FastCGI connections nginx keeps open to the API (upstream "
	  "keepalive, fastcgi_keep_conn), used again for later requests; "
	  "0 = a new connection per request (see docs/nginx.md, FastCGI "
	  "keep-alive, for what it saves and costs)" },
	{ "nginx", "listen_http", CONFIG_STRING, 0, 0, "80", NULL,
	  "plain HTTP listen addresses, blank-separated: PORT, IPV4:PORT, "
	  "[IPV6]:PORT" },
	{ "nginx", "listen_https", CONFIG_STRING, 0, 0, "443", NULL,
	  "HTTPS listen addresses, same form as listen_http" },
	{ "nginx", "default_server", CONFIG_BOOL, 0, 0, "no", NULL,
	  "also render default.conf: the default_server of each listen "
	  "address, refusing names nobody declared; no = leave the default "
	  "to the other sites of this nginx" },
	{ "nginx", "webroot", CONFIG_STRING, 0, 0, "/var/lib/bootstack/webroot",
	  NULL, "ACME HTTP-01 webroot: port 80 serves "
	  "/.well-known/acme-challenge/ from it" },
	{ "nginx", "ops_root", CONFIG_STRING, 0, 0, "/var/lib/bootstack/ops",
	  NULL, "folder served at /ops/ behind basic authentication" },
	{ "nginx", "htpasswd_file", CONFIG_STRING, 0, 0, "/etc/bootstack/htpasswd",
	  NULL, "users of /ops/ (`bootstack nginx password`), mode 0640" },
	{ "nginx", "group", CONFIG_STRING, 0, 0, "www-data", NULL,
	  "group of the nginx workers, given the htpasswd file" },
	{ "nginx", "access_log", CONFIG_STRING, 0, 0,
	  "/var/log/bootstack/nginx-access.log", NULL,
	  "access log, in the format GoAccess reads" },
	{ "nginx", "error_log", CONFIG_STRING, 0, 0,
	  "/var/log/bootstack/nginx-error.log", NULL,
	  "error log of bootstack's servers" },
	{ "nginx", "syslog", CONFIG_STRING, 0, 0, NULL, NULL,
	  "also send the access and error logs to syslog: unix:PATH (the "
	  "local rsyslog, unix:/dev/log) or HOST:PORT (UDP); unset = the "
	  "files only (docs/logs-and-metrics.md)" },
	{ "nginx", "metrics_listen", CONFIG_STRING, 0, 0, NULL, NULL,
	  "plain-HTTP monitoring server: /metrics (this nginx's upstream) and "
	  "/nginx_status (stub_status), PORT or ADDR:PORT; unset = none" },
	{ "nginx", "metrics_allow", CONFIG_STRING, 0, 0, NULL, NULL,
	  "addresses or ADDR/BITS networks besides loopback the monitoring "
	  "server answers (the Prometheus servers), blank-separated" },
	{ "nginx", "rate", CONFIG_INT, 1, 100000, "20", NULL,
	  "requests per second one API key may make, from any address" },
	{ "nginx", "burst", CONFIG_INT, 0, 100000, "40", NULL,
	  "requests beyond rate accepted at once before 429" },
	{ "nginx", "anon_rate", CONFIG_INT, 1, 100000, "30", NULL,
	  "requests per second one client address may make without an API key" },
	{ "nginx", "anon_burst", CONFIG_INT, 0, 100000, "60", NULL,
	  "requests beyond anon_rate accepted at once before 429" },
	{ "nginx", "test_command", CONFIG_STRING, 0, 0, "nginx -t", NULL,
	  "checks the configuration nginx would load (sh -c)" },
	{ "nginx", "reload_command", CONFIG_STRING, 0, 0, "nginx -s reload",
	  NULL, "makes nginx load its configuration again (sh -c)" },

	/* [acme] (lib/acme/, lib/cert.c) */
	{ "acme", "directory_url", CONFIG_STRING, 0, 0,
	  "https://acme-v02.api.letsencrypt.org/directory", NULL,
	  "the ACME server's directory URL: https://, or http:// to this "
	  "machine only (a test CA)" },
	{ "acme", "staging_directory", CONFIG_STRING, 0, 0,
	  "https://acme-staging-v02.api.letsencrypt.org/directory", NULL,
	  "the directory cert renew --dry-run orders from (a CA for tests: "
	  "its certificates are not trusted); --same-ca uses directory_url" },
	{ "acme", "email", CONFIG_STRING, 0, 0, NULL, NULL,
	  "contact address given to the CA; unset = none" },
	{ "acme", "agree_tos", CONFIG_BOOL, 0, 0, "no", NULL,
	  "you agree to the CA's terms of service (required by most CAs)" },
	{ "acme", "state_dir", CONFIG_STRING, 0, 0, "/var/lib/bootstack/acme",
	  NULL, "folder of the account key, pending orders, status files "
	  "and the default certificate files" },
	{ "acme", "account_key", CONFIG_STRING, 0, 0, NULL, NULL,
	  "account key file (PEM), made on first use; unset = "
	  "<state_dir>/account.key" },
	{ "acme", "key_type", CONFIG_ENUM, 0, 0, "ec256",
	  "ec256|ec384|rsa2048|rsa3072|rsa4096",
	  "type of new keys: the account key and certificate keys" },
	{ "acme", "ca_bundle", CONFIG_STRING, 0, 0, NULL, NULL,
	  "PEM file of the CAs trusted for the ACME server's HTTPS, "
	  "instead of the system store; unset = system store" },
	{ "acme", "eab_kid", CONFIG_STRING, 0, 0, NULL, NULL,
	  "external account binding key id, if the CA wants one" },
	{ "acme", "eab_hmac_key", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "external account binding MAC key (base64url)" },
	{ "acme", "preferred_chain", CONFIG_STRING, 0, 0, NULL, NULL,
	  "common name of the CA the chain should lead to; unset = "
	  "the CA's default chain" },
	{ "acme", "renew_random_delay", CONFIG_INT, 0, 86400, "0", NULL,
	  "cert renew first sleeps a random 0..N seconds (cron jitter)" },
	{ "acme", "timeout", CONFIG_INT, 1, 600, "30", NULL,
	  "seconds one HTTP request to the CA may take" },
	{ "acme", "poll_timeout", CONFIG_INT, 1, 3600, "120", NULL,
	  "seconds to wait for the CA to validate or issue before "
	  "leaving the order to the next run" },
	{ "acme", "store", CONFIG_ENUM, 0, 0, "files", "files|database",
	  "files: HTTP-01 challenges in the webroot, certificates only in "
	  "their files; database: challenges and issued certificates also "
	  "in PostgreSQL, so every front end answers a challenge (through "
	  "the API) and `cert sync` installs the current certificate "
	  "(docs/scale-out.md)" },
	{ "acme", "store_key", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "store = database: the keys that encrypt certificate keys in the "
	  "database (AES-256-GCM; base64url, 32 bytes each, blank-separated "
	  "or one a line, at most 8): the first seals, any opens (older "
	  "ones after it while rotating; cert reseal), the same list on "
	  "every host; prefer store_key_file" },

	/* [dns] (lib/dns/, app/cli_dns.c) */
	{ "dns", "provider", CONFIG_ENUM, 0, 0, "dynadot", "dynadot",
	  "who serves the zone (its API section: [dynadot])" },
	{ "dns", "zone", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the zone (domain) at the provider; unset = [site] domain" },
	{ "dns", "hosts", CONFIG_STRING, 0, 0, NULL, NULL,
	  "names pointed at ipv4/ipv6, relative to the zone, \"@\" = apex, "
	  "blank-separated; unset = the [site] names inside the zone, or "
	  "the apex without [site]" },
	{ "dns", "ipv4", CONFIG_STRING, 0, 0, NULL, NULL,
	  "this server's IPv4 address for the hosts' A records, or \"auto\"; "
	  "unset = no A records" },
	{ "dns", "ipv6", CONFIG_STRING, 0, 0, NULL, NULL,
	  "this server's IPv6 address for the hosts' AAAA records, or "
	  "\"auto\"; unset = no AAAA records" },
	{ "dns", "ttl", CONFIG_INT, 0, 604800, "300", NULL,
	  "TTL of the zone (seconds) that dns sync sets; 0 = leave it" },
	{ "dns", "nameservers", CONFIG_STRING, 0, 0, NULL, NULL,
	  "nameservers the propagation check asks, \"host[:port] ...\"; "
	  "unset = the zone's NS records" },
	{ "dns", "propagation_timeout", CONFIG_INT, 1, 86400, "1800", NULL,
	  "seconds to wait for every nameserver to serve a change" },
	{ "dns", "propagation_interval", CONFIG_INT, 1, 600, "5", NULL,
	  "seconds before the second check; the pause doubles up to 30 s" },
	{ "dns", "query_timeout", CONFIG_INT, 1, 60, "3", NULL,
	  "seconds to wait for one nameserver's answer (two tries)" },
	{ "dns", "broken_after", CONFIG_INT, 1, 86400, "60", NULL,
	  "seconds a broken nameserver (refusing, SERVFAIL, silent, lame) "
	  "is waited for before it is named and left out of the wait" },
	{ "dns", "snapshot_dir", CONFIG_STRING, 0, 0, "/var/lib/bootstack/dns",
	  NULL, "folder of the zone snapshots, the account lock and the "
	  "DNS-01 journal (made 0700)" },
	{ "dns", "snapshot_keep", CONFIG_INT, 1, 100000, "200", NULL,
	  "snapshots kept per zone (the oldest are deleted)" },
	{ "dns", "lock_timeout", CONFIG_INT, 1, 86400, "3600", NULL,
	  "seconds to wait while another run holds the provider account" },
	{ "dns", "lock", CONFIG_ENUM, 0, 0, "local", "local|database",
	  "where the one-writer lock of the provider account lives: local "
	  "(an flock in snapshot_dir: one host runs dns sync and cert renew "
	  "with dns-01) or database (a PostgreSQL advisory lock through "
	  "[database], shared by every host of the deployment)" },

	/* [dynadot] (lib/dns/dynadot.c) */
	{ "dynadot", "api_url", CONFIG_STRING, 0, 0,
	  "https://api.dynadot.com/api3.json", NULL,
	  "the api3 JSON endpoint (http:// only on loopback)" },
	{ "dynadot", "key", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "the API key (Tools > API); prefer key_file" },
	{ "dynadot", "timeout", CONFIG_INT, 1, 600, "60", NULL,
	  "seconds one API request may take" },
	{ "dynadot", "retries", CONFIG_INT, 0, 20, "4", NULL,
	  "retries of a request that failed for a passing reason" },
	{ "dynadot", "retry_delay", CONFIG_INT, 1, 300, "5", NULL,
	  "seconds before the first retry; doubles up to 300 s" },
	{ "dynadot", "min_interval", CONFIG_INT, 0, 60000, "1000", NULL,
	  "milliseconds between two requests to the account" },

	/* [report] (lib/report.c, app/cli_report.c) */
	{ "report", "goaccess", CONFIG_STRING, 0, 0, "/usr/bin/goaccess", NULL,
	  "the GoAccess program (1.7 or later), an absolute path" },
	{ "report", "state_dir", CONFIG_STRING, 0, 0,
	  "/var/lib/bootstack/report", NULL,
	  "folder of the GoAccess databases, the read positions and the "
	  "lock (made 0700)" },
	{ "report", "output_dir", CONFIG_STRING, 0, 0, NULL, NULL,
	  "folder the HTML and JSON reports go to; unset = [nginx] ops_root" },
	{ "report", "hosts", CONFIG_STRING, 0, 0, NULL, NULL,
	  "hosts with a report of their own, blank-separated; unset = the "
	  "[site] names; empty = the all-hosts report only" },
	{ "report", "exclude", CONFIG_STRING, 0, 0,
	  "/healthz /readyz /.well-known/acme-challenge/*", NULL,
	  "request paths left out of the reports, blank-separated; "
	  "\"/ops/*\" is a prefix" },
	{ "report", "anonymize_ip", CONFIG_BOOL, 0, 0, "no", NULL,
	  "mask client addresses (IPv4 /24, IPv6 /64) before GoAccess "
	  "sees them" },
	{ "report", "query_strings", CONFIG_BOOL, 0, 0, "no", NULL,
	  "keep query strings in the requests panel" },
	{ "report", "keep_days", CONFIG_INT, 0, 3650, "0", NULL,
	  "days of data the databases keep; 0 = all" },
	{ "report", "lock_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "lock so two runs do not overlap; unset = <state_dir>/report.lock" },
	{ "report", "live_port", CONFIG_INT, 1, 65535, "7890", NULL,
	  "loopback port of `bootstack report --live` (GoAccess in real "
	  "time), proxied by nginx at /ops/ws" },

	/* [prometheus] (app/cli_alert.c: alert prometheus) */
	{ "prometheus", "api_targets", CONFIG_STRING, 0, 0, NULL, NULL,
	  "HOST:PORT of every API host's monitoring server ([nginx] "
	  "metrics_listen), blank-separated: job bootstack" },
	{ "prometheus", "nginx_targets", CONFIG_STRING, 0, 0, NULL, NULL,
	  "HOST:PORT of every front end's prometheus-nginx-exporter, "
	  "blank-separated: job bootstack-nginx; unset = none" },
	{ "prometheus", "alertmanagers", CONFIG_STRING, 0, 0, NULL, NULL,
	  "HOST:PORT of every Alertmanager, blank-separated; unset = none" },
	{ "prometheus", "rules_file", CONFIG_STRING, 0, 0,
	  "/etc/prometheus/rules/bootstack-rules.yml", NULL,
	  "where Prometheus finds dist/prometheus/bootstack-rules.yml" },
	{ "prometheus", "scrape_interval", CONFIG_INT, 1, 3600, "15", NULL,
	  "seconds between two scrapes of a target" },
	{ "prometheus", "evaluation_interval", CONFIG_INT, 1, 3600, "15", NULL,
	  "seconds between two evaluations of the rules" },

	/* [backup] (lib/backup.c, app/cli_backup.c) */
	{ "backup", "dir", CONFIG_STRING, 0, 0, "/var/backups/bootstack", NULL,
	  "folder `bootstack backup` writes its archives to (made 0700); "
	  "--to DIR instead" },

	/* [cert NAME] (lib/cert.c) */
	{ "cert", "names", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the DNS names (and IP addresses, http-01 only) of the "
	  "certificate, first = subject, separated by blanks or commas" },
	{ "cert", "challenge", CONFIG_ENUM, 0, 0, "http-01", "http-01|dns-01",
	  "how the names are proved: http-01 (webroot) or dns-01" },
	{ "cert", "profile", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the ACME profile to order (Let's Encrypt: classic, tlsserver, "
	  "shortlived); one the CA's directory does not offer fails the run "
	  "before any order; (unset) = the CA's default" },
	{ "cert", "key_type", CONFIG_ENUM, 0, 0, NULL,
	  "ec256|ec384|rsa2048|rsa3072|rsa4096",
	  "type of the certificate key; unset = [acme] key_type" },
	{ "cert", "cert_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the certificate alone; unset = <state_dir>/live/NAME/cert.pem" },
	{ "cert", "chain_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the intermediates; unset = <state_dir>/live/NAME/chain.pem" },
	{ "cert", "fullchain_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "certificate + intermediates (nginx ssl_certificate); unset = "
	  "<state_dir>/live/NAME/fullchain.pem" },
	{ "cert", "key_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the private key, 0600; unset = <state_dir>/live/NAME/privkey.pem" },
	{ "cert", "webroot", CONFIG_STRING, 0, 0, NULL, NULL,
	  "http-01: folder nginx serves /.well-known/acme-challenge/ from; "
	  "unset = [nginx] webroot" },
	{ "cert", "test_command", CONFIG_STRING, 0, 0, NULL, NULL,
	  "deploy: checks the new files (rolled back if it fails); unset = "
	  "[nginx] test_command, else \"nginx -t -q\"; empty = none" },
	{ "cert", "reload_command", CONFIG_STRING, 0, 0, NULL, NULL,
	  "deploy: makes the server use the new files; unset = [nginx] "
	  "reload_command, else \"nginx -s reload\"; empty = none" },
	{ "cert", "check_endpoint", CONFIG_STRING, 0, 0, NULL, NULL,
	  "where the renew run checks what is served (a TLS handshake, "
	  "server name = the first name): HOST:PORT, [IPV6]:PORT or PORT "
	  "(127.0.0.1); none = no check; unset = the first [nginx] "
	  "listen_https address from this machine (none without a "
	  "reload_command)" },

	/* [dns_record NAME] (lib/dns/dns_desired.c) */
	{ "dns_record", "name", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the record's name relative to the zone, \"@\" = apex" },
	{ "dns_record", "type", CONFIG_STRING, 0, 0, NULL, NULL,
	  "A, AAAA, CNAME or TXT" },
	{ "dns_record", "value", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the address, target name or text" },

	/* [alerts] (lib/alert/, app/cli_alert.c) */
	{ "alerts", "metrics_url", CONFIG_STRING, 0, 0, NULL, NULL,
	  "where alert check scrapes the API's /metrics; unset = no "
	  "metrics rules" },
	{ "alerts", "metrics_address", CONFIG_STRING, 0, 0, NULL, NULL,
	  "address the scrape connects to instead of resolving the URL's "
	  "host (Host and SNI keep the name), e.g. 127.0.0.1" },
	{ "alerts", "ca_file", CONFIG_STRING, 0, 0, NULL, NULL,
	  "PEM CAs trusted for https scrapes and webhooks; unset = system "
	  "store" },
	{ "alerts", "timeout", CONFIG_INT, 1, 300, "10", NULL,
	  "seconds a scrape, a webhook call, sendmail or the command may take" },
	{ "alerts", "state_file", CONFIG_STRING, 0, 0,
	  "/var/lib/bootstack/alerts.json", NULL,
	  "alert states, silences and recent scrapes (written atomically)" },
	{ "alerts", "repeat", CONFIG_INT, 0, 31536000, "14400", NULL,
	  "seconds between repeats of a firing alert; 0 = never repeat" },
	{ "alerts", "hostname", CONFIG_STRING, 0, 0, NULL, NULL,
	  "this server's name in messages; unset = gethostname()" },
	{ "alerts", "webhook_url", CONFIG_STRING, 0, 0, NULL, NULL,
	  "URL alerts are POSTed to as JSON (Slack-compatible text); "
	  "unset = no webhook" },
	{ "alerts", "webhook_token", CONFIG_SECRET, 0, 0, NULL, NULL,
	  "sent as Authorization: Bearer; prefer webhook_token_file" },
	{ "alerts", "sendmail", CONFIG_STRING, 0, 0, "/usr/sbin/sendmail",
	  NULL, "the sendmail program mail goes through" },
	{ "alerts", "mail_to", CONFIG_STRING, 0, 0, NULL, NULL,
	  "mail recipients, blank- or comma-separated; unset = no mail" },
	{ "alerts", "mail_from", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the From: address; unset = bootstack@<hostname>" },
	{ "alerts", "command", CONFIG_STRING, 0, 0, NULL, NULL,
	  "program run with the alert JSON on stdin: an absolute path and "
	  "arguments, blank-separated, no shell; unset = none" },

	/* [alert NAME] (lib/alert/alert_rule.c) */
	{ "alert", "kind", CONFIG_ENUM, 0, 0, NULL,
	  "http_5xx_ratio|http_p95|db_down|cert_expiry|cert_renew_failed|"
	  "disk_space|crash_loop|stale_job|api_down",
	  "what the rule watches (required)" },
	{ "alert", "severity", CONFIG_ENUM, 0, 0, "warning",
	  "critical|warning|info", "label carried by the notices" },
	{ "alert", "threshold", CONFIG_STRING, 0, 0, NULL, NULL,
	  "the limit, in the kind's unit; unset = the kind's default" },
	{ "alert", "window", CONFIG_INT, 10, 14400, "300", NULL,
	  "seconds of metrics the rate rules look at" },
	{ "alert", "for", CONFIG_INT, 0, 604800, "0", NULL,
	  "seconds the condition must hold before the alert fires" },
	{ "alert", "repeat", CONFIG_INT, 0, 31536000, NULL, NULL,
	  "seconds between repeats while firing; unset = [alerts] repeat" },
	{ "alert", "min_requests", CONFIG_INT, 0, 100000000, "10", NULL,
	  "http rules: fewer requests in the window never fire" },
	{ "alert", "route", CONFIG_STRING, 0, 0, NULL, NULL,
	  "http rules: only this route (e.g. tasks_get); unset = all" },
	{ "alert", "cert", CONFIG_STRING, 0, 0, NULL, NULL,
	  "cert rules: the [cert NAME] whose status file is read" },
	{ "alert", "path", CONFIG_STRING, 0, 0, NULL, NULL,
	  "disk_space: a folder; stale_job: a file; cert rules: a status "
	  "file (instead of cert)" },

	{ NULL, NULL, CONFIG_STRING, 0, 0, NULL, NULL, NULL }
};
