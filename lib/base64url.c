/*
 * base64url.c: unpadded base64url (RFC 4648 section 5) encoding and strict
 * decoding; see base64url.h.
 *
 * The decoder is strict on purpose: its input comes from ACME servers and
 * configuration (EAB keys), and a lenient decoder would let two spellings of
 * one value through.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "base64url.h"

static const char b64u_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c, or -1 when c is not in the alphabet. */
static int
b64u_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-')
		return (62);
	if (c == '_')
		return (63);
	return (-1);
}

/* See base64url.h. */
char *
base64url_encode(const void *data, size_t len)
{
	const unsigned char	*p = data;
	char			*out, *o;
	size_t			 i;
	unsigned long		 v;

	if ((out = malloc(len / 3 * 4 + 5)) == NULL)
		return (NULL);
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		*o++ = b64u_alphabet[v >> 18 & 63];
		*o++ = b64u_alphabet[v >> 12 & 63];
		*o++ = b64u_alphabet[v >> 6 & 63];
		*o++ = b64u_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned long)p[i] << 16;
		*o++ = b64u_alphabet[v >> 18 & 63];
		*o++ = b64u_alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
		*o++ = b64u_alphabet[v >> 18 & 63];
		*o++ = b64u_alphabet[v >> 12 & 63];
		*o++ = b64u_alphabet[v >> 6 & 63];
	}
	*o = '\0';
	return (out);
}

/* See base64url.h. */
int
base64url_decode(const char *s, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf;
	unsigned long	 acc = 0;
	size_t		 i, n = 0;
	int		 bits = 0, v;

	*out = NULL;
	*outlen = 0;
	if (len % 4 == 1)
		return (-1);
	if ((buf = malloc(len / 4 * 3 + 3)) == NULL)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((v = b64u_value((unsigned char)s[i])) == -1)
			goto bad;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	/* The leftover bits of the last character must be zero. */
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		goto bad;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return (0);
bad:
	free(buf);
	return (-1);
}

/* See base64url.h. */
int
base64url_valid(const char *s)
{
	if (s == NULL || *s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (b64u_value((unsigned char)*s) == -1)
			return (0);
	return (1);
}
