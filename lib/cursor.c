/*
 * cursor.c: signed pagination cursors; see cursor.h for the format.
 *
 * Design: the cursor holds only what the server needs back (the
 * position) and when it stops being valid; what it is bound to (tenant,
 * list, filter, sort) is fed to the MAC and never written, so a cursor
 * says nothing about them and cannot be edited to name another. The MAC
 * is compared in constant time (CRYPTO_memcmp) against each key of the
 * list; expiry is checked only once a MAC matched, so "expired" is never
 * told about a cursor the server did not make.
 *
 * Caveat: the position is readable (base64url is not encryption): it
 * must be something the tenant may see, as the last id of its own page.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "base64url.h"
#include "cause.h"
#include "config.h"
#include "cursor.h"

#define CURSOR_VERSION	1
#define CURSOR_MAC	32
#define CURSOR_HEAD	(1 + 8)		/* version, expiry */
#define CURSOR_RAW_MAX	(CURSOR_HEAD + CURSOR_POS_MAX + CURSOR_MAC)

struct cursor_keys {
	size_t		 n;				/* keys in use */
	size_t		 len[CURSOR_KEYS_MAX];		/* bytes of each */
	unsigned char	 key[CURSOR_KEYS_MAX][CURSOR_KEY_MAX];
};

/* See cursor.h. */
void
cursor_keys_free(struct cursor_keys *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

/* See cursor.h. */
size_t
cursor_keys_count(const struct cursor_keys *k)
{
	return (k->n);
}

/* See cursor.h. */
struct cursor_keys *
cursor_keys_parse(const char *text, char **cause)
{
	static const char	 seps[] = " \t\r\n,";
	struct cursor_keys	*k;
	unsigned char		*raw;
	const char		*p;
	size_t			 n, rawlen;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		cause_set(cause, "out of memory");
		return (NULL);
	}
	for (p = text == NULL ? "" : text; ; p += n) {
		p += strspn(p, seps);
		if ((n = strcspn(p, seps)) == 0)
			break;
		if (k->n == CURSOR_KEYS_MAX) {
			cause_set(cause, "more than %d keys", CURSOR_KEYS_MAX);
			goto fail;
		}
		if (base64url_decode(p, n, &raw, &rawlen) != 0) {
			cause_set(cause, "key %zu is not base64url", k->n + 1);
			goto fail;
		}
		if (rawlen < CURSOR_KEY_MIN || rawlen > CURSOR_KEY_MAX) {
			OPENSSL_cleanse(raw, rawlen);
			free(raw);
			cause_set(cause, "key %zu has %zu bytes, not %d..%d "
			    "(make one with: openssl rand -base64 32 | tr '+/' "
			    "'-_' | tr -d '=')", k->n + 1, rawlen,
			    CURSOR_KEY_MIN, CURSOR_KEY_MAX);
			goto fail;
		}
		memcpy(k->key[k->n], raw, rawlen);
		k->len[k->n++] = rawlen;
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	if (k->n == 0) {
		cause_set(cause, "no key");
		goto fail;
	}
	return (k);
fail:
	cursor_keys_free(k);
	return (NULL);
}

/* See cursor.h. */
int
cursor_keys_check(const char *text, char **why)
{
	struct cursor_keys	*k;

	if ((k = cursor_keys_parse(text, why)) == NULL)
		return (-1);
	cursor_keys_free(k);
	return (0);
}

/* See cursor.h. */
struct cursor_keys *
cursor_keys_random(char **cause)
{
	struct cursor_keys	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		cause_set(cause, "out of memory");
		return (NULL);
	}
	if (RAND_bytes(k->key[0], CURSOR_KEY_MIN) != 1) {
		cause_set(cause, "RAND_bytes failed");
		cursor_keys_free(k);
		return (NULL);
	}
	k->len[0] = CURSOR_KEY_MIN;
	k->n = 1;
	return (k);
}

/* See cursor.h. */
int
cursor_key_generate(char *dst, size_t size)
{
	unsigned char	 raw[CURSOR_KEY_MIN];
	char		*s;
	int		 rc = -1;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return (-1);
	if ((s = base64url_encode(raw, sizeof(raw))) != NULL &&
	    strlen(s) < size) {
		memcpy(dst, s, strlen(s) + 1);
		rc = 0;
	}
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return (rc);
}

/*
 * The MAC of raw[0..len) bound to tenant and context under key i of k,
 * into mac (CURSOR_MAC bytes). 0, or -1 if OpenSSL failed.
 */
static int
cursor_mac(const struct cursor_keys *k, size_t i, const unsigned char *raw,
    size_t len, const char *tenant, const char *context, unsigned char *mac)
{
	static const unsigned char	 nul = 0;
	static char			 digest[] = "SHA256";
	static EVP_MAC			*alg;	/* fetched once per process */
	EVP_MAC_CTX			*ctx = NULL;
	OSSL_PARAM			 params[2];
	size_t				 maclen = 0;
	int				 ok = 0;

	if (alg == NULL && (alg = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(alg)) != NULL &&
	    EVP_MAC_init(ctx, k->key[i], k->len[i], params) == 1 &&
	    EVP_MAC_update(ctx, raw, len) == 1 &&
	    EVP_MAC_update(ctx, &nul, 1) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)tenant,
	    strlen(tenant)) == 1 &&
	    EVP_MAC_update(ctx, &nul, 1) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)context,
	    strlen(context)) == 1 &&
	    EVP_MAC_final(ctx, mac, &maclen, CURSOR_MAC) == 1 &&
	    maclen == CURSOR_MAC)
		ok = 1;
	EVP_MAC_CTX_free(ctx);
	return (ok ? 0 : -1);
}

/* See cursor.h. */
int
cursor_encode(const struct cursor_keys *k, const char *tenant,
    const char *context, long long expires, const char *pos, char *dst,
    size_t size)
{
	unsigned char	 raw[CURSOR_RAW_MAX];
	size_t		 pl = strlen(pos), len, i;
	uint64_t	 e = (uint64_t)expires;
	char		*s;
	int		 rc = -1;

	if (pl == 0 || pl > CURSOR_POS_MAX)
		return (-1);
	raw[0] = CURSOR_VERSION;
	for (i = 0; i < 8; i++)
		raw[1 + i] = (unsigned char)(e >> (56 - 8 * i));
	memcpy(raw + CURSOR_HEAD, pos, pl);
	len = CURSOR_HEAD + pl;
	if (cursor_mac(k, 0, raw, len, tenant, context, raw + len) != 0)
		return (-1);
	if ((s = base64url_encode(raw, len + CURSOR_MAC)) == NULL)
		return (-1);
	if (strlen(s) < size) {
		memcpy(dst, s, strlen(s) + 1);
		rc = 0;
	}
	free(s);
	return (rc);
}

/* See cursor.h. */
enum cursor_result
cursor_decode(const struct cursor_keys *k, const char *cur,
    const char *tenant, const char *context, long long now, char *pos,
    size_t size)
{
	unsigned char	 mac[CURSOR_MAC], *raw = NULL;
	size_t		 n = strlen(cur), len, pl, i;
	uint64_t	 e = 0;
	enum cursor_result res = CURSOR_MALFORMED;

	if (n == 0 || n >= CURSOR_LEN ||
	    base64url_decode(cur, n, &raw, &len) != 0)
		return (CURSOR_MALFORMED);
	if (len < CURSOR_HEAD + 1 + CURSOR_MAC || len > CURSOR_RAW_MAX ||
	    raw[0] != CURSOR_VERSION)
		goto out;
	len -= CURSOR_MAC;
	res = CURSOR_FORGED;
	for (i = 0; i < k->n; i++) {
		if (cursor_mac(k, i, raw, len, tenant, context, mac) == 0 &&
		    CRYPTO_memcmp(mac, raw + len, CURSOR_MAC) == 0) {
			res = CURSOR_OK;
			break;
		}
	}
	if (res != CURSOR_OK)
		goto out;
	for (i = 0; i < 8; i++)
		e = (e << 8) | raw[1 + i];
	if ((long long)e < now) {
		res = CURSOR_EXPIRED;
		goto out;
	}
	pl = len - CURSOR_HEAD;
	if (pl >= size || memchr(raw + CURSOR_HEAD, '\0', pl) != NULL) {
		res = CURSOR_MALFORMED;
		goto out;
	}
	memcpy(pos, raw + CURSOR_HEAD, pl);
	pos[pl] = '\0';
out:
	free(raw);
	return (res);
}

/* See cursor.h. */
const char *
cursor_result_str(enum cursor_result r)
{
	switch (r) {
	case CURSOR_OK:
		return ("valid");
	case CURSOR_MALFORMED:
		return ("not a cursor of this API");
	case CURSOR_FORGED:
		return ("not signed by this server for this tenant, filter "
		    "and sort");
	case CURSOR_EXPIRED:
		return ("expired");
	}
	return ("invalid");
}

/* See cursor.h. */
const struct cursor_keys *
cursor_keys_of(const struct config *cfg, int *unset, char **cause)
{
	static struct cursor_keys	*random_keys, *parsed;
	static char			*parsed_text;
	const char			*text;
	struct cursor_keys		*k;
	char				*copy;

	text = config_str(cfg, "api", "cursor_keys");
	if (unset != NULL)
		*unset = text == NULL || text[0] == '\0';
	if (text == NULL || text[0] == '\0') {
		if (random_keys == NULL)
			random_keys = cursor_keys_random(cause);
		return (random_keys);
	}
	if (parsed != NULL && strcmp(parsed_text, text) == 0)
		return (parsed);
	if ((k = cursor_keys_parse(text, cause)) == NULL) {
		cause_prefix(cause, "[api] cursor_keys");
		return (NULL);
	}
	if ((copy = strdup(text)) == NULL) {
		cursor_keys_free(k);
		cause_set(cause, "out of memory");
		return (NULL);
	}
	cursor_keys_free(parsed);
	if (parsed_text != NULL)
		OPENSSL_cleanse(parsed_text, strlen(parsed_text));
	free(parsed_text);
	parsed = k;
	parsed_text = copy;
	return (parsed);
}
