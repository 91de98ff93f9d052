/*
 * dns_desired.c: the records the configuration declares: [dns] hosts
 * (else the [site] names inside the zone, lib/site.h, else the apex)
 * pointed at [dns] ipv4 / ipv6 ("auto": the first public address of this
 * host), [dns_record NAME] sections, [dns] ttl. Every value is checked
 * before it can reach the provider.
 */
#include "autoconf.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cause.h"
#include "config.h"
#include "dns.h"
#include "dns/dns_int.h"
#include "site.h"

/* --- the configuration --------------------------------------------------- */

/* See dns.h. */
const char *
dns_config_zone(const struct config *cfg)
{
	const char	*z;

	if ((z = config_str(cfg, "dns", "zone")) != NULL && *z != '\0')
		return (z);
	if ((z = config_str(cfg, "site", "domain")) != NULL && *z != '\0')
		return (z);
	return (NULL);
}

/* See dns.h. */
char *
dns_relative(const char *name, const char *zone)
{
	size_t	 nl = strlen(name), zl = strlen(zone);
	char	*out;

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (zl > 0 && zone[zl - 1] == '.')
		zl--;
	if (zl == 0)
		return (NULL);
	if (nl == zl && strncasecmp(name, zone, zl) == 0)
		return (strdup(""));
	if (nl > zl + 1 && name[nl - zl - 1] == '.' &&
	    strncasecmp(name + nl - zl, zone, zl) == 0) {
		if ((out = strndup(name, nl - zl - 1)) == NULL)
			return (NULL);
		return (dns_lower(out));
	}
	return (NULL);
}

/*
 * True when s is a relative name we write: labels of letters, digits, '-'
 * and '_', "*" only as the whole first label; "" is the apex.
 */
static int
dns_name_ok(const char *s)
{
	const char	*p = s;
	size_t		 label = 0;

	if (*s == '\0')
		return (1);
	if (strlen(s) > 253)
		return (0);
	if (p[0] == '*' && (p[1] == '.' || p[1] == '\0')) {
		if (p[1] == '\0')
			return (1);
		p += 2;
	}
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_') ||
		    ++label > 63)
			return (0);
	}
	return (label > 0);
}

/*
 * The first global address of family on this host's interfaces ("auto"):
 * not loopback, link-local, private (RFC 1918, RFC 6598, ULA) or
 * multicast. 0 with buf, or -1.
 */
static int
dns_local_addr(int family, char *buf, size_t size)
{
	struct ifaddrs	*ifa, *i;
	int		 rc = -1;

	if (getifaddrs(&ifa) == -1)
		return (-1);
	for (i = ifa; i != NULL && rc != 0; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET) {
			const struct sockaddr_in *s = (const void *)i->ifa_addr;
			uint32_t a = ntohl(s->sin_addr.s_addr);

			if ((a >> 24) == 127 || (a >> 24) == 10 ||
			    (a >> 24) == 0 || (a >> 16) == 0xa9fe ||
			    (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 ||
			    (a >> 22) == (0x64400000u >> 22) || (a >> 28) >= 14)
				continue;
			inet_ntop(AF_INET, &s->sin_addr, buf, (socklen_t)size);
			rc = 0;
		} else {
			const struct sockaddr_in6 *s =
			    (const void *)i->ifa_addr;
			const unsigned char *b = s->sin6_addr.s6_addr;

			if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) ||
			    IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr) ||
			    IN6_IS_ADDR_V4MAPPED(&s->sin6_addr) ||
			    (b[0] & 0xfe) == 0xfc || (b[0] & 0xe0) != 0x20)
				continue;
			inet_ntop(AF_INET6, &s->sin6_addr, buf,
			    (socklen_t)size);
			rc = 0;
		}
	}
	freeifaddrs(ifa);
	return (rc);
}

/*
 * The [dns] ipv4 / ipv6 address (checked, or found for "auto") into buf;
 * buf[0] = 0 when unset. 0, or -1 with *cause.
 */
static int
dns_config_addr(const struct config *cfg, const char *key, int family,
    char *buf, size_t size, char **cause)
{
	unsigned char	 bin[sizeof(struct in6_addr)];
	const char	*v = config_str(cfg, "dns", key);

	buf[0] = '\0';
	if (v == NULL || *v == '\0')
		return (0);
	if (strcmp(v, "auto") == 0) {
		if (dns_local_addr(family, buf, size) != 0) {
			cause_set(cause, "[dns] %s = auto: no public "
			    "address on this host's interfaces; set it", key);
			return (-1);
		}
		return (0);
	}
	if (inet_pton(family, v, bin) != 1 ||
	    inet_ntop(family, bin, buf, (socklen_t)size) == NULL) {
		cause_set(cause, "[dns] %s: '%.64s' is not an %s address",
		    key, v, family == AF_INET ? "IPv4" : "IPv6");
		return (-1);
	}
	return (0);
}

/*
 * Adds the [site] names (lib/site.h) inside zone to the host list, as
 * relative names. 0, or -1 with *cause.
 */
static int
dns_site_hosts(const struct config *cfg, const char *zone, struct buf *hosts,
    char **cause)
{
	struct site	 site;
	char		*rel;
	size_t		 i;
	int		 pass;

	if (site_load(cfg, &site, cause) != 0)
		return (-1);
	/* The wildcard last, as the records have always been ordered. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < site.n; i++) {
			if ((strcmp(site.v[i].key, "wildcard") == 0) != pass ||
			    (rel = dns_relative(site.v[i].name, zone)) == NULL)
				continue;	/* another zone's, or ENOMEM */
			(void)buf_printf(hosts, "%s ", *rel == '\0' ? "@" :
			    rel);
			free(rel);
		}
	site_cleanup(&site);
	return (0);
}

/* See dns.h. */
int
dns_desired(const struct config *cfg, const char *zone, struct dns_changes *c,
    char **cause)
{
	struct buf	 hosts;
	const char	*v, *name, *type, *value;
	char		 v4[INET6_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	char		*copy = NULL, *tok, *save = NULL, *norm = NULL, *p;
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 i, n;
	int		 rc = -1;

	*cause = NULL;
	dns_changes_init(c);
	buf_init(&hosts, 64 * 1024);
	c->ttl = (long)config_int(cfg, "dns", "ttl");
	if (dns_config_addr(cfg, "ipv4", AF_INET, v4, sizeof(v4), cause) != 0 ||
	    dns_config_addr(cfg, "ipv6", AF_INET6, v6, sizeof(v6), cause) != 0)
		goto out;
	if ((v = config_str(cfg, "dns", "hosts")) != NULL)
		(void)buf_adds(&hosts, v);
	else if ((v = config_str(cfg, "site", "domain")) != NULL &&
	    *v != '\0') {
		if (dns_site_hosts(cfg, zone, &hosts, cause) != 0)
			goto out;
	}
	else
		(void)buf_adds(&hosts, "@");	/* no [site]: the apex */
	if ((copy = strdup(buf_str(&hosts))) == NULL)
		goto nomem;
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if (strcmp(tok, "@") == 0)
			*tok = '\0';
		dns_lower(tok);
		if (!dns_name_ok(tok)) {
			cause_set(cause, "[dns] hosts: '%.64s' is not a "
			    "name relative to the zone (\"@\" is the apex)",
			    tok);
			goto out;
		}
		if ((v4[0] != '\0' && dns_changes_add(c, DNS_OP_SET, tok, "a",
		    v4) != 0) || (v6[0] != '\0' && dns_changes_add(c,
		    DNS_OP_SET, tok, "aaaa", v6) != 0))
			goto nomem;
	}
	n = config_count(cfg, "dns_record");
	for (i = 0; i < n; i++) {
		const char *sec = config_iname(cfg, "dns_record", i);

		name = config_istr(cfg, "dns_record", i, "name");
		type = config_istr(cfg, "dns_record", i, "type");
		value = config_istr(cfg, "dns_record", i, "value");
		if (name == NULL || type == NULL || value == NULL ||
		    *value == '\0') {
			cause_set(cause, "[dns_record %s]: name, type "
			    "and value are required", sec);
			goto out;
		}
		free(norm);
		if ((norm = strdup(strcmp(name, "@") == 0 ? "" : name)) == NULL)
			goto nomem;
		dns_lower(norm);
		if ((p = dns_relative(norm, zone)) != NULL && *norm != '\0' &&
		    strchr(norm, '.') != NULL && *p != '\0') {
			/* A full name inside the zone: keep it relative. */
			free(norm);
			norm = p;
		} else
			free(p);
		if (!dns_name_ok(norm)) {
			cause_set(cause, "[dns_record %s] name: '%.64s' "
			    "is not a name relative to the zone", sec, name);
			goto out;
		}
		if (strcasecmp(type, "a") == 0 ||
		    strcasecmp(type, "aaaa") == 0) {
			int	 is4 = strcasecmp(type, "a") == 0;

			if (inet_pton(is4 ? AF_INET : AF_INET6, value,
			    bin) != 1) {
				cause_set(cause, "[dns_record %s] value: "
				    "'%.64s' is not an %s address", sec, value,
				    is4 ? "IPv4" : "IPv6");
				goto out;
			}
		} else if (strcasecmp(type, "cname") == 0) {
			if (!dns_name_ok(value) && !(strlen(value) > 1 &&
			    value[strlen(value) - 1] == '.')) {
				cause_set(cause, "[dns_record %s] value: "
				    "'%.64s' is not a host name", sec, value);
				goto out;
			}
		} else if (strcasecmp(type, "txt") != 0) {
			cause_set(cause, "[dns_record %s] type: '%.16s' "
			    "is not one of A, AAAA, CNAME, TXT", sec, type);
			goto out;
		}
		if (dns_changes_add(c, strcasecmp(type, "txt") == 0 ?
		    DNS_OP_ADD : DNS_OP_SET, norm, type, value) != 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	free(norm);
	free(copy);
	buf_cleanup(&hosts);
	if (rc != 0)
		dns_changes_cleanup(c);
	return (rc);
}

