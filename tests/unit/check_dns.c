/*
 * check_dns.c: unit tests of lib/dns/ (zones, merge, diff, snapshots, the
 * desired records of a config, secret scrubbing, the dns_update()
 * transaction over an in-memory provider), lib/dns/dynadot.c (api3 reply
 * parsing, refusals, the set_dns2 request) and the pure parts of
 * lib/dns/dns_check.c (normalising, matching, nameserver lists).
 *
 * Nothing here touches the network: the end-to-end scripts
 * tests/e2e/060-dns-sync.sh and 061-dns-cert.sh drive the real HTTP and
 * DNS paths against the Dynadot test double and pebble-challtestsrv.
 * Snapshots go to a mkdtemp() folder made and removed by main().
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "confcheck.h"
#include "config.h"
#include "dns.h"
#include "dns/dynadot.h"
#include "dns_check.h"
#include "httpc.h"
#include "log.h"
#include "nginx.h"
#include "unit.h"

extern char **environ;

static char	 tdir[256];		/* the mkdtemp folder */


/* A config from text over the defaults. */
static struct config *
cfg_of(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_load_string(cfg, "test.conf", text, &cause) == 0,
	    "%s", cause);
	return (cfg);
}

/* A zone of "name type value [value2]" lines ("@" = apex). */
static void
zone_of(struct dns_zone *z, long ttl, const char *const *lines)
{
	char	 name[64], type[16], value[256], value2[64];
	int	 n;

	dns_zone_init(z);
	z->name = strdup("example.com");
	z->ttl = ttl;
	for (; *lines != NULL; lines++) {
		value2[0] = '\0';
		n = sscanf(*lines, "%63s %15s %255s %63s", name, type, value,
		    value2);
		ck_assert_int_ge(n, 3);
		ck_assert_int_eq(dns_zone_add(z, strcmp(name, "@") == 0 ? "" :
		    name, type, value, n == 4 ? value2 : NULL), 0);
	}
}

/* The diff from a to b as text (caller frees). */
static char *
diff_of(const struct dns_zone *a, const struct dns_zone *b, int *n)
{
	struct buf	 out;

	buf_init(&out, 65536);
	*n = dns_zone_diff(a, b, &out);
	if (out.data == NULL)
		buf_adds(&out, "");
	return (buf_steal(&out));
}

/* --- merge and diff ------------------------------------------------------ */

/* SET replaces the values of (name, type); everything else stays, in order. */
START_TEST(test_merge_set)
{
	static const char *const cur_l[] = { "@ mx mail.example.com 10",
	    "www a 198.51.100.7", "www a 198.51.100.8", "@ a 192.0.2.1",
	    "mail a 198.51.100.25", "@ txt v=spf1", NULL };
	struct dns_zone		 cur, out;
	struct dns_changes	 c;
	char			*cause = NULL, *d;
	int			 n;

	zone_of(&cur, 3600, cur_l);
	dns_changes_init(&c);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "www", "a",
	    "192.0.2.10"), 0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "", "a", "192.0.2.1"),
	    0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "", "AAAA",
	    "2001:DB8::1"), 0);
	c.ttl = 300;
	ck_assert_int_eq(dns_zone_merge(&cur, &c, &out, &cause), 0);
	ck_assert_uint_eq(out.n, 6);
	ck_assert_str_eq(out.rec[0].type, "mx");	/* order kept */
	ck_assert_str_eq(out.rec[1].value, "192.0.2.1");
	ck_assert_str_eq(out.rec[2].name, "mail");
	ck_assert_str_eq(out.rec[3].type, "txt");
	ck_assert_str_eq(out.rec[4].value, "192.0.2.10");
	ck_assert_str_eq(out.rec[5].type, "aaaa");
	ck_assert_int_eq(out.ttl, 300);
	d = diff_of(&cur, &out, &n);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(d,
	    "+ @ AAAA 2001:DB8::1\n"
	    "- www A 198.51.100.7\n"
	    "- www A 198.51.100.8\n"
	    "+ www A 192.0.2.10\n"
	    "~ TTL 3600 -> 300\n");
	free(d);
	/* Merging again changes nothing (addresses compare as addresses). */
	{
		struct dns_zone	 again;

		ck_assert_int_eq(dns_zone_merge(&out, &c, &again, &cause), 0);
		ck_assert(dns_zone_equal(&out, &again));
		d = diff_of(&out, &again, &n);
		ck_assert_int_eq(n, 0);
		ck_assert_str_eq(d, "");
		free(d);
		dns_zone_cleanup(&again);
	}
	dns_zone_cleanup(&out);
	dns_zone_cleanup(&cur);
	dns_changes_cleanup(&c);
}
END_TEST

/* ADD keeps other TXT values; REMOVE takes exactly one value away. */
START_TEST(test_merge_add_remove)
{
	static const char *const cur_l[] = { "@ txt google-site=1",
	    "_acme-challenge txt old", "_acme-challenge txt keep", NULL };
	struct dns_zone		 cur, out;
	struct dns_changes	 c;
	char			*cause = NULL, *d;
	int			 n;

	zone_of(&cur, 600, cur_l);
	dns_changes_init(&c);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_ADD, "_acme-challenge",
	    "txt", "A1"), 0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_ADD, "_acme-challenge",
	    "txt", "B2"), 0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_ADD, "_acme-challenge",
	    "txt", "keep"), 0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_REMOVE, "_acme-challenge",
	    "txt", "old"), 0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_REMOVE, "_acme-challenge",
	    "txt", "not-there"), 0);
	ck_assert_int_eq(dns_zone_merge(&cur, &c, &out, &cause), 0);
	d = diff_of(&cur, &out, &n);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(d,
	    "- _acme-challenge TXT \"old\"\n"
	    "+ _acme-challenge TXT \"A1\"\n"
	    "+ _acme-challenge TXT \"B2\"\n");
	free(d);
	ck_assert_int_eq(out.ttl, 600);		/* ttl 0: kept */
	dns_zone_cleanup(&out);
	dns_zone_cleanup(&cur);
	dns_changes_cleanup(&c);
}
END_TEST

/* A change that would break the zone is refused. */
START_TEST(test_merge_conflicts)
{
	static const char *const cur_l[] = { "blog cname example.net",
	    "go forward https://example.org/ 1", "www a 192.0.2.1", NULL };
	struct dns_zone		 cur, out;
	struct dns_changes	 c;
	char			*cause = NULL;

	zone_of(&cur, 300, cur_l);
	dns_changes_init(&c);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "blog", "a",
	    "192.0.2.10"), 0);
	ck_assert_int_eq(dns_zone_merge(&cur, &c, &out, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "blog: a CNAME cannot share"));
	free(cause);
	cause = NULL;
	dns_changes_cleanup(&c);
	dns_changes_init(&c);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "go", "aaaa",
	    "2001:db8::1"), 0);
	ck_assert_int_eq(dns_zone_merge(&cur, &c, &out, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "go: the provider forwards"));
	free(cause);
	cause = NULL;
	dns_changes_cleanup(&c);
	dns_changes_init(&c);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "www", "cname",
	    "example.net"), 0);
	ck_assert_int_eq(dns_zone_merge(&cur, &c, &out, &cause), -1);
	free(cause);
	cause = NULL;
	/* Replacing the CNAME itself is fine; so is a TXT beside a forward. */
	dns_changes_cleanup(&c);
	dns_changes_init(&c);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_SET, "blog", "cname",
	    "Example.ORG."), 0);
	ck_assert_int_eq(dns_changes_add(&c, DNS_OP_ADD, "go", "txt", "x"), 0);
	ck_assert_int_eq(dns_zone_merge(&cur, &c, &out, &cause), 0);
	dns_zone_cleanup(&out);
	dns_zone_cleanup(&cur);
	dns_changes_cleanup(&c);
}
END_TEST

/* Diff text: TXT quoted and escaped, value2 shown, TTL line. */
START_TEST(test_diff_format)
{
	struct dns_zone	 a, b;
	char		*d;
	int		 n;

	dns_zone_init(&a);
	dns_zone_init(&b);
	b.ttl = 300;
	ck_assert_int_eq(dns_zone_add(&b, "", "TXT", "say \"hi\"\\\n", NULL), 0);
	ck_assert_int_eq(dns_zone_add(&b, "", "mx", "mail.example.com", "10"), 0);
	ck_assert_int_eq(dns_zone_add(&b, "*", "a", "192.0.2.1", NULL), 0);
	d = diff_of(&a, &b, &n);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(d,
	    "+ @ MX mail.example.com 10\n"
	    "+ @ TXT \"say \\\"hi\\\"\\\\\\012\"\n"
	    "+ * A 192.0.2.1\n"
	    "~ TTL (unknown) -> 300\n");
	free(d);
	ck_assert(!dns_zone_equal(&a, &b));
	dns_zone_cleanup(&a);
	dns_zone_cleanup(&b);
}
END_TEST

/* Snapshots: JSON and back gives the same zone. */
START_TEST(test_json_roundtrip)
{
	static const char *const l[] = { "@ mx mail.example.com 10",
	    "www a 192.0.2.1", "_dmarc txt v=DMARC1;p=none", NULL };
	struct dns_zone	 z, back;
	json_object	*obj;
	char		*cause = NULL;

	zone_of(&z, 1800, l);
	obj = dns_zone_to_json(&z);
	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(dns_zone_from_json(obj, &back, &cause), 0);
	ck_assert(dns_zone_equal(&z, &back));
	ck_assert_int_eq(back.ttl, 1800);
	ck_assert_str_eq(back.name, "example.com");
	ck_assert_ptr_null(back.rec[1].value2);
	json_object_put(obj);
	dns_zone_cleanup(&back);
	obj = json_tokener_parse("{\"zone\":\"x\",\"records\":[{\"name\":\"\"}]}");
	ck_assert_int_eq(dns_zone_from_json(obj, &back, &cause), -1);
	free(cause);
	json_object_put(obj);
	dns_zone_cleanup(&z);
}
END_TEST

/* --- configuration ------------------------------------------------------- */

/* Relative names. */
START_TEST(test_relative)
{
	char	*r;

	r = dns_relative("WWW.Example.COM.", "example.com");
	ck_assert_str_eq(r, "www");
	free(r);
	r = dns_relative("example.com", "example.com.");
	ck_assert_str_eq(r, "");
	free(r);
	r = dns_relative("_acme-challenge.a.b.example.com", "example.com");
	ck_assert_str_eq(r, "_acme-challenge.a.b");
	free(r);
	ck_assert_ptr_null(dns_relative("badexample.com", "example.com"));
	ck_assert_ptr_null(dns_relative("example.org", "example.com"));
}
END_TEST

/* [dns] hosts + addresses + [dns_record]: SET for addresses, ADD for TXT. */
START_TEST(test_desired)
{
	struct config		*cfg;
	struct dns_changes	 c;
	char			*cause = NULL;

	cfg = cfg_of("[dns]\nzone = example.com\nhosts = @ www *\n"
	    "ipv4 = 192.0.2.10\nipv6 = 2001:DB8:0::10\nttl = 600\n"
	    "[dns_record spf]\nname = @\ntype = txt\nvalue = \"v=spf1 -all\"\n"
	    "[dns_record d]\nname = docs.example.com\ntype = CNAME\n"
	    "value = www.example.com.\n");
	ck_assert_int_eq(dns_desired(cfg, "example.com", &c, &cause), 0);
	ck_assert_uint_eq(c.n, 8);
	ck_assert_int_eq(c.ttl, 600);
	ck_assert_int_eq(c.v[0].op, DNS_OP_SET);
	ck_assert_str_eq(c.v[0].name, "");
	ck_assert_str_eq(c.v[1].value, "2001:db8::10");	/* canonical */
	ck_assert_str_eq(c.v[4].name, "*");
	ck_assert_int_eq(c.v[6].op, DNS_OP_ADD);
	ck_assert_str_eq(c.v[6].value, "v=spf1 -all");
	ck_assert_str_eq(c.v[7].name, "docs");
	ck_assert_str_eq(c.v[7].type, "cname");
	dns_changes_cleanup(&c);
	config_free(cfg);
}
END_TEST

/* Without [dns] hosts: the [site] names inside the zone. */
START_TEST(test_desired_site)
{
	struct config		*cfg;
	struct dns_changes	 c;
	char			*cause = NULL;

	cfg = cfg_of("[site]\ndomain = app.example.com\nsubdomains = api www\n"
	    "wildcard = yes\naliases = localhost other.example.com\n"
	    "[dns]\nzone = example.com\nipv4 = 192.0.2.10\n");
	ck_assert_int_eq(dns_desired(cfg, "example.com", &c, &cause), 0);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_str_eq(c.v[0].name, "app");
	ck_assert_str_eq(c.v[1].name, "api.app");
	ck_assert_str_eq(c.v[2].name, "www.app");
	ck_assert_str_eq(c.v[3].name, "other");
	ck_assert_str_eq(c.v[4].name, "*.app");
	dns_changes_cleanup(&c);
	config_free(cfg);
	/* [dns] zone unset: [site] domain is the zone. */
	cfg = cfg_of("[site]\ndomain = example.com\n");
	ck_assert_str_eq(dns_config_zone(cfg), "example.com");
	config_free(cfg);
}
END_TEST

/*
 * One reader of [site] (lib/site.h): the zone and nginx agree on the
 * names whatever the separators, and refuse the same bad ones. (They
 * used to disagree: dns split "api,www" at the comma, nginx refused it;
 * dns took "a_b", nginx did not.)
 */
START_TEST(test_desired_site_rule)
{
	static const char *const same[] = {
		"[site]\ndomain = example.com\nsubdomains = api www\n",
		"[site]\ndomain = example.com\nsubdomains = api,www\n",
		"[site]\ndomain = example.com\nsubdomains = \tapi ,  www,\n",
	};
	static const char *const bad[][2] = {
		{ "subdomains = a_b\n", "[site] subdomains: 'a_b' is not a "
		    "host name label" },
		{ "subdomains = api,API\n", "[site] subdomains: api.example.com "
		    "is named twice" },
		{ "aliases = x;y.test\n", "[site] aliases: 'x;y.test' is not a "
		    "host name" },
	};
	struct config		*cfg;
	struct dns_changes	 c;
	char			*cause = NULL, *names = NULL, text[256];
	size_t			 i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(text, sizeof(text), "%s[dns]\nipv4 = 192.0.2.10\n",
		    same[i]);
		cfg = cfg_of(text);
		ck_assert_int_eq(dns_desired(cfg, "example.com", &c, &cause), 0);
		ck_assert_uint_eq(c.n, 3);
		ck_assert_str_eq(c.v[0].name, "");
		ck_assert_str_eq(c.v[1].name, "api");
		ck_assert_str_eq(c.v[2].name, "www");
		dns_changes_cleanup(&c);
		ck_assert_int_eq(nginx_server_names(cfg, &names, &cause), 0);
		ck_assert_str_eq(names, "example.com api.example.com "
		    "www.example.com");
		free(names);
		config_free(cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[site]\ndomain = example.com\n%s"
		    "[dns]\nipv4 = 192.0.2.10\n", bad[i][0]);
		cfg = cfg_of(text);
		ck_assert_int_eq(dns_desired(cfg, "example.com", &c, &cause), -1);
		ck_assert_str_eq(cause, bad[i][1]);
		free(cause);
		cause = NULL;
		ck_assert_int_eq(nginx_server_names(cfg, &names, &cause), -1);
		ck_assert_str_eq(cause, bad[i][1]);
		free(cause);
		cause = NULL;
		config_free(cfg);
	}
}
END_TEST

/* Bad declarations are refused with the section's name. */
START_TEST(test_desired_errors)
{
	static const char *const bad[][2] = {
		{ "[dns]\nipv4 = 300.1.1.1\n", "[dns] ipv4: '300.1.1.1'" },
		{ "[dns]\nipv6 = 192.0.2.1\n", "is not an IPv6 address" },
		{ "[dns]\nhosts = bad..name\nipv4 = 192.0.2.1\n", "[dns] hosts" },
		{ "[dns_record x]\nname = @\ntype = SRV\nvalue = 1\n",
		    "[dns_record x] type: 'SRV'" },
		{ "[dns_record x]\nname = @\ntype = A\nvalue = ::1\n",
		    "[dns_record x] value: '::1' is not an IPv4" },
		{ "[dns_record x]\ntype = A\nvalue = 192.0.2.1\n",
		    "[dns_record x]: name, type and value are required" },
	};
	struct config		*cfg;
	struct dns_changes	 c;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = cfg_of(bad[i][0]);
		ck_assert_int_eq(dns_desired(cfg, "example.com", &c, &cause), -1);
		ck_assert_msg(strstr(cause, bad[i][1]) != NULL, "%s: %s",
		    bad[i][1], cause);
		free(cause);
		cause = NULL;
		config_free(cfg);
	}
}
END_TEST

/* --- secrets ------------------------------------------------------------- */

/* The key goes, raw, URL-encoded, or as a key= parameter. */
START_TEST(test_scrub)
{
	char	*s;

	s = dynadot_scrub("GET /api3.json?key=k+y/1&command=get_dns", "k+y/1");
	ck_assert_str_eq(s, "GET /api3.json?key=(hidden)&command=get_dns");
	free(s);
	s = dynadot_scrub("url ...?key=k%2By%2F1&x=1 and k+y/1 again", "k+y/1");
	ck_assert_str_eq(s, "url ...?key=(hidden)&x=1 and (hidden) again");
	free(s);
	s = dynadot_scrub("Could not connect: k%2By%2F1", "k+y/1");
	ck_assert_str_eq(s, "Could not connect: (hidden)");
	free(s);
	s = dynadot_scrub("monkey=1 key=abc", NULL);
	ck_assert_str_eq(s, "monkey=1 key=(hidden)");
	free(s);
	s = dynadot_scrub("", "x");
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* --- Dynadot replies ----------------------------------------------------- */

#define GET_DNS_OK \
	"{\"GetDnsResponse\":{\"ResponseCode\":\"0\",\"Status\":\"success\"," \
	"\"GetDns\":{\"NameServerSettings\":{\"Type\":\"Dynadot DNS\"," \
	"\"MainDomains\":[{\"RecordType\":\"A\",\"Value\":\"192.0.2.1\"}," \
	"{\"RecordType\":\"MX\",\"Value\":\"mail.example.com\",\"Value2\":\"10\"}]," \
	"\"SubDomains\":[{\"Subhost\":\"WWW\",\"RecordType\":\"CNAME\"," \
	"\"Value\":\"example.com\"},{\"Subhost\":\"go\",\"RecordType\":" \
	"\"Forward\",\"Value\":\"https://example.org/\",\"Value2\":1}]," \
	"\"TTL\":\"300\"}}}}"

/* Parses get_dns (text); returns the status, *z filled. */
static enum st
parse(const char *body, struct dns_zone *z, int *transient, char **cause)
{
	*cause = NULL;
	return (dynadot_parse_zone(body, strlen(body), "example.com", z,
	    transient, cause));
}

/* The documented shape, and its variants. */
START_TEST(test_get_dns)
{
	static const char *const variants[] = {
		GET_DNS_OK,
		/* number code, keys in other cases, settings one level up */
		"{\"GetDnsResponse\":{\"ResponseCode\":0,\"Status\":\"success\","
		"\"NameServerSettings\":{\"type\":\"Dynadot DNS\",\"maindomains\":"
		"[{\"recordtype\":\"a\",\"value\":\"192.0.2.1\"}],\"Subdomains\":[],"
		"\"Ttl\":300}}}",
		/* status in a header object */
		"{\"GetDnsResponse\":{\"GetDnsHeader\":{\"SuccessCode\":\"0\","
		"\"Status\":\"success\"},\"GetDnsContent\":{\"NameServerSettings\":"
		"{\"Type\":\"Dynadot DNS\",\"MainDomains\":[],\"SubDomains\":[]}}}}",
	};
	struct dns_zone	 z;
	char		*cause = NULL;
	int		 transient;
	size_t		 i;

	ck_assert_int_eq(parse(GET_DNS_OK, &z, &transient, &cause), ST_OK);
	ck_assert_uint_eq(z.n, 4);
	ck_assert_int_eq(z.ttl, 300);
	ck_assert_str_eq(z.name, "example.com");
	ck_assert_str_eq(z.rec[0].type, "a");
	ck_assert_str_eq(z.rec[1].value2, "10");
	ck_assert_str_eq(z.rec[2].name, "www");
	ck_assert_str_eq(z.rec[2].type, "cname");
	ck_assert_str_eq(z.rec[3].type, "forward");
	ck_assert_str_eq(z.rec[3].value2, "1");
	dns_zone_cleanup(&z);
	for (i = 1; i < sizeof(variants) / sizeof(variants[0]); i++) {
		ck_assert_msg(parse(variants[i], &z, &transient, &cause) ==
		    ST_OK, "variant %zu: %s", i, cause);
		dns_zone_cleanup(&z);
	}
}
END_TEST

/* Anything not fully understood refuses the zone (no rewrite from it). */
START_TEST(test_get_dns_refused)
{
	static const char *const bad[][2] = {
		{ "\"SubDomains\":[{\"Subhost\":\"x\",\"RecordType\":\"CAA\","
		  "\"Value\":\"0 issue x\"}]", "has type CAA, which bootstack "
		  "does not know" },
		{ "\"SubDomains\":[{\"Subhost\":\"_sip._tcp\",\"RecordType\":"
		  "\"SRV\",\"Value\":\"1 2 3 x\"}]", "type SRV" },
		{ "\"MainDomains\":[{\"RecordType\":\"A\",\"Value\":\"192.0.2.1\","
		  "\"Weight\":\"1\"}]", "a field bootstack does not know "
		  "('Weight')" },
		{ "\"MainDomains\":[{\"Subhost\":\"x\",\"RecordType\":\"A\","
		  "\"Value\":\"192.0.2.1\"}]", "('Subhost')" },
		{ "\"EmailForwarding\":{}", "NameServerSettings has a field "
		  "bootstack does not know ('EmailForwarding')" },
		{ "\"SubDomains\":[{\"RecordType\":\"A\",\"Value\":\"192.0.2.1\"}]",
		  "lacks Subhost" },
		{ "\"MainDomains\":{}", "MainDomains is object, not a list" },
		{ "\"TTL\":\"soon\"", "TTL 'soon'" },
		/*
		 * Partial reads: a list absent, null or of another type. Each
		 * used to read as "no records", and the write deleted them.
		 */
		{ "\"MainDomains\":null", "MainDomains is null, not a list" },
		{ "\"SubDomains\":null", "SubDomains is null, not a list" },
		{ "\"SubDomains\":\"\"", "SubDomains is string, not a list" },
		{ "\"MainDomains\":3", "MainDomains is int, not a list" },
		{ "\"MainDomains\":[],\"TTL\":\"300\"", "NameServerSettings has "
		  "no SubDomains list (get_dns always carries it, [] when empty): "
		  "a partial read" },
		{ "\"SubDomains\":[],\"TTL\":\"300\"", "no MainDomains list" },
		{ "\"TTL\":\"300\"", "no MainDomains list" },
	};
	struct dns_zone	 z;
	char		 body[1024], *cause = NULL;
	int		 transient;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Both lists present unless the case is about their absence. */
		int	 nomain = strstr(bad[i][1], "no MainDomains") != NULL;
		int	 nosub = strstr(bad[i][1], "no SubDomains") != NULL;

		snprintf(body, sizeof(body), "{\"GetDnsResponse\":{\"ResponseCode"
		    "\":\"0\",\"Status\":\"success\",\"GetDns\":{\""
		    "NameServerSettings\":{\"Type\":\"Dynadot DNS\",%s%s%s}}}}",
		    !nomain && strstr(bad[i][0], "\"MainDomains\"") == NULL ?
		    "\"MainDomains\":[]," : "",
		    !nosub && strstr(bad[i][0], "\"SubDomains\"") == NULL ?
		    "\"SubDomains\":[]," : "", bad[i][0]);
		ck_assert_int_eq(parse(body, &z, &transient, &cause),
		    ST_UNPROCESSABLE);
		ck_assert_msg(strstr(cause, bad[i][1]) != NULL, "%zu: %s", i,
		    cause);
		ck_assert_int_eq(transient, 0);
		free(cause);
	}
	/* Not on Dynadot DNS: said so, before its other fields are read. */
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":0,"
	    "\"Status\":\"success\",\"GetDns\":{\"NameServerSettings\":"
	    "{\"Type\":\"Name Servers\",\"NameServers\":[{\"ServerName\":"
	    "\"ns1.example.net\"}]}}}}", &z, &transient, &cause),
	    ST_UNPROCESSABLE);
	ck_assert_msg(strstr(cause, "example.com is not on Dynadot's DNS (its "
	    "name servers are 'Name Servers')") != NULL, "%s", cause);
	ck_assert_ptr_nonnull(strstr(cause, "choose \"Dynadot DNS\""));
	free(cause);
	/* Settings with only Type: no list at all, refused. */
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":0,"
	    "\"Status\":\"success\",\"GetDns\":{\"NameServerSettings\":"
	    "{\"Type\":\"Dynadot DNS\"}}}}", &z, &transient, &cause),
	    ST_UNPROCESSABLE);
	ck_assert_ptr_nonnull(strstr(cause, "no MainDomains list"));
	free(cause);
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":0,"
	    "\"Status\":\"success\",\"GetDns\":{\"NameServerSettings\":"
	    "{\"MainDomains\":[],\"SubDomains\":[]}}}}", &z, &transient,
	    &cause), ST_UNPROCESSABLE);
	ck_assert_ptr_nonnull(strstr(cause, "NameServerSettings has no Type"));
	free(cause);
	/* An unknown object beside the settings. */
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":0,"
	    "\"Status\":\"success\",\"Glue\":[1],\"GetDns\":{"
	    "\"NameServerSettings\":{\"Type\":\"Dynadot DNS\",\"MainDomains\":"
	    "[],\"SubDomains\":[]}}}}", &z,
	    &transient, &cause), ST_UNPROCESSABLE);
	ck_assert_ptr_nonnull(strstr(cause, "('Glue')"));
	free(cause);
	/* More apex records than set_dns2 takes. */
	{
		struct buf	 b;

		buf_init(&b, 65536);
		buf_adds(&b, "{\"GetDnsResponse\":{\"ResponseCode\":0,\"Status\":"
		    "\"success\",\"GetDns\":{\"NameServerSettings\":{\"Type\":"
		    "\"Dynadot DNS\",\"MainDomains\":[");
		for (i = 0; i < 21; i++)
			buf_printf(&b, "%s{\"RecordType\":\"TXT\",\"Value\":"
			    "\"%zu\"}", i > 0 ? "," : "", i);
		buf_adds(&b, "],\"SubDomains\":[]}}}}");
		ck_assert_int_eq(parse(b.data, &z, &transient, &cause),
		    ST_UNPROCESSABLE);
		ck_assert_ptr_nonnull(strstr(cause, "21 MainDomains records"));
		free(cause);
		buf_cleanup(&b);
	}
}
END_TEST

/* Error replies: Dynadot's message; busy and garbage are transient. */
START_TEST(test_replies)
{
	json_object	*root, *resp;
	struct dns_zone	 z;
	char		*cause = NULL;
	int		 transient;

	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":\"-1\","
	    "\"Status\":\"error\",\"Error\":\"could not find domain in your "
	    "account\"}}", &z, &transient, &cause), ST_UPSTREAM);
	ck_assert_str_eq(cause, "Dynadot says: could not find domain in your "
	    "account (the domain is not in the account of this API key: check "
	    "[dns] zone and [dynadot] key_file)");
	ck_assert_int_eq(transient, 0);
	free(cause);
	/*
	 * The access refused before any command ran: a bare "Response", no
	 * Status. Permanent, with the operator's action.
	 */
	ck_assert_int_eq(parse("{\"Response\":{\"ResponseCode\":-1,\"Error\":"
	    "\"invalid key\"}}", &z, &transient, &cause), ST_UPSTREAM);
	ck_assert_int_eq(transient, 0);
	ck_assert_str_eq(cause, "Dynadot says: invalid key (the API key is "
	    "refused: put the production key of Tools > API in the file "
	    "[dynadot] key_file names)");
	free(cause);
	ck_assert_int_eq(parse("{\"Response\":{\"ResponseCode\":\"-1\","
	    "\"Error\":\"ip address not allowed\"}}", &z, &transient, &cause),
	    ST_UPSTREAM);
	ck_assert_int_eq(transient, 0);
	ck_assert_ptr_nonnull(strstr(cause, "on the API allow-list"));
	free(cause);
	/* Busy by Status or code, whatever the words. */
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":\"-1\","
	    "\"Status\":\"system_busy\",\"Error\":\"please wait\"}}", &z,
	    &transient, &cause), ST_UPSTREAM);
	ck_assert_int_eq(transient, 1);
	free(cause);
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":\"-1\","
	    "\"Status\":\"error\",\"Error\":\"busy, try again\"}}", &z,
	    &transient, &cause), ST_UPSTREAM);
	ck_assert_int_eq(transient, 0);
	free(cause);
	ck_assert_int_eq(parse("{\"GetDnsResponse\":{\"ResponseCode\":\"-1\","
	    "\"Status\":\"error\",\"Error\":\"currently processing another "
	    "request from this account\"}}", &z, &transient, &cause),
	    ST_UPSTREAM);
	ck_assert_int_eq(transient, 1);
	free(cause);
	ck_assert_int_eq(parse("{\"ListDomainInfoResponse\":{\"ResponseCode\":"
	    "\"-1\",\"Status\":\"error\",\"Error\":\"problem with connection to "
	    "main server\"}}", &z, &transient, &cause), ST_UPSTREAM);
	ck_assert_int_eq(transient, 1);
	free(cause);
	ck_assert_int_eq(parse("{\"RegisterHeader\":{\"SuccessCode\":\"5\","
	    "\"Status\":\"system_busy\"}}", &z, &transient, &cause),
	    ST_UPSTREAM);
	ck_assert_int_eq(transient, 1);
	ck_assert_str_eq(cause, "Dynadot says: status system_busy, code 5 "
	    "(Dynadot is busy: retried with back-off; if it lasts, the next "
	    "run tries again)");
	free(cause);
	ck_assert_int_eq(parse("<html>maintenance</html>", &z, &transient,
	    &cause), ST_UPSTREAM);
	ck_assert_int_eq(transient, 1);
	free(cause);
	/* Both set_dns2 success shapes seen in clients. */
	root = json_tokener_parse("{\"SetDns2Response\":{\"ResponseCode\":0,"
	    "\"Status\":\"success\"}}");
	ck_assert_int_eq(dynadot_check_reply(root, "set_dns2", &resp,
	    &transient, &cause), ST_OK);
	json_object_put(root);
	root = json_tokener_parse("{\"SetDns2Response\":{\"ResponseHeader\":"
	    "{\"ResponseCode\":\"0\",\"Status\":\"success\"}}}");
	ck_assert_int_eq(dynadot_check_reply(root, "set_dns2", &resp,
	    &transient, &cause), ST_OK);
	json_object_put(root);
	/* "success" with a non-zero code is not a success. */
	root = json_tokener_parse("{\"SetDns2Response\":{\"ResponseCode\":1,"
	    "\"Status\":\"success\"}}");
	ck_assert_int_eq(dynadot_check_reply(root, "set_dns2", &resp,
	    &transient, &cause), ST_UPSTREAM);
	free(cause);
	json_object_put(root);
}
END_TEST

/* The set_dns2 request: every record, indexed, encoded; limits. */
START_TEST(test_set_dns2_query)
{
	static const char *const l[] = { "@ a 192.0.2.1",
	    "@ mx mail.example.com 10", "www cname example.com",
	    "_dmarc txt v=DMARC1;p=none", NULL };
	struct dns_zone	 z;
	struct buf	 q;
	char		*cause = NULL;
	int		 i;

	zone_of(&z, 300, l);
	buf_init(&q, 65536);
	ck_assert_int_eq(dynadot_set_dns2_query(&z, &q, &cause), ST_OK);
	ck_assert_str_eq(q.data, "command=set_dns2&domain=example.com"
	    "&main_record_type0=a&main_record0=192.0.2.1"
	    "&main_record_type1=mx&main_record1=mail.example.com"
	    "&main_recordx1=10"
	    "&subdomain0=www&sub_record_type0=cname&sub_record0=example.com"
	    "&subdomain1=_dmarc&sub_record_type1=txt"
	    "&sub_record1=v%3DDMARC1%3Bp%3Dnone&ttl=300");
	ck_assert_ptr_null(strstr(q.data, "add_dns_to_current_setting"));
	buf_reset(&q);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(dns_zone_add(&z, "", "txt", "x", NULL), 0);
	ck_assert_int_eq(dynadot_set_dns2_query(&z, &q, &cause),
	    ST_UNPROCESSABLE);
	ck_assert_ptr_nonnull(strstr(cause, "more than 20 apex records"));
	free(cause);
	dns_zone_cleanup(&z);
	dns_zone_init(&z);
	z.name = strdup("example.com");
	ck_assert_int_eq(dns_zone_add(&z, "x", "caa", "0 issue x", NULL), 0);
	buf_reset(&q);
	ck_assert_int_eq(dynadot_set_dns2_query(&z, &q, &cause),
	    ST_UNPROCESSABLE);
	free(cause);
	dns_zone_cleanup(&z);
	buf_cleanup(&q);
	{
		char	*e = httpc_escape("a b+c/d=e~f_g.h-i%");

		ck_assert_str_eq(e, "a%20b%2Bc%2Fd%3De~f_g.h-i%25");
		free(e);
	}
}
END_TEST

/* --- the propagation check's pure parts ---------------------------------- */

/* Normalised values and the three kinds of expectation. */
START_TEST(test_check_match)
{
	static const char *const want[] = { "2001:db8::1" };
	char		*v[2], *why = NULL;
	struct dns_expect e = { "x.example.com", "aaaa", DNS_WANT_EXACT,
	    want, 1 };

	v[0] = dns_check_normalise("aaaa", "2001:DB8:0:0::1");
	v[1] = dns_check_normalise("aaaa", "2001:db8::2");
	ck_assert_str_eq(v[0], "2001:db8::1");
	ck_assert(dns_check_match(&e, v, 1, NULL));
	ck_assert(!dns_check_match(&e, v, 2, &why));
	ck_assert_str_eq(why, "wants exactly \"2001:db8::1\"; has "
	    "\"2001:db8::1\", \"2001:db8::2\"");
	free(why);
	e.want = DNS_WANT_HAS;
	ck_assert(dns_check_match(&e, v, 2, NULL));
	ck_assert(!dns_check_match(&e, v + 1, 1, NULL));
	e.want = DNS_WANT_NONE_OF;
	ck_assert(dns_check_match(&e, v + 1, 1, NULL));
	ck_assert(!dns_check_match(&e, v, 2, &why));
	ck_assert_str_eq(why, "still has \"2001:db8::1\"");
	free(why);
	ck_assert(!dns_check_match(&(struct dns_expect){ "x", "txt",
	    DNS_WANT_HAS, want, 1 }, NULL, 0, &why));
	ck_assert_str_eq(why, "wants \"2001:db8::1\"; has none");
	free(why);
	free(v[0]);
	free(v[1]);
	v[0] = dns_check_normalise("cname", "WWW.Example.com.");
	ck_assert_str_eq(v[0], "www.example.com");
	free(v[0]);
}
END_TEST

/* "host[:port] ..." lists. */
START_TEST(test_servers)
{
	struct dns_server	*s = NULL;
	size_t			 n;
	char			*cause = NULL;

	ck_assert_int_eq(dns_check_parse_servers("127.0.0.1:8053, [::1]:5353 "
	    "192.0.2.1", &s, &n, &cause), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s[0].label, "127.0.0.1:8053");
	ck_assert_str_eq(s[1].label, "[::1]:5353");
	ck_assert_str_eq(s[2].label, "192.0.2.1:53");
	free(s);
	ck_assert_int_eq(dns_check_parse_servers("127.0.0.1:99999", &s, &n,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "bad port"));
	free(cause);
	ck_assert_int_eq(dns_check_parse_servers("[::1", &s, &n, &cause), -1);
	free(cause);
	ck_assert_int_eq(dns_check_parse_servers(" ", &s, &n, &cause), -1);
	free(cause);
}
END_TEST

/* --- dns_update over an in-memory provider ------------------------------- */

/*
 * [dns] nameservers judged by check-config the way the run parses it,
 * without resolving anything.
 */
START_TEST(test_servers_spec)
{
	struct config_errors	 errs = { NULL, 0, 0 };
	struct config		*cfg;
	char			*why = NULL;

	ck_assert_int_eq(dns_check_servers_spec("127.0.0.1:53 [::1]:5353, "
	    "ns1.example.net", &why), 0);
	ck_assert_int_eq(dns_check_servers_spec("127.0.0.1:99999", &why), -1);
	ck_assert_str_eq(why, "nameserver '127.0.0.1': bad port '99999'");
	free(why);
	why = NULL;
	ck_assert_int_eq(dns_check_servers_spec(" , ", &why), -1);
	ck_assert_str_eq(why, "no nameserver in ' , '");
	free(why);
	cfg = config_new();
	(void)config_load_string_all(cfg, "t.conf", "[dns]\nzone = "
	    "example.com\nnameservers = [::1:53\n", &errs);
	ck_assert_int_eq(confcheck_run(cfg, &errs), 1);
	ck_assert_str_eq(errs.v[0], "t.conf:3: [dns] nameservers: "
	    "nameserver '[::1:53': want [ADDRESS]:PORT");
	config_errors_cleanup(&errs);
	config_free(cfg);
}
END_TEST

/*
 * IPv6 without a route is found once per run: a later wait skips the IPv6
 * addresses without asking them, and with nothing else left fails at once.
 */
START_TEST(test_wait_no_ipv6)
{
	struct dns_check_config	 cc;
	struct dns_server	*sv = NULL;
	struct dns_expect	 e = { "www.example.com", "a", DNS_WANT_HAS,
				    NULL, 0 };
	const char		*v[1] = { "192.0.2.1" };
	char			*cause = NULL;
	size_t			 n = 0;
	int			 no_ipv6 = 1;

	e.values = v;
	e.nvalues = 1;
	ck_assert_int_eq(dns_check_parse_servers("[::1]:9", &sv, &n, &cause),
	    0);
	memset(&cc, 0, sizeof(cc));
	cc.servers = sv;
	cc.nservers = n;
	cc.timeout = 60;
	cc.interval = 1;
	cc.query_timeout = 5;
	cc.broken_after = 60;
	cc.no_ipv6 = &no_ipv6;
	ck_assert_int_eq(dns_check_wait(&cc, &e, 1, &cause), ST_UNAVAILABLE);
	/* Not asked: the reason is the earlier finding, not an answer. */
	ck_assert_str_eq(cause, "no working nameserver (0 broken after 60 s, "
	    "1 without a route from here): [::1]:9: found earlier in this run");
	free(cause);
	free(sv);
}
END_TEST

/* The fake account: the zone, what the next write does, call counts. */
struct fake {
	struct dns_zone	 zone;
	int		 reads, writes;
	int		 refuse;	/* read says ST_UNPROCESSABLE */
	int		 fail_write;	/* write says ST_UPSTREAM, changes nothing */
	int		 mangle;	/* next write drops the last record */
	int		 leak;		/* write fails, naming its secret */
	int		 edit_at;	/* after read N, a web UI edit lands */
};

static struct fake	 fake;

static enum st
fake_read(void *arg, const char *zone, struct dns_zone *z, char **cause)
{
	(void)arg;
	fake.reads++;
	if (fake.refuse) {
		(void)!asprintf(cause, "refusing to rewrite the zone: CAA");
		dns_zone_init(z);
		return (ST_UNPROCESSABLE);
	}
	ck_assert_str_eq(zone, "example.com");
	ck_assert_int_eq(dns_zone_copy(z, &fake.zone), 0);
	if (fake.edit_at == fake.reads)
		ck_assert_int_eq(dns_zone_add(&fake.zone, "_verify", "txt",
		    "added by hand", NULL), 0);
	return (ST_OK);
}

static enum st
fake_write(void *arg, const struct dns_zone *old, const struct dns_zone *new,
    char **cause)
{
	(void)arg;
	(void)old;
	fake.writes++;
	if (fake.fail_write) {
		(void)!asprintf(cause, "Dynadot says: no");
		return (ST_UPSTREAM);
	}
	if (fake.leak) {
		(void)!asprintf(cause, "bad key s3cret");
		return (ST_UPSTREAM);
	}
	dns_zone_cleanup(&fake.zone);
	ck_assert_int_eq(dns_zone_copy(&fake.zone, new), 0);
	if (fake.mangle && fake.zone.n > 0) {
		fake.mangle = 0;	/* once: the restore lands */
		fake.zone.n--;
		free(fake.zone.rec[fake.zone.n].name);
		free(fake.zone.rec[fake.zone.n].type);
		free(fake.zone.rec[fake.zone.n].value);
		free(fake.zone.rec[fake.zone.n].value2);
	}
	return (ST_OK);
}

static void
fake_free(void *arg)
{
	(void)arg;
}

/* The scrub op: the fake's secret is "s3cret". */
static char *
fake_scrub(void *arg, const char *text)
{
	(void)arg;
	return (dynadot_scrub(text, "s3cret"));
}

static const struct dns_provider_ops fake_ops = {
	"fake", fake_read, fake_write, fake_free, fake_scrub
};

/* A struct dns on the fake provider, snapshots in tdir/snap. */
static struct dns *
fake_dns(struct config **cfg)
{
	struct dns_provider	 p = { &fake_ops, NULL, 0, "" };
	struct dns		*d;
	char			 text[512], *cause = NULL;
	static const char *const l[] = { "@ mx mail.example.com 10",
	    "www a 198.51.100.7", NULL };

	dns_zone_cleanup(&fake.zone);
	memset(&fake, 0, sizeof(fake));
	zone_of(&fake.zone, 3600, l);
	snprintf(text, sizeof(text), "[dns]\nzone = example.com\n"
	    "snapshot_dir = %s/snap\nnameservers = 127.0.0.1:9\n", tdir);
	*cfg = cfg_of(text);
	d = dns_open_with(*cfg, &p, &cause);
	ck_assert_msg(d != NULL, "%s", cause);
	return (d);
}

/* Counts the snapshots in tdir/snap. */
static size_t
snapshots(void)
{
	glob_t	 g;
	char	 pat[300];
	size_t	 n;

	snprintf(pat, sizeof(pat), "%s/snap/example.com-*.json", tdir);
	if (glob(pat, 0, NULL, &g) != 0)
		return (0);
	n = g.gl_pathc;
	globfree(&g);
	return (n);
}

/* One read, one write, one read back; a snapshot; then no change. */
START_TEST(test_update)
{
	struct config		*cfg;
	struct dns_changes	 c;
	struct dns		*d;
	char			*cause = NULL, *text = NULL;
	size_t			 len = 0;
	FILE			*out;
	int			 changed;

	d = fake_dns(&cfg);
	dns_changes_init(&c);
	dns_changes_add(&c, DNS_OP_SET, "www", "a", "192.0.2.10");
	out = open_memstream(&text, &len);
	ck_assert_int_eq(dns_update(d, &c, DNS_DRY_RUN, out, &changed, &cause),
	    ST_OK);
	fclose(out);
	ck_assert_str_eq(text, "example.com: 2 changes (dry run: nothing "
	    "written)\n- www A 198.51.100.7\n+ www A 192.0.2.10\n");
	free(text);
	ck_assert_int_eq(fake.writes, 0);
	ck_assert_uint_eq(snapshots(), 0);
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, &changed,
	    &cause), ST_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(fake.writes, 1);
	/* dry run; read, read again right before the write, read back */
	ck_assert_int_eq(fake.reads, 4);
	ck_assert_uint_eq(snapshots(), 1);
	ck_assert_uint_eq(fake.zone.n, 2);
	ck_assert_str_eq(fake.zone.rec[1].value, "192.0.2.10");
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_VERIFY, NULL, &changed,
	    &cause), ST_OK);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_eq(fake.writes, 1);
	ck_assert_uint_eq(snapshots(), 1);
	dns_changes_cleanup(&c);
	dns_free(d);
	config_free(cfg);
}
END_TEST

/* dns_set_guard's check: how many times it ran; refuses when it is 1. */
static int	guard_calls, guard_refuse;

static int
guard_fn(void *arg, char **cause)
{
	ck_assert_ptr_eq(arg, &guard_calls);
	guard_calls++;
	if (!guard_refuse)
		return (0);
	*cause = strdup("lost the job's lock 'bootstack job dns sync'");
	return (-1);
}

/*
 * The guard runs right before the write, once: when it refuses, nothing is
 * written (the job lost its lock), the cause says so; when it agrees, the
 * write happens as without it.
 */
START_TEST(test_update_guard)
{
	struct config		*cfg;
	struct dns_changes	 c;
	struct dns		*d;
	char			*cause = NULL;

	d = fake_dns(&cfg);
	dns_set_guard(d, guard_fn, &guard_calls);
	dns_changes_init(&c);
	dns_changes_add(&c, DNS_OP_SET, "www", "a", "192.0.2.10");
	guard_calls = 0;
	guard_refuse = 1;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_UNAVAILABLE);
	ck_assert_int_eq(guard_calls, 1);
	ck_assert_int_eq(fake.writes, 0);
	ck_assert_ptr_nonnull(strstr(cause, "nothing written"));
	ck_assert_ptr_nonnull(strstr(cause, "lost the job's lock"));
	free(cause);
	cause = NULL;
	ck_assert_str_eq(fake.zone.rec[1].value, "198.51.100.7");
	guard_refuse = 0;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_OK);
	ck_assert_int_eq(guard_calls, 2);
	ck_assert_int_eq(fake.writes, 1);
	/* nothing to change: no write, no guard */
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_OK);
	ck_assert_int_eq(guard_calls, 2);
	dns_changes_cleanup(&c);
	dns_free(d);
	config_free(cfg);
}
END_TEST

/* Refusals and provider failures: nothing written, the cause kept. */
START_TEST(test_update_failures)
{
	struct config		*cfg;
	struct dns_changes	 c;
	struct dns_zone		 before;
	struct dns		*d;
	char			*cause = NULL;

	d = fake_dns(&cfg);
	dns_changes_init(&c);
	dns_changes_add(&c, DNS_OP_SET, "www", "a", "192.0.2.10");
	fake.refuse = 1;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_UNPROCESSABLE);
	ck_assert_str_eq(cause, "example.com: refusing to rewrite the zone: "
	    "CAA");
	free(cause);
	ck_assert_int_eq(fake.writes, 0);
	fake.refuse = 0;
	fake.fail_write = 1;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "example.com: Dynadot says: no; "
	    "nothing was changed; the zone before this change is in "));
	free(cause);
	fake.fail_write = 0;
	/* The provider's scrub op sees every error text it makes. */
	fake.leak = 1;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_UPSTREAM);
	ck_assert_ptr_nonnull(strstr(cause, "example.com: bad key (hidden); "));
	ck_assert_ptr_null(strstr(cause, "s3cret"));
	free(cause);
	fake.leak = 0;
	/*
	 * A write applied differently than planned: the zone as it was is
	 * written back, and the run fails naming the snapshot.
	 */
	ck_assert_int_eq(dns_zone_copy(&before, &fake.zone), 0);
	fake.mangle = 1;
	fake.writes = 0;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_CONFLICT);
	ck_assert_msg(strstr(cause, "the zone read back differs from what was "
	    "written (- www A 192.0.2.10); restored the zone as it was from ")
	    != NULL, "%s", cause);
	ck_assert_ptr_nonnull(strstr(cause, "/snap/example.com-"));
	free(cause);
	ck_assert_int_eq(fake.writes, 2);
	ck_assert(dns_zone_equal(&before, &fake.zone));
	dns_zone_cleanup(&before);
	fake.mangle = 0;
	/*
	 * Compare-and-swap: a record added by hand between the plan's read
	 * and the write. Nothing written, the change named; the next run
	 * writes and keeps it.
	 */
	fake.writes = 0;
	fake.reads = 0;
	fake.edit_at = 1;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_CONFLICT);
	ck_assert_str_eq(cause, "example.com: the zone changed since it was "
	    "read (+ _verify TXT \"added by hand\"): nothing was written; the "
	    "next run plans from the zone as it is then");
	free(cause);
	ck_assert_int_eq(fake.writes, 0);
	fake.edit_at = 0;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_OK);
	ck_assert_int_eq(fake.writes, 1);
	ck_assert_uint_eq(fake.zone.n, 3);
	ck_assert(strcmp(fake.zone.rec[0].value, "added by hand") == 0 ||
	    strcmp(fake.zone.rec[1].value, "added by hand") == 0 ||
	    strcmp(fake.zone.rec[2].value, "added by hand") == 0);
	/* A CNAME beside addresses: refused before any write. */
	fake.mangle = 0;
	fake.writes = 0;
	dns_changes_add(&c, DNS_OP_SET, "www", "cname", "example.net");
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_UNPROCESSABLE);
	free(cause);
	ck_assert_int_eq(fake.writes, 0);
	dns_changes_cleanup(&c);
	dns_free(d);
	config_free(cfg);
}
END_TEST

/*
 * The nameservers to wait on are found before the write; when they cannot
 * be, nothing is written.
 */
START_TEST(test_update_servers_first)
{
	struct dns_provider	 p = { &fake_ops, NULL, 0, "" };
	struct config		*cfg, *cfg2;
	struct dns_changes	 c;
	struct dns		*d, *d2;
	char			 text[512], *cause = NULL;

	d = fake_dns(&cfg);
	dns_free(d);
	snprintf(text, sizeof(text), "[dns]\nzone = example.com\n"
	    "snapshot_dir = %s/snap\nnameservers = 127.0.0.1:99999\n", tdir);
	cfg2 = cfg_of(text);
	d2 = dns_open_with(cfg2, &p, &cause);
	ck_assert_msg(d2 != NULL, "%s", cause);
	dns_changes_init(&c);
	dns_changes_add(&c, DNS_OP_SET, "www", "a", "192.0.2.10");
	ck_assert_int_eq(dns_update(d2, &c, 0, NULL, NULL, &cause),
	    ST_BADREQ);
	ck_assert_str_eq(cause, "example.com: nothing written: the nameservers "
	    "to check the change on are not known: nameserver '127.0.0.1': "
	    "bad port '99999'");
	free(cause);
	ck_assert_int_eq(fake.writes, 0);
	dns_changes_cleanup(&c);
	dns_free(d2);
	config_free(cfg2);
	config_free(cfg);
}
END_TEST

/*
 * With the local lock, a newer snapshot by another host in the folder
 * (two hosts sharing it) refuses the write.
 */
START_TEST(test_update_other_host)
{
	struct config		*cfg;
	struct dns_changes	 c;
	struct dns		*d;
	char			 path[400], *cause = NULL;
	FILE			*f;

	d = fake_dns(&cfg);
	dns_changes_init(&c);
	dns_changes_add(&c, DNS_OP_SET, "www", "a", "192.0.2.99");
	snprintf(path, sizeof(path), "%s/snap/example.com-20991231T000000."
	    "000Z.json", tdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("{\"name\":\"example.com\",\"ttl\":300,\"records\":[],"
	    "\"host\":\"other-host.example\"}\n", f);
	fclose(f);
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_CONFLICT);
	ck_assert_msg(strstr(cause, "was taken by host other-host.example: "
	    "another host writes this zone") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(fake.writes, 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_OK);
	ck_assert_int_eq(fake.writes, 1);
	dns_changes_cleanup(&c);
	dns_free(d);
	config_free(cfg);
}
END_TEST

/* A restore writes the snapshot's zone back exactly. */
START_TEST(test_restore)
{
	struct config		*cfg;
	struct dns_changes	 c;
	struct dns_zone		 before;
	struct dns		*d;
	glob_t			 g;
	char			*cause = NULL, pat[300];

	d = fake_dns(&cfg);
	ck_assert_int_eq(dns_zone_copy(&before, &fake.zone), 0);
	dns_changes_init(&c);
	dns_changes_add(&c, DNS_OP_SET, "www", "aaaa", "2001:db8::1");
	dns_changes_add(&c, DNS_OP_ADD, "", "txt", "v=spf1 -all");
	c.ttl = 300;
	ck_assert_int_eq(dns_update(d, &c, DNS_NO_WAIT, NULL, NULL, &cause),
	    ST_OK);
	ck_assert(!dns_zone_equal(&before, &fake.zone));
	snprintf(pat, sizeof(pat), "%s/snap/example.com-*.json", tdir);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_int_eq(dns_restore(d, g.gl_pathv[g.gl_pathc - 1], DNS_NO_WAIT,
	    NULL, &cause), ST_OK);
	ck_assert(dns_zone_equal(&before, &fake.zone));
	ck_assert_int_eq(fake.zone.ttl, 3600);
	globfree(&g);
	dns_zone_cleanup(&before);
	dns_changes_cleanup(&c);
	dns_free(d);
	config_free(cfg);
}
END_TEST

/* The suite. */
static Suite *
dns_suite(void)
{
	Suite	*s = suite_create("dns");
	TCase	*tc;

	tc = tcase_create("zone");
	tcase_add_test(tc, test_merge_set);
	tcase_add_test(tc, test_merge_add_remove);
	tcase_add_test(tc, test_merge_conflicts);
	tcase_add_test(tc, test_diff_format);
	tcase_add_test(tc, test_json_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, test_relative);
	tcase_add_test(tc, test_desired);
	tcase_add_test(tc, test_desired_site);
	tcase_add_test(tc, test_desired_site_rule);
	tcase_add_test(tc, test_desired_errors);
	tcase_add_test(tc, test_scrub);
	suite_add_tcase(s, tc);
	tc = tcase_create("dynadot");
	tcase_add_test(tc, test_get_dns);
	tcase_add_test(tc, test_get_dns_refused);
	tcase_add_test(tc, test_replies);
	tcase_add_test(tc, test_set_dns2_query);
	suite_add_tcase(s, tc);
	tc = tcase_create("check");
	tcase_add_test(tc, test_check_match);
	tcase_add_test(tc, test_servers);
	tcase_add_test(tc, test_servers_spec);
	tcase_add_test(tc, test_wait_no_ipv6);
	suite_add_tcase(s, tc);
	tc = tcase_create("update");
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_update_guard);
	tcase_add_test(tc, test_update_failures);
	tcase_add_test(tc, test_update_servers_first);
	tcase_add_test(tc, test_update_other_host);
	tcase_add_test(tc, test_restore);
	suite_add_tcase(s, tc);
	return (s);
}

/* Runs the suite in a private temporary folder; 0 if all passed. */
/* The log quiet but for warnings, and the private folder of the run. */
static int
setup_all(void)
{
	log_init("check_dns", LOG_LEVEL_WARN);
	return (unit_mkdtemp(tdir, sizeof(tdir)));
}

/* Removes the folder. */
static void
teardown_all(void)
{
	unit_rmtree(tdir);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, dns_suite());
}

const struct unit unit = { "check_dns", setup_all, teardown_all, add_suites };
