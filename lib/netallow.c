/*
 * netallow.c: the allow list of peer addresses (netallow.h): parsing
 * "ADDR[/LEN]" entries and matching a peer's address against them. Used by
 * the daemon's TCP listener ([api] allow) and by check-config.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "netallow.h"

/* The first 12 bytes of an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2). */
static const unsigned char netallow_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0xff, 0xff };

/* True when the bits of addr beyond len are all zero. */
static int
netallow_host_bits_zero(const unsigned char *addr, unsigned int len,
    unsigned int bits)
{
	unsigned int	 i;

	for (i = len; i < bits; i++)
		if (addr[i / 8] & (0x80u >> (i % 8)))
			return (0);
	return (1);
}

/*
 * An IPv4-mapped IPv6 entry (::ffff:192.0.2.0/120) becomes the IPv4 entry
 * it names (192.0.2.0/24), since a mapped peer is judged as IPv4. A
 * shorter prefix (::/0, ::fffe:0:0/95) stays IPv6: it names IPv6 peers.
 */
static void
netallow_unmap(struct netallow_entry *e)
{
	if (e->family != AF_INET6 || e->len < 96 ||
	    memcmp(e->addr, netallow_mapped, sizeof(netallow_mapped)) != 0)
		return;
	e->family = AF_INET;
	memmove(e->addr, e->addr + 12, 4);
	memset(e->addr + 4, 0, 12);
	e->len -= 96;
}

/* Parses one entry w into *e. */
static int
netallow_entry(char *w, struct netallow_entry *e, char **why)
{
	char		*slash, *end;
	unsigned int	 bits;
	long		 len;

	memset(e, 0, sizeof(*e));
	if ((slash = strchr(w, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, w, e->addr) == 1) {
		e->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, w, e->addr) == 1) {
		e->family = AF_INET6;
		bits = 128;
	} else {
		if (slash != NULL)
			*slash = '/';
		return (cause_set(why, "'%.80s' is not an IPv4 or IPv6 "
		    "address, alone or as ADDR/LEN", w));
	}
	e->len = bits;
	if (slash == NULL) {
		netallow_unmap(e);
		return (0);
	}
	*slash = '/';
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 ||
	    len < 0 || len > (long)bits)
		return (cause_set(why, "'%.80s': the prefix length must be "
		    "0..%u", w, bits));
	e->len = (unsigned int)len;
	if (!netallow_host_bits_zero(e->addr, e->len, bits))
		return (cause_set(why, "'%.80s' has bits set beyond /%ld: "
		    "write the network address", w, len));
	netallow_unmap(e);
	return (0);
}

/* See netallow.h. */
int
netallow_parse(const char *value, struct netallow *list, char **why)
{
	char	*copy, *w, *save = NULL;

	list->v = NULL;
	list->n = 0;
	if ((copy = strdup(value)) == NULL)
		return (cause_set(why, "out of memory"));
	for (w = strtok_r(copy, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if (list->n == NETALLOW_MAX) {
			cause_set(why, "more than %d entries", NETALLOW_MAX);
			goto fail;
		}
		if (list->v == NULL && (list->v = calloc(NETALLOW_MAX,
		    sizeof(*list->v))) == NULL) {
			cause_set(why, "out of memory");
			goto fail;
		}
		if (netallow_entry(w, &list->v[list->n], why) != 0)
			goto fail;
		list->n++;
	}
	if (list->n == 0 && value[strspn(value, " \t")] != '\0') {
		/* "allow = ," must not read as "allow anyone" */
		cause_set(why, "'%.80s' holds no address: want ADDR or "
		    "ADDR/LEN separated by blanks or commas, or no value at "
		    "all for any peer", value);
		goto fail;
	}
	free(copy);
	return (0);
fail:
	free(copy);
	netallow_cleanup(list);
	return (-1);
}

/* See netallow.h. */
int
netallow_check(const char *value, char **why)
{
	struct netallow	 list;

	if (netallow_parse(value, &list, why) != 0)
		return (-1);
	netallow_cleanup(&list);
	return (0);
}

/* See netallow.h. */
int
netallow_match(const struct netallow *list, const struct sockaddr *peer)
{
	const struct netallow_entry	*e;
	const unsigned char		*a;
	unsigned char			 mask;
	unsigned int			 full;
	size_t				 i;
	int				 family;

	if (peer->sa_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)peer)->sin_addr;
	} else if (peer->sa_family == AF_INET6) {
		family = AF_INET6;
		a = ((const struct sockaddr_in6 *)(const void *)peer)->
		    sin6_addr.s6_addr;
		if (memcmp(a, netallow_mapped,
		    sizeof(netallow_mapped)) == 0) {
			family = AF_INET;
			a += 12;
		}
	} else
		return (0);
	for (i = 0; i < list->n; i++) {
		e = &list->v[i];
		if (e->family != family)
			continue;
		full = e->len / 8;
		if (memcmp(a, e->addr, full) != 0)
			continue;
		if (e->len % 8 == 0)
			return (1);
		mask = (unsigned char)(0xffu << (8 - e->len % 8));
		if ((a[full] & mask) == e->addr[full])
			return (1);
	}
	return (0);
}

/* See netallow.h. */
void
netallow_cleanup(struct netallow *list)
{
	free(list->v);
	list->v = NULL;
	list->n = 0;
}
