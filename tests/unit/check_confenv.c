/*
 * check_confenv.c: unit tests for lib/confenv.c, which picks the
 * configuration file: environment names, the order -c, --env,
 * $BOOTSTACK_CONF, $BOOTSTACK_ENV, default, and the error for a name with
 * no file. Each test sets the environment it relies on (CK_FORK=no too).
 */
#include "autoconf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "confenv.h"
#include "unit.h"

static char	 dir[PATH_MAX];		/* a private folder of NAME.conf files */

/* Makes dir with staging.conf, production.conf and a file that is no env. */
static void
setup(void)
{
	char	 path[PATH_MAX + 32];
	FILE	*f;
	const char *const names[] = { "staging.conf", "production.conf",
	    "Notes.conf", "readme.txt" };
	size_t	 i;

	snprintf(dir, sizeof(dir), "%s/check_confenv.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		fclose(f);
	}
	unsetenv("BOOTSTACK_CONF");
	unsetenv("BOOTSTACK_ENV");
	unsetenv("BOOTSTACK_CONF_DIR");
}

/* Removes dir and what setup() put in it. */
static void
teardown(void)
{
	char	 cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Asserts confenv_path(file, env, dir) gives want (dir-relative if no '/'). */
static void
expect_path(const char *file, const char *env, const char *want)
{
	char	*path, *cause = NULL, full[PATH_MAX + 64];

	if (strchr(want, '/') == NULL)
		snprintf(full, sizeof(full), "%s/%s", dir, want);
	else
		snprintf(full, sizeof(full), "%s", want);
	path = confenv_path(file, env, dir, &cause);
	ck_assert_msg(path != NULL, "error: %s", cause != NULL ? cause : "?");
	ck_assert_str_eq(path, full);
	ck_assert_ptr_null(cause);
	free(path);
}

/* Asserts confenv_path(file, env, dir) fails with a cause holding want. */
static void
expect_error(const char *file, const char *env, const char *want)
{
	char	*path, *cause = NULL;

	path = confenv_path(file, env, dir, &cause);
	ck_assert_ptr_null(path);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'",
	    cause, want);
	free(cause);
}

START_TEST(test_names)
{
	ck_assert(confenv_name_ok("staging"));
	ck_assert(confenv_name_ok("prod-eu_2"));
	ck_assert(confenv_name_ok("0"));
	ck_assert(confenv_name_ok("abcdefghijklmnopqrstuvwxyz012345"));	/* 32 */
	ck_assert(!confenv_name_ok("abcdefghijklmnopqrstuvwxyz0123456"));
	ck_assert(!confenv_name_ok(""));
	ck_assert(!confenv_name_ok(NULL));
	ck_assert(!confenv_name_ok("-staging"));
	ck_assert(!confenv_name_ok("_staging"));
	ck_assert(!confenv_name_ok("Staging"));
	ck_assert(!confenv_name_ok("../etc/passwd"));
	ck_assert(!confenv_name_ok("a/b"));
	ck_assert(!confenv_name_ok("a.conf"));
	ck_assert(!confenv_name_ok("a b"));
}
END_TEST

START_TEST(test_order)
{
	expect_path(NULL, NULL, "bootstack.conf");
	setenv("BOOTSTACK_ENV", "production", 1);
	expect_path(NULL, NULL, "production.conf");
	setenv("BOOTSTACK_CONF", "/x/from-env.conf", 1);
	expect_path(NULL, NULL, "/x/from-env.conf");		/* file beats name */
	expect_path(NULL, "staging", "staging.conf");		/* line beats env */
	expect_path("/y/cli.conf", "staging", "/y/cli.conf");	/* -c first */
	setenv("BOOTSTACK_CONF", "", 1);			/* empty = unset */
	expect_path(NULL, NULL, "production.conf");
	setenv("BOOTSTACK_ENV", "", 1);
	expect_path(NULL, NULL, "bootstack.conf");
}
END_TEST

START_TEST(test_conf_dir)
{
	char	 other[PATH_MAX + 16];

	snprintf(other, sizeof(other), "%s/sub", dir);
	setenv("BOOTSTACK_CONF_DIR", other, 1);
	expect_error(NULL, "staging", "sub/staging.conf does not exist");
	setenv("BOOTSTACK_CONF_DIR", dir, 1);
	expect_path(NULL, "staging", "staging.conf");
}
END_TEST

START_TEST(test_unknown)
{
	expect_error(NULL, "prod", "unknown environment 'prod' (--env)");
	expect_error(NULL, "prod", "prod.conf does not exist");
	/* the list: valid names only, sorted */
	expect_error(NULL, "prod", ": production, staging");
	setenv("BOOTSTACK_ENV", "qa", 1);
	expect_error(NULL, NULL, "unknown environment 'qa' (BOOTSTACK_ENV)");
}
END_TEST

START_TEST(test_bad_name)
{
	expect_error(NULL, "../production", "--env: bad environment name");
	setenv("BOOTSTACK_ENV", "Prod", 1);
	expect_error(NULL, NULL, "BOOTSTACK_ENV: bad environment name 'Prod'");
}
END_TEST

static Suite *
confenv_suite(void)
{
	Suite	*s = suite_create("confenv");
	TCase	*tc;

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("order");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_conf_dir);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_bad_name);
	suite_add_tcase(s, tc);
	return (s);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	srunner_add_suite(sr, confenv_suite());
}

const struct unit unit = { "check_confenv", NULL, NULL, add_suites };
