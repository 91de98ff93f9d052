/*
 * dynadot.c: the Dynadot backend of lib/dns.h, over the legacy "api3" JSON
 * API (https://api.dynadot.com/api3.json): get_dns reads the zone, and
 * set_dns2 writes it whole.
 *
 * Why a whole-zone write: set_dns2's append mode
 * (add_dns_to_current_setting=1) was reported to be refused unless an apex
 * record is sent too (the acme.sh author's finding), so it cannot be
 * relied on. set_dns2 without it REPLACES the zone: every record the
 * request leaves out is deleted, MX and SPF included. So this backend only
 * writes zones that dns.c merged from a read of this backend, and the read
 * refuses any reply it does not fully understand: an unknown record type
 * (srv included: its get_dns shape is undocumented), an unknown field in
 * a record or in NameServerSettings, more records than set_dns2 can take
 * (20 apex, 100 subdomain), a domain not on Dynadot DNS, and a partial
 * read: both lists (MainDomains, SubDomains) are in every reply, [] when
 * empty, so one absent, null or of another type is an error naming it.
 *
 * The get_dns shape is inferred from the clients that parse it (see
 * ../shared/reference/acme-dns.md section 1a; UNVERIFIED against the live
 * service): {"GetDnsResponse": {"ResponseCode", "Status", "GetDns":
 * {"NameServerSettings": {"Type": "Dynadot DNS", "MainDomains": [...],
 * "SubDomains": [...], "TTL"}}}}. Hence the defensive parse: key names
 * match without case (SubDomains/Subdomains, TTL/Ttl), NameServerSettings
 * may sit in the response object or one level below it, and ResponseCode
 * (or SuccessCode) may be a number or a string, in the response object or
 * in a "...Header" object inside it.
 *
 * The API key travels in the query string (api3 has no other way). It is
 * never logged: request lines are logged without it, libcurl's error
 * buffer and debug output go through dynadot_scrub() (the scrub hook of
 * lib/httpc.h, and the provider's scrub op for lib/dns), an http:// api_url is
 * refused unless it is on loopback, redirects are not followed, and the
 * URL buffer is wiped after use.
 *
 * Transient failures (no connection, timeouts, HTTP 5xx/429, a reply that
 * is not api3 JSON, the passing rows of dynadot_errors) are retried
 * [dynadot] retries times, the pause doubling from retry_delay up to 300 s
 * (or the server's Retry-After); a permanent error (a wrong key, the
 * address not allowed, the domain not in the account) stops at the first
 * reply. Repeating a set_dns2 is safe: it carries the whole zone.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "cause.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dns.h"
#include "dns/dynadot.h"
#include "httpc.h"
#include "jsonutil.h"
#include "log.h"

#define DYNADOT_MAX_PAUSE	300	/* seconds between tries, at most */

/* Record types set_dns2 takes, on the apex and on subdomains. */
static const char *const dynadot_types[] = {
	"a", "aaaa", "cname", "forward", "txt", "mx", "stealth", "email", NULL
};

struct dynadot {
	char		*api_url;	/* .../api3.json */
	char		*key;		/* the API key (secret) */
	long		 timeout;	/* seconds per request */
	long		 retries;	/* tries after the first */
	long		 retry_delay;	/* seconds before retry 1 */
	struct httpc	*http;		/* made on first use */
};

/* See dynadot.h. */
char *
dynadot_scrub(const char *text, const char *secret)
{
	struct buf	 b;
	char		*enc = NULL;
	size_t		 sl = 0, el = 0, i = 0;

	buf_init(&b, strlen(text) * 2 + 64);
	if (secret != NULL && *secret != '\0') {
		sl = strlen(secret);
		if ((enc = httpc_escape(secret)) == NULL)
			return (NULL);
		el = strlen(enc);
	}
	while (text[i] != '\0') {
		if (sl > 0 && strncmp(text + i, secret, sl) == 0) {
			(void)buf_adds(&b, "(hidden)");
			i += sl;
		} else if (el > 0 && strncmp(text + i, enc, el) == 0) {
			(void)buf_adds(&b, "(hidden)");
			i += el;
		} else if (strncasecmp(text + i, "key=", 4) == 0 &&
		    (i == 0 || !isalnum((unsigned char)text[i - 1]))) {
			(void)buf_add(&b, text + i, 4);
			(void)buf_adds(&b, "(hidden)");
			i += 4;
			while (text[i] != '\0' && text[i] != '&' &&
			    text[i] != '"' && text[i] != '\'' &&
			    !isspace((unsigned char)text[i]))
				i++;
		} else
			(void)buf_add(&b, text + i++, 1);
	}
	if (enc != NULL)
		explicit_bzero(enc, el);
	free(enc);
	if (b.data == NULL)
		(void)buf_adds(&b, "");
	return (buf_steal(&b));
}

/* True when the word is a set_dns2 record type. */
static int
dynadot_known_type(const char *t)
{
	size_t	 i;

	for (i = 0; dynadot_types[i] != NULL; i++)
		if (strcasecmp(t, dynadot_types[i]) == 0)
			return (1);
	return (0);
}

/* True when key ends with suffix, without case. */
static int
dynadot_ends(const char *key, const char *suffix)
{
	size_t	 kl = strlen(key), sl = strlen(suffix);

	return (kl >= sl && strcasecmp(key + kl - sl, suffix) == 0);
}

/* Member of obj named key without case (borrowed), or NULL. */
static json_object *
dynadot_get(json_object *obj, const char *key)
{
	json_object_object_foreach(obj, k, v) {
		if (strcasecmp(k, key) == 0)
			return (v);
	}
	return (NULL);
}

/*
 * True when obj has a member named key without case, whatever its value
 * (json-c gives a JSON null as NULL, so dynadot_get cannot tell).
 */
static int
dynadot_has(json_object *obj, const char *key)
{
	json_object_object_foreach(obj, k, v) {
		(void)v;
		if (strcasecmp(k, key) == 0)
			return (1);
	}
	return (0);
}

/* A scalar (string or integer) as text into buf; -1 if neither. */
static int
dynadot_scalar(json_object *v, char *buf, size_t size)
{
	if (v != NULL && json_object_is_type(v, json_type_string)) {
		(void)snprintf(buf, size, "%s", json_object_get_string(v));
		return (0);
	}
	if (v != NULL && json_object_is_type(v, json_type_int)) {
		(void)snprintf(buf, size, "%lld",
		    (long long)json_object_get_int64(v));
		return (0);
	}
	return (-1);
}

/*
 * Dynadot's error shapes, mapped once. The class of a reply comes from its
 * Status and ResponseCode (the values api3 documents: Status "success",
 * "error" or "system_busy"; ResponseCode 0, -1, 1 or 5), not from its
 * wording: system_busy (or code 5) is Dynadot's queue giving no connection
 * within 10 s, worth a retry; a reply with ResponseCode -1 and no Status
 * at all, in a bare "Response" object, is the account's access refused
 * before any command ran (invalid key, this host's address not on the
 * allow-list), never worth a retry; Status "error" is the command's own
 * refusal, permanent. Only two Error texts are told apart, because
 * Dynadot and its clients quote them as passing ("currently processing
 * another request from this account", one request per account at a time;
 * "problem with connection to main server", maintenance) and because the
 * operator's action differs for "invalid key" and "could not find domain
 * in your account". Each row carries the action the operator should take.
 */
struct dynadot_error {
	const char	*status;	/* Status; "" = absent; NULL = any */
	const char	*error;		/* Error, without case; NULL = any */
	int		 transient;	/* a retry may help */
	const char	*action;	/* what the operator does, or NULL */
};

static const struct dynadot_error dynadot_errors[] = {
	{ "system_busy", NULL, 1, "Dynadot is busy: retried with back-off; "
	  "if it lasts, the next run tries again" },
	{ NULL, "currently processing another request from this account", 1,
	  "another client uses this account's API at the same time (one "
	  "request per account): retried" },
	{ NULL, "problem with connection to main server", 1,
	  "Dynadot's maintenance: retried; if it lasts, the next run tries "
	  "again" },
	{ "", "invalid key", 0, "the API key is refused: put the production "
	  "key of Tools > API in the file [dynadot] key_file names" },
	{ "", NULL, 0, "Dynadot refused this account's access: check "
	  "[dynadot] key_file and that this host's public address is on the "
	  "API allow-list (Tools > API; a change takes at least 10 minutes)" },
	{ "error", "could not find domain in your account", 0, "the domain "
	  "is not in the account of this API key: check [dns] zone and "
	  "[dynadot] key_file" },
	{ NULL, NULL, 0, NULL },
};

/* The row of dynadot_errors for a failed reply. */
static const struct dynadot_error *
dynadot_error_of(const char *status, const char *code, const char *etext)
{
	const struct dynadot_error	*e;

	if (status != NULL && strcasecmp(status, "success") == 0 &&
	    strcmp(code, "5") != 0)
		status = "error";	/* success with a bad code */
	if (strcmp(code, "5") == 0)
		status = "system_busy";
	for (e = dynadot_errors; e->action != NULL; e++) {
		if (e->status != NULL && (*e->status == '\0' ? status != NULL :
		    status == NULL || strcasecmp(e->status, status) != 0))
			continue;
		if (e->error != NULL && (etext == NULL ||
		    strcasecmp(e->error, etext) != 0))
			continue;
		return (e);
	}
	return (e);
}

/* See dynadot.h. */
enum st
dynadot_check_reply(json_object *root, const char *command,
    json_object **resp, int *transient, char **cause)
{
	const struct dynadot_error	*e;
	json_object	*r = NULL, *hdr = NULL, *code, *status, *err;
	char		 cbuf[32], sbuf[64];
	const char	*etext;
	int		 has_status;

	*resp = NULL;
	*transient = 0;
	*cause = NULL;
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		*transient = 1;
		cause_set(cause, "the reply is not an api3 JSON object");
		return (ST_UPSTREAM);
	}
	json_object_object_foreach(root, k, v) {
		if (json_object_is_type(v, json_type_object) &&
		    (dynadot_ends(k, "Response") ||
		    dynadot_ends(k, "Header"))) {
			r = v;
			break;
		}
	}
	if (r == NULL) {
		*transient = 1;
		cause_set(cause, "the reply has no %s response object",
		    command);
		return (ST_UPSTREAM);
	}
	/* The status fields: here, or in a "...Header" object inside. */
	hdr = r;
	if (dynadot_get(r, "Status") == NULL &&
	    dynadot_get(r, "ResponseCode") == NULL &&
	    dynadot_get(r, "SuccessCode") == NULL) {
		json_object_object_foreach(r, k2, v2) {
			if (json_object_is_type(v2, json_type_object) &&
			    dynadot_ends(k2, "Header") &&
			    (dynadot_get(v2, "Status") != NULL ||
			    dynadot_get(v2, "ResponseCode") != NULL ||
			    dynadot_get(v2, "SuccessCode") != NULL)) {
				hdr = v2;
				break;
			}
		}
	}
	if ((code = dynadot_get(hdr, "ResponseCode")) == NULL)
		code = dynadot_get(hdr, "SuccessCode");
	status = dynadot_get(hdr, "Status");
	err = dynadot_get(hdr, "Error");
	has_status = dynadot_scalar(status, sbuf, sizeof(sbuf)) == 0;
	if (code == NULL || dynadot_scalar(code, cbuf, sizeof(cbuf)) != 0) {
		if (!has_status) {
			*transient = 1;
			cause_set(cause, "the %s reply has neither Status "
			    "nor ResponseCode", command);
			return (ST_UPSTREAM);
		}
		(void)snprintf(cbuf, sizeof(cbuf), "%s", code == NULL ?
		    "(none)" : "?");
	}
	if (has_status && strcasecmp(sbuf, "success") == 0 &&
	    (code == NULL || strcmp(cbuf, "0") == 0)) {
		*resp = r;
		return (ST_OK);
	}
	etext = err != NULL && json_object_is_type(err, json_type_string) ?
	    json_object_get_string(err) : NULL;
	e = dynadot_error_of(has_status ? sbuf : NULL, cbuf, etext);
	*transient = e->transient;
	if (etext != NULL)
		cause_set(cause, "Dynadot says: %.500s", etext);
	else
		cause_set(cause, "Dynadot says: status %.64s, code %s",
		    has_status ? sbuf : "(none)", cbuf);
	if (e->action != NULL)
		cause_suffix(cause, " (%s)", e->action);
	return (ST_UPSTREAM);
}

/*
 * Reads one array of records (apex when sub is 0) into z. Fails on any
 * field or type it does not know.
 */
static enum st
dynadot_records(json_object *nss, int sub, struct dns_zone *z, char **cause)
{
	json_object	*arr, *r, *type, *value, *value2, *host;
	const char	*what = sub ? "SubDomains" : "MainDomains";
	char		 tbuf[32], v2[256], *val = NULL, *hostname = NULL;
	size_t		 i, n;

	/*
	 * Dynadot documents both lists in every get_dns reply, [] when
	 * empty: one missing or null is a partial read, and a whole-zone
	 * write made from it would delete every record it did not show.
	 */
	arr = dynadot_get(nss, what);
	if (!dynadot_has(nss, what)) {
		cause_set(cause, "NameServerSettings has no %s list (get_dns "
		    "always carries it, [] when empty): a partial read", what);
		return (ST_UNPROCESSABLE);
	}
	if (!json_object_is_type(arr, json_type_array)) {
		cause_set(cause, "%s is %s, not a list: a partial read", what,
		    arr == NULL ? "null" :
		    json_type_to_name(json_object_get_type(arr)));
		return (ST_UNPROCESSABLE);
	}
	n = json_object_array_length(arr);
	if (n > (size_t)(sub ? DYNADOT_MAX_SUB : DYNADOT_MAX_MAIN)) {
		cause_set(cause, "%zu %s records, more than set_dns2 can "
		    "write back (%d)", n, what, sub ? DYNADOT_MAX_SUB :
		    DYNADOT_MAX_MAIN);
		return (ST_UNPROCESSABLE);
	}
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(r, json_type_object)) {
			cause_set(cause, "%s record %zu is not an object",
			    what, i + 1);
			return (ST_UNPROCESSABLE);
		}
		json_object_object_foreach(r, k, v) {
			(void)v;
			if (strcasecmp(k, "RecordType") != 0 &&
			    strcasecmp(k, "Value") != 0 &&
			    strcasecmp(k, "Value2") != 0 &&
			    (!sub || strcasecmp(k, "Subhost") != 0)) {
				cause_set(cause, "%s record %zu has a "
				    "field bootstack does not know ('%.32s')",
				    what, i + 1, k);
				return (ST_UNPROCESSABLE);
			}
		}
		type = dynadot_get(r, "RecordType");
		value = dynadot_get(r, "Value");
		value2 = dynadot_get(r, "Value2");
		host = sub ? dynadot_get(r, "Subhost") : NULL;
		if (dynadot_scalar(type, tbuf, sizeof(tbuf)) != 0 ||
		    (value != NULL && !json_object_is_type(value,
		    json_type_string) && !json_object_is_type(value,
		    json_type_int)) || value == NULL ||
		    (sub && (host == NULL || !json_object_is_type(host,
		    json_type_string) || json_object_get_string_len(host) ==
		    0))) {
			cause_set(cause, "%s record %zu lacks %s", what,
			    i + 1, sub ? "Subhost, RecordType or Value" :
			    "RecordType or Value");
			return (ST_UNPROCESSABLE);
		}
		if (!dynadot_known_type(tbuf)) {
			cause_set(cause, "%s record %zu%s%s has type "
			    "%.32s, which bootstack does not know",
			    what, i + 1, sub ? " " : "", sub ?
			    json_object_get_string(host) : "", tbuf);
			return (ST_UNPROCESSABLE);
		}
		v2[0] = '\0';
		if (value2 != NULL && !json_object_is_type(value2,
		    json_type_null) && dynadot_scalar(value2, v2,
		    sizeof(v2)) != 0) {
			cause_set(cause, "%s record %zu: Value2 is "
			    "neither text nor a number", what, i + 1);
			return (ST_UNPROCESSABLE);
		}
		if (json_object_is_type(value, json_type_int)) {
			if (asprintf(&val, "%lld",
			    (long long)json_object_get_int64(value)) == -1)
				val = NULL;
		} else if (strlen(json_object_get_string(value)) ==
		    (size_t)json_object_get_string_len(value))
			val = strdup(json_object_get_string(value));
		hostname = sub ? strdup(json_object_get_string(host)) :
		    strdup("");
		if (val == NULL || hostname == NULL ||
		    dns_zone_add(z, hostname, tbuf, val, v2[0] != '\0' ? v2 :
		    NULL) != 0) {
			free(val);
			free(hostname);
			cause_set(cause, "%s record %zu: out of memory "
			    "or a NUL byte in its value", what, i + 1);
			return (ST_UNPROCESSABLE);
		}
		if (sub && (strcmp(z->rec[z->n - 1].name, "@") == 0 ||
		    strchr(hostname, ' ') != NULL)) {
			cause_set(cause, "%s record %zu: odd Subhost "
			    "'%.64s'", what, i + 1, hostname);
			free(val);
			free(hostname);
			return (ST_UNPROCESSABLE);
		}
		free(val);
		free(hostname);
		val = hostname = NULL;
	}
	return (ST_OK);
}

/* See dynadot.h. */
enum st
dynadot_parse_zone(const char *body, size_t len, const char *zone,
    struct dns_zone *z, int *transient, char **cause)
{
	json_object	*root = NULL, *resp, *nss = NULL, *wrap = NULL, *t;
	char		 err[128], buf[64], *end;
	long		 ttl;
	enum st		 st;

	*cause = NULL;
	*transient = 0;
	dns_zone_init(z);
	if (jsonutil_parse(body, len, 16, &root, err, sizeof(err)) != ST_OK) {
		*transient = 1;
		cause_set(cause, "get_dns: the reply is not JSON (%s)",
		    err);
		return (ST_UPSTREAM);
	}
	if ((st = dynadot_check_reply(root, "get_dns", &resp, transient,
	    cause)) != ST_OK)
		goto out;
	st = ST_UNPROCESSABLE;
	/* NameServerSettings: in the response, or one object below it. */
	json_object_object_foreach(resp, k, v) {
		if (strcasecmp(k, "NameServerSettings") == 0)
			nss = v;
		else if (strcasecmp(k, "ResponseCode") == 0 ||
		    strcasecmp(k, "SuccessCode") == 0 ||
		    strcasecmp(k, "Status") == 0 ||
		    strcasecmp(k, "Error") == 0 ||
		    (dynadot_ends(k, "Header") &&
		    json_object_is_type(v, json_type_object)))
			continue;
		else if (json_object_is_type(v, json_type_object) &&
		    wrap == NULL &&
		    dynadot_get(v, "NameServerSettings") != NULL)
			wrap = v;
		else {
			cause_set(cause, "get_dns: the reply has a field "
			    "bootstack does not know ('%.32s')", k);
			goto out;
		}
	}
	if (nss == NULL && wrap != NULL) {
		json_object_object_foreach(wrap, k2, v2) {
			if (strcasecmp(k2, "NameServerSettings") == 0)
				nss = v2;
			else {
				cause_set(cause, "get_dns: the reply has "
				    "a field bootstack does not know "
				    "('%.32s')", k2);
				goto out;
			}
		}
	}
	if (nss == NULL || !json_object_is_type(nss, json_type_object)) {
		cause_set(cause, "get_dns: the reply has no "
		    "NameServerSettings");
		goto out;
	}
	/*
	 * The type first: a zone on other name servers carries other fields
	 * (NameServers, ...), and the operator's answer is to move it, not
	 * to wait for bootstack to learn them.
	 */
	if (dynadot_scalar(dynadot_get(nss, "Type"), buf, sizeof(buf)) != 0) {
		cause_set(cause, "get_dns: NameServerSettings has no Type");
		goto out;
	}
	if (strcasecmp(buf, "Dynadot DNS") != 0) {
		cause_set(cause, "%s is not on Dynadot's DNS (its name "
		    "servers are '%.64s'): its records cannot be managed "
		    "through the API; choose \"Dynadot DNS\" for the domain "
		    "in Dynadot's control panel, or manage the zone where its "
		    "name servers are", zone, buf);
		goto out;
	}
	json_object_object_foreach(nss, k3, v3) {
		(void)v3;
		if (strcasecmp(k3, "Type") != 0 &&
		    strcasecmp(k3, "MainDomains") != 0 &&
		    strcasecmp(k3, "SubDomains") != 0 &&
		    strcasecmp(k3, "TTL") != 0) {
			cause_set(cause, "get_dns: NameServerSettings "
			    "has a field bootstack does not know ('%.32s')",
			    k3);
			goto out;
		}
	}
	if ((t = dynadot_get(nss, "TTL")) != NULL &&
	    !json_object_is_type(t, json_type_null)) {
		if (dynadot_scalar(t, buf, sizeof(buf)) != 0) {
			cause_set(cause, "get_dns: TTL is neither text "
			    "nor a number");
			goto out;
		}
		errno = 0;
		ttl = strtol(buf, &end, 10);
		if (*buf != '\0' && (errno != 0 || *end != '\0' || ttl < 0 ||
		    ttl > 2147483647L)) {
			cause_set(cause, "get_dns: TTL '%.32s' is not a "
			    "number of seconds", buf);
			goto out;
		}
		z->ttl = *buf == '\0' ? 0 : ttl;
	}
	if ((st = dynadot_records(nss, 0, z, cause)) != ST_OK ||
	    (st = dynadot_records(nss, 1, z, cause)) != ST_OK) {
		char	*s;

		if (asprintf(&s, "get_dns: %s", *cause) != -1) {
			free(*cause);
			*cause = s;
		}
		goto out;
	}
	if ((z->name = strdup(zone)) == NULL) {
		st = ST_NOMEM;
		cause_set(cause, "out of memory");
		goto out;
	}
	st = ST_OK;
out:
	if (st != ST_OK)
		dns_zone_cleanup(z);
	json_object_put(root);
	return (st);
}

/* See dynadot.h. */
enum st
dynadot_set_dns2_query(const struct dns_zone *z, struct buf *q, char **cause)
{
	const struct dns_record	*r;
	char			*e1 = NULL, *e2 = NULL, *e3 = NULL;
	size_t			 i, nmain = 0, nsub = 0;
	enum st			 st;

	*cause = NULL;
	if ((e1 = httpc_escape(z->name != NULL ? z->name : "")) == NULL)
		goto nomem;
	st = buf_printf(q, "command=set_dns2&domain=%s", e1);
	free(e1);
	e1 = NULL;
	if (st != ST_OK)
		goto toobig;
	for (i = 0; i < z->n; i++) {
		r = &z->rec[i];
		if (!dynadot_known_type(r->type)) {
			cause_set(cause, "set_dns2 cannot write a %s "
			    "record", r->type);
			return (ST_UNPROCESSABLE);
		}
		if ((e1 = httpc_escape(r->value)) == NULL ||
		    (r->value2 != NULL && (e2 = httpc_escape(r->value2)) ==
		    NULL) || (e3 = httpc_escape(r->name)) == NULL)
			goto nomem;
		if (*r->name == '\0') {
			if (nmain >= DYNADOT_MAX_MAIN) {
				cause_set(cause, "more than %d apex "
				    "records", DYNADOT_MAX_MAIN);
				st = ST_UNPROCESSABLE;
				goto out;
			}
			st = buf_printf(q, "&main_record_type%zu=%s"
			    "&main_record%zu=%s", nmain, r->type, nmain, e1);
			if (st == ST_OK && e2 != NULL)
				st = buf_printf(q, "&main_recordx%zu=%s", nmain,
				    e2);
			nmain++;
		} else {
			if (nsub >= DYNADOT_MAX_SUB) {
				cause_set(cause, "more than %d subdomain "
				    "records", DYNADOT_MAX_SUB);
				st = ST_UNPROCESSABLE;
				goto out;
			}
			st = buf_printf(q, "&subdomain%zu=%s"
			    "&sub_record_type%zu=%s&sub_record%zu=%s", nsub, e3,
			    nsub, r->type, nsub, e1);
			if (st == ST_OK && e2 != NULL)
				st = buf_printf(q, "&sub_recordx%zu=%s", nsub,
				    e2);
			nsub++;
		}
		free(e1);
		free(e2);
		free(e3);
		e1 = e2 = e3 = NULL;
		if (st != ST_OK)
			goto toobig;
	}
	if (z->ttl > 0 && buf_printf(q, "&ttl=%ld", z->ttl) != ST_OK)
		goto toobig;
	return (ST_OK);
toobig:
	cause_set(cause, "the set_dns2 request is too large");
	return (ST_TOOBIG);
nomem:
	cause_set(cause, "out of memory");
	st = ST_NOMEM;
out:
	free(e1);
	free(e2);
	free(e3);
	return (st);
}

/*
 * The scrub hook of httpc and of the provider interface: the key kept out
 * of every error and debug text.
 */
static char *
dynadot_scrub_cb(void *arg, const char *text)
{
	const struct dynadot	*dd = arg;

	return (dynadot_scrub(text, dd->key));
}

/* The same, in the argument order of httpc's hook. */
static char *
dynadot_httpc_scrub(const char *text, void *arg)
{
	return (dynadot_scrub_cb(arg, text));
}

/*
 * One api3 command with retries. params: "command=...&domain=..." without
 * the key. With z, the reply is a get_dns to parse into *z. ST_OK, or an
 * error with *cause ("dynadot get_dns example.com: ...").
 */
static enum st
dynadot_call(struct dynadot *dd, const char *command, const char *domain,
    const char *params, struct dns_zone *z, char **cause)
{
	struct httpc_opts	 ho;
	struct httpc_req	 req;
	struct httpc_reply	 rep;
	struct buf		 body;
	json_object		*root = NULL, *resp;
	char			*url = NULL, *ekey = NULL, *q = NULL, *why = NULL;
	char			 err[128];
	long			 pause = dd->retry_delay, attempt, ra = 0;
	int			 transient = 0;
	enum st			 st = ST_UPSTREAM, hst;

	*cause = NULL;
	buf_init(&body, DYNADOT_MAX_REPLY);
	if (dd->http == NULL) {
		memset(&ho, 0, sizeof(ho));
		ho.timeout = dd->timeout;
		ho.debug = 1;
		ho.debug_name = "dynadot";
		ho.scrub = dynadot_httpc_scrub;
		ho.scrub_arg = dd;
		if ((dd->http = httpc_new(&ho, cause)) == NULL) {
			cause_prefix(cause, "dynadot");
			return (ST_NOMEM);
		}
	}
	if ((ekey = httpc_escape(dd->key)) == NULL ||
	    asprintf(&q, "key=%s&%s", ekey, params) == -1 ||
	    (url = httpc_url_append(dd->api_url, q)) == NULL) {
		st = cause_st(cause, ST_NOMEM, "out of memory");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.url = url;
	for (attempt = 0; attempt <= dd->retries; attempt++) {
		if (attempt > 0) {
			if (ra > 0 && ra <= DYNADOT_MAX_PAUSE)
				pause = ra;
			log_warnx("dynadot: %s %s: %s; retrying in %ld s "
			    "(%ld of %ld)", command, domain, why, pause,
			    attempt, dd->retries);
			clock_sleep_ms(pause * 1000LL);
			pause = pause * 2 > DYNADOT_MAX_PAUSE ?
			    DYNADOT_MAX_PAUSE : pause * 2;
		}
		cause_clear(&why);
		json_object_put(root);
		root = NULL;
		ra = 0;
		transient = 1;
		log_debug("dynadot: GET %s?key=(hidden)&%s", dd->api_url,
		    params);
		hst = httpc_perform(dd->http, &req, &body, &rep, &why);
		if (hst != ST_OK) {
			/* A bad URL, a reply past the cap: no retry helps. */
			if (hst != ST_UNAVAILABLE)
				transient = 0;
			if (!transient)
				break;
			continue;
		}
		ra = rep.retry_after;
		if (rep.code != 200) {
			transient = rep.code >= 500 || rep.code == 429 ||
			    rep.code == 408;
			cause_set(&why, "HTTP %ld", rep.code);
			if (!transient)
				break;
			continue;
		}
		if (z != NULL) {
			st = dynadot_parse_zone(buf_str(&body), body.len,
			    domain, z, &transient, &why);
			if (st == ST_OK)
				goto out;
			if (st == ST_UNPROCESSABLE)
				transient = 0;
			if (!transient)
				break;
			continue;
		}
		if (jsonutil_parse(buf_str(&body), body.len, 16, &root, err,
		    sizeof(err)) != ST_OK) {
			cause_set(&why, "the reply is not JSON (%s)", err);
			continue;
		}
		if ((st = dynadot_check_reply(root, command, &resp, &transient,
		    &why)) == ST_OK)
			goto out;
		if (!transient)
			break;
	}
	/* Failed: say why, with the last reason. */
	if (st == ST_OK || st == ST_NOMEM)
		st = ST_UPSTREAM;
	if (transient && st == ST_UPSTREAM)
		st = ST_UNAVAILABLE;
	if (z != NULL && st == ST_UNPROCESSABLE)
		cause_set(cause, "refusing to rewrite the zone: %s", why);
	else
		cause_set(cause, "dynadot %s %s: %s%s", command, domain,
		    why != NULL ? why : "failed", transient ? " (gave up "
		    "after retries)" : "");
out:
	if (url != NULL)
		explicit_bzero(url, strlen(url));
	if (q != NULL)
		explicit_bzero(q, strlen(q));
	if (ekey != NULL)
		explicit_bzero(ekey, strlen(ekey));
	free(url);
	free(q);
	free(ekey);
	free(why);
	json_object_put(root);
	buf_cleanup(&body);
	return (st);
}

/* get_dns: reads the zone. */
static enum st
dynadot_read(void *arg, const char *zone, struct dns_zone *z, char **cause)
{
	char	*params = NULL, *ez;
	enum st	 st;

	dns_zone_init(z);
	if ((ez = httpc_escape(zone)) == NULL ||
	    asprintf(&params, "command=get_dns&domain=%s", ez) == -1) {
		free(ez);
		cause_set(cause, "out of memory");
		return (ST_NOMEM);
	}
	st = dynadot_call(arg, "get_dns", zone, params, z, cause);
	free(ez);
	free(params);
	return (st);
}

/* set_dns2: replaces the zone with new. */
static enum st
dynadot_write(void *arg, const struct dns_zone *old, const struct dns_zone *new,
    char **cause)
{
	struct buf	 q;
	enum st		 st;

	(void)old;
	buf_init(&q, 512 * 1024);
	if ((st = dynadot_set_dns2_query(new, &q, cause)) == ST_OK)
		st = dynadot_call(arg, "set_dns2", new->name, buf_str(&q), NULL,
		    cause);
	buf_cleanup(&q);
	return (st);
}

/* Frees the backend, wiping the key. */
static void
dynadot_free(void *arg)
{
	struct dynadot	*dd = arg;

	if (dd == NULL)
		return;
	httpc_free(dd->http);
	if (dd->key != NULL)
		explicit_bzero(dd->key, strlen(dd->key));
	free(dd->key);
	free(dd->api_url);
	free(dd);
}

static const struct dns_provider_ops dynadot_ops = {
	"dynadot",
	dynadot_read,
	dynadot_write,
	dynadot_free,
	dynadot_scrub_cb,
};

/* See dynadot.h. */
enum st
dynadot_provider_new(const struct config *cfg, struct dns_provider *p,
    char **cause)
{
	struct dynadot	*dd;
	const char	*url, *key;
	char		*h;

	*cause = NULL;
	memset(p, 0, sizeof(*p));
	url = config_str(cfg, "dynadot", "api_url");
	key = config_str(cfg, "dynadot", "key");
	if (httpc_url_kind(url) != HTTPC_URL_HTTPS &&
	    httpc_url_kind(url) != HTTPC_URL_HTTP_LOOPBACK) {
		cause_set(cause, "[dynadot] api_url: want an https:// "
		    "URL (http:// only on loopback: the key is in the query "
		    "string)");
		return (ST_BADREQ);
	}
	if (key == NULL || *key == '\0') {
		cause_set(cause, "[dynadot] key is not set: put the API "
		    "key in a file (chmod 600) and name it with key_file");
		return (ST_BADREQ);
	}
	if ((dd = calloc(1, sizeof(*dd))) == NULL ||
	    (dd->api_url = strdup(url)) == NULL ||
	    (dd->key = strdup(key)) == NULL) {
		dynadot_free(dd);
		cause_set(cause, "out of memory");
		return (ST_NOMEM);
	}
	dd->timeout = (long)config_int(cfg, "dynadot", "timeout");
	dd->retries = (long)config_int(cfg, "dynadot", "retries");
	dd->retry_delay = (long)config_int(cfg, "dynadot", "retry_delay");
	p->ops = &dynadot_ops;
	p->priv = dd;
	p->min_interval_ms = (long)config_int(cfg, "dynadot", "min_interval");
	/* The account, for the lock of lib/dns: a hash of the key, not it. */
	if ((h = crypto_sha256_b64u(key, strlen(key), cause)) == NULL) {
		dynadot_free(dd);
		memset(p, 0, sizeof(*p));
		return (ST_NOMEM);
	}
	(void)snprintf(p->account, sizeof(p->account), "%s", h);
	free(h);
	return (ST_OK);
}
