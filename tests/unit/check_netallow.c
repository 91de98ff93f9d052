/*
 * check_netallow.c: unit tests for lib/netallow.c, the [api] allow list:
 * what it parses (IPv4, IPv6, prefixes /0 to /32 and /128, mapped entries,
 * blanks and commas) and refuses (names, garbage prefixes, host bits set,
 * scope ids, a list of only separators, too many entries), and which peers
 * match, at every edge: /0, /32, /128, a prefix ending mid-byte, IPv4-mapped
 * IPv6 peers against IPv4 and IPv6 entries, and families other than IP.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "netallow.h"
#include "unit.h"

/* Parses value; asserts success and n entries. */
static void
allow_ok(struct netallow *l, const char *value, size_t n)
{
	char	*why = NULL;

	ck_assert_msg(netallow_parse(value, l, &why) == 0, "'%s': %s", value,
	    why != NULL ? why : "");
	ck_assert_uint_eq(l->n, n);
	ck_assert_int_eq(netallow_check(value, &why), 0);
}

/* True when addr (IPv4 or IPv6 text) matches the list. */
static int
peer_in(const struct netallow *l, const char *addr)
{
	struct sockaddr_in	 in4;
	struct sockaddr_in6	 in6;

	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, addr, &in4.sin_addr) == 1) {
		in4.sin_family = AF_INET;
		return (netallow_match(l, (struct sockaddr *)&in4));
	}
	ck_assert_msg(inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1,
	    "test bug: '%s'", addr);
	in6.sin6_family = AF_INET6;
	return (netallow_match(l, (struct sockaddr *)&in6));
}

/* Each accepted shape, with its count of entries. */
START_TEST(test_parse)
{
	static const struct {
		const char	*v;
		size_t		 n;
	} ok[] = {
		{ "", 0 },
		{ "  \t ", 0 },
		{ "192.0.2.1", 1 },
		{ "192.0.2.0/24", 1 },
		{ "0.0.0.0/0", 1 },
		{ "192.0.2.1/32", 1 },
		{ "2001:db8::/32", 1 },
		{ "::/0", 1 },
		{ "2001:db8::1/128", 1 },
		{ "::ffff:192.0.2.0/120", 1 },
		{ "192.0.2.0/25, 198.51.100.7 ,2001:db8::/48\t203.0.113.0/24,",
		  4 },
		{ "10.0.0.0/08", 1 },		/* decimal, not octal */
	};
	struct netallow	 l;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		allow_ok(&l, ok[i].v, ok[i].n);
		netallow_cleanup(&l);
		ck_assert_ptr_null(l.v);
		ck_assert_uint_eq(l.n, 0);
	}
	netallow_cleanup(&l);		/* twice: a no-op */
}
END_TEST

/* Garbage and near misses, each refused with words naming what is wrong. */
START_TEST(test_refuse)
{
	static const struct {
		const char	*v, *want;
	} bad[] = {
		{ ",", "holds no address" },
		{ " , ,\t", "holds no address" },
		{ "localhost", "'localhost' is not an IPv4 or IPv6" },
		{ "192.0.2.1, api.example.com", "'api.example.com' is not" },
		{ "192.0.2", "'192.0.2' is not" },
		{ "192.0.2.256", "is not an IPv4" },
		{ "192.0.2.1/", "prefix length must be 0..32" },
		{ "192.0.2.1/33", "prefix length must be 0..32" },
		{ "192.0.2.0/-1", "prefix length must be 0..32" },
		{ "192.0.2.0/+8", "prefix length must be 0..32" },
		{ "192.0.2.0/ 8", "prefix length must be 0..32" },
		{ "192.0.2.0/8x", "prefix length must be 0..32" },
		{ "192.0.2.0/24/8", "prefix length must be 0..32" },
		{ "192.0.2.0/99999999999999999999", "prefix length" },
		{ "2001:db8::/129", "prefix length must be 0..128" },
		{ "192.0.2.1/24", "bits set beyond /24" },
		{ "0.0.0.1/0", "bits set beyond /0" },
		{ "2001:db8::1/64", "bits set beyond /64" },
		{ "fe80::1%eth0", "is not an IPv4 or IPv6" },
		{ "[2001:db8::1]", "is not" },
		{ "/24", "is not" },
		{ "192.0.2.1;", "is not" },
		{ "\x01", "is not" },
	};
	struct netallow	 l;
	char		*why, big[256 * 16 + 32];
	size_t		 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		l.n = 99;
		ck_assert_msg(netallow_parse(bad[i].v, &l, &why) == -1,
		    "'%s' was taken", bad[i].v);
		ck_assert_msg(why != NULL && strstr(why, bad[i].want) != NULL,
		    "'%s': \"%s\" lacks \"%s\"", bad[i].v, why, bad[i].want);
		ck_assert_ptr_null(l.v);	/* nothing left to free */
		ck_assert_uint_eq(l.n, 0);
		free(why);
		why = NULL;
		ck_assert_int_eq(netallow_check(bad[i].v, &why), -1);
		free(why);
	}

	/* NETALLOW_MAX entries, not one more. */
	for (i = 0, n = 0; i < NETALLOW_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "10.0.%zu.%zu ",
		    i / 256, i % 256);
	allow_ok(&l, big, NETALLOW_MAX);
	netallow_cleanup(&l);
	snprintf(big + n, sizeof(big) - n, "10.1.0.0");
	why = NULL;
	ck_assert_int_eq(netallow_parse(big, &l, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than 256 entries"));
	free(why);
}
END_TEST

/* Peers at each edge of each prefix. */
START_TEST(test_match)
{
	struct netallow	 l;

	/* /0 of each family admits that family only */
	allow_ok(&l, "0.0.0.0/0", 1);
	ck_assert(peer_in(&l, "0.0.0.0"));
	ck_assert(peer_in(&l, "255.255.255.255"));
	ck_assert(peer_in(&l, "::ffff:203.0.113.9"));	/* mapped: IPv4 */
	ck_assert(!peer_in(&l, "2001:db8::1"));
	ck_assert(!peer_in(&l, "::"));
	netallow_cleanup(&l);
	allow_ok(&l, "::/0", 1);
	ck_assert(peer_in(&l, "2001:db8::1"));
	ck_assert(peer_in(&l, "::1"));
	ck_assert(!peer_in(&l, "192.0.2.1"));
	ck_assert(!peer_in(&l, "::ffff:192.0.2.1"));	/* an IPv4 client */
	netallow_cleanup(&l);

	/* /32 and a bare address: that one only */
	allow_ok(&l, "192.0.2.10/32 198.51.100.1", 2);
	ck_assert(peer_in(&l, "192.0.2.10"));
	ck_assert(!peer_in(&l, "192.0.2.11"));
	ck_assert(!peer_in(&l, "192.0.2.9"));
	ck_assert(peer_in(&l, "198.51.100.1"));
	ck_assert(!peer_in(&l, "198.51.100.0"));
	ck_assert(peer_in(&l, "::ffff:192.0.2.10"));
	ck_assert(!peer_in(&l, "::192.0.2.10"));	/* compatible != mapped */
	ck_assert(!peer_in(&l, "64:ff9b::c000:20a"));	/* NAT64 != mapped */
	netallow_cleanup(&l);

	/* /128 and a bare IPv6 address */
	allow_ok(&l, "2001:db8::5/128, 2001:db8:1::1", 2);
	ck_assert(peer_in(&l, "2001:db8::5"));
	ck_assert(!peer_in(&l, "2001:db8::4"));
	ck_assert(!peer_in(&l, "2001:db8::6"));
	ck_assert(peer_in(&l, "2001:db8:1::1"));
	ck_assert(!peer_in(&l, "2001:db8:1::"));
	netallow_cleanup(&l);

	/* a prefix ending mid-byte: /25, /31, /63 */
	allow_ok(&l, "203.0.113.128/25 198.51.100.2/31 2001:db8:0:2::/63", 3);
	ck_assert(peer_in(&l, "203.0.113.128"));
	ck_assert(peer_in(&l, "203.0.113.255"));
	ck_assert(!peer_in(&l, "203.0.113.127"));
	ck_assert(peer_in(&l, "198.51.100.2"));
	ck_assert(peer_in(&l, "198.51.100.3"));
	ck_assert(!peer_in(&l, "198.51.100.4"));
	ck_assert(!peer_in(&l, "198.51.100.1"));
	ck_assert(peer_in(&l, "2001:db8:0:2::1"));
	ck_assert(peer_in(&l, "2001:db8:0:3:ffff::"));
	ck_assert(!peer_in(&l, "2001:db8:0:4::"));
	ck_assert(!peer_in(&l, "2001:db8:0:1:ffff:ffff:ffff:ffff"));
	netallow_cleanup(&l);

	/* a mapped entry is the IPv4 one: it admits IPv4 and mapped peers */
	allow_ok(&l, "::ffff:192.0.2.0/120 ::ffff:198.51.100.7", 2);
	ck_assert_int_eq(l.v[0].family, AF_INET);
	ck_assert_uint_eq(l.v[0].len, 24);
	ck_assert_uint_eq(l.v[1].len, 32);
	ck_assert(peer_in(&l, "192.0.2.200"));
	ck_assert(peer_in(&l, "::ffff:192.0.2.200"));
	ck_assert(!peer_in(&l, "192.0.3.0"));
	ck_assert(peer_in(&l, "198.51.100.7"));
	ck_assert(!peer_in(&l, "198.51.100.8"));
	netallow_cleanup(&l);
	/* ... but a shorter prefix is IPv6 and names no IPv4 peer, even one
	 * that covers the mapped range */
	allow_ok(&l, "::fffe:0:0/95", 1);
	ck_assert_int_eq(l.v[0].family, AF_INET6);
	ck_assert(peer_in(&l, "::fffe:0:1"));
	ck_assert(!peer_in(&l, "192.0.2.1"));
	ck_assert(!peer_in(&l, "::ffff:192.0.2.1"));
	netallow_cleanup(&l);

	/* an empty list matches nothing (the caller treats n == 0 as any) */
	allow_ok(&l, "", 0);
	ck_assert(!peer_in(&l, "192.0.2.1"));
	netallow_cleanup(&l);
}
END_TEST

/* A peer that is not IP (a unix socket) never matches. */
START_TEST(test_match_family)
{
	struct netallow		 l;
	struct sockaddr_un	 un;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	allow_ok(&l, "0.0.0.0/0 ::/0", 2);
	ck_assert(!netallow_match(&l, (struct sockaddr *)&un));
	netallow_cleanup(&l);
}
END_TEST

static void
add_suites(SRunner *sr)
{
	Suite	*s = suite_create("netallow");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("refuse");
	tcase_add_test(tc, test_refuse);
	suite_add_tcase(s, tc);
	tc = tcase_create("match");
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_match_family);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
}

const struct unit unit = { "check_netallow", NULL, NULL, add_suites };
