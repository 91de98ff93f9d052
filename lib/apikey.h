/*
 * apikey.h: the format of API keys, bsk_<prefix>_<secret>.
 *
 * The prefix (12 characters) finds the key's row; the secret (40
 * characters, ~238 bits from the OS's CSPRNG) is never stored: only its
 * SHA-256 is, and a presented secret is compared with it in constant time.
 * Both parts use the 62 letters and digits, so a key survives copy and
 * paste, URLs and shells unquoted.
 */
#ifndef LIB_APIKEY_H
#define LIB_APIKEY_H

#include <stddef.h>

#include "st.h"

#define APIKEY_PREFIX_LEN	12
#define APIKEY_SECRET_LEN	40
#define APIKEY_LEN		(4 + APIKEY_PREFIX_LEN + 1 + APIKEY_SECRET_LEN)
#define APIKEY_HASH_LEN		32

struct apikey {
	char		 prefix[APIKEY_PREFIX_LEN + 1];
	char		 secret[APIKEY_SECRET_LEN + 1];
};

/* Makes a new random key. ST_INTERNAL if the CSPRNG fails. */
enum st	 apikey_generate(struct apikey *);
/* Writes the full key text "bsk_<prefix>_<secret>" into dst (APIKEY_LEN + 1). */
void	 apikey_format(const struct apikey *, char *dst, size_t size);
/* Splits a presented key; ST_UNAUTH if it is not well formed. */
enum st	 apikey_parse(const char *text, struct apikey *);
/* SHA-256 of the secret. */
enum st	 apikey_hash(const struct apikey *, unsigned char out[APIKEY_HASH_LEN]);
/* True if the key's secret hashes to want; constant time. */
int	 apikey_verify(const struct apikey *,
	    const unsigned char want[APIKEY_HASH_LEN]);
/* Wipes the secret from memory. */
void	 apikey_clear(struct apikey *);

#endif
