/*
 * dns.c: the site's zone at its DNS provider: the zone model, the merge
 * of asked changes into a read zone, diffs, snapshots, the desired
 * records of the configuration, and the one write path, dns_update().
 *
 * Design: a provider that only rewrites whole zones (Dynadot's set_dns2)
 * is one bad write away from deleting the operator's mail records. So
 * every write is one locked transaction: read the zone (the backend
 * refuses a read it does not fully understand), merge only the asked
 * changes (records of other names and types are copied as read, in their
 * order), print the diff, save the zone as it was to a snapshot file
 * (`bootstack dns restore FILE` puts it back), write once, read back and
 * compare, and wait for the authoritative nameservers before the lock is
 * released: Dynadot may apply two quick full-zone writes out of order
 * (see docs/dns.md), so no write starts before the previous one is
 * visible. All changes of a run go into that one write.
 *
 * The account lock is an flock on <snapshot_dir>/<provider>.lock, waited
 * for up to [dns] lock_timeout; its mtime is the time of the last call,
 * so calls from several processes keep the provider's minimum interval.
 *
 * Caveats: one zone per configuration; names of the zone are compared
 * without case, TXT values exactly.
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
#include "clock.h"
#include "config.h"
#include "dns.h"
#include "dns/dynadot.h"
#include "dns_check.h"
#include "fs.h"
#include "httpc.h"
#include "jsonutil.h"
#include "log.h"
#include "site.h"

#define DNS_MAX_SNAPSHOT	(4 * 1024 * 1024)	/* bytes of a snapshot */
#define DNS_MAX_DIFF		(256 * 1024)		/* bytes of a diff */

struct dns {
	struct dns_provider	 prov;		/* owned backend */
	char			*zone;		/* "example.com" */
	char			*snapshot_dir;	/* snapshots, lock, journal */
	long			 keep;		/* snapshots kept */
	long			 lock_timeout;	/* seconds, for the lock */
	char			*ns_spec;	/* [dns] nameservers or NULL */
	struct dns_server	*servers;	/* found on first need */
	size_t			 nservers;
	long			 prop_timeout;	/* seconds */
	long			 prop_interval;	/* first pause, seconds */
	long			 query_timeout;	/* per query try */
	int			 lockfd;	/* held in a transaction */
	long long		 last_call;	/* ms since the epoch */
};

/* --- zones --------------------------------------------------------------- */

/* See dns.h. */
void
dns_zone_init(struct dns_zone *z)
{
	memset(z, 0, sizeof(*z));
}

/* See dns.h. */
void
dns_zone_cleanup(struct dns_zone *z)
{
	size_t	 i;

	for (i = 0; i < z->n; i++) {
		free(z->rec[i].name);
		free(z->rec[i].type);
		free(z->rec[i].value);
		free(z->rec[i].value2);
	}
	free(z->rec);
	free(z->name);
	memset(z, 0, sizeof(*z));
}

/* strdup that keeps NULL. 0 or -1 on ENOMEM. */
static int
dns_dup(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return (0);
	return ((*dst = strdup(src)) == NULL ? -1 : 0);
}

/* Lower-cases s in place. */
static char *
dns_lower(char *s)
{
	char	*p;

	for (p = s; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (s);
}

/* See dns.h. */
int
dns_zone_add(struct dns_zone *z, const char *name, const char *type,
    const char *value, const char *value2)
{
	struct dns_record	*nv, *r;
	size_t			 ncap;

	if (z->n >= DNS_MAX_RECORDS)
		return (-1);
	if (z->n == z->cap) {
		ncap = z->cap == 0 ? 16 : z->cap * 2;
		if ((nv = reallocarray(z->rec, ncap, sizeof(*nv))) == NULL)
			return (-1);
		z->rec = nv;
		z->cap = ncap;
	}
	r = &z->rec[z->n];
	if (dns_dup(&r->name, name) != 0 || dns_dup(&r->type, type) != 0 ||
	    dns_dup(&r->value, value) != 0 ||
	    dns_dup(&r->value2, value2) != 0) {
		free(r->name);
		free(r->type);
		free(r->value);
		free(r->value2);
		return (-1);
	}
	dns_lower(r->name);
	dns_lower(r->type);
	z->n++;
	return (0);
}

/* See dns.h. */
int
dns_zone_copy(struct dns_zone *dst, const struct dns_zone *src)
{
	size_t	 i;

	dns_zone_init(dst);
	dst->ttl = src->ttl;
	if (dns_dup(&dst->name, src->name) != 0)
		return (-1);
	for (i = 0; i < src->n; i++)
		if (dns_zone_add(dst, src->rec[i].name, src->rec[i].type,
		    src->rec[i].value, src->rec[i].value2) != 0) {
			dns_zone_cleanup(dst);
			return (-1);
		}
	return (0);
}

/* See dns.h. */
int
dns_value_equal(const char *type, const char *a, const char *b)
{
	char	*na, *nb;
	int	 eq;

	if (strcasecmp(type, "a") != 0 && strcasecmp(type, "aaaa") != 0 &&
	    strcasecmp(type, "cname") != 0)
		return (strcmp(a, b) == 0);
	na = dns_check_normalise(type, a);
	nb = dns_check_normalise(type, b);
	eq = na != NULL && nb != NULL && strcmp(na, nb) == 0;
	free(na);
	free(nb);
	return (eq);
}

/* True when two records hold the same data. */
static int
dns_record_equal(const struct dns_record *a, const struct dns_record *b)
{
	const char	*a2 = a->value2 != NULL ? a->value2 : "";
	const char	*b2 = b->value2 != NULL ? b->value2 : "";

	return (strcasecmp(a->name, b->name) == 0 &&
	    strcasecmp(a->type, b->type) == 0 &&
	    dns_value_equal(a->type, a->value, b->value) &&
	    strcmp(a2, b2) == 0);
}

/* Index of a record of z equal to r and not yet used, or -1. */
static long
dns_zone_find(const struct dns_zone *z, const struct dns_record *r,
    const unsigned char *used)
{
	size_t	 i;

	for (i = 0; i < z->n; i++)
		if ((used == NULL || !used[i]) &&
		    dns_record_equal(&z->rec[i], r))
			return ((long)i);
	return (-1);
}

/* See dns.h. */
int
dns_zone_equal(const struct dns_zone *a, const struct dns_zone *b)
{
	unsigned char	*used;
	size_t		 i;
	long		 j;
	int		 eq = 1;

	if (a->n != b->n || (a->ttl != 0 && b->ttl != 0 && a->ttl != b->ttl))
		return (0);
	if (a->n == 0)
		return (1);
	if ((used = calloc(b->n, 1)) == NULL)
		return (0);
	for (i = 0; i < a->n && eq; i++) {
		if ((j = dns_zone_find(b, &a->rec[i], used)) == -1)
			eq = 0;
		else
			used[j] = 1;
	}
	free(used);
	return (eq);
}

/* --- changes ------------------------------------------------------------- */

/* See dns.h. */
void
dns_changes_init(struct dns_changes *c)
{
	memset(c, 0, sizeof(*c));
}

/* See dns.h. */
void
dns_changes_cleanup(struct dns_changes *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].type);
		free(c->v[i].value);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* See dns.h. */
int
dns_changes_add(struct dns_changes *c, enum dns_op op, const char *name,
    const char *type, const char *value)
{
	struct dns_change	*nv, *ch;
	size_t			 ncap;

	if (c->n == c->cap) {
		ncap = c->cap == 0 ? 8 : c->cap * 2;
		if ((nv = reallocarray(c->v, ncap, sizeof(*nv))) == NULL)
			return (-1);
		c->v = nv;
		c->cap = ncap;
	}
	ch = &c->v[c->n];
	ch->op = op;
	if (dns_dup(&ch->name, name) != 0 || dns_dup(&ch->type, type) != 0 ||
	    dns_dup(&ch->value, value) != 0) {
		free(ch->name);
		free(ch->type);
		free(ch->value);
		return (-1);
	}
	dns_lower(ch->name);
	dns_lower(ch->type);
	c->n++;
	return (0);
}

/* True when a SET change names (name, type). */
static int
dns_changes_sets(const struct dns_changes *c, const char *name,
    const char *type)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].op == DNS_OP_SET &&
		    strcasecmp(c->v[i].name, name) == 0 &&
		    strcasecmp(c->v[i].type, type) == 0)
			return (1);
	return (0);
}

/* True when any change names name (any type). */
static int
dns_changes_touch(const struct dns_changes *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].op != DNS_OP_REMOVE &&
		    strcasecmp(c->v[i].name, name) == 0)
			return (1);
	return (0);
}

/* "@" for the apex, else the name (for messages). */
static const char *
dns_show_name(const char *name)
{
	return (*name == '\0' ? "@" : name);
}

/* See dns.h. */
int
dns_zone_merge(const struct dns_zone *cur, const struct dns_changes *c,
    struct dns_zone *out, char **cause)
{
	struct dns_record	 r;
	unsigned char		*done = NULL;
	size_t			 i, j;
	int			 keep;

	*cause = NULL;
	dns_zone_init(out);
	out->ttl = c->ttl > 0 ? c->ttl : cur->ttl;
	if (dns_dup(&out->name, cur->name) != 0)
		goto nomem;
	if (c->n > 0 && (done = calloc(c->n, 1)) == NULL)
		goto nomem;
	/* Records as read, less the replaced and removed ones. */
	for (i = 0; i < cur->n; i++) {
		const struct dns_record	*cr = &cur->rec[i];

		keep = 1;
		if (dns_changes_sets(c, cr->name, cr->type)) {
			keep = 0;
			for (j = 0; j < c->n; j++)
				if (c->v[j].op == DNS_OP_SET && !done[j] &&
				    strcasecmp(c->v[j].name, cr->name) == 0 &&
				    strcasecmp(c->v[j].type, cr->type) == 0 &&
				    dns_value_equal(cr->type, c->v[j].value,
				    cr->value)) {
					done[j] = keep = 1;
					break;
				}
		} else
			for (j = 0; j < c->n; j++)
				if (c->v[j].op == DNS_OP_REMOVE &&
				    strcasecmp(c->v[j].name, cr->name) == 0 &&
				    strcasecmp(c->v[j].type, cr->type) == 0 &&
				    dns_value_equal(cr->type, c->v[j].value,
				    cr->value))
					keep = 0;
		if (keep && dns_zone_add(out, cr->name, cr->type, cr->value,
		    cr->value2) != 0)
			goto nomem;
	}
	/* New SET values and ADD values not there yet. */
	for (j = 0; j < c->n; j++) {
		if (done[j] || c->v[j].op == DNS_OP_REMOVE)
			continue;
		r.name = c->v[j].name;
		r.type = c->v[j].type;
		r.value = c->v[j].value;
		r.value2 = NULL;
		if (dns_zone_find(out, &r, NULL) != -1)
			continue;
		if (dns_zone_add(out, r.name, r.type, r.value, NULL) != 0)
			goto nomem;
	}
	/* What the change would break, on the names it touches. */
	for (i = 0; i < out->n; i++) {
		const struct dns_record	*a = &out->rec[i];

		if (!dns_changes_touch(c, a->name))
			continue;
		for (j = 0; j < out->n; j++) {
			const struct dns_record	*b = &out->rec[j];

			if (i == j || strcasecmp(a->name, b->name) != 0)
				continue;
			if (strcmp(a->type, "cname") == 0 &&
			    strcmp(b->type, "cname") != 0) {
				cause_set(cause, "%s: a CNAME cannot "
				    "share its name with other records (it has "
				    "%s too)", dns_show_name(a->name), b->type);
				goto fail;
			}
			if (strcmp(a->type, "cname") == 0 && j > i) {
				cause_set(cause, "%s: two CNAME records",
				    dns_show_name(a->name));
				goto fail;
			}
			if ((strcmp(b->type, "forward") == 0 ||
			    strcmp(b->type, "stealth") == 0) &&
			    (strcmp(a->type, "a") == 0 ||
			    strcmp(a->type, "aaaa") == 0 ||
			    strcmp(a->type, "cname") == 0)) {
				cause_set(cause, "%s: the provider %ss "
				    "this name; remove that record there, or "
				    "stop asking for %s records on it",
				    dns_show_name(a->name), b->type, a->type);
				goto fail;
			}
		}
	}
	free(done);
	return (0);
nomem:
	cause_set(cause, out->n >= DNS_MAX_RECORDS ? "more than %d "
	    "records in the zone" : "out of memory", DNS_MAX_RECORDS);
fail:
	free(done);
	dns_zone_cleanup(out);
	return (-1);
}

/* --- diff ---------------------------------------------------------------- */

struct dns_line {
	const struct dns_record	*r;
	char			 sign;		/* '-' or '+' */
};

/* Diff line order: name, type, removal first, value. */
static int
dns_line_cmp(const void *pa, const void *pb)
{
	const struct dns_line	*a = pa, *b = pb;
	int			 c;

	if ((c = strcmp(a->r->name, b->r->name)) != 0)
		return (c);
	if ((c = strcmp(a->r->type, b->r->type)) != 0)
		return (c);
	if (a->sign != b->sign)
		return (a->sign == '-' ? -1 : 1);
	return (strcmp(a->r->value, b->r->value));
}

/* Appends "NAME TYPE VALUE [VALUE2]" of r to b, TXT quoted. */
static enum st
dns_record_print(struct buf *b, const struct dns_record *r)
{
	const char	*p;
	char		 type[32];
	size_t		 i;
	enum st		 st;

	for (i = 0; i + 1 < sizeof(type) && r->type[i] != '\0'; i++)
		type[i] = (char)toupper((unsigned char)r->type[i]);
	type[i] = '\0';
	if ((st = buf_printf(b, "%s %s ", dns_show_name(r->name), type)) !=
	    ST_OK)
		return (st);
	if (strcmp(r->type, "txt") == 0) {
		if ((st = buf_adds(b, "\"")) != ST_OK)
			return (st);
		for (p = r->value; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				st = buf_printf(b, "\\%c", *p);
			else if ((unsigned char)*p < 0x20 || *p == 0x7f)
				st = buf_printf(b, "\\%03o", (unsigned char)*p);
			else
				st = buf_add(b, p, 1);
			if (st != ST_OK)
				return (st);
		}
		st = buf_adds(b, "\"");
	} else
		st = buf_adds(b, r->value);
	if (st == ST_OK && r->value2 != NULL && *r->value2 != '\0')
		st = buf_printf(b, " %s", r->value2);
	return (st);
}

/* See dns.h. */
int
dns_zone_diff(const struct dns_zone *a, const struct dns_zone *b,
    struct buf *out)
{
	struct dns_line	*lines;
	unsigned char	*ua = NULL, *ub = NULL;
	size_t		 i, n = 0;
	long		 j;
	int		 rc = -1;

	if ((lines = calloc(a->n + b->n + 1, sizeof(*lines))) == NULL ||
	    (a->n > 0 && (ua = calloc(a->n, 1)) == NULL) ||
	    (b->n > 0 && (ub = calloc(b->n, 1)) == NULL))
		goto out;
	for (i = 0; i < a->n; i++)
		if ((j = dns_zone_find(b, &a->rec[i], ub)) != -1) {
			ub[j] = 1;
			ua[i] = 1;
		}
	for (i = 0; i < a->n; i++)
		if (!ua[i])
			lines[n++] = (struct dns_line){ &a->rec[i], '-' };
	for (i = 0; i < b->n; i++)
		if (!ub[i])
			lines[n++] = (struct dns_line){ &b->rec[i], '+' };
	qsort(lines, n, sizeof(*lines), dns_line_cmp);
	for (i = 0; i < n; i++)
		if (buf_printf(out, "%c ", lines[i].sign) != ST_OK ||
		    dns_record_print(out, lines[i].r) != ST_OK ||
		    buf_adds(out, "\n") != ST_OK)
			goto out;
	if (b->ttl != 0 && a->ttl != b->ttl) {
		if ((a->ttl != 0 ? buf_printf(out, "~ TTL %ld -> %ld\n", a->ttl,
		    b->ttl) : buf_printf(out, "~ TTL (unknown) -> %ld\n",
		    b->ttl)) != ST_OK)
			goto out;
		n++;
	}
	rc = (int)n;
out:
	free(lines);
	free(ua);
	free(ub);
	return (rc);
}

/* --- snapshots (JSON) ---------------------------------------------------- */

/* See dns.h. */
json_object *
dns_zone_to_json(const struct dns_zone *z)
{
	json_object	*obj, *arr, *r;
	size_t		 i;

	if ((obj = json_object_new_object()) == NULL)
		return (NULL);
	json_object_object_add(obj, "zone", z->name != NULL ?
	    json_object_new_string(z->name) : NULL);
	json_object_object_add(obj, "ttl", json_object_new_int64(z->ttl));
	if ((arr = json_object_new_array()) == NULL) {
		json_object_put(obj);
		return (NULL);
	}
	json_object_object_add(obj, "records", arr);
	for (i = 0; i < z->n; i++) {
		if ((r = json_object_new_object()) == NULL) {
			json_object_put(obj);
			return (NULL);
		}
		json_object_object_add(r, "name",
		    json_object_new_string(z->rec[i].name));
		json_object_object_add(r, "type",
		    json_object_new_string(z->rec[i].type));
		json_object_object_add(r, "value",
		    json_object_new_string(z->rec[i].value));
		json_object_object_add(r, "value2", z->rec[i].value2 != NULL ?
		    json_object_new_string(z->rec[i].value2) : NULL);
		json_object_array_add(arr, r);
	}
	return (obj);
}

/* See dns.h. */
int
dns_zone_from_json(json_object *obj, struct dns_zone *z, char **cause)
{
	json_object	*arr, *r, *v;
	const char	*name, *type, *value, *value2;
	size_t		 i, n;

	*cause = NULL;
	dns_zone_init(z);
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "records", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		cause_set(cause, "not a zone snapshot (no records)");
		return (-1);
	}
	if ((name = jsonutil_get_str(obj, "zone")) != NULL &&
	    (z->name = strdup(name)) == NULL)
		goto nomem;
	if (json_object_object_get_ex(obj, "ttl", &v)) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > 2147483647) {
			cause_set(cause, "snapshot: bad ttl");
			goto fail;
		}
		z->ttl = (long)json_object_get_int64(v);
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(arr, i);
		name = jsonutil_get_str(r, "name");
		type = jsonutil_get_str(r, "type");
		value = jsonutil_get_str(r, "value");
		value2 = jsonutil_get_str(r, "value2");
		if (name == NULL || type == NULL || value == NULL ||
		    *type == '\0') {
			cause_set(cause, "snapshot: record %zu lacks "
			    "name, type or value", i + 1);
			goto fail;
		}
		if (dns_zone_add(z, name, type, value, value2) != 0)
			goto nomem;
	}
	return (0);
nomem:
	cause_set(cause, "out of memory (or more than %d records)",
	    DNS_MAX_RECORDS);
fail:
	dns_zone_cleanup(z);
	return (-1);
}

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

/* --- secrets ------------------------------------------------------------- */

/* See dns.h. */
char *
dns_scrub(const char *text, const char *secret)
{
	struct buf	 b;
	char		*enc = NULL;
	size_t		 sl = 0, el = 0, i = 0;

	buf_init(&b, strlen(text) * 2 + 64);
	if (secret != NULL && *secret != '\0') {
		sl = strlen(secret);
		if ((enc = httpc_escape(secret)) == NULL)
			return (NULL);
		el = strlen(enc);
	}
	while (text[i] != '\0') {
		if (sl > 0 && strncmp(text + i, secret, sl) == 0) {
			(void)buf_adds(&b, "(hidden)");
			i += sl;
		} else if (el > 0 && strncmp(text + i, enc, el) == 0) {
			(void)buf_adds(&b, "(hidden)");
			i += el;
		} else if (strncasecmp(text + i, "key=", 4) == 0 &&
		    (i == 0 || !isalnum((unsigned char)text[i - 1]))) {
			(void)buf_add(&b, text + i, 4);
			(void)buf_adds(&b, "(hidden)");
			i += 4;
			while (text[i] != '\0' && text[i] != '&' &&
			    text[i] != '"' && text[i] != '\'' &&
			    !isspace((unsigned char)text[i]))
				i++;
		} else
			(void)buf_add(&b, text + i++, 1);
	}
	free(enc);
	if (b.data == NULL)
		(void)buf_adds(&b, "");
	return (buf_steal(&b));
}

/* --- the zone at its provider -------------------------------------------- */

/* Progress line to out, or to the info log. */
static void
dns_say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
dns_say(FILE *out, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[2048];

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (out != NULL) {
		fprintf(out, "%s\n", line);
		fflush(out);
	} else
		log_info("dns: %s", line);
}

/* Every line of text through dns_say, prefixed. */
static void
dns_say_lines(FILE *out, const char *text)
{
	const char	*p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		dns_say(out, "%.*s", (int)(nl != NULL ? nl - p :
		    (long)strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* See dns.h. */
struct dns *
dns_open_with(const struct config *cfg, struct dns_provider *prov,
    char **cause)
{
	struct dns	*d;
	const char	*zone, *v;

	*cause = NULL;
	if ((zone = dns_config_zone(cfg)) == NULL) {
		cause_set(cause, "no zone: set [dns] zone (or [site] "
		    "domain)");
		goto fail;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto nomem;
	d->prov = *prov;
	memset(prov, 0, sizeof(*prov));
	d->lockfd = -1;
	if ((d->zone = strdup(zone)) == NULL ||
	    (d->snapshot_dir = strdup(config_str(cfg, "dns",
	    "snapshot_dir"))) == NULL)
		goto nomem_d;
	dns_lower(d->zone);
	if (strlen(d->zone) > 1 && d->zone[strlen(d->zone) - 1] == '.')
		d->zone[strlen(d->zone) - 1] = '\0';
	if ((v = config_str(cfg, "dns", "nameservers")) != NULL && *v != '\0' &&
	    (d->ns_spec = strdup(v)) == NULL)
		goto nomem_d;
	d->keep = (long)config_int(cfg, "dns", "snapshot_keep");
	d->lock_timeout = (long)config_int(cfg, "dns", "lock_timeout");
	d->prop_timeout = (long)config_int(cfg, "dns", "propagation_timeout");
	d->prop_interval = (long)config_int(cfg, "dns", "propagation_interval");
	d->query_timeout = (long)config_int(cfg, "dns", "query_timeout");
	if (fs_mkdirs(d->snapshot_dir, 0700, 0, cause) != 0) {
		dns_free(d);
		return (NULL);
	}
	return (d);
nomem_d:
	dns_free(d);
nomem:
	cause_set(cause, "out of memory");
fail:
	if (prov->ops != NULL && prov->ops->free != NULL)
		prov->ops->free(prov->priv);
	memset(prov, 0, sizeof(*prov));
	return (NULL);
}

/* See dns.h. */
struct dns *
dns_open(const struct config *cfg, char **cause)
{
	struct dns_provider	 prov;
	const char		*name;

	*cause = NULL;
	memset(&prov, 0, sizeof(prov));
	name = config_str(cfg, "dns", "provider");
	if (name == NULL || strcmp(name, "dynadot") != 0) {
		cause_set(cause, "[dns] provider: unknown '%s'",
		    name != NULL ? name : "(unset)");
		return (NULL);
	}
	if (dynadot_provider_new(cfg, &prov, cause) != ST_OK)
		return (NULL);
	return (dns_open_with(cfg, &prov, cause));
}

/* See dns.h. */
void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	if (d->prov.ops != NULL && d->prov.ops->free != NULL)
		d->prov.ops->free(d->prov.priv);
	if (d->lockfd != -1)
		close(d->lockfd);
	free(d->zone);
	free(d->snapshot_dir);
	free(d->ns_spec);
	free(d->servers);
	free(d);
}

/* See dns.h. */
const char *
dns_zone(const struct dns *d)
{
	return (d->zone);
}

/* See dns.h. */
const char *
dns_snapshot_dir(const struct dns *d)
{
	return (d->snapshot_dir);
}

/*
 * Milliseconds since the epoch (the wall clock: the time of the last call
 * is kept as the lock file's mtime, across runs).
 */
static long long
dns_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Takes the account lock, waiting up to lock_timeout; the lock file's
 * mtime tells when the last call to the account was made.
 */
static enum st
dns_lock(struct dns *d, char **cause)
{
	struct stat	 sb;
	char		*path = NULL;
	long long	 until;
	int		 fd, logged = 0;

	if (asprintf(&path, "%s/%s.lock", d->snapshot_dir,
	    d->prov.ops->name) == -1) {
		cause_set(cause, "out of memory");
		return (ST_NOMEM);
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		cause_set(cause, "cannot open %s: %s", path,
		    strerror(errno));
		free(path);
		return (ST_IO);
	}
	until = clock_ms() + d->lock_timeout * 1000;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			cause_set(cause, "cannot lock %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (clock_ms() >= until) {
			cause_set(cause, "the %s account is locked by "
			    "another run for more than %ld s (%s)",
			    d->prov.ops->name, d->lock_timeout, path);
			goto fail;
		}
		if (!logged++)
			log_info("dns: waiting for another run to release %s",
			    path);
		clock_sleep_ms(200);
	}
	d->last_call = fstat(fd, &sb) == 0 ? (long long)sb.st_mtim.tv_sec *
	    1000 + sb.st_mtim.tv_nsec / 1000000 : 0;
	d->lockfd = fd;
	free(path);
	return (ST_OK);
fail:
	close(fd);
	free(path);
	return (ST_UNAVAILABLE);
}

/* Releases the account lock, leaving the time of the last call. */
static void
dns_unlock(struct dns *d)
{
	struct timespec	 ts[2];

	if (d->lockfd == -1)
		return;
	if (d->last_call > 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)(d->last_call / 1000);
		ts[0].tv_nsec = ts[1].tv_nsec = (long)(d->last_call % 1000) *
		    1000000L;
		(void)futimens(d->lockfd, ts);
	}
	close(d->lockfd);
	d->lockfd = -1;
}

/* Keeps the provider's minimum interval since the last call. */
static void
dns_pace(struct dns *d)
{
	long long	 wait;

	wait = d->last_call + d->prov.min_interval_ms - dns_now();
	if (wait > 0 && wait <= d->prov.min_interval_ms)
		clock_sleep_ms(wait);
}

/* One provider read, paced. */
static enum st
dns_prov_read(struct dns *d, struct dns_zone *z, char **cause)
{
	enum st	 st;

	dns_pace(d);
	st = d->prov.ops->read(d->prov.priv, d->zone, z, cause);
	d->last_call = dns_now();
	return (st);
}

/* One provider write, paced. */
static enum st
dns_prov_write(struct dns *d, const struct dns_zone *old,
    const struct dns_zone *new, char **cause)
{
	enum st	 st;

	dns_pace(d);
	st = d->prov.ops->write(d->prov.priv, old, new, cause);
	d->last_call = dns_now();
	return (st);
}

/* Keeps the newest d->keep snapshots of the zone. */
static void
dns_snapshot_prune(struct dns *d)
{
	struct dirent	**ents = NULL;
	char		 *prefix = NULL, *path;
	int		  n, i, m = 0;
	size_t		  pl;

	if (asprintf(&prefix, "%s-", d->zone) == -1)
		return;
	pl = strlen(prefix);
	if ((n = scandir(d->snapshot_dir, &ents, NULL, alphasort)) < 0) {
		free(prefix);
		return;
	}
	for (i = n; i-- > 0;) {
		const char	*nm = ents[i]->d_name;
		size_t		 l = strlen(nm);

		if (strncmp(nm, prefix, pl) != 0 || l < 5 ||
		    strcmp(nm + l - 5, ".json") != 0 ||
		    strspn(nm + pl, "0123456789") != 8)
			continue;
		if (++m > d->keep && asprintf(&path, "%s/%s", d->snapshot_dir,
		    nm) != -1) {
			(void)unlink(path);
			free(path);
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(prefix);
}

/*
 * Saves z to <snapshot_dir>/<zone>-<UTC time with ms>.json (0600); *path:
 * caller frees.
 */
static enum st
dns_snapshot(struct dns *d, const struct dns_zone *z, char **path,
    char **cause)
{
	json_object	*obj;
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[32], taken[32];
	int		 i, rc;

	*path = NULL;
	/* A name per millisecond: the names sort in the order taken. */
	for (i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
		strftime(taken, sizeof(taken), "%Y-%m-%dT%H:%M:%SZ", &tm);
		free(*path);
		if (asprintf(path, "%s/%s-%s.%03ldZ.json", d->snapshot_dir,
		    d->zone, stamp, ts.tv_nsec / 1000000) == -1) {
			*path = NULL;
			cause_set(cause, "out of memory");
			return (ST_NOMEM);
		}
		if (access(*path, F_OK) != 0)
			break;
		clock_sleep_ms(1);
	}
	if ((obj = dns_zone_to_json(z)) == NULL) {
		cause_set(cause, "out of memory");
		return (ST_NOMEM);
	}
	json_object_object_add(obj, "provider",
	    json_object_new_string(d->prov.ops->name));
	json_object_object_add(obj, "taken", json_object_new_string(taken));
	rc = jsonutil_save_file(*path, obj, 0600, cause);
	json_object_put(obj);
	if (rc != 0) {
		free(*path);
		*path = NULL;
		return (ST_IO);
	}
	dns_snapshot_prune(d);
	return (ST_OK);
}

/* Finds the nameservers to check, once. */
static enum st
dns_servers(struct dns *d, char **cause)
{
	if (d->nservers > 0)
		return (ST_OK);
	if (d->ns_spec != NULL) {
		if (dns_check_parse_servers(d->ns_spec, &d->servers,
		    &d->nservers, cause) != 0)
			return (ST_BADREQ);
	} else if (dns_check_find_servers(d->zone, &d->servers, &d->nservers,
	    cause) != 0)
		return (ST_UNAVAILABLE);
	return (ST_OK);
}

/* True when the propagation check can ask for records of type. */
static int
dns_checkable(const char *type)
{
	return (strcmp(type, "a") == 0 || strcmp(type, "aaaa") == 0 ||
	    strcmp(type, "cname") == 0 || strcmp(type, "txt") == 0);
}

/* Expectations under construction; strings owned. */
struct dns_expects {
	struct dns_expect	*v;
	char			**fqdn;		/* v[i].fqdn (owned) */
	const char		***vals;	/* v[i].values: array owned */
	size_t			 n;
};

/* Frees what x owns. */
static void
dns_expects_cleanup(struct dns_expects *x)
{
	size_t	 i;

	for (i = 0; i < x->n; i++) {
		free(x->fqdn[i]);
		free(x->vals[i]);
	}
	free(x->v);
	free(x->fqdn);
	free(x->vals);
	memset(x, 0, sizeof(*x));
}

/*
 * Adds value to the expectation (name, type, want), made when missing.
 * value is borrowed and must outlive x.
 */
static int
dns_expects_add(struct dns_expects *x, const char *zone, const char *name,
    const char *type, enum dns_want want, const char *value)
{
	const char	**nv;
	size_t		  i;
	char		 *fq;

	if (*name == '\0')
		fq = strdup(zone);
	else if (asprintf(&fq, "%s.%s", name, zone) == -1)
		fq = NULL;
	if (fq == NULL)
		return (-1);
	for (i = 0; i < x->n; i++)
		if (strcasecmp(x->fqdn[i], fq) == 0 &&
		    strcmp(x->v[i].type, type) == 0 && x->v[i].want == want)
			break;
	if (i == x->n) {
		struct dns_expect	*ev;
		char			**fv;
		const char		***vv;

		if ((ev = reallocarray(x->v, x->n + 1, sizeof(*ev))) == NULL)
			goto nomem;
		x->v = ev;
		if ((fv = reallocarray(x->fqdn, x->n + 1, sizeof(*fv))) == NULL)
			goto nomem;
		x->fqdn = fv;
		if ((vv = reallocarray(x->vals, x->n + 1, sizeof(*vv))) == NULL)
			goto nomem;
		x->vals = vv;
		memset(&x->v[i], 0, sizeof(x->v[i]));
		x->v[i].fqdn = fq;
		x->v[i].type = type;
		x->v[i].want = want;
		x->fqdn[i] = fq;
		x->vals[i] = NULL;
		x->n++;
		fq = NULL;
	}
	free(fq);
	if (value == NULL)
		return (0);
	if ((nv = reallocarray(x->vals[i], x->v[i].nvalues + 1,
	    sizeof(*nv))) == NULL)
		return (-1);
	x->vals[i] = nv;
	nv[x->v[i].nvalues++] = value;
	x->v[i].values = nv;
	return (0);
nomem:
	free(fq);
	return (-1);
}

/* Expectations of a change list: SET exact, ADD present, REMOVE gone. */
static int
dns_expects_changes(struct dns_expects *x, const char *zone,
    const struct dns_changes *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		const struct dns_change	*ch = &c->v[i];

		if (!dns_checkable(ch->type))
			continue;
		if (dns_expects_add(x, zone, ch->name, ch->type,
		    ch->op == DNS_OP_SET ? DNS_WANT_EXACT : ch->op ==
		    DNS_OP_ADD ? DNS_WANT_HAS : DNS_WANT_NONE_OF,
		    ch->value) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Expectations of a whole-zone change from a to b: each (name, type) that
 * changed holds exactly b's values, or none of a's when b has none.
 */
static int
dns_expects_zones(struct dns_expects *x, const char *zone,
    const struct dns_zone *a, const struct dns_zone *b)
{
	const struct dns_zone	*zz[2] = { a, b };
	size_t			 i, k, m;
	int			 z, differs, inb;

	for (z = 0; z < 2; z++)
		for (i = 0; i < zz[z]->n; i++) {
			const struct dns_record	*r = &zz[z]->rec[i];

			if (!dns_checkable(r->type))
				continue;
			/* Does (name, type) differ between a and b? */
			differs = 0;
			for (k = 0; k < 2 && !differs; k++)
				for (m = 0; m < zz[k]->n && !differs; m++) {
					const struct dns_record	*q =
					    &zz[k]->rec[m];

					if (strcmp(q->name, r->name) != 0 ||
					    strcmp(q->type, r->type) != 0)
						continue;
					if (dns_zone_find(zz[1 - k], q,
					    NULL) == -1)
						differs = 1;
				}
			if (!differs)
				continue;
			inb = 0;
			for (m = 0; m < b->n; m++)
				if (strcmp(b->rec[m].name, r->name) == 0 &&
				    strcmp(b->rec[m].type, r->type) == 0)
					inb = 1;
			if (z == 1 && dns_expects_add(x, zone, r->name,
			    r->type, DNS_WANT_EXACT, r->value) != 0)
				return (-1);
			if (z == 0 && !inb && dns_expects_add(x, zone, r->name,
			    r->type, DNS_WANT_NONE_OF, r->value) != 0)
				return (-1);
		}
	return (0);
}

/* Waits for the expectations on the zone's nameservers. */
static enum st
dns_wait_for(struct dns *d, const struct dns_expects *x, FILE *out,
    char **cause)
{
	struct dns_check_config	 cc;
	enum st			 st;

	if (x->n == 0)
		return (ST_OK);
	if ((st = dns_servers(d, cause)) != ST_OK)
		return (st);
	memset(&cc, 0, sizeof(cc));
	cc.servers = d->servers;
	cc.nservers = d->nservers;
	cc.timeout = d->prop_timeout;
	cc.interval = d->prop_interval;
	cc.query_timeout = d->query_timeout;
	cc.out = out;
	return (dns_check_wait(&cc, x->v, x->n, cause));
}

/*
 * The write, read back and wait of a transaction that changes cur to new
 * (the account lock is held). snapshot: the file holding cur.
 */
static enum st
dns_commit(struct dns *d, const struct dns_zone *cur,
    const struct dns_zone *new, const char *snapshot, FILE *out,
    char **cause)
{
	struct dns_zone	 back;
	struct buf	 diff;
	char		*why = NULL, *s;
	enum st		 st, rst;

	dns_zone_init(&back);
	if ((st = dns_prov_write(d, cur, new, cause)) != ST_OK) {
		/* Did it land after all? Tell the operator where things are. */
		rst = dns_prov_read(d, &back, &why);
		if (rst == ST_OK && dns_zone_equal(&back, new)) {
			log_warnx("dns: %s: the write reported a failure (%s) "
			    "but the zone reads back as written", d->zone,
			    *cause != NULL ? *cause : "?");
			free(*cause);
			*cause = NULL;
			dns_zone_cleanup(&back);
			return (ST_OK);
		}
		cause_set(cause, "the write failed");
		cause_suffix(cause, "; %s; the zone before this change is in "
		    "%s (bootstack dns restore FILE puts it back)",
		    rst != ST_OK ? "the zone could not be read back" :
		    dns_zone_equal(&back, cur) ? "nothing was changed" :
		    "the zone changed in part", snapshot);
		free(why);
		dns_zone_cleanup(&back);
		return (st);
	}
	if ((st = dns_prov_read(d, &back, cause)) != ST_OK) {
		cause_prefix(cause, "written, but reading it back failed");
		return (st);
	}
	if (!dns_zone_equal(&back, new)) {
		buf_init(&diff, 4096);
		(void)dns_zone_diff(new, &back, &diff);
		while (diff.len > 0 && diff.data[diff.len - 1] == '\n')
			diff.data[--diff.len] = '\0';
		/* One line: "- missing record; + unexpected record". */
		for (s = diff.data; s != NULL && (s = strchr(s, '\n')) != NULL;)
			*s = ';';
		cause_set(cause, "the zone read back differs from what "
		    "was written (%s); the zone before this change is in %s "
		    "(bootstack dns restore FILE puts it back)",
		    buf_str(&diff), snapshot);
		buf_cleanup(&diff);
		dns_zone_cleanup(&back);
		return (ST_CONFLICT);
	}
	dns_zone_cleanup(&back);
	return (ST_OK);
}

/* See dns.h. */
enum st
dns_update(struct dns *d, const struct dns_changes *c, int flags, FILE *out,
    int *changed, char **cause)
{
	struct dns_zone		 cur, new;
	struct dns_expects	 x;
	struct buf		 diff;
	char			*snap = NULL;
	int			 n;
	enum st			 st;

	*cause = NULL;
	if (changed != NULL)
		*changed = 0;
	dns_zone_init(&cur);
	dns_zone_init(&new);
	memset(&x, 0, sizeof(x));
	buf_init(&diff, DNS_MAX_DIFF);
	if ((st = dns_lock(d, cause)) != ST_OK)
		goto out;
	if ((st = dns_prov_read(d, &cur, cause)) != ST_OK)
		goto out;
	if (dns_zone_merge(&cur, c, &new, cause) != 0) {
		st = ST_UNPROCESSABLE;
		goto out;
	}
	if ((n = dns_zone_diff(&cur, &new, &diff)) < 0) {
		cause_set(cause, "the diff is too large");
		st = ST_TOOBIG;
		goto out;
	}
	if (n == 0)
		dns_say(out, "%s: no change%s", d->zone, flags & DNS_DRY_RUN ?
		    " (dry run)" : "");
	else {
		dns_say(out, "%s: %d change%s%s", d->zone, n, n == 1 ? "" : "s",
		    flags & DNS_DRY_RUN ? " (dry run: nothing written)" : "");
		dns_say_lines(out, buf_str(&diff));
	}
	if (flags & DNS_DRY_RUN) {
		st = ST_OK;
		goto out;
	}
	if (n > 0) {
		if ((st = dns_snapshot(d, &cur, &snap, cause)) != ST_OK)
			goto out;
		if ((st = dns_commit(d, &cur, &new, snap, out, cause)) != ST_OK)
			goto out;
		if (changed != NULL)
			*changed = 1;
		dns_say(out, "%s: written (the zone before is in %s)", d->zone,
		    snap);
	}
	if ((flags & DNS_NO_WAIT) || (n == 0 && (flags & DNS_NO_VERIFY))) {
		st = ST_OK;
		goto out;
	}
	if (dns_expects_changes(&x, d->zone, c) != 0) {
		cause_set(cause, "out of memory");
		st = ST_NOMEM;
		goto out;
	}
	st = dns_wait_for(d, &x, out, cause);
out:
	dns_unlock(d);
	if (st != ST_OK)
		cause_prefix(cause, "%s", d->zone);
	dns_expects_cleanup(&x);
	buf_cleanup(&diff);
	free(snap);
	dns_zone_cleanup(&cur);
	dns_zone_cleanup(&new);
	return (st);
}

/* See dns.h. */
enum st
dns_restore(struct dns *d, const char *path, int flags, FILE *out,
    char **cause)
{
	struct dns_zone		 cur, want;
	struct dns_expects	 x;
	struct buf		 diff;
	json_object		*obj = NULL;
	char			*snap = NULL;
	int			 n;
	enum st			 st = ST_BADREQ;

	*cause = NULL;
	dns_zone_init(&cur);
	dns_zone_init(&want);
	memset(&x, 0, sizeof(x));
	buf_init(&diff, DNS_MAX_DIFF);
	if ((st = jsonutil_load_file(path, DNS_MAX_SNAPSHOT, 8, 0, &obj,
	    cause)) != ST_OK) {
		st = st == ST_BADREQ ? ST_BADREQ : ST_IO;
		goto out;
	}
	st = ST_BADREQ;
	if (dns_zone_from_json(obj, &want, cause) != 0) {
		cause_prefix(cause, "%s", path);
		goto out;
	}
	if (want.name == NULL || strcasecmp(want.name, d->zone) != 0) {
		cause_set(cause, "%s is a snapshot of %s, not of %s",
		    path, want.name != NULL ? want.name : "no zone", d->zone);
		goto out;
	}
	if ((st = dns_lock(d, cause)) != ST_OK)
		goto out;
	if ((st = dns_prov_read(d, &cur, cause)) != ST_OK)
		goto out;
	if (want.ttl == 0)
		want.ttl = cur.ttl;
	if ((n = dns_zone_diff(&cur, &want, &diff)) < 0) {
		cause_set(cause, "the diff is too large");
		st = ST_TOOBIG;
		goto out;
	}
	if (n == 0) {
		dns_say(out, "%s: no change: the zone is as %s holds", d->zone,
		    path);
		st = ST_OK;
		goto out;
	}
	dns_say(out, "%s: %d change%s%s", d->zone, n, n == 1 ? "" : "s",
	    flags & DNS_DRY_RUN ? " (dry run: nothing written)" : "");
	dns_say_lines(out, buf_str(&diff));
	if (flags & DNS_DRY_RUN) {
		st = ST_OK;
		goto out;
	}
	if ((st = dns_snapshot(d, &cur, &snap, cause)) != ST_OK ||
	    (st = dns_commit(d, &cur, &want, snap, out, cause)) != ST_OK)
		goto out;
	dns_say(out, "%s: restored from %s (the zone before is in %s)",
	    d->zone, path, snap);
	if (flags & DNS_NO_WAIT)
		goto out;
	if (dns_expects_zones(&x, d->zone, &cur, &want) != 0) {
		cause_set(cause, "out of memory");
		st = ST_NOMEM;
		goto out;
	}
	st = dns_wait_for(d, &x, out, cause);
out:
	dns_unlock(d);
	if (st != ST_OK)
		cause_prefix(cause, "%s", d->zone);
	dns_expects_cleanup(&x);
	buf_cleanup(&diff);
	json_object_put(obj);
	free(snap);
	dns_zone_cleanup(&cur);
	dns_zone_cleanup(&want);
	return (st);
}

/* See dns.h. */
enum st
dns_read(struct dns *d, struct dns_zone *z, char **cause)
{
	enum st	 st;

	*cause = NULL;
	dns_zone_init(z);
	if ((st = dns_lock(d, cause)) != ST_OK)
		return (st);
	st = dns_prov_read(d, z, cause);
	dns_unlock(d);
	if (st != ST_OK)
		cause_prefix(cause, "%s", d->zone);
	return (st);
}
