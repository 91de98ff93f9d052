/*
 * check_apikey.c: unit tests for lib/apikey.c, the API key format:
 * generation (length, alphabet, uniqueness), formatting and parsing
 * round trips, hostile presented keys, and hash verification.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "apikey.h"
#include "unit.h"

/* A generated key formats to bsk_<12>_<40> and parses back to itself. */
START_TEST(test_roundtrip)
{
	struct apikey	 k, p;
	char		 text[APIKEY_LEN + 1];

	ck_assert_int_eq(apikey_generate(&k), ST_OK);
	ck_assert_uint_eq(strlen(k.prefix), APIKEY_PREFIX_LEN);
	ck_assert_uint_eq(strlen(k.secret), APIKEY_SECRET_LEN);
	apikey_format(&k, text, sizeof(text));
	ck_assert_uint_eq(strlen(text), APIKEY_LEN);
	ck_assert(strncmp(text, "bsk_", 4) == 0);
	ck_assert_int_eq(text[4 + APIKEY_PREFIX_LEN], '_');
	ck_assert_int_eq(apikey_parse(text, &p), ST_OK);
	ck_assert_str_eq(p.prefix, k.prefix);
	ck_assert_str_eq(p.secret, k.secret);
}
END_TEST

/* Keys use only letters and digits and do not repeat. */
START_TEST(test_alphabet_unique)
{
	struct apikey	 a, b;
	size_t		 i;
	int		 seen[256] = { 0 }, distinct = 0;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(apikey_generate(&a), ST_OK);
		ck_assert_int_eq(apikey_generate(&b), ST_OK);
		ck_assert_str_ne(a.secret, b.secret);
		ck_assert_str_ne(a.prefix, b.prefix);
		for (size_t j = 0; j < APIKEY_SECRET_LEN; j++) {
			unsigned char c = (unsigned char)a.secret[j];
			ck_assert(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz", c) != NULL);
			if (!seen[c]++)
				distinct++;
		}
	}
	/* 8000 draws over 62 symbols: every symbol shows up */
	ck_assert_int_eq(distinct, 62);
}
END_TEST

/* Malformed presented keys are refused with ST_UNAUTH. */
START_TEST(test_parse_hostile)
{
	static const char *const bad[] = {
		"",
		"bsk_",
		"bsk_AAAAAAAAAAAA_",
		"bsk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 39 */
		"bsk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 41 */
		"bsx_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"bsk_AAAAAAAAAAA__AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"bsk_AAAAAAAAAAAA-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"bsk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"A",
		"bsk_AAAAAAAA%27AA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"bsk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3",
		"Bearer bsk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	struct apikey	 k;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(apikey_parse(bad[i], &k) == ST_UNAUTH,
		    "accepted: %s", bad[i]);
	ck_assert_int_eq(apikey_parse("bsk_AAAAAAAAAAAA_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &k), ST_OK);
}
END_TEST

/* The hash is SHA-256 of the secret; verification needs the exact secret. */
START_TEST(test_hash_verify)
{
	/* SHA-256("abc") from FIPS 180-2 */
	static const unsigned char abc[APIKEY_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad
	};
	struct apikey	 k;
	unsigned char	 h[APIKEY_HASH_LEN];

	memset(&k, 0, sizeof(k));
	strcpy(k.secret, "abc");
	ck_assert_int_eq(apikey_hash(&k, h), ST_OK);
	ck_assert(memcmp(h, abc, sizeof(h)) == 0);
	ck_assert(apikey_verify(&k, abc));
	strcpy(k.secret, "abd");
	ck_assert(!apikey_verify(&k, abc));
	apikey_clear(&k);
	ck_assert_int_eq(k.secret[0], '\0');
}
END_TEST

static Suite *
apikey_suite(void)
{
	Suite	*s = suite_create("apikey");
	TCase	*tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("alphabet");
	tcase_add_test(tc, test_alphabet_unique);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_test(tc, test_parse_hostile);
	suite_add_tcase(s, tc);
	tc = tcase_create("hash");
	tcase_add_test(tc, test_hash_verify);
	suite_add_tcase(s, tc);
	return (s);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, apikey_suite());
}

const struct unit unit = { "check_apikey", NULL, NULL, add_suites };
