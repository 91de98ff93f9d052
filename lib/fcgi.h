/*
 * fcgi.h: the FastCGI protocol (version 1, responder role) on one
 * connection that carries one request at a time, read without ever
 * blocking.
 *
 * A connection is fed by fcgi_conn_read() whenever its socket is readable:
 * it reads what is there, parses the records as they arrive (a record may
 * be split anywhere) and says FCGI_AGAIN until the request is complete:
 * FCGI_BEGIN_REQUEST, the parameters up to their empty record, the body
 * (FCGI_STDIN) up to its empty record. Only then does a handler run, so an
 * abort (FCGI_ABORT_REQUEST), a stream error or a short read never reaches
 * one. The parameters are capped as a whole (params_max) and the body by
 * its own buffer's cap; a body over the cap is read on to its end and
 * dropped (c->body_toobig), so the answer (413) can still be sent cleanly.
 *
 * The answer goes out as FCGI_STDOUT records, the empty FCGI_STDOUT and
 * FCGI_END_REQUEST, in one writev() when the socket takes it; past that it
 * waits with poll() until a deadline. Connection keep-alive (FCGI_KEEP_CONN)
 * is recorded in c->keep_conn; the caller decides: to keep the connection
 * it calls fcgi_conn_start() again on the same descriptor.
 * Management records (request id 0) are answered: FCGI_GET_VALUES with
 * FCGI_MAX_CONNS, FCGI_MAX_REQS and FCGI_MPXS_CONNS, anything else with
 * FCGI_UNKNOWN_TYPE. The protocol: https://fastcgi-archives.github.io/
 * FastCGI_Specification.html
 */
#ifndef LIB_FCGI_H
#define LIB_FCGI_H

#include <stddef.h>

#include "buf.h"
#include "st.h"

#define FCGI_READ_CHUNK	16384	/* bytes read per read(2) */

enum fcgi_result {
	FCGI_AGAIN,		/* complete so far: wait for the socket, call again */
	FCGI_DONE,		/* the request is complete: c->env and c->body */
	FCGI_EOF,		/* the peer closed (or the read failed) mid-request */
	FCGI_PROTOCOL,		/* malformed or out-of-order records: c->why */
	FCGI_ABORTED,		/* FCGI_ABORT_REQUEST: answer nothing */
	FCGI_TOOBIG,		/* the parameters passed params_max */
};

/* The stage the request is in, as the caller's deadlines need it. */
enum fcgi_stage {
	FCGI_STAGE_BEGIN,	/* nothing yet */
	FCGI_STAGE_PARAMS,	/* FCGI_BEGIN_REQUEST read */
	FCGI_STAGE_STDIN,	/* the parameters are complete */
	FCGI_STAGE_DONE,	/* the body is complete */
};

struct fcgi_conn {
	int		 fd;		/* the connection, non-blocking; borrowed */
	enum fcgi_stage	 stage;
	unsigned int	 id;		/* request id of FCGI_BEGIN_REQUEST */
	int		 keep_conn;	/* the peer asked for FCGI_KEEP_CONN */
	int		 trailing;	/* bytes came after the request's end */
	int		 body_toobig;	/* the body passed body.max: dropped */
	unsigned long long body_len;	/* bytes of body received, kept or not */
	size_t		 params_max;	/* cap on the raw parameter bytes */
	struct buf	 params;	/* raw name-value pairs, then the env text */
	struct buf	 body;		/* the request body, capped */
	char		**env;		/* NULL-ended "NAME=value"; into params */
	size_t		 envcap;	/* slots allocated in env */
	unsigned char	 hdr[8];	/* the record header being read */
	size_t		 hdr_have;	/* bytes of hdr read */
	unsigned int	 type;		/* type of the record being read */
	size_t		 content_left;	/* content bytes of it still to come */
	size_t		 padding_left;	/* then padding bytes */
	unsigned char	 small[512];	/* content of a begin/management record */
	size_t		 small_have;
	unsigned int	 mgmt;		/* management records seen */
	char		 why[128];	/* what was wrong, for the log */
};

/*
 * Prepares c for connections: params_max caps the parameters, body_max the
 * kept body. c keeps its buffers from one connection to the next.
 */
void		 fcgi_conn_init(struct fcgi_conn *, size_t params_max,
		    size_t body_max);
void		 fcgi_conn_cleanup(struct fcgi_conn *);	/* frees; safe twice */
/* Starts on a new connection (fd: non-blocking, borrowed). */
void		 fcgi_conn_start(struct fcgi_conn *, int fd);
/*
 * Reads what the socket holds and parses it; see enum fcgi_result. After
 * FCGI_DONE, c->env is valid until the next fcgi_conn_start(), and
 * c->trailing says whether bytes came after the request (a second request
 * sent before the first's answer, which no web server does): they are
 * not kept, so such a connection cannot be kept either.
 */
enum fcgi_result fcgi_conn_read(struct fcgi_conn *);
/*
 * Parses and processes bytes as if read from the socket (fcgi_conn_read's
 * core; for tests and fuzzing). *used gets how many were consumed; bytes
 * after the end of the request are left.
 */
enum fcgi_result fcgi_conn_feed(struct fcgi_conn *, const unsigned char *,
		    size_t len, size_t *used);
/*
 * Writes the answer (CGI text: Status line, headers, body) and ends the
 * request. Waits for a full socket until deadline_ms (monotonic ms, -1 =
 * no wait; clock_ms). ST_OK, ST_TIMEOUT, or ST_IO (errno kept).
 */
enum st		 fcgi_conn_answer(struct fcgi_conn *, const char *, size_t,
		    long long deadline_ms);
/* Ends the request with no output (after an abort). Never waits. */
void		 fcgi_conn_end(struct fcgi_conn *);
/* A parameter's value by name; borrowed, or NULL. Valid after FCGI_DONE. */
const char	*fcgi_param(const struct fcgi_conn *, const char *name);

#endif
