/*
 * dns.c: the site's zone at its DNS provider: opening it (the backend
 * from lib/dns/dns_providers.c), the account lock, snapshots, and the one
 * write path, dns_update(). The zone model is dns_zone.c, the records the
 * configuration declares dns_desired.c.
 *
 * Design: a provider that only rewrites whole zones (Dynadot's set_dns2)
 * is one bad write away from deleting the operator's mail records. So
 * every write is one locked transaction: read the zone (the backend
 * refuses a read it does not fully understand), merge only the asked
 * changes (records of other names and types are copied as read, in their
 * order), print the diff, find the nameservers to wait on (none found:
 * nothing written), save the zone as it was to a snapshot file
 * (`bootstack dns restore FILE` puts it back), read again right before
 * the write and abort if the zone changed since the plan (compare-and-
 * swap, as far as an API without conditional writes allows: the window
 * left is one pacing interval plus the write's own request), write once,
 * read back and require the plan exactly (else write the snapshot's zone
 * back), and wait for the authoritative nameservers before the lock is
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
#include "db.h"
#include "dblock.h"
#include "dns.h"
#include "dns/dns_int.h"
#include "dns_check.h"
#include "fs.h"
#include "jsonutil.h"
#include "log.h"

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
	long			 broken_after;	/* seconds, see dns_check.h */
	int			 no_ipv6;	/* no IPv6 route: found this run */
	int			 lockfd;	/* held in a transaction */
	long long		 last_call;	/* ms since the epoch */
	struct db		*db;		/* [dns] lock = database, or NULL */
	char			*lock_name;	/* the advisory lock's text key */
	int			 db_locked;	/* the advisory lock is held */
	char			 host[256];	/* this host's name, in snapshots */
	int			(*guard)(void *, char **);	/* or NULL */
	void			*guard_arg;
};

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
	d->broken_after = (long)config_int(cfg, "dns", "broken_after");
	if (gethostname(d->host, sizeof(d->host)) != 0)
		(void)snprintf(d->host, sizeof(d->host), "?");
	d->host[sizeof(d->host) - 1] = '\0';
	if (strcmp(config_str(cfg, "dns", "lock"), "database") == 0) {
		if ((d->db = db_new(cfg, NULL)) == NULL ||
		    asprintf(&d->lock_name, "bootstack dns %s %s",
		    d->prov.ops->name, d->prov.account) == -1) {
			d->lock_name = NULL;
			goto nomem_d;
		}
	}
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
	const struct dns_provider_entry	*e;
	const char			*name;

	*cause = NULL;
	memset(&prov, 0, sizeof(prov));
	name = config_str(cfg, "dns", "provider");
	for (e = dns_providers; e->name != NULL; e++)
		if (name != NULL && strcmp(name, e->name) == 0)
			break;
	if (e->name == NULL) {
		cause_set(cause, "[dns] provider: unknown '%s'",
		    name != NULL ? name : "(unset)");
		return (NULL);
	}
	if (e->make(cfg, &prov, cause) != ST_OK)
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
	db_free(d->db);
	free(d->lock_name);
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
void
dns_set_guard(struct dns *d, int (*fn)(void *, char **), void *arg)
{
	d->guard = fn;
	d->guard_arg = arg;
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
 * The account lock across hosts ([dns] lock = database): a session-level
 * PostgreSQL advisory lock keyed by hashtextextended("bootstack dns
 * PROVIDER ACCOUNT"), the account being a hash of its key, so the lock
 * is the same on every host of a deployment that shares the database
 * and names no secret. Tried every 200 ms until `until` (ms of
 * clock_ms()). Held until dns_db_unlock() or the connection ends (a
 * crashed run releases it).
 */
static enum st
dns_db_lock(struct dns *d, long long until, char **cause)
{
	char	*why = NULL, *holder;
	int	 got, logged = 0;

	for (;;) {
		if (dblock_try(d->db, d->lock_name, &got, &why) != ST_OK) {
			cause_set(cause, "cannot take the %s account lock in "
			    "the database ([dns] lock = database): %s",
			    d->prov.ops->name, cause_text(why));
			free(why);
			return (ST_UNAVAILABLE);
		}
		if (got)
			break;
		if (clock_ms() >= until) {
			holder = dblock_holder(d->db, d->lock_name);
			cause_set(cause, "the %s account is locked by a run "
			    "on another host (%s) for more than %ld s (a "
			    "PostgreSQL advisory lock; see pg_locks)",
			    d->prov.ops->name, holder != NULL ? holder : "?",
			    d->lock_timeout);
			free(holder);
			return (ST_UNAVAILABLE);
		}
		if (!logged++) {
			holder = dblock_holder(d->db, d->lock_name);
			log_info("dns: waiting for a run on another host (%s) "
			    "to release the %s account (database lock)",
			    holder != NULL ? holder : "?", d->prov.ops->name);
			free(holder);
		}
		clock_sleep_ms(200);
	}
	d->db_locked = 1;
	return (ST_OK);
}

/* Releases the advisory lock (a failure leaves it to the session's end). */
static void
dns_db_unlock(struct dns *d)
{
	if (!d->db_locked)
		return;
	d->db_locked = 0;
	dblock_release(d->db, d->lock_name);
}

/*
 * Takes the account lock, waiting up to lock_timeout: the local flock
 * (which also paces this host's calls: the lock file's mtime tells when
 * the last call to the account was made), then with [dns] lock =
 * database the advisory lock every host sees.
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
	if (d->db != NULL && dns_db_lock(d, until, cause) != ST_OK) {
		close(d->lockfd);
		d->lockfd = -1;
		return (ST_UNAVAILABLE);
	}
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
	dns_db_unlock(d);
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

/* A failed provider call's *cause through the backend's scrub op. */
static void
dns_prov_scrub(struct dns *d, char **cause)
{
	char	*s;

	if (*cause == NULL || d->prov.ops->scrub == NULL)
		return;
	if ((s = d->prov.ops->scrub(d->prov.priv, *cause)) == NULL) {
		cause_clear(cause);		/* ENOMEM: better no text */
		return;
	}
	free(*cause);
	*cause = s;
}

/* One provider read, paced. */
static enum st
dns_prov_read(struct dns *d, struct dns_zone *z, char **cause)
{
	enum st	 st;

	dns_pace(d);
	st = d->prov.ops->read(d->prov.priv, d->zone, z, cause);
	d->last_call = dns_now();
	if (st != ST_OK)
		dns_prov_scrub(d, cause);
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
	if (st != ST_OK)
		dns_prov_scrub(d, cause);
	return (st);
}

/* True when nm is a snapshot file name: PREFIX (ZONE-) YYYYMMDD... .json. */
static int
dns_is_snapshot(const char *nm, const char *prefix, size_t pl)
{
	size_t	 l = strlen(nm);

	return (strncmp(nm, prefix, pl) == 0 && l >= 5 &&
	    strcmp(nm + l - 5, ".json") == 0 &&
	    strspn(nm + pl, "0123456789") == 8);
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

		if (!dns_is_snapshot(nm, prefix, pl))
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
	json_object_object_add(obj, "host", json_object_new_string(d->host));
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

/*
 * With the local lock only: refuses when the newest snapshot of the zone
 * in snapshot_dir was taken by another host (a folder two hosts share):
 * that host wrote after this one, and the flock does not serialise the
 * two. ST_OK, or ST_CONFLICT naming the host and the file.
 */
static enum st
dns_other_host(struct dns *d, char **cause)
{
	struct dirent	**ents = NULL;
	json_object	 *obj = NULL, *h;
	char		 *prefix = NULL, *path = NULL, *why = NULL;
	const char	 *nm, *host;
	int		  n, i;
	size_t		  pl;
	enum st		  st = ST_OK;

	if (d->db != NULL)
		return (ST_OK);
	if (asprintf(&prefix, "%s-", d->zone) == -1)
		return (ST_OK);
	pl = strlen(prefix);
	if ((n = scandir(d->snapshot_dir, &ents, NULL, alphasort)) < 0) {
		free(prefix);
		return (ST_OK);
	}
	for (i = n; i-- > 0;) {
		nm = ents[i]->d_name;
		if (!dns_is_snapshot(nm, prefix, pl))
			continue;
		if (asprintf(&path, "%s/%s", d->snapshot_dir, nm) == -1) {
			path = NULL;
			break;
		}
		if (jsonutil_load_file(path, DNS_MAX_SNAPSHOT, 8, 0, &obj,
		    &why) == ST_OK && json_object_object_get_ex(obj, "host",
		    &h) && json_object_is_type(h, json_type_string) &&
		    strcmp((host = json_object_get_string(h)), d->host) != 0) {
			cause_set(cause, "the newest snapshot, %s, was taken "
			    "by host %.64s: another host writes this zone "
			    "after this one, and [dns] lock = local serialises "
			    "one host only; set [dns] lock = database on every "
			    "host, or run dns sync on one host", path, host);
			st = ST_CONFLICT;
		}
		break;
	}
	json_object_put(obj);
	free(why);
	free(path);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(prefix);
	return (st);
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

/*
 * Before a write that will be waited for: the nameservers to wait on must
 * be known, or the write is not made (a write whose propagation cannot be
 * checked would leave the lock released on an unconfirmed zone).
 */
static enum st
dns_servers_first(struct dns *d, int flags, char **cause)
{
	enum st	 st;

	if (flags & DNS_NO_WAIT)
		return (ST_OK);
	if ((st = dns_servers(d, cause)) != ST_OK)
		cause_prefix(cause, "nothing written: the nameservers to "
		    "check the change on are not known");
	return (st);
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
	cc.broken_after = d->broken_after;
	cc.no_ipv6 = &d->no_ipv6;
	cc.out = out;
	return (dns_check_wait(&cc, x->v, x->n, cause));
}

/*
 * The difference from a to b on one line ("+ www TXT "x"; - @ A ..."),
 * into *line (caller frees); "?" when it cannot be made.
 */
static char *
dns_diff_line(const struct dns_zone *a, const struct dns_zone *b)
{
	struct buf	 diff;
	char		*s;

	buf_init(&diff, DNS_MAX_DIFF);
	if (dns_zone_diff(a, b, &diff) < 0 || diff.data == NULL) {
		buf_cleanup(&diff);
		return (strdup("?"));
	}
	while (diff.len > 0 && diff.data[diff.len - 1] == '\n')
		diff.data[--diff.len] = '\0';
	for (s = diff.data; (s = strchr(s, '\n')) != NULL;)
		*s = ';';
	s = strdup(diff.data);
	buf_cleanup(&diff);
	return (s);
}

/*
 * The write, read back and wait of a transaction that changes cur to new
 * (the account lock is held). snapshot: the file holding cur.
 *
 * Compare-and-swap: the zone is read once more right before the write
 * (one min_interval after the plan's read, the least the pacing allows);
 * if it is not cur any more (an edit in Dynadot's web UI, another
 * writer), nothing is written and the error names the change. After the
 * write the zone read back must be new exactly; if it is not, cur is
 * written back (the snapshot's zone) and the run fails. Every message
 * after the write names the snapshot.
 */
static enum st
dns_commit(struct dns *d, const struct dns_zone *cur,
    const struct dns_zone *new, const char *snapshot, FILE *out,
    char **cause)
{
	struct dns_zone	 back, again;
	char		*why = NULL, *line;
	enum st		 st, rst;

	(void)out;
	dns_zone_init(&back);
	dns_zone_init(&again);
	if ((st = dns_prov_read(d, &again, cause)) != ST_OK) {
		cause_prefix(cause, "nothing written: the read right before "
		    "the write failed");
		return (st);
	}
	if (!dns_zone_equal(&again, cur)) {
		line = dns_diff_line(cur, &again);
		cause_set(cause, "the zone changed since it was read (%s): "
		    "nothing was written; the next run plans from the zone "
		    "as it is then", line != NULL ? line : "?");
		free(line);
		dns_zone_cleanup(&again);
		return (ST_CONFLICT);
	}
	dns_zone_cleanup(&again);
	if (d->guard != NULL && d->guard(d->guard_arg, cause) == -1) {
		cause_prefix(cause, "nothing written");
		return (ST_UNAVAILABLE);
	}
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
		cause_suffix(cause, "; the zone before this change is in %s "
		    "(bootstack dns restore FILE puts it back)", snapshot);
		return (st);
	}
	if (dns_zone_equal(&back, new)) {
		dns_zone_cleanup(&back);
		return (ST_OK);
	}
	/* Not what was planned: put the zone back as it was. */
	line = dns_diff_line(new, &back);
	cause_set(cause, "the zone read back differs from what was written "
	    "(%s)", line != NULL ? line : "?");
	free(line);
	if ((rst = dns_prov_write(d, &back, cur, &why)) == ST_OK) {
		dns_zone_cleanup(&back);
		if ((rst = dns_prov_read(d, &back, &why)) == ST_OK &&
		    !dns_zone_equal(&back, cur)) {
			rst = ST_CONFLICT;
			line = dns_diff_line(cur, &back);
			cause_set(&why, "it reads back as %s", line != NULL ?
			    line : "?");
			free(line);
		}
	}
	if (rst == ST_OK)
		cause_suffix(cause, "; restored the zone as it was from %s",
		    snapshot);
	else
		cause_suffix(cause, "; restoring the zone as it was failed "
		    "(%s); the zone before this change is in %s (bootstack dns "
		    "restore FILE puts it back)", why != NULL ? why : "?",
		    snapshot);
	free(why);
	dns_zone_cleanup(&back);
	return (ST_CONFLICT);
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
		if ((st = dns_other_host(d, cause)) != ST_OK ||
		    (st = dns_servers_first(d, flags, cause)) != ST_OK ||
		    (st = dns_snapshot(d, &cur, &snap, cause)) != ST_OK)
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
	if ((st = dns_servers_first(d, flags, cause)) != ST_OK ||
	    (st = dns_snapshot(d, &cur, &snap, cause)) != ST_OK ||
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
