/*
 * acme_account.c: managing the ACME account once it is known (RFC 8555
 * 7.3.2 update, 7.3.5 key rollover, 7.3.6 deactivation) and reading the
 * account object back; see acme.h. Finding or creating the account
 * (newAccount, onlyReturnExisting) is in acme.c.
 *
 * Every request here is signed with the account's kid (6.2); the account
 * object replies are parsed by acme_account_parse, capped and strict like
 * every other reply.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acme.h"
#include "acme/acme_int.h"
#include "buf.h"
#include "cause.h"
#include "crypto.h"
#include "jsonutil.h"
#include "log.h"

#define ACME_MAX_CONTACT	16	/* contact URIs kept from a reply */

/* See acme.h. */
void
acme_account_info_cleanup(struct acme_account_info *info)
{
	size_t	 i;

	for (i = 0; i < info->ncontact; i++)
		free(info->contact[i]);
	free(info->contact);
	free(info->status);
	free(info->orders);
	memset(info, 0, sizeof(*info));
}

/* See acme.h. */
int
acme_account_parse(const char *text, size_t len, struct acme_account_info *info)
{
	json_object	*obj = NULL, *arr, *v;
	char		 err[128];
	const char	*s;
	size_t		 i, n;
	int		 rc = -1;

	memset(info, 0, sizeof(*info));
	if (jsonutil_parse(text, len, ACME_JSON_DEPTH, &obj, err,
	    sizeof(err)) != ST_OK ||
	    !json_object_is_type(obj, json_type_object))
		goto out;
	if ((s = jsonutil_get_str(obj, "status")) == NULL || strlen(s) > 64 ||
	    (info->status = strdup(s)) == NULL)
		goto out;
	if ((s = jsonutil_get_str(obj, "orders")) != NULL && strlen(s) < 2048 &&
	    (info->orders = strdup(s)) == NULL)
		goto out;
	if (json_object_object_get_ex(obj, "contact", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		if (n > ACME_MAX_CONTACT)
			n = ACME_MAX_CONTACT;
		if (n > 0 && (info->contact = calloc(n,
		    sizeof(char *))) == NULL)
			goto out;
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(v, json_type_string) ||
			    json_object_get_string_len(v) > 512)
				continue;
			if ((info->contact[info->ncontact] =
			    strdup(json_object_get_string(v))) == NULL)
				goto out;
			info->ncontact++;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		acme_account_info_cleanup(info);
	json_object_put(obj);
	return (rc);
}

/* See acme.h. */
enum st
acme_account_use(struct acme *a, EVP_PKEY *key, const char *url,
    char **cause)
{
	enum st	 st;

	*cause = NULL;
	if (url == NULL || (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0))
		return (cause_st(cause, ST_BADREQ, "not an account URL"));
	if ((st = acme_key_set(a, key, cause)) != ST_OK)
		return (st);
	if ((a->kid = strdup(url)) == NULL)
		return (cause_st(cause, ST_NOMEM, "out of memory"));
	return (ST_OK);
}

/*
 * POSTs payload (NULL: POST-as-GET) to the account URL; a 200 with an
 * account object fills *info (may be NULL). ST_NOTFOUND when the CA says
 * accountDoesNotExist.
 */
static enum st
acme_account_post(struct acme *a, const char *payload, const char *what,
    struct acme_account_info *info, char **cause)
{
	struct acme_account_info	 tmp;
	struct acme_problem		 p;
	struct acme_reply		 r;
	char				 w[768];
	int				 gone;
	enum st				 st;

	*cause = NULL;
	if (a->kid == NULL)
		return (cause_st(cause, ST_INTERNAL, "%s before acme_account",
		    what));
	(void)snprintf(w, sizeof(w), "%s %s", what, a->kid);
	acme_reply_init(&r, a);
	if ((st = acme_post(a, a->kid, payload, 0, NULL, &r, cause)) != ST_OK)
		goto out;
	if (r.code != 200) {
		acme_problem_init(&p);
		gone = r.code >= 400 && acme_problem_parse(buf_str(&r.body),
		    r.body.len, &p) == 0 && acme_problem_is(&p,
		    "accountDoesNotExist");
		acme_problem_cleanup(&p);
		st = acme_fail_reply(&r, w, cause);
		if (gone)
			st = ST_NOTFOUND;
		goto out;
	}
	if (acme_account_parse(buf_str(&r.body), r.body.len, &tmp) != 0) {
		st = cause_st(cause, ST_UPSTREAM, "%s: the reply is not an "
		    "account object", w);
		goto out;
	}
	if (info != NULL)
		*info = tmp;
	else
		acme_account_info_cleanup(&tmp);
	st = ST_OK;
out:
	acme_reply_cleanup(&r);
	return (st);
}

/* See acme.h. */
enum st
acme_account_get(struct acme *a, struct acme_account_info *info, char **cause)
{
	return (acme_account_post(a, NULL, "account", info, cause));
}

/* See acme.h. */
enum st
acme_account_update(struct acme *a, const char *const *contact, size_t n,
    struct acme_account_info *info, char **cause)
{
	json_object	*pl, *arr, *s;
	char		*payload = NULL;
	size_t		 i;
	enum st		 st;

	*cause = NULL;
	if ((pl = json_object_new_object()) == NULL ||
	    (arr = json_object_new_array()) == NULL)
		goto nomem;
	if (json_object_object_add(pl, "contact", arr) != 0) {
		json_object_put(arr);
		goto nomem;
	}
	for (i = 0; i < n; i++) {
		if ((s = json_object_new_string(contact[i])) == NULL)
			goto nomem;
		if (json_object_array_add(arr, s) != 0) {
			json_object_put(s);
			goto nomem;
		}
	}
	if ((payload = acme_obj_text(pl)) == NULL)
		goto nomem;
	json_object_put(pl);
	st = acme_account_post(a, payload, "account update", info, cause);
	free(payload);
	return (st);
nomem:
	json_object_put(pl);
	return (cause_st(cause, ST_NOMEM, "out of memory"));
}

/* See acme.h. */
enum st
acme_account_deactivate(struct acme *a, char **cause)
{
	struct acme_account_info	 info;
	enum st				 st;

	if ((st = acme_account_post(a, "{\"status\":\"deactivated\"}",
	    "account deactivation", &info, cause)) != ST_OK)
		return (st);
	if (strcmp(info.status, "deactivated") != 0)
		st = cause_st(cause, ST_UPSTREAM, "account deactivation %s: "
		    "the CA says the account is \"%s\"", a->kid, info.status);
	acme_account_info_cleanup(&info);
	return (st);
}

/*
 * The inner JWS of a key change (7.3.5): protected {alg, jwk of newkey,
 * url}, no nonce, payload {account, oldKey}, signed by newkey. NULL with
 * *cause.
 */
static char *
acme_keychange_inner(struct acme *a, EVP_PKEY *newkey, const char *newjwk,
    char **cause)
{
	json_object	*prot = NULL, *pl = NULL, *jwk;
	char		*ptext = NULL, *pltext = NULL, *jws = NULL, *why = NULL;

	if ((prot = json_object_new_object()) == NULL ||
	    (pl = json_object_new_object()) == NULL ||
	    acme_obj_str(prot, "alg", crypto_jws_alg(newkey)) != 0)
		goto nomem;
	if ((jwk = json_tokener_parse(newjwk)) == NULL)
		goto nomem;
	if (json_object_object_add(prot, "jwk", jwk) != 0) {
		json_object_put(jwk);
		goto nomem;
	}
	if (acme_obj_str(prot, "url", a->u_keychange) != 0 ||
	    acme_obj_str(pl, "account", a->kid) != 0)
		goto nomem;
	if ((jwk = json_tokener_parse(a->jwk)) == NULL)
		goto nomem;
	if (json_object_object_add(pl, "oldKey", jwk) != 0) {
		json_object_put(jwk);
		goto nomem;
	}
	if ((ptext = acme_obj_text(prot)) == NULL ||
	    (pltext = acme_obj_text(pl)) == NULL)
		goto nomem;
	if ((jws = crypto_jws(newkey, ptext, pltext, strlen(pltext),
	    &why)) == NULL) {
		cause_st(cause, ST_INTERNAL, "key change: the new key: %s",
		    why != NULL ? why : "cannot sign");
		free(why);
	}
	goto out;
nomem:
	cause_st(cause, ST_NOMEM, "out of memory");
out:
	free(ptext);
	free(pltext);
	json_object_put(prot);
	json_object_put(pl);
	return (jws);
}

/* See acme.h. */
enum st
acme_account_rollover(struct acme *a, EVP_PKEY *newkey, char **cause)
{
	struct acme_reply	 r;
	char			*newjwk = NULL, *newtp = NULL, *inner = NULL;
	char			*why = NULL, what[768];
	enum st			 st;

	*cause = NULL;
	if (a->kid == NULL)
		return (cause_st(cause, ST_INTERNAL, "key change before "
		    "acme_account"));
	if (a->u_keychange == NULL)
		return (cause_st(cause, ST_UPSTREAM, "the CA's directory has "
		    "no keyChange"));
	if (crypto_jws_alg(newkey) == NULL)
		return (cause_st(cause, ST_BADREQ, "unsupported new key"));
	if ((newjwk = crypto_jwk(newkey, &why)) == NULL ||
	    (newtp = crypto_jwk_thumbprint(newkey, &why)) == NULL) {
		st = cause_st(cause, ST_INTERNAL, "the new key: %s",
		    why != NULL ? why : "unreadable");
		goto out;
	}
	if (strcmp(newtp, a->thumbprint) == 0) {
		st = cause_st(cause, ST_BADREQ, "the new key is the old one");
		goto out;
	}
	(void)snprintf(what, sizeof(what), "keyChange %s", a->u_keychange);
	acme_reply_init(&r, a);
	if ((inner = acme_keychange_inner(a, newkey, newjwk, cause)) == NULL) {
		st = *cause != NULL ? ST_INTERNAL : ST_NOMEM;
		goto out_r;
	}
	if ((st = acme_post(a, a->u_keychange, inner, 0, NULL, &r,
	    cause)) != ST_OK)
		goto out_r;
	if (r.code != 200) {
		st = acme_fail_reply(&r, what, cause);
		if (r.code == 409)
			st = ST_CONFLICT;
		goto out_r;
	}
	/* From now on the CA knows the account by newkey only. */
	a->key = newkey;
	free(a->jwk);
	free(a->thumbprint);
	a->jwk = newjwk;
	a->thumbprint = newtp;
	newjwk = newtp = NULL;
	log_debug("acme: account %s rolled over to a new key", a->kid);
	st = ST_OK;
out_r:
	acme_reply_cleanup(&r);
out:
	free(why);
	free(inner);
	free(newjwk);
	free(newtp);
	return (st);
}
