/*
 * fcgi.c: FastCGI records in and out of one connection; see fcgi.h.
 *
 * The reader is a push parser: bytes go through fcgi_conn_feed() in any
 * slicing, one record header at a time, its content streamed into the
 * parameter or body buffer (each capped) and its padding skipped, so memory
 * follows what was really sent, never what a length field claims. The
 * parameters are decoded in place once complete: each name-value pair
 * (one- or four-byte lengths) becomes "NAME=value\0", which is never longer
 * than the pair itself, so the text moves only backwards in the buffer.
 *
 * Rules a request must follow (a breach is FCGI_PROTOCOL and no answer):
 * version 1; FCGI_BEGIN_REQUEST first, with the responder role (another
 * role gets FCGI_END_REQUEST/FCGI_UNKNOWN_ROLE); then FCGI_PARAMS records of
 * that request id to an empty one; then FCGI_STDIN to an empty one. A name
 * is non-empty and holds neither '=' nor NUL; a value holds no NUL. A
 * second request on the connection (multiplexing), FCGI_DATA and records a
 * web server never sends are errors; FCGI_ABORT_REQUEST of the request
 * ends it. Management records are answered, at most FCGI_MGMT_MAX of them.
 */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "fcgi.h"

#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_DATA		8
#define FCGI_GET_VALUES		9
#define FCGI_GET_VALUES_RESULT	10
#define FCGI_UNKNOWN_TYPE	11
#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1
#define FCGI_REQUEST_COMPLETE	0
#define FCGI_UNKNOWN_ROLE	3
#define FCGI_MGMT_MAX		8	/* management records per connection */
#define FCGI_CONTENT_MAX	65535	/* per record */
#define FCGI_IOV_MAX		256	/* iovecs per writev (IOV_MAX is 1024) */

/* See fcgi.h. */
void
fcgi_conn_init(struct fcgi_conn *c, size_t params_max, size_t body_max)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->params_max = params_max;
	buf_init(&c->params, params_max);
	buf_init(&c->body, body_max);
}

/* See fcgi.h. */
void
fcgi_conn_cleanup(struct fcgi_conn *c)
{
	buf_cleanup(&c->params);
	buf_cleanup(&c->body);
	free(c->env);
	c->env = NULL;
	c->envcap = 0;
}

/* See fcgi.h. */
void
fcgi_conn_start(struct fcgi_conn *c, int fd)
{
	c->fd = fd;
	c->stage = FCGI_STAGE_BEGIN;
	c->id = 0;
	c->keep_conn = 0;
	c->trailing = 0;
	c->body_toobig = 0;
	c->body_len = 0;
	buf_reset(&c->params);
	buf_reset(&c->body);
	if (c->env != NULL)
		c->env[0] = NULL;
	c->hdr_have = 0;
	c->content_left = 0;
	c->padding_left = 0;
	c->small_have = 0;
	c->mgmt = 0;
	c->why[0] = '\0';
}

/* Records why the stream is refused; returns FCGI_PROTOCOL. */
static enum fcgi_result
fcgi_refuse(struct fcgi_conn *c, const char *why)
{
	snprintf(c->why, sizeof(c->why), "%s", why);
	return (FCGI_PROTOCOL);
}

/* Fills a record header. */
static void
fcgi_header(unsigned char *h, unsigned int type, unsigned int id, size_t len,
    unsigned int padding)
{
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)padding;
	h[7] = 0;
}

/*
 * Writes all of iov (changed as it goes). Waits for a full socket until
 * deadline_ms; -1 = give up at once. ST_OK, ST_TIMEOUT or ST_IO.
 */
static enum st
fcgi_writev_all(int fd, struct iovec *iov, int n, long long deadline_ms)
{
	struct pollfd	 pfd;
	ssize_t		 w;
	long long	 left;

	while (n > 0) {
		if (iov->iov_len == 0) {
			iov++;
			n--;
			continue;
		}
		w = writev(fd, iov, n > FCGI_IOV_MAX ? FCGI_IOV_MAX : n);
		if (w >= 0) {
			while (n > 0 && (size_t)w >= iov->iov_len) {
				w -= (ssize_t)iov->iov_len;
				iov++;
				n--;
			}
			if (n > 0) {
				iov->iov_base = (char *)iov->iov_base + w;
				iov->iov_len -= (size_t)w;
			}
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (ST_IO);
		if (deadline_ms < 0 || (left = deadline_ms - clock_ms()) <= 0)
			return (ST_TIMEOUT);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, left > 60000 ? 60000 : (int)left) == -1 &&
		    errno != EINTR)
			return (ST_IO);
	}
	return (ST_OK);
}

/* Sends one small record (management answers, end of request); no wait. */
static void
fcgi_send(struct fcgi_conn *c, unsigned int type, unsigned int id,
    const void *body, size_t len)
{
	unsigned char	 h[8], pad[8] = { 0 };
	struct iovec	 iov[3];
	unsigned int	 p = (unsigned int)((8 - len % 8) % 8);

	if (c->fd < 0)
		return;
	fcgi_header(h, type, id, len, p);
	iov[0].iov_base = h;
	iov[0].iov_len = 8;
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = len;
	iov[2].iov_base = pad;
	iov[2].iov_len = p;
	(void)fcgi_writev_all(c->fd, iov, 3, -1);
}

/* Sends FCGI_END_REQUEST with a protocol status. */
static void
fcgi_send_end(struct fcgi_conn *c, unsigned int protocol_status)
{
	unsigned char	 body[8] = { 0 };

	body[4] = (unsigned char)protocol_status;
	fcgi_send(c, FCGI_END_REQUEST, c->id, body, sizeof(body));
}

/* Reads one name or value length at *p (one or four bytes); -1 if short. */
static long
fcgi_len(const unsigned char **p, const unsigned char *end)
{
	long	 n;

	if (*p >= end)
		return (-1);
	if ((**p & 0x80) == 0)
		return (*(*p)++);
	if (end - *p < 4)
		return (-1);
	n = ((long)((*p)[0] & 0x7f) << 24) | ((long)(*p)[1] << 16) |
	    ((long)(*p)[2] << 8) | (long)(*p)[3];
	*p += 4;
	return (n);
}

/* Decodes the raw name-value pairs into "NAME=value" strings, in place. */
static enum fcgi_result
fcgi_decode_params(struct fcgi_conn *c)
{
	unsigned char	*base = (unsigned char *)c->params.data;
	const unsigned char *p = base, *end = base + c->params.len;
	size_t		 q = 0, n = 0;
	long		 nl, vl;
	char		**env;

	if (base == NULL) {
		/* no parameters at all: an empty environment */
		if (buf_add(&c->params, "", 0) != ST_OK)
			return (fcgi_refuse(c, "out of memory"));
		base = (unsigned char *)c->params.data;
		p = end = base;
	}
	while (p < end) {
		if ((nl = fcgi_len(&p, end)) < 0 || (vl = fcgi_len(&p, end)) < 0 ||
		    nl > end - p || vl > end - p - nl)
			return (fcgi_refuse(c, "a parameter runs past its record"));
		if (nl == 0 || memchr(p, '=', (size_t)nl) != NULL ||
		    memchr(p, '\0', (size_t)nl) != NULL ||
		    memchr(p + nl, '\0', (size_t)vl) != NULL)
			return (fcgi_refuse(c, "a parameter name is empty or "
			    "holds '=' or NUL, or its value NUL"));
		if (n + 2 > c->envcap) {
			size_t want = c->envcap == 0 ? 64 : c->envcap * 2;
			if ((env = realloc(c->env, want * sizeof(*env))) == NULL)
				return (fcgi_refuse(c, "out of memory"));
			c->env = env;
			c->envcap = want;
		}
		/* output at q never passes input at p: see the file comment */
		memmove(base + q, p, (size_t)nl);
		base[q + (size_t)nl] = '=';
		memmove(base + q + (size_t)nl + 1, p + nl, (size_t)vl);
		base[q + (size_t)nl + 1 + (size_t)vl] = '\0';
		c->env[n++] = (char *)base + q;
		q += (size_t)nl + (size_t)vl + 2;
		p += nl + vl;
	}
	if (c->envcap == 0) {
		if ((c->env = malloc(sizeof(*c->env))) == NULL)
			return (fcgi_refuse(c, "out of memory"));
		c->envcap = 1;
	}
	c->env[n] = NULL;
	return (FCGI_AGAIN);
}

/* Answers a management record held in c->small. */
static enum fcgi_result
fcgi_management(struct fcgi_conn *c, size_t len)
{
	static const char *const known[][2] = {
		{ "FCGI_MAX_CONNS", "1" },
		{ "FCGI_MAX_REQS", "1" },
		{ "FCGI_MPXS_CONNS", "0" },
	};
	unsigned char	 out[256], ut[8] = { 0 };
	const unsigned char *p = c->small, *end = c->small + len;
	size_t		 o = 0, k, kl;
	long		 nl, vl;

	if (++c->mgmt > FCGI_MGMT_MAX)
		return (fcgi_refuse(c, "too many management records"));
	if (c->type != FCGI_GET_VALUES) {
		ut[0] = (unsigned char)c->type;
		fcgi_send(c, FCGI_UNKNOWN_TYPE, 0, ut, sizeof(ut));
		return (FCGI_AGAIN);
	}
	while (p < end) {
		if ((nl = fcgi_len(&p, end)) < 0 || (vl = fcgi_len(&p, end)) < 0 ||
		    nl > end - p || vl > end - p - nl)
			return (fcgi_refuse(c, "a malformed FCGI_GET_VALUES"));
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			kl = strlen(known[k][0]);
			if ((size_t)nl == kl && memcmp(p, known[k][0], kl) == 0 &&
			    o + kl + 3 <= sizeof(out)) {
				out[o++] = (unsigned char)kl;
				out[o++] = 1;
				memcpy(out + o, known[k][0], kl);
				o += kl;
				out[o++] = (unsigned char)known[k][1][0];
			}
		}
		p += nl + vl;
	}
	fcgi_send(c, FCGI_GET_VALUES_RESULT, 0, out, o);
	return (FCGI_AGAIN);
}

/*
 * A record header is complete: checks it against the stage. Returns
 * FCGI_AGAIN to go on reading its content, or a final result.
 */
static enum fcgi_result
fcgi_on_header(struct fcgi_conn *c)
{
	unsigned int	 id = ((unsigned int)c->hdr[2] << 8) | c->hdr[3];
	size_t		 len = ((size_t)c->hdr[4] << 8) | c->hdr[5];

	if (c->hdr[0] != FCGI_VERSION_1)
		return (fcgi_refuse(c, "not FastCGI version 1"));
	c->type = c->hdr[1];
	c->content_left = len;
	c->padding_left = c->hdr[6];
	c->small_have = 0;
	if (id == 0) {
		/* management: FCGI_GET_VALUES, or a type answered as unknown */
		if (c->type < FCGI_GET_VALUES)
			return (fcgi_refuse(c, "a request record with id 0"));
		if (c->type == FCGI_GET_VALUES && len > sizeof(c->small))
			return (fcgi_refuse(c, "a management record too long"));
		return (FCGI_AGAIN);
	}
	if (c->stage == FCGI_STAGE_BEGIN) {
		if (c->type != FCGI_BEGIN_REQUEST || len != 8)
			return (fcgi_refuse(c, "the first record is not "
			    "FCGI_BEGIN_REQUEST"));
		c->id = id;
		return (FCGI_AGAIN);
	}
	if (id != c->id)
		return (fcgi_refuse(c, c->type == FCGI_BEGIN_REQUEST ?
		    "a second request on the connection (multiplexing)" :
		    "a record of another request id"));
	switch (c->type) {
	case FCGI_ABORT_REQUEST:
		return (FCGI_AGAIN);	/* acted on once its content is read */
	case FCGI_PARAMS:
		if (c->stage != FCGI_STAGE_PARAMS)
			return (fcgi_refuse(c, "FCGI_PARAMS after their end"));
		if (len > c->params_max - c->params.len) {
			snprintf(c->why, sizeof(c->why), "the parameters pass "
			    "%zu bytes", c->params_max);
			return (FCGI_TOOBIG);
		}
		return (FCGI_AGAIN);
	case FCGI_STDIN:
		if (c->stage != FCGI_STAGE_STDIN)
			return (fcgi_refuse(c, "FCGI_STDIN before the end of "
			    "the parameters"));
		return (FCGI_AGAIN);
	default:
		return (fcgi_refuse(c, "a record type a web server does not "
		    "send"));
	}
}

/*
 * The content of the current record is complete (or, for stream records,
 * was delivered as it came): acts on its end.
 */
static enum fcgi_result
fcgi_on_end(struct fcgi_conn *c, size_t len)
{
	unsigned int	 role;

	if ((((unsigned int)c->hdr[2] << 8) | c->hdr[3]) == 0)
		return (fcgi_management(c, c->small_have < len ? c->small_have :
		    len));
	switch (c->type) {
	case FCGI_BEGIN_REQUEST:
		role = ((unsigned int)c->small[0] << 8) | c->small[1];
		c->keep_conn = (c->small[2] & FCGI_KEEP_CONN) != 0;
		if (role != FCGI_RESPONDER) {
			fcgi_send_end(c, FCGI_UNKNOWN_ROLE);
			return (fcgi_refuse(c, "a role other than responder"));
		}
		c->stage = FCGI_STAGE_PARAMS;
		return (FCGI_AGAIN);
	case FCGI_ABORT_REQUEST:
		snprintf(c->why, sizeof(c->why), "FCGI_ABORT_REQUEST");
		return (FCGI_ABORTED);
	case FCGI_PARAMS:
		if (len > 0)
			return (FCGI_AGAIN);
		c->stage = FCGI_STAGE_STDIN;
		return (fcgi_decode_params(c));
	case FCGI_STDIN:
		if (len > 0)
			return (FCGI_AGAIN);
		c->stage = FCGI_STAGE_DONE;
		return (FCGI_DONE);
	default:
		return (fcgi_refuse(c, "an unexpected record"));
	}
}

/* Takes content bytes of the current record. */
static enum fcgi_result
fcgi_on_content(struct fcgi_conn *c, const unsigned char *p, size_t n)
{
	unsigned int	 id = ((unsigned int)c->hdr[2] << 8) | c->hdr[3];

	if (id == 0 || c->type == FCGI_BEGIN_REQUEST ||
	    c->type == FCGI_ABORT_REQUEST) {
		if (n > sizeof(c->small) - c->small_have)
			n = sizeof(c->small) - c->small_have;	/* unknown type */
		memcpy(c->small + c->small_have, p, n);
		c->small_have += n;
		return (FCGI_AGAIN);
	}
	if (c->type == FCGI_PARAMS) {
		if (buf_add(&c->params, p, n) != ST_OK)
			return (fcgi_refuse(c, "out of memory"));
		return (FCGI_AGAIN);
	}
	/* FCGI_STDIN */
	c->body_len += n;
	if (!c->body_toobig && buf_add(&c->body, p, n) != ST_OK) {
		c->body_toobig = 1;
		buf_reset(&c->body);
	}
	return (FCGI_AGAIN);
}

/* See fcgi.h. */
enum fcgi_result
fcgi_conn_feed(struct fcgi_conn *c, const unsigned char *p, size_t len,
    size_t *used)
{
	size_t		 off = 0, n;
	enum fcgi_result rc;

	*used = 0;
	while (off < len) {
		if (c->stage == FCGI_STAGE_DONE)
			break;
		if (c->hdr_have < 8) {
			n = 8 - c->hdr_have;
			if (n > len - off)
				n = len - off;
			memcpy(c->hdr + c->hdr_have, p + off, n);
			c->hdr_have += n;
			off += n;
			if (c->hdr_have < 8)
				break;
			if ((rc = fcgi_on_header(c)) != FCGI_AGAIN)
				goto out;
			if (c->content_left == 0 &&
			    (rc = fcgi_on_end(c, 0)) != FCGI_AGAIN)
				goto done;
			continue;
		}
		if (c->content_left > 0) {
			n = c->content_left < len - off ? c->content_left :
			    len - off;
			if ((rc = fcgi_on_content(c, p + off, n)) != FCGI_AGAIN)
				goto out;
			off += n;
			c->content_left -= n;
			if (c->content_left == 0 && (rc = fcgi_on_end(c,
			    ((size_t)c->hdr[4] << 8) | c->hdr[5])) != FCGI_AGAIN)
				goto done;
			continue;
		}
		if (c->padding_left > 0) {
			n = c->padding_left < len - off ? c->padding_left :
			    len - off;
			off += n;
			c->padding_left -= n;
		}
		if (c->padding_left == 0)
			c->hdr_have = 0;
	}
	*used = off;
	return (c->stage == FCGI_STAGE_DONE ? FCGI_DONE : FCGI_AGAIN);
done:
	if (rc == FCGI_DONE) {
		/* the empty FCGI_STDIN may carry padding; nothing follows */
		c->hdr_have = 0;
		c->padding_left = 0;
	}
out:
	*used = off;
	return (rc);
}

/* See fcgi.h. */
enum fcgi_result
fcgi_conn_read(struct fcgi_conn *c)
{
	unsigned char	 chunk[FCGI_READ_CHUNK];
	enum fcgi_result rc;
	ssize_t		 n;
	size_t		 used;

	for (;;) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (FCGI_AGAIN);
			snprintf(c->why, sizeof(c->why), "read: %s",
			    strerror(errno));
			return (FCGI_EOF);
		}
		if (n == 0) {
			snprintf(c->why, sizeof(c->why), "the peer closed "
			    "the connection mid-request");
			return (FCGI_EOF);
		}
		rc = fcgi_conn_feed(c, chunk, (size_t)n, &used);
		if (rc == FCGI_DONE)
			c->trailing = used < (size_t)n;
		if (rc != FCGI_AGAIN)
			return (rc);
	}
}

/* See fcgi.h. */
enum st
fcgi_conn_answer(struct fcgi_conn *c, const char *data, size_t len,
    long long deadline_ms)
{
	unsigned char	 heads[FCGI_IOV_MAX][8], tail[24];
	struct iovec	 iov[2 * FCGI_IOV_MAX + 2];
	size_t		 off = 0, chunk;
	int		 n = 0, h = 0;
	enum st		 st;

	while (off < len) {
		chunk = len - off > FCGI_CONTENT_MAX ? FCGI_CONTENT_MAX :
		    len - off;
		if (h == FCGI_IOV_MAX) {
			/* a very long answer: send what is framed so far */
			if ((st = fcgi_writev_all(c->fd, iov, n,
			    deadline_ms)) != ST_OK)
				return (st);
			n = h = 0;
		}
		fcgi_header(heads[h], FCGI_STDOUT, c->id, chunk, 0);
		iov[n].iov_base = heads[h++];
		iov[n++].iov_len = 8;
		iov[n].iov_base = (void *)(data + off);
		iov[n++].iov_len = chunk;
		off += chunk;
	}
	fcgi_header(tail, FCGI_STDOUT, c->id, 0, 0);
	fcgi_header(tail + 8, FCGI_END_REQUEST, c->id, 8, 0);
	memset(tail + 16, 0, 8);	/* appStatus 0, FCGI_REQUEST_COMPLETE */
	iov[n].iov_base = tail;
	iov[n++].iov_len = sizeof(tail);
	return (fcgi_writev_all(c->fd, iov, n, deadline_ms));
}

/* See fcgi.h. */
void
fcgi_conn_end(struct fcgi_conn *c)
{
	fcgi_send_end(c, FCGI_REQUEST_COMPLETE);
}

/* See fcgi.h. */
const char *
fcgi_param(const struct fcgi_conn *c, const char *name)
{
	size_t	 nl = strlen(name);
	char	**e;

	if (c->env == NULL || c->stage < FCGI_STAGE_STDIN)
		return (NULL);
	for (e = c->env; *e != NULL; e++)
		if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=')
			return (*e + nl + 1);
	return (NULL);
}
