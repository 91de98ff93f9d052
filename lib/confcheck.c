/*
 * confcheck.c: the checks `bootstack check-config` runs after the load, in
 * one table; see confcheck.h for the rule (one validation per key, shared
 * with the command that uses it).
 *
 * Two kinds of rows: value checks (confcheck_keys[], a key and a function
 * of its text, run on every instance of the key's section), and section
 * checks (confcheck_sections[], the loader a command runs: pool_check,
 * db_check_hosts, site_load, cert_load, alert_check_rule, dns_desired). A
 * loader stops at its first error and says "[section NAME] key: why"; that
 * prefix tells where the line is. An error a value check already reported for the same key is not
 * repeated by the section's loader.
 *
 * Caveat: these checks judge the configuration only; they do not reach the
 * database, the ACME server or the DNS provider, and do not look at files
 * other than the config and its secrets (a missing certificate file is
 * `nginx -t`'s to find).
 */
#include "autoconf.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "alert.h"
#include "cause.h"
#include "cert.h"
#include "confcheck.h"
#include "config.h"
#include "cursor.h"
#include "db.h"
#include "dns.h"
#include "dns_check.h"
#include "netallow.h"
#include "nginx.h"
#include "pool.h"
#include "site.h"

#define CONFCHECK_SN_MAX	256	/* "cert www" */
#define CONFCHECK_KEY_MAX	64	/* a key's name */

/* --- generic value checks ------------------------------------------------ */

/* True when s holds a blank, a control byte or a quote. */
static int
confcheck_has_junk(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '"' ||
		    *s == '\'')
			return (1);
	return (0);
}

/* scheme://HOST[:PORT][/...] with a scheme of schemes ("http|https"). */
static int
confcheck_url_of(const char *v, int https_only, char **why)
{
	const char	*host;
	size_t		 hl;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (!https_only && strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		return (cause_set(why, "'%.200s' is not a URL: want %s",
		    v, https_only ? "https://HOST/PATH" :
		    "http://HOST/PATH or https://HOST/PATH"));
	hl = strcspn(host, "/?#");
	if (hl == 0 || host[0] == ':' || confcheck_has_junk(v))
		return (cause_set(why, "'%.200s' is not a URL: want "
		    "%s://HOST[:PORT]/PATH, no blanks or quotes", v,
		    https_only ? "https" : "http(s)"));
	return (0);
}

/* See confcheck.h. */
int
confcheck_url(const char *v, char **why)
{
	return (confcheck_url_of(v, 0, why));
}

/* See confcheck.h. */
int
confcheck_https_url(const char *v, char **why)
{
	return (confcheck_url_of(v, 1, why));
}

/* See confcheck.h. */
int
confcheck_abs_path(const char *v, char **why)
{
	if (v[0] != '/' || strlen(v) > PATH_MAX)
		return (cause_set(why, "'%.200s' is not an absolute path "
		    "(want /...)", v));
	return (0);
}

/*
 * [acme] directory_url: https://, or http:// to this machine (a test CA),
 * as acme_new() takes it (acme_check_directory_url).
 */
static int
confcheck_acme_directory(const char *v, char **why)
{
	char	*tmp = NULL;
	int	 loopback;

	loopback = strncmp(v, "http://", 7) == 0 &&
	    acme_check_directory_url(v, &tmp) == 0;
	free(tmp);
	return (loopback ? confcheck_url(v, why) : confcheck_https_url(v, why));
}

/* [site] domain: one host name, as site_load() wants it. */
static int
confcheck_host(const char *v, char **why)
{
	char	*s;
	int	 ok;

	if ((s = strdup(v)) == NULL)
		return (cause_set(why, "out of memory"));
	ok = site_host_ok(s, strlen(s));
	free(s);
	if (!ok)
		return (cause_set(why, "'%.200s' is not a host name (%s)", v,
		    SITE_HOST_RULE));
	return (0);
}

/* --- the table ------------------------------------------------------------ */

/*
 * Value checks. A key here is judged when set (an unset key is the
 * loader's to miss). Add rows; the function must be the one the command
 * calls on the same key.
 */
const struct confcheck_key confcheck_keys[] = {
	{ "api",	"cursor_keys",		cursor_keys_check },
	{ "acme",	"store_key",		cert_store_key_check },
	{ "site",	"domain",		confcheck_host },
	{ "nginx",	"listen_http",		nginx_check_listen },
	{ "nginx",	"listen_https",		nginx_check_listen },
	{ "nginx",	"upstream",		nginx_check_upstream },
	{ "nginx",	"conf_dir",		nginx_check_path },
	{ "nginx",	"template_dir",		nginx_check_path },
	{ "nginx",	"webroot",		nginx_check_path },
	{ "nginx",	"ops_root",		nginx_check_path },
	{ "nginx",	"htpasswd_file",	nginx_check_path },
	{ "nginx",	"access_log",		nginx_check_path },
	{ "nginx",	"error_log",		nginx_check_path },
	{ "nginx",	"syslog",		nginx_check_syslog },
	{ "nginx",	"metrics_listen",	nginx_check_listen },
	{ "nginx",	"metrics_allow",	netallow_check },
	{ "acme",	"directory_url",	confcheck_acme_directory },
	{ "acme",	"staging_directory",	confcheck_acme_directory },
	{ "report",	"goaccess",		confcheck_abs_path },
	{ "alerts",	"metrics_url",		confcheck_url },
	{ "alerts",	"webhook_url",		confcheck_url },
	{ "alerts",	"command",		alert_check_command },
	{ "dns",	"nameservers",		dns_check_servers_spec },
	{ NULL,		NULL,			NULL }
};

/* --- running them ---------------------------------------------------------- */

/* The "api" / "cert www" of instance i of section. */
static const char *
confcheck_sn(const struct config *cfg, const char *section, int multi,
    size_t i, char *buf, size_t size)
{
	if (multi)
		snprintf(buf, size, "%s %s", section,
		    config_iname(cfg, section, i));
	else
		snprintf(buf, size, "%s", section);
	return (buf);
}

/* True when errs already holds an error for [sn] key. */
static int
confcheck_seen(const struct config_errors *errs, const char *sn,
    const char *key)
{
	char	 pat[CONFCHECK_SN_MAX + CONFCHECK_KEY_MAX + 8];
	size_t	 i;

	snprintf(pat, sizeof(pat), "[%s] %s:", sn, key);
	for (i = 0; i < errs->n; i++)
		if (strstr(errs->v[i], pat) != NULL)
			return (1);
	return (0);
}

/* Runs the value checks on every instance of every row's section. */
static void
confcheck_values(const struct config *cfg, struct config_errors *errs)
{
	const struct confcheck_key	*row;
	const struct config_section	*sec;
	const char			*v;
	char				 sn[CONFCHECK_SN_MAX], *why;
	size_t				 i, n;

	for (row = confcheck_keys; row->section != NULL; row++) {
		for (sec = config_sections; sec->name != NULL; sec++)
			if (strcmp(sec->name, row->section) == 0)
				break;
		if (sec->name == NULL)
			continue;
		n = sec->multi ? config_count(cfg, sec->name) : 1;
		for (i = 0; i < n; i++) {
			v = sec->multi ? config_istr(cfg, sec->name, i,
			    row->key) : config_str(cfg, sec->name, row->key);
			if (v == NULL)
				continue;
			why = NULL;
			if (row->check(v, &why) == 0)
				continue;
			confcheck_sn(cfg, sec->name, sec->multi, i, sn,
			    sizeof(sn));
			config_errors_add(errs, "%s: [%s] %s: %s",
			    config_where(cfg, sec->name, i, row->key), sn,
			    row->key, cause_text(why));
			free(why);
		}
	}
}

/*
 * Records a loader's cause, "[section NAME] key: why", at the line of that
 * key (or of the section's header when the key is unset); a cause of
 * another shape goes at the file.
 */
static void
confcheck_cause(const struct config *cfg, struct config_errors *errs,
    const char *cause)
{
	const struct config_section	*sec;
	const char			*p, *close, *where = NULL;
	char				 sn[CONFCHECK_SN_MAX];
	char				 name[CONFCHECK_SN_MAX];
	char				 key[CONFCHECK_KEY_MAX];
	size_t				 len, i, n;

	cause = cause_text(cause);
	key[0] = '\0';
	if (cause[0] == '[' && (close = strchr(cause, ']')) != NULL &&
	    (size_t)(close - cause - 1) < sizeof(sn)) {
		len = (size_t)(close - cause - 1);
		memcpy(sn, cause + 1, len);
		sn[len] = '\0';
		p = close + 1;
		p += strspn(p, " ");
		len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (len > 0 && len < sizeof(key) && (p[len] == ':' ||
		    p[len] == ' ')) {
			memcpy(key, p, len);
			key[len] = '\0';
		}
		len = strcspn(sn, " ");
		snprintf(name, sizeof(name), "%s", sn[len] == '\0' ? "" :
		    sn + len + 1);
		sn[len] = '\0';
		for (sec = config_sections; sec->name != NULL; sec++)
			if (strcmp(sec->name, sn) == 0)
				break;
		if (sec->name != NULL && !sec->multi)
			where = config_where(cfg, sn, 0, key[0] != '\0' ?
			    key : NULL);
		else if (sec->name != NULL) {
			n = config_count(cfg, sn);
			for (i = 0; i < n; i++)
				if (strcmp(config_iname(cfg, sn, i),
				    name) == 0) {
					where = config_where(cfg, sn, i,
					    key[0] != '\0' ? key : NULL);
					break;
				}
		}
		if (key[0] != '\0') {
			snprintf(sn, sizeof(sn), "%.*s", (int)(close - cause -
			    1), cause + 1);
			if (confcheck_seen(errs, sn, key))
				return;
		}
	}
	if (where == NULL)
		where = config_path(cfg);
	config_errors_add(errs, "%s: %s", where != NULL ? where :
	    "(configuration)", cause);
}

/* [site]: the names nginx, dns and report derive (site_load). */
static void
confcheck_site(const struct config *cfg, struct config_errors *errs)
{
	struct site	 s;
	char		*cause = NULL;

	if (site_load(cfg, &s, &cause) != 0)
		confcheck_cause(cfg, errs, cause);
	free(cause);
	site_cleanup(&s);
}

/* Each [cert NAME] as cert renew reads it (cert_load), and the store's key. */
static void
confcheck_cert(const struct config *cfg, struct config_errors *errs)
{
	struct cert	 c;
	char		*cause;
	size_t		 i, n = config_count(cfg, "cert");

	for (i = 0; i < n; i++) {
		cause = NULL;
		if (cert_load(cfg, i, config_str(cfg, "acme", "state_dir"), &c,
		    &cause) != 0)
			confcheck_cause(cfg, errs, cause);
		free(cause);
		cert_cleanup(&c);
	}
	if (n > 0 && cert_store_enabled(cfg)) {
		/* [acme] store = database: cert renew and sync need the key. */
		struct cert_store	*st;

		cause = NULL;
		if ((st = cert_store_open(cfg, 1, &cause)) == NULL)
			confcheck_cause(cfg, errs, cause);
		free(cause);
		cert_store_free(st);
	}
}

/* Each [alert NAME] as alert check reads it. */
static void
confcheck_alert(const struct config *cfg, struct config_errors *errs)
{
	char	*cause;
	size_t	 i, n = config_count(cfg, "alert");

	for (i = 0; i < n; i++) {
		cause = NULL;
		if (alert_check_rule(cfg, i, &cause) != 0)
			confcheck_cause(cfg, errs, cause);
		free(cause);
	}
}

/* The records dns sync would ask for (dns_desired), when a zone is known. */
static void
confcheck_dns(const struct config *cfg, struct config_errors *errs)
{
	struct dns_changes	 ch;
	const char		*zone = dns_config_zone(cfg);
	char			*cause = NULL;

	if (zone == NULL) {
		if (config_count(cfg, "dns_record") > 0)
			config_errors_add(errs, "%s: [dns] zone: not set and "
			    "no [site] domain, but [dns_record %s] needs a "
			    "zone", config_where(cfg, "dns_record", 0, NULL),
			    config_iname(cfg, "dns_record", 0));
		return;
	}
	if (dns_desired(cfg, zone, &ch, &cause) != 0)
		confcheck_cause(cfg, errs, cause);
	free(cause);
	dns_changes_cleanup(&ch);
}

/* [database] host and port, which must agree, as db_new() reads them. */
static void
confcheck_database(const struct config *cfg, struct config_errors *errs)
{
	char	*cause = NULL;

	if (db_check_hosts(config_str(cfg, "database", "host"),
	    config_str(cfg, "database", "port"), &cause) != 0)
		confcheck_cause(cfg, errs, cause);
	free(cause);
}

/* [api]: the worker pool's bounds, as bootstack-api checks them. */
static void
confcheck_pool(const struct config *cfg, struct config_errors *errs)
{
	char	*cause = NULL;

	if (pool_check(cfg, &cause) != 0)
		confcheck_cause(cfg, errs, cause);
	free(cause);
}

/* Section checks: the loaders of the commands, in file order of sections. */
static void (*const confcheck_sections[])(const struct config *,
    struct config_errors *) = {
	confcheck_pool,
	confcheck_database,
	confcheck_site,
	confcheck_cert,
	confcheck_dns,
	confcheck_alert,
};

/* See confcheck.h. */
long
confcheck_run(const struct config *cfg, struct config_errors *errs)
{
	size_t	 before = errs->n + errs->dropped, i;

	confcheck_values(cfg, errs);
	for (i = 0; i < sizeof(confcheck_sections) /
	    sizeof(confcheck_sections[0]); i++)
		confcheck_sections[i](cfg, errs);
	return ((long)(errs->n + errs->dropped - before));
}
