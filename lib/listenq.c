/*
 * listenq.c: the accept queue of a listening socket; see listenq.h.
 *
 * One sock_diag request per sample for a unix socket: a netlink socket is
 * opened, asked and closed (a few system calls; the master samples five
 * times a second, the status page once per request).
 */
#include "autoconf.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listenq.h"

#define LISTENQ_TCP_LISTEN	10	/* the kernel's TCP_LISTEN state */

/* The unix listener with inode ino, through sock_diag. */
static int
listenq_unix(ino_t ino, int *queue, int *max)
{
	struct {
		struct nlmsghdr		nlh;
		struct unix_diag_req	req;
	} msg;
	struct sockaddr_nl	 sa;
	struct nlmsghdr		*h;
	struct unix_diag_msg	*m;
	struct rtattr		*a;
	struct unix_diag_rqlen	*q;
	union {
		struct nlmsghdr	 align;
		char		 buf[8192];
	} in;
	ssize_t			 n;
	int			 nl, alen, saved, rc = -1;

	if ((nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return (-1);
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = 1U << LISTENQ_TCP_LISTEN;
	msg.req.udiag_ino = (unsigned int)ino;
	msg.req.udiag_show = UDIAG_SHOW_RQLEN;
	msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0U;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (sendto(nl, &msg, sizeof(msg), 0, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1)
		goto out;
	if ((n = recv(nl, in.buf, sizeof(in.buf), 0)) <= 0)
		goto out;
	errno = ENOENT;
	for (h = &in.align; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			errno = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
			goto out;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		m = NLMSG_DATA(h);
		if (m->udiag_ino != (unsigned int)ino)
			continue;
		if (m->udiag_state != LISTENQ_TCP_LISTEN) {
			errno = EINVAL;	/* the lookup by inode ignores states */
			goto out;
		}
		alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
		for (a = (struct rtattr *)(m + 1); RTA_OK(a, alen);
		    a = RTA_NEXT(a, alen)) {
			if (a->rta_type != UNIX_DIAG_RQLEN ||
			    RTA_PAYLOAD(a) < (int)sizeof(*q))
				continue;
			q = RTA_DATA(a);
			*queue = (int)q->udiag_rqueue;
			*max = (int)q->udiag_wqueue;
			rc = 0;
			goto out;
		}
	}
out:
	saved = errno;
	close(nl);
	errno = saved;
	return (rc);
}

/* See listenq.h. */
int
listenq_get(int fd, int *queue, int *max)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct tcp_info		 ti;
	struct stat		 sb;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	if (ss.ss_family == AF_UNIX) {
		if (fstat(fd, &sb) == -1)
			return (-1);
		return (listenq_unix(sb.st_ino, queue, max));
	}
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return (-1);
	}
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return (-1);
	if (ti.tcpi_state != LISTENQ_TCP_LISTEN) {
		errno = EINVAL;
		return (-1);
	}
	*queue = (int)ti.tcpi_unacked;
	*max = (int)ti.tcpi_sacked;
	return (0);
}
