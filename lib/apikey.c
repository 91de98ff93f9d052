/*
 * apikey.c: API key generation, parsing and verification; see apikey.h.
 *
 * Random characters are drawn by rejection sampling over RAND_bytes(), so
 * each of the 62 symbols is equally likely (no modulo bias).
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "apikey.h"

static const char apikey_alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Fills dst with n uniformly random alphabet characters and a NUL. */
static enum st
apikey_random(char *dst, size_t n)
{
	unsigned char	 pool[64];
	size_t		 i = 0, p = sizeof(pool);

	while (i < n) {
		if (p == sizeof(pool)) {
			if (RAND_bytes(pool, sizeof(pool)) != 1)
				return (ST_INTERNAL);
			p = 0;
		}
		/* 248 = 4 * 62: bytes above it would favour some symbols */
		if (pool[p] < 248)
			dst[i++] = apikey_alphabet[pool[p] % 62];
		p++;
	}
	dst[n] = '\0';
	OPENSSL_cleanse(pool, sizeof(pool));
	return (ST_OK);
}

/* See apikey.h. */
enum st
apikey_generate(struct apikey *k)
{
	enum st	 st;

	if ((st = apikey_random(k->prefix, APIKEY_PREFIX_LEN)) != ST_OK)
		return (st);
	return (apikey_random(k->secret, APIKEY_SECRET_LEN));
}

/* See apikey.h. */
void
apikey_format(const struct apikey *k, char *dst, size_t size)
{
	snprintf(dst, size, "bsk_%s_%s", k->prefix, k->secret);
}

/* True if s holds exactly n alphabet characters. */
static int
apikey_is_alnum(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(apikey_alphabet, s[i]) == NULL)
			return (0);
	return (1);
}

/* See apikey.h. */
enum st
apikey_parse(const char *text, struct apikey *k)
{
	memset(k, 0, sizeof(*k));
	if (strlen(text) != APIKEY_LEN || strncmp(text, "bsk_", 4) != 0 ||
	    text[4 + APIKEY_PREFIX_LEN] != '_' ||
	    !apikey_is_alnum(text + 4, APIKEY_PREFIX_LEN) ||
	    !apikey_is_alnum(text + 5 + APIKEY_PREFIX_LEN, APIKEY_SECRET_LEN))
		return (ST_UNAUTH);
	memcpy(k->prefix, text + 4, APIKEY_PREFIX_LEN);
	memcpy(k->secret, text + 5 + APIKEY_PREFIX_LEN, APIKEY_SECRET_LEN);
	return (ST_OK);
}

/*
 * SHA-256, fetched from the provider once per process: OpenSSL 3 would
 * otherwise look the algorithm up again on every call, on the API's hot
 * path. Never freed (one per process), nor is apikey_hash's context.
 */
static const EVP_MD *
apikey_md(void)
{
	static EVP_MD	*md;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return (md);
}

/* See apikey.h. */
enum st
apikey_hash(const struct apikey *k, unsigned char out[APIKEY_HASH_LEN])
{
	static EVP_MD_CTX	*ctx;	/* kept: EVP_Digest makes one per call */
	const EVP_MD		*md = apikey_md();
	unsigned int		 len = 0;

	if (ctx == NULL)
		ctx = EVP_MD_CTX_new();
	if (md == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, k->secret, strlen(k->secret)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != APIKEY_HASH_LEN)
		return (ST_INTERNAL);
	return (ST_OK);
}

/* See apikey.h. */
int
apikey_verify(const struct apikey *k, const unsigned char want[APIKEY_HASH_LEN])
{
	unsigned char	 got[APIKEY_HASH_LEN];
	int		 ok;

	if (apikey_hash(k, got) != ST_OK)
		return (0);
	ok = CRYPTO_memcmp(got, want, APIKEY_HASH_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return (ok);
}

/* See apikey.h. */
void
apikey_clear(struct apikey *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
