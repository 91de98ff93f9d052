/*
 * cert_served.c: what the server really serves (see cert.h): the live
 * check of a [cert NAME] against its check_endpoint, and its record in
 * NAME.status.json.
 *
 * A reload command that exits 0 proves nothing: nginx may have kept its
 * old configuration (a reload signal lost, a second nginx on the port, a
 * site whose ssl_certificate is another file). So after every deploy or
 * reload, and on every run that finds nothing due, the renew run asks the
 * endpoint: a TLS handshake (lib/crypto.c crypto_tls_peer, SNI = the
 * certificate's first DNS name) that reads the certificate presented, its
 * serial compared with the installed file's. The answer is one of:
 *	match        the endpoint serves the installed certificate
 *	mismatch     it serves another one: the reload did not take
 *	unreachable  no TLS answer within CERT_SERVED_TIMEOUT_MS (said, not
 *	             a failure: the run goes on as before)
 *	off          check_endpoint = none, or no reload command
 * and lands in the status file as served_check, served_serial,
 * served_not_after, served_mismatch, served_endpoint, served_error,
 * served_checked_at (docs/certificates.md).
 *
 * The endpoint: [cert NAME] check_endpoint (HOST:PORT, [IPV6]:PORT or
 * PORT for 127.0.0.1:PORT; none = no check), else the first address of
 * [nginx] listen_https as seen from this machine (a bare port or *:PORT
 * or 0.0.0.0:PORT as 127.0.0.1:PORT, [::]:PORT as [::1]:PORT).
 */
#include "autoconf.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "acme.h"
#include "cause.h"
#include "cert.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "jsonutil.h"
#include "log.h"

/* True if s is a port number 1..65535 (digits only). */
static int
cert_port_ok(const char *s)
{
	const char	*p;
	long		 n = 0;

	if (*s == '\0' || strlen(s) > 5)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return (0);
		n = n * 10 + (*p - '0');
	}
	return (n >= 1 && n <= 65535);
}

/*
 * Parses one endpoint word into c's check_host and check_port: HOST:PORT,
 * [IPV6]:PORT or PORT; a wildcard address becomes the loopback one. 0, or
 * -1 with *cause.
 */
static int
cert_endpoint_parse(struct cert *c, const char *w, const char *key,
    char **cause)
{
	const char	*colon, *port;
	unsigned char	 ip[16];
	char		 host[256];
	size_t		 hl;

	if (cert_port_ok(w)) {
		snprintf(host, sizeof(host), "127.0.0.1");
		port = w;
	} else if (w[0] == '[') {
		if ((colon = strstr(w, "]:")) == NULL ||
		    (hl = (size_t)(colon - w - 1)) == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, w + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, ip) != 1)
			goto bad;
		if (strcmp(host, "::") == 0)
			snprintf(host, sizeof(host), "::1");
		port = colon + 2;
	} else {
		if ((colon = strrchr(w, ':')) == NULL ||
		    (hl = (size_t)(colon - w)) == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, w, hl);
		host[hl] = '\0';
		if (strchr(host, ':') != NULL ||
		    strspn(host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*") != hl)
			goto bad;
		if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
			snprintf(host, sizeof(host), "127.0.0.1");
		port = colon + 1;
	}
	if (!cert_port_ok(port))
		goto bad;
	if ((c->check_host = strdup(host)) == NULL ||
	    (c->check_port = strdup(port)) == NULL ||
	    asprintf(&c->check_endpoint, strchr(host, ':') != NULL ?
	    "[%s]:%s" : "%s:%s", host, port) == -1) {
		c->check_endpoint = NULL;
		return (cause_set(cause, "out of memory"));
	}
	return (0);
bad:
	return (cause_set(cause, "[cert %s] %s: '%.200s' is not HOST:PORT, "
	    "[IPV6]:PORT, PORT or none", c->name, key, w));
}

/* See cert.h. */
int
cert_endpoint_load(const struct config *cfg, size_t i, struct cert *c,
    char **cause)
{
	const char	*v;
	char		 w[300];
	size_t		 n, j;

	c->check_sni = NULL;
	for (j = 0; j < c->nnames && c->check_sni == NULL; j++)
		if (c->names[j][0] != '*' &&
		    strcmp(acme_identifier_type(c->names[j]), "dns") == 0)
			c->check_sni = c->names[j];
	if ((v = config_istr(cfg, "cert", i, "check_endpoint")) != NULL) {
		if (*v == '\0' || strcmp(v, "none") == 0)
			return (0);
		return (cert_endpoint_parse(c, v, "check_endpoint", cause));
	}
	/* Unset: nginx's HTTPS, unless nothing reloads a server. */
	if (c->reload_cmd == NULL || *c->reload_cmd == '\0')
		return (0);
	if ((v = config_str(cfg, "nginx", "listen_https")) == NULL)
		v = "443";
	v += strspn(v, " \t");
	n = strcspn(v, " \t");
	if (n == 0 || n >= sizeof(w))
		return (0);
	memcpy(w, v, n);
	w[n] = '\0';
	if (cert_endpoint_parse(c, w, "check_endpoint (from [nginx] "
	    "listen_https)", cause) != 0)
		return (-1);
	return (0);
}

/* One look at the endpoint into *s (want: the installed serial). */
static void
cert_served_look(const struct cert *c, const char *want,
    struct cert_served *s)
{
	struct crypto_cert	 got;
	char			*why = NULL;

	s->at = time(NULL);
	s->serial[0] = s->error[0] = '\0';
	s->not_after = 0;
	if (crypto_tls_peer(c->check_host, c->check_port, c->check_sni,
	    CERT_SERVED_TIMEOUT_MS, &got, &why) != 0) {
		s->state = CERT_SERVED_UNREACHABLE;
		(void)snprintf(s->error, sizeof(s->error), "%s",
		    why != NULL ? why : "no answer");
		free(why);
		return;
	}
	(void)snprintf(s->serial, sizeof(s->serial), "%s",
	    got.serial != NULL ? got.serial : "");
	s->not_after = got.not_after;
	s->state = want != NULL && got.serial != NULL &&
	    strcasecmp(want, got.serial) == 0 ? CERT_SERVED_MATCH :
	    CERT_SERVED_MISMATCH;
	crypto_cert_cleanup(&got);
}

/* See cert.h. */
void
cert_served_check(const struct cert *c, const char *want, int wait,
    struct cert_served *s)
{
	long long	 deadline = clock_ms() + CERT_SERVED_WAIT_MS;

	memset(s, 0, sizeof(*s));
	if (c->check_host == NULL) {
		s->state = CERT_SERVED_OFF;
		return;
	}
	for (;;) {
		cert_served_look(c, want, s);
		/*
		 * A reload is not instant: the old workers answer until the
		 * new ones start. Only a different serial is waited on.
		 */
		if (!wait || s->state != CERT_SERVED_MISMATCH ||
		    clock_ms() >= deadline)
			break;
		clock_sleep_ms(CERT_SERVED_POLL_MS);
	}
	if (s->state == CERT_SERVED_UNREACHABLE)
		log_info("cert %s: cannot check what %s serves: %s", c->name,
		    c->check_endpoint, s->error);
}

/* See cert.h. */
const char *
cert_served_name(enum cert_served_state st)
{
	switch (st) {
	case CERT_SERVED_MATCH:
		return ("match");
	case CERT_SERVED_MISMATCH:
		return ("mismatch");
	case CERT_SERVED_UNREACHABLE:
		return ("unreachable");
	default:
		return ("off");
	}
}

/* See cert.h. */
void
cert_served_record(const struct cert *c, const struct cert_served *s)
{
	json_object	*obj = NULL;
	char		*why = NULL, buf[CLOCK_RFC3339_LEN];

	if (s->state == CERT_SERVED_NONE)
		return;
	if (jsonutil_load_file(c->status_file, CERT_MAX_STATE, 8,
	    JSONUTIL_OBJECT, &obj, NULL) != ST_OK || obj == NULL)
		return;		/* no status file yet: nothing to add to */
	json_object_object_add(obj, "served_check",
	    json_object_new_string(cert_served_name(s->state)));
	json_object_object_add(obj, "served_endpoint", c->check_endpoint !=
	    NULL ? json_object_new_string(c->check_endpoint) : NULL);
	json_object_object_add(obj, "served_serial", s->serial[0] != '\0' ?
	    json_object_new_string(s->serial) : NULL);
	json_object_object_add(obj, "served_not_after", s->not_after > 0 ?
	    json_object_new_string(clock_rfc3339_fmt(s->not_after, buf,
	    sizeof(buf))) : NULL);
	json_object_object_add(obj, "served_mismatch",
	    json_object_new_boolean(s->state == CERT_SERVED_MISMATCH));
	json_object_object_add(obj, "served_error", s->error[0] != '\0' ?
	    json_object_new_string(s->error) : NULL);
	json_object_object_add(obj, "served_checked_at", s->at > 0 ?
	    json_object_new_string(clock_rfc3339_fmt(s->at, buf,
	    sizeof(buf))) : NULL);
	if (jsonutil_save_file(c->status_file, obj, 0644, &why) != 0) {
		log_warnx("cert %s: %s", c->name, cause_text(why));
		free(why);
	}
	json_object_put(obj);
}
