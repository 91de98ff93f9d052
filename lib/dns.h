/*
 * dns.h: the DNS zone of the site, kept by a provider (Dynadot first).
 *
 * Three layers, top down:
 *
 *   - struct dns (dns.c): one zone at one provider, opened from [dns] and
 *     the provider's section. dns_update() is the only way anything is
 *     written: one transaction that locks the account, reads the whole
 *     zone, merges the asked changes into it (never touching a record it
 *     was not asked to change), prints the diff, finds the nameservers
 *     (or writes nothing), snapshots the zone as it was, reads it again
 *     and writes nothing if it changed since the plan, writes the new
 *     zone in one provider call, reads it back and requires the plan
 *     exactly (else writes the snapshot's zone back), then waits until
 *     the zone's authoritative nameservers serve the change (dns_check.h). A read that holds anything the
 *     provider does not fully understand refuses the write: a full-zone
 *     rewrite from a partial read would delete what it missed.
 *   - struct dns_provider: the backend's operations (read the zone, write
 *     a zone) in lib/dns/<provider>.c. Writes are whole zones because
 *     that is what Dynadot's api3 offers (set_dns2); a provider with
 *     per-record calls may diff old and new itself.
 *   - Pure helpers (zones, changes, merge, diff, snapshots as JSON, the
 *     desired records of the config, secret scrubbing), public for the
 *     tests.
 *
 * Record names are relative to the zone: "" is the apex (printed "@"),
 * "www", "_acme-challenge.www". Types are lower-case words as the provider
 * spells them ("a", "aaaa", "cname", "txt", "mx", "forward", ...); bootstack
 * itself only ever asks for a, aaaa, cname and txt.
 *
 * The DNS-01 solver (dns_acme.c) adds the _acme-challenge TXT values of a
 * whole ACME order in one dns_update() and removes them in one more.
 */
#ifndef LIB_DNS_H
#define LIB_DNS_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "st.h"

struct acme_solver;
struct buf;
struct config;
struct dns_check_config;

#define DNS_MAX_RECORDS		1000	/* records in a zone we accept */

/* One record of a zone. */
struct dns_record {
	char	*name;		/* relative: "" = apex; lower case */
	char	*type;		/* lower case: "a", "txt", "mx", ... */
	char	*value;		/* address, target or text */
	char	*value2;	/* second field (MX distance, forward kind,
				   ...) or NULL */
};

/* A whole zone, as read from or written to a provider. */
struct dns_zone {
	char			*name;		/* "example.com", or NULL */
	long			 ttl;		/* zone TTL; 0 = unknown */
	struct dns_record	*rec;		/* owned */
	size_t			 n;
	size_t			 cap;
};

void	 dns_zone_init(struct dns_zone *);
void	 dns_zone_cleanup(struct dns_zone *);		/* safe twice */
/* Appends a copy of the record (value2 may be NULL). 0, or -1 on ENOMEM. */
int	 dns_zone_add(struct dns_zone *, const char *name, const char *type,
	    const char *value, const char *value2);
/* dst = a copy of src (dst initialised). 0, or -1 on ENOMEM. */
int	 dns_zone_copy(struct dns_zone *dst, const struct dns_zone *src);
/*
 * True when both hold the same records (in any order) and TTL (a TTL of 0,
 * unknown, matches any).
 */
int	 dns_zone_equal(const struct dns_zone *, const struct dns_zone *);
/*
 * True when two values of type are the same data: addresses compare as
 * addresses, names without case and trailing dot, text exactly.
 */
int	 dns_value_equal(const char *type, const char *, const char *);

/* What a change does to (name, type). */
enum dns_op {
	DNS_OP_SET,	/* (name, type) holds exactly the SET values given */
	DNS_OP_ADD,	/* value is added unless present */
	DNS_OP_REMOVE,	/* value is removed if present */
};

struct dns_change {
	enum dns_op	 op;
	char		*name;		/* relative, lower case */
	char		*type;		/* a, aaaa, cname or txt */
	char		*value;
};

/* A list of changes for one transaction. */
struct dns_changes {
	struct dns_change	*v;		/* owned */
	size_t			 n;
	size_t			 cap;
	long			 ttl;		/* new zone TTL; 0 = keep */
};

void	 dns_changes_init(struct dns_changes *);
void	 dns_changes_cleanup(struct dns_changes *);	/* safe twice */
/* Appends a copy. 0, or -1 on ENOMEM. */
int	 dns_changes_add(struct dns_changes *, enum dns_op, const char *name,
	    const char *type, const char *value);

/*
 * Merges changes into cur, giving *out (initialised by the call; caller
 * cleans it up). Refuses (-1 with *cause) a change that would break the
 * zone: a CNAME beside other data on one name, an address or CNAME on a
 * name the provider redirects (forward, stealth). Records on names and
 * types the changes do not name are copied untouched, in their order.
 */
int	 dns_zone_merge(const struct dns_zone *cur,
	    const struct dns_changes *, struct dns_zone *out, char **cause);
/*
 * The difference from a to b as lines "- NAME TYPE VALUE", "+ NAME TYPE
 * VALUE" and "~ TTL A -> B", sorted by name, type, removal first; NAME "@"
 * for the apex, TYPE upper case, TXT values quoted. Returns the number of
 * lines (0 = same zone), or -1 on ENOMEM / ST_TOOBIG of out.
 */
int	 dns_zone_diff(const struct dns_zone *a, const struct dns_zone *b,
	    struct buf *out);

/* The zone as a JSON object (caller json_object_put()s); NULL on ENOMEM. */
json_object *dns_zone_to_json(const struct dns_zone *);
/* Reads a zone written by dns_zone_to_json. 0, or -1 with *cause. */
int	 dns_zone_from_json(json_object *, struct dns_zone *, char **cause);

/*
 * The records the configuration declares for zone: [dns] hosts (else the
 * [site] names inside the zone, else the apex) pointed at [dns] ipv4 /
 * ipv6 (SET: other addresses of those names are replaced), [dns_record
 * NAME] sections (A, AAAA, CNAME: SET; TXT: ADD, so other TXT values
 * stay), and [dns] ttl.
 * *changes is initialised by the call. 0, or -1 with *cause.
 */
int	 dns_desired(const struct config *, const char *zone,
	    struct dns_changes *, char **cause);
/*
 * The zone's name from the configuration: [dns] zone, else [site] domain.
 * Borrowed from the config, or NULL when neither is set.
 */
const char *dns_config_zone(const struct config *);
/*
 * name relative to zone ("www.example.com" in "example.com" -> "www",
 * the zone itself -> ""), lower-cased; NULL when name is not inside zone
 * or on ENOMEM. Caller frees.
 */
char	*dns_relative(const char *name, const char *zone);

/* --- providers ----------------------------------------------------------- */

/*
 * A backend's operations. Each returns ST_OK, or with *cause set (one
 * line, caller frees, secrets scrubbed): ST_UNPROCESSABLE when the zone
 * is refused (a record type or field the backend does not fully
 * understand, a zone it does not serve), ST_UPSTREAM when the provider
 * answered an error (its own message in *cause), ST_UNAVAILABLE when it
 * could not be reached after the backend's retries. Calls happen only
 * while dns_update() holds the account lock.
 */
struct dns_provider_ops {
	const char	*name;		/* "dynadot" */
	/* Reads the whole zone; *z is initialised by the call. */
	enum st		(*read)(void *, const char *zone,
			    struct dns_zone *z, char **cause);
	/* Makes the provider's zone equal to new (old: what read gave). */
	enum st		(*write)(void *, const struct dns_zone *old,
			    const struct dns_zone *new, char **cause);
	void		(*free)(void *);
	/*
	 * A copy of text with the backend's secrets hidden (caller frees;
	 * NULL on ENOMEM). Every error text of the backend goes through it
	 * before it leaves lib/dns. NULL: nothing to hide.
	 */
	char		*(*scrub)(void *, const char *text);
};

struct dns_provider {
	const struct dns_provider_ops	*ops;
	void				*priv;		/* backend state */
	long				 min_interval_ms; /* between calls */
	char				 account[64];	/* stable, non-secret
							   name of the account
							   (a hash of its key)
							   for the lock; "" =
							   one per provider */
};

/*
 * The backends dns_open() can make, by [dns] provider name: each fills *p
 * from its configuration section (ST_OK), or says why not (ST_BADREQ with
 * *cause). The table, NULL-ended, is lib/dns/dns_providers.c: the only
 * file that knows every backend, so the zone code knows none of them.
 */
struct dns_provider_entry {
	const char	*name;		/* "dynadot" */
	enum st		(*make)(const struct config *, struct dns_provider *p,
			    char **cause);
};
extern const struct dns_provider_entry dns_providers[];

/* --- the zone at its provider -------------------------------------------- */

struct dns;

/*
 * Opens the configured zone: [dns] provider and its section ([dynadot]),
 * zone, snapshot_dir (made 0700), nameservers, timing and the lock
 * ([dns] lock = database: the config is borrowed by the database handle
 * and must outlive the struct dns). Nothing is contacted yet. Caller
 * dns_free()s; NULL with *cause.
 */
struct dns	*dns_open(const struct config *, char **cause);
/* Same with a provider given (tests); takes ownership of prov. */
struct dns	*dns_open_with(const struct config *, struct dns_provider *,
		    char **cause);
void		 dns_free(struct dns *);			/* NULL-safe */
const char	*dns_zone(const struct dns *);			/* borrowed */
const char	*dns_snapshot_dir(const struct dns *);		/* borrowed */
/*
 * A check made right before each write to the provider (after the zone
 * is read again): 0 goes on; -1 with *cause stops with nothing written
 * (ST_UNAVAILABLE). `bootstack dns sync` checks there that its job's lock
 * is still its own (lib/dblock.h). fn NULL: none (the default).
 */
void		 dns_set_guard(struct dns *, int (*fn)(void *, char **),
		    void *arg);

enum {
	DNS_DRY_RUN	= 1 << 0,	/* read and diff only */
	DNS_NO_WAIT	= 1 << 1,	/* do not wait for the nameservers */
	DNS_NO_VERIFY	= 1 << 2,	/* no propagation check when nothing
					   changed */
};

/*
 * One transaction (see the top of this file). Progress and the diff go to
 * out, line by line ("ZONE: 2 changes", "+ www A 192.0.2.1", ...), or to
 * the info log when out is NULL. With nothing to change nothing is
 * written, but the nameservers are still checked (so a run after a
 * propagation timeout finishes the wait) unless DNS_NO_VERIFY. Returns
 * ST_OK; ST_UNPROCESSABLE when the zone or the change is refused;
 * ST_UPSTREAM / ST_UNAVAILABLE when the provider failed (the zone is as
 * the snapshot named in *cause says, or unchanged); ST_CONFLICT when the
 * zone changed between the plan and the write (nothing written) or read
 * back differs from what was written (the zone as it was written back,
 * *cause says whether that worked); ST_BADREQ / ST_UNAVAILABLE when the
 * nameservers to wait on cannot be found or the guard (dns_set_guard)
 * refused the write (nothing written); ST_TIMEOUT when the
 * nameservers did not all serve the change in time; ST_IO for a local
 * file. *changed (may be NULL) is set when a write was made.
 */
enum st		 dns_update(struct dns *, const struct dns_changes *,
		    int flags, FILE *out, int *changed, char **cause);
/*
 * Writes the zone of a snapshot file back (one write, read back and
 * checked, then waited for), after snapshotting the current zone. Same
 * results as dns_update.
 */
enum st		 dns_restore(struct dns *, const char *path, int flags,
		    FILE *out, char **cause);
/* Reads the zone (under the account lock). *z initialised by the call. */
enum st		 dns_read(struct dns *, struct dns_zone *, char **cause);

/* --- DNS-01 (RFC 8555 section 8.4) --------------------------------------- */

struct dns_acme;

/*
 * A DNS-01 solver on d (borrowed; must outlive it): present() collects the
 * TXT values, ready() adds all of them to the zone in one dns_update() and
 * waits for the nameservers, cleanup() removes them in one more write
 * once the last one is cleaned up. A journal file in the snapshot folder
 * remembers values added and not yet removed, so a crash leaves nothing
 * behind for long: the next DNS-01 run removes them in its own write.
 */
struct dns_acme	*dns_acme_new(struct dns *d, char **cause);
void		 dns_acme_free(struct dns_acme *);		/* NULL-safe */
/* Fills s with the solver (type "dns-01", arg = a). */
void		 dns_acme_solver(struct dns_acme *a, struct acme_solver *s);

#endif
