/*
 * cli_nginx.c: `bootstack nginx render|password|names`, the operator's side
 * of lib/nginx.c.
 *
 * `nginx render [--output DIR] [--check] [--reload]` fills the templates
 * for [site] and [nginx] and writes the files into DIR (default [nginx]
 * conf_dir), each atomically, under a lock in DIR so two runs do not mix
 * their files. It also makes the folders the files name (ACME webroot,
 * ops_root, log folders) and an empty htpasswd file. With --check it then
 * runs [nginx] test_command and, when that fails, puts the previous files
 * back, so nothing nginx would load on its next reload is broken; --reload
 * checks, then runs [nginx] reload_command. Unchanged files are not
 * rewritten.
 *
 * `nginx password [--user NAME] [--generate]` sets a /ops/ user's password
 * in [nginx] htpasswd_file: read from stdin (one line; the terminal does not
 * echo it), or made up and printed once with --generate.
 *
 * `nginx names` prints the host names of [site], one per line (what the
 * certificate must cover).
 */
#include "autoconf.h"

#include <sys/random.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cause.h"
#include "cli.h"
#include "config.h"
#include "fs.h"
#include "htpasswd.h"
#include "nginx.h"

#define CLI_NGINX_PW_MIN	12	/* characters of a typed password */
#define CLI_NGINX_PW_GEN	24	/* characters of a generated one */

static int	cli_nginx_run(struct cli *, int, char **);

const struct cli_cmd cli_cmd_nginx = {
	"nginx",
	"nginx render [--output DIR] [--check] [--reload]"
	" | nginx password [--user NAME] [--generate] | nginx names",
	"write nginx's configuration for [site]; set /ops/ passwords",
	1,
	cli_nginx_run
};

/* Prints the usage line as an error; returns 2. */
static int
cli_nginx_usage(void)
{
	cli_err("nginx", "usage: bootstack [-c FILE] %s", cli_cmd_nginx.usage);
	return (2);
}

/* `nginx render`: renders, installs, and optionally tests and reloads. */
static int
cli_nginx_render(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output",	required_argument,	NULL, 'o' },
		{ "check",	no_argument,		NULL, 'c' },
		{ "reload",	no_argument,		NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct nginx_out	 out;
	struct nginx_undo	 undo;
	const char		*dir = NULL;
	char			*cause = NULL, *why = NULL;
	int			 ch, check = 0, reload = 0, lock = -1, rc = 1;
	int			 changed = 0;

	memset(&out, 0, sizeof(out));
	memset(&undo, 0, sizeof(undo));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			dir = optarg;
			break;
		case 'c':
			check = 1;
			break;
		case 'r':
			check = reload = 1;
			break;
		default:
			return (cli_nginx_usage());
		}
	}
	if (optind != argc)
		return (cli_nginx_usage());
	if (dir == NULL)
		dir = config_str(cli->cfg, "nginx", "conf_dir");

	if (nginx_render(cli->cfg, dir, &out, &cause) == -1) {
		cli_err("nginx", "%s", cause_text(cause));
		goto out;
	}
	if ((lock = nginx_lock(dir, &cause)) == -1) {
		cli_err("nginx", "%s", cause != NULL ? cause : "cannot lock");
		goto out;
	}
	if (nginx_prepare(cli->cfg, &cause) == -1) {
		cli_err("nginx", "%s", cause_text(cause));
		goto out;
	}
	if (nginx_same(dir, &out))
		printf("%s: unchanged\n", dir);
	else {
		if (nginx_install(dir, &out, &undo, &cause) == -1) {
			cli_err("nginx", "%s", cause_text(cause));
			goto out;
		}
		changed = 1;
		printf("%s: written\n", dir);
	}
	if (!out.tls)
		fprintf(stderr, "bootstack nginx: no [site] cert_file and "
		    "key_file yet: HTTPS is off, port 80 serves ACME "
		    "challenges and 503\n");
	if (check && nginx_run(cli->cfg, "test_command", &cause) == -1) {
		if (changed && nginx_restore(dir, &undo, &why) == -1) {
			cli_err("nginx", "%s", cause != NULL ? cause : "test "
			    "failed");
			cli_err("nginx", "and the old files could not be put "
			    "back: %s", why != NULL ? why : "error");
		} else
			cli_err("nginx", "%s; %s", cause != NULL ? cause :
			    "test failed", changed ? "the previous files are "
			    "back in place" : "the files were already there");
		goto out;
	}
	if (reload && nginx_run(cli->cfg, "reload_command", &cause) == -1) {
		cli_err("nginx", "%s", cause != NULL ? cause : "reload failed");
		goto out;
	}
	if (reload)
		printf("nginx reloaded\n");
	rc = 0;
out:
	free(cause);
	free(why);
	nginx_undo_cleanup(&undo);
	nginx_out_cleanup(&out);
	if (lock != -1)
		close(lock);
	if (fflush(stdout) == EOF && rc == 0) {
		cli_err("nginx", "cannot write to stdout");
		rc = 1;
	}
	return (rc);
}

/*
 * Reads one line (the password) from stdin into buf, without echo when
 * stdin is a terminal. 0, or -1 (message printed).
 */
static int
cli_nginx_read_password(const char *user, char *buf, size_t size)
{
	struct termios	 old, quiet;
	int		 tty = isatty(STDIN_FILENO), ok;
	size_t		 len;

	if (tty) {
		fprintf(stderr, "password for %s: ", user);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == -1)
			tty = 0;
		else {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	ok = fgets(buf, (int)size, stdin) != NULL;
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok) {
		cli_err("nginx", "no password on stdin (or use --generate)");
		return (-1);
	}
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && !feof(stdin)) {
		cli_err("nginx", "the password is too long");
		return (-1);
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len < CLI_NGINX_PW_MIN) {
		cli_err("nginx", "use at least %d characters (or --generate)",
		    CLI_NGINX_PW_MIN);
		return (-1);
	}
	return (0);
}

/* Makes up a password of CLI_NGINX_PW_GEN letters and digits. */
static int
cli_nginx_generate(char *buf, size_t size)
{
	static const char	 set[] = "abcdefghijkmnopqrstuvwxyz"
	    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char		 r;
	size_t			 n = 0;

	while (n < CLI_NGINX_PW_GEN && n + 1 < size) {
		if (getrandom(&r, 1, 0) != 1)
			return (-1);
		if (r >= 256 - 256 % (sizeof(set) - 1))
			continue;	/* no modulo bias */
		buf[n++] = set[r % (sizeof(set) - 1)];
	}
	buf[n] = '\0';
	return (0);
}

/* `nginx password`: sets one user's password in the htpasswd file. */
static int
cli_nginx_password(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user",	required_argument,	NULL, 'u' },
		{ "generate",	no_argument,		NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*user = "ops", *path;
	char		 pw[512], lpath[PATH_MAX], *cause = NULL;
	int		 ch, gen = 0, lock = -1, rc = 1;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "u:", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'g':
			gen = 1;
			break;
		default:
			return (cli_nginx_usage());
		}
	}
	if (optind != argc)
		return (cli_nginx_usage());
	if (!htpasswd_user_ok(user)) {
		cli_err("nginx", "'%s': a user name is 1 to 64 letters, "
		    "digits, '.', '_' or '-'", user);
		return (2);
	}
	path = config_str(cli->cfg, "nginx", "htpasswd_file");
	if (path == NULL || path[0] == '\0') {
		cli_err("nginx", "[nginx] htpasswd_file is not set");
		return (1);
	}
	if (gen ? cli_nginx_generate(pw, sizeof(pw)) == -1 :
	    cli_nginx_read_password(user, pw, sizeof(pw)) == -1) {
		if (gen)
			cli_err("nginx", "getrandom failed");
		goto out;
	}
	if ((size_t)snprintf(lpath, sizeof(lpath), "%s.lock", path) >=
	    sizeof(lpath)) {
		cli_err("nginx", "%s: path too long", path);
		goto out;
	}
	if ((lock = fs_lock(lpath, 1, &cause)) == -1 ||
	    htpasswd_set(path, user, pw, config_str(cli->cfg, "nginx",
	    "group"), &cause) == -1) {
		cli_err("nginx", "%s", cause_text(cause));
		goto out;
	}
	if (gen)
		printf("%s\n", pw);
	else
		fprintf(stderr, "bootstack nginx: password of %s set in %s\n",
		    user, path);
	rc = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	free(cause);
	if (lock != -1)
		close(lock);
	if (fflush(stdout) == EOF && rc == 0) {
		cli_err("nginx", "cannot write to stdout");
		rc = 1;
	}
	return (rc);
}

/* `nginx names`: the host names of [site], one per line. */
static int
cli_nginx_names(struct cli *cli, int argc, char **argv)
{
	char	*names = NULL, *cause = NULL, *p;

	(void)argv;
	if (argc != 1)
		return (cli_nginx_usage());
	if (nginx_server_names(cli->cfg, &names, &cause) == -1) {
		cli_err("nginx", "%s", cause_text(cause));
		free(cause);
		return (1);
	}
	for (p = names; *p != '\0'; p++)
		if (*p == ' ')
			*p = '\n';
	printf("%s\n", names);
	free(names);
	if (fflush(stdout) == EOF) {
		cli_err("nginx", "cannot write to stdout");
		return (1);
	}
	return (0);
}

/* Entry point: dispatches on the sub-command. */
static int
cli_nginx_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return (cli_nginx_usage());
	if (strcmp(argv[1], "render") == 0)
		return (cli_nginx_render(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "password") == 0)
		return (cli_nginx_password(cli, argc - 1, argv + 1));
	if (strcmp(argv[1], "names") == 0)
		return (cli_nginx_names(cli, argc - 1, argv + 1));
	return (cli_nginx_usage());
}
