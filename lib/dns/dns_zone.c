/*
 * dns_zone.c: the zone model of lib/dns.h: zones (relative names, lower
 * case types), changes (SET owns a name+type, ADD/REMOVE one value), the
 * merge of asked changes into a read zone (records on other names and
 * types copied untouched, in their order; a CNAME beside other data and
 * addresses on a redirected name refused), the sorted diff, and zones as
 * JSON for snapshots and the DNS-01 journal. Pure: no I/O.
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
#include "dns.h"
#include "dns/dns_int.h"
#include "dns_check.h"
#include "jsonutil.h"

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
char *
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
long
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

