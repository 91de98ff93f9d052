/*
 * acme_int.h: what the files of lib/acme/ share and nobody else sees: the
 * client's state, one HTTP reply, and the helpers the protocol steps
 * (acme.c) call in the parsers (acme_parse.c) and the transport
 * (acme_http.c). The public contract is lib/acme.h.
 */
#ifndef LIB_ACME_ACME_INT_H
#define LIB_ACME_ACME_INT_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "acme.h"
#include "buf.h"

struct httpc;

#define ACME_JSON_DEPTH		16	/* nesting cap of CA replies */
#define ACME_MAX_AUTHZ		100	/* authorizations per order */
#define ACME_MAX_TOKEN		256	/* challenge token length */
#define ACME_MAX_HEADER		8192	/* one reply header value */
#define ACME_POLL_FIRST_MS	100	/* first polling interval */
#define ACME_POLL_MAX_MS	5000	/* back-off ceiling */

struct acme {
	char		*dir_url;	/* the directory, from the config */
	long		 timeout;	/* seconds per request */
	long		 poll_timeout;	/* seconds per poll loop */
	size_t		 max_reply;	/* reply body cap */
	int		 nonce_retries;	/* badNonce retries per request */
	struct httpc	*http;		/* reused: keeps the connection */
	char		*nonce;		/* next Replay-Nonce to use, or NULL */
	char		*u_nonce;	/* directory: newNonce */
	char		*u_account;	/* newAccount */
	char		*u_order;	/* newOrder */
	char		*u_revoke;	/* revokeCert */
	char		*u_keychange;	/* keyChange, NULL if not offered */
	char		*u_ari;		/* renewalInfo, NULL without ARI */
	char		*terms;		/* meta.termsOfService */
	char		**profiles;	/* meta.profiles names (the profiles
					   draft), or NULL */
	size_t		 nprofiles;
	int		 eab_required;	/* meta.externalAccountRequired */
	EVP_PKEY	*key;		/* account key, borrowed */
	char		*jwk;		/* its canonical JWK */
	char		*thumbprint;	/* its RFC 7638 thumbprint */
	char		*kid;		/* account URL */
	time_t		 rl_until;	/* a rateLimited reply: retry after */
};

/* One HTTP reply. */
struct acme_reply {
	struct acme	 *a;		/* where Replay-Nonce goes */
	long		  code;		/* HTTP status */
	struct buf	  body;		/* capped body */
	int		  toobig;	/* the body hit the cap */
	char		 *location;	/* Location header */
	char		 *retry_after;	/* Retry-After header */
	char		**links;	/* Link rel="alternate" targets */
	size_t		  nlinks;
};

/* --- acme_parse.c ------------------------------------------------------- */
/* Fills p from a parsed problem object; 0 if it has a type. */
int	acme_problem_from(json_object *obj, struct acme_problem *p);
/* True if the problem type ends with the ACME error name. */
int	acme_problem_is(const struct acme_problem *p, const char *name);

/* --- acme.c ------------------------------------------------------------ */
/*
 * Makes key (borrowed) the account key: its JWK and thumbprint; forgets
 * the account URL. ST_OK, or an error with *cause.
 */
enum st	acme_key_set(struct acme *a, EVP_PKEY *key, char **cause);

/* --- acme_http.c -------------------------------------------------------- */
/*
 * Turns an error reply into *cause: "what: TYPE: DETAIL [subproblems]
 * (HTTP n[, retry after n s])". ST_RATELIMIT for rateLimited or 429,
 * else ST_UPSTREAM.
 */
enum st	acme_fail_reply(struct acme_reply *r, const char *what, char **cause);
/*
 * One HTTP exchange: method is "GET", "HEAD" or "POST" (body is then a JWS).
 * ST_OK whatever the HTTP status (r->code); an error only when no reply
 * came: ST_UNAVAILABLE (connection, TLS, timeout) or ST_TOOBIG.
 */
enum st	acme_http(struct acme *a, const char *method, const char *url,
	    const char *body, const char *accept, struct acme_reply *r,
	    char **cause);
/* Adds a string member; -1 on ENOMEM. */
int	acme_obj_str(json_object *obj, const char *key, const char *val);
/* An object's JSON text (caller frees); NULL on ENOMEM. */
char	*acme_obj_text(json_object *obj);
/*
 * POST-as-GETs url until its "status" is not one of waiting ("pending|
 * processing"), honouring Retry-After, else backing off from 100 ms to 5 s,
 * for at most poll_timeout seconds. *out: the last object (caller puts).
 */
enum st	acme_poll(struct acme *a, const char *url, const char *what,
	    const char *waiting, json_object **out, char **cause);
/*
 * A signed POST of payload (NULL: POST-as-GET, 6.3) to url. A badNonce is
 * retried at once with the nonce it carried, at most nonce_retries times.
 * ST_OK whatever the final HTTP status; r holds the reply.
 */
enum st	acme_post(struct acme *a, const char *url, const char *payload,
	    int use_jwk, const char *accept, struct acme_reply *r,
	    char **cause);
/* Frees what r holds; r can be used again afterwards. */
void	acme_reply_cleanup(struct acme_reply *r);
/* Prepares r for a request of a. */
void	acme_reply_init(struct acme_reply *r, struct acme *a);
/* Parses the reply body as a JSON object; *out is the caller's. */
enum st	acme_reply_json(struct acme_reply *r, const char *what,
	    json_object **out, char **cause);

#endif
