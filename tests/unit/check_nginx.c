/*
 * check_nginx.c: unit tests of lib/nginx.c (names, rendering, installation
 * with its way back, the commands) and lib/htpasswd.c.
 *
 * Rendering reads the templates the build made in $BS_TOP_BUILDDIR/nginx
 * (the current directory's nginx/ otherwise), so these tests see the real
 * templates; whether nginx accepts the result is the e2e test's job
 * (tests/e2e/043-nginx-render.sh). Files go to a mkdtemp() folder made and
 * removed by main(). Every BOOTSTACK_* variable is cleared first, so that
 * a developer's environment cannot change a config.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fs.h"
#include "htpasswd.h"
#include "nginx.h"
#include "unit.h"

extern char **environ;

static char	 tdir[256];		/* the mkdtemp folder */
static char	 tmpl_dir[PATH_MAX];	/* the built templates */

/*
 * A config from text over the defaults, with the templates of the build and
 * the paths in tdir (each unless text sets it).
 */
static struct config *
cfg_of(const char *text)
{
	static const char *const keys[] = { "access_log", "error_log",
	    "webroot", "ops_root", "htpasswd_file" };
	static const char *const vals[] = { "log/a.log", "log/e.log", "web",
	    "ops", "htpasswd" };
	struct config	*cfg;
	char		*cause = NULL, full[8192], key[64];
	size_t		 i, n;

	n = (size_t)snprintf(full, sizeof(full), "[nginx]\n");
	if (strstr(text, "\ntemplate_dir =") == NULL)
		n += (size_t)snprintf(full + n, sizeof(full) - n,
		    "template_dir = %s\n", tmpl_dir);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(key, sizeof(key), "\n%s =", keys[i]);
		if (strstr(text, key) == NULL)
			n += (size_t)snprintf(full + n, sizeof(full) - n,
			    "%s = %s/%s\n", keys[i], tdir, vals[i]);
	}
	ck_assert_uint_lt(n + strlen(text) + 2, sizeof(full));
	snprintf(full + n, sizeof(full) - n, "%s\n", text);
	cfg = config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_load_string(cfg, "t.conf", full, &cause) == 0,
	    "%s", cause);
	return (cfg);
}

/* The server names of a config text; "ERR: cause" on failure. */
static char *
names_of(const char *text)
{
	struct config	*cfg = cfg_of(text);
	char		*names = NULL, *cause = NULL, *r;

	if (nginx_server_names(cfg, &names, &cause) == -1) {
		ck_assert_int_ne(asprintf(&r, "ERR: %s", cause), -1);
		free(cause);
	} else
		r = names;
	config_free(cfg);
	return (r);
}

/* names_of(text) must be want. */
static void
names_are(const char *text, const char *want)
{
	char	*got = names_of(text);

	ck_assert_str_eq(got, want);
	free(got);
}

/* Renders text into out (dir = tdir/conf); 0 or -1 with *cause. */
static int
render_of(const char *text, struct nginx_out *out, char **cause)
{
	struct config	*cfg = cfg_of(text);
	char		 dir[PATH_MAX];
	int		 rc;

	snprintf(dir, sizeof(dir), "%s/conf", tdir);
	rc = nginx_render(cfg, dir, out, cause);
	config_free(cfg);
	return (rc);
}

/* The rendered file name of out. */
static const char *
file_of(const struct nginx_out *out, const char *name)
{
	size_t	 i;

	for (i = 0; i < out->nfiles; i++)
		if (strcmp(out->files[i].name, name) == 0)
			return (out->files[i].data);
	ck_abort_msg("no %s rendered", name);
	return (NULL);
}

/* Rendering text must fail with a cause holding want. */
static void
render_err(const char *text, const char *want)
{
	struct nginx_out	 out;
	char			*cause = NULL;

	ck_assert_int_eq(render_of(text, &out, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "\"%s\" lacks \"%s\"",
	    cause, want);
	free(cause);
	nginx_out_cleanup(&out);
}

#define SITE	"[site]\ndomain = Example.COM\nsubdomains = api www\n"
#define TLS	"cert_file = /etc/ssl/c.pem\nkey_file = /etc/ssl/k.pem\n"

/* Names: domain, subdomains, wildcard, aliases, in order, lowercased. */
START_TEST(test_names)
{
	names_are(SITE, "example.com api.example.com www.example.com");
	names_are(SITE "wildcard = yes\naliases = localhost other.test\n",
	    "example.com api.example.com www.example.com *.example.com "
	    "localhost other.test");
	names_are("[site]\ndomain = a.b\nsubdomains = eu.api\n",
	    "a.b eu.api.a.b");
	names_are("", "ERR: [site] domain is not set");
	names_are("[site]\ndomain = ex.com;include /etc/passwd\n",
	    "ERR: [site] domain: 'ex.com;include /etc/passwd' is not a host "
	    "name");
	names_are("[site]\ndomain = -x.com\n",
	    "ERR: [site] domain: '-x.com' is not a host name");
	names_are("[site]\ndomain = x..com\n",
	    "ERR: [site] domain: 'x..com' is not a host name");
	names_are("[site]\ndomain = x.com\nsubdomains = a_b\n",
	    "ERR: [site] subdomains: 'a_b' is not a host name label");
	names_are("[site]\ndomain = x.com\nsubdomains = api API\n",
	    "ERR: [site] subdomains: api.x.com is named twice");
	names_are("[site]\ndomain = x.com\naliases = x.com\n",
	    "ERR: [site] aliases: x.com is named twice");
	names_are("[site]\ndomain = x.com\naliases = *.x.com\n",
	    "ERR: [site] aliases: '*.x.com' is not a host name");
}
END_TEST

/*
 * Beside other sites: by default no file claims default_server and
 * default.conf is not rendered (removed if an earlier render made it).
 */
START_TEST(test_render_no_default)
{
	struct nginx_out	 out;
	char			*cause = NULL;
	size_t			 i;

	ck_assert_msg(render_of(SITE TLS "[nginx]\nlisten_https = 8443\n",
	    &out, &cause) == 0, "%s", cause);
	for (i = 0; i < out.nfiles; i++) {
		if (strcmp(out.files[i].name, "default.conf") == 0) {
			ck_assert_ptr_null(out.files[i].data);
			continue;
		}
		ck_assert_ptr_nonnull(out.files[i].data);
		ck_assert_msg(strstr(out.files[i].data, "default_server;") ==
		    NULL, "%s claims default_server", out.files[i].name);
	}
	ck_assert_ptr_nonnull(strstr(file_of(&out, "servers.conf"),
	    "# [nginx] default_server = no: "));
	nginx_out_cleanup(&out);
}
END_TEST

/* A full render: every placeholder filled, the values in place. */
START_TEST(test_render_tls)
{
	struct nginx_out	 out;
	const char		*s;
	char			*cause = NULL;
	size_t			 i;

	ck_assert_msg(render_of(SITE TLS "[nginx]\nlisten_https = 8443\n"
	    "default_server = yes\n", &out, &cause) == 0, "%s", cause);
	ck_assert_int_eq(out.tls, 1);
	ck_assert_uint_eq(out.nfiles, NGINX_NFILES);
	for (i = 0; i < out.nfiles; i++) {
		ck_assert_ptr_nonnull(out.files[i].data);
		ck_assert_ptr_null(strstr(out.files[i].data, "{{"));
		ck_assert_ptr_null(strstr(out.files[i].data, "@pkgdatadir@"));
		ck_assert_uint_eq(strlen(out.files[i].data), out.files[i].len);
	}
	s = file_of(&out, "https.conf");
	ck_assert_ptr_nonnull(strstr(s, "\tlisten 8443 ssl http2;\n"
	    "\tlisten [::]:8443 ssl http2;\n"));
	ck_assert_ptr_nonnull(strstr(s, "server_name example.com "
	    "api.example.com www.example.com;"));
	ck_assert_ptr_nonnull(strstr(s, "ssl_certificate /etc/ssl/c.pem;"));
	ck_assert_ptr_nonnull(strstr(s, "client_max_body_size 65536;"));
	ck_assert_ptr_nonnull(strstr(s, "limit_req zone=bootstack_api "
	    "burst=40 nodelay;"));
	ck_assert_ptr_nonnull(strstr(s, "limit_req zone=bootstack_anon "
	    "burst=60 nodelay;"));
	s = file_of(&out, "http.conf");
	ck_assert_ptr_nonnull(strstr(s, "zone=bootstack_api:10m rate=20r/s;"));
	ck_assert_ptr_nonnull(strstr(s, "zone=bootstack_anon:10m rate=30r/s;"));
	s = file_of(&out, "default.conf");
	ck_assert_ptr_nonnull(strstr(s, "listen 80 default_server;\n"
	    "\tlisten [::]:80 default_server;"));
	ck_assert_ptr_nonnull(strstr(s, "listen 8443 ssl http2 "
	    "default_server;\n"));
	s = file_of(&out, "servers.conf");
	ck_assert_ptr_nonnull(strstr(s, "/conf/default.conf;"));
	ck_assert_ptr_null(strstr(s, "default_server;"));
	ck_assert_ptr_nonnull(strstr(s, "return 308 "
	    "https://$host:8443$request_uri;"));
	ck_assert_ptr_nonnull(strstr(s, "include "));
	ck_assert_ptr_nonnull(strstr(s, "/conf/https.conf;"));
	s = file_of(&out, "http.conf");
	ck_assert_ptr_nonnull(strstr(s, "server unix:/run/bootstack/api.sock;"));
	ck_assert_ptr_nonnull(strstr(s, "rate=20r/s;"));
	ck_assert_ptr_nonnull(strstr(s, "# Generated by `bootstack nginx render` "
	    "from "));
	s = file_of(&out, "fastcgi.conf");
	ck_assert_ptr_nonnull(strstr(s, "fastcgi_read_timeout 30s;"));
	ck_assert_ptr_nonnull(strstr(s, "fastcgi_param REQUEST_ID "
	    "        $request_id;"));
	nginx_out_cleanup(&out);
	nginx_out_cleanup(&out);	/* twice is safe */
}
END_TEST

/* Without a certificate: no HTTPS server, port 80 answers 503. */
START_TEST(test_render_no_tls)
{
	struct nginx_out	 out;
	const char		*s;
	char			*cause = NULL;

	ck_assert_msg(render_of(SITE "ipv6 = no\n[nginx]\nlisten_http = "
	    "127.0.0.1:8080 [::1]:8080\n", &out, &cause) == 0, "%s", cause);
	ck_assert_int_eq(out.tls, 0);
	ck_assert_ptr_null(file_of(&out, "https.conf"));
	s = file_of(&out, "servers.conf");
	ck_assert_ptr_nonnull(strstr(s, "\tlisten 127.0.0.1:8080;\n"
	    "\tlisten [::1]:8080;\n"));
	ck_assert_ptr_null(strstr(s, "[::]:"));
	ck_assert_ptr_nonnull(strstr(s, "return 503;"));
	ck_assert_ptr_null(strstr(s, "https.conf;"));
	nginx_out_cleanup(&out);
	render_err(SITE "cert_file = /c.pem\n", "[site] cert_file and "
	    "key_file go together");
}
END_TEST

/*
 * HTTP-01 challenges: the webroot only, or ([acme] store = database) the
 * webroot, then the API, which answers from the database.
 */
START_TEST(test_render_acme_store)
{
	struct nginx_out	 out;
	const char		*s;
	char			*cause = NULL;

	ck_assert_msg(render_of(SITE "ipv6 = no\n", &out, &cause) == 0, "%s",
	    cause);
	s = file_of(&out, "servers.conf");
	ck_assert_ptr_nonnull(strstr(s, "try_files $uri =404;"));
	ck_assert_ptr_null(strstr(s, "@bootstack_acme"));
	nginx_out_cleanup(&out);
	ck_assert_msg(render_of(SITE "ipv6 = no\n[acme]\nstore = database\n",
	    &out, &cause) == 0, "%s", cause);
	s = file_of(&out, "servers.conf");
	ck_assert_ptr_nonnull(strstr(s, "try_files $uri @bootstack_acme;"));
	ck_assert_ptr_nonnull(strstr(s, "\tlocation @bootstack_acme {\n"
	    "\t\tinclude "));
	ck_assert_ptr_nonnull(strstr(s, "/conf/fastcgi.conf;\n\t}"));
	nginx_out_cleanup(&out);
}
END_TEST

/* The upstream: from [api] listen, or [nginx] upstream. */
START_TEST(test_render_upstream)
{
	struct nginx_out	 out;
	char			*cause = NULL;

	ck_assert_int_eq(render_of(SITE "[api]\nlisten = 127.0.0.1:9000\n",
	    &out, &cause), 0);
	ck_assert_ptr_nonnull(strstr(file_of(&out, "http.conf"),
	    "server 127.0.0.1:9000;"));
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE "[api]\nlisten = stdin\n[nginx]\n"
	    "upstream = unix:/run/x.sock\n", &out, &cause), 0);
	ck_assert_ptr_nonnull(strstr(file_of(&out, "http.conf"),
	    "server unix:/run/x.sock;"));
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE "[nginx]\nupstream = api.lan:9000\n",
	    &out, &cause), 0);
	nginx_out_cleanup(&out);
	render_err(SITE "[api]\nlisten = stdin\n", "set [nginx] upstream");
	render_err(SITE "[nginx]\nupstream = unix:run/x\n", "not unix:PATH");
	render_err(SITE "[nginx]\nupstream = a;b:9\n", "not unix:PATH or "
	    "HOST:PORT");
	render_err(SITE "[api]\nlisten = /run/a b.sock\n", "not a path");
}
END_TEST

/*
 * Several API hosts: one server line each with its options, the retry
 * rules bounded by their count, and each malformed list refused by render
 * and by the check check-config runs, with the same words.
 */
START_TEST(test_render_upstreams)
{
	static const struct {
		const char	*v, *want;
	} bad[] = {
		{ "127.0.0.1:9001,", NULL },	/* trailing comma: ok */
		{ "127.0.0.1:9001, ,127.0.0.1:9002", "an empty server" },
		{ "127.0.0.1:9001 backup", "every server is a backup" },
		{ "127.0.0.1:9001, 127.0.0.1:9001", "listed twice" },
		{ "127.0.0.1:9001 weight=0", "'weight=0' after "
		  "'127.0.0.1:9001' is not" },
		{ "127.0.0.1:9001 weight=2 weight=3", "'weight=3'" },
		{ "127.0.0.1:9001 max_fails=-1", "'max_fails=-1'" },
		{ "127.0.0.1:9001 fail_timeout=10m", "'fail_timeout=10m'" },
		{ "127.0.0.1:9001 fail_timeout=0", "'fail_timeout=0'" },
		{ "127.0.0.1:9001 down", "'down'" },
		{ "127.0.0.1:9001 weight=1;", "'weight=1;'" },
		{ "127.0.0.1:9001, a;b:9", "not unix:PATH or HOST:PORT" },
		{ "127.0.0.1:9001, unix:x.sock", "not unix:PATH" },
		{ ",", "no server" },
	};
	struct nginx_out	 out;
	char			*cause = NULL, *why, text[512], list[2048];
	const char		*http, *fcgi;
	size_t			 i, n;

	ck_assert_int_eq(render_of(SITE "[nginx]\nupstream = 127.0.0.1:9001 "
	    "weight=3 max_fails=2 fail_timeout=5, [::1]:9002 fail_timeout=7s,"
	    "unix:/run/b.sock backup\n", &out, &cause), 0);
	http = file_of(&out, "http.conf");
	ck_assert_ptr_nonnull(strstr(http, "upstream bootstack_api {\n"
	    "\tserver 127.0.0.1:9001 weight=3 max_fails=2 fail_timeout=5s;\n"
	    "\tserver [::1]:9002 fail_timeout=7s;\n"
	    "\tserver unix:/run/b.sock backup;\n}"));
	ck_assert_ptr_null(strstr(http, "\tkeepalive "));
	fcgi = file_of(&out, "fastcgi.conf");
	ck_assert_ptr_null(strstr(fcgi, "keep_conn"));
	ck_assert_ptr_nonnull(strstr(fcgi, "\nfastcgi_next_upstream error "
	    "timeout;\n"));
	ck_assert_ptr_null(strstr(fcgi, "non_idempotent;"));
	ck_assert_ptr_nonnull(strstr(fcgi, "\nfastcgi_next_upstream_tries 3;"));
	ck_assert_ptr_nonnull(strstr(fcgi, "\nfastcgi_next_upstream_timeout "
	    "30s;"));
	nginx_out_cleanup(&out);

	/*
	 * [nginx] fastcgi_keepalive: kept connections, closed by nginx before
	 * the API would (keepalive_timeout, half of drain_timeout); none when
	 * the API keeps none ([api] keepalive_timeout = 0).
	 */
	ck_assert_int_eq(render_of(SITE "[nginx]\nfastcgi_keepalive = 32\n",
	    &out, &cause), 0);
	ck_assert_ptr_nonnull(strstr(file_of(&out, "http.conf"), ";\n"
	    "\tkeepalive 32;\n\tkeepalive_requests 100;\n"
	    "\tkeepalive_timeout 10s;\n}"));
	ck_assert_ptr_nonnull(strstr(file_of(&out, "fastcgi.conf"),
	    "\nfastcgi_pass bootstack_api;\nfastcgi_keep_conn on;\n"));
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE "[api]\ndrain_timeout = 8\n"
	    "[nginx]\nfastcgi_keepalive = 4\n", &out, &cause), 0);
	ck_assert_ptr_nonnull(strstr(file_of(&out, "http.conf"),
	    "\tkeepalive 4;\n\tkeepalive_requests 100;\n"
	    "\tkeepalive_timeout 3s;\n}"));
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE "[api]\nkeepalive_timeout = 0\n"
	    "[nginx]\nfastcgi_keepalive = 32\n", &out, &cause), 0);
	ck_assert_ptr_null(strstr(file_of(&out, "http.conf"), "\tkeepalive "));
	ck_assert_ptr_null(strstr(file_of(&out, "fastcgi.conf"), "keep_conn"));
	nginx_out_cleanup(&out);

	/* One server from [api] listen: one try, no other host. */
	ck_assert_int_eq(render_of(SITE "[api]\nlisten = 127.0.0.1:9000\n",
	    &out, &cause), 0);
	ck_assert_ptr_nonnull(strstr(file_of(&out, "fastcgi.conf"),
	    "\nfastcgi_next_upstream_tries 1;"));
	nginx_out_cleanup(&out);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SITE "[nginx]\nupstream = %s\n",
		    bad[i].v);
		why = NULL;
		if (bad[i].want == NULL) {
			ck_assert_int_eq(nginx_check_upstream(bad[i].v, &why),
			    0);
			ck_assert_int_eq(render_of(text, &out, &cause), 0);
			nginx_out_cleanup(&out);
			continue;
		}
		ck_assert_int_eq(nginx_check_upstream(bad[i].v, &why), -1);
		ck_assert_msg(why != NULL && strstr(why, bad[i].want) != NULL,
		    "%s: \"%s\" lacks \"%s\"", bad[i].v, why, bad[i].want);
		free(why);
		render_err(text, bad[i].want);
	}

	/* The bound: NGINX_UPSTREAM_MAX servers, not one more. */
	for (i = 0, n = 0; i <= NGINX_UPSTREAM_MAX; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s127.0.0.1:%zu",
		    i > 0 ? "," : "", 9000 + i);
	why = NULL;
	ck_assert_int_eq(nginx_check_upstream(list, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than 32 servers"));
	free(why);
	*strrchr(list, ',') = '\0';
	ck_assert_int_eq(nginx_check_upstream(list, &why), 0);
}
END_TEST

/* Values that could break out of nginx's syntax are refused. */
START_TEST(test_render_refuses)
{
	render_err(SITE "[nginx]\nlisten_http = 80;\n",
	    "[nginx] listen_http: '80;' is not PORT");
	render_err(SITE "[nginx]\nlisten_https = 0\n", "'0' is not PORT");
	render_err(SITE "[nginx]\nlisten_https = 70000\n", "is not PORT");
	render_err(SITE "[nginx]\nlisten_https = 1.2.3:80\n", "is not PORT");
	render_err(SITE "[nginx]\nlisten_https = [::1:80\n", "is not PORT");
	render_err(SITE "[nginx]\nlisten_https =\n", "listen_https: empty");
	render_err(SITE "[nginx]\nwebroot = relative/web\n",
	    "[nginx] webroot: 'relative/web' must be an absolute path");
	render_err(SITE "[nginx]\nops_root = /srv/ops;deny\n",
	    "[nginx] ops_root: '/srv/ops;deny' must be");
	render_err(SITE "[nginx]\naccess_log = /var/log/$host\n", "must be");
	render_err(SITE "[nginx]\nerror_log = \"/var/log/a b\"\n", "must be");
	render_err(SITE "cert_file = /c.pem}\nkey_file = /k.pem\n",
	    "[site] cert_file: '/c.pem}' must be");
	render_err("[site]\ndomain = x.com\n[nginx]\ntemplate_dir = /nonexistent\n",
	    "cannot open /nonexistent/tls.conf");
}
END_TEST

/*
 * [nginx] syslog: every server block copies both logs there, a unix socket
 * without nginx's host name (the local rsyslog stamps its own), UDP with
 * it; unset leaves the files alone; values that could end nginx's
 * parameter list are refused.
 */
START_TEST(test_render_syslog)
{
	static const char *const files[] = { "https.conf", "servers.conf",
	    "default.conf" };
	struct nginx_out	 out;
	char			*cause = NULL;
	const char		*f;
	size_t			 i;

	ck_assert_int_eq(render_of(SITE TLS "[nginx]\ndefault_server = yes\n"
	    "syslog = unix:/dev/log\n", &out, &cause), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		f = file_of(&out, files[i]);
		ck_assert_msg(strstr(f, "access_log syslog:server="
		    "unix:/dev/log,facility=local7,tag=bootstack_access,"
		    "severity=info,nohostname bootstack;") != NULL,
		    "%s: no syslog access_log", files[i]);
		ck_assert_msg(strstr(f, "error_log syslog:server="
		    "unix:/dev/log,facility=local7,tag=bootstack_error,"
		    "nohostname warn;") != NULL, "%s: no syslog error_log",
		    files[i]);
	}
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE "[nginx]\nsyslog = logs.lan:514\n",
	    &out, &cause), 0);
	ck_assert_ptr_nonnull(strstr(file_of(&out, "servers.conf"),
	    "access_log syslog:server=logs.lan:514,facility=local7,"
	    "tag=bootstack_access,severity=info bootstack;"));
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE, &out, &cause), 0);
	ck_assert_ptr_null(strstr(file_of(&out, "servers.conf"), "syslog:"));
	nginx_out_cleanup(&out);
	render_err(SITE "[nginx]\nsyslog = unix:dev/log\n", "not unix:PATH");
	render_err(SITE "[nginx]\nsyslog = unix:/a,tag=x\n", "without ','");
	render_err(SITE "[nginx]\nsyslog = a,b:514\n", "not unix:PATH or "
	    "HOST:PORT");
	render_err(SITE "[nginx]\nsyslog = logs.lan\n", "[nginx] syslog:");
}
END_TEST

/*
 * [nginx] metrics_listen: one plain-HTTP server with /metrics through the
 * upstream and /nginx_status, for loopback and metrics_allow only; unset,
 * none; a bad address or network is refused.
 */
START_TEST(test_render_metrics_server)
{
	struct nginx_out	 out;
	char			*cause = NULL;
	const char		*f;

	ck_assert_int_eq(render_of(SITE "[nginx]\nmetrics_listen = "
	    "127.0.0.1:9145\nmetrics_allow = 192.0.2.7 2001:db8::/32\n",
	    &out, &cause), 0);
	f = file_of(&out, "servers.conf");
	ck_assert_ptr_nonnull(strstr(f, "\tlisten 127.0.0.1:9145;\n"
	    "\tserver_name _;\n\tserver_tokens off;\n\taccess_log off;\n"
	    "\tallow 127.0.0.1;\n\tallow ::1;\n\tallow 192.0.2.7;\n"
	    "\tallow 2001:db8::/32;\n\tdeny all;\n\tlocation = /metrics {\n"
	    "\t\tinclude "));
	ck_assert_ptr_nonnull(strstr(f, "/fastcgi.conf;\n\t}\n"
	    "\tlocation = /nginx_status {\n\t\tstub_status;\n\t}\n"));
	nginx_out_cleanup(&out);
	ck_assert_int_eq(render_of(SITE, &out, &cause), 0);
	ck_assert_ptr_null(strstr(file_of(&out, "servers.conf"),
	    "stub_status"));
	nginx_out_cleanup(&out);
	render_err(SITE "[nginx]\nmetrics_listen = 9145;\n",
	    "[nginx] metrics_listen: '9145;' is not PORT");
	render_err(SITE "[nginx]\nmetrics_listen = 9145\nmetrics_allow = "
	    "192.0.2.0/33\n", "[nginx] metrics_allow: ");
	render_err(SITE "[nginx]\nmetrics_listen = 9145\nmetrics_allow = "
	    "all;\n", "[nginx] metrics_allow: ");
}
END_TEST

/* A template with an unknown placeholder names its file and line. */
START_TEST(test_render_unknown_placeholder)
{
	struct nginx_out	 out;
	struct config		*cfg;
	char			 dir[PATH_MAX], path[PATH_MAX + 32], text[PATH_MAX + 64];
	char			*cause = NULL;
	const char		*names[] = { "tls.conf", "headers.conf",
	    "fastcgi.conf", "errors.conf", "limits.conf", "https.conf",
	    "servers.conf", "http.conf" };
	size_t			 i;

	snprintf(dir, sizeof(dir), "%s/badtmpl", tdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ck_assert_int_eq(fs_write_atomic(path, "# {{banner}}\n",
		    13, 0644, &cause), 0);
	}
	snprintf(path, sizeof(path), "%s/headers.conf", dir);
	ck_assert_int_eq(fs_write_atomic(path, "a\nb\n{{nope}}\n", 12, 0644,
	    &cause), 0);
	snprintf(text, sizeof(text), "[site]\ndomain = x.com\n[nginx]\n"
	    "template_dir = %s\n", dir);
	cfg = config_new();
	ck_assert_int_eq(config_load_string(cfg, "t.conf", text, &cause), 0);
	ck_assert_int_eq(nginx_render(cfg, "/etc/x", &out, &cause), -1);
	ck_assert_str_eq(cause, "headers.conf:3: unknown placeholder {{nope}}");
	free(cause);
	ck_assert_int_eq(nginx_render(cfg, "/etc/x y", &out, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "the output folder '/etc/x y'"));
	free(cause);
	config_free(cfg);
}
END_TEST

/* Install writes, same says so, restore puts the old files back. */
START_TEST(test_install_restore)
{
	struct nginx_out	 a, b;
	struct nginx_undo	 undo;
	char			 dir[PATH_MAX], path[PATH_MAX + 32];
	char			*cause = NULL, *text = NULL;
	struct stat		 sb;

	snprintf(dir, sizeof(dir), "%s/conf", tdir);
	ck_assert_int_eq(render_of(SITE, &a, &cause), 0);
	ck_assert_int_eq(render_of(SITE TLS, &b, &cause), 0);
	ck_assert_int_eq(nginx_same(dir, &a), 0);
	ck_assert_msg(nginx_install(dir, &a, &undo, &cause) == 0, "%s", cause);
	nginx_undo_cleanup(&undo);
	ck_assert_int_eq(nginx_same(dir, &a), 1);
	ck_assert_int_eq(nginx_same(dir, &b), 0);
	snprintf(path, sizeof(path), "%s/https.conf", dir);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/servers.conf", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0644);

	/* a -> b adds https.conf; restoring takes it away again. */
	ck_assert_int_eq(nginx_install(dir, &b, &undo, &cause), 0);
	ck_assert_int_eq(nginx_same(dir, &b), 1);
	snprintf(path, sizeof(path), "%s/https.conf", dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(nginx_restore(dir, &undo, &cause), 0);
	nginx_undo_cleanup(&undo);
	nginx_undo_cleanup(&undo);	/* twice is safe */
	ck_assert_int_eq(nginx_same(dir, &a), 1);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/servers.conf", dir);
	ck_assert_int_eq(fs_read_file(path, 1 << 20, &text, NULL, &cause), 0);
	ck_assert_str_eq(text, file_of(&a, "servers.conf"));
	free(text);
	nginx_out_cleanup(&a);
	nginx_out_cleanup(&b);
}
END_TEST

/* prepare makes the folders and an empty, closed htpasswd file. */
START_TEST(test_prepare)
{
	struct config	*cfg = cfg_of(SITE);
	char		 path[PATH_MAX + 64], *cause = NULL;
	struct stat	 sb;

	ck_assert_msg(nginx_prepare(cfg, &cause) == 0, "%s", cause);
	snprintf(path, sizeof(path), "%s/web/.well-known/acme-challenge", tdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	snprintf(path, sizeof(path), "%s/log", tdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/htpasswd", tdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0640);
	ck_assert_int_eq(sb.st_size, 0);
	ck_assert_int_eq(nginx_prepare(cfg, &cause), 0);	/* again */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(nginx_prepare(cfg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "is open to others (mode 0644)"));
	free(cause);
	ck_assert_int_eq(unlink(path), 0);
	config_free(cfg);
}
END_TEST

/* The commands: exit status and the tail of their output. */
START_TEST(test_run)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = cfg_of("test_command = true\n"
	    "reload_command = echo one; echo two >&2; exit 3\n");
	ck_assert_int_eq(nginx_run(cfg, "test_command", &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(nginx_run(cfg, "reload_command", &cause), -1);
	ck_assert_str_eq(cause, "'echo one; echo two >&2; exit 3' failed "
	    "(exit 3): one two");
	free(cause);
	config_free(cfg);
}
END_TEST

/* htpasswd: set, replace, keep the others, verify, refuse bad input. */
START_TEST(test_htpasswd)
{
	char		 path[PATH_MAX], *cause = NULL, *text = NULL;
	struct stat	 sb;

	snprintf(path, sizeof(path), "%s/pw", tdir);
	ck_assert_int_eq(htpasswd_user_ok("ops"), 1);
	ck_assert_int_eq(htpasswd_user_ok("a:b"), 0);
	ck_assert_int_eq(htpasswd_user_ok(""), 0);
	ck_assert_msg(htpasswd_set(path, "ops", "first password", NULL,
	    &cause) == 0, "%s", cause);
	ck_assert_int_eq(htpasswd_set(path, "other", "other password", NULL,
	    &cause), 0);
	ck_assert_int_eq(htpasswd_verify(path, "ops", "first password"), 1);
	ck_assert_int_eq(htpasswd_verify(path, "ops", "wrong"), 0);
	ck_assert_int_eq(htpasswd_set(path, "ops", "second password", NULL,
	    &cause), 0);
	ck_assert_int_eq(htpasswd_verify(path, "ops", "first password"), 0);
	ck_assert_int_eq(htpasswd_verify(path, "ops", "second password"), 1);
	ck_assert_int_eq(htpasswd_verify(path, "other", "other password"), 1);
	ck_assert_int_eq(htpasswd_verify(path, "nobody", "x"), 0);
	ck_assert_int_eq(fs_read_file(path, 4096, &text, NULL, &cause), 0);
	ck_assert_ptr_nonnull(strstr(text, "other:$"));
	ck_assert_ptr_null(strstr(text, "password"));
	ck_assert_ptr_null(strstr(strstr(text, "ops:") + 1, "ops:"));
	free(text);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0640);
	ck_assert_int_eq(htpasswd_set(path, "x:y", "a password", NULL,
	    &cause), -1);
	free(cause);
	ck_assert_int_eq(htpasswd_set(path, "x", "a\npassword", NULL,
	    &cause), -1);
	free(cause);
	ck_assert_int_eq(htpasswd_set(path, "x", "", NULL, &cause), -1);
	free(cause);
	/* A group that does not exist leaves the group alone. */
	ck_assert_int_eq(htpasswd_set(path, "x", "pw of x here", "no-such-"
	    "group-here", &cause), 0);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST


/* The suite: one case per behaviour. */
static Suite *
nginx_suite(void)
{
	Suite	*s = suite_create("nginx");
	TCase	*tc;

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_test(tc, test_render_tls);
	tcase_add_test(tc, test_render_no_default);
	tcase_add_test(tc, test_render_no_tls);
	tcase_add_test(tc, test_render_acme_store);
	tcase_add_test(tc, test_render_upstream);
	tcase_add_test(tc, test_render_upstreams);
	tcase_add_test(tc, test_render_refuses);
	tcase_add_test(tc, test_render_syslog);
	tcase_add_test(tc, test_render_metrics_server);
	tcase_add_test(tc, test_render_unknown_placeholder);
	suite_add_tcase(s, tc);
	tc = tcase_create("install");
	tcase_add_test(tc, test_install_restore);
	tcase_add_test(tc, test_prepare);
	tcase_add_test(tc, test_run);
	suite_add_tcase(s, tc);
	tc = tcase_create("htpasswd");
	tcase_add_test(tc, test_htpasswd);
	suite_add_tcase(s, tc);
	return (s);
}

/* Runs the suite in a private temporary folder; 0 if all passed. */
/* The built templates (BS_TOP_BUILDDIR/nginx), the private folder. */
static int
setup_all(void)
{
	const char	*top;

	if ((top = getenv("BS_TOP_BUILDDIR")) == NULL || *top == '\0')
		top = ".";
	if (realpath(top, tmpl_dir) == NULL) {
		fprintf(stderr, "check_nginx: %s: %s\n", top, strerror(errno));
		return (-1);
	}
	strncat(tmpl_dir, "/nginx", sizeof(tmpl_dir) - strlen(tmpl_dir) - 1);
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
	srunner_add_suite(sr, nginx_suite());
}

const struct unit unit = { "check_nginx", setup_all, teardown_all,
    add_suites };
