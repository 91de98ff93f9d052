/*
 * netallow.h: an allow list of peer addresses, "ADDR" or "ADDR/LEN" (IPv4
 * or IPv6) separated by blanks or commas, as [api] allow takes it, and the
 * test of one peer against it (an IPv4-mapped IPv6 peer is judged as the
 * IPv4 address it carries).
 */
#ifndef LIB_NETALLOW_H
#define LIB_NETALLOW_H

#include <sys/socket.h>

#include <stddef.h>

#define NETALLOW_MAX	256		/* entries in one list */

struct netallow_entry {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* network order, host bits zero */
	unsigned int	 len;		/* prefix length */
};

struct netallow {
	struct netallow_entry	*v;
	size_t			 n;	/* 0 = the list is empty */
};

/*
 * Parses value into *list (netallow_cleanup frees it). An empty or blank
 * value gives an empty list (any peer); one of only separators (",") is
 * refused. 0, or -1 with *why (caller frees) naming the bad entry.
 * ADDR/LEN with host bits set is refused (10.0.0.1/8 is a typo more often
 * than a wish); so are names, scope ids (fe80::1%eth0) and more than
 * NETALLOW_MAX entries. An IPv4-mapped entry (::ffff:192.0.2.1) is kept as
 * the IPv4 one it names.
 */
int	netallow_parse(const char *value, struct netallow *list, char **why);
/* The check of check-config: netallow_parse, then drop the list. */
int	netallow_check(const char *value, char **why);
/*
 * True when the peer (AF_INET or AF_INET6; any other family: false) is in
 * the list. An IPv4-mapped IPv6 peer (a dual-stack socket's IPv4 client) is
 * judged as its IPv4 address, so 192.0.2.0/24 admits ::ffff:192.0.2.7 and
 * ::/0 does not.
 */
int	netallow_match(const struct netallow *, const struct sockaddr *peer);
void	netallow_cleanup(struct netallow *);

#endif
