/*
 * fcgic.h: a FastCGI client for one GET, the responder role: what
 * `bootstack-api status` uses to read the status page straight from the
 * daemon's socket, with no web server in between (so it works when nginx
 * is down or not set up, which is when an operator needs it).
 *
 * One connection, one request (no keep-alive, no multiplexing): the begin
 * record, the CGI parameters a web server would send for the URI, an
 * empty body, then the answer's FCGI_STDOUT up to FCGI_END_REQUEST. The
 * CGI "Status:" line and headers are split from the body. The whole
 * exchange is bounded by one deadline and the answer by a size cap.
 */
#ifndef LIB_FCGIC_H
#define LIB_FCGIC_H

#include "buf.h"

struct fcgic_answer {
	int		 status;	/* the CGI Status (200 if absent) */
	struct buf	 headers;	/* the CGI header lines, as sent */
	struct buf	 body;
};

void	fcgic_answer_init(struct fcgic_answer *, size_t max_body);
void	fcgic_answer_cleanup(struct fcgic_answer *);	/* safe twice */

/*
 * GETs uri ("/status?full") from the responder at addr, a unix socket
 * path or HOST:PORT, with an Accept header when accept is not NULL, within
 * timeout_ms. 0 with *a filled, or -1 with *cause (caller frees).
 */
int	fcgic_get(const char *addr, const char *uri, const char *accept,
	    int timeout_ms, struct fcgic_answer *a, char **cause);

#endif
