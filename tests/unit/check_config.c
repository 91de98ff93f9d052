/*
 * check_config.c: unit tests of lib/config.c and the table in
 * lib/config_table.c, with valid and hostile input.
 *
 * One TCase per behaviour. Error texts are compared whole, because operators
 * and scripts read them: "FILE:LINE: [section] key: reason". Files (secret
 * files, configs with NUL bytes) go to a mkdtemp directory made and removed
 * by main(). Every BOOTSTACK_* variable is cleared before the run, and a test
 * that sets one unsets it, so the suite also passes with CK_FORK=no (as under
 * valgrind), except the abort tests, which fork by themselves and are
 * skipped then.
 *
 * The built-in table has no CONFIG_BOOL key and no key in a multi section
 * yet, so those paths are tested with a small table of our own through
 * config_new_table().
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confcheck.h"
#include "config.h"
#include "db.h"
#include "unit.h"

#ifndef BS_SQLDIR
#define BS_SQLDIR "/usr/local/share/bootstack/sql"
#endif

extern char **environ;

static char	 tdir[256];		/* the mkdtemp directory */

/* A table with the types and shapes the built-in one lacks. */
static const struct config_section t_sections[] = {
	{ "t",	0, "a single section" },
	{ "m",	1, "a multi section: [m NAME]" },
	{ NULL,	0, NULL }
};

static const struct config_key t_keys[] = {
	{ "t", "flag", CONFIG_BOOL, 0, 0, "no", NULL, "a bool" },
	{ "t", "opt", CONFIG_BOOL, 0, 0, NULL, NULL, "a bool, no default" },
	{ "t", "n", CONFIG_INT, -5, 5, NULL, NULL, "an int, no default" },
	{ "t", "big", CONFIG_INT, LLONG_MIN, LLONG_MAX, "0", NULL,
	  "an int of the whole range" },
	{ "m", "port", CONFIG_INT, 1, 65535, "80", NULL, "an int" },
	{ "m", "tls", CONFIG_BOOL, 0, 0, "yes", NULL, "a bool" },
	{ "m", "host", CONFIG_STRING, 0, 0, NULL, NULL, "a string" },
	{ "m", "mode", CONFIG_ENUM, 0, 0, "a", "a|b", "an enum" },
	{ "m", "token", CONFIG_SECRET, 0, 0, NULL, NULL, "a secret" },
	{ NULL, NULL, CONFIG_STRING, 0, 0, NULL, NULL, NULL }
};

/* Writes len bytes to tdir/name with mode; the path goes to path. */
static const char *
tfile(const char *name, const void *data, size_t len, mode_t mode,
    char *path, size_t size)
{
	int	 fd;

	ck_assert_int_lt(snprintf(path, size, "%s/%s", tdir, name), (int)size);
	(void)unlink(path);	/* it may be 0400 from an earlier call */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
	return (path);
}

/* Loads text over a fresh config (test tables if tt); returns it or NULL. */
static struct config *
load(int tt, const char *text, char **cause)
{
	struct config	*cfg;

	cfg = tt ? config_new_table(t_sections, t_keys) : config_new();
	ck_assert_ptr_nonnull(cfg);
	if (config_load_string(cfg, "t.conf", text, cause) != 0) {
		config_free(cfg);
		return (NULL);
	}
	ck_assert_ptr_null(*cause);
	return (cfg);
}

/* Loads text into a fresh config (built-in tables); it must succeed. */
static struct config *
load_ok(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = load(0, text, &cause);
	ck_assert_msg(cfg != NULL, "load failed: %s", cause);
	return (cfg);
}

/* The same with the test tables. */
static struct config *
tload_ok(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = load(1, text, &cause);
	ck_assert_msg(cfg != NULL, "load failed: %s", cause);
	return (cfg);
}

/* Loading text must fail with exactly the error want. */
static void
err_is(int tt, const char *text, const char *want)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = load(tt, text, &cause);
	ck_assert_msg(cfg == NULL, "load of \"%s\" succeeded", text);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, want);
	free(cause);
}

/* Loading text (built-in tables) must fail with exactly want. */
static void
load_err(const char *text, const char *want)
{
	err_is(0, text, want);
}

/* Loading text (test tables) must fail with exactly want. */
static void
tload_err(const char *text, const char *want)
{
	err_is(1, text, want);
}

/* [api] workers from a one-key file. */
static long long
workers_of(const char *value)
{
	struct config	*cfg;
	char		 text[256];
	long long	 n;

	snprintf(text, sizeof(text), "[api]\nworkers = %s\n", value);
	cfg = load_ok(text);
	n = config_int(cfg, "api", "workers");
	config_free(cfg);
	return (n);
}

/* "[api]\nworkers = value" must fail: "t.conf:2: [api] workers: why". */
static void
workers_err(const char *value, const char *why)
{
	char	 text[256], want[512];

	snprintf(text, sizeof(text), "[api]\nworkers = %s\n", value);
	snprintf(want, sizeof(want), "t.conf:2: [api] workers: %s", why);
	load_err(text, want);
}

/* config_dump's output, as a string the caller frees. */
static char *
dump_of(const struct config *cfg)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;

	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	config_dump(cfg, f);
	ck_assert_int_eq(fclose(f), 0);
	return (out);
}

/* The environment variable of key k (twin: of its _file) into buf. */
static void
env_name(const struct config_key *k, int twin, char *buf, size_t size)
{
	char	*p;

	snprintf(buf, size, "BOOTSTACK_%s_%s%s", k->section, k->name,
	    twin ? "_FILE" : "");
	for (p = buf; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
}

/* Every key of the built-in table reads its default before any load. */
START_TEST(test_defaults)
{
	struct config	*cfg;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_null(config_path(cfg));
	ck_assert_str_eq(config_str(cfg, "api", "listen"),
	    "/run/bootstack/api.sock");
	ck_assert_str_eq(config_str(cfg, "api", "listen_mode"), "0660");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 4);
	ck_assert_int_eq(config_int(cfg, "api", "max_requests"), 10000);
	ck_assert_int_eq(config_int(cfg, "api", "request_timeout"), 30);
	ck_assert_int_eq(config_int(cfg, "api", "drain_timeout"), 30);
	ck_assert_int_eq(config_int(cfg, "api", "max_body"), 65536);
	ck_assert_str_eq(config_str(cfg, "api", "log_level"), "info");
	ck_assert_ptr_null(config_str(cfg, "api", "log_file"));
	ck_assert_ptr_null(config_str(cfg, "api", "pid_file"));
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 4096);
	ck_assert_str_eq(config_str(cfg, "database", "host"),
	    "/run/postgresql");
	ck_assert_str_eq(config_str(cfg, "database", "port"), "5432");
	ck_assert_str_eq(config_str(cfg, "database", "target_session_attrs"),
	    "read-write");
	ck_assert_str_eq(config_str(cfg, "database", "name"), "bootstack");
	ck_assert_str_eq(config_str(cfg, "database", "user"), "bootstack");
	ck_assert_ptr_null(config_str(cfg, "database", "password"));
	ck_assert_ptr_null(config_str(cfg, "database", "password_file"));
	ck_assert_str_eq(config_str(cfg, "database", "sslmode"), "prefer");
	ck_assert_int_eq(config_int(cfg, "database", "connect_timeout"), 3);
	ck_assert_int_eq(config_int(cfg, "database", "statement_timeout"),
	    5000);
	ck_assert_str_eq(config_str(cfg, "database", "migrations_dir"),
	    BS_SQLDIR);
	ck_assert_uint_eq(config_count(cfg, "cert"), 0);
	config_free(cfg);
	config_free(NULL);
}
END_TEST

/* An empty or comment-only file keeps the defaults. */
START_TEST(test_defaults_empty_file)
{
	struct config	*cfg;

	cfg = load_ok("");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 4);
	ck_assert_ptr_null(config_path(cfg));
	config_free(cfg);
	cfg = load_ok("\n\n# only comments\n");
	ck_assert_str_eq(config_str(cfg, "api", "log_level"), "info");
	config_free(cfg);
}
END_TEST

/* The built-in tables: sections, help, key names, env names unique. */
START_TEST(test_table_sound)
{
	static const char *const single[] = { "api", "database", "tls",
	    "acme", "dns", "dynadot", "report", "alerts" };
	const struct config_section	*sec;
	const struct config_key		*k;
	struct config			*cfg;
	size_t				 i, n;
	int				 found;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		found = 0;
		for (sec = config_sections; sec->name != NULL; sec++)
			if (strcmp(sec->name, single[i]) == 0 && !sec->multi)
				found = 1;
		ck_assert_msg(found, "no single section [%s]", single[i]);
	}
	for (sec = config_sections; sec->name != NULL; sec++) {
		ck_assert_msg(sec->help != NULL && *sec->help != '\0',
		    "[%s] has no help", sec->name);
		if (strcmp(sec->name, "cert") == 0)
			ck_assert_int_eq(sec->multi, 1);
	}
	/* Two keys must not share an environment name ([a] b_c, [a_b] c). */
	for (k = config_keys; k->name != NULL; k++) {
		const struct config_key	*k2;
		char			 e1[256], e2[256];

		for (k2 = config_keys; k2 != k; k2++) {
			env_name(k, 0, e1, sizeof(e1));
			env_name(k2, 0, e2, sizeof(e2));
			ck_assert_msg(strcmp(e1, e2) != 0, "%s is ambiguous",
			    e1);
			if (k2->type == CONFIG_SECRET) {
				env_name(k2, 1, e2, sizeof(e2));
				ck_assert_msg(strcmp(e1, e2) != 0,
				    "%s is ambiguous", e1);
			}
		}
	}
	for (k = config_keys; k->name != NULL; k++) {
		ck_assert_msg(k->help != NULL && *k->help != '\0',
		    "[%s] %s has no help", k->section, k->name);
		n = strspn(k->name, "abcdefghijklmnopqrstuvwxyz0123456789_");
		ck_assert_msg(k->name[n] == '\0', "bad key name %s", k->name);
		/* Every key of a single section reads without aborting. */
		for (sec = config_sections; sec->name != NULL; sec++)
			if (strcmp(sec->name, k->section) == 0 && !sec->multi)
				(void)config_str(cfg, k->section, k->name);
	}
	config_free(cfg);
}
END_TEST

/* Decimal integers within bounds, including both ends. */
START_TEST(test_int_valid)
{
	struct config	*cfg;

	ck_assert_int_eq(workers_of("8"), 8);
	ck_assert_int_eq(workers_of("1"), 1);
	ck_assert_int_eq(workers_of("256"), 256);
	ck_assert_int_eq(workers_of("+8"), 8);
	ck_assert_int_eq(workers_of("08"), 8);		/* decimal, not octal */
	ck_assert_int_eq(workers_of("\"16\""), 16);
	cfg = load_ok("[api]\nmax_requests = 0\nmax_body = 1024\n"
	    "backlog = 65535\n[database]\nstatement_timeout = 3600000\n"
	    "port = 1\n");
	ck_assert_int_eq(config_int(cfg, "api", "max_requests"), 0);
	ck_assert_int_eq(config_int(cfg, "api", "max_body"), 1024);
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 65535);
	ck_assert_int_eq(config_int(cfg, "database", "statement_timeout"),
	    3600000);
	ck_assert_str_eq(config_str(cfg, "database", "port"), "1");
	config_free(cfg);
	cfg = load_ok("[api]\nmax_body = 67108864\nmax_requests = 100000000\n");
	ck_assert_int_eq(config_int(cfg, "api", "max_body"), 67108864);
	ck_assert_int_eq(config_int(cfg, "api", "max_requests"), 100000000);
	config_free(cfg);
	/* Negative bounds, and an int with no default reads 0 until set. */
	cfg = tload_ok("");
	ck_assert_int_eq(config_int(cfg, "t", "n"), 0);
	ck_assert_ptr_null(config_str(cfg, "t", "n"));
	config_free(cfg);
	cfg = tload_ok("[t]\nn = -5\n");
	ck_assert_int_eq(config_int(cfg, "t", "n"), -5);
	config_free(cfg);
}
END_TEST

/* One past either end of a range is refused with the range. */
START_TEST(test_int_bounds)
{
	workers_err("0", "0 is out of range 1..256");
	workers_err("257", "257 is out of range 1..256");
	workers_err("-1", "-1 is out of range 1..256");
	load_err("[api]\nmax_body = 1023\n",
	    "t.conf:2: [api] max_body: 1023 is out of range 1024..67108864");
	load_err("[api]\nmax_body = 67108865\n",
	    "t.conf:2: [api] max_body: 67108865 is out of range "
	    "1024..67108864");
	load_err("[api]\nbacklog = 65536\n",
	    "t.conf:2: [api] backlog: 65536 is out of range 1..65535");
	load_err("[database]\nconnect_timeout = 0\n",
	    "t.conf:2: [database] connect_timeout: 0 is out of range 1..60");
	load_err("[api]\nmax_requests = -1\n",
	    "t.conf:2: [api] max_requests: -1 is out of range 0..100000000");
	tload_err("[t]\nn = -6\n", "t.conf:2: [t] n: -6 is out of range -5..5");
	tload_err("[t]\nn = 6\n", "t.conf:2: [t] n: 6 is out of range -5..5");
}
END_TEST

/* Numbers past long long are out of range, not clamped. */
START_TEST(test_int_overflow)
{
	struct config	*cfg;

	workers_err("99999999999999999999",
	    "99999999999999999999 is out of range 1..256");
	workers_err("-99999999999999999999",
	    "-99999999999999999999 is out of range 1..256");
	workers_err("9223372036854775808",
	    "9223372036854775808 is out of range 1..256");
	workers_err("9223372036854775807",
	    "9223372036854775807 is out of range 1..256");
	/* strtoll clamps: only ERANGE tells the limits from an overflow. */
	cfg = tload_ok("[t]\nbig = 9223372036854775807\n");
	ck_assert(config_int(cfg, "t", "big") == LLONG_MAX);
	config_free(cfg);
	cfg = tload_ok("[t]\nbig = -9223372036854775808\n");
	ck_assert(config_int(cfg, "t", "big") == LLONG_MIN);
	config_free(cfg);
	tload_err("[t]\nbig = 9223372036854775808\n", "t.conf:2: [t] big: "
	    "9223372036854775808 is out of range "
	    "-9223372036854775808..9223372036854775807");
	tload_err("[t]\nbig = -9223372036854775809\n", "t.conf:2: [t] big: "
	    "-9223372036854775809 is out of range "
	    "-9223372036854775808..9223372036854775807");
}
END_TEST

/* Anything but a whole decimal number is not an integer. */
START_TEST(test_int_junk)
{
	workers_err("4x", "'4x' is not an integer");
	workers_err("x4", "'x4' is not an integer");
	workers_err("", "'' is not an integer");
	workers_err("0x10", "'0x10' is not an integer");
	workers_err("4.0", "'4.0' is not an integer");
	workers_err("4 4", "'4 4' is not an integer");
	workers_err("+", "'+' is not an integer");
	workers_err("-", "'-' is not an integer");
	workers_err("+-4", "'+-4' is not an integer");
	workers_err("\" 4\"", "' 4' is not an integer");
	workers_err("\"4 \"", "'4 ' is not an integer");
	workers_err("1e3", "'1e3' is not an integer");
}
END_TEST

/* Booleans: every spelling, any case, and what is refused. */
START_TEST(test_bool)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES",
	    "True", "ON" };
	static const char *const no[] = { "no", "false", "off", "0", "NO",
	    "False", "Off" };
	struct config	*cfg;
	char		 text[64];
	size_t		 i;

	cfg = tload_ok("");
	ck_assert_int_eq(config_bool(cfg, "t", "flag"), 0);
	ck_assert_int_eq(config_bool(cfg, "t", "opt"), 0);
	ck_assert_ptr_null(config_str(cfg, "t", "opt"));
	config_free(cfg);
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "[t]\nflag = %s\nopt = %s\n",
		    yes[i], yes[i]);
		cfg = tload_ok(text);
		ck_assert_int_eq(config_bool(cfg, "t", "flag"), 1);
		ck_assert_int_eq(config_bool(cfg, "t", "opt"), 1);
		config_free(cfg);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "[t]\nflag = %s\nopt = %s\n",
		    no[i], no[i]);
		cfg = tload_ok(text);
		ck_assert_int_eq(config_bool(cfg, "t", "flag"), 0);
		ck_assert_int_eq(config_bool(cfg, "t", "opt"), 0);
		ck_assert_str_eq(config_str(cfg, "t", "opt"), no[i]);
		config_free(cfg);
	}
	tload_err("[t]\nflag = maybe\n", "t.conf:2: [t] flag: 'maybe' is not "
	    "a boolean (yes/no, true/false, on/off, 1/0)");
	tload_err("[t]\nflag =\n", "t.conf:2: [t] flag: '' is not "
	    "a boolean (yes/no, true/false, on/off, 1/0)");
	tload_err("[t]\nflag = 2\n", "t.conf:2: [t] flag: '2' is not "
	    "a boolean (yes/no, true/false, on/off, 1/0)");
	tload_err("[t]\nflag = yess\n", "t.conf:2: [t] flag: 'yess' is not "
	    "a boolean (yes/no, true/false, on/off, 1/0)");
	tload_err("[t]\nflag = \"yes \"\n", "t.conf:2: [t] flag: 'yes ' is "
	    "not a boolean (yes/no, true/false, on/off, 1/0)");
}
END_TEST

/* Enums take one of their words, exactly. */
START_TEST(test_enum)
{
	static const char *const modes[] = { "disable", "allow", "prefer",
	    "require", "verify-ca", "verify-full" };
	struct config	*cfg;
	char		 text[64];
	size_t		 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(text, sizeof(text), "[database]\nsslmode = %s\n",
		    modes[i]);
		cfg = load_ok(text);
		ck_assert_str_eq(config_str(cfg, "database", "sslmode"),
		    modes[i]);
		config_free(cfg);
	}
	cfg = load_ok("[api]\nlog_level = error\n");
	ck_assert_str_eq(config_str(cfg, "api", "log_level"), "error");
	config_free(cfg);
	load_err("[api]\nlog_level = loud\n", "t.conf:2: [api] log_level: "
	    "'loud' is not one of debug|info|warn|error");
	load_err("[api]\nlog_level = INFO\n", "t.conf:2: [api] log_level: "
	    "'INFO' is not one of debug|info|warn|error");
	load_err("[api]\nlog_level = inf\n", "t.conf:2: [api] log_level: "
	    "'inf' is not one of debug|info|warn|error");
	load_err("[api]\nlog_level = info|warn\n", "t.conf:2: [api] "
	    "log_level: 'info|warn' is not one of debug|info|warn|error");
	load_err("[api]\nlog_level =\n", "t.conf:2: [api] log_level: "
	    "'' is not one of debug|info|warn|error");
	load_err("[database]\nsslmode = verify\n", "t.conf:2: [database] "
	    "sslmode: 'verify' is not one of "
	    "disable|allow|prefer|require|verify-ca|verify-full");
}
END_TEST

/* Blanks are trimmed; quotes keep them, with \" and \\ escapes. */
START_TEST(test_string_quoted)
{
	struct config	*cfg;

	cfg = load_ok("[api]\nlisten =   /a b  \t\npid_file = \"  /x y  \"\n"
	    "log_file = \"a\\\"b\\\\c\"\n[database]\nhost = \"\"\n"
	    "name =\nuser = a\"b\"\n");
	ck_assert_str_eq(config_str(cfg, "api", "listen"), "/a b");
	ck_assert_str_eq(config_str(cfg, "api", "pid_file"), "  /x y  ");
	ck_assert_str_eq(config_str(cfg, "api", "log_file"), "a\"b\\c");
	ck_assert_str_eq(config_str(cfg, "database", "host"), "");
	ck_assert_str_eq(config_str(cfg, "database", "name"), "");
	ck_assert_str_eq(config_str(cfg, "database", "user"), "a\"b\"");
	config_free(cfg);
	cfg = load_ok("[api]\nlisten = a=b\nlisten_mode=0600\n"
	    "pid_file = \"#not a comment\"   \n");
	ck_assert_str_eq(config_str(cfg, "api", "listen"), "a=b");
	ck_assert_str_eq(config_str(cfg, "api", "listen_mode"), "0600");
	ck_assert_str_eq(config_str(cfg, "api", "pid_file"),
	    "#not a comment");
	config_free(cfg);
	load_err("[api]\nlisten = \"abc\n",
	    "t.conf:2: [api] listen: unterminated quoted value");
	load_err("[api]\nlisten = \"abc\\\"\n",
	    "t.conf:2: [api] listen: unterminated quoted value");
	load_err("[api]\nlisten = \"a\" b\n",
	    "t.conf:2: [api] listen: text after the closing quote");
	load_err("[api]\nlisten = \"a\\nb\"\n",
	    "t.conf:2: [api] listen: bad escape in quoted value "
	    "(only \\\" and \\\\)");
}
END_TEST

/* Comment and blank lines; # after a value is part of it. */
START_TEST(test_comments_blank)
{
	struct config	*cfg;

	cfg = load_ok("# comment\n; comment\n   # indented\n\t; tab\n\n"
	    "   \n[api]\n# workers = 9\n;workers = 9\nworkers = 5\n\n");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 5);
	config_free(cfg);
	/* A # after a value is part of it. */
	cfg = load_ok("[api]\nlisten = /a # b\n");
	ck_assert_str_eq(config_str(cfg, "api", "listen"), "/a # b");
	config_free(cfg);
	workers_err("4 # four", "'4 # four' is not an integer");
}
END_TEST

/* CRLF line ends, a missing last newline and a BOM are fine. */
START_TEST(test_crlf_bom)
{
	struct config	*cfg;

	cfg = load_ok("# c\r\n[api]\r\nworkers = 7\r\nlisten = /x\r\n\r\n"
	    "[database]\r\nhost = \"h \"\r\n");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 7);
	ck_assert_str_eq(config_str(cfg, "api", "listen"), "/x");
	ck_assert_str_eq(config_str(cfg, "database", "host"), "h ");
	config_free(cfg);
	/* No newline at the end; a byte order mark at the start. */
	cfg = load_ok("\xef\xbb\xbf[api]\nworkers = 9");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 9);
	config_free(cfg);
	/* A lone CR is not a line end. */
	workers_err("3\rlisten = /x", "'3\\x0dlisten = /x' is not an integer");
}
END_TEST

/* A line may hold 4096 bytes, not one more. */
START_TEST(test_line_length)
{
	struct config	*cfg;
	char		*text;
	size_t		 prefix, len;

	/* "[api]\n" then "listen = aaa...": the second line is 4096 bytes. */
	prefix = strlen("[api]\nlisten = ");
	len = 6 + 4096;
	text = malloc(len + 3);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "[api]\nlisten = ", prefix);
	memset(text + prefix, 'a', len - prefix);
	memcpy(text + len, "\n", 2);
	cfg = load_ok(text);
	ck_assert_uint_eq(strlen(config_str(cfg, "api", "listen")),
	    4096 - 9);
	config_free(cfg);
	memcpy(text + len, "\r\n", 3);		/* CR is not counted */
	cfg = load_ok(text);
	config_free(cfg);
	memcpy(text + len, "a\n", 3);		/* 4097 */
	load_err(text, "t.conf:2: line longer than 4096 bytes");
	memcpy(text + len, "a", 2);		/* 4097, last line */
	load_err(text, "t.conf:2: line longer than 4096 bytes");
	free(text);
	/* A long comment is still too long. */
	text = malloc(8000);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', 7999);
	text[7999] = '\0';
	load_err(text, "t.conf:1: line longer than 4096 bytes");
	free(text);
}
END_TEST

/* A NUL byte in a file is an error naming its line. */
START_TEST(test_nul_byte)
{
	static const char data[] = "[api]\nwork\0ers = 4\n";
	static const char data2[] = "[api]\nworkers = 4\n\0";
	struct config	*cfg;
	char		 path[PATH_MAX], want[PATH_MAX + 64];
	char		*cause = NULL;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	tfile("nul.conf", data, sizeof(data) - 1, 0644, path, sizeof(path));
	ck_assert_int_eq(config_load(cfg, path, &cause), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in the line", path);
	ck_assert_str_eq(cause, want);
	free(cause);
	tfile("nul.conf", data2, sizeof(data2) - 1, 0644, path, sizeof(path));
	ck_assert_int_eq(config_load(cfg, path, &cause), -1);
	snprintf(want, sizeof(want), "%s:3: NUL byte in the line", path);
	ck_assert_str_eq(cause, want);
	free(cause);
	ck_assert_ptr_null(config_path(cfg));
	config_free(cfg);
}
END_TEST

/* Lines that are neither header, key = value, comment nor blank. */
START_TEST(test_syntax_errors)
{
	load_err("workers = 4\n",
	    "t.conf:1: key 'workers' is outside of any [section]");
	load_err("# c\n\nnope = 4\n[api]\n",
	    "t.conf:3: key 'nope' is outside of any [section]");
	load_err("[api]\nworkers\n",
	    "t.conf:2: expected [section], key = value or a # comment");
	load_err("[api]\n\"workers\"\n",
	    "t.conf:2: expected [section], key = value or a # comment");
	load_err("[api]\n= 4\n", "t.conf:2: no key name before '='");
	load_err("[api]\n  =\n", "t.conf:2: no key name before '='");
	load_err("[api\n", "t.conf:1: a section header must end with ']'");
	load_err("[api] x\n", "t.conf:1: a section header must end with ']'");
	load_err("[api] # c\n",
	    "t.conf:1: a section header must end with ']'");
	load_err("[\n", "t.conf:1: a section header must end with ']'");
}
END_TEST

/* Unknown sections and keys are refused, hostile bytes escaped. */
START_TEST(test_unknown)
{
	struct config	*cfg;

	load_err("[apii]\n", "t.conf:1: unknown section [apii]");
	load_err("[]\n", "t.conf:1: unknown section []");
	load_err("[API]\n", "t.conf:1: unknown section [API]");
	load_err("[api]\nwrkers = 4\n", "t.conf:2: [api] wrkers: unknown key");
	load_err("[api]\nWorkers = 4\n",
	    "t.conf:2: [api] Workers: unknown key");
	load_err("[api]\nhost = x\n", "t.conf:2: [api] host: unknown key");
	load_err("[api]\nlisten_file = x\n",
	    "t.conf:2: [api] listen_file: unknown key");
	load_err("[tls]\nx = 1\n", "t.conf:2: [tls] x: unknown key");
	/* Hostile bytes are escaped in the message. */
	load_err("[api]\nwo\x1b[31mrk = 1\n",
	    "t.conf:2: [api] wo\\x1b[31mrk: unknown key");
	load_err("[\x7f\xc3\xa9]\n",
	    "t.conf:1: unknown section [\\x7f\\xc3\\xa9]");
	/* Blanks inside the brackets are fine. */
	cfg = load_ok("[ api ]\nworkers = 2\n");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 2);
	config_free(cfg);
}
END_TEST

/* A key set twice in one section names both lines. */
START_TEST(test_duplicate)
{
	struct config	*cfg;

	load_err("[api]\nworkers = 4\n\nworkers = 5\n", "t.conf:4: [api] "
	    "workers: duplicate key (first set at line 2)");
	load_err("[api]\nworkers = 4\n[database]\n[api]\nworkers = 4\n",
	    "t.conf:5: [api] workers: duplicate key (first set at line 2)");
	/* ... and the load goes on: /a is then read, and missing. */
	load_err("[database]\npassword_file = /a\npassword_file = /b\n",
	    "t.conf:3: [database] password_file: duplicate key "
	    "(first set at line 2) (and 1 more error: bootstack "
	    "check-config lists them)");
	/* The message never carries a secret's value. */
	load_err("[database]\npassword = hunter2\npassword = hunter3\n",
	    "t.conf:3: [database] password: duplicate key "
	    "(first set at line 2)");
	/* A section may repeat; its keys stay unique. */
	cfg = load_ok("[api]\nworkers = 4\n[database]\n[api]\nbacklog = 4\n");
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 4);
	config_free(cfg);
}
END_TEST

/* BOOTSTACK_<SECTION>_<KEY> overrides the file and is checked alike. */
START_TEST(test_env)
{
	struct config	*cfg;
	char		*cause = NULL;

	setenv("BOOTSTACK_API_WORKERS", "12", 1);
	setenv("BOOTSTACK_DATABASE_SSLMODE", "require", 1);
	setenv("BOOTSTACK_API_LISTEN", "  /spaced ", 1);
	cfg = load_ok("[api]\nworkers = 3\n");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 12);
	ck_assert_str_eq(config_str(cfg, "database", "sslmode"), "require");
	ck_assert_str_eq(config_str(cfg, "api", "listen"), "  /spaced ");
	config_free(cfg);
	unsetenv("BOOTSTACK_DATABASE_SSLMODE");
	unsetenv("BOOTSTACK_API_LISTEN");

	setenv("BOOTSTACK_API_WORKERS", "0", 1);
	load_err("", "environment BOOTSTACK_API_WORKERS: [api] workers: "
	    "0 is out of range 1..256");
	setenv("BOOTSTACK_API_WORKERS", "4x", 1);
	load_err("", "environment BOOTSTACK_API_WORKERS: [api] workers: "
	    "'4x' is not an integer");
	unsetenv("BOOTSTACK_API_WORKERS");
	setenv("BOOTSTACK_API_LOG_LEVEL", "loud", 1);
	load_err("[api]\nlog_level = debug\n", "environment "
	    "BOOTSTACK_API_LOG_LEVEL: [api] log_level: 'loud' is not one of "
	    "debug|info|warn|error");
	unsetenv("BOOTSTACK_API_LOG_LEVEL");

	/* The environment still goes through file errors first. */
	setenv("BOOTSTACK_API_WORKERS", "0", 1);
	load_err("[api]\nnope = 1\n", "t.conf:2: [api] nope: unknown key "
	    "(and 1 more error: bootstack check-config lists them)");
	unsetenv("BOOTSTACK_API_WORKERS");

	/* Multi sections are not overridable. */
	setenv("BOOTSTACK_M_PORT", "9", 1);
	cfg = load(1, "[m a]\n", &cause);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(config_iint(cfg, "m", 0, "port"), 80);
	config_free(cfg);
	unsetenv("BOOTSTACK_M_PORT");

	/* Bools through the environment, test tables. */
	setenv("BOOTSTACK_T_FLAG", "on", 1);
	cfg = tload_ok("");
	ck_assert_int_eq(config_bool(cfg, "t", "flag"), 1);
	config_free(cfg);
	unsetenv("BOOTSTACK_T_FLAG");
}
END_TEST

/* BOOTSTACK_* variables that name no key are left alone. */
START_TEST(test_env_unknown_ignored)
{
	static const char *const vars[] = { "BOOTSTACK_CONF", "BOOTSTACK_URL",
	    "BOOTSTACK_ENV", "BOOTSTACK_API_NOPE", "BOOTSTACK_API",
	    "BOOTSTACK_", "BOOTSTACK_CERT_WWW_X", "BOOTSTACK_NOPE_WORKERS",
	    "BOOTSTACK_api_workers", "BOOTSTACK_API_LISTEN_FILE" };
	struct config	*cfg;
	size_t		 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		setenv(vars[i], "garbage\x01", 1);
	cfg = load_ok("[api]\nworkers = 3\n");
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 3);
	ck_assert_str_eq(config_str(cfg, "api", "listen"),
	    "/run/bootstack/api.sock");
	config_free(cfg);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}
END_TEST

/* <key>_file secrets: read, newline dropped, re-read on load. */
START_TEST(test_secret_file)
{
	struct config	*cfg;
	char		 path[PATH_MAX], text[PATH_MAX + 64];

	tfile("pw", "s3cret\n", 7, 0600, path, sizeof(path));
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", path);
	cfg = load_ok(text);
	ck_assert_str_eq(config_str(cfg, "database", "password"), "s3cret");
	ck_assert_str_eq(config_str(cfg, "database", "password_file"), path);
	/* Read again on each load (rotation), one newline dropped. */
	tfile("pw", "n3w\r\n", 5, 0400, path, sizeof(path));
	ck_assert_int_eq(config_load_string(cfg, "u.conf", "", NULL), 0);
	ck_assert_str_eq(config_str(cfg, "database", "password"), "n3w");
	tfile("pw", "two\n\n", 5, 0600, path, sizeof(path));
	ck_assert_int_eq(config_load_string(cfg, "u.conf", "", NULL), 0);
	ck_assert_str_eq(config_str(cfg, "database", "password"), "two\n");
	tfile("pw", "", 0, 0600, path, sizeof(path));
	ck_assert_int_eq(config_load_string(cfg, "u.conf", "", NULL), 0);
	ck_assert_str_eq(config_str(cfg, "database", "password"), "");
	config_free(cfg);

	/* The same through the environment. */
	tfile("pw", "envpw", 5, 0600, path, sizeof(path));
	setenv("BOOTSTACK_DATABASE_PASSWORD_FILE", path, 1);
	cfg = load_ok("");
	ck_assert_str_eq(config_str(cfg, "database", "password"), "envpw");
	config_free(cfg);
	unsetenv("BOOTSTACK_DATABASE_PASSWORD_FILE");

	/* A plain secret value, and 64 KiB exactly. */
	cfg = load_ok("[database]\npassword = \" p w \"\n");
	ck_assert_str_eq(config_str(cfg, "database", "password"), " p w ");
	config_free(cfg);
	{
		char	*big = malloc(64 * 1024);

		ck_assert_ptr_nonnull(big);
		memset(big, 'x', 64 * 1024);
		tfile("big", big, 64 * 1024, 0600, path, sizeof(path));
		free(big);
	}
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", path);
	cfg = load_ok(text);
	ck_assert_uint_eq(strlen(config_str(cfg, "database", "password")),
	    64 * 1024);
	config_free(cfg);

	/* Secrets in a multi section, per instance. */
	tfile("tok", "t0k\n", 4, 0600, path, sizeof(path));
	snprintf(text, sizeof(text), "[m a]\ntoken_file = %s\n[m b]\n"
	    "token = inline\n", path);
	cfg = tload_ok(text);
	ck_assert_str_eq(config_istr(cfg, "m", 0, "token"), "t0k");
	ck_assert_str_eq(config_istr(cfg, "m", 1, "token"), "inline");
	ck_assert_ptr_null(config_istr(cfg, "m", 1, "token_file"));
	config_free(cfg);
}
END_TEST

/* Secret files that are refused, and key with key_file. */
START_TEST(test_secret_refused)
{
	char	 path[PATH_MAX], text[PATH_MAX + 64], want[PATH_MAX + 256];

	tfile("pw", "s3cret\n", 7, 0644, path, sizeof(path));
	snprintf(text, sizeof(text), "[database]\n\npassword_file = %s\n",
	    path);
	snprintf(want, sizeof(want), "t.conf:3: [database] password_file: "
	    "%s is readable by group or others (chmod 600 it)", path);
	load_err(text, want);
	tfile("pw", "s3cret\n", 7, 0640, path, sizeof(path));
	load_err(text, want);
	tfile("pw", "s3cret\n", 7, 0604, path, sizeof(path));
	load_err(text, want);

	setenv("BOOTSTACK_DATABASE_PASSWORD_FILE", path, 1);
	snprintf(want, sizeof(want), "environment "
	    "BOOTSTACK_DATABASE_PASSWORD_FILE: [database] password_file: "
	    "%s is readable by group or others (chmod 600 it)", path);
	load_err("", want);
	unsetenv("BOOTSTACK_DATABASE_PASSWORD_FILE");

	/* Both the key and its file. */
	tfile("pw", "s3cret\n", 7, 0600, path, sizeof(path));
	snprintf(text, sizeof(text), "[database]\npassword = hunter2\n"
	    "password_file = %s\n", path);
	load_err(text, "t.conf:3: [database] password_file: cannot be set "
	    "with password (set at t.conf:2); use one");
	setenv("BOOTSTACK_DATABASE_PASSWORD", "hunter2", 1);
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", path);
	load_err(text, "t.conf:2: [database] password_file: cannot be set "
	    "with password (set at environment BOOTSTACK_DATABASE_PASSWORD); "
	    "use one");
	unsetenv("BOOTSTACK_DATABASE_PASSWORD");

	/* Missing, a directory, too large, a NUL byte. */
	snprintf(text, sizeof(text), "[database]\npassword_file = %s/none\n",
	    tdir);
	snprintf(want, sizeof(want), "t.conf:2: [database] password_file: "
	    "%s/none: cannot open: No such file or directory", tdir);
	load_err(text, want);
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", tdir);
	snprintf(want, sizeof(want), "t.conf:2: [database] password_file: "
	    "%s is not a regular file", tdir);
	load_err(text, want);
	{
		char	*big = malloc(64 * 1024 + 1);

		ck_assert_ptr_nonnull(big);
		memset(big, 'x', 64 * 1024 + 1);
		tfile("big", big, 64 * 1024 + 1, 0600, path, sizeof(path));
		free(big);
	}
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", path);
	snprintf(want, sizeof(want), "t.conf:2: [database] password_file: "
	    "%s is larger than 64 KiB", path);
	load_err(text, want);
	tfile("nul", "ab\0cd", 5, 0600, path, sizeof(path));
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", path);
	snprintf(want, sizeof(want), "t.conf:2: [database] password_file: "
	    "%s holds a NUL byte", path);
	load_err(text, want);
}
END_TEST

/* config_dump hides secrets and prints what reads back. */
START_TEST(test_dump)
{
	struct config	*cfg, *back;
	char		 path[PATH_MAX], text[PATH_MAX + 128];
	char		*out, *cause = NULL;

	/* Defaults: unset keys commented, keyless sections left out. */
	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	out = dump_of(cfg);
	ck_assert_ptr_nonnull(strstr(out, "[api]\nlisten = "
	    "/run/bootstack/api.sock\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nworkers = 4\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n# log_file: not set\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n# password: not set\n"));
	ck_assert_ptr_null(strstr(out, "[tls]"));
	free(out);
	config_free(cfg);

	/* Secrets, inline or from a file, are never printed. */
	tfile("pw", "s3cret\n", 7, 0600, path, sizeof(path));
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", path);
	cfg = load_ok(text);
	out = dump_of(cfg);
	ck_assert_ptr_null(strstr(out, "s3cret"));
	ck_assert_ptr_nonnull(strstr(out, "\npassword = (secret)\n"));
	snprintf(text, sizeof(text), "\npassword_file = %s\n", path);
	ck_assert_ptr_nonnull(strstr(out, text));
	free(out);
	config_free(cfg);
	cfg = load_ok("[database]\npassword = hunter2\n");
	out = dump_of(cfg);
	ck_assert_ptr_null(strstr(out, "hunter2"));
	ck_assert_ptr_nonnull(strstr(out, "\npassword = (secret)\n"));
	free(out);
	config_free(cfg);

	/* What it prints reads back the same. */
	cfg = load_ok("[api]\nlisten = \"  a \\\"b\\\" \\\\ \"\nworkers = 9\n"
	    "pid_file = \"\"\nlog_file = \"\\\"q\"\n");
	out = dump_of(cfg);
	back = load(0, out, &cause);
	ck_assert_msg(back != NULL, "dump does not load: %s", cause);
	ck_assert_str_eq(config_str(back, "api", "listen"),
	    "  a \"b\" \\ ");
	ck_assert_str_eq(config_str(back, "api", "pid_file"), "");
	ck_assert_str_eq(config_str(back, "api", "log_file"), "\"q");
	ck_assert_int_eq(config_int(back, "api", "workers"), 9);
	free(out);
	config_free(back);
	config_free(cfg);

	/* Control bytes from the environment are escaped. */
	setenv("BOOTSTACK_API_LISTEN", "a\nb\x1b", 1);
	cfg = load_ok("");
	out = dump_of(cfg);
	ck_assert_ptr_nonnull(strstr(out, "[api]\nlisten = "
	    "\"a\\x0ab\\x1b\"\n"));
	free(out);
	config_free(cfg);
	unsetenv("BOOTSTACK_API_LISTEN");

	/* Multi instances. */
	cfg = tload_ok("[m www]\nport = 8080\n");
	out = dump_of(cfg);
	ck_assert_ptr_nonnull(strstr(out, "\n[m www]\nport = 8080\ntls = yes\n"
	    "# host: not set\nmode = a\n# token: not set\n"));
	free(out);
	config_free(cfg);
}
END_TEST

/* A failed load changes nothing; a good one reads over the last. */
START_TEST(test_all_or_nothing)
{
	struct config	*cfg;
	char		 a[PATH_MAX], b[PATH_MAX], pw[PATH_MAX];
	char		 text[PATH_MAX + 64];
	char		*cause = NULL;
	static const char good[] = "[api]\nworkers = 8\n[cert a]\n";
	static const char bad[] = "[api]\nworkers = 9\nlisten = /y\n"
	    "[cert b]\n[database]\nbogus = 1\n";

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	tfile("a.conf", good, sizeof(good) - 1, 0644, a, sizeof(a));
	tfile("b.conf", bad, sizeof(bad) - 1, 0644, b, sizeof(b));
	ck_assert_int_eq(config_load(cfg, a, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(config_path(cfg), a);
	ck_assert_int_eq(config_load(cfg, b, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 8);
	ck_assert_str_eq(config_str(cfg, "api", "listen"),
	    "/run/bootstack/api.sock");
	ck_assert_uint_eq(config_count(cfg, "cert"), 1);
	ck_assert_str_eq(config_path(cfg), a);

	/* A failing environment or secret file changes nothing either. */
	setenv("BOOTSTACK_API_WORKERS", "1000", 1);
	ck_assert_int_eq(config_load_string(cfg, "t.conf",
	    "[api]\nbacklog = 7\n", &cause), -1);
	free(cause);
	unsetenv("BOOTSTACK_API_WORKERS");
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 4096);
	tfile("pw", "old\n", 4, 0600, pw, sizeof(pw));
	snprintf(text, sizeof(text), "[database]\npassword_file = %s\n", pw);
	ck_assert_int_eq(config_load_string(cfg, "t.conf", text, &cause), 0);
	ck_assert_str_eq(config_str(cfg, "database", "password"), "old");
	ck_assert_int_eq(chmod(pw, 0644), 0);
	ck_assert_int_eq(config_load_string(cfg, "t.conf", "[api]\n"
	    "backlog = 7\n", &cause), -1);
	free(cause);
	ck_assert_str_eq(config_str(cfg, "database", "password"), "old");
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 4096);

	/* A later load reads over the earlier one, without duplicates. */
	ck_assert_int_eq(chmod(pw, 0600), 0);
	ck_assert_int_eq(config_load(cfg, a, &cause), 0);
	ck_assert_int_eq(config_load_string(cfg, "t.conf", "[api]\n"
	    "backlog = 7\n[cert a]\n", &cause), 0);
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 8);
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 7);
	ck_assert_uint_eq(config_count(cfg, "cert"), 1);
	ck_assert_str_eq(config_path(cfg), a);
	config_free(cfg);
}
END_TEST

/* config_path and the errors of files that cannot be read. */
START_TEST(test_path)
{
	struct config	*cfg;
	char		 path[PATH_MAX], want[PATH_MAX + 64];
	char		*cause = NULL;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_null(config_path(cfg));
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/missing.conf",
	    tdir), (int)sizeof(path));
	ck_assert_int_eq(config_load(cfg, path, &cause), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory", path);
	ck_assert_str_eq(cause, want);
	free(cause);
	ck_assert_int_eq(config_load(cfg, tdir, &cause), -1);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tdir);
	ck_assert_str_eq(cause, want);
	free(cause);
	ck_assert_ptr_null(config_path(cfg));
	tfile("ok.conf", "[api]\nworkers = 2\n", 18, 0644, path, sizeof(path));
	ck_assert_int_eq(config_load(cfg, path, &cause), 0);
	ck_assert_str_eq(config_path(cfg), path);
	ck_assert_int_eq(config_load_string(cfg, "s", "", &cause), 0);
	ck_assert_str_eq(config_path(cfg), path);
	/* Errors in a file name it with the line. */
	tfile("bad.conf", "[api]\n\nworkers = 0\n", 19, 0644, path,
	    sizeof(path));
	ck_assert_int_eq(config_load(cfg, path, &cause), -1);
	snprintf(want, sizeof(want), "%s:3: [api] workers: 0 is out of range "
	    "1..256", path);
	ck_assert_str_eq(cause, want);
	free(cause);
	config_free(cfg);
}
END_TEST

/* [section NAME] instances: order, names, defaults, duplicates. */
START_TEST(test_multi)
{
	struct config	*cfg;

	cfg = load_ok("[cert www]\n[cert api.example-1_x]\n[api]\n");
	ck_assert_uint_eq(config_count(cfg, "cert"), 2);
	ck_assert_str_eq(config_iname(cfg, "cert", 0), "www");
	ck_assert_str_eq(config_iname(cfg, "cert", 1), "api.example-1_x");
	config_free(cfg);
	load_err("[cert a]\n\n[cert a]\n",
	    "t.conf:3: duplicate section [cert a] (first at line 1)");
	load_err("[api x]\n", "t.conf:1: section [api] takes no name ('x')");
	load_err("[database  x y]\n",
	    "t.conf:1: section [database] takes no name ('x y')");
	load_err("[cert]\n",
	    "t.conf:1: section [cert] needs a name: [cert NAME]");
	load_err("[cert a/b]\n", "t.conf:1: bad name 'a/b' for [cert]: use "
	    "letters, digits, '.', '_' and '-'");
	load_err("[cert a b]\n", "t.conf:1: bad name 'a b' for [cert]: use "
	    "letters, digits, '.', '_' and '-'");
	load_err("[cert a]\nfoo = 1\n", "t.conf:2: [cert a] foo: unknown key");

	/* Defaults apply to each instance; values stay per instance. */
	cfg = tload_ok("[m a]\nport = 8080\ntls = off\nhost = x\n[m b]\n"
	    "mode = b\n[m c]\n");
	ck_assert_uint_eq(config_count(cfg, "m"), 3);
	ck_assert_str_eq(config_iname(cfg, "m", 2), "c");
	ck_assert_int_eq(config_iint(cfg, "m", 0, "port"), 8080);
	ck_assert_int_eq(config_ibool(cfg, "m", 0, "tls"), 0);
	ck_assert_str_eq(config_istr(cfg, "m", 0, "host"), "x");
	ck_assert_str_eq(config_istr(cfg, "m", 0, "mode"), "a");
	ck_assert_int_eq(config_iint(cfg, "m", 1, "port"), 80);
	ck_assert_int_eq(config_ibool(cfg, "m", 1, "tls"), 1);
	ck_assert_ptr_null(config_istr(cfg, "m", 1, "host"));
	ck_assert_str_eq(config_istr(cfg, "m", 1, "mode"), "b");
	ck_assert_int_eq(config_iint(cfg, "m", 2, "port"), 80);
	config_free(cfg);
	tload_err("[m a]\nport = 0\n",
	    "t.conf:2: [m a] port: 0 is out of range 1..65535");
	tload_err("[m a]\nport = 1\n[m b]\nport = 2\nport = 3\n",
	    "t.conf:5: [m b] port: duplicate key (first set at line 4)");
	tload_err("[m a]\ntls = nah\n", "t.conf:2: [m a] tls: 'nah' is not "
	    "a boolean (yes/no, true/false, on/off, 1/0)");
}
END_TEST

/*
 * The example config loads, and documents every key of the table as
 * "# key = default" (or "# key =" when there is none) in its section.
 */
START_TEST(test_example_config)
{
	const struct config_key	*k;
	struct config		*cfg;
	const char		*top;
	char			 path[PATH_MAX], hdr[64], want[256];
	char			*text, *sec, *end, *cause = NULL, *hit;
	FILE			*f;
	long			 len;

	if ((top = getenv("BS_TOP_SRCDIR")) == NULL)
		top = ".";
	snprintf(path, sizeof(path), "%s/dist/bootstack.conf", top);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "check_config: %s not found (set "
		    "BS_TOP_SRCDIR), example test skipped\n", path);
		return;
	}
	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_load(cfg, path, &cause) == 0, "%s", cause);
	/* What the example says is also what the commands accept. */
	{
		struct config_errors	 errs = { NULL, 0, 0 };

		ck_assert_int_eq(confcheck_run(cfg, &errs), 0);
		config_errors_cleanup(&errs);
	}
	config_free(cfg);

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 2);
	ck_assert_ptr_nonnull(text);
	text[0] = '\n';
	ck_assert_uint_eq(fread(text + 1, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (k = config_keys; k->name != NULL; k++) {
		snprintf(hdr, sizeof(hdr), "\n[%s]\n", k->section);
		if ((sec = strstr(text, hdr)) == NULL) {
			snprintf(hdr, sizeof(hdr), "\n# [%s NAME]\n",
			    k->section);
			sec = strstr(text, hdr);
		}
		ck_assert_msg(sec != NULL, "no [%s] in the example",
		    k->section);
		sec += strlen(hdr);
		if ((end = strstr(sec, "\n[")) == NULL)
			end = sec + strlen(sec);
		/* The default there depends on the build's prefix. */
		if ((strcmp(k->section, "database") == 0 &&
		    strcmp(k->name, "migrations_dir") == 0) ||
		    (strcmp(k->section, "nginx") == 0 &&
		    strcmp(k->name, "template_dir") == 0))
			snprintf(want, sizeof(want), "\n# %s = ", k->name);
		else
			snprintf(want, sizeof(want), "\n# %s =%s%s\n", k->name,
			    k->def == NULL ? "" : " ",
			    k->def == NULL ? "" : k->def);
		hit = strstr(sec, want);
		ck_assert_msg(hit != NULL && hit < end, "the example lacks "
		    "\"%s\" under [%s]", want + 1, k->section);
		if (k->type == CONFIG_SECRET) {
			snprintf(want, sizeof(want), "\n# %s_file = ",
			    k->name);
			hit = strstr(sec, want);
			ck_assert_msg(hit != NULL && hit < end, "the example "
			    "lacks \"%s\" under [%s]", want + 1, k->section);
		}
	}
	free(text);
}
END_TEST

/* Misuse, run by aborts_with(): A key that is not in the table. */
static void
misuse_unknown_key(void)
{
	(void)config_str(config_new(), "api", "nope");
}

/* Misuse, run by aborts_with(): A section that is not in the table. */
static void
misuse_unknown_section(void)
{
	(void)config_int(config_new(), "nope", "workers");
}

/* Misuse, run by aborts_with(): config_int on a string key. */
static void
misuse_wrong_type(void)
{
	(void)config_int(config_new(), "api", "listen");
}

/* Misuse, run by aborts_with(): config_bool on an int key. */
static void
misuse_bool_of_int(void)
{
	(void)config_bool(config_new(), "api", "workers");
}

/* Misuse, run by aborts_with(): config_str on a multi section. */
static void
misuse_wrong_kind(void)
{
	(void)config_str(config_new_table(t_sections, t_keys), "m", "host");
}

/* Misuse, run by aborts_with(): config_count on a single section. */
static void
misuse_count_single(void)
{
	(void)config_count(config_new(), "api");
}

/* Misuse, run by aborts_with(): An instance past the last one. */
static void
misuse_instance_range(void)
{
	(void)config_iname(config_new(), "cert", 0);
}

/* Misuse, run by aborts_with(): A table whose default is out of its range. */
static void
misuse_bad_table(void)
{
	static const struct config_key bad[] = {
		{ "t", "n", CONFIG_INT, 1, 5, "6", NULL, "out of range" },
		{ NULL, NULL, CONFIG_STRING, 0, 0, NULL, NULL, NULL }
	};

	(void)config_new_table(t_sections, bad);
}

/* Misuse, run by aborts_with(): A table giving a secret a default. */
static void
misuse_secret_default(void)
{
	static const struct config_key bad[] = {
		{ "t", "s", CONFIG_SECRET, 0, 0, "pw", NULL, "a default" },
		{ NULL, NULL, CONFIG_STRING, 0, 0, NULL, NULL, NULL }
	};

	(void)config_new_table(t_sections, bad);
}

/*
 * Runs fn in a child, which must die of SIGABRT after writing exactly want
 * on stderr. Forks by itself, so it works with CK_FORK=no too.
 */
static void
aborts_with(void (*fn)(void), const char *want)
{
	struct rlimit	 rl = { 0, 0 };
	char		 buf[512];
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status;

	ck_assert_int_eq(pipe(p), 0);
	fflush(stderr);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		(void)setrlimit(RLIMIT_CORE, &rl);
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(3);
		close(p[0]);
		close(p[1]);
		fn();
		_exit(4);
	}
	close(p[1]);
	while (len < sizeof(buf) - 1 &&
	    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "no abort, status %d", status);
	ck_assert_str_eq(buf, want);
}

/* Programming errors abort loudly: they are not bad input. */
START_TEST(test_abort)
{
	aborts_with(misuse_unknown_key, "config: unknown key [api] nope\n");
	aborts_with(misuse_unknown_section,
	    "config: unknown key [nope] workers\n");
	aborts_with(misuse_wrong_type, "config: [api] listen is not an int\n");
	aborts_with(misuse_bool_of_int,
	    "config: [api] workers is not a bool\n");
	aborts_with(misuse_wrong_kind, "config: [m] host: section is multi, "
	    "use config_istr/iint/ibool\n");
	aborts_with(misuse_count_single,
	    "config: [api] is not a multi section\n");
	aborts_with(misuse_instance_range,
	    "config: [cert]: no instance 0 (there are 0)\n");
	aborts_with(misuse_bad_table,
	    "config: key [t] n: bad default: 6 is out of range 1..5\n");
	aborts_with(misuse_secret_default,
	    "config: key [t] s: a secret has no default\n");
}
END_TEST

/* Loads text with config_load_string_all; every error must be in want, in order. */
static struct config *
all_errors(const char *text, const char *const *want, size_t nwant,
    int check)
{
	struct config_errors	 errs = { NULL, 0, 0 };
	struct config		*cfg;
	size_t			 i;

	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	(void)config_load_string_all(cfg, "t.conf", text, &errs);
	if (check)
		(void)confcheck_run(cfg, &errs);
	for (i = 0; i < errs.n && i < nwant; i++)
		ck_assert_str_eq(errs.v[i], want[i]);
	for (; i < errs.n; i++)
		ck_abort_msg("unexpected error: %s", errs.v[i]);
	ck_assert_msg(errs.n == nwant, "%zu errors, want %zu (first missing: "
	    "%s)", errs.n, nwant, errs.n < nwant ? want[errs.n] : "");
	ck_assert_uint_eq(errs.dropped, 0);
	config_errors_cleanup(&errs);
	config_errors_cleanup(&errs);		/* safe twice */
	return (cfg);
}

/* One load lists every error of the file, and keeps what was valid. */
START_TEST(test_all_errors)
{
	static const char *const want[] = {
		"t.conf:2: [api] workers: 0 is out of range 1..256",
		"t.conf:3: [api] nope: unknown key",
		"t.conf:5: unknown section [nosuch]",
		"t.conf:8: [database] connect_timeout: 'x' is not an integer",
		"t.conf:9: expected [section], key = value or a # comment",
	};
	struct config	*cfg;
	char		*cause = NULL;

	cfg = all_errors("[api]\nworkers = 0\nnope = 1\nbacklog = 7\n"
	    "[nosuch]\nanything = at all\n[database]\nconnect_timeout = x\n"
	    "junk\nconnect_timeout = 60\nname = kept\n", want, 5, 0);
	/* A refused line is not a first setting: line 10 is no duplicate. */
	ck_assert_int_eq(config_int(cfg, "database", "connect_timeout"), 60);
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 4);
	ck_assert_int_eq(config_int(cfg, "api", "backlog"), 7);
	ck_assert_str_eq(config_str(cfg, "database", "name"), "kept");
	config_free(cfg);

	/* config_load: the first, and a count of the rest. */
	cfg = config_new();
	ck_assert_int_eq(config_load_string(cfg, "t.conf", "[api]\n"
	    "workers = 0\nmax_body = 1\nbacklog = 0\n", &cause), -1);
	ck_assert_str_eq(cause, "t.conf:2: [api] workers: 0 is out of range "
	    "1..256 (and 2 more errors: bootstack check-config lists them)");
	free(cause);
	ck_assert_int_eq(config_int(cfg, "api", "workers"), 4);
	config_free(cfg);
}
END_TEST

/*
 * config_where: the key's line (a secret read from its _file twin: the
 * twin's), else its section's header, else the file.
 */
START_TEST(test_where)
{
	struct config_errors	 errs = { NULL, 0, 0 };
	struct config		*cfg;
	char			 path[512], text[700];

	cfg = config_new();
	ck_assert_ptr_null(config_where(cfg, "api", 0, "workers"));
	ck_assert_int_eq(config_load_string_all(cfg, "t.conf", "# c\n[api]\n"
	    "\nworkers = 3\n[alert a]\nkind = db_down\n[alert b]\n", &errs), 0);
	ck_assert_str_eq(config_where(cfg, "api", 0, "workers"), "t.conf:4");
	ck_assert_str_eq(config_where(cfg, "api", 0, "backlog"), "t.conf:2");
	ck_assert_str_eq(config_where(cfg, "api", 0, NULL), "t.conf:2");
	ck_assert_str_eq(config_where(cfg, "alert", 0, "kind"), "t.conf:6");
	ck_assert_str_eq(config_where(cfg, "alert", 1, "kind"), "t.conf:7");
	ck_assert_ptr_null(config_where(cfg, "report", 0, "hosts"));
	setenv("BOOTSTACK_API_BACKLOG", "9", 1);
	ck_assert_int_eq(config_load_string_all(cfg, "u.conf", "", &errs), 0);
	unsetenv("BOOTSTACK_API_BACKLOG");
	ck_assert_str_eq(config_where(cfg, "api", 0, "backlog"),
	    "environment BOOTSTACK_API_BACKLOG");
	config_free(cfg);

	cfg = config_new();
	tfile("pw", "s3cret\n", 7, 0600, path, sizeof(path));
	snprintf(text, sizeof(text), "[database]\nname = x\n\npassword_file = "
	    "%s\n", path);
	ck_assert_int_eq(config_load_string_all(cfg, "v.conf", text, &errs), 0);
	ck_assert_str_eq(config_where(cfg, "database", 0, "password"),
	    "v.conf:4");
	ck_assert_str_eq(config_where(cfg, "database", 0, "password_file"),
	    "v.conf:4");
	ck_assert_str_eq(config_where(cfg, "database", 0, "user"), "v.conf:1");
	config_errors_cleanup(&errs);
	config_free(cfg);
}
END_TEST

/*
 * check-config's checks: the cases of issue 12 (an [alert] without kind, a
 * port out of range in a listen list, a domain with a blank and an empty
 * label) and one bad value per section, all listed with their lines.
 */
START_TEST(test_confcheck)
{
	static const char *const want[] = {
		"t.conf:2: [api] workers: 0 is out of range 1..256",
		"t.conf:4: [database] sslmode: 'maybe' is not one of "
		    "disable|allow|prefer|require|verify-ca|verify-full",
		"t.conf:14: [acme] key_type: 'dsa' is not one of "
		    "ec256|ec384|rsa2048|rsa3072|rsa4096",
		"t.conf:16: [dns] ttl: -1 is out of range 0..604800",
		"t.conf:18: [dynadot] retries: 99 is out of range 0..20",
		"t.conf:6: [site] domain: 'exa mple..com' is not a host name "
		    "(letters, digits and inner '-', labels of 1..63 separated "
		    "by single dots)",
		"t.conf:8: [nginx] listen_https: '99999' is not PORT, "
		    "IPV4:PORT, [IPV6]:PORT or *:PORT (ports 1..65535)",
		"t.conf:11: [nginx] upstream: 'unix:api.sock' is not unix:PATH "
		    "with an absolute path",
		"t.conf:9: [nginx] access_log: 'logs/a.log' must be an "
		    "absolute path without blanks, quotes, '\\', '$', ';', '#', "
		    "'{' or '}'",
		"t.conf:13: [acme] directory_url: 'http://ca.test/dir' is not a "
		    "URL: want https://HOST/PATH",
		"t.conf:20: [report] goaccess: 'goaccess' is not an absolute "
		    "path (want /...)",
		"t.conf:22: [alerts] webhook_url: 'hooks.test/x' is not a URL: "
		    "want http://HOST/PATH or https://HOST/PATH",
		"t.conf:23: [alerts] command: 'notify' is not an absolute path "
		    "(no shell and no PATH search is used)",
		"t.conf:27: [alert x] kind: not set (one of http_5xx_ratio, "
		    "http_p95, db_down, cert_expiry, cert_renew_failed, "
		    "disk_space, crash_loop, stale_job, api_down)",
		"t.conf:30: [alert late] threshold: 'soon' is not seconds "
		    "above 0 (0.5, 500ms)",
	};
	struct config	*cfg;

	cfg = all_errors(
	    "[api]\nworkers = 0\n"				/* 1-2 */
	    "[database]\nsslmode = maybe\n"			/* 3-4 */
	    "[site]\ndomain = exa mple..com\n"			/* 5-6 */
	    "[nginx]\nlisten_https = 443 99999\n"		/* 7-8 */
	    "access_log = logs/a.log\nlisten_http = 80\n"	/* 9-10 */
	    "upstream = 127.0.0.1:9001 max_fails=2, unix:api.sock\n"/* 11 */
	    "[acme]\ndirectory_url = http://ca.test/dir\n"	/* 12-13 */
	    "key_type = dsa\n"					/* 14 */
	    "[dns]\nttl = -1\n"					/* 15-16 */
	    "[dynadot]\nretries = 99\n"				/* 17-18 */
	    "[report]\ngoaccess = goaccess\n"			/* 19-20 */
	    "[alerts]\nwebhook_url = hooks.test/x\n"		/* 21-22 */
	    "command = notify --all\n"				/* 23 */
	    "metrics_url = http://127.0.0.1:1/metrics\n"	/* 24 */
	    "[alert ok]\nkind = db_down\n"			/* 25-26 */
	    "[alert x]\nseverity = info\n"			/* 27-28 */
	    "[alert late]\nthreshold = soon\nkind = http_p95\n",/* 29-31 */
	    want, sizeof(want) / sizeof(want[0]), 1);
	config_free(cfg);

	/* The line of a loader's error is the key's; unset: the header's. */
	{
		struct config_errors	 errs = { NULL, 0, 0 };

		cfg = config_new();
		(void)config_load_string_all(cfg, "t.conf", "[site]\n"
		    "domain = example.com\n[cert www]\nchallenge = dns-01\n",
		    &errs);
		(void)confcheck_run(cfg, &errs);
		ck_assert_uint_eq(errs.n, 1);
		ck_assert_msg(strncmp(errs.v[0], "t.conf:3: [cert www] ",
		    21) == 0, "%s", errs.v[0]);
		config_errors_cleanup(&errs);
		config_free(cfg);
	}

	/* [api] allow: the daemon's check, at the key's line. */
	{
		struct config_errors	 errs = { NULL, 0, 0 };

		cfg = config_new();
		(void)config_load_string_all(cfg, "t.conf", "[api]\n"
		    "listen = 127.0.0.1:9000\n"
		    "allow = 192.0.2.0/24, 192.0.2.1/24\n", &errs);
		(void)confcheck_run(cfg, &errs);
		ck_assert_uint_eq(errs.n, 1);
		ck_assert_msg(strstr(errs.v[0], "t.conf:3: [api] allow: "
		    "'192.0.2.1/24' has bits set beyond /24") == errs.v[0],
		    "%s", errs.v[0]);
		config_errors_cleanup(&errs);
		config_free(cfg);
	}

	/* A good file: nothing. */
	cfg = all_errors("[site]\ndomain = example.com\nsubdomains = api\n"
	    "[nginx]\nlisten_https = 127.0.0.1:8443 [::1]:8443\n"
	    "[alerts]\ncommand = /bin/true -x\n[alert db]\nkind = db_down\n",
	    NULL, 0, 1);
	config_free(cfg);
}
END_TEST

/* db_check_hosts: what [database] host and port take, as libpq lists. */
static void
hosts_err(const char *host, const char *port, const char *want)
{
	char	*why = NULL;

	ck_assert_int_eq(db_check_hosts(host, port, &why), -1);
	ck_assert_msg(why != NULL && strstr(why, want) != NULL,
	    "%s / %s: %s", host, port, why);
	free(why);
}

START_TEST(test_db_hosts)
{
	struct config	*cfg;
	char		*why = NULL;

	ck_assert_int_eq(db_check_hosts("/run/postgresql", "5432", &why), 0);
	ck_assert_int_eq(db_check_hosts("10.0.0.1,10.0.0.2", "5432", &why), 0);
	ck_assert_int_eq(db_check_hosts("a,b,c", "1,2,65535", &why), 0);
	ck_assert_int_eq(db_check_hosts("::1,/tmp", "5432,5433", &why), 0);
	ck_assert_ptr_null(why);
	hosts_err("a,b,c", "1,2", "[database] port: '1,2' has 2 ports for 3");
	hosts_err("a,b", "1,0", "[database] port: '1,0' is not a port");
	hosts_err("a", "65536", "is not a port (1..65535)");
	hosts_err("a", "x", "is not a port");
	hosts_err("a", "", "is not a port");
	hosts_err("a,b", "1,", "is not a port");
	hosts_err("a", "+1", "is not a port");
	hosts_err("a,,b", "1", "[database] host: 'a,,b'");
	hosts_err("a,b,", "1", "[database] host:");
	hosts_err("a b", "1", "no blanks");
	hosts_err("a,host=b", "1", "'='");
	hosts_err("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "1",
	    "17 hosts, at most 16");

	/* check-config: at the line of the key */
	cfg = all_errors("[database]\nhost = 10.0.0.1,10.0.0.2\n"
	    "port = 5432,5433,5434\n", (const char *const []){
	    "t.conf:3: [database] port: '5432,5433,5434' has 3 ports for 2 "
	    "hosts: give one for all, or one per host" }, 1, 1);
	config_free(cfg);
	cfg = all_errors("[database]\nhost = 10.0.0.1,10.0.0.2\n"
	    "port = 5432,5433\ntarget_session_attrs = primary\n", NULL, 0, 1);
	config_free(cfg);
}
END_TEST

/* One TCase named name holding fn. */
static void
add(Suite *s, const char *name, const TTest *fn)
{
	TCase	*tc = tcase_create(name);

	tcase_add_test(tc, fn);
	suite_add_tcase(s, tc);
}

/*
 * The suite: one TCase per behaviour. The abort TCase is left out with
 * CK_FORK=no, the mode `make valgrind` uses: its children die on purpose
 * holding memory, and valgrind would report each of them.
 */
static Suite *
config_suite(int forking)
{
	Suite	*s = suite_create("config");

	add(s, "defaults", test_defaults);
	add(s, "defaults_empty_file", test_defaults_empty_file);
	add(s, "table_sound", test_table_sound);
	add(s, "int_valid", test_int_valid);
	add(s, "int_bounds", test_int_bounds);
	add(s, "int_overflow", test_int_overflow);
	add(s, "int_junk", test_int_junk);
	add(s, "bool", test_bool);
	add(s, "enum", test_enum);
	add(s, "string_quoted", test_string_quoted);
	add(s, "comments_blank", test_comments_blank);
	add(s, "crlf_bom", test_crlf_bom);
	add(s, "line_length", test_line_length);
	add(s, "nul_byte", test_nul_byte);
	add(s, "syntax_errors", test_syntax_errors);
	add(s, "unknown", test_unknown);
	add(s, "duplicate", test_duplicate);
	add(s, "env", test_env);
	add(s, "env_unknown_ignored", test_env_unknown_ignored);
	add(s, "secret_file", test_secret_file);
	add(s, "secret_refused", test_secret_refused);
	add(s, "dump", test_dump);
	add(s, "all_or_nothing", test_all_or_nothing);
	add(s, "path", test_path);
	add(s, "multi", test_multi);
	add(s, "example_config", test_example_config);
	add(s, "all_errors", test_all_errors);
	add(s, "where", test_where);
	add(s, "confcheck", test_confcheck);
	add(s, "db_hosts", test_db_hosts);
	if (forking)
		add(s, "abort", test_abort);
	return (s);
}



/* Runs the suite in a private temporary directory; 0 if all passed. */
/* The private folder of the run. */
static int
setup_all(void)
{
	return (unit_mkdtemp(tdir, sizeof(tdir)));
}

/* Removes it. */
static void
teardown_all(void)
{
	unit_rmtree(tdir);
}

/* Adds the suites of this file (tests/unit/unit.c runs them). */
static void
add_suites(SRunner *sr)
{
	const char	*ckfork = getenv("CK_FORK");

	srunner_add_suite(sr, config_suite(ckfork == NULL ||
	    strcmp(ckfork, "no") != 0));
}

const struct unit unit = { "check_config", setup_all, teardown_all,
    add_suites };
