/*
 * dns_check.h: is a DNS change visible? Asks each authoritative nameserver
 * of a zone directly, with recursion off, until every one serves the
 * expected data, with a bounded back-off and an overall deadline.
 *
 * Queries are built by libresolv (res_nmkquery) and answers parsed by it
 * (ns_initparse, ns_parserr, dn_expand); this module only sends them: UDP
 * to one chosen address and port, TCP when the answer is truncated. The
 * nameservers come from the configuration ("host:port ...", for a test
 * server or a hidden primary) or from an NS lookup of the zone through
 * the system's resolver, every A and AAAA address of every NS name.
 *
 * Each address is serving, lagging or broken; broken ones do not hold a
 * wait past [dns] broken_after (see dns_check_wait).
 *
 * Caveats: no EDNS0 (answers over 512 bytes go over TCP); a CNAME on the
 * checked name is not followed (the check asks for the type itself).
 */
#ifndef LIB_DNS_CHECK_H
#define LIB_DNS_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "st.h"

#define DNS_CHECK_MAX_SERVERS	16	/* addresses asked at most */
#define DNS_CHECK_MAX_VALUES	64	/* answers of one question kept */

/* One nameserver address. */
struct dns_server {
	char			 label[300];	/* "ns1.example.net (192.0.2.1)" */
	struct sockaddr_storage	 addr;		/* with the port */
	socklen_t		 addrlen;
};

/* How an answer must look. */
enum dns_want {
	DNS_WANT_EXACT,		/* exactly these values */
	DNS_WANT_HAS,		/* at least these values */
	DNS_WANT_NONE_OF,	/* none of these values */
};

/* One question and the answer expected (borrowed strings). */
struct dns_expect {
	const char		 *fqdn;		/* "_acme-challenge.example.com" */
	const char		 *type;		/* "a", "aaaa", "cname", "txt" */
	enum dns_want		  want;
	const char *const	 *values;
	size_t			  nvalues;
};

struct dns_check_config {
	struct dns_server	*servers;	/* borrowed */
	size_t			 nservers;
	long			 timeout;	/* overall seconds */
	long			 interval;	/* first pause in seconds; doubles
						   up to DNS_CHECK_MAX_PAUSE */
	long			 query_timeout;	/* seconds per query try */
	long			 broken_after;	/* seconds a broken server is
						   waited for, at most; 0 =
						   DNS_CHECK_BROKEN_AFTER */
	FILE			*out;		/* progress lines, or NULL = log */
	int			*no_ipv6;	/* in/out, may be NULL: set once an
						   IPv6 address had no route, so
						   later waits of the run skip
						   them without asking */
};

#define DNS_CHECK_MAX_PAUSE	30	/* seconds between two rounds, at most */
#define DNS_CHECK_BROKEN_AFTER	60	/* default of [dns] broken_after */

/*
 * Parses "host[:port] [host[:port]...]" (IPv6 as "[addr]:port" or bare;
 * names resolved now; blanks or commas between) into *out (caller frees).
 * 0, or -1 with *cause.
 */
int	 dns_check_parse_servers(const char *spec, struct dns_server **out,
	    size_t *n, char **cause);
/*
 * The syntax of a [dns] nameservers value, as dns_check_parse_servers
 * judges it, without resolving names (the check-config row of the key).
 * 0, or -1 with *why (caller frees).
 */
int	 dns_check_servers_spec(const char *spec, char **why);
/*
 * The authoritative nameservers of zone: its NS names from the system's
 * resolver, each resolved to all of its addresses, port 53. *out: caller
 * frees. 0, or -1 with *cause.
 */
int	 dns_check_find_servers(const char *zone, struct dns_server **out,
	    size_t *n, char **cause);
/*
 * Asks server once (two tries) for fqdn's records of type, recursion off.
 * On 0, *values (caller frees each and the array) holds the normalised
 * data (dns_check_normalise) of the answers owned by fqdn, and *rcode the
 * answer's RCODE (NXDOMAIN gives 0 values). -1 with *cause when no usable
 * answer came; -2 when this host has no route to the server's address
 * (an IPv6 nameserver on an IPv4-only host).
 */
int	 dns_check_query(const struct dns_server *, const char *fqdn,
	    const char *type, long timeout, char ***values, size_t *n,
	    int *rcode, char **cause);
/*
 * Text form of a value of type used in comparisons: an address in
 * canonical form, a name in lower case without the final dot, text as
 * is. Caller frees; NULL on ENOMEM.
 */
char	*dns_check_normalise(const char *type, const char *value);
/*
 * True when the answer values (normalised) satisfy e. When not, *why (may
 * be NULL) gets a short reason, caller frees.
 */
int	 dns_check_match(const struct dns_expect *e, char *const *values,
	    size_t n, char **why);
/*
 * Polls every server for every expectation until every server still
 * waited for serves them and at least one does, or cfg->timeout passes.
 * A server whose answers fail (REFUSED, SERVFAIL, silent after the tries,
 * lame) is broken: asked again each round until cfg->broken_after, then
 * named in a warning and no longer waited for. IPv6 addresses are all
 * skipped, with one warning, once one of them has no route from here.
 * ST_OK (broken ones named on cfg->out); ST_UNAVAILABLE with *cause
 * naming every server when none is left working; ST_TIMEOUT with *cause
 * naming each lagging or broken server and what it lacks; ST_BADREQ for
 * a bad expectation.
 */
enum st	 dns_check_wait(const struct dns_check_config *,
	    const struct dns_expect *, size_t n, char **cause);

#endif
