/*
 * cli_cert.c: `bootstack cert renew|status|revoke`, the certificates of the
 * [cert NAME] sections, kept fresh from cron through lib/acme (RFC 8555).
 *
 * renew, for each certificate (or the NAMEs given):
 *   1. due? Files missing or unreadable, names changed, --force, a pending
 *      order left by an earlier run, the CA's ARI window (RFC 9773) when it
 *      offers one, else less than 1/3 of the lifetime left (1/2 under 10
 *      days, the certbot rule).
 *   2. order: resume the pending order saved in <state_dir>/NAME.order.json
 *      (with its key, NAME.key.pending) if the CA still has it, else a new
 *      order and a new key, saved before the first challenge.
 *   3. challenges through the solver hook (http-01: the webroot; dns-01:
 *      the zone through lib/dns, one write per order), finalize,
 *      download, check the chain against the key and the names.
 *   4. install: each file written atomically, the previous one kept as
 *      FILE.prev; then the deploy step: test_command (nginx -t), and if it
 *      fails the previous files are put back; else reload_command.
 *   5. <state_dir>/NAME.status.json records the attempt (see
 *      docs/certificates.md), which `bootstack alert check` reads.
 *
 * Concurrency: one flock on <state_dir>/renew.lock for the whole run; a
 * second run does not wait, it exits 75 (EX_TEMPFAIL) with "locked by
 * another run", which cron wrappers may ignore. The random delay
 * (--random-delay or [acme] renew_random_delay) is slept before locking.
 * Exit: 0 when every certificate is fine or renewed, 1 when one failed.
 */
#include "autoconf.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acme.h"
#include "cause.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dns.h"
#include "fs.h"
#include "jsonutil.h"
#include "log.h"
#include "proc.h"

#define CERT_EX_LOCKED		75	/* EX_TEMPFAIL: another run holds the lock */
#define CERT_MAX_NAMES		100	/* names per certificate (CA limit) */
#define CERT_MAX_STATE		(64 * 1024)	/* state/status file size */
#define CERT_MAX_OUTPUT		2048	/* deploy command output kept */
#define CERT_CMD_TIMEOUT	120	/* seconds a deploy command may take */

/* One [cert NAME] section, resolved. */
struct cert {
	const char		*name;		/* the section instance name */
	char			**names;	/* DNS names, owned */
	size_t			  nnames;
	const char		*challenge;	/* "http-01" or "dns-01" */
	enum crypto_key_type	  ktype;
	char			*cert_file;	/* owned paths */
	char			*chain_file;
	char			*fullchain_file;
	char			*key_file;
	const char		*webroot;	/* borrowed from the config */
	const char		*test_cmd;	/* NULL or "" = none */
	const char		*reload_cmd;
	char			*status_file;	/* <state_dir>/NAME.status.json */
	char			*order_file;	/* <state_dir>/NAME.order.json */
	char			*pending_key;	/* <state_dir>/NAME.key.pending */
};

/* What one renew run shares between certificates. */
struct cert_run {
	struct cli	*cli;
	const char	*state_dir;
	int		 force;
	int		 dry_run;
	struct acme	*acme;		/* made on first need */
	EVP_PKEY	*account_key;
	int		 acme_tried;	/* acme_connect ran (maybe failed) */
	char		*acme_error;	/* why acme is NULL */
};

/* One file of an installation. */
struct cert_file {
	const char	*path;
	const char	*data;
	size_t		 len;
	mode_t		 mode;
	int		 had_old;	/* path existed: FILE.prev holds it */
	int		 written;
};

static int	cli_cert_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_cert = {
	"cert",
	"cert renew [--force] [--dry-run] [--random-delay SECONDS] [NAME...] | "
	    "cert status [NAME...] | cert revoke NAME",
	"renew the [cert NAME] certificates that are due (ACME), show them, "
	"or revoke one",
	1,
	cli_cert_run
};

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

/* Frees what c owns. */
static void
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
	memset(c, 0, sizeof(*c));
}

/* True if s is a DNS name we accept ("*." only as a whole first label). */
static int
cert_name_ok(const char *s)
{
	const char	*p = s;
	size_t		 label = 0;

	if (strlen(s) == 0 || strlen(s) > 253)
		return (0);
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '-') || ++label > 63)
			return (0);
	}
	return (label > 0);
}

/* Splits the names value into c->names (lower-cased, checked, no repeats). */
static int
cert_parse_names(struct cert *c, const char *value, char **cause)
{
	char	*copy, *tok, *save = NULL, *p, **nv;
	size_t	 i;

	if (value == NULL || (copy = strdup(value)) == NULL) {
		cause_set(cause, "[cert %s] names is not set", c->name);
		return (-1);
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		for (p = tok; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!cert_name_ok(tok)) {
			cause_set(cause, "[cert %s] names: '%s' is not a "
			    "DNS name", c->name, tok);
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

/* Resolves section i into *c. 0, or -1 with *cause. */
static int
cert_load(const struct config *cfg, size_t i, const char *state_dir,
    struct cert *c, char **cause)
{
	const char	*kt;

	memset(c, 0, sizeof(*c));
	*cause = NULL;
	c->name = config_iname(cfg, "cert", i);
	if (cert_parse_names(c, config_istr(cfg, "cert", i, "names"),
	    cause) != 0)
		return (-1);
	c->challenge = config_istr(cfg, "cert", i, "challenge");
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
	    c->name) == -1) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	c->webroot = cert_fallback(cfg, i, "webroot", "webroot", NULL);
	c->test_cmd = cert_fallback(cfg, i, "test_command", "test_command",
	    "nginx -t -q");
	c->reload_cmd = cert_fallback(cfg, i, "reload_command",
	    "reload_command", "nginx -s reload");
	return (0);
}

/* --- the status file ------------------------------------------------------ */

/* Reads a small JSON object file; NULL if missing or unreadable. */
static json_object *
cert_json_load(const char *path)
{
	json_object	*obj = NULL;
	char		*cause = NULL;

	(void)jsonutil_load_file(path, CERT_MAX_STATE, 8, JSONUTIL_OBJECT, &obj,
	    &cause);
	free(cause);
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
static void
cert_status_write(const struct cert *c, const char *result, const char *error,
    const struct crypto_cert *cur, time_t next)
{
	json_object	*obj, *old, *names, *v;
	char		*cause = NULL;
	time_t		 now = time(NULL);
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
	cert_json_time(obj, "not_before", cur != NULL ? cur->not_before : 0);
	cert_json_time(obj, "not_after", cur != NULL ? cur->not_after : 0);
	json_object_object_add(obj, "serial", cur != NULL && cur->serial !=
	    NULL ? json_object_new_string(cur->serial) : NULL);
	cert_json_time(obj, "next_renewal", next);
	json_object_object_add(obj, "cert_file",
	    json_object_new_string(c->fullchain_file));
	if (jsonutil_save_file(c->status_file, obj, 0644, &cause) != 0) {
		log_warnx("cert %s: %s", c->name, cause != NULL ? cause :
		    "cannot write the status file");
		free(cause);
	}
	json_object_put(old);
	json_object_put(obj);
}

/* --- due-ness --------------------------------------------------------------- */

/* When the lifetime rule says to renew: 1/3 left (1/2 under 10 days). */
static time_t
cert_renew_at(const struct crypto_cert *cur)
{
	time_t	 life = cur->not_after - cur->not_before;

	if (life <= 0)
		return (cur->not_before);
	if (life < 10 * 86400)
		return (cur->not_after - life / 2);
	return (cur->not_after - life / 3);
}

/* True if the certificate's SANs are exactly c's names (any order). */
static int
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

/* A uniform random number in 0..n (getrandom; 0 if it fails). */
static unsigned long
cert_random(unsigned long n)
{
	unsigned long	 r = 0;

	if (n == 0 || getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return (0);
	return (r % (n + 1));
}

/* Opens the ACME conversation and the account, once per run. */
static int
cert_connect(struct cert_run *run, char **cause)
{
	const struct config	*cfg = run->cli->cfg;
	struct acme_config	 ac;
	struct acme_account_opts ao;
	enum crypto_key_type	 kt;
	char			*path = NULL;
	const char		*kp;
	int			 created = 0;

	*cause = NULL;
	if (run->acme != NULL)
		return (0);
	if (run->acme_tried) {
		cause_set(cause, "%s", run->acme_error != NULL ?
		    run->acme_error : "the CA is unreachable");
		return (-1);
	}
	run->acme_tried = 1;
	memset(&ac, 0, sizeof(ac));
	ac.directory_url = config_str(cfg, "acme", "directory_url");
	ac.ca_bundle = config_str(cfg, "acme", "ca_bundle");
	ac.timeout = (long)config_int(cfg, "acme", "timeout");
	ac.poll_timeout = (long)config_int(cfg, "acme", "poll_timeout");
	if ((kp = config_str(cfg, "acme", "account_key")) == NULL) {
		if (asprintf(&path, "%s/account.key", run->state_dir) == -1) {
			cause_set(cause, "out of memory");
			goto fail;
		}
		kp = path;
	}
	(void)crypto_key_type_parse(config_str(cfg, "acme", "key_type"), &kt);
	if ((run->account_key = crypto_key_load_or_new(kp, kt, &created,
	    cause)) == NULL)
		goto fail;
	if (created)
		log_info("cert: new account key %s", kp);
	if ((run->acme = acme_new(&ac, cause)) == NULL ||
	    acme_directory(run->acme, cause) != ST_OK)
		goto fail;
	memset(&ao, 0, sizeof(ao));
	ao.email = config_str(cfg, "acme", "email");
	ao.agree_tos = config_bool(cfg, "acme", "agree_tos");
	ao.eab_kid = config_str(cfg, "acme", "eab_kid");
	ao.eab_hmac_key = config_str(cfg, "acme", "eab_hmac_key");
	if (acme_account(run->acme, run->account_key, &ao, cause) != ST_OK)
		goto fail;
	free(path);
	return (0);
fail:
	free(path);
	acme_free(run->acme);
	run->acme = NULL;
	run->acme_error = *cause != NULL ? strdup(*cause) : NULL;
	return (-1);
}

/*
 * Decides whether c is due. *reason gets a static text; *next the time the
 * lifetime or ARI rule points at. cur is filled when the files are there.
 */
static int
cert_due(struct cert_run *run, const struct cert *c, struct crypto_cert *cur,
    int have_cur, const char **reason, time_t *next)
{
	struct acme_ari	 ari;
	char		*cause = NULL;
	time_t		 now = time(NULL), pick;

	*next = 0;
	if (!have_cur || access(c->key_file, R_OK) != 0 ||
	    access(c->fullchain_file, R_OK) != 0) {
		*reason = "files missing";
		return (1);
	}
	*next = cert_renew_at(cur);
	if (run->force) {
		*reason = "forced";
		return (1);
	}
	if (!cert_same_names(c, cur)) {
		*reason = "names changed";
		return (1);
	}
	if (access(c->order_file, F_OK) == 0) {
		*reason = "resuming a pending order";
		return (1);
	}
	/* ARI when the CA has it; a CA outage falls back to the lifetime rule. */
	if (cur->ari_id != NULL && cert_connect(run, &cause) == 0 &&
	    acme_has_ari(run->acme)) {
		if (acme_renewal_info(run->acme, cur->ari_id, &ari,
		    &cause) == ST_OK) {
			pick = ari.start + (time_t)cert_random((unsigned long)
			    (ari.end - ari.start));
			*next = pick;
			if (now >= pick) {
				*reason = "in the CA's renewal window (ARI)";
				return (1);
			}
			return (0);
		}
		log_warnx("cert %s: ARI: %s; using the lifetime rule", c->name,
		    cause != NULL ? cause : "failed");
	}
	free(cause);
	if (now >= *next) {
		*reason = "less than a third of its lifetime left";
		return (1);
	}
	return (0);
}

/* --- install and deploy ------------------------------------------------------- */

/*
 * Runs an operator's command line with /bin/sh -c (lib/proc.h), killed
 * after CERT_CMD_TIMEOUT; 0 if it exits 0, else -1 with *cause ("what 'cmd'
 * failed (exit 1): OUTPUT").
 */
static int
cert_command(const char *what, const char *cmd, char **cause)
{
	struct proc_opts	 o;
	char			*argv[4], *name = NULL;
	enum st			 st;

	if (cmd == NULL || *cmd == '\0')
		return (0);
	log_debug("cert: %s: %s", what, cmd);
	if (asprintf(&name, "%s '%s'", what, cmd) == -1)
		return (cause_set(cause, "out of memory"));
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.what = name;
	o.timeout_ms = CERT_CMD_TIMEOUT * 1000LL;
	o.keep = CERT_MAX_OUTPUT;
	fflush(stdout);
	fflush(stderr);
	st = proc_run(&o, NULL, cause);
	free(name);
	return (st == ST_OK ? 0 : -1);
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

/* Puts the files back as they were before cert_install. */
static void
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

/* Writes every file (previous ones kept); on failure undoes what it did. */
static int
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

/* --- issuance ------------------------------------------------------------------ */

/* Saves the order URL and names, so the next run can resume it. */
static int
cert_order_save(const struct cert *c, const char *url, char **cause)
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
	cert_json_time(obj, "created", time(NULL));
	rc = jsonutil_save_file(c->order_file, obj, 0644, cause);
	json_object_put(obj);
	return (rc);
}

/* The saved order URL if it is for exactly c's names (caller frees). */
static char *
cert_order_saved(const struct cert *c)
{
	json_object	*obj, *names;
	const char	*url;
	char		*out = NULL;
	size_t		 i;

	if ((obj = cert_json_load(c->order_file)) == NULL)
		return (NULL);
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

/* Forgets the pending order and its key. */
static void
cert_order_forget(const struct cert *c)
{
	(void)unlink(c->order_file);
	(void)unlink(c->pending_key);
}

/*
 * Gets an order to work on: the saved one if the CA still has it in a
 * usable state (with its saved key), else a new one with a new key.
 */
static int
cert_order(struct cert_run *run, const struct cert *c, const char *replaces,
    struct acme_order *o, EVP_PKEY **key, char **cause)
{
	char	*url, *why = NULL;
	time_t	 now = time(NULL);

	*key = NULL;
	if ((url = cert_order_saved(c)) != NULL) {
		if (acme_order_fetch(run->acme, url, o, &why) == ST_OK &&
		    strcmp(o->status, "invalid") != 0 &&
		    (o->expires == 0 || o->expires > now + 60) &&
		    (*key = crypto_key_load(c->pending_key, &why)) != NULL) {
			log_info("cert %s: resuming order %s (%s)", c->name,
			    url, o->status);
			free(url);
			return (0);
		}
		log_info("cert %s: dropping the saved order %s: %s", c->name,
		    url, why != NULL ? why : o->status != NULL ? o->status :
		    "unusable");
		free(why);
		free(url);
		acme_order_cleanup(o);
		cert_order_forget(c);
	}
	if ((*key = crypto_key_new(c->ktype, cause)) == NULL)
		return (-1);
	if (crypto_key_save(c->pending_key, *key, cause) != 0 ||
	    acme_order_new(run->acme, (const char *const *)c->names, c->nnames,
	    replaces, o, cause) != ST_OK ||
	    cert_order_save(c, o->url, cause) != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
		(void)unlink(c->pending_key);
		return (-1);
	}
	log_info("cert %s: new order %s", c->name, o->url);
	return (0);
}

/*
 * Issues and installs c. 0 with *serial/not_after in *out, or -1 with
 * *cause. *dead is set when the saved order must not be resumed.
 */
static int
cert_issue(struct cert_run *run, const struct cert *c,
    const struct crypto_cert *cur, struct crypto_cert *out, char **cause)
{
	struct acme_solver	 solver, *solvers[1];
	struct acme_order	 o;
	struct cert_file	 files[4];
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

	acme_order_init(&o);
	memset(files, 0, sizeof(files));
	if (strcmp(c->challenge, "dns-01") == 0) {
		/* lib/dns: the zone's provider, checked before any order. */
		if ((dns = dns_open(run->cli->cfg, cause)) == NULL ||
		    (dns01 = dns_acme_new(dns, cause)) == NULL) {
			dns_free(dns);
			return (-1);
		}
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
	/* "replaces" (RFC 9773 5) only for a CA that speaks ARI. */
	if (cert_order(run, c, cur != NULL && acme_has_ari(run->acme) ?
	    cur->ari_id : NULL, &o, &key, cause) != 0)
		goto out;
	if (dns01 != NULL)
		dns_acme_solver(dns01, &solver);
	else
		acme_http01_init(&solver, c->webroot);
	solvers[0] = &solver;
	if (strcmp(o.status, "pending") == 0 &&
	    (st = acme_order_authorize(run->acme, &o, solvers, 1,
	    cause)) != ST_OK) {
		if (st == ST_UNPROCESSABLE)
			cert_order_forget(c);
		goto out;
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
		if (st == ST_UNPROCESSABLE)
			cert_order_forget(c);
		goto out;
	}
	if (acme_cert_download(run->acme, &o, config_str(run->cli->cfg, "acme",
	    "preferred_chain"), &pem, &len, cause) != ST_OK)
		goto out;
	if (crypto_chain_check(pem, len, key, (const char *const *)c->names,
	    c->nnames, &leaf, &chain, &why) != 0) {
		cause_set(cause, "order %s: the CA's certificate: %s",
		    o.url, why != NULL ? why : "unusable");
		free(why);
		cert_order_forget(c);
		goto out;
	}
	if ((keypem = crypto_key_pem(key, &keylen, cause)) == NULL)
		goto out;
	if (asprintf(&full, "%s%s", leaf, chain) == -1) {
		full = NULL;
		cause_set(cause, "out of memory");
		goto out;
	}
	/* Key first: a reader of the new certificate finds its key. */
	files[nf++] = (struct cert_file){ c->key_file, keypem, keylen, 0600,
	    0, 0 };
	files[nf++] = (struct cert_file){ c->cert_file, leaf, strlen(leaf),
	    0644, 0, 0 };
	files[nf++] = (struct cert_file){ c->chain_file, chain, strlen(chain),
	    0644, 0, 0 };
	files[nf++] = (struct cert_file){ c->fullchain_file, full,
	    strlen(full), 0644, 0, 0 };
	if (cert_install(files, nf, cause) != 0)
		goto out;
	if (cert_command("test command", c->test_cmd, cause) != 0) {
		cert_rollback(files, nf);
		cause_suffix(cause, "; the previous files were put back");
		/* The certificate is fine: keep the order to install it again. */
		goto out;
	}
	cert_order_forget(c);
	if (crypto_cert_parse(leaf, strlen(leaf), out, cause) != 0)
		goto out;
	if (cert_command("reload command", c->reload_cmd, cause) != 0)
		goto out;
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

/* Renews one certificate if due; returns 0 (fine) or 1 (failed). */
static int
cert_renew_one(struct cert_run *run, const struct cert *c)
{
	struct crypto_cert	 cur, fresh;
	const char		*reason = NULL;
	char			*cause = NULL, buf[32], buf2[32];
	time_t			 next = 0;
	int			 have_cur, due, rc = 0;

	crypto_cert_init(&fresh);
	have_cur = crypto_cert_load(c->fullchain_file, &cur, &cause) == 0;
	free(cause);
	cause = NULL;
	due = cert_due(run, c, &cur, have_cur, &reason, &next);
	if (!due) {
		printf("%s: not due (expires %s, renewal from %s)\n", c->name,
		    clock_rfc3339_fmt(cur.not_after, buf, sizeof(buf)),
		    clock_rfc3339_fmt(next, buf2, sizeof(buf2)));
		if (!run->dry_run)
			cert_status_write(c, "not-due", NULL, &cur, next);
		goto out;
	}
	if (run->dry_run) {
		printf("%s: would renew (%s)\n", c->name, reason);
		goto out;
	}
	log_info("cert %s: renewing (%s)", c->name, reason);
	if (cert_issue(run, c, have_cur ? &cur : NULL, &fresh, &cause) != 0) {
		cli_err("cert", "%s: %s", c->name, cause != NULL ? cause :
		    "renewal failed");
		cert_status_write(c, "failed", cause != NULL ? cause :
		    "renewal failed", have_cur ? &cur : NULL, next);
		rc = 1;
		goto out;
	}
	next = cert_renew_at(&fresh);
	printf("%s: renewed (%s): serial %s, expires %s\n", c->name, reason,
	    fresh.serial, clock_rfc3339_fmt(fresh.not_after, buf, sizeof(buf)));
	cert_status_write(c, "ok", NULL, &fresh, next);
out:
	fflush(stdout);
	free(cause);
	crypto_cert_cleanup(&cur);
	crypto_cert_cleanup(&fresh);
	return (rc);
}

/* True if name is among the command-line NAMEs (or none were given). */
static int
cert_selected(const char *name, int argc, char **argv)
{
	int	 i;

	if (argc == 0)
		return (1);
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return (1);
	return (0);
}

/* Fails when a NAME on the command line is not a [cert NAME]. */
static int
cert_check_names(const struct config *cfg, int argc, char **argv)
{
	size_t	 i, n = config_count(cfg, "cert");
	int	 a;

	for (a = 0; a < argc; a++) {
		for (i = 0; i < n; i++)
			if (strcmp(config_iname(cfg, "cert", i), argv[a]) == 0)
				break;
		if (i == n) {
			cli_err("cert", "no [cert %s] in %s", argv[a],
			    config_path(cfg) != NULL ? config_path(cfg) :
			    "the configuration");
			return (-1);
		}
	}
	return (0);
}

/* `cert renew`. */
static int
cert_renew(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force",		no_argument,		NULL, 'f' },
		{ "dry-run",		no_argument,		NULL, 'n' },
		{ "random-delay",	required_argument,	NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct cert_run	 run;
	struct cert	 c;
	char		*cause = NULL, *end;
	long long	 delay;
	size_t		 i, n;
	int		 ch, fd, failed = 0;

	memset(&run, 0, sizeof(run));
	run.cli = cli;
	run.state_dir = config_str(cli->cfg, "acme", "state_dir");
	delay = config_int(cli->cfg, "acme", "renew_random_delay");
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			run.force = 1;
			break;
		case 'n':
			run.dry_run = 1;
			break;
		case 'r':
			errno = 0;
			delay = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || delay < 0 ||
			    delay > 86400) {
				cli_err("cert", "--random-delay: want 0..86400 "
				    "seconds, not '%s'", optarg);
				return (2);
			}
			break;
		default:
			cli_err("cert", "unknown option '%s'; usage: bootstack "
			    "cert renew [--force] [--dry-run] "
			    "[--random-delay SECONDS] [NAME...]",
			    argv[optind - 1]);
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (cert_check_names(cli->cfg, argc, argv) != 0)
		return (1);
	if ((n = config_count(cli->cfg, "cert")) == 0) {
		printf("no [cert NAME] section in %s: nothing to do\n",
		    config_path(cli->cfg));
		return (0);
	}
	if (delay > 0 && !run.dry_run) {
		unsigned long	 s = cert_random((unsigned long)delay);

		log_info("cert: sleeping %lu s (random delay)", s);
		sleep((unsigned int)s);
	}
	if (!run.dry_run) {
		if (fs_mkdirs(run.state_dir, 0700, 0, &cause) != 0) {
			cli_err("cert", "%s", cause != NULL ? cause :
			    "cannot make the state folder");
			free(cause);
			return (1);
		}
		if (asprintf(&end, "%s/renew.lock", run.state_dir) == -1) {
			cli_err("cert", "out of memory");
			return (1);
		}
		fd = fs_lock(end, 0, &cause);
		free(end);
		if (fd == -1) {
			cli_err("cert", "%s", cause != NULL ? cause :
			    "cannot lock");
			free(cause);
			return (CERT_EX_LOCKED);
		}
	} else
		fd = -1;
	for (i = 0; i < n; i++) {
		if (!cert_selected(config_iname(cli->cfg, "cert", i), argc,
		    argv))
			continue;
		if (cert_load(cli->cfg, i, run.state_dir, &c, &cause) != 0) {
			cli_err("cert", "%s", cause != NULL ? cause :
			    "out of memory");
			free(cause);
			cause = NULL;
			cert_cleanup(&c);
			failed = 1;
			continue;
		}
		failed |= cert_renew_one(&run, &c);
		cert_cleanup(&c);
	}
	acme_free(run.acme);
	EVP_PKEY_free(run.account_key);
	free(run.acme_error);
	if (fd != -1)
		close(fd);
	return (failed);
}

/* `cert status`: one line per certificate. */
static int
cert_status(struct cli *cli, int argc, char **argv)
{
	struct crypto_cert	 cur;
	struct cert		 c;
	json_object		*st;
	const char		*state_dir, *last, *when;
	char			*cause = NULL, b1[32], b2[32], days[32];
	char			 res[96];
	size_t			 i, j, n;
	time_t			 now = time(NULL), next;
	int			 have, failed = 0;

	if (argc > 1 && argv[1][0] == '-') {
		cli_err("cert", "unknown option '%s'; usage: bootstack cert "
		    "status [NAME...]", argv[1]);
		return (2);
	}
	if (cert_check_names(cli->cfg, argc - 1, argv + 1) != 0)
		return (1);
	state_dir = config_str(cli->cfg, "acme", "state_dir");
	n = config_count(cli->cfg, "cert");
	if (n == 0) {
		printf("no [cert NAME] section in %s\n", config_path(cli->cfg));
		return (0);
	}
	printf("%-16s %-20s %5s %-20s %-30s %s\n", "NAME", "NOT-AFTER", "DAYS",
	    "NEXT-RENEWAL", "LAST-RESULT", "NAMES");
	for (i = 0; i < n; i++) {
		if (!cert_selected(config_iname(cli->cfg, "cert", i), argc - 1,
		    argv + 1))
			continue;
		if (cert_load(cli->cfg, i, state_dir, &c, &cause) != 0) {
			cli_err("cert", "%s", cause != NULL ? cause :
			    "out of memory");
			free(cause);
			cause = NULL;
			cert_cleanup(&c);
			failed = 1;
			continue;
		}
		have = crypto_cert_load(c.fullchain_file, &cur, &cause) == 0;
		free(cause);
		cause = NULL;
		st = cert_json_load(c.status_file);
		last = st != NULL ? jsonutil_get_str(st, "result") : NULL;
		when = st != NULL ? jsonutil_get_str(st, "last_attempt") : NULL;
		(void)snprintf(res, sizeof(res), "%s%s%s%s",
		    last != NULL ? last : "never", when != NULL ? " (" : "",
		    when != NULL ? when : "", when != NULL ? ")" : "");
		next = have ? cert_renew_at(&cur) : now;
		if (have)
			(void)snprintf(days, sizeof(days), "%lld",
			    (long long)((cur.not_after - now) / 86400));
		else
			(void)snprintf(days, sizeof(days), "-");
		printf("%-16s %-20s %5s %-20s %-30s ", c.name,
		    have ? clock_rfc3339_fmt(cur.not_after, b1, sizeof(b1)) : "missing",
		    days, next <= now ? "due now" :
		    clock_rfc3339_fmt(next, b2, sizeof(b2)), res);
		for (j = 0; j < c.nnames; j++)
			printf("%s%s", j > 0 ? "," : "", c.names[j]);
		printf("\n");
		json_object_put(st);
		crypto_cert_cleanup(&cur);
		cert_cleanup(&c);
	}
	return (failed);
}

/* `cert revoke NAME`: revokes the installed certificate with the account. */
static int
cert_revoke(struct cli *cli, int argc, char **argv)
{
	struct cert_run	 run;
	struct cert	 c;
	char		*cause = NULL, *pem = NULL;
	size_t		 i, n, len = 0;
	int		 rc = 1;

	if (argc != 2 || argv[1][0] == '-') {
		cli_err("cert", "usage: bootstack cert revoke NAME");
		return (2);
	}
	if (cert_check_names(cli->cfg, 1, argv + 1) != 0)
		return (1);
	memset(&run, 0, sizeof(run));
	memset(&c, 0, sizeof(c));
	run.cli = cli;
	run.state_dir = config_str(cli->cfg, "acme", "state_dir");
	n = config_count(cli->cfg, "cert");
	for (i = 0; i < n; i++)
		if (strcmp(config_iname(cli->cfg, "cert", i), argv[1]) == 0)
			break;
	if (cert_load(cli->cfg, i, run.state_dir, &c, &cause) != 0 ||
	    fs_read_file(c.cert_file, CERT_MAX_STATE * 16, &pem, &len,
	    &cause) != 0 || cert_connect(&run, &cause) != 0 ||
	    acme_revoke(run.acme, pem, len, 0, &cause) != ST_OK) {
		cli_err("cert", "%s: %s", argv[1], cause != NULL ? cause :
		    "revocation failed");
		goto out;
	}
	printf("%s: revoked %s\n", argv[1], c.cert_file);
	rc = 0;
out:
	free(cause);
	free(pem);
	cert_cleanup(&c);
	acme_free(run.acme);
	EVP_PKEY_free(run.account_key);
	free(run.acme_error);
	return (rc);
}

/* Dispatches `cert SUBCOMMAND`. */
static int
cli_cert_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		cli_err("cert", "usage: bootstack %s", cli_cmd_cert.usage);
		return (2);
	}
	if (strcmp(argv[1], "renew") == 0)
		return (cert_renew(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "status") == 0)
		return (cert_status(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "revoke") == 0)
		return (cert_revoke(cli, argc - 1, argv + 1));
	cli_err("cert", "unknown sub-command '%s'; usage: bootstack %s",
	    argv[1], cli_cmd_cert.usage);
	return (2);
}
