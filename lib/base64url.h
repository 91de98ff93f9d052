/*
 * base64url.h: the URL-safe base64 alphabet of RFC 4648 section 5, without
 * padding, as JOSE (RFC 7515 section 2) and ACME (RFC 8555 section 6.1) use
 * it for every binary field: JWS parts, JWK numbers, tokens, CSRs.
 */
#ifndef LIB_BASE64URL_H
#define LIB_BASE64URL_H

#include <stddef.h>

/* Encodes len bytes, no padding. Caller frees; NULL on ENOMEM. */
char	*base64url_encode(const void *data, size_t len);
/*
 * Decodes len characters (no padding, no blanks). 0 with *out (caller frees,
 * NUL-terminated for convenience) and *outlen, or -1 on a character outside
 * the alphabet, an impossible length, non-zero trailing bits or ENOMEM.
 */
int	 base64url_decode(const char *s, size_t len, unsigned char **out,
	    size_t *outlen);
/* True if s is a non-empty string of base64url characters only. */
int	 base64url_valid(const char *s);

#endif
