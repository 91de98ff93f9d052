/*
 * cert_account.c: the ACME account of the cert runs (see cert.h): the
 * account key, the account URL cached beside it, the contact kept in step
 * with [acme] email, and what `bootstack cert account` does (show, update
 * the contact, deactivate, roll the key over).
 *
 * The cache, KEY.json for KEY.key (else KEY.json beside KEY), written
 * atomically, 0600:
 *	{"accounts": {"DIRECTORY URL": {"url": "...", "thumbprint": "...",
 *	    "email": "the [acme] email last told to the CA"}}}
 * one entry per CA (the staging directory of --dry-run has its own). An
 * entry counts only for the key whose RFC 7638 thumbprint it names. With
 * an entry the run reads the account object back (one POST-as-GET: its
 * status; a changed [acme] email is sent as an update); without one,
 * newAccount with onlyReturnExisting (RFC 8555 7.3.1), and only when the
 * CA has no account for the key a newAccount that creates one. A cached URL the CA does not know
 * (accountDoesNotExist: a test CA restarted) is dropped and found again.
 *
 * Key rollover (7.3.5) is crash-safe: the new key is saved as KEY.next
 * (atomically, lib/fs) before the keyChange request and renamed over KEY
 * after it. A keyChange that fails is never taken at its word (libcurl
 * resends a request whose reused connection died, and the copy is
 * refused when the first one took): the CA is asked at once which key it
 * knows (cert_account_settle: newAccount with onlyReturnExisting for
 * KEY.next). It has KEY.next → the rollover is finished; it has no
 * account for it → KEY.next is removed. When it cannot be asked (or the
 * run dies) both keys stay, and the next command that opens the account
 * settles it the same way, KEY.next removed only once KEY proved good.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acme.h"
#include "cause.h"
#include "cert.h"
#include "config.h"
#include "crypto.h"
#include "jsonutil.h"
#include "log.h"

#define CERT_MAX_CONTACT	8	/* contacts an update may set */

/* See cert.h. */
char *
cert_account_cache_path(const char *keypath)
{
	size_t	 n = strlen(keypath);
	char	*p;

	if (n > 4 && strcmp(keypath + n - 4, ".key") == 0)
		n -= 4;
	if (asprintf(&p, "%.*s.json", (int)n, keypath) == -1)
		return (NULL);
	return (p);
}

/*
 * The cache entry of dir for thumbprint tp: the URL (caller frees), and in
 * *email the [acme] email last told to the CA (caller frees; NULL: none).
 */
static char *
cert_account_cached(const char *cache, const char *dir, const char *tp,
    char **email)
{
	json_object	*obj = NULL, *accts, *e;
	const char	*url, *t;
	char		*out = NULL;

	if (jsonutil_load_file(cache, CERT_MAX_STATE, 8, JSONUTIL_OBJECT, &obj,
	    NULL) != ST_OK)
		return (NULL);
	if (json_object_object_get_ex(obj, "accounts", &accts) &&
	    json_object_object_get_ex(accts, dir, &e) &&
	    (url = jsonutil_get_str(e, "url")) != NULL &&
	    (t = jsonutil_get_str(e, "thumbprint")) != NULL &&
	    strcmp(t, tp) == 0) {
		out = strdup(url);
		if ((t = jsonutil_get_str(e, "email")) != NULL)
			*email = strdup(t);
	}
	json_object_put(obj);
	return (out);
}

/*
 * Records (url not NULL) or forgets dir's entry in the cache; the other
 * CAs' entries are kept. A failure is a warning: the next run finds the
 * account again with onlyReturnExisting.
 */
static void
cert_account_cache_put(const char *cache, const char *dir, const char *url,
    const char *tp, const char *email)
{
	json_object	*obj = NULL, *accts, *e;
	char		*why = NULL;

	if (jsonutil_load_file(cache, CERT_MAX_STATE, 8, JSONUTIL_OBJECT, &obj,
	    NULL) != ST_OK && (obj = json_object_new_object()) == NULL)
		return;
	if (!json_object_object_get_ex(obj, "accounts", &accts) ||
	    !json_object_is_type(accts, json_type_object)) {
		if ((accts = json_object_new_object()) == NULL)
			goto out;
		json_object_object_add(obj, "accounts", accts);
	}
	if (url == NULL)
		json_object_object_del(accts, dir);
	else {
		if ((e = json_object_new_object()) == NULL)
			goto out;
		json_object_object_add(e, "url", json_object_new_string(url));
		json_object_object_add(e, "thumbprint",
		    json_object_new_string(tp));
		json_object_object_add(e, "email", email != NULL ?
		    json_object_new_string(email) : NULL);
		json_object_object_add(accts, dir, e);
	}
	if (jsonutil_save_file(cache, obj, 0600, &why) != 0) {
		log_warnx("cert: the account cache: %s", cause_text(why));
		free(why);
	}
out:
	json_object_put(obj);
}

/* True if the contact URIs hold mailto:email. */
static int
cert_account_has(const struct acme_account_info *info, const char *email)
{
	size_t	 i;

	for (i = 0; i < info->ncontact; i++)
		if (strncmp(info->contact[i], "mailto:", 7) == 0 &&
		    strcasecmp(info->contact[i] + 7, email) == 0)
			return (1);
	return (0);
}

/*
 * Settles a rollover an earlier run left open (KEY.next is there): the CA
 * has an account for KEY.next → the keyChange went through: KEY.next is
 * renamed over KEY and becomes run->account_key (1). No account for it →
 * the keyChange never happened: 0, run->next_stale set (the caller
 * removes KEY.next once KEY works). The CA does not say → -1 with
 * *cause, both keys kept. 0 too when there is no KEY.next.
 */
static int
cert_account_settle(struct cert_run *run, char **cause)
{
	struct acme_account_opts	 ao;
	EVP_PKEY			*next;
	char				*tp, *cache, *url, *email = NULL;
	enum st				 st;
	int				 other;

	run->next_stale = 0;
	if (access(run->account_key_next, F_OK) != 0)
		return (0);
	if ((next = crypto_key_load(run->account_key_next, cause)) == NULL) {
		cause_prefix(cause, "a key rollover was left open");
		return (-1);
	}
	memset(&ao, 0, sizeof(ao));
	ao.only_existing = 1;
	/* a borrows the key it signs with: the run owns it until cleanup. */
	EVP_PKEY_free(run->next_key);
	run->next_key = next;
	st = acme_account(run->acme, next, &ao, cause);
	if (st == ST_NOTFOUND) {
		cause_clear(cause);
		run->next_stale = 1;
		return (0);
	}
	if (st != ST_OK) {
		cause_suffix(cause, " (asking which key the CA has after a "
		    "key rollover that was cut short; %s and %s are both "
		    "kept)", run->account_key_file, run->account_key_next);
		return (-1);
	}
	/* The account of KEY, as cached: KEY.next must hold that one. */
	if ((tp = crypto_jwk_thumbprint(run->account_key, cause)) == NULL ||
	    (cache = cert_account_cache_path(run->account_key_file)) == NULL) {
		free(tp);
		return (cause_set(cause, "out of memory"));
	}
	url = cert_account_cached(cache, run->directory_url, tp, &email);
	other = url != NULL && strcmp(url, acme_account_url(run->acme)) != 0;
	if (other)
		cause_set(cause, "%s holds the account %s, not %s (the one of "
		    "%s): left alone, move it aside", run->account_key_next,
		    acme_account_url(run->acme), url, run->account_key_file);
	free(url);
	free(email);
	free(tp);
	free(cache);
	if (other)
		return (-1);
	if (rename(run->account_key_next, run->account_key_file) != 0)
		return (cause_set(cause, "the CA has the new account key, but "
		    "rename %s: %s", run->account_key_next, strerror(errno)));
	EVP_PKEY_free(run->account_key);
	run->account_key = run->next_key;
	run->next_key = NULL;
	run->next_finished = 1;
	log_info("cert: finished the key rollover an earlier run began: the "
	    "CA knows the account %s by the new key", acme_account_url(
	    run->acme));
	return (1);
}

/* See cert.h. */
int
cert_account_open(struct cert_run *run, int create, char **cause)
{
	const struct config		*cfg = run->cfg;
	struct acme_account_opts	 ao;
	struct acme_account_info	 info;
	const char			*email, *dir = run->directory_url;
	const char			*m[1];
	char				*tp = NULL, *cache = NULL, *url = NULL;
	char				*mail = NULL, *told = NULL;
	enum st				 st;
	int				 rc = -1, sync;

	memset(&info, 0, sizeof(info));
	email = config_str(cfg, "acme", "email");
	if (email != NULL && *email == '\0')
		email = NULL;
	if (cert_account_settle(run, cause) < 0)
		return (-1);
	if ((tp = crypto_jwk_thumbprint(run->account_key, cause)) == NULL ||
	    (cache = cert_account_cache_path(run->account_key_file)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	if ((url = cert_account_cached(cache, dir, tp, &told)) != NULL) {
		if (acme_account_use(run->acme, run->account_key, url,
		    cause) != ST_OK)
			goto out;
		st = acme_account_get(run->acme, &info, cause);
		if (st == ST_NOTFOUND) {
			log_warnx("cert: the CA no longer knows the cached "
			    "account %s; looking it up again", url);
			cause_clear(cause);
			cert_account_cache_put(cache, dir, NULL, NULL, NULL);
			free(url);
			url = NULL;
		} else if (st != ST_OK)
			goto out;
	}
	/*
	 * The contact follows [acme] email when that changes (the cache
	 * says what was told last), so `cert account update` stands until
	 * the configuration changes.
	 */
	sync = email != NULL && (told == NULL || strcmp(told, email) != 0);
	if (url == NULL) {
		memset(&ao, 0, sizeof(ao));
		ao.email = email;
		ao.agree_tos = config_bool(cfg, "acme", "agree_tos");
		ao.eab_kid = config_str(cfg, "acme", "eab_kid");
		ao.eab_hmac_key = config_str(cfg, "acme", "eab_hmac_key");
		ao.only_existing = 1;
		st = acme_account(run->acme, run->account_key, &ao, cause);
		if (st == ST_NOTFOUND && create) {
			cause_clear(cause);
			ao.only_existing = 0;
			if (acme_account(run->acme, run->account_key, &ao,
			    cause) != ST_OK)
				goto out;
			log_info("cert: new account %s",
			    acme_account_url(run->acme));
			sync = 0;	/* made with the contact */
		} else if (st != ST_OK)
			goto out;
		else if (acme_account_get(run->acme, &info, cause) != ST_OK)
			goto out;
		else if (email != NULL && cert_account_has(&info, email))
			sync = 0;
	}
	if (info.status != NULL && strcmp(info.status, "valid") != 0) {
		cause_set(cause, "the account %s is %s at the CA: it can "
		    "order nothing; move %s aside to make a new account",
		    acme_account_url(run->acme), info.status,
		    run->account_key_file);
		goto out;
	}
	/* [acme] email changed: the CA is told (RFC 8555 7.3.2). */
	if (sync && !cert_account_has(&info, email)) {
		if (asprintf(&mail, "mailto:%s", email) == -1) {
			mail = NULL;
			cause_set(cause, "out of memory");
			goto out;
		}
		m[0] = mail;
		if (acme_account_update(run->acme, m, 1, NULL, cause) != ST_OK) {
			cause_prefix(cause, "telling the CA the new [acme] "
			    "email");
			goto out;
		}
		log_info("cert: account %s: contact now %s",
		    acme_account_url(run->acme), mail);
	}
	if (url == NULL || sync)
		cert_account_cache_put(cache, dir, acme_account_url(run->acme),
		    tp, email);
	if (run->next_stale) {
		/* KEY works and the CA never took KEY.next. */
		log_info("cert: %s: the CA never took this key (a key "
		    "rollover cut short before the keyChange): removed",
		    run->account_key_next);
		(void)unlink(run->account_key_next);
		run->next_stale = 0;
	}
	rc = 0;
out:
	acme_account_info_cleanup(&info);
	free(mail);
	free(told);
	free(url);
	free(tp);
	free(cache);
	return (rc);
}

/* See cert.h. */
int
cert_account_show(struct cert_run *run, struct acme_account_info *info,
    char **cause)
{
	enum st	 st;

	memset(info, 0, sizeof(*info));
	run->no_create = 1;
	if (cert_connect(run, cause) != 0)
		return (-1);
	if ((st = acme_account_get(run->acme, info, cause)) != ST_OK)
		return (-1);
	return (0);
}

/* See cert.h. */
int
cert_account_contact(struct cert_run *run, const char *const *emails,
    size_t n, struct acme_account_info *info, char **cause)
{
	const char	*uris[CERT_MAX_CONTACT];
	char		*own[CERT_MAX_CONTACT];
	size_t		 i;
	int		 rc = -1;

	memset(info, 0, sizeof(*info));
	memset(own, 0, sizeof(own));
	if (n > CERT_MAX_CONTACT)
		return (cause_set(cause, "at most %d contacts",
		    CERT_MAX_CONTACT));
	for (i = 0; i < n; i++) {
		const char	*e = emails[i];

		if (strncmp(e, "mailto:", 7) == 0)
			e += 7;
		if (*e == '\0' || strchr(e, '@') == NULL || strlen(e) > 254 ||
		    strpbrk(e, " \t\r\n,;<>\"") != NULL) {
			cause_set(cause, "'%.100s' is not an email address",
			    emails[i]);
			goto out;
		}
		if (asprintf(&own[i], "mailto:%s", e) == -1) {
			own[i] = NULL;
			cause_set(cause, "out of memory");
			goto out;
		}
		uris[i] = own[i];
	}
	run->no_create = 1;
	if (cert_connect(run, cause) != 0 ||
	    acme_account_update(run->acme, uris, n, info, cause) != ST_OK)
		goto out;
	rc = 0;
out:
	for (i = 0; i < n && i < CERT_MAX_CONTACT; i++)
		free(own[i]);
	return (rc);
}

/* See cert.h. */
int
cert_account_deactivate(struct cert_run *run, char **cause)
{
	run->no_create = 1;
	if (cert_connect(run, cause) != 0 ||
	    acme_account_deactivate(run->acme, cause) != ST_OK)
		return (-1);
	return (0);
}

/* See cert.h. */
int
cert_account_rollover(struct cert_run *run, char **cause)
{
	enum crypto_key_type	 kt;
	EVP_PKEY		*newkey = NULL;
	char			*cache = NULL, *tp = NULL, *why = NULL;
	enum st			 st;
	int			 rc = -1, r;

	run->no_create = 1;
	/* Opening settles a rollover an earlier run left open. */
	if (cert_connect(run, cause) != 0)
		return (-1);
	if (run->next_finished)
		return (0);
	(void)crypto_key_type_parse(config_str(run->cfg, "acme", "key_type"),
	    &kt);
	if ((newkey = crypto_key_new(kt, cause)) == NULL ||
	    crypto_key_save(run->account_key_next, newkey, cause) != 0)
		goto out;
	if ((st = acme_account_rollover(run->acme, newkey, cause)) != ST_OK) {
		/*
		 * Even an error answer does not prove the CA kept the old
		 * key: libcurl sends a request again by itself when the
		 * reused connection it went on died without an answer, and
		 * the copy (signed by the old key) is refused when the
		 * first one took. So the CA is asked.
		 */
		if ((r = cert_account_settle(run, &why)) == 1) {
			log_info("cert: keyChange: %s; yet the CA has the new "
			    "key (a lost answer): rolled over",
			    cause_text(*cause));
			cause_clear(cause);
			goto cached;
		}
		if (r == 0 && run->next_stale) {
			/* The CA has no account for it: the old key stands. */
			(void)unlink(run->account_key_next);
			run->next_stale = 0;
		} else
			cause_suffix(cause, "; the CA may have the new key "
			    "(%s): %s and %s are both kept, the next cert "
			    "command asks the CA which one it knows",
			    cause_text(why), run->account_key_file,
			    run->account_key_next);
		free(why);
		goto out;
	}
	/* The run goes on with the new key (the CA refuses the old one). */
	EVP_PKEY_free(run->account_key);
	run->account_key = newkey;
	newkey = NULL;
	if (rename(run->account_key_next, run->account_key_file) != 0) {
		cause_set(cause, "the CA has the new key, but rename %s: %s "
		    "(the next cert command finishes it)",
		    run->account_key_next, strerror(errno));
		goto out;
	}
cached:
	if ((cache = cert_account_cache_path(run->account_key_file)) == NULL ||
	    (tp = crypto_jwk_thumbprint(run->account_key, cause)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	cert_account_cache_put(cache, run->directory_url,
	    acme_account_url(run->acme), tp, config_str(run->cfg, "acme",
	    "email"));
	rc = 0;
out:
	EVP_PKEY_free(newkey);
	free(cache);
	free(tp);
	return (rc);
}
