/*
 * dns_acme.c: the DNS-01 challenge solver (RFC 8555 section 8.4) behind
 * the struct acme_solver hook of acme.h, on a struct dns zone.
 *
 * Design: one write per run. present() only collects the TXT values
 * (_acme-challenge.<identifier>, relative to the zone); ready() puts all
 * of them into the zone in ONE dns_update(), which also waits until every
 * authoritative nameserver serves them, so an apex and its wildcard (two
 * values on one name) are added together, never one over the other, and
 * the CA is asked to validate only once they are visible. When ready()
 * fails (the provider, or the propagation deadline) the ACME client does
 * not respond to the challenges: the order stays pending for the next
 * run. cleanup() is called once per presented challenge; the last call
 * removes every value in ONE more write (which also waits, so the next
 * write never overtakes it at the provider).
 *
 * A journal, <snapshot_dir>/<zone>.acme.json, lists the values that may
 * still be at the provider: written before the adding write, deleted after
 * the removing one. A run that died in between leaves it behind, and the
 * next DNS-01 run removes those values in its own single write.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acme.h"
#include "cause.h"
#include "dns.h"
#include "jsonutil.h"
#include "log.h"

#define DNS_ACME_MAX_JOURNAL	(1024 * 1024)	/* bytes */

struct dns_acme {
	struct dns	*d;		/* borrowed */
	struct dns_zone	 cur;		/* this run's TXT values */
	size_t		 live;		/* presented, not cleaned up */
	int		 written;	/* ready() tried to write */
	char		*journal;	/* <snapshot_dir>/<zone>.acme.json */
};

/* See dns.h. */
struct dns_acme *
dns_acme_new(struct dns *d, char **cause)
{
	struct dns_acme	*a;

	*cause = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    asprintf(&a->journal, "%s/%s.acme.json", dns_snapshot_dir(d),
	    dns_zone(d)) == -1) {
		free(a);
		cause_set(cause, "out of memory");
		return (NULL);
	}
	a->d = d;
	dns_zone_init(&a->cur);
	return (a);
}

/* See dns.h. */
void
dns_acme_free(struct dns_acme *a)
{
	if (a == NULL)
		return;
	dns_zone_cleanup(&a->cur);
	free(a->journal);
	free(a);
}

/* True when z holds the TXT value on name. */
static int
dns_acme_has(const struct dns_zone *z, const char *name, const char *value)
{
	size_t	 i;

	for (i = 0; i < z->n; i++)
		if (strcasecmp(z->rec[i].name, name) == 0 &&
		    strcmp(z->rec[i].value, value) == 0)
			return (1);
	return (0);
}

/* Writes the journal: the values of z (0600). */
static int
dns_acme_journal_save(struct dns_acme *a, const struct dns_zone *z,
    char **cause)
{
	json_object	*obj;
	int		 rc;

	if ((obj = dns_zone_to_json(z)) == NULL)
		return (cause_set(cause, "out of memory"));
	rc = jsonutil_save_file(a->journal, obj, 0600, cause);
	json_object_put(obj);
	return (rc);
}

/* Reads the journal left by an earlier run into *z (empty if none). */
static void
dns_acme_journal_load(struct dns_acme *a, struct dns_zone *z)
{
	json_object	*obj = NULL;
	char		*cause = NULL;
	enum st		 st;

	dns_zone_init(z);
	st = jsonutil_load_file(a->journal, DNS_ACME_MAX_JOURNAL, 8, 0, &obj,
	    &cause);
	if (st != ST_NOTFOUND && (st != ST_OK ||
	    dns_zone_from_json(obj, z, &cause) != 0))
		log_warnx("dns-01: ignoring the journal %s: %s", a->journal,
		    cause_text(cause));
	free(cause);
	json_object_put(obj);
}

/* present(): collects _acme-challenge.<identifier> = dns_value. */
static int
dns_acme_present(struct acme_solver *s, const struct acme_challenge *c,
    char **cause)
{
	struct dns_acme	*a = s->arg;
	char		*fq = NULL, *rel = NULL;
	int		 rc = -1;

	*cause = NULL;
	if (asprintf(&fq, "_acme-challenge.%s", c->identifier) == -1) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	if ((rel = dns_relative(fq, dns_zone(a->d))) == NULL) {
		cause_set(cause, "%s is not inside the zone %s that "
		    "bootstack manages ([dns] zone)", c->identifier,
		    dns_zone(a->d));
		goto out;
	}
	if (!dns_acme_has(&a->cur, rel, c->dns_value) &&
	    dns_zone_add(&a->cur, rel, "txt", c->dns_value, NULL) != 0) {
		cause_set(cause, "out of memory");
		goto out;
	}
	a->live++;
	rc = 0;
out:
	free(fq);
	free(rel);
	return (rc);
}

/*
 * ready(): one write adding every collected value (and removing what a
 * dead earlier run left), then the wait for the nameservers.
 */
static int
dns_acme_ready(struct acme_solver *s, char **cause)
{
	struct dns_acme		*a = s->arg;
	struct dns_changes	 ch;
	struct dns_zone		 stale, all;
	size_t			 i;
	enum st			 st;
	int			 rc = -1;

	*cause = NULL;
	dns_changes_init(&ch);
	dns_zone_init(&all);
	dns_acme_journal_load(a, &stale);
	if (dns_zone_copy(&all, &a->cur) != 0)
		goto nomem;
	for (i = 0; i < a->cur.n; i++)
		if (dns_changes_add(&ch, DNS_OP_ADD, a->cur.rec[i].name, "txt",
		    a->cur.rec[i].value) != 0)
			goto nomem;
	for (i = 0; i < stale.n; i++) {
		if (dns_acme_has(&a->cur, stale.rec[i].name,
		    stale.rec[i].value))
			continue;
		if (dns_changes_add(&ch, DNS_OP_REMOVE, stale.rec[i].name,
		    "txt", stale.rec[i].value) != 0 || dns_zone_add(&all,
		    stale.rec[i].name, "txt", stale.rec[i].value, NULL) != 0)
			goto nomem;
	}
	if (all.name == NULL && (all.name = strdup(dns_zone(a->d))) == NULL)
		goto nomem;
	/* Journal first: whatever happens next, it names what may be there. */
	if (dns_acme_journal_save(a, &all, cause) != 0)
		goto out;
	log_info("dns-01: adding %zu TXT value%s to %s", a->cur.n,
	    a->cur.n == 1 ? "" : "s", dns_zone(a->d));
	a->written = 1;
	st = dns_update(a->d, &ch, 0, NULL, NULL, cause);
	if (st == ST_OK) {
		/* The stale values are gone: the journal is this run's. */
		if (stale.n > 0 &&
		    dns_acme_journal_save(a, &a->cur, cause) != 0)
			log_warnx("dns-01: %s", *cause);
		free(*cause);
		*cause = NULL;
		rc = 0;
	}
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	dns_changes_cleanup(&ch);
	dns_zone_cleanup(&stale);
	dns_zone_cleanup(&all);
	return (rc);
}

/* cleanup(): the last call removes every value in one write. */
static int
dns_acme_cleanup(struct acme_solver *s, const struct acme_challenge *c,
    char **cause)
{
	struct dns_acme		*a = s->arg;
	struct dns_changes	 ch;
	size_t			 i;
	enum st			 st;
	int			 changed = 0;

	(void)c;
	*cause = NULL;
	if (a->live > 0)
		a->live--;
	if (a->live > 0 || !a->written)
		return (0);
	a->written = 0;
	dns_changes_init(&ch);
	for (i = 0; i < a->cur.n; i++)
		if (dns_changes_add(&ch, DNS_OP_REMOVE, a->cur.rec[i].name,
		    "txt", a->cur.rec[i].value) != 0) {
			dns_changes_cleanup(&ch);
			cause_set(cause, "out of memory");
			return (-1);
		}
	log_info("dns-01: removing %zu TXT value%s from %s", a->cur.n,
	    a->cur.n == 1 ? "" : "s", dns_zone(a->d));
	st = dns_update(a->d, &ch, 0, NULL, &changed, cause);
	dns_changes_cleanup(&ch);
	/* Removed at the provider (maybe not yet visible): journal done. */
	if (st == ST_OK || st == ST_TIMEOUT) {
		if (unlink(a->journal) == -1 && errno != ENOENT)
			log_warnx("dns-01: cannot remove %s: %s", a->journal,
			    strerror(errno));
	}
	return (st == ST_OK ? 0 : -1);
}

/* See dns.h. */
void
dns_acme_solver(struct dns_acme *a, struct acme_solver *s)
{
	memset(s, 0, sizeof(*s));
	s->type = "dns-01";
	s->present = dns_acme_present;
	s->ready = dns_acme_ready;
	s->cleanup = dns_acme_cleanup;
	s->arg = a;
}
