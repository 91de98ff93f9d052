/*
 * acme.h: an ACME v2 client (RFC 8555) on libcurl and lib/crypto.
 *
 * One struct acme is one conversation with one CA: the directory (RFC 8555
 * section 7.1.1), a Replay-Nonce pool of one (7.2), the account (7.3) and a
 * reused curl handle, so every request after the first rides the same TLS
 * connection. Orders (7.4) are plain structs the caller owns and may
 * persist by URL: acme_order_fetch() picks a pending order up again on the
 * next cron run.
 *
 * A typical issuance:
 *
 *	a = acme_new(&cfg, &cause);
 *	acme_directory(a, &cause);
 *	acme_account(a, account_key, &acct, &cause);
 *	acme_order_new(a, names, n, NULL, &order, &cause);   (or _fetch)
 *	acme_order_authorize(a, &order, solvers, nsolvers, &cause);
 *	acme_order_finalize(a, &order, csr, csrlen, &cause);
 *	acme_cert_download(a, &order, preferred_chain, &pem, &len, &cause);
 *	acme_free(a);
 *
 * Errors: every call returns an enum st and, on failure, sets *cause (caller
 * frees) to one line naming the step and the object (order or authz URL and
 * identifier), the server's problem document type and detail, and the
 * subproblems: "authz https://ca/authz/7 (www.example.com): challenge
 * http-01 invalid: urn:ietf:params:acme:error:connection: ...". ST_RATELIMIT
 * means the CA said rateLimited (or HTTP 429); the line then carries the
 * Retry-After. ST_UNAVAILABLE means the CA could not be reached. Replies are
 * capped (acme_config.max_reply) and parsed strictly: an oversized or
 * malformed reply is an error that names the URL, never a crash.
 *
 * Retries are bounded: a badNonce is retried at once with the nonce the
 * error carried, at most nonce_retries times per request (RFC 8555 6.5);
 * polling an authorization or order honours Retry-After, else backs off
 * from 100 ms doubling to 5 s, and gives up after poll_timeout seconds.
 */
#ifndef LIB_ACME_H
#define LIB_ACME_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "st.h"

#define ACME_MAX_REPLY		(1024 * 1024)	/* default reply cap, bytes */
#define ACME_NONCE_RETRIES	20		/* default badNonce retries */

struct acme_config {
	const char	*directory_url;	/* https://.../directory */
	const char	*ca_bundle;	/* extra PEM CA file to trust; NULL = system */
	long		 timeout;	/* seconds per HTTP request; 0 = 30 */
	long		 poll_timeout;	/* seconds to wait on one authz/order; 0 = 120 */
	size_t		 max_reply;	/* reply cap in bytes; 0 = ACME_MAX_REPLY */
	int		 nonce_retries;	/* badNonce retries; 0 = ACME_NONCE_RETRIES */
	const char	*user_agent;	/* NULL = "bootstack/VERSION" */
};

struct acme_account_opts {
	const char	*email;		/* contact, without "mailto:"; NULL = none */
	int		 agree_tos;	/* the operator agreed to the CA's terms */
	const char	*eab_kid;	/* external account binding key id, or NULL */
	const char	*eab_hmac_key;	/* its base64url MAC key, or NULL */
	int		 only_existing;	/* onlyReturnExisting (7.3.1): find the
					   key's account, never create one */
};

/* An account object (RFC 8555 7.1.2), as far as the client reads it. */
struct acme_account_info {
	char		 *status;	/* valid, deactivated, revoked */
	char		**contact;	/* "mailto:..." URIs */
	size_t		  ncontact;
	char		 *orders;	/* the orders list URL, or NULL */
};

/* An order (RFC 8555 7.1.3), as far as the client needs it. */
struct acme_order {
	char		 *url;		/* the order's URL (Location of newOrder) */
	char		 *status;	/* pending, ready, processing, valid, invalid */
	char		 *finalize;	/* URL */
	char		 *certificate;	/* URL once valid, else NULL */
	char		**authz;	/* authorization URLs */
	size_t		  nauthz;
	time_t		  expires;	/* 0 if the server gave none */
	char		 *error;	/* the order's problem as text, or NULL */
};

/*
 * One challenge to make answerable, handed to a solver. Borrowed for the
 * duration of the call; copy what must outlive it.
 */
struct acme_challenge {
	const char	*type;		/* "http-01", "dns-01", ... */
	const char	*identifier;	/* "example.com" (no "*." even for a wildcard) */
	int		 wildcard;	/* the authz is for "*.identifier" */
	const char	*token;		/* the challenge token (base64url, checked) */
	const char	*key_authorization;	/* token "." thumbprint (8.1) */
	const char	*dns_value;	/* b64u(SHA-256(key_authorization)), the
					   dns-01 TXT value (8.4) */
	const char	*authz_url;	/* for error messages */
};

/*
 * The challenge hook: one solver per challenge type. acme_order_authorize()
 * walks every pending authorization of the order, picks the first solver
 * (in the caller's order) whose type the authorization offers, and then:
 *
 *   1. present() for every chosen challenge: make it answerable (HTTP-01:
 *      write the key authorization under the webroot; DNS-01: add the TXT
 *      record _acme-challenge.<identifier> = dns_value). An apex and its
 *      wildcard give two dns-01 challenges with two values on one name:
 *      present() must add, never replace.
 *   2. ready(), once per solver used, after all its present() calls: block
 *      until what was presented is visible to the CA (DNS-01: poll the
 *      authoritative servers; HTTP-01: nothing). May be NULL.
 *   3. The client tells the CA to validate, and polls the authorizations.
 *   4. cleanup(), in reverse order, for every challenge present()
 *      succeeded on that the CA is done with: all of them when the order
 *      is done (every authorization valid, or one invalid, which kills
 *      the order); else (a timeout, the CA unreachable, a rate limit) only
 *      those whose authorization became valid, and those the CA was never
 *      asked to validate. The others stay answerable: the CA may still be
 *      validating them, and the next run resumes the order (and calls
 *      present() again). May be NULL.
 *   5. stale() for an authorization that was valid when read (an earlier
 *      run solved it, or the CA reused it): remove what an earlier run may
 *      have left for that challenge, if anything; present() was not called
 *      for it in this run. May be NULL (DNS-01 keeps a journal instead).
 *
 * present() and ready() return 0, or -1 with *cause (caller frees), which
 * fails the order step with that text. cleanup() and stale() failures are
 * logged as warnings only. arg is the solver's own state (the webroot, a
 * DNS provider handle); the client never looks at it.
 */
struct acme_solver {
	const char	*type;		/* challenge type answered: "http-01" */
	int		(*present)(struct acme_solver *,
			    const struct acme_challenge *, char **cause);
	int		(*ready)(struct acme_solver *, char **cause);
	int		(*cleanup)(struct acme_solver *,
			    const struct acme_challenge *, char **cause);
	int		(*stale)(struct acme_solver *,
			    const struct acme_challenge *, char **cause);
	void		*arg;		/* solver state, borrowed */
};

/*
 * The HTTP-01 solver (acme_http01.c): writes the key authorization to
 * webroot/.well-known/acme-challenge/TOKEN (0644, atomically), which nginx
 * serves, and removes it in cleanup and stale. webroot is borrowed.
 */
void		 acme_http01_init(struct acme_solver *, const char *webroot);

/* A problem document (RFC 8555 6.7, RFC 7807). */
struct acme_problem {
	char	*type;		/* "urn:ietf:params:acme:error:badNonce", owned */
	char	*detail;	/* owned, may be NULL */
	char	*sub;		/* subproblems as "ID: type: detail; ...", or NULL */
};

/* The ARI suggested window (RFC 9773 section 4.2). */
struct acme_ari {
	time_t	 start;
	time_t	 end;
	time_t	 retry_after;	/* when to ask again (absolute), 0 if not said */
};

/*
 * The identifier type of a name (RFC 8555 7.1.4, RFC 8738): "ip" for an
 * IPv4 or IPv6 address literal, else "dns".
 */
const char	*acme_identifier_type(const char *name);
/*
 * Checks a directory URL: https://, or http:// to a loopback host only
 * (127.0.0.0/8, [::1], localhost: a test CA on this machine); the JWS
 * protects the requests, not the replies, so a plain-HTTP CA elsewhere
 * could hand out anything. 0, or -1 with *why (caller frees).
 */
int		 acme_check_directory_url(const char *, char **why);

/*
 * A client for cfg (copied); the directory URL must pass
 * acme_check_directory_url. Caller acme_free()s; NULL with *cause.
 */
struct acme	*acme_new(const struct acme_config *, char **cause);
void		 acme_free(struct acme *);		/* NULL-safe */

/* Fetches the directory (7.1.1). Needed before everything else. */
enum st		 acme_directory(struct acme *, char **cause);
/* The CA's terms of service URL, NULL if none (borrowed). */
const char	*acme_terms(const struct acme *);
/*
 * True if the directory's meta.profiles offers the profile name
 * (draft-ietf-acme-profiles: "classic", "tlsserver", "shortlived" at
 * Let's Encrypt).
 */
int		 acme_has_profile(const struct acme *, const char *name);
/* The names meta.profiles offers, *n of them (borrowed from a). */
const char *const *acme_profiles(const struct acme *, size_t *n);
/* True if the directory offers renewalInfo (ARI, RFC 9773). */
int		 acme_has_ari(const struct acme *);

/*
 * Finds or creates the account of key (borrowed; must outlive a) with
 * newAccount (7.3), agreeing to the terms when opts says so, with the
 * contact and the external account binding (7.3.4) when given.
 */
enum st		 acme_account(struct acme *, EVP_PKEY *key,
		    const struct acme_account_opts *, char **cause);
/*
 * When the CA allows trying again after its last rateLimited (or HTTP
 * 429) reply in this conversation: now + its Retry-After, else an hour;
 * 0 if none came.
 */
time_t		 acme_rate_limited_until(const struct acme *);
/* The account URL ("kid"), NULL before acme_account (borrowed). */
const char	*acme_account_url(const struct acme *);
/*
 * Uses the account at url (a URL cached from an earlier acme_account)
 * with key (borrowed), without asking the CA.
 */
enum st		 acme_account_use(struct acme *, EVP_PKEY *key,
		    const char *url, char **cause);

/* Account management (acme_account.c); each needs the account first. */
void		 acme_account_info_cleanup(struct acme_account_info *);
/* Parses an account object; 0, or -1 if it has no string "status". */
int		 acme_account_parse(const char *, size_t,
		    struct acme_account_info *);
/*
 * Reads the account object back (POST-as-GET to the account URL).
 * ST_NOTFOUND when the CA has no such account (accountDoesNotExist: a
 * stale URL); the other requests below say so the same way.
 */
enum st		 acme_account_get(struct acme *, struct acme_account_info *,
		    char **cause);
/*
 * Replaces the account's contact URIs with the n given ("mailto:..."; n 0
 * removes them all), 7.3.2; *info (may be NULL) gets the CA's reply.
 */
enum st		 acme_account_update(struct acme *, const char *const *contact,
		    size_t n, struct acme_account_info *, char **cause);
/*
 * Deactivates the account (7.3.6): the CA refuses every later request
 * signed for it, for good.
 */
enum st		 acme_account_deactivate(struct acme *, char **cause);
/*
 * Rolls the account over to newkey (7.3.5, borrowed; must outlive a):
 * the keyChange request, an inner JWS signed by newkey inside an outer
 * one signed by the old key. Afterwards a signs with newkey and the CA
 * refuses the old one. ST_CONFLICT when newkey already has an account.
 * ST_UNAVAILABLE (no answer: the connection failed or was cut) or
 * ST_TOOBIG (an unreadable one) leave the outcome unknown: the CA may
 * have made the change, so the caller keeps both keys and asks later
 * (newAccount with onlyReturnExisting for newkey); a still signs with
 * the old key. Any other error is the CA's answer: the old key stands.
 */
enum st		 acme_account_rollover(struct acme *, EVP_PKEY *newkey,
		    char **cause);

void		 acme_order_init(struct acme_order *);	/* zeroes it */
void		 acme_order_cleanup(struct acme_order *);	/* safe twice */
/*
 * Creates an order for n names (7.4): "dns" identifiers, "ip" ones for
 * address literals (RFC 8738; give them in their canonical text form, as
 * cert_load does). profile (may be NULL) is asked for only when the
 * directory offers it (acme_has_profile; else a warning, and the CA's
 * default). replaces (RFC 9773 section 5),
 * the ARI id of the certificate being renewed, may be NULL; if the CA
 * refuses the order because of it, the order is retried without.
 */
enum st		 acme_order_new(struct acme *, const char *const *names,
		    size_t n, const char *profile, const char *replaces,
		    struct acme_order *, char **cause);
/*
 * Reloads an order by URL (to resume it). ST_NOTFOUND when the CA says
 * it has no such order (HTTP 404 or 410); any other failure may pass.
 */
enum st		 acme_order_fetch(struct acme *, const char *url,
		    struct acme_order *, char **cause);
/*
 * Solves every pending authorization of the order with the solvers (see
 * struct acme_solver) and waits until all are valid (7.5, 7.5.1). Valid
 * authorizations (reused by the CA, or from an earlier run) are skipped.
 */
enum st		 acme_order_authorize(struct acme *, struct acme_order *,
		    struct acme_solver *const *solvers, size_t nsolvers,
		    char **cause);
/*
 * Sends the DER CSR to the order's finalize URL (7.4) unless the order is
 * already processing or valid, then waits for it to become valid.
 */
enum st		 acme_order_finalize(struct acme *, struct acme_order *,
		    const unsigned char *csr, size_t len, char **cause);
/*
 * Downloads the PEM chain of a valid order (7.4.2). With preferred set, the
 * default chain and the alternates (Link rel="alternate") are tried in that
 * order and the first one crypto_chain_has_issuer(preferred) accepts wins;
 * if none does, the default chain is returned. *pem: caller frees.
 */
enum st		 acme_cert_download(struct acme *, const struct acme_order *,
		    const char *preferred, char **pem, size_t *len,
		    char **cause);
/*
 * Revokes the first certificate of pem (7.6) with an RFC 5280 reason
 * code (0: none sent), signed with the account key (kid), or, when
 * cert_key is not NULL, with the certificate's own key (jwk): the way
 * when the account is lost, or the key was compromised.
 */
enum st		 acme_revoke(struct acme *, const char *pem, size_t len,
		    int reason, EVP_PKEY *cert_key, char **cause);
/*
 * The RFC 5280 5.3.1 reason code of a name ("keyCompromise",
 * "superseded", ...; "unspecified" is 0), or -1.
 */
int		 acme_revoke_reason(const char *name);
/*
 * Asks renewalInfo for the window of the certificate whose RFC 9773 id is
 * ari_id (crypto_cert.ari_id). ST_NOTFOUND if the directory has no ARI.
 */
enum st		 acme_renewal_info(struct acme *, const char *ari_id,
		    struct acme_ari *, char **cause);

/*
 * Parsers, public for the tests and for callers that read replies
 * themselves. Each takes untrusted text and never fails harder than
 * returning -1.
 */
/* Parses a problem document; 0 if it has a "type", else -1. */
int		 acme_problem_parse(const char *, size_t, struct acme_problem *);
void		 acme_problem_init(struct acme_problem *);	/* zeroes it */
void		 acme_problem_cleanup(struct acme_problem *);	/* safe twice,
								   and after _init */
/* "type: detail [subproblems]" as a new string (caller frees). */
char		*acme_problem_str(const struct acme_problem *);
/* Seconds to wait from a Retry-After value at now; -1 if unparsable. */
long		 acme_retry_after(const char *, time_t now);
/* Parses a renewalInfo reply body into *ari (retry_after untouched). */
int		 acme_ari_parse(const char *, size_t, struct acme_ari *);
/*
 * Parses an order object into *o (status, finalize, certificate, authz,
 * expires, error); o->url is left alone. 0 or -1 with *cause.
 */
int		 acme_order_parse(const char *, size_t, struct acme_order *,
		    char **cause);
/*
 * Collects the targets of Link header values with rel="alternate" (several
 * may share one header line, comma-separated). Appends to *urls and *n.
 * 0, or -1 on ENOMEM.
 */
int		 acme_link_alternates(const char *value, char ***urls,
		    size_t *n);

#endif
