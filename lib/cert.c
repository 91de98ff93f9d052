/*
 * cert.c: the certificate life cycle; see cert.h for the steps.
 *
 * Design: cert_renew_one() is the straight line of one certificate's run:
 * due? (cert_due), order (cert_order), solve and finalize (lib/acme),
 * check the chain, install with FILE.prev kept (cert_install), test and
 * put back on failure (cert_deploy_test), reload, status file. The
 * decisions along it are pure functions of the facts gathered first, so
 * every branch has a unit test (tests/unit/check_cert.c); the run itself
 * is tested end to end against Pebble (tests/e2e/050-cert.sh, 061), and
 * profiles, ARI and rate limits against tests/e2e/acme-server.py (055,
 * 056, 057).
 *
 * Caveats: one flock for the whole run is the caller's (app/cli_cert.c);
 * a saved order is trusted to belong to this account (it was made by it).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acme.h"
#include "cause.h"
#include "cert.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dns.h"
#include "fs.h"
#include "jsonutil.h"
#include "log.h"
#include "proc.h"

/* True if (section, key) is in the config table (keys others may add). */
static int
cert_has_key(const char *section, const char *key)
{
	const struct config_key	*k;

	for (k = config_keys; k->name != NULL; k++)
		if (strcmp(k->section, section) == 0 &&
		    strcmp(k->name, key) == 0)
			return (1);
	return (0);
}

/* [cert] key, else [nginx] fallback when that key exists, else def. */
static const char *
cert_fallback(const struct config *cfg, size_t i, const char *key,
    const char *nginx_key, const char *def)
{
	const char	*v;

	if ((v = config_istr(cfg, "cert", i, key)) != NULL)
		return (v);
	if (cert_has_key("nginx", nginx_key) &&
	    (v = config_str(cfg, "nginx", nginx_key)) != NULL)
		return (v);
	return (def);
}

/* See cert.h. */
void
cert_cleanup(struct cert *c)
{
	size_t	 i;

	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->cert_file);
	free(c->chain_file);
	free(c->fullchain_file);
	free(c->key_file);
	free(c->status_file);
	free(c->order_file);
	free(c->pending_key);
	free(c->ari_file);
	free(c->check_host);
	free(c->check_port);
	free(c->check_endpoint);
	memset(c, 0, sizeof(*c));
}

/*
 * True if s is a DNS name we accept ("*." only as a whole first label; the
 * last label not all digits, RFC 3696 2, so 192.0.2.300 is no name).
 */
static int
cert_name_ok(const char *s)
{
	const char	*p = s;
	size_t		 label = 0;
	int		 digits = 1;

	if (strlen(s) == 0 || strlen(s) > 253)
		return (0);
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return (0);
			label = 0;
			digits = 1;
			continue;
		}
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '-') || ++label > 63)
			return (0);
		if (!isdigit((unsigned char)*p))
			digits = 0;
	}
	return (label > 0 && !digits);
}

/*
 * An IP address literal in its canonical text (RFC 5952 for IPv6, as RFC
 * 8738 wants it in the identifier) into buf; 0, or -1 if s is none.
 */
static int
cert_ip_canon(const char *s, char *buf, size_t size)
{
	unsigned char	 a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		return (inet_ntop(AF_INET, a, buf, (socklen_t)size) != NULL ?
		    0 : -1);
	if (inet_pton(AF_INET6, s, a) == 1)
		return (inet_ntop(AF_INET6, a, buf, (socklen_t)size) != NULL ?
		    0 : -1);
	return (-1);
}

/*
 * Splits the names value into c->names (lower-cased, checked, no
 * repeats): DNS names, and IP addresses (RFC 8738) in canonical form.
 */
static int
cert_parse_names(struct cert *c, const char *value, char **cause)
{
	char	*copy, *tok, *save = NULL, *p, **nv, ip[INET6_ADDRSTRLEN];
	size_t	 i;

	if (value == NULL || (copy = strdup(value)) == NULL) {
		cause_set(cause, "[cert %s] names is not set", c->name);
		return (-1);
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		for (p = tok; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (cert_ip_canon(tok, ip, sizeof(ip)) == 0)
			tok = ip;
		else if (!cert_name_ok(tok)) {
			cause_set(cause, "[cert %s] names: '%s' is neither a "
			    "DNS name nor an IP address", c->name, tok);
			goto fail;
		}
		for (i = 0; i < c->nnames; i++)
			if (strcmp(c->names[i], tok) == 0)
				break;
		if (i < c->nnames)
			continue;
		if (c->nnames >= CERT_MAX_NAMES) {
			cause_set(cause, "[cert %s] names: more than %d",
			    c->name, CERT_MAX_NAMES);
			goto fail;
		}
		if ((nv = reallocarray(c->names, c->nnames + 1,
		    sizeof(char *))) == NULL)
			goto nomem;
		c->names = nv;
		if ((c->names[c->nnames] = strdup(tok)) == NULL)
			goto nomem;
		c->nnames++;
	}
	free(copy);
	if (c->nnames == 0) {
		cause_set(cause, "[cert %s] names is empty", c->name);
		return (-1);
	}
	return (0);
nomem:
	cause_set(cause, "out of memory");
fail:
	free(copy);
	return (-1);
}

/* path = configured value, else <state_dir>/live/NAME/file. */
static int
cert_path(const struct config *cfg, size_t i, const char *key,
    const char *state_dir, const char *name, const char *file, char **out)
{
	const char	*v = config_istr(cfg, "cert", i, key);

	if (v != NULL && *v != '\0')
		*out = strdup(v);
	else if (asprintf(out, "%s/live/%s/%s", state_dir, name, file) == -1)
		*out = NULL;
	return (*out == NULL ? -1 : 0);
}

/* See cert.h. */
int
cert_load(const struct config *cfg, size_t i, const char *state_dir,
    struct cert *c, char **cause)
{
	const char	*kt;
	size_t		 j;

	memset(c, 0, sizeof(*c));
	*cause = NULL;
	c->name = config_iname(cfg, "cert", i);
	if (cert_parse_names(c, config_istr(cfg, "cert", i, "names"),
	    cause) != 0)
		return (-1);
	c->challenge = config_istr(cfg, "cert", i, "challenge");
	c->profile = config_istr(cfg, "cert", i, "profile");
	for (j = 0; j < c->nnames && strcmp(c->challenge, "dns-01") == 0; j++)
		if (strcmp(acme_identifier_type(c->names[j]), "ip") == 0) {
			/* RFC 8738 7: no DNS-01 for an address. */
			cause_set(cause, "[cert %s] challenge: '%s' is an IP "
			    "address, which dns-01 cannot prove (RFC 8738); "
			    "use http-01, or a separate [cert] for it",
			    c->name, c->names[j]);
			return (-1);
		}
	if ((kt = config_istr(cfg, "cert", i, "key_type")) == NULL)
		kt = config_str(cfg, "acme", "key_type");
	if (crypto_key_type_parse(kt, &c->ktype) != 0) {
		cause_set(cause, "[cert %s] key_type: unknown '%s'",
		    c->name, kt);
		return (-1);
	}
	if (cert_path(cfg, i, "cert_file", state_dir, c->name, "cert.pem",
	    &c->cert_file) != 0 ||
	    cert_path(cfg, i, "chain_file", state_dir, c->name, "chain.pem",
	    &c->chain_file) != 0 ||
	    cert_path(cfg, i, "fullchain_file", state_dir, c->name,
	    "fullchain.pem", &c->fullchain_file) != 0 ||
	    cert_path(cfg, i, "key_file", state_dir, c->name, "privkey.pem",
	    &c->key_file) != 0 ||
	    asprintf(&c->status_file, "%s/%s.status.json", state_dir,
	    c->name) == -1 ||
	    asprintf(&c->order_file, "%s/%s.order.json", state_dir,
	    c->name) == -1 ||
	    asprintf(&c->pending_key, "%s/%s.key.pending", state_dir,
	    c->name) == -1 ||
	    asprintf(&c->ari_file, "%s/%s.ari.json", state_dir,
	    c->name) == -1) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	c->webroot = cert_fallback(cfg, i, "webroot", "webroot", NULL);
	c->test_cmd = cert_fallback(cfg, i, "test_command", "test_command",
	    "nginx -t -q");
	c->reload_cmd = cert_fallback(cfg, i, "reload_command",
	    "reload_command", "nginx -s reload");
	return (cert_endpoint_load(cfg, i, c, cause));
}

/* --- the status file ------------------------------------------------------ */

/* Reads a small JSON object file; NULL if missing or unreadable. */
static json_object *
cert_json_load(const char *path)
{
	json_object	*obj;

	(void)jsonutil_load_file(path, CERT_MAX_STATE, 8, JSONUTIL_OBJECT, &obj,
	    NULL);
	return (obj);
}

/* Adds key = a time string, or null for 0. */
static void
cert_json_time(json_object *obj, const char *key, time_t t)
{
	char	 buf[32];

	json_object_object_add(obj, key, t > 0 ?
	    json_object_new_string(clock_rfc3339_fmt(t, buf, sizeof(buf))) : NULL);
}

/*
 * Writes NAME.status.json: the attempt (now), its result ("ok", "not-due"
 * or "failed"), the error, and what the installed certificate says. The
 * last success time is carried over from the previous file.
 */
void
cert_status_write(const struct cert *c, const char *result, const char *error,
    const struct crypto_cert *cur, const struct crypto_cert *installed,
    time_t next, time_t now)
{
	static const char *const served[] = { "not_before", "not_after",
	    "serial" };
	json_object	*obj, *old, *names, *v, *inst;
	char		*cause = NULL;
	size_t		 i;

	if ((obj = json_object_new_object()) == NULL)
		return;
	old = cert_json_load(c->status_file);
	json_object_object_add(obj, "name", json_object_new_string(c->name));
	names = json_object_new_array();
	for (i = 0; i < c->nnames; i++)
		json_object_array_add(names, json_object_new_string(c->names[i]));
	json_object_object_add(obj, "names", names);
	cert_json_time(obj, "last_attempt", now);
	json_object_object_add(obj, "result", json_object_new_string(result));
	json_object_object_add(obj, "error", error != NULL ?
	    json_object_new_string(error) : NULL);
	json_object_object_add(obj, "held_by", NULL);
	json_object_object_add(obj, "last_skipped", old != NULL &&
	    json_object_object_get_ex(old, "last_skipped", &v) ?
	    json_object_get(v) : NULL);
	if (strcmp(result, "ok") == 0)
		cert_json_time(obj, "last_success", now);
	else if (old != NULL && json_object_object_get_ex(old, "last_success",
	    &v))
		json_object_object_add(obj, "last_success", json_object_get(v));
	else
		json_object_object_add(obj, "last_success", NULL);
	if (strcmp(result, "ok") == 0)
		cert_json_time(obj, "last_renewal", now);
	else if (old != NULL && json_object_object_get_ex(old, "last_renewal",
	    &v))
		json_object_object_add(obj, "last_renewal", json_object_get(v));
	else
		json_object_object_add(obj, "last_renewal", NULL);
	if (installed != NULL) {
		/* nginx still serves what the previous file said. */
		for (i = 0; i < sizeof(served) / sizeof(served[0]); i++)
			json_object_object_add(obj, served[i], old != NULL &&
			    json_object_object_get_ex(old, served[i], &v) ?
			    json_object_get(v) : NULL);
	} else {
		cert_json_time(obj, "not_before", cur != NULL ?
		    cur->not_before : 0);
		cert_json_time(obj, "not_after", cur != NULL ?
		    cur->not_after : 0);
		json_object_object_add(obj, "serial", cur != NULL &&
		    cur->serial != NULL ? json_object_new_string(cur->serial) :
		    NULL);
	}
	/* A revocation stays on record (cert_due compares its serial). */
	if (old != NULL && json_object_object_get_ex(old, "revoked", &v))
		json_object_object_add(obj, "revoked", json_object_get(v));
	/* A rate limit's "not before" lasts until a success. */
	if (strcmp(result, "ok") != 0 && old != NULL &&
	    json_object_object_get_ex(old, "rate_limited_until", &v))
		json_object_object_add(obj, "rate_limited_until",
		    json_object_get(v));
	json_object_object_add(obj, "deploy", json_object_new_string(
	    installed != NULL ? "reload-pending" : "served"));
	inst = NULL;
	if (installed != NULL && (inst = json_object_new_object()) != NULL) {
		json_object_object_add(inst, "serial", installed->serial !=
		    NULL ? json_object_new_string(installed->serial) : NULL);
		cert_json_time(inst, "not_after", installed->not_after);
	}
	json_object_object_add(obj, "installed", inst);
	cert_json_time(obj, "next_renewal", next);
	json_object_object_add(obj, "cert_file",
	    json_object_new_string(c->fullchain_file));
	if (jsonutil_save_file(c->status_file, obj, 0644, &cause) != 0) {
		log_warnx("cert %s: %s", c->name, cause_text(cause));
		free(cause);
	}
	json_object_put(old);
	json_object_put(obj);
}

/* See cert.h. */
void
cert_status_skipped(const struct cert *c, const char *holder, time_t now)
{
	json_object	*obj;
	char		*cause = NULL;

	if ((obj = cert_json_load(c->status_file)) == NULL) {
		if ((obj = json_object_new_object()) == NULL)
			return;
		json_object_object_add(obj, "name",
		    json_object_new_string(c->name));
		json_object_object_add(obj, "last_success", NULL);
	}
	cert_json_time(obj, "last_attempt", now);
	json_object_object_add(obj, "result",
	    json_object_new_string("skipped"));
	json_object_object_add(obj, "error", NULL);
	json_object_object_add(obj, "held_by", json_object_new_string(holder));
	cert_json_time(obj, "last_skipped", now);
	if (jsonutil_save_file(c->status_file, obj, 0644, &cause) != 0) {
		log_warnx("cert %s: %s", c->name, cause_text(cause));
		free(cause);
	}
	json_object_put(obj);
}

/* Adds the rate limit's "not before" to the status file just written. */
static void
cert_status_rate_limit(const struct cert *c, time_t until)
{
	json_object	*obj;
	char		*cause = NULL;

	if ((obj = cert_json_load(c->status_file)) == NULL)
		return;
	cert_json_time(obj, "rate_limited_until", until);
	if (jsonutil_save_file(c->status_file, obj, 0644, &cause) != 0) {
		log_warnx("cert %s: %s", c->name, cause_text(cause));
		free(cause);
	}
	json_object_put(obj);
}

/* --- due-ness --------------------------------------------------------------- */

/* See cert.h. */
time_t
cert_renew_at(const struct crypto_cert *cur)
{
	time_t	 life = cur->not_after - cur->not_before;

	if (life <= 0)
		return (cur->not_before);
	if (life < CERT_SHORT_LIFE)
		return (cur->not_after - life / 2);
	return (cur->not_after - life / 3);
}

/* See cert.h. */
int
cert_same_names(const struct cert *c, const struct crypto_cert *cur)
{
	size_t	 i, j;

	if (c->nnames != cur->nnames)
		return (0);
	for (i = 0; i < c->nnames; i++) {
		for (j = 0; j < cur->nnames; j++)
			if (strcasecmp(c->names[i], cur->names[j]) == 0)
				break;
		if (j == cur->nnames)
			return (0);
	}
	return (1);
}

/* See cert.h. */
unsigned long
cert_random(unsigned long n)
{
	unsigned long	 r = 0;

	if (n == 0 || getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return (0);
	return (r % (n + 1));
}

/* See cert.h. */
int
cert_connect_ca(struct cert_run *run, char **cause)
{
	const struct config	*cfg = run->cfg;
	struct acme_config	 ac;
	enum crypto_key_type	 kt;
	const char		*kp;
	int			 created = 0;

	*cause = NULL;
	if (run->acme != NULL)
		return (0);
	memset(&ac, 0, sizeof(ac));
	ac.directory_url = run->directory_url;
	ac.ca_bundle = config_str(cfg, "acme", "ca_bundle");
	ac.timeout = (long)config_int(cfg, "acme", "timeout");
	ac.poll_timeout = (long)config_int(cfg, "acme", "poll_timeout");
	free(run->account_key_file);
	free(run->account_key_next);
	run->account_key_next = NULL;
	if ((kp = config_str(cfg, "acme", "account_key")) != NULL)
		run->account_key_file = strdup(kp);
	else if (asprintf(&run->account_key_file, "%s/account.key",
	    run->state_dir) == -1)
		run->account_key_file = NULL;
	if (run->account_key_file == NULL || asprintf(&run->account_key_next,
	    "%s.next", run->account_key_file) == -1) {
		run->account_key_next = NULL;
		return (cause_set(cause, "out of memory"));
	}
	(void)crypto_key_type_parse(config_str(cfg, "acme", "key_type"), &kt);
	EVP_PKEY_free(run->account_key);
	if (run->no_create)
		run->account_key = crypto_key_load(run->account_key_file,
		    cause);
	else
		run->account_key = crypto_key_load_or_new(
		    run->account_key_file, kt, &created, cause);
	if (run->account_key == NULL)
		return (-1);
	if (created)
		log_info("cert: new account key %s", run->account_key_file);
	if ((run->acme = acme_new(&ac, cause)) == NULL)
		return (-1);
	if (acme_directory(run->acme, cause) != ST_OK) {
		acme_free(run->acme);
		run->acme = NULL;
		return (-1);
	}
	return (0);
}

/* See cert.h. */
int
cert_connect(struct cert_run *run, char **cause)
{
	*cause = NULL;
	if (run->acme != NULL && run->account_open)
		return (0);
	if (run->acme_tried && !run->account_open) {
		cause_set(cause, "%s", run->acme_error != NULL ?
		    run->acme_error : "the CA is unreachable");
		return (-1);
	}
	run->acme_tried = 1;
	if (cert_connect_ca(run, cause) != 0 ||
	    cert_account_open(run, !run->no_create, cause) != 0)
		goto fail;
	run->account_open = 1;
	return (0);
fail:
	if (run->acme != NULL && acme_rate_limited_until(run->acme) >
	    run->rate_limited_until)
		run->rate_limited_until = acme_rate_limited_until(run->acme);
	acme_free(run->acme);
	run->acme = NULL;
	free(run->acme_error);
	run->acme_error = *cause != NULL ? strdup(*cause) : NULL;
	return (-1);
}

/* See cert.h. */
int
cert_due_decide(const struct cert *c, const struct cert_due_facts *f,
    const char **reason, time_t *next)
{
	time_t	 pick;

	*next = 0;
	if (!f->files) {
		*reason = "files missing";
		return (1);
	}
	*next = cert_renew_at(f->cur);
	if (f->force) {
		*reason = "forced";
		return (1);
	}
	if (!cert_same_names(c, f->cur)) {
		*reason = "names changed";
		return (1);
	}
	if (f->revoked) {
		*reason = "revoked";
		return (1);
	}
	if (f->order_saved) {
		*reason = "resuming a pending order";
		return (1);
	}
	if (f->ari_state == CERT_ARI_ASK)
		return (-1);
	if (f->ari_state == CERT_ARI_GOT) {
		pick = f->ari->start + (time_t)f->rnd;
		*next = pick;
		if (f->now >= pick) {
			*reason = "in the CA's renewal window (ARI)";
			return (1);
		}
		return (0);
	}
	if (f->now >= *next) {
		*reason = f->cur->not_after - f->cur->not_before <
		    CERT_SHORT_LIFE ? "less than half of its lifetime left" :
		    "less than a third of its lifetime left";
		return (1);
	}
	return (0);
}

/* See cert.h. */
int
cert_due(struct cert_run *run, const struct cert *c,
    const struct crypto_cert *cur, int have_cur, time_t now,
    const char **reason, time_t *next)
{
	struct cert_due_facts	 f;
	struct cert_last	 last;
	struct cert_ari_saved	 sv;
	struct acme_ari		 ari;
	char			*cause = NULL;
	int			 due, saved;

	memset(&f, 0, sizeof(f));
	f.now = now;
	f.force = run->force;
	f.files = have_cur && access(c->key_file, R_OK) == 0 &&
	    access(c->fullchain_file, R_OK) == 0;
	f.cur = cur;
	f.order_saved = access(c->order_file, F_OK) == 0;
	if (have_cur && cur->serial != NULL) {
		cert_last_read(c, &last);
		f.revoked = strcmp(last.revoked_serial, cur->serial) == 0;
	}
	f.ari_state = have_cur && cur->ari_id != NULL ? CERT_ARI_ASK :
	    CERT_ARI_NONE;
	if ((due = cert_due_decide(c, &f, reason, next)) != -1)
		return (due);
	/*
	 * ARI: the saved decision until the CA's Retry-After, then ask; a CA
	 * that fails keeps the saved decision, else the lifetime rule.
	 */
	f.ari_state = CERT_ARI_NONE;
	saved = cert_ari_load(c, &sv) == 0 && strcmp(sv.id, cur->ari_id) == 0;
	if (saved && now < sv.ask_after)
		log_debug("cert %s: ARI: the CA's window of the last run (ask "
		    "again after the Retry-After)", c->name);
	else if (cert_connect(run, &cause) == 0 && acme_has_ari(run->acme)) {
		if (acme_renewal_info(run->acme, cur->ari_id, &ari,
		    &cause) == ST_OK) {
			sv.pick = cert_ari_pick(saved ? &sv : NULL, cur->ari_id,
			    &ari, cert_random((unsigned long)(ari.end -
			    ari.start)));
			(void)snprintf(sv.id, sizeof(sv.id), "%s", cur->ari_id);
			sv.start = ari.start;
			sv.end = ari.end;
			sv.ask_after = ari.retry_after > now ? ari.retry_after :
			    now + CERT_ARI_RETRY;
			cert_ari_save(c, &sv);
			saved = 1;
		} else
			log_warnx("cert %s: ARI: %s; using %s", c->name,
			    cause != NULL ? cause : "failed", saved ?
			    "the window of the last run" : "the lifetime rule");
	}
	if (saved) {
		ari.start = sv.start;
		ari.end = sv.end;
		f.ari_state = CERT_ARI_GOT;
		f.ari = &ari;
		f.rnd = (unsigned long)(sv.pick - sv.start);
	}
	free(cause);
	return (cert_due_decide(c, &f, reason, next));
}

/* See cert.h. */
int
cert_ari_load(const struct cert *c, struct cert_ari_saved *sv)
{
	json_object	*obj;
	const char	*id;
	int		 rc = -1;

	memset(sv, 0, sizeof(*sv));
	if ((obj = cert_json_load(c->ari_file)) == NULL)
		return (-1);
	if ((id = jsonutil_get_str(obj, "cert")) != NULL &&
	    strlen(id) < sizeof(sv->id) &&
	    clock_rfc3339_parse(jsonutil_get_str(obj, "start"),
	    &sv->start) == 0 &&
	    clock_rfc3339_parse(jsonutil_get_str(obj, "end"), &sv->end) == 0 &&
	    clock_rfc3339_parse(jsonutil_get_str(obj, "pick"), &sv->pick) == 0 &&
	    clock_rfc3339_parse(jsonutil_get_str(obj, "ask_after"),
	    &sv->ask_after) == 0 && sv->start <= sv->pick &&
	    sv->pick <= sv->end) {
		(void)snprintf(sv->id, sizeof(sv->id), "%s", id);
		rc = 0;
	}
	json_object_put(obj);
	if (rc != 0)
		memset(sv, 0, sizeof(*sv));
	return (rc);
}

/* See cert.h. */
void
cert_ari_save(const struct cert *c, const struct cert_ari_saved *sv)
{
	json_object	*obj;
	char		*cause = NULL;

	if ((obj = json_object_new_object()) == NULL)
		return;
	json_object_object_add(obj, "cert", json_object_new_string(sv->id));
	cert_json_time(obj, "start", sv->start);
	cert_json_time(obj, "end", sv->end);
	cert_json_time(obj, "pick", sv->pick);
	cert_json_time(obj, "ask_after", sv->ask_after);
	if (jsonutil_save_file(c->ari_file, obj, 0644, &cause) != 0) {
		log_warnx("cert %s: %s", c->name, cause_text(cause));
		free(cause);
	}
	json_object_put(obj);
}

/* See cert.h. */
time_t
cert_ari_pick(const struct cert_ari_saved *saved, const char *id,
    const struct acme_ari *got, unsigned long rnd)
{
	if (saved != NULL && strcmp(saved->id, id) == 0 &&
	    saved->start == got->start && saved->end == got->end &&
	    saved->pick >= got->start && saved->pick <= got->end)
		return (saved->pick);
	if (rnd > (unsigned long)(got->end - got->start))
		rnd = (unsigned long)(got->end - got->start);
	return (got->start + (time_t)rnd);
}

/* See cert.h. */
time_t
cert_next_renewal(const struct cert *c, const struct crypto_cert *cur)
{
	struct cert_ari_saved	 sv;
	struct cert_last	 last;
	time_t			 next;

	if (cur == NULL)
		next = 0;
	else if (cur->ari_id != NULL && cert_ari_load(c, &sv) == 0 &&
	    strcmp(sv.id, cur->ari_id) == 0)
		next = sv.pick;
	else
		next = cert_renew_at(cur);
	cert_last_read(c, &last);
	return (last.rate_limited_until > next ? last.rate_limited_until :
	    next);
}

/* --- install and deploy ------------------------------------------------------- */

/* See cert.h. */
int
cert_command(const char *what, const char *cmd, char **cause)
{
	if (cmd == NULL || *cmd == '\0')
		return (0);
	log_debug("cert: %s: %s", what, cmd);
	return (proc_shell(what, cmd, CERT_CMD_TIMEOUT * 1000LL,
	    CERT_MAX_OUTPUT, cause) == ST_OK ? 0 : -1);
}

/* Keeps the current path as path.prev (hard link, else a copy). */
static int
cert_keep_prev(const char *path, char **cause)
{
	char	*prev = NULL, *data = NULL;
	size_t	 len = 0;
	int	 rc = -1;

	if (asprintf(&prev, "%s.prev", path) == -1) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	if (unlink(prev) == -1 && errno != ENOENT) {
		cause_set(cause, "cannot remove %s: %s", prev,
		    strerror(errno));
		goto out;
	}
	if (link(path, prev) == 0) {
		rc = 0;
		goto out;
	}
	if (fs_read_file(path, CERT_MAX_STATE * 16, &data, &len, cause) == 0)
		rc = fs_write_atomic(prev, data, len, 0600, cause);
out:
	if (data != NULL)
		memset(data, 0, len);
	free(data);
	free(prev);
	return (rc);
}

/* See cert.h. */
void
cert_rollback(struct cert_file *f, size_t n)
{
	char	*prev;
	size_t	 i;

	for (i = n; i-- > 0;) {
		if (!f[i].written)
			continue;
		if (!f[i].had_old) {
			(void)unlink(f[i].path);
			continue;
		}
		if (asprintf(&prev, "%s.prev", f[i].path) == -1)
			continue;
		if (rename(prev, f[i].path) == -1)
			log_warnx("cert: cannot restore %s: %s", f[i].path,
			    strerror(errno));
		free(prev);
	}
}

/* See cert.h. */
int
cert_install(struct cert_file *f, size_t n, char **cause)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (fs_mkdirs(f[i].path, 0755, FS_MKDIRS_PARENT, cause) != 0)
			goto fail;
		f[i].had_old = access(f[i].path, F_OK) == 0;
		if (f[i].had_old && cert_keep_prev(f[i].path, cause) != 0)
			goto fail;
		if (fs_write_atomic(f[i].path, f[i].data, f[i].len, f[i].mode,
		    cause) != 0)
			goto fail;
		f[i].written = 1;
	}
	return (0);
fail:
	cert_rollback(f, n);
	return (-1);
}

/* See cert.h. */
int
cert_deploy_test(const struct cert *c, struct cert_file *f, size_t n,
    char **cause)
{
	if (cert_command("test command", c->test_cmd, cause) == 0)
		return (0);
	cert_rollback(f, n);
	cause_suffix(cause, "; the previous files were put back");
	return (-1);
}

/* --- issuance ------------------------------------------------------------------ */

/* See cert.h. */
int
cert_order_save(const struct cert *c, const char *url, time_t expires,
    char **cause)
{
	json_object	*obj, *names;
	size_t		 i;
	int		 rc;

	if ((obj = json_object_new_object()) == NULL) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	json_object_object_add(obj, "url", json_object_new_string(url));
	names = json_object_new_array();
	for (i = 0; i < c->nnames; i++)
		json_object_array_add(names, json_object_new_string(c->names[i]));
	json_object_object_add(obj, "names", names);
	cert_json_time(obj, "created", clock_now());
	cert_json_time(obj, "expires", expires);
	rc = jsonutil_save_file(c->order_file, obj, 0644, cause);
	json_object_put(obj);
	return (rc);
}

/* See cert.h. */
char *
cert_order_saved(const struct cert *c, time_t *expires)
{
	json_object	*obj, *names;
	const char	*url;
	char		*out = NULL;
	size_t		 i;

	if (expires != NULL)
		*expires = 0;
	if ((obj = cert_json_load(c->order_file)) == NULL)
		return (NULL);
	if (expires != NULL && clock_rfc3339_parse(jsonutil_get_str(obj,
	    "expires"), expires) != 0)
		*expires = 0;
	url = jsonutil_get_str(obj, "url");
	if (url != NULL && json_object_object_get_ex(obj, "names", &names) &&
	    json_object_is_type(names, json_type_array) &&
	    json_object_array_length(names) == c->nnames) {
		for (i = 0; i < c->nnames; i++) {
			const char *n = json_object_get_string(
			    json_object_array_get_idx(names, i));

			if (n == NULL || strcmp(n, c->names[i]) != 0)
				break;
		}
		if (i == c->nnames)
			out = strdup(url);
	}
	json_object_put(obj);
	return (out);
}

/* See cert.h. */
void
cert_order_forget(const struct cert *c)
{
	(void)unlink(c->order_file);
	(void)unlink(c->pending_key);
}

/* See cert.h. */
int
cert_order_usable(const struct acme_order *o, time_t now)
{
	return (o->status != NULL && strcmp(o->status, "invalid") != 0 &&
	    (o->expires == 0 || o->expires > now + 60));
}

/* See cert.h. */
int
cert_order_drop(enum st fetched, const struct acme_order *o, time_t expires,
    time_t now)
{
	if (expires != 0 && expires <= now)
		return (1);
	if (fetched == ST_NOTFOUND)
		return (1);
	return (fetched == ST_OK && !cert_order_usable(o, now));
}

/*
 * A [cert] profile the CA does not offer is an error before any order
 * (draft-ietf-acme-profiles: the CA would refuse it, invalidProfile): the
 * operator asked for that kind of certificate, and a silent fall back on
 * the CA's default would hand them another. 0, or -1 with *cause.
 */
static int
cert_profile_check(struct cert_run *run, const struct cert *c, char **cause)
{
	const char *const	*offered;
	char			*list = NULL;
	size_t			 i, n;

	if (c->profile == NULL || *c->profile == '\0' ||
	    acme_has_profile(run->acme, c->profile))
		return (0);
	offered = acme_profiles(run->acme, &n);
	for (i = 0; i < n; i++)
		cause_suffix(&list, "%s%s", i > 0 ? ", " : "", offered[i]);
	cause_set(cause, "[cert %s] profile = %s: the CA at %s does not offer "
	    "it (its directory's profiles: %s); no order placed: choose one "
	    "of them, or remove the key for the CA's default", c->name,
	    c->profile, run->directory_url, list != NULL ? list : "none");
	free(list);
	return (-1);
}

/* See cert.h. */
int
cert_order(struct cert_run *run, const struct cert *c, const char *replaces,
    struct acme_order *o, EVP_PKEY **key, char **cause)
{
	char	*url, *why = NULL;
	time_t	 now = clock_now(), expires;
	enum st	 st;

	*key = NULL;
	if ((url = cert_order_saved(c, &expires)) != NULL) {
		st = acme_order_fetch(run->acme, url, o, &why);
		if (st == ST_OK && cert_order_usable(o, now)) {
			if ((*key = crypto_key_load(c->pending_key,
			    &why)) != NULL) {
				log_info("cert %s: resuming order %s (%s)",
				    c->name, url, o->status);
				free(url);
				return (0);
			}
			/* Without its key the order is of no use to us. */
		} else if (!cert_order_drop(st, o, expires, now)) {
			cause_set(cause, "%s; the saved order is kept for the "
			    "next run", why != NULL ? why : "cannot read the "
			    "saved order");
			free(why);
			free(url);
			acme_order_cleanup(o);
			return (-1);
		}
		log_info("cert %s: dropping the saved order %s: %s", c->name,
		    url, why != NULL ? why : o->status != NULL ? o->status :
		    "expired");
		free(why);
		free(url);
		acme_order_cleanup(o);
		cert_order_forget(c);
	}
	if (cert_profile_check(run, c, cause) != 0 ||
	    (*key = crypto_key_new(c->ktype, cause)) == NULL)
		return (-1);
	if (crypto_key_save(c->pending_key, *key, cause) != 0 ||
	    acme_order_new(run->acme, (const char *const *)c->names, c->nnames,
	    c->profile, replaces, o, cause) != ST_OK ||
	    cert_order_save(c, o->url, o->expires, cause) != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
		(void)unlink(c->pending_key);
		return (-1);
	}
	log_info("cert %s: new order %s", c->name, o->url);
	return (0);
}

/*
 * [acme] store = database: the new certificate becomes the stored one,
 * which `cert sync` installs on every front end. 0, or -1 with *cause.
 */
static int
cert_store_publish(struct cert_run *run, const struct cert *c,
    const char *leaf, const char *chain, const char *keypem, size_t keylen,
    char **cause)
{
	struct crypto_cert	 cc;
	int			 rc;

	if (run->store == NULL && (run->store = cert_store_open(run->cfg, 1,
	    cause)) == NULL)
		return (-1);
	if (crypto_cert_parse(leaf, strlen(leaf), &cc, cause) != 0)
		return (-1);
	rc = cert_store_put(run->store, c->name, leaf, chain, keypem, keylen,
	    cc.serial != NULL ? cc.serial : "", cc.not_after, cause);
	if (rc == 0)
		log_info("cert %s: stored in the database: serial %s", c->name,
		    cc.serial != NULL ? cc.serial : "?");
	crypto_cert_cleanup(&cc);
	return (rc);
}

/* See cert.h. */
size_t
cert_files(const struct cert *c, struct cert_file *f, const char *keypem,
    size_t keylen, const char *leaf, const char *chain, const char *full)
{
	/* Key first: a reader of the new certificate finds its key. */
	f[0] = (struct cert_file){ c->key_file, keypem, keylen, 0600, 0, 0 };
	f[1] = (struct cert_file){ c->cert_file, leaf, strlen(leaf), 0644, 0,
	    0 };
	f[2] = (struct cert_file){ c->chain_file, chain, strlen(chain), 0644,
	    0, 0 };
	f[3] = (struct cert_file){ c->fullchain_file, full, strlen(full),
	    0644, 0, 0 };
	return (CERT_FILES);
}

/* See cert.h. */
int
cert_issue(struct cert_run *run, const struct cert *c,
    const struct crypto_cert *cur, struct crypto_cert *out, int *installed,
    char **cause)
{
	struct acme_solver	 solver, *solvers[1];
	struct acme_order	 o;
	struct cert_file	 files[CERT_FILES];
	struct dns		*dns = NULL;		/* dns-01: the zone */
	struct dns_acme		*dns01 = NULL;
	EVP_PKEY		*key = NULL;
	unsigned char		*csr = NULL;
	char			*pem = NULL, *leaf = NULL, *chain = NULL;
	char			*keypem = NULL, *full = NULL, *why = NULL;
	char			*url;
	size_t			 len = 0, csrlen = 0, keylen = 0, nf = 0;
	enum st			 st;
	int			 rc = -1;

	*installed = 0;
	acme_order_init(&o);
	memset(files, 0, sizeof(files));
	if (strcmp(c->challenge, "dns-01") == 0) {
		/* lib/dns: the zone's provider, checked before any order. */
		if ((dns = dns_open(run->cfg, cause)) == NULL ||
		    (dns01 = dns_acme_new(dns, cause)) == NULL) {
			dns_free(dns);
			return (-1);
		}
	} else if (cert_store_enabled(run->cfg)) {
		/* The challenges are rows every front end answers. */
		if (run->store == NULL && (run->store = cert_store_open(run->cfg,
		    !run->dry_run, cause)) == NULL)
			return (-1);
	} else if (c->webroot == NULL) {
		cause_set(cause, "http-01 needs a webroot: set [cert %s] "
		    "webroot (or [nginx] webroot)", c->name);
		return (-1);
	}
	for (len = 0; len < c->nnames && dns01 == NULL; len++)
		if (c->names[len][0] == '*') {
			cause_set(cause, "%s: a wildcard needs challenge "
			    "= dns-01", c->names[len]);
			return (-1);
		}
	if (cert_connect(run, cause) != 0)
		goto out;
	if (run->dry_run) {
		/* A test order: a key of its own, nothing saved. */
		if (cert_profile_check(run, c, cause) != 0 ||
		    (key = crypto_key_new(c->ktype, cause)) == NULL ||
		    acme_order_new(run->acme, (const char *const *)c->names,
		    c->nnames, c->profile, NULL, &o, cause) != ST_OK)
			goto out;
		run->dry_orders++;
	} else if (cert_order(run, c, cur != NULL && acme_has_ari(run->acme) ?
	    cur->ari_id : NULL, &o, &key, cause) != 0)
		/* "replaces" (RFC 9773 5) only for a CA that speaks ARI. */
		goto out;
	if (dns01 != NULL)
		dns_acme_solver(dns01, &solver);
	else if (run->store != NULL)
		cert_store_solver(run->store, c->name, &solver);
	else
		acme_http01_init(&solver, c->webroot);
	solvers[0] = &solver;
	if (strcmp(o.status, "pending") == 0 &&
	    (st = acme_order_authorize(run->acme, &o, solvers, 1,
	    cause)) != ST_OK) {
		if (st == ST_UNPROCESSABLE && !run->dry_run)
			cert_order_forget(c);
		goto out;
	} else if (strcmp(o.status, "pending") != 0) {
		/*
		 * A resumed order the CA validated after an earlier run timed
		 * out: its authorizations are all valid, so this only removes
		 * the challenges that run left answerable (stale()). A
		 * failure here must not stand between us and the certificate.
		 */
		if (acme_order_authorize(run->acme, &o, solvers, 1,
		    &why) != ST_OK)
			log_warnx("cert %s: tidying the challenges of order "
			    "%s: %s", c->name, o.url, why != NULL ? why :
			    "failed");
		free(why);
		why = NULL;
	}
	if (strcmp(o.status, "pending") == 0) {
		if ((url = strdup(o.url)) == NULL) {
			cause_set(cause, "out of memory");
			goto out;
		}
		st = acme_order_fetch(run->acme, url, &o, cause);
		free(url);
		if (st != ST_OK)
			goto out;
	}
	if (crypto_csr(key, (const char *const *)c->names, c->nnames, &csr,
	    &csrlen, cause) != 0)
		goto out;
	if ((st = acme_order_finalize(run->acme, &o, csr, csrlen,
	    cause)) != ST_OK) {
		if (st == ST_UNPROCESSABLE && !run->dry_run)
			cert_order_forget(c);
		goto out;
	}
	if (acme_cert_download(run->acme, &o, config_str(run->cfg, "acme",
	    "preferred_chain"), &pem, &len, cause) != ST_OK)
		goto out;
	if (crypto_chain_check(pem, len, key, (const char *const *)c->names,
	    c->nnames, &leaf, &chain, &why) != 0) {
		cause_set(cause, "order %s: the CA's certificate: %s",
		    o.url, why != NULL ? why : "unusable");
		free(why);
		if (!run->dry_run)
			cert_order_forget(c);
		goto out;
	}
	if (run->dry_run) {
		/* Issued and checked: nothing is installed or reloaded. */
		rc = crypto_cert_parse(leaf, strlen(leaf), out, cause);
		goto out;
	}
	if ((keypem = crypto_key_pem(key, &keylen, cause)) == NULL)
		goto out;
	if (asprintf(&full, "%s%s", leaf, chain) == -1) {
		full = NULL;
		cause_set(cause, "out of memory");
		goto out;
	}
	/*
	 * The job's lock, if any, still ours: the last moment to stop. On
	 * either failure the order is kept: the next run downloads it again.
	 */
	if ((run->check != NULL && run->check(run->check_arg, cause) != 0) ||
	    (cert_store_enabled(run->cfg) && cert_store_publish(run, c, leaf,
	    chain, keypem, keylen, cause) != 0)) {
		cause_suffix(cause, "; nothing installed, the order is kept "
		    "for the next run");
		goto out;
	}
	nf = cert_files(c, files, keypem, keylen, leaf, chain, full);
	if (cert_install(files, nf, cause) != 0)
		goto out;
	/* The certificate is fine: on failure keep the order to install it
	   again. */
	if (cert_deploy_test(c, files, nf, cause) != 0)
		goto out;
	cert_order_forget(c);
	if (crypto_cert_parse(leaf, strlen(leaf), out, cause) != 0)
		goto out;
	if (cert_command("reload command", c->reload_cmd, cause) != 0) {
		/* In place, tested, not served: the next run reloads. */
		*installed = 1;
		cause_suffix(cause, "; the new certificate is installed but "
		    "not served, the next run reloads again");
		goto out;
	}
	rc = 0;
out:
	if (keypem != NULL)
		memset(keypem, 0, keylen);
	free(keypem);
	free(csr);
	free(pem);
	free(leaf);
	free(chain);
	free(full);
	EVP_PKEY_free(key);
	acme_order_cleanup(&o);
	dns_acme_free(dns01);
	dns_free(dns);
	return (rc);
}

/* See cert.h. */
void
cert_served_error(const struct cert *c, const struct crypto_cert *inst,
    const struct cert_served *live, char **err)
{
	char	 b[CLOCK_RFC3339_LEN];

	if (asprintf(err, "reloaded, but %s serves serial %s (expires %s), "
	    "not the installed %s: the reload did not take (is nginx's "
	    "ssl_certificate %s? is check_endpoint this nginx?); the next "
	    "run reloads again", c->check_endpoint, live->serial[0] != '\0' ?
	    live->serial : "?", clock_rfc3339_fmt(live->not_after, b,
	    sizeof(b)), inst->serial != NULL ? inst->serial : "?",
	    c->fullchain_file) == -1)
		*err = NULL;
}

/* See cert.h. */
void
cert_renew_one(struct cert_run *run, const struct cert *c,
    struct cert_outcome *out)
{
	struct crypto_cert	 cur, fresh;
	struct cert_last	 last;
	struct cert_served	 live;
	char			*cause = NULL, when[CLOCK_RFC3339_LEN];
	int			 have_cur, installed = 0;

	memset(out, 0, sizeof(*out));
	memset(&live, 0, sizeof(live));
	crypto_cert_init(&fresh);
	have_cur = crypto_cert_load(c->fullchain_file, &cur, &cause) == 0;
	cause_clear(&cause);
	out->not_after = have_cur ? cur.not_after : 0;
	if (run->dry_run) {
		/*
		 * A real order at run->directory_url (the staging CA, or the
		 * same one), validated and finalized; no file under the live
		 * folder, no status file, no reload, no saved order.
		 */
		out->reason = "dry run";
		if (cert_issue(run, c, NULL, &fresh, &installed, &cause) != 0) {
			out->result = CERT_FAILED;
			out->error = cause != NULL ? cause :
			    strdup("dry run failed");
			cause = NULL;
			cause_suffix(&out->error, " (dry run at %s)",
			    run->directory_url);
			goto out;
		}
		out->result = CERT_DRY_RUN;
		out->not_after = fresh.not_after;
		out->serial = fresh.serial;
		fresh.serial = NULL;
		goto out;
	}
	cert_last_read(c, &last);
	/* What the server serves before anything is done (one look). */
	if (have_cur)
		cert_served_check(c, cur.serial, 0, &live);
	if (have_cur && (last.reload_pending ||
	    live.state == CERT_SERVED_MISMATCH)) {
		/*
		 * An earlier run installed files nginx never reloaded, or its
		 * reload did not take: the endpoint serves another serial.
		 */
		if (cert_command("reload command", c->reload_cmd,
		    &cause) != 0) {
			out->result = CERT_FAILED;
			out->not_served = 1;
			cause_suffix(&cause, "; the certificate installed by an "
			    "earlier run is still not served");
			out->error = cause;
			cause = NULL;
			cert_status_write(c, "failed", out->error, NULL,
			    &cur, cert_renew_at(&cur), clock_now());
			goto out;
		}
		cert_served_check(c, cur.serial, 1, &live);
		if (live.state == CERT_SERVED_MISMATCH) {
			out->result = CERT_FAILED;
			out->not_served = 1;
			cert_served_error(c, &cur, &live, &out->error);
			cert_status_write(c, "failed", out->error, NULL,
			    &cur, cert_renew_at(&cur), clock_now());
			goto out;
		}
		log_info("cert %s: reloaded: the certificate installed by an "
		    "earlier run is served now", c->name);
		out->reloaded = 1;
		cert_status_write(c, "ok", NULL, &cur, NULL,
		    cert_renew_at(&cur), clock_now());
	}
	if (!run->force && last.rate_limited_until > clock_now()) {
		/* The CA said when: asking sooner only spends the limit. */
		out->result = CERT_NOT_DUE;
		out->rate_limited = 1;
		out->next = last.rate_limited_until;
		goto out;
	}
	if (!cert_due(run, c, &cur, have_cur, clock_now(), &out->reason,
	    &out->next)) {
		out->result = CERT_NOT_DUE;
		if (!out->reloaded)
			cert_status_write(c, "not-due", NULL, &cur, NULL,
			    out->next, clock_now());
		goto out;
	}
	log_info("cert %s: renewing (%s)", c->name, out->reason);
	if (cert_issue(run, c, have_cur ? &cur : NULL, &fresh, &installed,
	    &cause) != 0) {
		out->result = CERT_FAILED;
		out->not_served = installed;
		out->error = cause != NULL ? cause : strdup("renewal failed");
		cause = NULL;
		if (installed) {
			out->next = cert_renew_at(&fresh);
			/* Served: the old one, we expect; recorded as such. */
			cert_served_check(c, fresh.serial, 0, &live);
		}
		if (run->acme != NULL && acme_rate_limited_until(run->acme) >
		    run->rate_limited_until)
			run->rate_limited_until =
			    acme_rate_limited_until(run->acme);
		if (run->rate_limited_until > clock_now()) {
			cause_suffix(&out->error, "; rate limited: not retried "
			    "before %s", clock_rfc3339_fmt(
			    run->rate_limited_until, when, sizeof(when)));
			out->next = run->rate_limited_until;
		}
		cert_status_write(c, "failed", out->error != NULL ? out->error :
		    "renewal failed", have_cur ? &cur : NULL, installed ?
		    &fresh : NULL, out->next, clock_now());
		if (run->rate_limited_until > clock_now())
			cert_status_rate_limit(c, run->rate_limited_until);
		goto out;
	}
	/* The reload said yes: does the endpoint serve the new serial? */
	cert_served_check(c, fresh.serial, 1, &live);
	if (live.state == CERT_SERVED_MISMATCH) {
		out->result = CERT_FAILED;
		out->not_served = 1;
		out->next = cert_renew_at(&fresh);
		cert_served_error(c, &fresh, &live, &out->error);
		cert_status_write(c, "failed", out->error, have_cur ? &cur :
		    NULL, &fresh, out->next, clock_now());
		goto out;
	}
	out->result = CERT_RENEWED;
	out->next = cert_renew_at(&fresh);
	out->not_after = fresh.not_after;
	/* Written before the serial moves to out (it used to say null). */
	cert_status_write(c, "ok", NULL, &fresh, NULL, out->next, clock_now());
	out->serial = fresh.serial;
	fresh.serial = NULL;
out:
	if (!run->dry_run) {
		cert_served_record(c, &live);
		out->served = live.state;
		(void)snprintf(out->served_serial, sizeof(out->served_serial),
		    "%s", live.serial);
	}
	free(cause);
	crypto_cert_cleanup(&cur);
	crypto_cert_cleanup(&fresh);
}

/* See cert.h. */
void
cert_outcome_cleanup(struct cert_outcome *o)
{
	free(o->serial);
	free(o->error);
	o->serial = o->error = NULL;
}

/* See cert.h. */
void
cert_run_init(struct cert_run *run, const struct config *cfg)
{
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->state_dir = config_str(cfg, "acme", "state_dir");
	run->directory_url = config_str(cfg, "acme", "directory_url");
}

/* See cert.h. */
void
cert_run_cleanup(struct cert_run *run)
{
	acme_free(run->acme);
	cert_store_free(run->store);
	run->store = NULL;
	EVP_PKEY_free(run->account_key);
	EVP_PKEY_free(run->next_key);
	free(run->acme_error);
	free(run->account_key_file);
	free(run->account_key_next);
	run->acme = NULL;
	run->account_key = run->next_key = NULL;
	run->acme_error = run->account_key_file = run->account_key_next = NULL;
	run->acme_tried = run->account_open = 0;
	run->next_finished = run->next_stale = 0;
}

/* See cert.h. */
void
cert_last_read(const struct cert *c, struct cert_last *l)
{
	json_object	*st, *rv;
	const char	*v;

	memset(l, 0, sizeof(*l));
	if ((st = cert_json_load(c->status_file)) == NULL)
		return;
	if ((v = jsonutil_get_str(st, "result")) != NULL)
		(void)snprintf(l->result, sizeof(l->result), "%s", v);
	if ((v = jsonutil_get_str(st, "last_attempt")) != NULL)
		(void)snprintf(l->when, sizeof(l->when), "%s", v);
	if (clock_rfc3339_parse(jsonutil_get_str(st, "rate_limited_until"),
	    &l->rate_limited_until) != 0)
		l->rate_limited_until = 0;
	if (json_object_object_get_ex(st, "revoked", &rv)) {
		if ((v = jsonutil_get_str(rv, "serial")) != NULL)
			(void)snprintf(l->revoked_serial,
			    sizeof(l->revoked_serial), "%s", v);
		if ((v = jsonutil_get_str(rv, "reason")) != NULL)
			(void)snprintf(l->revoked_reason,
			    sizeof(l->revoked_reason), "%s", v);
	}
	l->reload_pending = (v = jsonutil_get_str(st, "deploy")) != NULL &&
	    strcmp(v, "reload-pending") == 0;
	if ((v = jsonutil_get_str(st, "serial")) != NULL)
		(void)snprintf(l->served_serial, sizeof(l->served_serial), "%s",
		    v);
	json_object_put(st);
}

/* See cert.h. */
int
cert_revoke(struct cert_run *run, const struct cert *c, const char *reason,
    int cert_key, char **cause)
{
	struct crypto_cert	 cur;
	json_object		*st = NULL, *rv;
	EVP_PKEY		*key = NULL;
	char			*pem = NULL, *why = NULL;
	size_t			 len = 0;
	int			 code = 0, rc = -1;

	crypto_cert_init(&cur);
	if (reason != NULL && (code = acme_revoke_reason(reason)) < 0) {
		cause_set(cause, "unknown revocation reason '%s' (RFC 5280: "
		    "unspecified, keyCompromise, affiliationChanged, "
		    "superseded, cessationOfOperation, ...)", reason);
		return (-1);
	}
	if (fs_read_file(c->cert_file, CERT_MAX_STATE * 16, &pem, &len,
	    cause) != 0 || crypto_cert_parse(pem, len, &cur, cause) != 0)
		goto out;
	if (cert_key && (key = crypto_key_load(c->key_file, cause)) == NULL)
		goto out;
	if (cert_connect(run, cause) != 0 ||
	    acme_revoke(run->acme, pem, len, code, key, cause) != ST_OK)
		goto out;
	/* Recorded, so that the next renew replaces it. */
	if ((st = cert_json_load(c->status_file)) == NULL)
		st = json_object_new_object();
	if (st != NULL && (rv = json_object_new_object()) != NULL) {
		json_object_object_add(rv, "serial", cur.serial != NULL ?
		    json_object_new_string(cur.serial) : NULL);
		json_object_object_add(rv, "reason", json_object_new_string(
		    reason != NULL ? reason : "unspecified"));
		cert_json_time(rv, "at", clock_now());
		json_object_object_add(st, "revoked", rv);
		if (jsonutil_save_file(c->status_file, st, 0644, &why) != 0) {
			log_warnx("cert %s: %s", c->name, cause_text(why));
			free(why);
		}
	}
	rc = 0;
out:
	json_object_put(st);
	EVP_PKEY_free(key);
	crypto_cert_cleanup(&cur);
	free(pem);
	return (rc);
}
