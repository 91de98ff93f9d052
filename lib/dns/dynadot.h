/*
 * dynadot.h: the Dynadot backend of lib/dns.h, on the legacy api3 JSON API
 * (get_dns, set_dns2). See dynadot.c for the design and the caveats.
 *
 * Only lib/dns/dns_providers.c names this backend (lib/dns/dns.c knows
 * none);
 * the parsers, the request builder and the scrubber are public for
 * tests/unit/check_dns.c.
 */
#ifndef LIB_DNS_DYNADOT_H
#define LIB_DNS_DYNADOT_H

#include <stddef.h>

#include <json-c/json.h>

#include "dns.h"
#include "st.h"

struct buf;
struct config;

#define DYNADOT_MAX_REPLY	(1024 * 1024)	/* bytes of one api3 reply */
#define DYNADOT_MAX_MAIN	20	/* apex records set_dns2 takes (0..19) */
#define DYNADOT_MAX_SUB		100	/* subdomain records (0..99) */

/*
 * Fills *p from [dynadot] (api_url, key, timeout, retries, retry_delay,
 * min_interval). The key is required; an http:// api_url is accepted only
 * for a loopback host (the key travels in the query string). ST_OK, or
 * ST_BADREQ with *cause.
 */
enum st	 dynadot_provider_new(const struct config *,
	    struct dns_provider *p, char **cause);

/*
 * Checks the api3 envelope of a reply to command ("get_dns"): the
 * "<Command>Response" object, its ResponseCode or SuccessCode (string or
 * number, possibly one level down in a "...Header" object) and Status.
 * ST_OK with *resp borrowed from root; else ST_UPSTREAM with *cause
 * holding Dynadot's own Error text and the operator's action, and
 * *transient set when a retry may help (classed by Status and
 * ResponseCode: see dynadot_errors in dynadot.c; a reply that is not
 * api3 JSON at all is transient too).
 */
enum st	 dynadot_check_reply(json_object *root, const char *command,
	    json_object **resp, int *transient, char **cause);
/*
 * Parses a get_dns reply body into *z (initialised by the call; z->name
 * = zone). ST_OK; ST_UPSTREAM / transient as dynadot_check_reply;
 * ST_UNPROCESSABLE when the zone holds a record type or a field this code
 * does not know, more records than set_dns2 can write back, or is not
 * served by Dynadot DNS: rewriting it would lose data.
 */
enum st	 dynadot_parse_zone(const char *body, size_t len,
	    const char *zone, struct dns_zone *z, int *transient,
	    char **cause);
/*
 * Appends the set_dns2 parameters that make the zone equal to z
 * ("command=set_dns2&domain=...&main_record_type0=a&..."; no key) to q.
 * ST_OK, ST_UNPROCESSABLE (too many records, a type set_dns2 cannot
 * write) or ST_TOOBIG / ST_NOMEM.
 */
enum st	 dynadot_set_dns2_query(const struct dns_zone *z, struct buf *q,
	    char **cause);
/*
 * Copy of text with every occurrence of secret (as is and URL-encoded)
 * and every "key=..." query parameter value replaced by "(hidden)".
 * Caller frees; NULL on ENOMEM. secret may be NULL or "". The provider's
 * scrub op is this with the configured key.
 */
char	*dynadot_scrub(const char *text, const char *secret);

#endif
