/*
 * fcgic.c: one FastCGI GET; see fcgic.h.
 *
 * The socket is non-blocking and every wait goes through poll() against
 * the one deadline, so a daemon that accepts but never answers costs the
 * caller timeout_ms, not a hang. Records are parsed from a growing buffer:
 * a record may arrive in any slicing.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cause.h"
#include "clock.h"
#include "fcgic.h"

#define FCGIC_BEGIN	1
#define FCGIC_END	3
#define FCGIC_PARAMS	4
#define FCGIC_STDIN	5
#define FCGIC_STDOUT	6
#define FCGIC_ID	1

/* See fcgic.h. */
void
fcgic_answer_init(struct fcgic_answer *a, size_t max_body)
{
	a->status = 0;
	buf_init(&a->headers, 64 * 1024);
	buf_init(&a->body, max_body);
}

/* See fcgic.h. */
void
fcgic_answer_cleanup(struct fcgic_answer *a)
{
	buf_cleanup(&a->headers);
	buf_cleanup(&a->body);
}

/* Appends a record header of type and content length n. */
static void
fcgic_record(struct buf *b, int type, size_t n)
{
	unsigned char	 h[8] = { 1, (unsigned char)type, 0, FCGIC_ID,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	buf_add(b, h, sizeof(h));
}

/* Appends one name-value pair (both shorter than 128 bytes here). */
static void
fcgic_pair(struct buf *b, const char *name, const char *value)
{
	unsigned char	 len[2] = { (unsigned char)strlen(name),
	    (unsigned char)strlen(value) };

	buf_add(b, len, 2);
	buf_adds(b, name);
	buf_adds(b, value);
}

/* Connects to addr, non-blocking; the fd, or -1 with *cause. */
static int
fcgic_connect(const char *addr, char **cause)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *ai = NULL;
	char			 host[256];
	const char		*colon;
	int			 fd, rc;

	if (addr[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr) >= sizeof(sun.sun_path)) {
			cause_set(cause, "socket path too long: %s", addr);
			return (-1);
		}
		memcpy(sun.sun_path, addr, strlen(addr));
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			cause_set(cause, "cannot connect to %s: %s", addr,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			return (-1);
		}
	} else {
		if ((colon = strrchr(addr, ':')) == NULL ||
		    (size_t)(colon - addr) >= sizeof(host)) {
			cause_set(cause, "%s is neither a path nor HOST:PORT",
			    addr);
			return (-1);
		}
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		if (host[0] == '[' && strlen(host) >= 2) {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
			cause_set(cause, "%s: %s", addr, gai_strerror(rc));
			return (-1);
		}
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1 || connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			cause_set(cause, "cannot connect to %s: %s", addr,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
		if (fd == -1)
			return (-1);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		cause_set(cause, "fcntl: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Waits for events on fd until the deadline: 0, or -1 with *cause. */
static int
fcgic_wait(int fd, short events, long long deadline, const char *addr,
    char **cause)
{
	struct pollfd	 p = { fd, events, 0 };
	long long	 left;
	int		 rc;

	for (;;) {
		if ((left = deadline - clock_ms()) <= 0)
			return (cause_set(cause, "%s did not answer in time",
			    addr));
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return (0);
		if (rc == -1 && errno != EINTR)
			return (cause_set(cause, "poll: %s", strerror(errno)));
	}
}

/* Splits the CGI output: headers, Status, body. */
static int
fcgic_split(const struct buf *out, struct fcgic_answer *a, char **cause)
{
	const char	*s = buf_str(out), *end, *line;

	if ((end = strstr(s, "\r\n\r\n")) == NULL)
		return (cause_set(cause, "the answer has no CGI headers"));
	a->status = 200;
	buf_add(&a->headers, s, (size_t)(end - s) + 2);
	for (line = s; line < end; line = strstr(line, "\r\n") + 2)
		if (strncasecmp(line, "Status:", 7) == 0)
			a->status = atoi(line + 7);
	end += 4;
	if (buf_add(&a->body, end, out->len - (size_t)(end - s)) != ST_OK)
		return (cause_set(cause, "the answer is too large"));
	return (0);
}

/* See fcgic.h. */
int
fcgic_get(const char *addr, const char *uri, const char *accept,
    int timeout_ms, struct fcgic_answer *a, char **cause)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	struct buf	 req, params, in, out;
	unsigned char	 chunk[16384];
	const char	*q;
	char		 path[256];
	size_t		 off = 0, n, clen, pad;
	ssize_t		 got;
	long long	 deadline = clock_ms() + timeout_ms;
	int		 fd, rc = -1, ended = 0;

	*cause = NULL;
	q = strchr(uri, '?');
	n = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (n >= sizeof(path) || strlen(uri) > 127)
		return (cause_set(cause, "URI too long: %s", uri));
	memcpy(path, uri, n);
	path[n] = '\0';
	buf_init(&req, 64 * 1024);
	buf_init(&params, 16 * 1024);
	buf_init(&in, a->body.max + 64 * 1024);
	buf_init(&out, a->body.max + 64 * 1024);
	fcgic_pair(&params, "GATEWAY_INTERFACE", "CGI/1.1");
	fcgic_pair(&params, "REQUEST_METHOD", "GET");
	fcgic_pair(&params, "REQUEST_URI", uri);
	fcgic_pair(&params, "DOCUMENT_URI", path);
	fcgic_pair(&params, "SCRIPT_NAME", path);
	fcgic_pair(&params, "QUERY_STRING", q != NULL ? q + 1 : "");
	fcgic_pair(&params, "SERVER_PROTOCOL", "HTTP/1.1");
	fcgic_pair(&params, "SERVER_NAME", "localhost");
	fcgic_pair(&params, "REMOTE_ADDR", "127.0.0.1");
	if (accept != NULL)
		fcgic_pair(&params, "HTTP_ACCEPT", accept);
	fcgic_record(&req, FCGIC_BEGIN, sizeof(begin));
	buf_add(&req, begin, sizeof(begin));
	fcgic_record(&req, FCGIC_PARAMS, params.len);
	buf_add(&req, params.data, params.len);
	fcgic_record(&req, FCGIC_PARAMS, 0);
	fcgic_record(&req, FCGIC_STDIN, 0);

	if ((fd = fcgic_connect(addr, cause)) == -1)
		goto out;
	while (off < req.len) {
		got = write(fd, req.data + off, req.len - off);
		if (got > 0) {
			off += (size_t)got;
			continue;
		}
		if (got == -1 && errno != EAGAIN && errno != EINTR) {
			cause_set(cause, "writing to %s: %s", addr,
			    strerror(errno));
			goto out;
		}
		if (fcgic_wait(fd, POLLOUT, deadline, addr, cause) != 0)
			goto out;
	}
	/* records: header (8), content, padding; STDOUT kept, END ends */
	while (!ended) {
		got = read(fd, chunk, sizeof(chunk));
		if (got == 0) {
			cause_set(cause, "%s closed the connection before the "
			    "end of the answer", addr);
			goto out;
		}
		if (got < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				cause_set(cause, "reading from %s: %s", addr,
				    strerror(errno));
				goto out;
			}
			if (fcgic_wait(fd, POLLIN, deadline, addr, cause) != 0)
				goto out;
			continue;
		}
		if (buf_add(&in, chunk, (size_t)got) != ST_OK) {
			cause_set(cause, "the answer is too large");
			goto out;
		}
		off = 0;
		while (in.len - off >= 8) {
			const unsigned char *h = (const unsigned char *)in.data + off;

			clen = ((size_t)h[4] << 8) | h[5];
			pad = h[6];
			if (in.len - off < 8 + clen + pad)
				break;
			if (h[1] == FCGIC_STDOUT &&
			    buf_add(&out, (const char *)h + 8, clen) != ST_OK) {
				cause_set(cause, "the answer is too large");
				goto out;
			}
			if (h[1] == FCGIC_END)
				ended = 1;
			off += 8 + clen + pad;
		}
		memmove(in.data, in.data + off, in.len - off);
		in.len -= off;
	}
	rc = fcgic_split(&out, a, cause);
out:
	if (fd != -1)
		close(fd);
	buf_cleanup(&req);
	buf_cleanup(&params);
	buf_cleanup(&in);
	buf_cleanup(&out);
	return (rc);
}
