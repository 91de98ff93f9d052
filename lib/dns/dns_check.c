/*
 * dns_check.c: the propagation check of a DNS change (see dns_check.h).
 *
 * Design: every question goes to one nameserver address at a time, built
 * by libresolv with the RD bit cleared, so the answer comes from that
 * server's own data and never from a cache; answers are parsed by
 * libresolv too. A change counts as visible only when every address
 * answers what is expected (a CA validates from several places, and one
 * lagging anycast node fails the order). Between rounds the pause doubles
 * from [dns] propagation_interval up to DNS_CHECK_MAX_PAUSE; the overall
 * deadline is [dns] propagation_timeout, and its error names every server
 * that still lags and what it lacks.
 *
 * The policy: each address is serving the change, lagging (it answers,
 * without the change yet) or broken (REFUSED, SERVFAIL, no answer after
 * the tries, a lame referral, a garbled answer). Broken ones are asked
 * again every round, but only until [dns] broken_after: then they are
 * named and no longer waited for, so one dead server does not hold the
 * run (and the account lock) until propagation_timeout. The wait
 * succeeds when every server still waited for serves the change and at
 * least one does; it fails at once when none is left. An IPv6 address
 * this host has no route to marks every IPv6 address as such, once per
 * wait.
 *
 * Caveats: answers are not required to carry the AA bit (test servers
 * such as pebble-challtestsrv do not set it), so a lame server is known
 * by its referral only.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "dns_check.h"
#include "log.h"

#define DNS_CHECK_MAX_ANSWER	65535	/* bytes of one answer */
#define DNS_CHECK_TRIES		2	/* tries of a query per round */
#define DNS_CHECK_WHY_MAX	2048	/* bytes of a timeout message */

/* The libresolv type number of a type word, or -1. */
static int
check_type(const char *type)
{
	if (strcasecmp(type, "a") == 0)
		return (ns_t_a);
	if (strcasecmp(type, "aaaa") == 0)
		return (ns_t_aaaa);
	if (strcasecmp(type, "cname") == 0)
		return (ns_t_cname);
	if (strcasecmp(type, "txt") == 0)
		return (ns_t_txt);
	if (strcasecmp(type, "ns") == 0)
		return (ns_t_ns);
	return (-1);
}

/* A short name of an RCODE. */
static const char *
check_rcode(int rcode)
{
	switch (rcode) {
	case ns_r_noerror:	return ("NOERROR");
	case ns_r_formerr:	return ("FORMERR");
	case ns_r_servfail:	return ("SERVFAIL");
	case ns_r_nxdomain:	return ("NXDOMAIN");
	case ns_r_notimpl:	return ("NOTIMP");
	case ns_r_refused:	return ("REFUSED");
	default:		return ("an unknown RCODE");
	}
}

/* See dns_check.h. */
char *
dns_check_normalise(const char *type, const char *value)
{
	unsigned char	 bin[sizeof(struct in6_addr)];
	char		 txt[INET6_ADDRSTRLEN], *s, *p;
	size_t		 len;

	if (strcasecmp(type, "a") == 0 && inet_pton(AF_INET, value, bin) == 1 &&
	    inet_ntop(AF_INET, bin, txt, sizeof(txt)) != NULL)
		return (strdup(txt));
	if (strcasecmp(type, "aaaa") == 0 &&
	    inet_pton(AF_INET6, value, bin) == 1 &&
	    inet_ntop(AF_INET6, bin, txt, sizeof(txt)) != NULL)
		return (strdup(txt));
	if (strcasecmp(type, "cname") == 0 || strcasecmp(type, "ns") == 0) {
		if ((s = strdup(value)) == NULL)
			return (NULL);
		for (p = s; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		len = strlen(s);
		if (len > 1 && s[len - 1] == '.')
			s[len - 1] = '\0';
		return (s);
	}
	return (strdup(value));
}

/* Appends one value of a string list. 0 or -1 on ENOMEM. */
static int
check_push(char ***v, size_t *n, char *s)
{
	char	**nv;

	if (s == NULL)
		return (-1);
	if (*n >= DNS_CHECK_MAX_VALUES) {
		free(s);
		return (0);
	}
	if ((nv = reallocarray(*v, *n + 1, sizeof(char *))) == NULL) {
		free(s);
		return (-1);
	}
	*v = nv;
	(*v)[(*n)++] = s;
	return (0);
}

/* Frees a string list. */
static void
check_free_list(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Label of an address: "192.0.2.1:53" or "[2001:db8::1]:53". */
static void
check_addr_label(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char	 host[INET6_ADDRSTRLEN] = "?";
	int	 port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		(void)snprintf(buf, size, "%s:%d", host, port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		(void)snprintf(buf, size, "[%s]:%d", host, port);
	}
}

/*
 * Resolves host (a name or an address) with port into servers appended to
 * *out. name: for the label ("ns1.example.net (192.0.2.1:53)"), or NULL.
 */
static int
check_resolve(const char *host, const char *port, const char *name,
    struct dns_server **out, size_t *n, char **cause)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	struct dns_server	*nv, *s;
	char			 addr[INET6_ADDRSTRLEN + 16];
	size_t			 i;
	int			 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		cause_set(cause, "nameserver %s: %s", host,
		    gai_strerror(rc));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		for (i = 0; i < *n; i++)
			if ((*out)[i].addrlen == ai->ai_addrlen &&
			    memcmp(&(*out)[i].addr, ai->ai_addr,
			    ai->ai_addrlen) == 0)
				break;
		if (i < *n)
			continue;
		if (*n >= DNS_CHECK_MAX_SERVERS)
			break;
		if ((nv = reallocarray(*out, *n + 1, sizeof(*nv))) == NULL) {
			freeaddrinfo(res);
			cause_set(cause, "out of memory");
			return (-1);
		}
		*out = nv;
		s = &nv[(*n)++];
		memset(s, 0, sizeof(*s));
		memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
		s->addrlen = ai->ai_addrlen;
		check_addr_label(&s->addr, addr, sizeof(addr));
		if (name != NULL)
			(void)snprintf(s->label, sizeof(s->label),
			    "%.200s (%s)", name, addr);
		else
			(void)snprintf(s->label, sizeof(s->label), "%s", addr);
	}
	freeaddrinfo(res);
	return (0);
}

/*
 * Parses spec (see dns_check_parse_servers); with out NULL only the
 * syntax is judged and nothing is resolved.
 */
static int
check_parse_servers(const char *spec, struct dns_server **out, size_t *n,
    char **cause)
{
	char	*copy, *tok, *save = NULL, *host, *port, *end;
	size_t	 ntok = 0;
	int	 rc = -1;

	if (out != NULL)
		*out = NULL;
	*n = 0;
	*cause = NULL;
	if ((copy = strdup(spec)) == NULL) {
		cause_set(cause, "out of memory");
		return (-1);
	}
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		host = tok;
		port = NULL;
		if (*tok == '[') {
			if ((end = strchr(tok, ']')) == NULL ||
			    (end[1] != '\0' && end[1] != ':')) {
				cause_set(cause, "nameserver '%.64s': "
				    "want [ADDRESS]:PORT", tok);
				goto out;
			}
			*end = '\0';
			host = tok + 1;
			if (end[1] == ':')
				port = end + 2;
		} else if ((end = strchr(tok, ':')) != NULL &&
		    strchr(end + 1, ':') == NULL) {
			*end = '\0';
			port = end + 1;
		}
		if (port != NULL && (strlen(port) == 0 ||
		    strspn(port, "0123456789") != strlen(port) ||
		    atoi(port) < 1 || atoi(port) > 65535)) {
			cause_set(cause, "nameserver '%.64s': bad port "
			    "'%.16s'", host, port);
			goto out;
		}
		if (*host == '\0') {
			cause_set(cause, "nameserver: empty host");
			goto out;
		}
		ntok++;
		if (out != NULL && check_resolve(host, port != NULL ? port :
		    "53", NULL, out, n, cause) != 0)
			goto out;
	}
	if ((out != NULL ? *n : ntok) == 0) {
		cause_set(cause, "no nameserver in '%.64s'", spec);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	if (rc != 0 && out != NULL) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return (rc);
}

/* See dns_check.h. */
int
dns_check_parse_servers(const char *spec, struct dns_server **out, size_t *n,
    char **cause)
{
	return (check_parse_servers(spec, out, n, cause));
}

/* See dns_check.h. */
int
dns_check_servers_spec(const char *spec, char **why)
{
	size_t	 n;

	return (check_parse_servers(spec, NULL, &n, why));
}

/* See dns_check.h. */
int
dns_check_find_servers(const char *zone, struct dns_server **out, size_t *n,
    char **cause)
{
	struct __res_state	 rs;
	unsigned char		*ans = NULL;
	ns_msg			 m;
	ns_rr			 rr;
	char			 name[NS_MAXDNAME];
	int			 len, i, count, rc = -1;

	*out = NULL;
	*n = 0;
	*cause = NULL;
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0) {
		cause_set(cause, "cannot read the resolver "
		    "configuration");
		return (-1);
	}
	if ((ans = malloc(DNS_CHECK_MAX_ANSWER)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	len = res_nquery(&rs, zone, ns_c_in, ns_t_ns, ans,
	    DNS_CHECK_MAX_ANSWER);
	if (len < 0) {
		cause_set(cause, "NS lookup of %s failed: %s (set [dns] "
		    "nameservers to name them)", zone,
		    hstrerror(rs.res_h_errno));
		goto out;
	}
	if (ns_initparse(ans, len, &m) < 0) {
		cause_set(cause, "NS lookup of %s: malformed answer",
		    zone);
		goto out;
	}
	count = ns_msg_count(m, ns_s_an);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_ns)
			continue;
		if (dn_expand(ns_msg_base(m), ns_msg_end(m), ns_rr_rdata(rr),
		    name, sizeof(name)) < 0)
			continue;
		free(*cause);
		*cause = NULL;
		if (check_resolve(name, "53", name, out, n, cause) != 0)
			log_warnx("dns: %s", *cause);
	}
	if (*n == 0) {
		free(*cause);
		cause_set(cause, "NS lookup of %s gave no usable "
		    "nameserver (set [dns] nameservers to name them)", zone);
		goto out;
	}
	free(*cause);
	*cause = NULL;
	rc = 0;
out:
	free(ans);
	res_nclose(&rs);
	return (rc);
}

/* Sends q over UDP and receives the matching answer into ans. */
static int
check_udp(const struct dns_server *s, const unsigned char *q, int qlen,
    unsigned char *ans, int *alen, long long deadline, char **why)
{
	ssize_t	 r;
	int	 fd;

	fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (const struct sockaddr *)&s->addr,
	    s->addrlen) == -1 || send(fd, q, (size_t)qlen, 0) != qlen) {
		int	 e = errno;

		cause_set(why, "cannot send: %s", strerror(e));
		if (fd != -1)
			close(fd);
		/* No route of that family here (an IPv6 NS on a v4 host). */
		return (e == ENETUNREACH || e == EAFNOSUPPORT ||
		    e == EADDRNOTAVAIL ? -2 : -1);
	}
	for (;;) {
		if (!clock_wait_fd(fd, POLLIN, deadline)) {
			cause_set(why, "no answer (timeout)");
			break;
		}
		r = recv(fd, ans, DNS_CHECK_MAX_ANSWER, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			cause_set(why, "%s", strerror(errno));
			break;
		}
		/* Same id, a response: else a stray datagram, keep waiting. */
		if (r >= HFIXEDSZ && memcmp(ans, q, 2) == 0 &&
		    ((const HEADER *)(const void *)ans)->qr) {
			*alen = (int)r;
			close(fd);
			return (0);
		}
	}
	close(fd);
	return (-1);
}

/* Reads or writes exactly len bytes on a non-blocking socket. */
static int
check_tcp_io(int fd, unsigned char *p, size_t len, int writing,
    long long deadline)
{
	ssize_t	 r;

	while (len > 0) {
		if (!clock_wait_fd(fd, writing ? POLLOUT : POLLIN, deadline))
			return (-1);
		r = writing ? send(fd, p, len, MSG_NOSIGNAL) :
		    recv(fd, p, len, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return (-1);
		p += r;
		len -= (size_t)r;
	}
	return (0);
}

/* Sends q over TCP (RFC 1035 4.2.2: two-byte length prefix). */
static int
check_tcp(const struct dns_server *s, const unsigned char *q, int qlen,
    unsigned char *ans, int *alen, long long deadline, char **why)
{
	unsigned char	 lenb[2];
	int		 fd, err = 0;
	socklen_t	 el = sizeof(err);
	size_t		 want;

	fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd == -1) {
		cause_set(why, "TCP: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, (const struct sockaddr *)&s->addr, s->addrlen) == -1 &&
	    errno != EINPROGRESS) {
		cause_set(why, "TCP connect: %s", strerror(errno));
		goto fail;
	}
	if (!clock_wait_fd(fd, POLLOUT, deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 || err != 0) {
		cause_set(why, "TCP connect: %s", err != 0 ?
		    strerror(err) : "timeout");
		goto fail;
	}
	lenb[0] = (unsigned char)(qlen >> 8);
	lenb[1] = (unsigned char)(qlen & 0xff);
	if (check_tcp_io(fd, lenb, 2, 1, deadline) != 0 ||
	    check_tcp_io(fd, (unsigned char *)(uintptr_t)q, (size_t)qlen, 1,
	    deadline) != 0 || check_tcp_io(fd, lenb, 2, 0, deadline) != 0) {
		cause_set(why, "TCP: no answer");
		goto fail;
	}
	want = ((size_t)lenb[0] << 8) | lenb[1];
	if (want < HFIXEDSZ || check_tcp_io(fd, ans, want, 0, deadline) != 0 ||
	    memcmp(ans, q, 2) != 0) {
		cause_set(why, "TCP: bad answer");
		goto fail;
	}
	*alen = (int)want;
	close(fd);
	return (0);
fail:
	close(fd);
	return (-1);
}

/*
 * Collects the data of the answers owned by qname of type t from a parsed
 * message.
 */
static int
check_collect(ns_msg *m, const char *qname, int t, const char *type,
    char ***values, size_t *n)
{
	ns_rr			 rr;
	const unsigned char	*rd;
	char			 name[NS_MAXDNAME], addr[INET6_ADDRSTRLEN];
	struct buf		 txt;
	size_t			 qlen = strlen(qname), rdlen, i;
	int			 count, k;

	if (qlen > 0 && qname[qlen - 1] == '.')
		qlen--;
	count = ns_msg_count(*m, ns_s_an);
	for (k = 0; k < count; k++) {
		if (ns_parserr(m, ns_s_an, k, &rr) < 0)
			return (-1);
		if ((int)ns_rr_type(rr) != t || ns_rr_class(rr) != ns_c_in ||
		    strlen(ns_rr_name(rr)) != qlen ||
		    strncasecmp(ns_rr_name(rr), qname, qlen) != 0)
			continue;
		rd = ns_rr_rdata(rr);
		rdlen = ns_rr_rdlen(rr);
		if (t == ns_t_a && rdlen == 4) {
			inet_ntop(AF_INET, rd, addr, sizeof(addr));
			if (check_push(values, n, strdup(addr)) != 0)
				return (-1);
		} else if (t == ns_t_aaaa && rdlen == 16) {
			inet_ntop(AF_INET6, rd, addr, sizeof(addr));
			if (check_push(values, n, strdup(addr)) != 0)
				return (-1);
		} else if (t == ns_t_cname || t == ns_t_ns) {
			if (dn_expand(ns_msg_base(*m), ns_msg_end(*m), rd, name,
			    sizeof(name)) < 0)
				continue;
			if (check_push(values, n, dns_check_normalise(type,
			    name)) != 0)
				return (-1);
		} else if (t == ns_t_txt) {
			/* One or more <length><bytes> strings, joined. */
			buf_init(&txt, 65535);
			for (i = 0; i < rdlen;) {
				size_t	 l = rd[i];

				if (i + 1 + l > rdlen)
					break;
				(void)buf_add(&txt, rd + i + 1, l);
				i += 1 + l;
			}
			if (check_push(values, n, buf_steal(&txt)) != 0) {
				buf_cleanup(&txt);
				return (-1);
			}
			buf_cleanup(&txt);
		}
	}
	return (0);
}

/* True when the authority section of m holds NS records (a referral). */
static int
check_referral(ns_msg *m)
{
	ns_rr	 rr;
	int	 k, count = ns_msg_count(*m, ns_s_ns);

	for (k = 0; k < count; k++)
		if (ns_parserr(m, ns_s_ns, k, &rr) == 0 &&
		    ns_rr_type(rr) == ns_t_ns)
			return (1);
	return (0);
}

/* See dns_check.h. */
int
dns_check_query(const struct dns_server *s, const char *fqdn, const char *type,
    long timeout, char ***values, size_t *n, int *rcode, char **cause)
{
	struct __res_state	 rs;
	unsigned char		 q[NS_PACKETSZ], *ans = NULL;
	ns_msg			 m;
	char			*why = NULL;
	int			 t, qlen, alen = 0, try, k, rc = -1;

	*values = NULL;
	*n = 0;
	*rcode = -1;
	*cause = NULL;
	if ((t = check_type(type)) == -1) {
		cause_set(cause, "cannot check records of type %s", type);
		return (-1);
	}
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0) {
		cause_set(cause, "cannot set up a query");
		return (-1);
	}
	qlen = res_nmkquery(&rs, ns_o_query, fqdn, ns_c_in, t, NULL, 0, NULL,
	    q, sizeof(q));
	if (qlen < HFIXEDSZ) {
		cause_set(cause, "cannot make a query for '%.253s'",
		    fqdn);
		goto out;
	}
	/* Recursion off: the server's own data, never a cache. */
	((HEADER *)(void *)q)->rd = 0;
	if ((ans = malloc(DNS_CHECK_MAX_ANSWER)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	for (try = 0; try < DNS_CHECK_TRIES; try++) {
		free(why);
		why = NULL;
		if ((k = check_udp(s, q, qlen, ans, &alen, clock_ms() +
		    timeout * 1000, &why)) == 0)
			break;
		if (k == -2) {
			cause_set(cause, "%s", why);
			rc = -2;
			goto out;
		}
	}
	if (try == DNS_CHECK_TRIES) {
		cause_set(cause, "%s", why != NULL ? why : "no answer");
		goto out;
	}
	if (((HEADER *)(void *)ans)->tc) {
		free(why);
		why = NULL;
		if (check_tcp(s, q, qlen, ans, &alen, clock_ms() +
		    timeout * 1000, &why) != 0) {
			cause_set(cause, "truncated answer, then %s",
			    why != NULL ? why : "TCP failed");
			goto out;
		}
	}
	if (ns_initparse(ans, alen, &m) < 0) {
		cause_set(cause, "malformed answer");
		goto out;
	}
	*rcode = ns_msg_getflag(m, ns_f_rcode);
	if (*rcode != ns_r_noerror && *rcode != ns_r_nxdomain) {
		cause_set(cause, "answered %s", check_rcode(*rcode));
		goto out;
	}
	if (check_collect(&m, fqdn, t, type, values, n) != 0) {
		cause_set(cause, "malformed answer");
		goto out;
	}
	/*
	 * Lame: not authoritative, nothing for the name, and a referral to
	 * other servers: this one does not serve the zone at all. (An answer
	 * without the AA bit is otherwise accepted: test servers such as
	 * pebble-challtestsrv never set it.)
	 */
	if (*n == 0 && !ns_msg_getflag(m, ns_f_aa) &&
	    ns_msg_count(m, ns_s_an) == 0 && check_referral(&m)) {
		cause_set(cause, "lame: refers to other servers instead of "
		    "answering (it does not serve the zone)");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		check_free_list(*values, *n);
		*values = NULL;
		*n = 0;
	}
	free(why);
	free(ans);
	res_nclose(&rs);
	return (rc);
}

/* True when v is among the n values. */
static int
check_has(char *const *v, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return (1);
	return (0);
}

/* Appends "a", "b" (quoted, capped) to b. */
static void
check_list(struct buf *b, const char *const *v, size_t n)
{
	size_t	 i;

	if (n == 0) {
		(void)buf_adds(b, "none");
		return;
	}
	for (i = 0; i < n && i < 4; i++)
		(void)buf_printf(b, "%s\"%.80s\"", i > 0 ? ", " : "", v[i]);
	if (n > 4)
		(void)buf_printf(b, " and %zu more", n - 4);
}

/* See dns_check.h. */
int
dns_check_match(const struct dns_expect *e, char *const *values, size_t n,
    char **why)
{
	struct buf	 b;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < e->nvalues && ok; i++) {
		int has = check_has(values, n, e->values[i]);

		if ((e->want == DNS_WANT_NONE_OF && has) ||
		    (e->want != DNS_WANT_NONE_OF && !has))
			ok = 0;
	}
	if (ok && e->want == DNS_WANT_EXACT)
		for (i = 0; i < n && ok; i++)
			if (!check_has((char *const *)(uintptr_t)e->values,
			    e->nvalues, values[i]))
				ok = 0;
	if (ok || why == NULL)
		return (ok);
	buf_init(&b, 1024);
	(void)buf_adds(&b, e->want == DNS_WANT_NONE_OF ? "still has " :
	    e->want == DNS_WANT_HAS ? "wants " : "wants exactly ");
	check_list(&b, e->values, e->nvalues);
	if (e->want != DNS_WANT_NONE_OF) {
		(void)buf_adds(&b, "; has ");
		check_list(&b, (const char *const *)values, n);
	}
	*why = buf_steal(&b);
	buf_cleanup(&b);
	return (0);
}

/* Progress line: to cfg->out or the info log. */
static void
check_say(const struct dns_check_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
check_say(const struct dns_check_config *cfg, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024];

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (cfg->out != NULL) {
		fprintf(cfg->out, "%s\n", line);
		fflush(cfg->out);
	} else
		log_info("dns: %s", line);
}

/* Server states of one wait (dns_check_wait). */
enum check_state {
	CHECK_ASKING,		/* not yet known this round */
	CHECK_SERVING,		/* every expectation matches */
	CHECK_LAGGING,		/* answers, but not the change yet */
	CHECK_BROKEN,		/* refused, SERVFAIL, silent, lame, garbled */
	CHECK_GIVEN_UP,		/* broken past broken_after: not waited for */
	CHECK_NO_ROUTE,		/* no route from this host (IPv6) */
};

/* Appends "label: why; ..." of the servers in state st to b. */
static void
check_name_servers(struct buf *b, const struct dns_check_config *cfg,
    const unsigned char *state, char **why, int st, size_t *j)
{
	size_t	 k;

	for (k = 0; k < cfg->nservers; k++) {
		if (state[k] != st)
			continue;
		if (buf_printf(b, "%s %s: %s", (*j)++ > 0 ? ";" : "",
		    cfg->servers[k].label, why[k] != NULL ? why[k] : "?") !=
		    ST_OK) {
			(void)buf_adds(b, " ...");
			break;
		}
	}
}

/* How many servers are in state st. */
static size_t
check_count(const struct dns_check_config *cfg, const unsigned char *state,
    int st)
{
	size_t	 k, n = 0;

	for (k = 0; k < cfg->nservers; k++)
		if (state[k] == st)
			n++;
	return (n);
}

/*
 * Marks every IPv6 server as without a route, once per run: one IPv6
 * address this host cannot send to means none of them can be reached.
 */
static void
check_no_ipv6(const struct dns_check_config *cfg, unsigned char *state,
    char **why, const char *w)
{
	size_t	 k;

	for (k = 0; k < cfg->nservers; k++) {
		if (cfg->servers[k].addr.ss_family != AF_INET6)
			continue;
		state[k] = CHECK_NO_ROUTE;
		free(why[k]);
		why[k] = strdup(w);
	}
	if (cfg->no_ipv6 != NULL) {
		if (*cfg->no_ipv6)
			return;		/* said once this run */
		*cfg->no_ipv6 = 1;
	}
	log_warnx("dns: this host has no IPv6 route (%s): skipping the %zu "
	    "IPv6 nameserver address%s for this run", w,
	    check_count(cfg, state, CHECK_NO_ROUTE),
	    check_count(cfg, state, CHECK_NO_ROUTE) == 1 ? "" : "es");
}

/*
 * See dns_check.h. Each round asks every server still waited for: a
 * server is serving once every expectation matches, lagging while it
 * answers without the change, broken while its answers fail (REFUSED,
 * SERVFAIL, no answer after the tries, a referral elsewhere). Broken ones
 * are asked again each round until broken_after, then given up and named;
 * the wait ends when every server left serves and at least one does.
 */
enum st
dns_check_wait(const struct dns_check_config *cfg, const struct dns_expect *ex,
    size_t nex, char **cause)
{
	const char	***norm = NULL;
	char		**why = NULL, **vals, *w;
	unsigned char	 *done = NULL, *state = NULL;
	struct buf	  b;
	size_t		  i, j, k, nv, nserving, nlag, nbroken, nup, nroute;
	long long	  start, deadline, broken_at, now, pause, wake;
	int		  rcode, qrc;
	enum st		  st = ST_NOMEM;

	*cause = NULL;
	if (nex == 0)
		return (ST_OK);
	if (cfg->nservers == 0) {
		cause_set(cause, "no nameserver to check");
		return (ST_BADREQ);
	}
	for (i = 0; i < nex; i++)
		if (check_type(ex[i].type) == -1) {
			cause_set(cause, "cannot check records of type "
			    "%s", ex[i].type);
			return (ST_BADREQ);
		}
	/* Expected values in the form answers are compared in. */
	if ((norm = calloc(nex, sizeof(*norm))) == NULL ||
	    (done = calloc(cfg->nservers * nex, 1)) == NULL ||
	    (why = calloc(cfg->nservers, sizeof(*why))) == NULL ||
	    (state = calloc(cfg->nservers, 1)) == NULL)
		goto nomem;
	for (i = 0; i < nex; i++) {
		if (ex[i].nvalues > 0 &&
		    (norm[i] = calloc(ex[i].nvalues, sizeof(char *))) == NULL)
			goto nomem;
		for (j = 0; j < ex[i].nvalues; j++)
			if ((norm[i][j] = dns_check_normalise(ex[i].type,
			    ex[i].values[j])) == NULL)
				goto nomem;
	}
	start = clock_ms();
	deadline = start + cfg->timeout * 1000;
	broken_at = start + (cfg->broken_after > 0 ? cfg->broken_after :
	    DNS_CHECK_BROKEN_AFTER) * 1000;
	pause = (cfg->interval > 0 ? cfg->interval : 1) * 1000;
	if (cfg->no_ipv6 != NULL && *cfg->no_ipv6)
		check_no_ipv6(cfg, state, why, "found earlier in this run");
	for (;;) {
		for (k = 0; k < cfg->nservers; k++) {
			if (state[k] == CHECK_GIVEN_UP ||
			    state[k] == CHECK_NO_ROUTE ||
			    state[k] == CHECK_SERVING)
				continue;
			state[k] = CHECK_SERVING;
			for (i = 0; i < nex; i++) {
				struct dns_expect	 e = ex[i];

				if (done[k * nex + i])
					continue;
				e.values = norm[i];
				w = NULL;
				qrc = dns_check_query(&cfg->servers[k], e.fqdn,
				    e.type, cfg->query_timeout, &vals, &nv,
				    &rcode, &w);
				if (qrc == -2 && cfg->servers[k].addr.ss_family ==
				    AF_INET6) {
					check_no_ipv6(cfg, state, why, w != NULL ?
					    w : "no route");
					free(w);
					break;
				}
				if (qrc == 0) {
					free(w);
					w = NULL;
					if (dns_check_match(&e, vals, nv, &w))
						done[k * nex + i] = 1;
					check_free_list(vals, nv);
				}
				if (done[k * nex + i])
					continue;
				state[k] = qrc == 0 ? CHECK_LAGGING :
				    CHECK_BROKEN;
				free(why[k]);
				why[k] = NULL;
				(void)!asprintf(&why[k], "%.253s %s: %s",
				    e.fqdn, e.type, w != NULL ? w :
				    "out of memory");
				free(w);
				break;	/* next server */
			}
		}
		now = clock_ms();
		/* Broken past broken_after: named, no longer waited for. */
		if (now >= broken_at && check_count(cfg, state,
		    CHECK_BROKEN) > 0) {
			buf_init(&b, DNS_CHECK_WHY_MAX);
			j = 0;
			check_name_servers(&b, cfg, state, why, CHECK_BROKEN,
			    &j);
			log_warnx("dns: broken after %lld s, not waited for:%s",
			    (broken_at - start) / 1000, buf_str(&b));
			buf_cleanup(&b);
			for (k = 0; k < cfg->nservers; k++)
				if (state[k] == CHECK_BROKEN)
					state[k] = CHECK_GIVEN_UP;
		}
		nserving = check_count(cfg, state, CHECK_SERVING);
		nlag = check_count(cfg, state, CHECK_LAGGING);
		nbroken = check_count(cfg, state, CHECK_BROKEN);
		nup = check_count(cfg, state, CHECK_GIVEN_UP);
		nroute = check_count(cfg, state, CHECK_NO_ROUTE);
		if (nlag == 0 && nbroken == 0 && nserving > 0) {
			check_say(cfg, "visible on %zu nameserver%s after "
			    "%.1f s", nserving, nserving == 1 ? "" : "s",
			    (double)(now - start) / 1000.0);
			if (nup > 0) {
				buf_init(&b, DNS_CHECK_WHY_MAX);
				j = 0;
				check_name_servers(&b, cfg, state, why,
				    CHECK_GIVEN_UP, &j);
				check_say(cfg, "warning: %zu broken nameserver%s "
				    "not waited for:%s", nup, nup == 1 ? "" :
				    "s", buf_str(&b));
				buf_cleanup(&b);
			}
			st = ST_OK;
			goto out;
		}
		if (nserving + nlag + nbroken == 0) {
			/* Nobody left to wait for: fail now, not at the end. */
			buf_init(&b, DNS_CHECK_WHY_MAX);
			(void)buf_printf(&b, "no working nameserver (%zu "
			    "broken after %lld s, %zu without a route from "
			    "here):", nup, (broken_at - start) / 1000, nroute);
			j = 0;
			check_name_servers(&b, cfg, state, why, CHECK_GIVEN_UP,
			    &j);
			check_name_servers(&b, cfg, state, why,
			    CHECK_NO_ROUTE, &j);
			*cause = buf_steal(&b);
			buf_cleanup(&b);
			st = ST_UNAVAILABLE;
			goto out;
		}
		if (now >= deadline)
			break;
		/* Sleep until the next round, the deadline or broken_after. */
		wake = now + pause;
		if (nbroken > 0 && broken_at > now && broken_at < wake)
			wake = broken_at;
		if (wake > deadline)
			wake = deadline;
		check_say(cfg, "waiting for %zu of %zu nameserver%s (%zu "
		    "lagging, %zu broken; next check in %lld s)", nlag +
		    nbroken, nserving + nlag + nbroken, nserving + nlag +
		    nbroken == 1 ? "" : "s", nlag, nbroken,
		    (wake - now + 999) / 1000);
		for (k = 0; k < cfg->nservers; k++)
			if (why[k] != NULL && (state[k] == CHECK_LAGGING ||
			    state[k] == CHECK_BROKEN))
				log_debug("dns: %s: %s", cfg->servers[k].label,
				    why[k]);
		clock_sleep_ms(wake - now);
		pause *= 2;
		if (pause > DNS_CHECK_MAX_PAUSE * 1000)
			pause = DNS_CHECK_MAX_PAUSE * 1000;
	}
	/* Timed out: name every lagging (and broken) server and its lack. */
	buf_init(&b, DNS_CHECK_WHY_MAX);
	nlag = check_count(cfg, state, CHECK_LAGGING);
	nbroken = check_count(cfg, state, CHECK_BROKEN);
	(void)buf_printf(&b, "not visible after %ld s on %zu of %zu "
	    "nameserver%s:", cfg->timeout, nlag + nbroken, nserving + nlag +
	    nbroken, nserving + nlag + nbroken == 1 ? "" : "s");
	j = 0;
	check_name_servers(&b, cfg, state, why, CHECK_LAGGING, &j);
	check_name_servers(&b, cfg, state, why, CHECK_BROKEN, &j);
	*cause = buf_steal(&b);
	buf_cleanup(&b);
	st = ST_TIMEOUT;
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	if (norm != NULL)
		for (i = 0; i < nex; i++) {
			for (j = 0; norm[i] != NULL && j < ex[i].nvalues; j++)
				free((char *)(uintptr_t)norm[i][j]);
			free(norm[i]);
		}
	free(norm);
	if (why != NULL)
		for (k = 0; k < cfg->nservers; k++)
			free(why[k]);
	free(why);
	free(done);
	free(state);
	return (st);
}
