/*
 * cert_store.c: the certificates of several front ends, kept in
 * PostgreSQL ([acme] store = database; sql/0006_acme_store.sql), and
 * `bootstack cert sync` (see cert.h).
 *
 * Two tables. acme_challenges: the HTTP-01 solver here writes a row
 * (token, key authorization) where the webroot solver wrote a file, and
 * removes it at the same moments (acme.h: cleanup, stale); every front
 * end answers /.well-known/acme-challenge/TOKEN from it through the API
 * (app/routes/acme.c), so the CA may reach any of them. certificates: the
 * current certificate of each [cert NAME], put by the renewing run once
 * the CA's chain is checked against its key (cert_store_put), the private
 * key sealed with [acme] store_key (AES-256-GCM, the certificate's name
 * as associated data: a row copied under another name does not open).
 *
 * Key rotation: store_key is a list, the sealing key first. A row opens
 * with any key of it (tried in order, the GCM tag telling a wrong key);
 * cert_store_reseal() seals again with the first key what an older one
 * opens: one transaction, each row written only over the value it read,
 * nothing at all when a row opens with none. Errors name the keys by
 * position and crypto_seal_key_id(), never by their text.
 *
 * cert_sync_one() installs the stored certificate on this host: it
 * checks the chain against the unsealed key and the configured names
 * (what the renewing run checked), compares with the files in place and
 * writes nothing, reloads nothing, when they are the same; else installs
 * them as cert_install() does (atomically, FILE.prev kept), runs the
 * deploy test and the reload, checks what the endpoint serves then (the
 * live check of cert_served.c, as renew does), and records it in the
 * status file like a renewal (reload-pending when the reload fails or
 * does not take; the next sync reloads).
 *
 * Caveats: these runs log in as [database] owner (the API's role may
 * only read acme_challenges and nothing of certificates); a key that
 * does not open the row is an error before anything is written.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "acme.h"
#include "base64url.h"
#include "cause.h"
#include "cert.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "fs.h"
#include "log.h"

/* See cert.h. */
int
cert_store_enabled(const struct config *cfg)
{
	const char	*v = config_str(cfg, "acme", "store");

	return (v != NULL && strcmp(v, "database") == 0);
}

/*
 * Decodes [acme] store_key into keys (NULL: only checks): base64url keys
 * of CRYPTO_SEAL_KEY bytes, blank-, comma- or line-separated (a
 * store_key_file of one key a line, newest first), the sealing one
 * first. Sets *n; 0, or -1 with *why (which key, never its text).
 */
static int
cert_store_keys_parse(const char *text,
    unsigned char (*keys)[CRYPTO_SEAL_KEY], size_t *np, char **why)
{
	static const char	 seps[] = " \t\r\n,";
	unsigned char		 got[CERT_STORE_KEYS_MAX][CRYPTO_SEAL_KEY];
	unsigned char		*raw = NULL;
	size_t			 len = 0, n, k = 0, j;
	int			 rc = -1;

	*np = 0;
	if (text == NULL)
		return (cause_set(why, "not set"));
	for (;; text += n) {
		text += strspn(text, seps);
		if ((n = strcspn(text, seps)) == 0)
			break;
		if (k == CERT_STORE_KEYS_MAX) {
			cause_set(why, "more than %d keys", CERT_STORE_KEYS_MAX);
			goto out;
		}
		if (base64url_decode(text, n, &raw, &len) != 0) {
			cause_set(why, "key %zu is not base64url", k + 1);
			goto out;
		}
		if (len != CRYPTO_SEAL_KEY) {
			cause_set(why, "key %zu has %zu bytes, not %d (make "
			    "one with: openssl rand -base64 32 | tr '+/' '-_' "
			    "| tr -d '=')", k + 1, len, CRYPTO_SEAL_KEY);
			goto out;
		}
		for (j = 0; j < k; j++)
			if (CRYPTO_memcmp(got[j], raw, len) == 0) {
				cause_set(why, "key %zu is key %zu again", k + 1,
				    j + 1);
				goto out;
			}
		memcpy(got[k++], raw, len);
		OPENSSL_cleanse(raw, len);
		free(raw);
		raw = NULL;
	}
	if (k == 0) {
		cause_set(why, "no key");
		goto out;
	}
	if (keys != NULL)
		memcpy(keys, got, k * sizeof(got[0]));
	*np = k;
	rc = 0;
out:
	if (raw != NULL)
		OPENSSL_cleanse(raw, len);
	free(raw);
	OPENSSL_cleanse(got, sizeof(got));
	return (rc);
}

/* See cert.h. */
int
cert_store_key_check(const char *text, char **why)
{
	size_t	 n;

	return (cert_store_keys_parse(text, NULL, &n, why));
}

/* See cert.h. */
struct cert_store *
cert_store_open(const struct config *cfg, int need_key, char **cause)
{
	struct cert_store	*s;
	char			*why = NULL;
	size_t			 i;

	*cause = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		cause_set(cause, "out of memory");
		return (NULL);
	}
	if (need_key) {
		if (cert_store_keys_parse(config_str(cfg, "acme", "store_key"),
		    s->keys, &s->nkeys, &why) != 0) {
			cause_set(cause, "[acme] store_key: %s (store = "
			    "database seals certificate keys with its first "
			    "key and opens them with any)", cause_text(why));
			free(why);
			cert_store_free(s);
			return (NULL);
		}
		for (i = 0; i < s->nkeys; i++)
			crypto_seal_key_id(s->keys[i], s->ids[i]);
	}
	if ((s->db = db_new_owner(cfg, NULL)) == NULL) {
		cause_set(cause, "out of memory");
		cert_store_free(s);
		return (NULL);
	}
	return (s);
}

/* See cert.h. */
void
cert_store_free(struct cert_store *s)
{
	if (s == NULL)
		return;
	db_free(s->db);
	OPENSSL_cleanse(s->keys, sizeof(s->keys));
	free(s);
}

/*
 * Runs sql; ST_OK with *res (caller clears), else -1 with *cause: the
 * first line of the database's error (libpq adds the statement's text
 * and hints on more).
 */
static int
cert_store_q(struct cert_store *s, const char *what, const char *sql,
    int n, const char *const *params, PGresult **res, char **cause)
{
	PGresult	*r = NULL;
	const char	*e;

	if (db_exec(s->db, sql, n, params, &r) != ST_OK) {
		e = db_error(s->db);
		return (cause_set(cause, "%s: the database: %.*s", what,
		    (int)strcspn(e, "\n"), e));
	}
	if (res != NULL)
		*res = r;
	else
		PQclear(r);
	return (0);
}

/* --- the HTTP-01 solver --------------------------------------------------- */

/* present(): the challenge's row (a token seen again is replaced). */
static int
cert_store_present(struct acme_solver *sv, const struct acme_challenge *c,
    char **cause)
{
	struct cert_store	*s = sv->arg;
	const char		*p[3] = { c->token, c->key_authorization,
				    s->name };

	*cause = NULL;
	if (!base64url_valid(c->token))
		return (cause_set(cause, "refusing token '%.64s'", c->token));
	/* Rows a crashed run left behind for a week go first. */
	if (cert_store_q(s, "acme_challenges", "DELETE FROM acme_challenges "
	    "WHERE created_at < now() - interval '7 days'", 0, NULL, NULL,
	    cause) != 0)
		return (-1);
	return (cert_store_q(s, "acme_challenges", "INSERT INTO "
	    "acme_challenges (token, key_authorization, cert_name) VALUES "
	    "($1, $2, $3) ON CONFLICT (token) DO UPDATE SET "
	    "key_authorization = $2, cert_name = $3, created_at = now()", 3,
	    p, NULL, cause));
}

/* cleanup() and stale(): the row goes (none is fine). */
static int
cert_store_remove(struct acme_solver *sv, const struct acme_challenge *c,
    char **cause)
{
	struct cert_store	*s = sv->arg;
	const char		*p[1] = { c->token };

	*cause = NULL;
	return (cert_store_q(s, "acme_challenges", "DELETE FROM "
	    "acme_challenges WHERE token = $1", 1, p, NULL, cause));
}

/* See cert.h. */
void
cert_store_solver(struct cert_store *s, const char *name,
    struct acme_solver *sv)
{
	memset(sv, 0, sizeof(*sv));
	s->name = name;
	sv->type = "http-01";
	sv->present = cert_store_present;
	sv->cleanup = cert_store_remove;
	sv->stale = cert_store_remove;
	sv->arg = s;
}

/* --- certificates ------------------------------------------------------------ */

/* See cert.h. */
int
cert_store_put(struct cert_store *s, const char *name, const char *leaf,
    const char *chain, const char *keypem, size_t keylen, const char *serial,
    time_t not_after, char **cause)
{
	unsigned char	*sealed = NULL;
	char		*b64 = NULL, when[32];
	size_t		 slen = 0;
	int		 rc;

	*cause = NULL;
	if (s->nkeys == 0)
		return (cause_set(cause, "[acme] store_key is not loaded"));
	if (crypto_seal(s->keys[0], name, keypem, keylen, &sealed, &slen,
	    cause) != 0)
		return (-1);
	b64 = base64url_encode(sealed, slen);
	free(sealed);
	if (b64 == NULL)
		return (cause_set(cause, "out of memory"));
	(void)snprintf(when, sizeof(when), "%lld", (long long)not_after);
	{
		const char	*p[6] = { name, serial, when, leaf, chain, b64 };

		/* One statement: a reader sees the old row or the new one. */
		rc = cert_store_q(s, "certificates", "INSERT INTO certificates "
		    "(name, serial, not_after, cert_pem, chain_pem, key_sealed) "
		    "VALUES ($1, $2, to_timestamp($3::bigint), $4, $5, $6) "
		    "ON CONFLICT (name) DO UPDATE SET serial = $2, not_after = "
		    "to_timestamp($3::bigint), cert_pem = $4, chain_pem = $5, "
		    "key_sealed = $6, updated_at = now()", 6, p, NULL, cause);
	}
	free(b64);
	return (rc);
}

/* See cert.h. */
void
cert_stored_cleanup(struct cert_stored *st)
{
	if (st->key != NULL)
		OPENSSL_cleanse(st->key, st->keylen);
	free(st->key);
	free(st->leaf);
	free(st->chain);
	free(st->serial);
	memset(st, 0, sizeof(*st));
}

/*
 * Opens name's sealed key (b64: the base64url text of key_sealed) with
 * each store key in turn: 0 with *out (caller cleanses and frees),
 * *outlen and *which (the key's index); 1 when none opens it, -1 when
 * the value is unusable whatever the key, both with *cause (the keys
 * tried named by position and id).
 */
static int
cert_store_unseal(struct cert_store *s, const char *name, const char *b64,
    size_t b64len, unsigned char **out, size_t *outlen, size_t *which,
    char **cause)
{
	unsigned char	*sealed = NULL;
	char		*why = NULL, tried[CERT_STORE_KEYS_MAX * 24];
	size_t		 slen = 0, i, off = 0;
	int		 r = -2;

	*cause = NULL;
	*out = NULL;
	if (s->nkeys == 0)
		return (cause_set(cause, "[acme] store_key is not loaded"));
	if (base64url_decode(b64, b64len, &sealed, &slen) != 0)
		return (cause_set(cause, "certificates %s: key_sealed is not "
		    "base64url", name));
	for (i = 0; i < s->nkeys; i++) {
		cause_clear(&why);
		if ((r = crypto_open(s->keys[i], name, sealed, slen, out,
		    outlen, &why)) != -2)
			break;
	}
	free(sealed);
	if (r == 0) {
		*which = i;
		return (0);
	}
	if (r == -1) {
		cause_set(cause, "certificates %s: its key: %s", name,
		    cause_text(why));
		free(why);
		return (-1);
	}
	free(why);
	tried[0] = '\0';
	for (i = 0; i < s->nkeys && off < sizeof(tried); i++)
		off += (size_t)snprintf(tried + off, sizeof(tried) - off,
		    "%skey %zu id %s", i > 0 ? ", " : "", i + 1, s->ids[i]);
	cause_set(cause, "certificates %s: its key opens with none of the %zu "
	    "key%s of [acme] store_key (tried %s: wrong keys, another name, "
	    "or changed); store_key must hold the key the renewing host "
	    "sealed it with", name, s->nkeys, s->nkeys == 1 ? "" : "s",
	    tried);
	return (1);
}

/* See cert.h. */
int
cert_store_get(struct cert_store *s, const char *name, struct cert_stored *st,
    char **cause)
{
	const char	*p[1] = { name };
	PGresult	*res = NULL;
	unsigned char	*key = NULL;
	int		 rc = -1;

	*cause = NULL;
	memset(st, 0, sizeof(*st));
	if (s->nkeys == 0)
		return (cause_set(cause, "[acme] store_key is not loaded"));
	if (cert_store_q(s, "certificates", "SELECT serial, extract(epoch "
	    "FROM not_after)::bigint, cert_pem, chain_pem, key_sealed FROM "
	    "certificates WHERE name = $1", 1, p, &res, cause) != 0)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (1);
	}
	if (cert_store_unseal(s, name, PQgetvalue(res, 0, 4),
	    (size_t)PQgetlength(res, 0, 4), &key, &st->keylen,
	    &st->key_index, cause) != 0)
		goto out;
	st->key = (char *)key;
	st->serial = strdup(PQgetvalue(res, 0, 0));
	st->not_after = (time_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	st->leaf = strdup(PQgetvalue(res, 0, 2));
	st->chain = strdup(PQgetvalue(res, 0, 3));
	if (st->serial == NULL || st->leaf == NULL || st->chain == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		cert_stored_cleanup(st);
	PQclear(res);
	return (rc);
}

/* --- reseal ----------------------------------------------------------- */

/* See cert.h. */
void
cert_reseal_cleanup(struct cert_reseal *r)
{
	size_t	 i;

	for (i = 0; i < r->nrows; i++)
		free(r->rows[i].name);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

/* See cert.h. */
int
cert_store_reseal(struct cert_store *s, const char *name, int dry_run,
    struct cert_reseal *out, char **cause)
{
	struct cert_reseal_row	*row;
	PGresult		*res = NULL, *u = NULL;
	const char		*p[3] = { name, NULL, NULL };
	unsigned char		*key = NULL, *sealed = NULL;
	char			**fresh = NULL, *why = NULL, *first = NULL;
	size_t			 i, n, keylen = 0, slen = 0, which = 0;
	int			 rc = -1, in_tx = 0, r;

	*cause = NULL;
	memset(out, 0, sizeof(*out));
	if (s->nkeys == 0)
		return (cause_set(cause, "[acme] store_key is not loaded"));
	/* Read and written in one transaction: all of it or none. */
	if (cert_store_q(s, "certificates", "BEGIN", 0, NULL, NULL,
	    cause) != 0)
		return (-1);
	in_tx = 1;
	if (cert_store_q(s, "certificates", name != NULL ? "SELECT name, "
	    "key_sealed FROM certificates WHERE name = $1" : "SELECT name, "
	    "key_sealed FROM certificates ORDER BY name", name != NULL ? 1 : 0,
	    p, &res, cause) != 0)
		goto out;
	n = (size_t)PQntuples(res);
	if (n > 0 && ((out->rows = calloc(n, sizeof(*out->rows))) == NULL ||
	    (fresh = calloc(n, sizeof(*fresh))) == NULL)) {
		cause_set(cause, "out of memory");
		goto out;
	}
	/* Every row opened first: one that opens with none stops it all. */
	for (i = 0; i < n; i++) {
		row = &out->rows[out->nrows];
		if ((row->name = strdup(PQgetvalue(res, (int)i, 0))) == NULL) {
			cause_set(cause, "out of memory");
			goto out;
		}
		out->nrows++;
		r = cert_store_unseal(s, row->name, PQgetvalue(res, (int)i, 1),
		    (size_t)PQgetlength(res, (int)i, 1), &key, &keylen, &which,
		    &why);
		if (r != 0) {
			row->state = CERT_RESEAL_REFUSED;
			if (first == NULL) {
				first = why;
				why = NULL;
			}
			cause_clear(&why);
			continue;
		}
		row->key_index = which;
		row->state = which == 0 ? CERT_RESEAL_CURRENT :
		    CERT_RESEAL_RESEALED;
		if (which != 0 && crypto_seal(s->keys[0], row->name, key,
		    keylen, &sealed, &slen, cause) == 0 &&
		    (fresh[i] = base64url_encode(sealed, slen)) == NULL)
			cause_set(cause, "out of memory");
		OPENSSL_cleanse(key, keylen);
		free(key);
		key = NULL;
		free(sealed);
		sealed = NULL;
		if (*cause != NULL)
			goto out;
	}
	for (i = 0; i < out->nrows; i++)
		out->n[out->rows[i].state]++;
	if (out->n[CERT_RESEAL_REFUSED] > 0) {
		cause_set(cause, "%s; nothing resealed (%zu of %zu rows open "
		    "with none of the keys)", cause_text(first),
		    out->n[CERT_RESEAL_REFUSED], out->nrows);
		rc = -2;
		goto out;
	}
	if (dry_run) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < out->nrows; i++) {
		if (fresh[i] == NULL)
			continue;
		/* Written only over what was read: a renewal's row stays. */
		p[0] = out->rows[i].name;
		p[1] = PQgetvalue(res, (int)i, 1);
		p[2] = fresh[i];
		if (cert_store_q(s, "certificates", "UPDATE certificates SET "
		    "key_sealed = $3 WHERE name = $1 AND key_sealed = $2", 3, p,
		    &u, cause) != 0)
			goto out;
		if (strcmp(PQcmdTuples(u), "1") != 0) {
			out->rows[i].state = CERT_RESEAL_CHANGED;
			out->n[CERT_RESEAL_RESEALED]--;
			out->n[CERT_RESEAL_CHANGED]++;
		}
		PQclear(u);
		u = NULL;
	}
	if (cert_store_q(s, "certificates", "COMMIT", 0, NULL, NULL,
	    cause) != 0)
		goto out;
	in_tx = 0;
	rc = 0;
out:
	if (in_tx) {
		/* Nothing written; a lost connection took the rest along. */
		if (db_exec(s->db, "ROLLBACK", 0, NULL, &u) == ST_OK)
			PQclear(u);
		u = NULL;
	}
	for (i = 0; fresh != NULL && i < n; i++)
		free(fresh[i]);
	free(fresh);
	free(first);
	PQclear(u);
	PQclear(res);
	return (rc);
}

/* --- cert sync ------------------------------------------------------------------ */

/* True if path holds exactly data. */
static int
cert_file_same(const char *path, const char *data, size_t len)
{
	char	*buf = NULL, *why = NULL;
	size_t	 n = 0;
	int	 same;

	if (fs_read_file(path, len + 1, &buf, &n, &why) != 0) {
		free(why);
		return (0);
	}
	same = n == len && memcmp(buf, data, len) == 0;
	OPENSSL_cleanse(buf, n);
	free(buf);
	return (same);
}

/*
 * After a reload that exited 0: does c's endpoint serve fresh (the live
 * check of cert_served.c, waiting for the reload)? 0 when it does, or
 * when it cannot be looked at; -1 with *cause when it serves another.
 */
static int
cert_sync_served(const struct cert *c, const struct crypto_cert *fresh,
    struct cert_served *live, char **cause)
{
	cert_served_check(c, fresh->serial, 1, live);
	if (live->state != CERT_SERVED_MISMATCH)
		return (0);
	cert_served_error(c, fresh, live, cause);
	if (*cause == NULL)
		cause_set(cause, "the endpoint serves another certificate");
	return (-1);
}

/* See cert.h. */
void
cert_sync_one(struct cert_store *s, const struct cert *c,
    struct cert_sync_outcome *out)
{
	struct cert_stored	 st;
	struct cert_last	 last;
	struct cert_file	 files[CERT_FILES];
	struct crypto_cert	 fresh, cur;
	struct cert_served	 live;
	EVP_PKEY		*key = NULL;
	char			*leaf = NULL, *chain = NULL, *full = NULL;
	char			*cause = NULL, *pem = NULL, *why = NULL;
	size_t			 i, nf = 0;
	int			 got, have_cur;

	memset(out, 0, sizeof(*out));
	memset(files, 0, sizeof(files));
	memset(&live, 0, sizeof(live));
	crypto_cert_init(&fresh);
	crypto_cert_init(&cur);
	if ((got = cert_store_get(s, c->name, &st, &cause)) != 0) {
		out->result = got == 1 ? CERT_SYNC_NONE : CERT_SYNC_FAILED;
		if (got == -1)
			cause_suffix(&cause, "; nothing installed (the files "
			    "in place are kept)");
		goto out;
	}
	out->key_index = st.key_index;
	if ((key = crypto_key_parse(st.key, st.keylen, &cause)) == NULL)
		goto fail;
	if (asprintf(&pem, "%s%s", st.leaf, st.chain) == -1) {
		pem = NULL;
		cause_set(&cause, "out of memory");
		goto fail;
	}
	/* What the renewing run checked, checked again against our names. */
	if (crypto_chain_check(pem, strlen(pem), key,
	    (const char *const *)c->names, c->nnames, &leaf, &chain,
	    &cause) != 0 || crypto_cert_parse(leaf, strlen(leaf), &fresh,
	    &cause) != 0)
		goto fail;
	if (asprintf(&full, "%s%s", leaf, chain) == -1) {
		full = NULL;
		cause_set(&cause, "out of memory");
		goto fail;
	}
	out->serial = fresh.serial != NULL ? strdup(fresh.serial) : NULL;
	out->not_after = fresh.not_after;
	nf = cert_files(c, files, st.key, st.keylen, leaf, chain, full);
	for (i = 0; i < nf; i++)
		if (!cert_file_same(files[i].path, files[i].data,
		    files[i].len))
			break;
	cert_last_read(c, &last);
	if (i == nf) {
		/* In place already: no write; a reload only if one is owed. */
		out->result = CERT_SYNC_SAME;
		if (!last.reload_pending)
			goto out;
		if (cert_command("reload command", c->reload_cmd,
		    &cause) != 0) {
			cause_suffix(&cause, "; the installed certificate is "
			    "still not served");
			cert_status_write(c, "failed", cause, NULL, &fresh, 0,
			    clock_now());
			out->not_served = 1;
			goto fail;
		}
		out->reloaded = 1;
		if (cert_sync_served(c, &fresh, &live, &cause) != 0)
			goto fail;
		cert_status_write(c, "ok", NULL, &fresh, NULL,
		    cert_renew_at(&fresh), clock_now());
		goto out;
	}
	/* What nginx serves until the reload, for the status file. */
	have_cur = crypto_cert_load(c->fullchain_file, &cur, &why) == 0;
	cause_clear(&why);
	if (cert_install(files, nf, &cause) != 0 ||
	    cert_deploy_test(c, files, nf, &cause) != 0)
		goto fail;
	out->written = nf;
	if (cert_command("reload command", c->reload_cmd, &cause) != 0) {
		cause_suffix(&cause, "; the new certificate is installed but "
		    "not served, the next sync reloads again");
		cert_status_write(c, "failed", cause, have_cur ? &cur : NULL,
		    &fresh, cert_renew_at(&fresh), clock_now());
		out->not_served = 1;
		goto fail;
	}
	out->reloaded = 1;
	if (cert_sync_served(c, &fresh, &live, &cause) != 0) {
		cert_status_write(c, "failed", cause, have_cur ? &cur : NULL,
		    &fresh, cert_renew_at(&fresh), clock_now());
		out->not_served = 1;
		goto fail;
	}
	out->result = CERT_SYNC_INSTALLED;
	cert_status_write(c, "ok", NULL, &fresh, NULL, cert_renew_at(&fresh),
	    clock_now());
	goto out;
fail:
	out->result = CERT_SYNC_FAILED;
out:
	if (out->result == CERT_SYNC_FAILED)
		out->error = cause != NULL ? cause : strdup("sync failed");
	else
		free(cause);
	if (live.state != CERT_SERVED_NONE)
		cert_served_record(c, &live);
	if (got == 0)
		cert_stored_cleanup(&st);
	EVP_PKEY_free(key);
	free(pem);
	free(leaf);
	free(chain);
	free(full);
	crypto_cert_cleanup(&fresh);
	crypto_cert_cleanup(&cur);
}

/* See cert.h. */
void
cert_sync_outcome_cleanup(struct cert_sync_outcome *o)
{
	free(o->serial);
	free(o->error);
	o->serial = o->error = NULL;
}
