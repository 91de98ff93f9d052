/*
 * listenq.h: how many connections wait in a listening socket's accept
 * queue, and how many it takes (its backlog), as php-fpm's status page
 * shows them ("listen queue", "listen queue len").
 *
 * A TCP listener answers getsockopt(TCP_INFO): for a socket in LISTEN the
 * kernel puts the queue's length in tcpi_unacked and the backlog in
 * tcpi_sacked. A unix listener has no such option (SIOCINQ is EINVAL on
 * it), so it is asked through sock_diag (NETLINK_SOCK_DIAG, unix_diag with
 * UDIAG_SHOW_RQLEN, looked up by the socket's inode). Linux only; no
 * privilege is needed for a socket of our own network namespace.
 */
#ifndef LIB_LISTENQ_H
#define LIB_LISTENQ_H

/*
 * Samples listening socket fd: *queue connections wait to be accepted,
 * *max fit. 0, or -1 with errno (not a listening socket, no sock_diag).
 */
int	listenq_get(int fd, int *queue, int *max);

#endif
