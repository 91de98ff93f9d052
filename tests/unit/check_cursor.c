/*
 * check_cursor.c: lib/cursor.c, signed pagination cursors. Each table tries
 * to get a cursor accepted that the server did not make for this request:
 * every byte flipped, truncated, extended, re-encoded, moved to another
 * tenant, filter or sort, expired, signed by a key that left the list.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base64url.h"
#include "cause.h"
#include "config.h"
#include "cursor.h"
#include "unit.h"

/* Two 32-byte keys, base64url. */
#define K1	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define K2	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
#define NOW	1800000000LL

static struct cursor_keys *
keys(const char *text)
{
	char			*cause = NULL;
	struct cursor_keys	*k = cursor_keys_parse(text, &cause);

	ck_assert_msg(k != NULL, "%s: %s", text, cause_text(cause));
	free(cause);
	return (k);
}

START_TEST(parse_table)
{
	static const struct { const char *text; int keys; } t[] = {
		{ K1, 1 },
		{ K1 " " K2, 2 },
		{ "  " K2 ",\t" K1 "\n", 2 },
		{ "", -1 },
		{ " , ", -1 },
		{ "short", -1 },
		{ K1 "!", -1 },				/* outside the alphabet */
		{ K1 "=", -1 },				/* padding */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg", -1 },	/* 31 bytes */
		{ K1 " " K1 " " K1 " " K1 " " K1 " " K1 " " K1 " " K1, 8 },
		{ K1 " " K1 " " K1 " " K1 " " K1 " " K1 " " K1 " " K1 " " K1, -1 },
	};
	struct cursor_keys	*k;
	char			*cause;
	size_t			 i;
	int			 failed = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cause = NULL;
		k = cursor_keys_parse(t[i].text, &cause);
		if (t[i].keys < 0 ? k != NULL : (k == NULL ||
		    (int)cursor_keys_count(k) != t[i].keys)) {
			fprintf(stderr, "parse row %zu: got %s\n", i,
			    k == NULL ? cause : "a list");
			failed++;
		}
		if (k == NULL)
			ck_assert_msg(cause != NULL && strstr(cause, K1) == NULL &&
			    strstr(cause, K2) == NULL, "row %zu: cause", i);
		free(cause);
		cursor_keys_free(k);
	}
	printf("cursor parse: %zu rows, %d wrong\n", i, failed);
	ck_assert_int_eq(failed, 0);
}
END_TEST

START_TEST(round_trip)
{
	struct cursor_keys	*k = keys(K1);
	char			 c[CURSOR_LEN], pos[CURSOR_POS_MAX + 1];
	char			 big[CURSOR_POS_MAX + 2];

	ck_assert_int_eq(cursor_encode(k, "7", "list", NOW + 60, "12345", c,
	    sizeof(c)), 0);
	ck_assert(base64url_valid(c));
	ck_assert_int_eq(cursor_decode(k, c, "7", "list", NOW, pos,
	    sizeof(pos)), CURSOR_OK);
	ck_assert_str_eq(pos, "12345");
	/* the position itself is bounded, and so is the answer's buffer */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_ne(cursor_encode(k, "7", "list", NOW, big, c, sizeof(c)), 0);
	big[CURSOR_POS_MAX] = '\0';
	ck_assert_int_eq(cursor_encode(k, "7", "list", NOW, big, c, sizeof(c)), 0);
	ck_assert_int_lt(strlen(c), CURSOR_LEN);
	ck_assert_int_eq(cursor_decode(k, c, "7", "list", NOW, pos,
	    sizeof(pos)), CURSOR_OK);
	ck_assert_int_eq(cursor_decode(k, c, "7", "list", NOW, pos, 8),
	    CURSOR_MALFORMED);
	ck_assert_int_ne(cursor_encode(k, "7", "list", NOW, "", c, sizeof(c)), 0);
	cursor_keys_free(k);
}
END_TEST

/* Every single-bit change of the decoded bytes, re-encoded: never accepted. */
START_TEST(bit_flips)
{
	struct cursor_keys	*k = keys(K1);
	char			 c[CURSOR_LEN], pos[CURSOR_POS_MAX + 1], *e;
	unsigned char		*raw;
	size_t			 len, i, tried = 0, accepted = 0;
	int			 b;

	ck_assert_int_eq(cursor_encode(k, "7", "list", NOW + 60, "42", c,
	    sizeof(c)), 0);
	ck_assert_int_eq(base64url_decode(c, strlen(c), &raw, &len), 0);
	for (i = 0; i < len; i++) {
		for (b = 0; b < 8; b++) {
			raw[i] ^= (unsigned char)(1 << b);
			e = base64url_encode(raw, len);
			ck_assert_ptr_nonnull(e);
			tried++;
			if (cursor_decode(k, e, "7", "list", NOW, pos,
			    sizeof(pos)) == CURSOR_OK)
				accepted++;
			free(e);
			raw[i] ^= (unsigned char)(1 << b);
		}
	}
	free(raw);
	printf("cursor bit flips: %zu tried, %zu accepted\n", tried, accepted);
	ck_assert_uint_eq(accepted, 0);
	cursor_keys_free(k);
}
END_TEST

/*
 * The tampering table: what a client (or another tenant) could send, and
 * the result it must get.
 */
START_TEST(tamper_table)
{
	struct cursor_keys	*k1 = keys(K1), *k21 = keys(K2 " " K1);
	struct cursor_keys	*k2 = keys(K2);
	char			 good[CURSOR_LEN], old[CURSOR_LEN], c[CURSOR_LEN];
	char			 pos[CURSOR_POS_MAX + 1], forged[CURSOR_LEN];
	char			 trunc[CURSOR_LEN], longer[CURSOR_LEN + 8];
	char			*plain;
	size_t			 i, wrong = 0;
	struct row {
		const char		*what;
		const struct cursor_keys *k;
		const char		*cur, *tenant, *ctx;
		long long		 now;
		enum cursor_result	 want;
	};

	ck_assert_int_eq(cursor_encode(k1, "7", "status=* sort=id", NOW + 60,
	    "42", good, sizeof(good)), 0);
	ck_assert_int_eq(cursor_encode(k1, "7", "status=* sort=id", NOW - 1,
	    "42", old, sizeof(old)), 0);
	/* the old format: base64url of "t1:42", which anyone can build */
	plain = base64url_encode("t1:42", 5);
	/* a cursor for id 43 built without the key: the MAC of 42's reused */
	snprintf(forged, sizeof(forged), "%s", good);
	forged[14] = forged[14] == 'A' ? 'B' : 'A';
	snprintf(trunc, sizeof(trunc), "%.*s", (int)strlen(good) - 1, good);
	snprintf(longer, sizeof(longer), "%sAAAA", good);
	ck_assert_int_eq(cursor_encode(k1, "7", "status=* sort=id", NOW + 60,
	    "42", c, sizeof(c)), 0);
	{
		const struct row t[] = {
			{ "as made", k1, good, "7", "status=* sort=id", NOW, CURSOR_OK },
			{ "at its last second", k1, good, "7", "status=* sort=id", NOW + 60, CURSOR_OK },
			{ "a second late", k1, good, "7", "status=* sort=id", NOW + 61, CURSOR_EXPIRED },
			{ "already expired", k1, old, "7", "status=* sort=id", NOW, CURSOR_EXPIRED },
			{ "another tenant", k1, good, "8", "status=* sort=id", NOW, CURSOR_FORGED },
			{ "tenant 7 vs 70", k1, good, "70", "status=* sort=id", NOW, CURSOR_FORGED },
			{ "another filter", k1, good, "7", "status=done sort=id", NOW, CURSOR_FORGED },
			{ "another sort", k1, good, "7", "status=* sort=due", NOW, CURSOR_FORGED },
			{ "tenant/context split moved", k1, good, "7status=*", " sort=id", NOW, CURSOR_FORGED },
			{ "expired and cross-tenant", k1, old, "8", "status=* sort=id", NOW, CURSOR_FORGED },
			{ "one character changed", k1, forged, "7", "status=* sort=id", NOW, CURSOR_FORGED },
			{ "truncated", k1, trunc, "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "extended", k1, longer, "7", "status=* sort=id", NOW, CURSOR_FORGED },
			{ "old unsigned format", k1, plain, "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "empty", k1, "", "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "not base64url", k1, "abc$", "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "padding", k1, "AAAA==", "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "too short", k1, "AQ", "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "all zeros", k1, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "7", "status=* sort=id", NOW, CURSOR_MALFORMED },
			{ "rotated: old key second", k21, good, "7", "status=* sort=id", NOW, CURSOR_OK },
			{ "rotated: old key dropped", k2, good, "7", "status=* sort=id", NOW, CURSOR_FORGED },
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			enum cursor_result got = cursor_decode(t[i].k, t[i].cur,
			    t[i].tenant, t[i].ctx, t[i].now, pos, sizeof(pos));

			if (got != t[i].want) {
				fprintf(stderr, "tamper row '%s': %s, want %s\n",
				    t[i].what, cursor_result_str(got),
				    cursor_result_str(t[i].want));
				wrong++;
			}
		}
		printf("cursor tampering: %zu rows, %zu wrong\n", i, wrong);
	}
	ck_assert_uint_eq(wrong, 0);
	/* new cursors are signed with the first key only */
	ck_assert_int_eq(cursor_encode(k21, "7", "x", NOW + 60, "1", c,
	    sizeof(c)), 0);
	ck_assert_int_eq(cursor_decode(k2, c, "7", "x", NOW, pos, sizeof(pos)),
	    CURSOR_OK);
	ck_assert_int_eq(cursor_decode(k1, c, "7", "x", NOW, pos, sizeof(pos)),
	    CURSOR_FORGED);
	free(plain);
	cursor_keys_free(k1);
	cursor_keys_free(k2);
	cursor_keys_free(k21);
}
END_TEST

/* cursor_keys_of: from the config, or one random list shared by calls. */
START_TEST(from_config)
{
	struct config			*cfg = config_new();
	const struct cursor_keys	*a, *b;
	char				*cause = NULL, key[64];
	int				 unset = 0;

	ck_assert_ptr_nonnull(cfg);
	a = cursor_keys_of(cfg, &unset, &cause);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(unset, 1);
	b = cursor_keys_of(cfg, NULL, &cause);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(config_load_string(cfg, "t", "[api]\ncursor_keys = "
	    K1 " " K2 "\n", &cause), 0);
	a = cursor_keys_of(cfg, &unset, &cause);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(unset, 0);
	ck_assert_uint_eq(cursor_keys_count(a), 2);
	config_free(cfg);
	cfg = config_new();
	ck_assert_int_eq(config_load_string(cfg, "t", "[api]\ncursor_keys = "
	    "tooshort\n", &cause), 0);
	ck_assert_ptr_null(cursor_keys_of(cfg, NULL, &cause));
	ck_assert_msg(strstr(cause, "[api] cursor_keys: key 1") != NULL, "%s", cause);
	free(cause);
	config_free(cfg);
	ck_assert_int_eq(cursor_key_generate(key, sizeof(key)), 0);
	ck_assert_uint_eq(strlen(key), 43);
	cfg = config_new();
	ck_assert_int_eq(cursor_key_generate(key, 10), -1);
	config_free(cfg);
}
END_TEST

static void
add_suites(SRunner *sr)
{
	Suite	*s = suite_create("cursor");
	TCase	*tc = tcase_create("cursor");

	tcase_add_test(tc, parse_table);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, bit_flips);
	tcase_add_test(tc, tamper_table);
	tcase_add_test(tc, from_config);
	suite_add_tcase(s, tc);
	srunner_add_suite(sr, s);
}

const struct unit unit = { "check_cursor", NULL, NULL, add_suites };
