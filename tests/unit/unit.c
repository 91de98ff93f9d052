/*
 * unit.c: main() of every unit suite (see unit.h), and the helpers the
 * suite files share.
 */
#include "autoconf.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "unit.h"

extern char	**environ;

/* Unsets every BOOTSTACK_* variable of the environment. */
static void
unit_clear_env(void)
{
	char	**e, name[256];

	for (e = environ; *e != NULL;) {
		if (strncmp(*e, "BOOTSTACK_", 10) != 0) {
			e++;
			continue;
		}
		(void)snprintf(name, sizeof(name), "%.*s",
		    (int)strcspn(*e, "="), *e);
		unsetenv(name);
		e = environ;
	}
}

/* See unit.h. */
int
unit_mkdtemp(char *buf, size_t size)
{
	const char	*tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(buf, size, "%s/%s.XXXXXX", tmp, unit.name) >=
	    size || mkdtemp(buf) == NULL) {
		fprintf(stderr, "%s: mkdtemp %s: %s\n", unit.name, buf,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* nftw callback of unit_rmtree: removes one entry. */
static int
unit_rm(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	(void)remove(path);
	return (0);
}

/* See unit.h. */
void
unit_rmtree(const char *path)
{
	(void)nftw(path, unit_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	SRunner		*sr;
	const char	*s, *c;
	int		 failed, ran;

	unit_clear_env();
	if (unit.setup != NULL && unit.setup() != 0)
		return (EXIT_FAILURE);
	sr = srunner_create(NULL);
	unit.add(sr);
	srunner_run_all(sr, CK_ENV);	/* CK_VERBOSITY=verbose lists every test */
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (unit.teardown != NULL)
		unit.teardown();
	if (ran == 0) {
		s = getenv("CK_RUN_SUITE");
		c = getenv("CK_RUN_CASE");
		fprintf(stderr, "%s: no test ran: CK_RUN_SUITE='%s' "
		    "CK_RUN_CASE='%s' name no suite or test case of it (the "
		    "names: CK_VERBOSITY=verbose %s, without CK_RUN_*)\n",
		    unit.name, s != NULL ? s : "", c != NULL ? c : "",
		    unit.name);
		return (EXIT_FAILURE);
	}
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
