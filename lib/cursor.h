/*
 * cursor.h: opaque, authenticated pagination cursors.
 *
 * A cursor carries a position in a list (the last key a page ended on) to
 * the client and back. The client must not be able to build, alter or
 * move one: it is signed with HMAC-SHA256 under a server key ([api]
 * cursor_keys, a secret), bound to what it was made for (the tenant, and
 * a context naming the list, its filter and its sort order: none of them
 * travels in the cursor, they are only in the MAC) and it expires.
 *
 * Keys rotate without breaking live cursors: the first key of the list
 * signs, every key of the list verifies; keep an old key in the list for
 * one cursor lifetime after putting a new one in front of it.
 *
 * Wire format: base64url (no padding) of
 *	version (1 byte, 1) | expiry (8 bytes, big-endian epoch seconds)
 *	| position (1..CURSOR_POS_MAX bytes) | HMAC-SHA256 (32 bytes)
 * where the MAC covers every byte before it, then a NUL, the tenant, a
 * NUL and the context.
 */
#ifndef LIB_CURSOR_H
#define LIB_CURSOR_H

#include <stddef.h>

struct config;

#define CURSOR_KEYS_MAX		8	/* keys in one list */
#define CURSOR_KEY_MIN		32	/* bytes of a key, at least */
#define CURSOR_KEY_MAX		64	/* bytes of a key, at most */
#define CURSOR_POS_MAX		64	/* bytes of a position */
/* Characters of the longest cursor, with its NUL. */
#define CURSOR_LEN	(((1 + 8 + CURSOR_POS_MAX + 32) * 4 + 2) / 3 + 1)

/* Why a cursor was refused (CURSOR_OK: it was not). */
enum cursor_result {
	CURSOR_OK = 0,
	CURSOR_MALFORMED,	/* not base64url, bad length or version */
	CURSOR_FORGED,		/* no key's MAC matches: built, altered, or
				   made for another tenant, filter or sort */
	CURSOR_EXPIRED,		/* authentic, but past its expiry */
};

struct cursor_keys;

/*
 * Parses a key list: base64url keys of CURSOR_KEY_MIN..CURSOR_KEY_MAX
 * bytes, separated by blanks or commas, the signing key first. Caller
 * cursor_keys_free()s; NULL with *cause set (caller frees; the message
 * never contains key material).
 */
struct cursor_keys	*cursor_keys_parse(const char *text, char **cause);
/*
 * check-config's judge of [api] cursor_keys (lib/confcheck.h): 0, or -1
 * with *why (caller frees; never the keys themselves).
 */
int			 cursor_keys_check(const char *text, char **why);
/* A list of one random key (no configured keys). NULL with *cause. */
struct cursor_keys	*cursor_keys_random(char **cause);
void			 cursor_keys_free(struct cursor_keys *);	/* NULL-safe */
size_t			 cursor_keys_count(const struct cursor_keys *);

/*
 * The key list of cfg's [api] cursor_keys (borrowed: valid until the next
 * call with another text), or, when it is unset, the process's random
 * list, made on the first call: call it before forking workers so that
 * they share it. NULL with *cause for a malformed list. *unset (may be
 * NULL) tells that the random list was returned.
 */
const struct cursor_keys *cursor_keys_of(const struct config *, int *unset,
	    char **cause);

/*
 * A new random key, base64url, into dst (at least 44 bytes): what
 * ./stack up and make install put in a cursor_keys file. 0, or -1.
 */
int	cursor_key_generate(char *dst, size_t size);

/*
 * Signs pos (1..CURSOR_POS_MAX bytes of text) for tenant and context,
 * valid until expires (epoch seconds), into dst (CURSOR_LEN bytes).
 * 0, or -1 if pos or dst does not fit.
 */
int	cursor_encode(const struct cursor_keys *, const char *tenant,
	    const char *context, long long expires, const char *pos,
	    char *dst, size_t size);
/*
 * Checks cur against every key for tenant and context at time now (epoch
 * seconds); on CURSOR_OK the position is copied into pos (NUL-ended; a
 * position that does not fit is CURSOR_MALFORMED).
 */
enum cursor_result cursor_decode(const struct cursor_keys *, const char *cur,
	    const char *tenant, const char *context, long long now,
	    char *pos, size_t size);
/* A short text for a result ("forged or altered"); never NULL. */
const char	*cursor_result_str(enum cursor_result);

#endif
