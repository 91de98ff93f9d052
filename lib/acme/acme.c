/*
 * acme.c: the ACME v2 protocol (RFC 8555), one function per protocol step;
 * see acme.h for the contract and the solver hook. The parsers are in
 * acme_parse.c, the transport (signed POSTs, polling) in acme_http.c, what
 * they share in acme_int.h.
 *
 * What it owns: the HTTP handle (lib/httpc.h), the directory URLs, the
 * current nonce, the account URL and the account's JWK and thumbprint. The
 * account key itself is borrowed. Orders belong to the caller.
 *
 * Design (uacme is the model): one function per protocol step, each a
 * straight line of requests; one helper signs and POSTs (acme_post, RFC 8555
 * 6.2 with kid or jwk, 6.3 POST-as-GET with an empty payload), retrying a
 * badNonce at once and a bounded number of times (6.5); one helper polls
 * (acme_poll, 7.5.1 and 7.4) with Retry-After or a doubling back-off and a
 * deadline. Every reply lands in a capped struct buf and every JSON body goes
 * through jsonutil_parse (strict, depth-capped), so a hostile or broken CA
 * yields an error line, not a crash. Anything a retry loop allocates is
 * freed in the same iteration.
 *
 * Account management (update, key rollover, deactivation) is in
 * acme_account.c.
 *
 * Caveats: "dns" and "ip" (RFC 8738) identifiers only; a CA that answers newOrder with an order whose identifiers
 * differ from the request is not detected here, but the chain check after
 * download (crypto_chain_check) refuses a certificate without every name.
 */
#include "autoconf.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "acme.h"
#include "acme/acme_int.h"
#include "base64url.h"
#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonutil.h"
#include "log.h"

/* One authorization being solved by acme_order_authorize. */
struct acme_pending {
	char			*authz;		/* authz URL */
	char			*ident;		/* identifier value */
	int			 wildcard;
	char			*type;		/* chosen challenge type */
	char			*url;		/* its URL */
	char			*token;
	char			*keyauth;	/* token.thumbprint */
	char			*dnsval;	/* b64u(sha256(keyauth)) */
	int			 respond;	/* challenge still pending */
	int			 presented;	/* present() succeeded */
	int			 sent;		/* we asked the CA to validate */
	int			 final;		/* the authz is valid or invalid */
	int			 done;		/* valid when read: only stale() */
	struct acme_solver	*solver;
};

/* --- the client -------------------------------------------------------------- */

/* See acme.h. */
const char *
acme_identifier_type(const char *name)
{
	unsigned char	 a[16];

	return (inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1 ? "ip" : "dns");
}

/* See acme.h. */
int
acme_check_directory_url(const char *v, char **why)
{
	struct in_addr	 in;
	char		 host[64];
	size_t		 n;

	if (v == NULL || *v == '\0')
		return (cause_set(why, "no ACME directory URL"));
	if (strncmp(v, "https://", 8) == 0)
		return (0);
	if (strncmp(v, "http://", 7) != 0)
		return (cause_set(why, "'%.200s' is not an https:// URL", v));
	/* The host: up to the port or the path ("[::1]" whole). */
	n = v[7] == '[' ? strcspn(v + 7, "]") + 1 : strcspn(v + 7, ":/?#");
	if (n < sizeof(host)) {
		(void)snprintf(host, sizeof(host), "%.*s", (int)n, v + 7);
		if (strcmp(host, "[::1]") == 0 ||
		    strcasecmp(host, "localhost") == 0 ||
		    (inet_pton(AF_INET, host, &in) == 1 &&
		    (ntohl(in.s_addr) >> 24) == 127))
			return (0);
	}
	return (cause_set(why, "'%.200s': plain http:// only for a CA on "
	    "this machine (127.0.0.1, [::1], localhost); want https://", v));
}

/* See acme.h. */
struct acme *
acme_new(const struct acme_config *cfg, char **cause)
{
	struct httpc_opts	 ho;
	struct acme		*a;

	*cause = NULL;
	if (acme_check_directory_url(cfg->directory_url, cause) != 0) {
		cause_prefix(cause, "[acme] directory_url");
		return (NULL);
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		goto nomem;
	a->timeout = cfg->timeout > 0 ? cfg->timeout : 30;
	a->poll_timeout = cfg->poll_timeout > 0 ? cfg->poll_timeout : 120;
	a->max_reply = cfg->max_reply > 0 ? cfg->max_reply : ACME_MAX_REPLY;
	a->nonce_retries = cfg->nonce_retries > 0 ? cfg->nonce_retries :
	    ACME_NONCE_RETRIES;
	if ((a->dir_url = strdup(cfg->directory_url)) == NULL)
		goto nomem;
	memset(&ho, 0, sizeof(ho));
	ho.user_agent = cfg->user_agent;
	ho.ca_file = cfg->ca_bundle;
	ho.timeout = a->timeout;
	if ((a->http = httpc_new(&ho, cause)) == NULL) {
		acme_free(a);
		return (NULL);
	}
	return (a);
nomem:
	acme_free(a);
	cause_st(cause, ST_NOMEM, "out of memory");
	return (NULL);
}

/* Forgets the directory's profiles. */
static void
acme_profiles_clear(struct acme *a)
{
	size_t	 i;

	for (i = 0; i < a->nprofiles; i++)
		free(a->profiles[i]);
	free(a->profiles);
	a->profiles = NULL;
	a->nprofiles = 0;
}

/* Keeps the names of meta.profiles (an object: name -> description). */
static int
acme_profiles_read(struct acme *a, json_object *meta)
{
	json_object	*profiles;
	char		**v;

	acme_profiles_clear(a);
	if (!json_object_object_get_ex(meta, "profiles", &profiles) ||
	    !json_object_is_type(profiles, json_type_object))
		return (0);
	json_object_object_foreach(profiles, key, val) {
		(void)val;
		if (a->nprofiles >= 64 || strlen(key) > 64)
			continue;
		if ((v = reallocarray(a->profiles, a->nprofiles + 1,
		    sizeof(char *))) == NULL)
			return (-1);
		a->profiles = v;
		if ((a->profiles[a->nprofiles] = strdup(key)) == NULL)
			return (-1);
		a->nprofiles++;
	}
	return (0);
}

/* See acme.h. */
int
acme_has_profile(const struct acme *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->nprofiles; i++)
		if (strcmp(a->profiles[i], name) == 0)
			return (1);
	return (0);
}

/* See acme.h. */
void
acme_free(struct acme *a)
{
	if (a == NULL)
		return;
	httpc_free(a->http);
	free(a->dir_url);
	free(a->nonce);
	free(a->u_nonce);
	free(a->u_account);
	free(a->u_order);
	free(a->u_revoke);
	free(a->u_keychange);
	free(a->u_ari);
	free(a->terms);
	acme_profiles_clear(a);
	free(a->jwk);
	free(a->thumbprint);
	free(a->kid);
	free(a);
}

/* Copies a URL member of the directory; required ones must exist. */
static int
acme_dir_url(json_object *dir, const char *key, char **dst, int required)
{
	const char	*s = jsonutil_get_str(dir, key);

	free(*dst);
	*dst = NULL;
	if (s == NULL || (strncmp(s, "https://", 8) != 0 &&
	    strncmp(s, "http://", 7) != 0))
		return (required ? -1 : 0);
	return ((*dst = strdup(s)) == NULL ? -1 : 0);
}

/* See acme.h. */
enum st
acme_directory(struct acme *a, char **cause)
{
	struct acme_reply	 r;
	json_object		*dir = NULL, *meta, *v;
	char			 what[512];
	const char		*s;
	enum st			 st;

	*cause = NULL;
	(void)snprintf(what, sizeof(what), "directory %s", a->dir_url);
	acme_reply_init(&r, a);
	if ((st = acme_http(a, "GET", a->dir_url, NULL, NULL, &r,
	    cause)) != ST_OK)
		goto out;
	if (r.code != 200) {
		st = acme_fail_reply(&r, what, cause);
		goto out;
	}
	if ((st = acme_reply_json(&r, what, &dir, cause)) != ST_OK)
		goto out;
	if (acme_dir_url(dir, "newNonce", &a->u_nonce, 1) != 0 ||
	    acme_dir_url(dir, "newAccount", &a->u_account, 1) != 0 ||
	    acme_dir_url(dir, "newOrder", &a->u_order, 1) != 0 ||
	    acme_dir_url(dir, "revokeCert", &a->u_revoke, 0) != 0 ||
	    acme_dir_url(dir, "keyChange", &a->u_keychange, 0) != 0 ||
	    acme_dir_url(dir, "renewalInfo", &a->u_ari, 0) != 0) {
		st = cause_st(cause, ST_UPSTREAM, "%s: not an ACME directory "
		    "(newNonce, newAccount or newOrder missing)", what);
		goto out;
	}
	free(a->terms);
	a->terms = NULL;
	a->eab_required = 0;
	if (json_object_object_get_ex(dir, "meta", &meta)) {
		if ((s = jsonutil_get_str(meta, "termsOfService")) != NULL &&
		    (a->terms = strdup(s)) == NULL) {
			st = cause_st(cause, ST_NOMEM, "out of memory");
			goto out;
		}
		if (json_object_object_get_ex(meta, "externalAccountRequired",
		    &v) && json_object_is_type(v, json_type_boolean))
			a->eab_required = json_object_get_boolean(v);
		if (acme_profiles_read(a, meta) != 0) {
			st = cause_st(cause, ST_NOMEM, "out of memory");
			goto out;
		}
	}
	st = ST_OK;
out:
	json_object_put(dir);
	acme_reply_cleanup(&r);
	return (st);
}

/* See acme.h. */
const char *
acme_terms(const struct acme *a)
{
	return (a->terms);
}

/* See acme.h. */
const char *const *
acme_profiles(const struct acme *a, size_t *n)
{
	*n = a->nprofiles;
	return ((const char *const *)a->profiles);
}

/* See acme.h. */
int
acme_has_ari(const struct acme *a)
{
	return (a->u_ari != NULL);
}

/* See acme.h. */
time_t
acme_rate_limited_until(const struct acme *a)
{
	return (a->rl_until);
}

/* See acme.h. */
const char *
acme_account_url(const struct acme *a)
{
	return (a->kid);
}

/* The externalAccountBinding JWS (7.3.4); NULL with *cause. */
static json_object *
acme_eab(struct acme *a, const struct acme_account_opts *o, char **cause)
{
	json_object	*obj = NULL, *jws = NULL;
	unsigned char	*key = NULL;
	size_t		 keylen = 0;
	char		*prot = NULL, *text = NULL, *why = NULL;

	if (base64url_decode(o->eab_hmac_key, strlen(o->eab_hmac_key), &key,
	    &keylen) != 0 || keylen == 0) {
		cause_st(cause, ST_BADREQ, "[acme] eab_hmac_key is not "
		    "base64url");
		goto out;
	}
	if ((obj = json_object_new_object()) == NULL ||
	    acme_obj_str(obj, "alg", "HS256") != 0 ||
	    acme_obj_str(obj, "kid", o->eab_kid) != 0 ||
	    acme_obj_str(obj, "url", a->u_account) != 0 ||
	    (prot = acme_obj_text(obj)) == NULL) {
		cause_st(cause, ST_NOMEM, "out of memory");
		goto out;
	}
	if ((text = crypto_jws_hmac(key, keylen, prot, a->jwk, strlen(a->jwk),
	    &why)) == NULL) {
		cause_st(cause, ST_INTERNAL, "external account binding: %s",
		    why != NULL ? why : "cannot sign");
		goto out;
	}
	jws = json_tokener_parse(text);
out:
	if (key != NULL)
		OPENSSL_cleanse(key, keylen);
	free(key);
	free(prot);
	free(text);
	free(why);
	json_object_put(obj);
	return (jws);
}

/* See acme_int.h. */
enum st
acme_key_set(struct acme *a, EVP_PKEY *key, char **cause)
{
	char	*why = NULL;
	enum st	 st;

	if (crypto_jws_alg(key) == NULL)
		return (cause_st(cause, ST_BADREQ, "unsupported account key"));
	a->key = key;
	free(a->jwk);
	free(a->thumbprint);
	free(a->kid);
	a->jwk = a->thumbprint = a->kid = NULL;
	if ((a->jwk = crypto_jwk(key, &why)) == NULL ||
	    (a->thumbprint = crypto_jwk_thumbprint(key, &why)) == NULL) {
		st = cause_st(cause, ST_INTERNAL, "account key: %s",
		    why != NULL ? why : "unreadable");
		free(why);
		return (st);
	}
	return (ST_OK);
}

/* Keeps the account URL, the Location of a newAccount reply. */
static enum st
acme_take_kid(struct acme *a, struct acme_reply *r, const char *what,
    char **cause)
{
	if (r->location == NULL)
		return (cause_st(cause, ST_UPSTREAM, "%s: no Location "
		    "(account URL) in the reply", what));
	a->kid = r->location;
	r->location = NULL;
	return (ST_OK);
}

/*
 * newAccount with onlyReturnExisting (7.3.1): the URL of the key's
 * account, ST_NOTFOUND when the CA has none (accountDoesNotExist).
 */
static enum st
acme_account_existing(struct acme *a, char **cause)
{
	struct acme_reply	 r;
	struct acme_problem	 p;
	char			 what[512];
	enum st			 st;

	(void)snprintf(what, sizeof(what), "newAccount %s (onlyReturnExisting)",
	    a->u_account);
	acme_reply_init(&r, a);
	acme_problem_init(&p);
	if ((st = acme_post(a, a->u_account, "{\"onlyReturnExisting\":true}",
	    1, NULL, &r, cause)) != ST_OK)
		goto out;
	if (r.code != 200 && r.code != 201) {
		if (r.code >= 400 && acme_problem_parse(buf_str(&r.body),
		    r.body.len, &p) == 0 &&
		    acme_problem_is(&p, "accountDoesNotExist"))
			st = cause_st(cause, ST_NOTFOUND, "%s: the CA has no "
			    "account for this key", what);
		else
			st = acme_fail_reply(&r, what, cause);
		goto out;
	}
	if ((st = acme_take_kid(a, &r, what, cause)) != ST_OK)
		goto out;
	st = ST_OK;
out:
	acme_problem_cleanup(&p);
	acme_reply_cleanup(&r);
	return (st);
}

/* See acme.h. */
enum st
acme_account(struct acme *a, EVP_PKEY *key, const struct acme_account_opts *o,
    char **cause)
{
	struct acme_reply	 r;
	json_object		*pl = NULL, *arr, *s, *eab;
	char			*payload = NULL, *mail = NULL;
	char			 what[512];
	enum st			 st;

	*cause = NULL;
	if ((st = acme_key_set(a, key, cause)) != ST_OK)
		return (st);
	if (o->only_existing)
		return (acme_account_existing(a, cause));
	if (a->terms != NULL && !o->agree_tos)
		return (cause_st(cause, ST_FORBIDDEN, "the CA requires "
		    "agreeing to its terms of service (%s): read them and set "
		    "[acme] agree_tos = yes", a->terms));
	if (a->eab_required && (o->eab_kid == NULL || o->eab_hmac_key == NULL))
		return (cause_st(cause, ST_FORBIDDEN, "the CA requires an "
		    "external account binding: set [acme] eab_kid and "
		    "eab_hmac_key"));
	(void)snprintf(what, sizeof(what), "newAccount %s", a->u_account);
	acme_reply_init(&r, a);
	if ((pl = json_object_new_object()) == NULL)
		goto nomem;
	if (o->agree_tos && json_object_object_add(pl, "termsOfServiceAgreed",
	    json_object_new_boolean(1)) != 0)
		goto nomem;
	if (o->email != NULL && *o->email != '\0') {
		if (asprintf(&mail, "mailto:%s", o->email) == -1) {
			mail = NULL;
			goto nomem;
		}
		if ((arr = json_object_new_array()) == NULL)
			goto nomem;
		if (json_object_object_add(pl, "contact", arr) != 0) {
			json_object_put(arr);
			goto nomem;
		}
		if ((s = json_object_new_string(mail)) == NULL ||
		    json_object_array_add(arr, s) != 0) {
			json_object_put(s);
			goto nomem;
		}
	}
	if (o->eab_kid != NULL && o->eab_hmac_key != NULL) {
		if ((eab = acme_eab(a, o, cause)) == NULL) {
			st = *cause != NULL ? ST_BADREQ : ST_NOMEM;
			goto out;
		}
		if (json_object_object_add(pl, "externalAccountBinding",
		    eab) != 0) {
			json_object_put(eab);
			goto nomem;
		}
	}
	if ((payload = acme_obj_text(pl)) == NULL)
		goto nomem;
	if ((st = acme_post(a, a->u_account, payload, 1, NULL, &r,
	    cause)) != ST_OK)
		goto out;
	if (r.code != 200 && r.code != 201) {
		st = acme_fail_reply(&r, what, cause);
		goto out;
	}
	if ((st = acme_take_kid(a, &r, what, cause)) != ST_OK)
		goto out;
	log_debug("acme: account %s (%s)", a->kid, r.code == 201 ? "created" :
	    "existing");
	st = ST_OK;
	goto out;
nomem:
	st = cause_st(cause, ST_NOMEM, "out of memory");
out:
	free(payload);
	free(mail);
	json_object_put(pl);
	acme_reply_cleanup(&r);
	return (st);
}

/* The newOrder payload for names (profile, replaces: when not NULL). */
static char *
acme_order_payload(const char *const *names, size_t n, const char *profile,
    const char *replaces)
{
	json_object	*pl, *ids, *id;
	char		*out = NULL;
	size_t		 i;

	if ((pl = json_object_new_object()) == NULL)
		return (NULL);
	if ((ids = json_object_new_array()) == NULL)
		goto out;
	if (json_object_object_add(pl, "identifiers", ids) != 0) {
		json_object_put(ids);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((id = json_object_new_object()) == NULL)
			goto out;
		if (json_object_array_add(ids, id) != 0) {
			json_object_put(id);
			goto out;
		}
		if (acme_obj_str(id, "type",
		    acme_identifier_type(names[i])) != 0 ||
		    acme_obj_str(id, "value", names[i]) != 0)
			goto out;
	}
	if (profile != NULL && acme_obj_str(pl, "profile", profile) != 0)
		goto out;
	if (replaces != NULL && acme_obj_str(pl, "replaces", replaces) != 0)
		goto out;
	out = acme_obj_text(pl);
out:
	json_object_put(pl);
	return (out);
}

/* See acme.h. */
enum st
acme_order_new(struct acme *a, const char *const *names, size_t n,
    const char *profile, const char *replaces, struct acme_order *o,
    char **cause)
{
	struct acme_reply	 r;
	char			*payload = NULL, *why = NULL, what[512];
	enum st			 st;

	*cause = NULL;
	acme_order_cleanup(o);
	if (a->kid == NULL)
		return (cause_st(cause, ST_INTERNAL, "newOrder before "
		    "acme_account"));
	(void)snprintf(what, sizeof(what), "newOrder %s for %s%s", a->u_order,
	    names[0], n > 1 ? " and others" : "");
	if (profile != NULL && *profile != '\0' &&
	    !acme_has_profile(a, profile)) {
		log_warnx("acme: the CA offers no profile \"%s\" (its "
		    "directory's meta.profiles); ordering with its default",
		    profile);
		profile = NULL;
	} else if (profile != NULL && *profile == '\0')
		profile = NULL;
	acme_reply_init(&r, a);
	for (;;) {
		if ((payload = acme_order_payload(names, n, profile,
		    replaces)) == NULL) {
			st = cause_st(cause, ST_NOMEM, "out of memory");
			goto out;
		}
		st = acme_post(a, a->u_order, payload, 0, NULL, &r, cause);
		free(payload);
		payload = NULL;
		if (st != ST_OK)
			goto out;
		if (r.code == 201)
			break;
		st = acme_fail_reply(&r, what, cause);
		/* RFC 9773 5: a CA may refuse "replaces"; order plainly then. */
		if (replaces == NULL || st == ST_RATELIMIT || r.code >= 500)
			goto out;
		log_warnx("acme: %s; retrying without \"replaces\"", *cause);
		free(*cause);
		*cause = NULL;
		replaces = NULL;
	}
	if (r.location == NULL) {
		st = cause_st(cause, ST_UPSTREAM, "%s: no Location (order "
		    "URL) in the reply", what);
		goto out;
	}
	if (acme_order_parse(buf_str(&r.body), r.body.len, o, &why) != 0) {
		st = cause_st(cause, ST_UPSTREAM, "%s: %s", what,
		    why != NULL ? why : "out of memory");
		free(why);
		goto out;
	}
	o->url = r.location;
	r.location = NULL;
	log_debug("acme: order %s is %s", o->url, o->status);
	st = ST_OK;
out:
	acme_reply_cleanup(&r);
	return (st);
}

/* See acme.h. */
enum st
acme_order_fetch(struct acme *a, const char *url, struct acme_order *o,
    char **cause)
{
	struct acme_reply	 r;
	char			*why = NULL, what[512];
	enum st			 st;

	*cause = NULL;
	acme_order_cleanup(o);
	(void)snprintf(what, sizeof(what), "order %s", url);
	acme_reply_init(&r, a);
	if ((st = acme_post(a, url, NULL, 0, NULL, &r, cause)) != ST_OK)
		goto out;
	if (r.code != 200) {
		st = acme_fail_reply(&r, what, cause);
		/* Gone for good, unlike a 5xx or a rate limit. */
		if (r.code == 404 || r.code == 410)
			st = ST_NOTFOUND;
		goto out;
	}
	if (acme_order_parse(buf_str(&r.body), r.body.len, o, &why) != 0) {
		st = cause_st(cause, ST_UPSTREAM, "%s: %s", what,
		    why != NULL ? why : "out of memory");
		free(why);
		goto out;
	}
	if ((o->url = strdup(url)) == NULL) {
		st = cause_st(cause, ST_NOMEM, "out of memory");
		goto out;
	}
	st = ST_OK;
out:
	acme_reply_cleanup(&r);
	return (st);
}

/* Frees one pending authorization's strings. */
static void
acme_pending_cleanup(struct acme_pending *p)
{
	free(p->authz);
	free(p->ident);
	free(p->type);
	free(p->url);
	free(p->token);
	free(p->keyauth);
	free(p->dnsval);
	memset(p, 0, sizeof(*p));
}

/* The first challenge error of an authorization object as text, or NULL. */
static char *
acme_authz_error(json_object *authz)
{
	json_object		*chs, *ch, *e;
	struct acme_problem	 p;
	char			*s = NULL;
	size_t			 i, n;

	if (!json_object_object_get_ex(authz, "challenges", &chs) ||
	    !json_object_is_type(chs, json_type_array))
		return (NULL);
	n = json_object_array_length(chs);
	for (i = 0; i < n && s == NULL; i++) {
		/* A challenge without "error" leaves p as it was: start clean. */
		acme_problem_init(&p);
		ch = json_object_array_get_idx(chs, i);
		if (json_object_object_get_ex(ch, "error", &e) &&
		    acme_problem_from(e, &p) == 0) {
			char	*ps = acme_problem_str(&p);

			if (ps != NULL && asprintf(&s, "challenge %s %s: %s",
			    jsonutil_get_str(ch, "type") != NULL ?
			    jsonutil_get_str(ch, "type") : "?",
			    jsonutil_get_str(ch, "status") != NULL ?
			    jsonutil_get_str(ch, "status") : "?", ps) == -1)
				s = NULL;
			free(ps);
		}
		acme_problem_cleanup(&p);
	}
	return (s);
}

/*
 * Reads one authorization and, if pending, picks its challenge. *skip is
 * set when it is valid already; p is then filled too (p->done) when one
 * of its challenges is of a solver's type, so that what an earlier run
 * left for it can be removed (the solver's stale()).
 */
static enum st
acme_authz_load(struct acme *a, const char *url, struct acme_solver *const *sv,
    size_t nsv, struct acme_pending *p, int *skip, char **cause)
{
	struct acme_reply	 r;
	json_object		*obj = NULL, *id, *chs, *ch, *w;
	const char		*status, *ident, *type, *token, *curl_, *cst;
	char			*why = NULL, *err, what[768];
	size_t			 i, j, n;
	enum st			 st;

	*skip = 0;
	(void)snprintf(what, sizeof(what), "authz %s", url);
	acme_reply_init(&r, a);
	if ((st = acme_post(a, url, NULL, 0, NULL, &r, cause)) != ST_OK)
		goto out;
	if (r.code != 200) {
		st = acme_fail_reply(&r, what, cause);
		goto out;
	}
	if ((st = acme_reply_json(&r, what, &obj, cause)) != ST_OK)
		goto out;
	status = jsonutil_get_str(obj, "status");
	ident = json_object_object_get_ex(obj, "identifier", &id) ?
	    jsonutil_get_str(id, "value") : NULL;
	if (status == NULL || ident == NULL ||
	    !json_object_object_get_ex(obj, "challenges", &chs) ||
	    !json_object_is_type(chs, json_type_array)) {
		st = cause_st(cause, ST_UPSTREAM, "%s: not an authorization "
		    "(status, identifier or challenges missing)", what);
		goto out;
	}
	(void)snprintf(what, sizeof(what), "authz %s (%.253s)", url, ident);
	if (strcmp(status, "valid") == 0)
		*skip = p->done = 1;
	else if (strcmp(status, "pending") != 0) {
		err = acme_authz_error(obj);
		st = cause_st(cause, ST_UNPROCESSABLE, "%s: %s%s%s", what,
		    status, err != NULL ? ": " : "", err != NULL ? err : "");
		free(err);
		goto out;
	}
	n = json_object_array_length(chs);
	for (j = 0; j < nsv && p->solver == NULL; j++) {
		for (i = 0; i < n; i++) {
			ch = json_object_array_get_idx(chs, i);
			type = jsonutil_get_str(ch, "type");
			if (type == NULL || strcmp(type, sv[j]->type) != 0)
				continue;
			token = jsonutil_get_str(ch, "token");
			curl_ = jsonutil_get_str(ch, "url");
			cst = jsonutil_get_str(ch, "status");
			if (token == NULL || !base64url_valid(token) ||
			    strlen(token) > ACME_MAX_TOKEN || curl_ == NULL) {
				if (p->done) {
					/* Nothing to solve: just no stale(). */
					acme_pending_cleanup(p);
					*skip = 1;
					st = ST_OK;
					goto out;
				}
				st = cause_st(cause, ST_UPSTREAM, "%s: challenge "
				    "%s has a bad token or no URL", what, type);
				goto out;
			}
			p->solver = sv[j];
			p->respond = cst == NULL || strcmp(cst, "pending") == 0;
			p->wildcard = json_object_object_get_ex(obj, "wildcard",
			    &w) && json_object_get_boolean(w);
			if ((p->authz = strdup(url)) == NULL ||
			    (p->ident = strdup(ident)) == NULL ||
			    (p->type = strdup(type)) == NULL ||
			    (p->url = strdup(curl_)) == NULL ||
			    (p->token = strdup(token)) == NULL ||
			    asprintf(&p->keyauth, "%s.%s", token,
			    a->thumbprint) == -1) {
				p->keyauth = NULL;
				st = cause_st(cause, ST_NOMEM, "out of memory");
				goto out;
			}
			if ((p->dnsval = crypto_sha256_b64u(p->keyauth,
			    strlen(p->keyauth), &why)) == NULL) {
				st = cause_st(cause, ST_INTERNAL, "%s: %s", what,
				    why != NULL ? why : "SHA-256 failed");
				free(why);
				goto out;
			}
			break;
		}
	}
	if (p->solver == NULL && p->done) {
		acme_pending_cleanup(p);
		*skip = 1;
	} else if (p->solver == NULL) {
		struct buf	 offered;

		buf_init(&offered, 256);
		for (i = 0; i < n; i++) {
			type = jsonutil_get_str(json_object_array_get_idx(chs,
			    i), "type");
			(void)buf_printf(&offered, "%s%.32s", i > 0 ? ", " : "",
			    type != NULL ? type : "?");
		}
		st = cause_st(cause, ST_UNPROCESSABLE, "%s: no configured "
		    "solver for the offered challenges (%s)", what,
		    buf_str(&offered));
		buf_cleanup(&offered);
		goto out;
	}
	st = ST_OK;
out:
	json_object_put(obj);
	acme_reply_cleanup(&r);
	return (st);
}

/* The borrowed challenge view of a pending authorization. */
static void
acme_pending_view(const struct acme_pending *p, struct acme_challenge *c)
{
	c->type = p->type;
	c->identifier = p->ident;
	c->wildcard = p->wildcard;
	c->token = p->token;
	c->key_authorization = p->keyauth;
	c->dns_value = p->dnsval;
	c->authz_url = p->authz;
}

/* See acme.h. */
enum st
acme_order_authorize(struct acme *a, struct acme_order *o,
    struct acme_solver *const *sv, size_t nsv, char **cause)
{
	struct acme_pending	*pv = NULL;
	struct acme_challenge	 c;
	struct acme_reply	 r;
	json_object		*obj = NULL;
	char			*why = NULL, *err, what[768];
	size_t			 i, j, np = 0;
	int			 skip;
	enum st			 st = ST_OK;

	*cause = NULL;
	acme_reply_init(&r, a);
	if (o->nauthz > 0 && (pv = calloc(o->nauthz, sizeof(*pv))) == NULL)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	/* 1. Read every authorization, pick the challenges. */
	for (i = 0; i < o->nauthz; i++) {
		st = acme_authz_load(a, o->authz[i], sv, nsv, &pv[np], &skip,
		    cause);
		if (st != ST_OK) {
			acme_pending_cleanup(&pv[np]);
			goto out;
		}
		if (!skip || pv[np].done)
			np++;
	}
	/* 2. Make every challenge answerable, then 3. wait until visible. */
	for (i = 0; i < np; i++) {
		if (pv[i].done)
			continue;
		acme_pending_view(&pv[i], &c);
		if (pv[i].solver->present(pv[i].solver, &c, &why) != 0) {
			st = cause_st(cause, ST_IO, "authz %s (%s): %s: %s",
			    pv[i].authz, pv[i].ident, pv[i].type,
			    why != NULL ? why : "cannot present the challenge");
			free(why);
			why = NULL;
			goto out;
		}
		pv[i].presented = 1;
	}
	for (i = 0; i < np; i++) {
		if (pv[i].done)
			continue;
		for (j = 0; j < i && (pv[j].done || pv[j].solver !=
		    pv[i].solver); j++)
			;
		if (j < i || pv[i].solver->ready == NULL)
			continue;
		if (pv[i].solver->ready(pv[i].solver, &why) != 0) {
			st = cause_st(cause, ST_TIMEOUT, "%s challenges of "
			    "order %s: %s", pv[i].type, o->url,
			    why != NULL ? why : "not ready");
			free(why);
			why = NULL;
			goto out;
		}
	}
	/* 4. Ask the CA to validate (7.5.1). */
	for (i = 0; i < np; i++) {
		if (pv[i].done || !pv[i].respond)
			continue;
		(void)snprintf(what, sizeof(what), "challenge %s (%s %s)",
		    pv[i].url, pv[i].type, pv[i].ident);
		if ((st = acme_post(a, pv[i].url, "{}", 0, NULL, &r,
		    cause)) != ST_OK)
			goto out;
		pv[i].sent = 1;		/* even if refused: it may count */
		if (r.code != 200) {
			st = acme_fail_reply(&r, what, cause);
			goto out;
		}
	}
	/* 5. Wait for every authorization to settle. */
	for (i = 0; i < np; i++) {
		if (pv[i].done)
			continue;
		(void)snprintf(what, sizeof(what), "authz %s (%s)",
		    pv[i].authz, pv[i].ident);
		if ((st = acme_poll(a, pv[i].authz, what, "pending", &obj,
		    cause)) != ST_OK)
			goto out;
		pv[i].final = 1;
		if (strcmp(jsonutil_get_str(obj, "status"), "valid") != 0) {
			err = acme_authz_error(obj);
			st = cause_st(cause, ST_UNPROCESSABLE, "%s: %s%s%s",
			    what, jsonutil_get_str(obj, "status"),
			    err != NULL ? ": " : "", err != NULL ? err : "");
			free(err);
			goto out;
		}
		json_object_put(obj);
		obj = NULL;
	}
	st = ST_OK;
out:
	/*
	 * 6. Clean up, last first, what the CA is done with: everything when
	 * the order is done (valid, or dead: an invalid authorization makes
	 * it invalid), else only the final authorizations and the challenges
	 * the CA was never asked to validate. A timeout or a lost CA leaves
	 * the rest answerable, so the validation under way can still pass
	 * and the next run resumes the order (RFC 8555 7.5.1: the CA may
	 * take its time). Authorizations valid when read get stale().
	 */
	for (i = np; i-- > 0;) {
		acme_pending_view(&pv[i], &c);
		if (pv[i].done && pv[i].solver->stale != NULL) {
			if (pv[i].solver->stale(pv[i].solver, &c, &why) != 0)
				log_warnx("acme: removing what an earlier run "
				    "left for %s: %s", pv[i].ident, why !=
				    NULL ? why : "failed");
		} else if (pv[i].presented && pv[i].solver->cleanup != NULL &&
		    !(st == ST_OK || st == ST_UNPROCESSABLE || pv[i].final ||
		    (pv[i].respond && !pv[i].sent)))
			log_info("acme: leaving the %s challenge of %s in "
			    "place: the CA may still validate it", pv[i].type,
			    pv[i].ident);
		else if (pv[i].presented && pv[i].solver->cleanup != NULL &&
		    pv[i].solver->cleanup(pv[i].solver, &c, &why) != 0)
			log_warnx("acme: cleanup of %s for %s: %s",
			    pv[i].type, pv[i].ident, why != NULL ? why :
			    "failed");
		free(why);
		why = NULL;
		acme_pending_cleanup(&pv[i]);
	}
	free(pv);
	json_object_put(obj);
	acme_reply_cleanup(&r);
	return (st);
}

/* Replaces the fields of o with those of an order object obj. */
static enum st
acme_order_update(struct acme_order *o, json_object *obj, const char *what,
    char **cause)
{
	const char	*text;
	char		*why = NULL;
	enum st		 st;

	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	if (text == NULL)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	if (acme_order_parse(text, strlen(text), o, &why) != 0) {
		st = cause_st(cause, ST_UPSTREAM, "%s: %s", what,
		    why != NULL ? why : "out of memory");
		free(why);
		return (st);
	}
	return (ST_OK);
}

/* See acme.h. */
enum st
acme_order_finalize(struct acme *a, struct acme_order *o,
    const unsigned char *csr, size_t len, char **cause)
{
	struct acme_reply	 r;
	json_object		*obj = NULL;
	char			*b64 = NULL, *payload = NULL, *why = NULL;
	char			 what[512];
	enum st			 st;

	*cause = NULL;
	(void)snprintf(what, sizeof(what), "order %s", o->url);
	acme_reply_init(&r, a);
	/* Some CAs move the order to ready a moment after the last authz. */
	if (strcmp(o->status, "pending") == 0) {
		if ((st = acme_poll(a, o->url, what, "pending", &obj,
		    cause)) != ST_OK)
			goto out;
		if ((st = acme_order_update(o, obj, what, cause)) != ST_OK)
			goto out;
		json_object_put(obj);
		obj = NULL;
	}
	if (strcmp(o->status, "ready") == 0) {
		if ((b64 = base64url_encode(csr, len)) == NULL ||
		    asprintf(&payload, "{\"csr\":\"%s\"}", b64) == -1) {
			payload = NULL;
			st = cause_st(cause, ST_NOMEM, "out of memory");
			goto out;
		}
		if ((st = acme_post(a, o->finalize, payload, 0, NULL, &r,
		    cause)) != ST_OK)
			goto out;
		if (r.code != 200) {
			st = acme_fail_reply(&r, "finalize of order", cause);
			cause_prefix(cause, "%s", what);
			goto out;
		}
		if (acme_order_parse(buf_str(&r.body), r.body.len, o, &why) != 0) {
			st = cause_st(cause, ST_UPSTREAM, "%s: finalize: %s",
			    what, why != NULL ? why : "out of memory");
			free(why);
			goto out;
		}
	}
	if (strcmp(o->status, "processing") == 0 ||
	    (strcmp(o->status, "ready") == 0)) {
		if ((st = acme_poll(a, o->url, what, "processing|ready", &obj,
		    cause)) != ST_OK)
			goto out;
		if ((st = acme_order_update(o, obj, what, cause)) != ST_OK)
			goto out;
	}
	if (strcmp(o->status, "valid") != 0 || o->certificate == NULL) {
		st = cause_st(cause, ST_UNPROCESSABLE, "%s: %s%s%s", what,
		    o->status, o->error != NULL ? ": " : "",
		    o->error != NULL ? o->error : " (not finalizable)");
		goto out;
	}
	st = ST_OK;
out:
	json_object_put(obj);
	free(b64);
	free(payload);
	acme_reply_cleanup(&r);
	return (st);
}

/* Fetches one certificate chain URL into r; checks the status. */
static enum st
acme_fetch_chain(struct acme *a, const char *url, struct acme_reply *r,
    char **cause)
{
	char	 what[512];
	enum st	 st;

	(void)snprintf(what, sizeof(what), "certificate %s", url);
	if ((st = acme_post(a, url, NULL, 0,
	    "application/pem-certificate-chain", r, cause)) != ST_OK)
		return (st);
	if (r->code != 200)
		return (acme_fail_reply(r, what, cause));
	if (r->body.len == 0)
		return (cause_st(cause, ST_UPSTREAM, "%s: empty reply", what));
	return (ST_OK);
}

/* See acme.h. */
enum st
acme_cert_download(struct acme *a, const struct acme_order *o,
    const char *preferred, char **pem, size_t *lenp, char **cause)
{
	struct acme_reply	 r, alt;
	size_t			 i;
	enum st			 st;

	*cause = NULL;
	*pem = NULL;
	if (o->certificate == NULL)
		return (cause_st(cause, ST_INTERNAL, "order %s has no "
		    "certificate yet", o->url));
	acme_reply_init(&r, a);
	acme_reply_init(&alt, a);
	if ((st = acme_fetch_chain(a, o->certificate, &r, cause)) != ST_OK)
		goto out;
	if (preferred != NULL && *preferred != '\0' &&
	    !crypto_chain_has_issuer(buf_str(&r.body), r.body.len, preferred)) {
		for (i = 0; i < r.nlinks; i++) {
			acme_reply_cleanup(&alt);
			buf_init(&alt.body, a->max_reply);
			if ((st = acme_fetch_chain(a, r.links[i], &alt,
			    cause)) != ST_OK)
				goto out;
			if (crypto_chain_has_issuer(buf_str(&alt.body),
			    alt.body.len, preferred)) {
				log_debug("acme: alternate chain %s matches %s",
				    r.links[i], preferred);
				*lenp = alt.body.len;
				*pem = buf_steal(&alt.body);
				st = ST_OK;
				goto out;
			}
		}
		log_warnx("acme: no chain of order %s matches preferred_chain "
		    "\"%s\"; using the default one", o->url, preferred);
	}
	*lenp = r.body.len;
	*pem = buf_steal(&r.body);
	st = ST_OK;
out:
	acme_reply_cleanup(&r);
	acme_reply_cleanup(&alt);
	return (st);
}

/* See acme.h. */
int
acme_revoke_reason(const char *name)
{
	static const char *const names[] = { "unspecified", "keyCompromise",
	    "cACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", NULL, "removeFromCRL",
	    "privilegeWithdrawn", "aACompromise" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return ((int)i);
	return (-1);
}

/* See acme.h. */
enum st
acme_revoke(struct acme *a, const char *pem, size_t len, int reason,
    EVP_PKEY *cert_key, char **cause)
{
	struct acme_reply	 r;
	EVP_PKEY		*akey = a->key;
	unsigned char		*der = NULL;
	size_t			 derlen = 0;
	char			*b64 = NULL, *payload = NULL, *why = NULL;
	char			*ajwk = a->jwk, *akid = a->kid, *cjwk = NULL;
	char			 what[512];
	enum st			 st;

	*cause = NULL;
	if (a->u_revoke == NULL)
		return (cause_st(cause, ST_UPSTREAM, "the CA's directory has "
		    "no revokeCert"));
	if (cert_key != NULL && (crypto_jws_alg(cert_key) == NULL ||
	    (cjwk = crypto_jwk(cert_key, &why)) == NULL)) {
		st = cause_st(cause, ST_BADREQ, "revoke: the certificate key: "
		    "%s", why != NULL ? why : "unsupported");
		free(why);
		return (st);
	}
	if (crypto_cert_der(pem, len, &der, &derlen, &why) != 0) {
		free(cjwk);
		st = cause_st(cause, ST_BADREQ, "revoke: %s", why != NULL ?
		    why : "unreadable certificate");
		free(why);
		return (st);
	}
	(void)snprintf(what, sizeof(what), "revokeCert %s", a->u_revoke);
	acme_reply_init(&r, a);
	if ((b64 = base64url_encode(der, derlen)) == NULL ||
	    (reason > 0 ? asprintf(&payload, "{\"certificate\":\"%s\","
	    "\"reason\":%d}", b64, reason) : asprintf(&payload,
	    "{\"certificate\":\"%s\"}", b64)) == -1) {
		payload = NULL;
		st = cause_st(cause, ST_NOMEM, "out of memory");
		goto out;
	}
	if (cert_key != NULL) {
		/* 7.6: signed by the certificate's key, with its jwk. */
		a->key = cert_key;
		a->jwk = cjwk;
		a->kid = NULL;
	}
	st = acme_post(a, a->u_revoke, payload, cert_key != NULL, NULL, &r,
	    cause);
	a->key = akey;
	a->jwk = ajwk;
	a->kid = akid;
	if (st != ST_OK)
		goto out;
	st = r.code == 200 ? ST_OK : acme_fail_reply(&r, what, cause);
out:
	free(cjwk);
	free(der);
	free(b64);
	free(payload);
	acme_reply_cleanup(&r);
	return (st);
}

/* See acme.h. */
enum st
acme_renewal_info(struct acme *a, const char *ari_id, struct acme_ari *ari,
    char **cause)
{
	struct acme_reply	 r;
	char			*url = NULL, what[512];
	long			 ra;
	enum st			 st;

	*cause = NULL;
	memset(ari, 0, sizeof(*ari));
	if (a->u_ari == NULL)
		return (cause_st(cause, ST_NOTFOUND, "the CA offers no ARI"));
	if (ari_id == NULL || strchr(ari_id, '/') != NULL)
		return (cause_st(cause, ST_BADREQ, "bad ARI certificate id"));
	if (asprintf(&url, "%s%s%s", a->u_ari,
	    a->u_ari[strlen(a->u_ari) - 1] == '/' ? "" : "/", ari_id) == -1)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	(void)snprintf(what, sizeof(what), "renewalInfo %s", url);
	acme_reply_init(&r, a);
	if ((st = acme_http(a, "GET", url, NULL, NULL, &r, cause)) != ST_OK)
		goto out;
	if (r.code != 200) {
		st = acme_fail_reply(&r, what, cause);
		goto out;
	}
	if (acme_ari_parse(buf_str(&r.body), r.body.len, ari) != 0) {
		st = cause_st(cause, ST_UPSTREAM, "%s: no valid "
		    "suggestedWindow in the reply", what);
		goto out;
	}
	if ((ra = acme_retry_after(r.retry_after, clock_now())) >= 0)
		ari->retry_after = clock_now() + ra;
	st = ST_OK;
out:
	free(url);
	acme_reply_cleanup(&r);
	return (st);
}
