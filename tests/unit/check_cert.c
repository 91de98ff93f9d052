/*
 * check_cert.c: unit tests for lib/cert.c, the certificate life cycle.
 *
 * The decisions first, as pure functions over facts: due-ness (files,
 * force, names, a pending order, the lifetime rule and its boundaries)
 * and ARI windows (cert_due_decide), whether a saved order is resumed
 * (cert_order_usable, cert_order_saved). Then the parts that touch files,
 * in a private mkdtemp() folder: [cert] sections resolved, install with
 * FILE.prev and rollback (also after a failed deploy test), the status
 * file carrying its last success over a failure, and cert_due on real
 * files, falling back to the lifetime rule when the CA cannot be asked.
 * Issuance itself runs against Pebble in tests/e2e/050-cert.sh, and
 * profiles, ARI and rate limits across cron runs against
 * tests/e2e/acme-server.py in 055-057.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme.h"
#include "cause.h"
#include "cert.h"
#include "config.h"
#include "crypto.h"
#include "fs.h"
#include "jsonutil.h"
#include "log.h"
#include "unit.h"

#define DAY	86400

static char	 tdir[64];

/*
 * An in-process stand-in CA for the ARI and rate-limit decisions of
 * cert_due and cert_renew_one, on the loopback test server: a directory
 * with renewalInfo and meta.profiles, nonces, an account (newAccount, its
 * object at acct/1); GET renewalInfo/ID answers a suggestedWindow with
 * Retry-After: 3600 (the same window for the first two asks, an earlier
 * one afterwards, as when a CA plans a revocation); newOrder answers
 * rateLimited with Retry-After: 7200. /ca/hits says "ASKS ORDERS": the
 * renewalInfo and newOrder requests so far.
 *
 * The faithful server is tests/e2e/acme-server.py (JWS checked, real
 * issuance, profiles, ARI, rateLimited), and 055-057 run the client
 * against it across real cron runs: profile selection, six-day renewal,
 * the ARI decision kept, the rate limit honoured with no request. This
 * one stays because the unit suites run where Python's cryptography may
 * not be (and under valgrind), and because its scripted answers reach in
 * milliseconds what the e2e scripts cannot without waiting out a
 * Retry-After each time: the same window asked again keeps the pick, a
 * moved one draws a new pick, --force goes past a rate limit. It signs
 * nothing and checks nothing; what the e2e scripts cover (the payload of
 * newOrder, the runs before a rate limit's end) is not repeated here.
 */
static struct unit_srv	 ca;
static time_t		 ca_base;

/* Answers one request of the test CA. */
static void
ca_handle(int fd, int n_conn)
{
	static int	 hits, orders;
	char		 req[16384], path[256], base[64], body[2048];
	char		 hdr[512], t1[32], t2[32];
	time_t		 s, e;

	(void)n_conn;
	(void)unit_read_request(fd, req, sizeof(req));
	if (sscanf(req, "%*s %255s", path) != 1)
		return;
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/ca", ca.port);
	snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	    "Replay-Nonce: caNonce%d\r\n", n_conn);
	if (strcmp(path, "/ca/dir") == 0)
		snprintf(body, sizeof(body), "{\"newNonce\":\"%s/nonce\","
		    "\"newAccount\":\"%s/acct\",\"newOrder\":\"%s/order\","
		    "\"renewalInfo\":\"%s/ari\",\"meta\":{\"profiles\":{"
		    "\"classic\":\"90 days\",\"shortlived\":\"6 days\"}}}",
		    base, base, base, base);
	else if (strcmp(path, "/ca/nonce") == 0)
		body[0] = '\0';
	else if (strcmp(path, "/ca/acct") == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 201 Created\r\n"
		    "Connection: close\r\nReplay-Nonce: caAcct\r\n"
		    "Location: %s/acct/1\r\n", base);
		snprintf(body, sizeof(body), "{\"status\":\"valid\"}");
	} else if (strcmp(path, "/ca/acct/1") == 0)
		snprintf(body, sizeof(body), "{\"status\":\"valid\","
		    "\"contact\":[]}");
	else if (strncmp(path, "/ca/ari/", 8) == 0) {
		hits++;
		s = ca_base + (hits <= 2 ? 10 * DAY : DAY);
		e = hits <= 2 ? s + 2 * DAY : s + 3600;
		strftime(t1, sizeof(t1), "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
		strftime(t2, sizeof(t2), "%Y-%m-%dT%H:%M:%SZ", gmtime(&e));
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
		    "Connection: close\r\nRetry-After: 3600\r\n");
		snprintf(body, sizeof(body), "{\"suggestedWindow\":{\"start\":"
		    "\"%s\",\"end\":\"%s\"},\"explanationURL\":"
		    "\"https://ca.example/why\"}", t1, t2);
	} else if (strcmp(path, "/ca/hits") == 0)
		snprintf(body, sizeof(body), "%d %d", hits, orders);
	else if (strcmp(path, "/ca/order") == 0) {
		orders++;
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 429 Too Many\r\n"
		    "Connection: close\r\nReplay-Nonce: caRl\r\n"
		    "Retry-After: 7200\r\n"
		    "Content-Type: application/problem+json\r\n");
		snprintf(body, sizeof(body), "{\"type\":\"urn:ietf:params:acme:"
		    "error:rateLimited\",\"detail\":\"too many certificates "
		    "for this set of names\"}");
	} else {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 404 Not Found\r\n"
		    "Connection: close\r\n");
		body[0] = '\0';
	}
	snprintf(hdr + strlen(hdr), sizeof(hdr) - strlen(hdr),
	    "Content-Length: %zu\r\n\r\n", strlen(body));
	unit_write(fd, hdr, strlen(hdr));
	unit_write(fd, body, strlen(body));
}

/* How many renewalInfo (orders: newOrder) requests the test CA got. */
static int
ca_count(int orders)
{
	struct sockaddr_in	 sin;
	char			 buf[1024], *body;
	size_t			 n = 0;
	ssize_t			 r;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)ca.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(buf, sizeof(buf), "GET /ca/hits HTTP/1.1\r\nHost: x\r\n\r\n");
	unit_write(fd, buf, strlen(buf));
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n,
	    sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	ck_assert_ptr_nonnull(body = strstr(buf, "\r\n\r\n"));
	body += 4;
	if (orders)
		ck_assert_ptr_nonnull(body = strchr(body, ' '));
	return (atoi(body));
}
#define ca_hits()	ca_count(0)

/* A private folder per test. */
static void
setup(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/check_cert.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
}

/* Removes tdir and everything below it. */
static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A config from text. */
static struct config *
cfg_of(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_load_string(cfg, "t.conf", text, &cause) == 0,
	    "%s", cause);
	return (cfg);
}

/* [cert www] for names, its files in tdir; test_cmd may be NULL. */
static struct config *
cert_cfg(const char *names, const char *test_cmd)
{
	char	 text[2048];

	snprintf(text, sizeof(text), "[acme]\nstate_dir = %s/state\n"
	    "[cert www]\nnames = %s\nwebroot = %s/web\n%s%s%s"
	    "reload_command =\n", tdir, names, tdir,
	    test_cmd != NULL ? "test_command = " : "",
	    test_cmd != NULL ? test_cmd : "", test_cmd != NULL ? "\n" : "");
	return (cfg_of(text));
}

/* A certificate for c's names valid from nb for life seconds. */
static void
fake_cur(struct crypto_cert *cur, const struct cert *c, time_t nb, time_t life)
{
	size_t	 i;

	crypto_cert_init(cur);
	cur->not_before = nb;
	cur->not_after = nb + life;
	cur->names = calloc(c->nnames, sizeof(char *));
	for (i = 0; i < c->nnames; i++)
		cur->names[i] = strdup(c->names[i]);
	cur->nnames = c->nnames;
}

/* A resolved [cert www] for names. */
static void
load(struct cert *c, const char *names)
{
	struct config	*cfg = cert_cfg(names, NULL);
	char		*cause = NULL;

	ck_assert_msg(cert_load(cfg, 0, "/st", c, &cause) == 0, "%s", cause);
	/* The names are copied; the borrowed strings are not used below. */
	c->webroot = c->test_cmd = c->reload_cmd = NULL;
	c->challenge = NULL;
	config_free(cfg);
}

/* --- due-ness ------------------------------------------------------------- */

/* Every reason, in the order they are checked. */
START_TEST(test_due_reasons)
{
	struct cert_due_facts	 f;
	struct crypto_cert	 cur;
	struct cert		 c;
	const char		*reason = NULL;
	time_t			 next, now = 1700000000;

	load(&c, "www.example.test api.example.test");
	fake_cur(&cur, &c, now - DAY, 90 * DAY);
	memset(&f, 0, sizeof(f));
	f.now = now;
	f.cur = &cur;
	/* No files: due, nothing to point at. */
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "files missing");
	ck_assert_int_eq(next, 0);
	f.files = 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	ck_assert_int_eq(next, cur.not_after - 30 * DAY);
	f.force = 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "forced");
	ck_assert_int_eq(next, cur.not_after - 30 * DAY);
	f.force = 0;
	f.order_saved = 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "resuming a pending order");
	/* A revoked certificate is replaced, before resuming anything. */
	f.revoked = 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "revoked");
	f.revoked = 0;
	f.order_saved = 0;
	/* Names changed: one fewer, one other, a different case is the same. */
	free(cur.names[1]);
	cur.names[1] = strdup("other.example.test");
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "names changed");
	free(cur.names[1]);
	cur.names[1] = strdup("API.Example.Test");
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	cur.nnames = 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "names changed");
	cur.nnames = 2;
	crypto_cert_cleanup(&cur);
	cert_cleanup(&c);
}
END_TEST

/* The lifetime rule: 1/3 left, 1/2 under 10 days, at the second. */
START_TEST(test_due_lifetime)
{
	struct cert_due_facts	 f;
	struct crypto_cert	 cur;
	struct cert		 c;
	const char		*reason = NULL;
	time_t			 next, nb = 1700000000;

	load(&c, "www.example.test");
	fake_cur(&cur, &c, nb, 90 * DAY);
	ck_assert_int_eq(cert_renew_at(&cur), nb + 60 * DAY);
	memset(&f, 0, sizeof(f));
	f.files = 1;
	f.cur = &cur;
	f.now = nb + 60 * DAY - 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	f.now = nb + 60 * DAY;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "less than a third of its lifetime left");
	/* A short-lived certificate: renewed at half of its life. */
	cur.not_after = nb + 6 * DAY;
	ck_assert_int_eq(cert_renew_at(&cur), nb + 3 * DAY);
	f.now = nb + 3 * DAY - 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	f.now = nb + 3 * DAY;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "less than half of its lifetime left");
	cur.not_after = nb + 10 * DAY;		/* 10 days: the 1/3 rule */
	ck_assert_int_eq(cert_renew_at(&cur), nb + 10 * DAY - 10 * DAY / 3);
	/* Nonsense dates: due from its start. */
	cur.not_after = nb - 1;
	ck_assert_int_eq(cert_renew_at(&cur), nb);
	f.now = nb;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	crypto_cert_cleanup(&cur);
	cert_cleanup(&c);
}
END_TEST

/* ARI: ask the CA, then the point picked in its window decides alone. */
START_TEST(test_due_ari)
{
	struct cert_due_facts	 f;
	struct crypto_cert	 cur;
	struct acme_ari		 ari;
	struct cert		 c;
	const char		*reason = NULL;
	time_t			 next, nb = 1700000000;

	load(&c, "www.example.test");
	fake_cur(&cur, &c, nb, 90 * DAY);
	memset(&f, 0, sizeof(f));
	memset(&ari, 0, sizeof(ari));
	f.files = 1;
	f.cur = &cur;
	f.now = nb + 70 * DAY;			/* the lifetime rule says due */
	f.ari_state = CERT_ARI_ASK;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), -1);
	/* ...but not before the local reasons, which need no CA. */
	f.force = 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "forced");
	f.force = 0;
	/* A window later than the lifetime rule: not due, next = the pick. */
	ari.start = nb + 80 * DAY;
	ari.end = nb + 82 * DAY;
	f.ari_state = CERT_ARI_GOT;
	f.ari = &ari;
	f.rnd = 3600;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	ck_assert_int_eq(next, ari.start + 3600);
	f.now = ari.start + 3599;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	f.now = ari.start + 3600;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_str_eq(reason, "in the CA's renewal window (ARI)");
	/* A window earlier than the lifetime rule (revocation coming). */
	ari.start = nb + DAY;
	ari.end = nb + DAY;
	f.rnd = 0;
	f.now = nb + 2 * DAY;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 1);
	ck_assert_int_eq(next, nb + DAY);
	/* The pick spans the whole window, end included. */
	ari.start = nb + 10 * DAY;
	ari.end = nb + 11 * DAY;
	f.rnd = (unsigned long)(ari.end - ari.start);
	f.now = ari.end - 1;
	ck_assert_int_eq(cert_due_decide(&c, &f, &reason, &next), 0);
	ck_assert_int_eq(next, ari.end);
	/* cert_random stays in 0..n. */
	for (f.rnd = 0; f.rnd < 200; f.rnd++)
		ck_assert_uint_le(cert_random(7), 7);
	ck_assert_uint_eq(cert_random(0), 0);
	crypto_cert_cleanup(&cur);
	cert_cleanup(&c);
}
END_TEST

/* --- orders --------------------------------------------------------------- */

/* Which saved orders are worth resuming. */
START_TEST(test_order_usable)
{
	struct acme_order	 o;
	time_t			 now = 1700000000;
	static const char *const ok[] = { "pending", "ready", "processing",
	    "valid" };
	size_t			 i;

	acme_order_init(&o);
	ck_assert_int_eq(cert_order_usable(&o, now), 0);	/* no status */
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		o.status = (char *)ok[i];
		ck_assert_int_eq(cert_order_usable(&o, now), 1);
	}
	o.status = (char *)"invalid";
	ck_assert_int_eq(cert_order_usable(&o, now), 0);
	o.status = (char *)"pending";
	o.expires = now + 61;
	ck_assert_int_eq(cert_order_usable(&o, now), 1);
	o.expires = now + 60;			/* a minute is too little */
	ck_assert_int_eq(cert_order_usable(&o, now), 0);
	o.expires = now - 1;
	ck_assert_int_eq(cert_order_usable(&o, now), 0);
	o.status = NULL;
}
END_TEST

/*
 * A saved order that cannot be resumed is dropped only when it is gone
 * for good: never for a 5xx, a rate limit or an unreachable CA (a new
 * order could mean a second certificate).
 */
START_TEST(test_order_drop)
{
	static const enum st keep[] = { ST_UPSTREAM, ST_UNAVAILABLE,
	    ST_RATELIMIT, ST_TIMEOUT, ST_TOOBIG, ST_NOMEM, ST_FORBIDDEN };
	struct acme_order	 o;
	time_t			 now = 1700000000;
	size_t			 i;

	acme_order_init(&o);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		ck_assert_int_eq(cert_order_drop(keep[i], &o, 0, now), 0);
		ck_assert_int_eq(cert_order_drop(keep[i], &o, now + 3600, now),
		    0);
		/* ... unless its saved expiry has passed. */
		ck_assert_int_eq(cert_order_drop(keep[i], &o, now, now), 1);
	}
	ck_assert_int_eq(cert_order_drop(ST_NOTFOUND, &o, 0, now), 1);
	o.status = (char *)"invalid";
	ck_assert_int_eq(cert_order_drop(ST_OK, &o, 0, now), 1);
	o.status = (char *)"valid";
	ck_assert_int_eq(cert_order_drop(ST_OK, &o, 0, now), 0);
	o.expires = now + 10;			/* expiring: not usable */
	ck_assert_int_eq(cert_order_drop(ST_OK, &o, 0, now), 1);
	o.status = NULL;
}
END_TEST

/* The saved order is resumed only for exactly the same names. */
START_TEST(test_order_saved)
{
	struct config	*cfg;
	struct cert	 c;
	char		*cause = NULL, *url, path[256];
	time_t		 exp;
	FILE		*f;

	cfg = cert_cfg("www.example.test, api.example.test", NULL);
	snprintf(path, sizeof(path), "%s/state", tdir);
	ck_assert_int_eq(cert_load(cfg, 0, path, &c, &cause), 0);
	ck_assert_int_eq(fs_mkdirs(path, 0700, 0, &cause), 0);
	ck_assert_ptr_null(cert_order_saved(&c, NULL));	/* none */
	ck_assert_int_eq(cert_order_save(&c, "https://ca/order/1", 1700000000,
	    &cause), 0);
	url = cert_order_saved(&c, &exp);
	ck_assert_str_eq(url, "https://ca/order/1");
	ck_assert_int_eq(exp, 1700000000);
	free(url);
	ck_assert_int_eq(cert_order_save(&c, "https://ca/order/1", 0,
	    &cause), 0);
	url = cert_order_saved(&c, &exp);
	ck_assert_int_eq(exp, 0);			/* unknown */
	free(url);
	cert_cleanup(&c);
	config_free(cfg);
	/* Other names (or the same in another order): not this order. */
	cfg = cert_cfg("api.example.test www.example.test", NULL);
	ck_assert_int_eq(cert_load(cfg, 0, path, &c, &cause), 0);
	ck_assert_ptr_null(cert_order_saved(&c, NULL));
	cert_cleanup(&c);
	config_free(cfg);
	cfg = cert_cfg("www.example.test", NULL);
	ck_assert_int_eq(cert_load(cfg, 0, path, &c, &cause), 0);
	ck_assert_ptr_null(cert_order_saved(&c, NULL));
	/* A damaged file is no order. */
	ck_assert_ptr_nonnull(f = fopen(c.order_file, "w"));
	fputs("{\"url\": \"https://ca/order/1\", \"names\": [", f);
	fclose(f);
	ck_assert_ptr_null(cert_order_saved(&c, NULL));
	/* Forgetting removes the order and its pending key. */
	ck_assert_ptr_nonnull(f = fopen(c.pending_key, "w"));
	fclose(f);
	cert_order_forget(&c);
	ck_assert_int_eq(access(c.order_file, F_OK), -1);
	ck_assert_int_eq(access(c.pending_key, F_OK), -1);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* --- sections ---------------------------------------------------------------- */

/* [cert NAME] resolved: names, defaults, fallbacks, refusals. */
START_TEST(test_load)
{
	struct config	*cfg;
	struct cert	 c;
	char		*cause = NULL;

	cfg = cfg_of("[nginx]\ntest_command = nginx -t -c /x\n"
	    "[cert www]\nnames = WWW.example.test,api.example.test "
	    "www.example.test *.example.test\n"
	    "[cert bad]\nnames = a_b.example.test\n"
	    "[cert empty]\nnames = ,\n"
	    "[cert ip]\nnames = 192.0.2.7 www.example.test 2001:DB8:0:0::1 "
	    "2001:db8::1\n"
	    "[cert ipdns]\nnames = www.example.test 192.0.2.7\n"
	    "challenge = dns-01\n"
	    "[cert notip]\nnames = 192.0.2.300\n");
	ck_assert_int_eq(cert_load(cfg, 0, "/st", &c, &cause), 0);
	ck_assert_uint_eq(c.nnames, 3);
	ck_assert_str_eq(c.names[0], "www.example.test");
	ck_assert_str_eq(c.names[1], "api.example.test");
	ck_assert_str_eq(c.names[2], "*.example.test");
	ck_assert_str_eq(c.fullchain_file, "/st/live/www/fullchain.pem");
	ck_assert_str_eq(c.key_file, "/st/live/www/privkey.pem");
	ck_assert_str_eq(c.order_file, "/st/www.order.json");
	ck_assert_str_eq(c.status_file, "/st/www.status.json");
	ck_assert_str_eq(c.pending_key, "/st/www.key.pending");
	ck_assert_str_eq(c.test_cmd, "nginx -t -c /x");	/* [nginx]'s */
	ck_assert_str_eq(c.reload_cmd, "nginx -s reload");	/* the default */
	ck_assert_str_eq(c.challenge, "http-01");
	cert_cleanup(&c);
	cert_cleanup(&c);					/* safe twice */
	ck_assert_int_eq(cert_load(cfg, 1, "/st", &c, &cause), -1);
	ck_assert_str_eq(cause, "[cert bad] names: 'a_b.example.test' is neither "
	    "a DNS name nor an IP address");
	free(cause);
	cause = NULL;
	cert_cleanup(&c);
	ck_assert_int_eq(cert_load(cfg, 2, "/st", &c, &cause), -1);
	ck_assert_str_eq(cause, "[cert empty] names is empty");
	free(cause);
	cause = NULL;
	cert_cleanup(&c);
	/* RFC 8738: addresses, canonical (RFC 5952), repeats folded. */
	ck_assert_int_eq(cert_load(cfg, 3, "/st", &c, &cause), 0);
	ck_assert_uint_eq(c.nnames, 3);
	ck_assert_str_eq(c.names[0], "192.0.2.7");
	ck_assert_str_eq(c.names[2], "2001:db8::1");
	cert_cleanup(&c);
	/* ... never with dns-01, which check-config says too. */
	ck_assert_int_eq(cert_load(cfg, 4, "/st", &c, &cause), -1);
	ck_assert_msg(strstr(cause, "[cert ipdns] challenge: '192.0.2.7' is an "
	    "IP address, which dns-01 cannot prove") == cause, "%s", cause);
	free(cause);
	cause = NULL;
	cert_cleanup(&c);
	ck_assert_int_eq(cert_load(cfg, 5, "/st", &c, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "'192.0.2.300' is neither"));
	free(cause);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* One [cert] of cfg: its live check endpoint ("" = none) and SNI. */
static void
endpoint_is(struct config *cfg, size_t i, const char *ep, const char *sni)
{
	struct cert	 c;
	char		*cause = NULL;

	ck_assert_msg(cert_load(cfg, i, "/st", &c, &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.check_endpoint != NULL ? c.check_endpoint : "", ep);
	ck_assert_str_eq(c.check_sni != NULL ? c.check_sni : "", sni != NULL ?
	    sni : "");
	ck_assert_int_eq(c.check_host == NULL, *ep == '\0');
	cert_cleanup(&c);
}

/*
 * check_endpoint: set, none, or [nginx] listen_https's first address as
 * seen from here; refused forms; the SNI skips wildcards and addresses.
 */
START_TEST(test_endpoint)
{
	struct config		*cfg;
	struct cert		 c;
	struct cert_served	 s;
	char			*cause = NULL;

	cfg = cfg_of("[cert a]\nnames = *.example.test www.example.test\n"
	    "[cert b]\nnames = www.example.test\ncheck_endpoint = none\n"
	    "[cert c]\nnames = www.example.test\nreload_command =\n"
	    "[cert d]\nnames = www.example.test\ncheck_endpoint = 10443\n"
	    "[cert e]\nnames = 192.0.2.7\n"
	    "check_endpoint = [2001:db8::1]:443\n"
	    "[cert f]\nnames = www.example.test\n"
	    "check_endpoint = localhost:8443\n"
	    "[cert g]\nnames = www.example.test\n"
	    "check_endpoint = 127.0.0.1:99999\n"
	    "[cert h]\nnames = www.example.test\ncheck_endpoint = [::1]\n"
	    "[cert i]\nnames = www.example.test\n"
	    "check_endpoint = 127.0.0.1:1\n");
	endpoint_is(cfg, 0, "127.0.0.1:443", "www.example.test");
	endpoint_is(cfg, 1, "", "www.example.test");
	endpoint_is(cfg, 2, "", "www.example.test");	/* nothing reloads */
	endpoint_is(cfg, 3, "127.0.0.1:10443", "www.example.test");
	endpoint_is(cfg, 4, "[2001:db8::1]:443", NULL);	/* no SNI: an IP */
	endpoint_is(cfg, 5, "localhost:8443", "www.example.test");
	ck_assert_int_eq(cert_load(cfg, 6, "/st", &c, &cause), -1);
	ck_assert_str_eq(cause, "[cert g] check_endpoint: '127.0.0.1:99999' is "
	    "not HOST:PORT, [IPV6]:PORT, PORT or none");
	free(cause);
	cause = NULL;
	cert_cleanup(&c);
	ck_assert_int_eq(cert_load(cfg, 7, "/st", &c, &cause), -1);
	free(cause);
	cause = NULL;
	cert_cleanup(&c);
	/* Nothing listens on port 1: unreachable, said, not waited for. */
	ck_assert_int_eq(cert_load(cfg, 8, "/st", &c, &cause), 0);
	cert_served_check(&c, "AA", 1, &s);
	ck_assert_int_eq(s.state, CERT_SERVED_UNREACHABLE);
	ck_assert_msg(strstr(s.error, "connect 127.0.0.1 port 1: ") != NULL,
	    "%s", s.error);
	ck_assert_str_eq(cert_served_name(s.state), "unreachable");
	cert_cleanup(&c);
	/* Off: nothing looked at. */
	ck_assert_int_eq(cert_load(cfg, 1, "/st", &c, &cause), 0);
	cert_served_check(&c, "AA", 1, &s);
	ck_assert_int_eq(s.state, CERT_SERVED_OFF);
	cert_cleanup(&c);
	config_free(cfg);
	/* The default follows [nginx] listen_https, wildcards made local. */
	cfg = cfg_of("[nginx]\nlisten_https = [::]:8443 127.0.0.2:9443\n"
	    "[cert a]\nnames = www.example.test\n");
	endpoint_is(cfg, 0, "[::1]:8443", "www.example.test");
	config_free(cfg);
	cfg = cfg_of("[nginx]\nlisten_https = *:8443\n"
	    "[cert a]\nnames = www.example.test\n");
	endpoint_is(cfg, 0, "127.0.0.1:8443", "www.example.test");
	config_free(cfg);
}
END_TEST

/* --- install, rollback, deploy -------------------------------------------------- */

/* The text of path, or "(none)". Caller frees. */
static char *
slurp(const char *path)
{
	char	*data = NULL, *cause = NULL;
	size_t	 len;

	if (fs_read_file(path, 1 << 20, &data, &len, &cause) != 0) {
		free(cause);
		return (strdup("(none)"));
	}
	return (data);
}

/* path must hold want. */
static void
holds(const char *path, const char *want)
{
	char	*got = slurp(path);

	ck_assert_msg(strcmp(got, want) == 0, "%s holds '%s', not '%s'", path,
	    got, want);
	free(got);
}

/* Files installed over old ones keep them as .prev; rollback undoes it. */
START_TEST(test_install_rollback)
{
	struct cert_file	 f[3];
	struct stat		 sb;
	char			 a[128], b[128], n[128], prev[160];
	char			*cause = NULL;

	snprintf(a, sizeof(a), "%s/live/www/privkey.pem", tdir);
	snprintf(b, sizeof(b), "%s/live/www/cert.pem", tdir);
	snprintf(n, sizeof(n), "%s/other/dir/chain.pem", tdir);
	ck_assert_int_eq(fs_mkdirs(a, 0755, FS_MKDIRS_PARENT, &cause), 0);
	ck_assert_int_eq(fs_write_atomic(a, "old key", 7, 0600, &cause), 0);
	ck_assert_int_eq(fs_write_atomic(b, "old cert", 8, 0644, &cause), 0);
	memset(f, 0, sizeof(f));
	f[0] = (struct cert_file){ a, "new key", 7, 0600, 0, 0 };
	f[1] = (struct cert_file){ b, "new cert", 8, 0644, 0, 0 };
	f[2] = (struct cert_file){ n, "new chain", 9, 0644, 0, 0 };
	ck_assert_int_eq(cert_install(f, 3, &cause), 0);
	ck_assert_ptr_null(cause);
	holds(a, "new key");
	holds(n, "new chain");			/* its folders were made */
	snprintf(prev, sizeof(prev), "%s.prev", a);
	holds(prev, "old key");
	ck_assert_int_eq(stat(a, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	snprintf(prev, sizeof(prev), "%s.prev", b);
	holds(prev, "old cert");
	snprintf(prev, sizeof(prev), "%s.prev", n);
	holds(prev, "(none)");			/* nothing was there */
	ck_assert(f[0].had_old && f[1].had_old && !f[2].had_old);
	cert_rollback(f, 3);
	holds(a, "old key");
	holds(b, "old cert");
	holds(n, "(none)");			/* new: removed again */
}
END_TEST

/* An install that fails half-way puts back what it wrote. */
START_TEST(test_install_fails)
{
	struct cert_file	 f[2];
	char			 a[128], blocker[128], b[160];
	char			*cause = NULL;

	snprintf(a, sizeof(a), "%s/key.pem", tdir);
	snprintf(blocker, sizeof(blocker), "%s/notadir", tdir);
	snprintf(b, sizeof(b), "%s/notadir/cert.pem", tdir);
	ck_assert_int_eq(fs_write_atomic(a, "old key", 7, 0600, &cause), 0);
	ck_assert_int_eq(fs_write_atomic(blocker, "x", 1, 0600, &cause), 0);
	memset(f, 0, sizeof(f));
	f[0] = (struct cert_file){ a, "new key", 7, 0600, 0, 0 };
	f[1] = (struct cert_file){ b, "new cert", 8, 0644, 0, 0 };
	ck_assert_int_eq(cert_install(f, 2, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "notadir"));
	free(cause);
	holds(a, "old key");
}
END_TEST

/* A failing deploy test puts the old files back and says so. */
START_TEST(test_deploy_test)
{
	struct config		*cfg;
	struct cert		 c;
	struct cert_file	 f[1];
	char			 a[128], *cause = NULL;

	snprintf(a, sizeof(a), "%s/fullchain.pem", tdir);
	ck_assert_int_eq(fs_write_atomic(a, "old", 3, 0644, &cause), 0);
	cfg = cert_cfg("www.example.test", "echo 'nginx: [emerg] bad'; exit 3");
	ck_assert_int_eq(cert_load(cfg, 0, tdir, &c, &cause), 0);
	memset(f, 0, sizeof(f));
	f[0] = (struct cert_file){ a, "new", 3, 0644, 0, 0 };
	ck_assert_int_eq(cert_install(f, 1, &cause), 0);
	holds(a, "new");
	ck_assert_int_eq(cert_deploy_test(&c, f, 1, &cause), -1);
	ck_assert_str_eq(cause, "test command 'echo 'nginx: [emerg] bad'; "
	    "exit 3' failed (exit 3): nginx: [emerg] bad; the previous files "
	    "were put back");
	free(cause);
	cause = NULL;
	holds(a, "old");
	cert_cleanup(&c);
	config_free(cfg);
	/* A passing one leaves the new files; no command at all passes. */
	cfg = cert_cfg("www.example.test", "true");
	ck_assert_int_eq(cert_load(cfg, 0, tdir, &c, &cause), 0);
	memset(f, 0, sizeof(f));
	f[0] = (struct cert_file){ a, "new", 3, 0644, 0, 0 };
	ck_assert_int_eq(cert_install(f, 1, &cause), 0);
	ck_assert_int_eq(cert_deploy_test(&c, f, 1, &cause), 0);
	holds(a, "new");
	ck_assert_int_eq(cert_command("reload command", "", &cause), 0);
	ck_assert_int_eq(cert_command("reload command", NULL, &cause), 0);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* --- the status file ----------------------------------------------------------- */

/* The status file of c as JSON (caller puts). */
static json_object *
status_of(const struct cert *c)
{
	json_object	*o = NULL;
	char		*cause = NULL;

	ck_assert_msg(jsonutil_load_file(c->status_file, 1 << 16, 8,
	    JSONUTIL_OBJECT, &o, &cause) == ST_OK, "%s", cause);
	return (o);
}

/* A failure keeps the last success; cert_last_read reads the attempt. */
START_TEST(test_status)
{
	struct config		*cfg;
	struct crypto_cert	 cur, fresh;
	struct cert_last	 last;
	struct cert		 c;
	json_object		*st, *inst;
	char			*cause = NULL;
	time_t			 t0 = 1700000000;

	cfg = cert_cfg("www.example.test", NULL);
	ck_assert_int_eq(cert_load(cfg, 0, tdir, &c, &cause), 0);
	cert_last_read(&c, &last);
	ck_assert_str_eq(last.result, "");		/* never ran */
	fake_cur(&cur, &c, t0, 90 * DAY);
	cur.serial = strdup("0A1B");
	cert_status_write(&c, "ok", NULL, &cur, NULL, t0 + 60 * DAY, t0);
	cert_status_write(&c, "failed", "the CA said no", NULL, NULL, 0,
	    t0 + 3600);
	st = status_of(&c);
	ck_assert_str_eq(jsonutil_get_str(st, "result"), "failed");
	ck_assert_str_eq(jsonutil_get_str(st, "error"), "the CA said no");
	ck_assert_str_eq(jsonutil_get_str(st, "last_success"),
	    "2023-11-14T22:13:20Z");
	ck_assert_str_eq(jsonutil_get_str(st, "last_renewal"),
	    "2023-11-14T22:13:20Z");
	ck_assert_str_eq(jsonutil_get_str(st, "last_attempt"),
	    "2023-11-14T23:13:20Z");
	ck_assert_ptr_null(jsonutil_get_str(st, "not_after"));
	json_object_put(st);
	cert_last_read(&c, &last);
	ck_assert_str_eq(last.result, "failed");
	ck_assert_str_eq(last.when, "2023-11-14T23:13:20Z");
	/* not-due keeps them too, and says what is installed. */
	cert_status_write(&c, "not-due", NULL, &cur, NULL, t0 + 60 * DAY,
	    t0 + 7200);
	st = status_of(&c);
	ck_assert_str_eq(jsonutil_get_str(st, "last_success"),
	    "2023-11-14T22:13:20Z");
	ck_assert_str_eq(jsonutil_get_str(st, "serial"), "0A1B");
	ck_assert_str_eq(jsonutil_get_str(st, "deploy"), "served");
	ck_assert_str_eq(jsonutil_get_str(st, "next_renewal"),
	    "2024-01-13T22:13:20Z");
	ck_assert_str_eq(jsonutil_get_str(st, "cert_file"), c.fullchain_file);
	json_object_put(st);
	/*
	 * Installed, not reloaded: the file still says what nginx serves
	 * (0A1B) and names what waits for the reload (0C2D).
	 */
	fake_cur(&fresh, &c, t0 + 60 * DAY, 90 * DAY);
	fresh.serial = strdup("0C2D");
	cert_status_write(&c, "failed", "reload command failed", NULL, &fresh,
	    t0 + 120 * DAY, t0 + 60 * DAY);
	st = status_of(&c);
	ck_assert_str_eq(jsonutil_get_str(st, "deploy"), "reload-pending");
	ck_assert_str_eq(jsonutil_get_str(st, "serial"), "0A1B");
	ck_assert_str_eq(jsonutil_get_str(st, "not_after"),
	    "2024-02-12T22:13:20Z");
	ck_assert(json_object_object_get_ex(st, "installed", &inst));
	ck_assert_str_eq(jsonutil_get_str(inst, "serial"), "0C2D");
	json_object_put(st);
	cert_last_read(&c, &last);
	ck_assert_int_eq(last.reload_pending, 1);
	ck_assert_str_eq(last.served_serial, "0A1B");
	/* A second failed reload still says 0A1B is served. */
	cert_status_write(&c, "failed", "again", NULL, &fresh, 0,
	    t0 + 61 * DAY);
	cert_last_read(&c, &last);
	ck_assert_int_eq(last.reload_pending, 1);
	ck_assert_str_eq(last.served_serial, "0A1B");
	/* The reload done: served. */
	cert_status_write(&c, "ok", NULL, &fresh, NULL, 0, t0 + 62 * DAY);
	cert_last_read(&c, &last);
	ck_assert_int_eq(last.reload_pending, 0);
	ck_assert_str_eq(last.served_serial, "0C2D");
	crypto_cert_cleanup(&fresh);
	/* A status file nobody can parse is read as "never". */
	ck_assert_int_eq(fs_write_atomic(c.status_file, "{", 1, 0644, &cause),
	    0);
	cert_last_read(&c, &last);
	ck_assert_str_eq(last.result, "");
	crypto_cert_cleanup(&cur);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* --- cert_due on real files ------------------------------------------------------ */

/* A PEM certificate for san (with an ARI id when aki is set), by key. */
static char *
make_cert(EVP_PKEY *key, const char *san, int aki, long days)
{
	static const unsigned char kid[] = { 0x69, 0x88, 0x5B, 0x6B, 0x87,
	    0x46, 0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C,
	    0xDE, 0x01, 0xC8, 0xD4 };
	X509		*x = X509_new();
	X509_EXTENSION	*ext;
	AUTHORITY_KEYID	*akid;
	BIO		*bio = BIO_new(BIO_s_mem());
	X509_NAME	*name = X509_NAME_new();
	char		*data, *out;
	long		 len;

	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_set_version(x, 2);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Test CA", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_subject_name(x, name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), -DAY);
	X509_gmtime_adj(X509_getm_notAfter(x), days * DAY - DAY);
	X509_set_pubkey(x, key);
	if (aki) {
		akid = AUTHORITY_KEYID_new();
		akid->keyid = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(akid->keyid, kid, sizeof(kid));
		X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0);
		AUTHORITY_KEYID_free(akid);
	}
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	PEM_write_bio_X509(bio, x);
	len = BIO_get_mem_data(bio, &data);
	out = strndup(data, (size_t)len);
	BIO_free(bio);
	X509_free(x);
	return (out);
}

/*
 * Installs a 90-day certificate for www.example.test (with an ARI id when
 * aki is set) and its key as c's files; *cur is what they say.
 */
static void
put_cert(const struct cert *c, EVP_PKEY *key, int aki, struct crypto_cert *cur)
{
	char	*pem, *cause = NULL;

	pem = make_cert(key, "DNS:www.example.test", aki, 90);
	ck_assert_int_eq(fs_mkdirs(c->fullchain_file, 0755, FS_MKDIRS_PARENT,
	    &cause), 0);
	ck_assert_int_eq(fs_write_atomic(c->fullchain_file, pem, strlen(pem),
	    0644, &cause), 0);
	free(pem);
	ck_assert_int_eq(crypto_key_save(c->key_file, key, &cause), 0);
	ck_assert_int_eq(crypto_cert_load(c->fullchain_file, cur, &cause), 0);
}

/*
 * The files decide; an ARI id with no CA to ask falls back on the
 * lifetime rule (and the failure is remembered for the run).
 */
START_TEST(test_due_files)
{
	struct config		*cfg;
	struct crypto_cert	 cur;
	struct cert_run		 run;
	struct cert		 c;
	EVP_PKEY		*key;
	const char		*reason;
	char			*cause = NULL, *pem, state[128];
	time_t			 next, now = time(NULL);
	int			 have;

	snprintf(state, sizeof(state), "%s/state", tdir);
	cfg = cert_cfg("www.example.test", NULL);
	ck_assert_int_eq(cert_load(cfg, 0, state, &c, &cause), 0);
	cert_run_init(&run, cfg);
	run.state_dir = state;
	ck_assert_ptr_nonnull(key = crypto_key_new(CRYPTO_KEY_EC256, &cause));
	have = crypto_cert_load(c.fullchain_file, &cur, &cause) == 0;
	free(cause);
	cause = NULL;
	ck_assert_int_eq(cert_due(&run, &c, &cur, have, now, &reason, &next),
	    1);
	ck_assert_str_eq(reason, "files missing");
	crypto_cert_cleanup(&cur);
	/* A fresh 90-day certificate, no ARI id: not due, no CA asked. */
	put_cert(&c, key, 0, &cur);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 0);
	ck_assert_int_eq(next, cert_renew_at(&cur));
	ck_assert_int_eq(run.acme_tried, 0);
	/* The key unreadable: files missing again. */
	ck_assert_int_eq(rename(c.key_file, c.pending_key), 0);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 1);
	ck_assert_str_eq(reason, "files missing");
	ck_assert_int_eq(rename(c.pending_key, c.key_file), 0);
	crypto_cert_cleanup(&cur);
	/* With an ARI id, a CA that cannot be reached: the lifetime rule. */
	pem = make_cert(key, "DNS:www.example.test", 1, 90);
	ck_assert_int_eq(fs_write_atomic(c.fullchain_file, pem, strlen(pem),
	    0644, &cause), 0);
	free(pem);
	ck_assert_int_eq(crypto_cert_load(c.fullchain_file, &cur, &cause), 0);
	ck_assert_ptr_nonnull(cur.ari_id);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 0);
	ck_assert_int_eq(next, cert_renew_at(&cur));
	ck_assert_int_eq(run.acme_tried, 1);
	ck_assert_ptr_null(run.acme);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, cert_renew_at(&cur),
	    &reason, &next), 1);
	ck_assert_str_eq(reason, "less than a third of its lifetime left");
	/* A saved order makes it due without asking anyone. */
	ck_assert_int_eq(cert_order_save(&c, "https://ca/order/9", 0, &cause),
	    0);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 1);
	ck_assert_str_eq(reason, "resuming a pending order");
	crypto_cert_cleanup(&cur);
	EVP_PKEY_free(key);
	cert_run_cleanup(&run);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* [cert www] (and [cert other], profile nosuch) against the test CA. */
static struct config *
ca_cfg(void)
{
	char	 text[2048];

	snprintf(text, sizeof(text), "[acme]\ndirectory_url = "
	    "http://127.0.0.1:%d/ca/dir\nstate_dir = %s/state\ntimeout = 5\n"
	    "[cert www]\nnames = www.example.test\nwebroot = %s/web\n"
	    "profile = shortlived\nreload_command =\ntest_command =\n"
	    "[cert other]\nnames = other.example.test\nwebroot = %s/web\n"
	    "profile = nosuch\nreload_command =\ntest_command =\n",
	    ca.port, tdir, tdir, tdir);
	return (cfg_of(text));
}

/*
 * RFC 9773 end to end with the test CA: one window decision per
 * certificate, kept across runs (not drawn again), no request before the
 * CA's Retry-After, the pick kept when the CA says the same window again,
 * a new one when the window moves; cert status's date is the renewal's.
 */
START_TEST(test_ari_kept)
{
	struct cert_ari_saved	 sv;
	struct config		*cfg;
	struct crypto_cert	 cur;
	struct cert_run		 run;
	struct cert		 c;
	EVP_PKEY		*key;
	const char		*reason;
	char			*cause = NULL;
	time_t			 next, first, now = time(NULL);
	int			 h0 = ca_hits();

	cfg = ca_cfg();
	ck_assert_int_eq(cert_load(cfg, 0, config_str(cfg, "acme",
	    "state_dir"), &c, &cause), 0);
	ck_assert_ptr_nonnull(key = crypto_key_new(CRYPTO_KEY_EC256, &cause));
	put_cert(&c, key, 1, &cur);
	ck_assert_ptr_nonnull(cur.ari_id);
	/* Run 1 asks; the pick is in the window, not due yet. */
	cert_run_init(&run, cfg);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 0);
	ck_assert_int_eq(ca_hits(), h0 + 1);
	ck_assert(next >= ca_base + 10 * DAY && next <= ca_base + 12 * DAY);
	first = next;
	ck_assert_int_eq(cert_ari_load(&c, &sv), 0);
	ck_assert_str_eq(sv.id, cur.ari_id);
	ck_assert_int_eq(sv.pick, first);
	ck_assert(sv.ask_after >= now + 3600 - 5 && sv.ask_after <= now + 3605);
	cert_run_cleanup(&run);
	/* Run 2, before the Retry-After: no request at all, the same date. */
	cert_run_init(&run, cfg);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now + 60, &reason, &next),
	    0);
	ck_assert_int_eq(next, first);
	ck_assert_int_eq(run.acme_tried, 0);
	ck_assert_int_eq(ca_hits(), h0 + 1);
	cert_run_cleanup(&run);
	/* cert status says the date the renewal uses. */
	ck_assert_int_eq(cert_next_renewal(&c, &cur), first);
	/* After it, the CA is asked again: same window, same pick. */
	sv.ask_after = now - 1;
	cert_ari_save(&c, &sv);
	cert_run_init(&run, cfg);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 0);
	ck_assert_int_eq(ca_hits(), h0 + 2);
	ck_assert_int_eq(next, first);
	cert_run_cleanup(&run);
	/* The window moves (earlier, an hour long): a pick in the new one. */
	ck_assert_int_eq(cert_ari_load(&c, &sv), 0);
	sv.ask_after = now - 1;
	cert_ari_save(&c, &sv);
	cert_run_init(&run, cfg);
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, now, &reason, &next), 0);
	ck_assert_int_eq(ca_hits(), h0 + 3);
	ck_assert(next >= ca_base + DAY && next <= ca_base + DAY + 3600);
	ck_assert_int_eq(cert_next_renewal(&c, &cur), next);
	/*
	 * When the pick has come (a day on, past the Retry-After): asked
	 * again, the same window, so the same pick, due.
	 */
	first = next;
	ck_assert_int_eq(cert_due(&run, &c, &cur, 1, first, &reason, &next), 1);
	ck_assert_str_eq(reason, "in the CA's renewal window (ARI)");
	ck_assert_int_eq(next, first);
	ck_assert_int_eq(ca_hits(), h0 + 4);
	cert_run_cleanup(&run);
	crypto_cert_cleanup(&cur);
	EVP_PKEY_free(key);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* The pick: kept for the same id and window, else drawn in the new one. */
START_TEST(test_ari_pick)
{
	struct cert_ari_saved	 sv;
	struct acme_ari		 got;

	memset(&sv, 0, sizeof(sv));
	snprintf(sv.id, sizeof(sv.id), "aki.serial");
	sv.start = 1000;
	sv.end = 2000;
	sv.pick = 1500;
	got.start = 1000;
	got.end = 2000;
	ck_assert_int_eq(cert_ari_pick(&sv, "aki.serial", &got, 7), 1500);
	ck_assert_int_eq(cert_ari_pick(NULL, "aki.serial", &got, 7), 1007);
	ck_assert_int_eq(cert_ari_pick(&sv, "aki.other", &got, 7), 1007);
	got.end = 3000;
	ck_assert_int_eq(cert_ari_pick(&sv, "aki.serial", &got, 9), 1009);
	/* rnd past the window is clamped to its end. */
	ck_assert_int_eq(cert_ari_pick(NULL, "x", &got, 99999), 3000);
}
END_TEST

/*
 * A rateLimited reply, kept as "not before" (its Retry-After) in the
 * status file and said plainly; --force goes anyway (the runs before the
 * time, which ask nothing, are 057-cert-rate-limit.sh). A profile the CA
 * does not offer is an error before any order.
 */
START_TEST(test_rate_limited)
{
	struct cert_outcome	 o;
	struct cert_last	 last;
	struct config		*cfg;
	struct cert_run		 run;
	struct cert		 c;
	char			*cause = NULL;
	time_t			 now = time(NULL);
	int			 orders = ca_count(1);

	cfg = ca_cfg();
	ck_assert_int_eq(cert_load(cfg, 0, config_str(cfg, "acme",
	    "state_dir"), &c, &cause), 0);
	ck_assert_int_eq(fs_mkdirs(config_str(cfg, "acme", "state_dir"), 0700,
	    0, &cause), 0);
	ck_assert_str_eq(c.profile, "shortlived");
	cert_run_init(&run, cfg);
	cert_renew_one(&run, &c, &o);
	ck_assert_int_eq(o.result, CERT_FAILED);
	ck_assert_msg(strstr(o.error, "rateLimited: too many certificates for "
	    "this set of names (HTTP 429, retry after 7200 s); rate limited: "
	    "not retried before ") != NULL, "%s", o.error);
	ck_assert_int_eq(ca_count(1), orders + 1);
	cert_outcome_cleanup(&o);
	cert_run_cleanup(&run);
	cert_last_read(&c, &last);
	ck_assert(last.rate_limited_until >= now + 7200 - 5 &&
	    last.rate_limited_until <= now + 7205);
	/* --force asks anyway (and is refused again). */
	cert_run_init(&run, cfg);
	run.force = 1;
	cert_renew_one(&run, &c, &o);
	ck_assert_int_eq(o.result, CERT_FAILED);
	ck_assert_int_eq(run.acme_tried, 1);
	ck_assert_int_eq(ca_count(1), orders + 2);
	cert_outcome_cleanup(&o);
	cert_run_cleanup(&run);
	cert_cleanup(&c);
	/* A profile the CA does not offer: no order, and why. */
	ck_assert_int_eq(cert_load(cfg, 1, config_str(cfg, "acme",
	    "state_dir"), &c, &cause), 0);
	cert_run_init(&run, cfg);
	cert_renew_one(&run, &c, &o);
	ck_assert_int_eq(o.result, CERT_FAILED);
	ck_assert_msg(strstr(o.error, "[cert other] profile = nosuch: the CA "
	    "at http://") != NULL && strstr(o.error, "does not offer it (its "
	    "directory's profiles: classic, shortlived); no order placed") !=
	    NULL, "%s", o.error);
	ck_assert_int_eq(ca_count(1), orders + 2);
	ck_assert_int_eq(access(c.pending_key, F_OK), -1);
	cert_outcome_cleanup(&o);
	cert_run_cleanup(&run);
	cert_cleanup(&c);
	config_free(cfg);
}
END_TEST

/*
 * [acme] store_key as a list: blanks, commas or lines between keys, the
 * first seals; a bad key is named by position and its text never shown;
 * duplicates, too many and none refused. cert_store_open decodes the
 * same list (no connection is made) and names each key by id.
 */
START_TEST(test_store_keys)
{
	static const char k1[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
	static const char k2[] = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";
	struct cert_store	*st;
	struct config		*cfg;
	char			 text[1024], *why = NULL, id[CRYPTO_SEAL_KEY_ID];
	int			 i;

	ck_assert_int_eq(cert_store_key_check(k1, &why), 0);
	snprintf(text, sizeof(text), "%s\n%s\n", k2, k1);
	ck_assert_int_eq(cert_store_key_check(text, &why), 0);
	snprintf(text, sizeof(text), " %s , %s ", k2, k1);
	ck_assert_int_eq(cert_store_key_check(text, &why), 0);
	/* bad ones: the position, never the text */
	snprintf(text, sizeof(text), "%s %s", k1, "AAEC");
	ck_assert_int_eq(cert_store_key_check(text, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "key 2 has 3 bytes, not 32"));
	ck_assert_ptr_null(strstr(why, k1));
	cause_clear(&why);
	snprintf(text, sizeof(text), "%s %s!", k1, k2);
	ck_assert_int_eq(cert_store_key_check(text, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "key 2 is not base64url"));
	cause_clear(&why);
	snprintf(text, sizeof(text), "%s\n%s\n%s", k1, k2, k1);
	ck_assert_int_eq(cert_store_key_check(text, &why), -1);
	ck_assert_str_eq(why, "key 3 is key 1 again");
	cause_clear(&why);
	ck_assert_int_eq(cert_store_key_check(" \n ", &why), -1);
	ck_assert_str_eq(why, "no key");
	cause_clear(&why);
	text[0] = '\0';
	for (i = 0; i < CERT_STORE_KEYS_MAX + 1; i++) {
		/* distinct keys: the first character differs */
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%c%s\n", "ABCDEFGHIJ"[i], k1 + 1);
	}
	ck_assert_int_eq(cert_store_key_check(text, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than 8 keys"));
	cause_clear(&why);
	/* cert_store_open: the list decoded, each key named by its id */
	snprintf(text, sizeof(text), "[acme]\nstore = database\n"
	    "store_key = %s %s\n", k2, k1);
	cfg = cfg_of(text);
	st = cert_store_open(cfg, 1, &why);
	ck_assert_msg(st != NULL, "%s", why);
	ck_assert_uint_eq(st->nkeys, 2);
	ck_assert_int_eq(st->keys[1][31], 31);
	ck_assert_int_eq(st->keys[0][0], 32);
	crypto_seal_key_id(st->keys[1], id);
	ck_assert_str_eq(st->ids[1], id);
	ck_assert_str_ne(st->ids[0], st->ids[1]);
	cert_store_free(st);
	config_free(cfg);
	cfg = cfg_of("[acme]\nstore = database\nstore_key = no!pe\n");
	ck_assert_ptr_null(cert_store_open(cfg, 1, &why));
	ck_assert_ptr_nonnull(strstr(why, "[acme] store_key: key 1 is not "
	    "base64url"));
	cause_clear(&why);
	config_free(cfg);
}
END_TEST

/* Adds one test case to s, with the folder fixture when fixture is set. */
static void
add(Suite *s, const char *name, const TTest *t, int fixture)
{
	TCase	*tc = tcase_create(name);

	if (fixture)
		tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

/* The log quiet but for errors; the test CA started. */
static int
setup_all(void)
{
	log_init("check_cert", LOG_LEVEL_ERROR);
	ca_base = time(NULL);
	unit_srv_start(&ca, ca_handle, 0);
	return (0);
}

/* Stops it. */
static void
teardown_all(void)
{
	unit_srv_stop(&ca);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	Suite	*d = suite_create("due"), *o = suite_create("orders");
	Suite	*f = suite_create("files");

	add(d, "reasons", test_due_reasons, 1);
	add(d, "lifetime", test_due_lifetime, 1);
	add(d, "ari", test_due_ari, 1);
	add(d, "files", test_due_files, 1);
	add(d, "ari_pick", test_ari_pick, 0);
	add(d, "ari_kept", test_ari_kept, 1);
	add(d, "rate_limited", test_rate_limited, 1);
	add(o, "usable", test_order_usable, 0);
	add(o, "drop", test_order_drop, 0);
	add(o, "saved", test_order_saved, 1);
	add(f, "load", test_load, 0);
	add(f, "endpoint", test_endpoint, 0);
	add(f, "install_rollback", test_install_rollback, 1);
	add(f, "install_fails", test_install_fails, 1);
	add(f, "deploy_test", test_deploy_test, 1);
	add(f, "status", test_status, 1);
	add(f, "store_keys", test_store_keys, 0);
	srunner_add_suite(sr, d);
	srunner_add_suite(sr, o);
	srunner_add_suite(sr, f);
}

const struct unit unit = { "check_cert", setup_all, teardown_all,
    add_suites };
