/*
 * nginx.c: renders, installs, tests and reloads bootstack's nginx
 * configuration; see nginx.h and docs/nginx.md.
 *
 * The templates (the .conf.in files of nginx/ in the source tree, filled
 * with the install paths by make, installed in $(pkgdatadir)/nginx) hold nginx
 * text with {{name}} placeholders. Rendering replaces each placeholder with
 * a value derived from the configuration; a placeholder this file does not
 * know is an error, so a typo in a template cannot reach nginx.
 *
 * Values are checked before they are pasted into nginx's syntax, which has
 * no escaping worth the name: host names must be RFC 1123 names, paths
 * absolute and free of blanks, quotes, '$', ';', '#', '{' and '}', listen
 * addresses a port with an optional IP. A value that fails names the key.
 *
 * Caveat: the output is only as valid as nginx says. `bootstack nginx render
 * --check` runs [nginx] test_command after installing and puts the old files
 * back when it fails.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cause.h"
#include "cert.h"
#include "config.h"
#include "fs.h"
#include "htpasswd.h"
#include "netallow.h"
#include "nginx.h"
#include "proc.h"
#include "site.h"

#ifndef BS_NGINXDIR
#define BS_NGINXDIR "/usr/local/share/bootstack/nginx"
#endif

#define NGINX_TMPL_MAX	(256 * 1024)	/* bytes of one template or file */
#define NGINX_OUT_MAX	(1024 * 1024)	/* bytes of one rendered file */
#define NGINX_RUN_TAIL	2048		/* bytes of command output kept */
#define NGINX_RUN_TIMEOUT 120		/* seconds a command may take */

/* The templates, in the order they are written (servers.conf before the
 * http.conf that includes it, so a reload mid-way sees no dangling include). */
static const char *const nginx_names[NGINX_NFILES] = {
	"tls.conf", "headers.conf", "fastcgi.conf", "errors.conf",
	"limits.conf", "https.conf", "default.conf", "servers.conf", "http.conf"
};

/* One placeholder and its value (owned by the table). */
struct nginx_var {
	const char	*name;
	char		*value;
};

struct nginx_vars {
	struct nginx_var	 v[48];
	size_t			 n;
};

/* Adds name = printf(fmt, ...) to vars; -1 on ENOMEM or a full table. */
static int __attribute__((format(printf, 3, 4)))
nginx_var_set(struct nginx_vars *vars, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*value;
	int	 rc;

	if (vars->n == sizeof(vars->v) / sizeof(vars->v[0]))
		return (-1);
	va_start(ap, fmt);
	rc = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return (-1);
	vars->v[vars->n].name = name;
	vars->v[vars->n++].value = value;
	return (0);
}

/* Frees the values of vars. */
static void
nginx_vars_cleanup(struct nginx_vars *vars)
{
	size_t	 i;

	for (i = 0; i < vars->n; i++)
		free(vars->v[i].value);
	vars->n = 0;
}

/* The value of placeholder name[0..len), or NULL. Borrowed. */
static const char *
nginx_var_get(const struct nginx_vars *vars, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < vars->n; i++)
		if (strlen(vars->v[i].name) == len &&
		    strncmp(vars->v[i].name, name, len) == 0)
			return (vars->v[i].value);
	return (NULL);
}

/* True when path is absolute and safe to paste into nginx's syntax. */
static int
nginx_path_ok(const char *path)
{
	const unsigned char	*p;

	if (path == NULL || path[0] != '/' || strlen(path) > PATH_MAX)
		return (0);
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'\\$;#{}", *p) != NULL)
			return (0);
	return (1);
}

/* See nginx.h. */
int
nginx_check_path(const char *v, char **why)
{
	if (v[0] == '\0')
		return (cause_set(why, "empty: want an absolute path"));
	if (!nginx_path_ok(v))
		return (cause_set(why, "'%s' must be an absolute path without "
		    "blanks, quotes, '\\', '$', ';', '#', '{' or '}'", v));
	return (0);
}

/* Reads [section] key as a checked path into *out (borrowed). */
static int
nginx_path(const struct config *cfg, const char *section, const char *key,
    const char **out, char **cause)
{
	char	*why = NULL;

	*out = config_str(cfg, section, key);
	if (*out == NULL || (*out)[0] == '\0')
		return (cause_set(cause, "[%s] %s is not set", section, key));
	if (nginx_check_path(*out, &why) != 0) {
		cause_set(cause, "[%s] %s: %s", section, key, cause_text(why));
		free(why);
		return (-1);
	}
	return (0);
}

/* True when s is a decimal port 1..65535; its value goes to *port. */
static int
nginx_port_ok(const char *s, long *port)
{
	char	*end;

	if (!isdigit((unsigned char)s[0]))
		return (0);
	errno = 0;
	*port = strtol(s, &end, 10);
	return (errno == 0 && *end == '\0' && *port >= 1 && *port <= 65535);
}

/*
 * Checks one listen word: "PORT", "IPV4:PORT", "[IPV6]:PORT" or "*:PORT".
 * *bare is set when it is a bare port, *port to the port.
 */
static int
nginx_listen_ok(const char *w, int *bare, long *port)
{
	char		 host[64];
	const char	*colon;
	unsigned char	 addr[16];
	size_t		 hl;

	*bare = 0;
	if (nginx_port_ok(w, port)) {
		*bare = 1;
		return (1);
	}
	if (w[0] == '[') {
		if ((colon = strstr(w, "]:")) == NULL)
			return (0);
		hl = (size_t)(colon - w - 1);
		if (hl == 0 || hl >= sizeof(host))
			return (0);
		memcpy(host, w + 1, hl);
		host[hl] = '\0';
		return (inet_pton(AF_INET6, host, addr) == 1 &&
		    nginx_port_ok(colon + 2, port));
	}
	if ((colon = strrchr(w, ':')) == NULL)
		return (0);
	hl = (size_t)(colon - w);
	if (hl == 0 || hl >= sizeof(host))
		return (0);
	memcpy(host, w, hl);
	host[hl] = '\0';
	if (strcmp(host, "*") != 0 && inet_pton(AF_INET, host, addr) != 1)
		return (0);
	return (nginx_port_ok(colon + 1, port));
}

/* See nginx.h. */
int
nginx_check_listen(const char *v, char **why)
{
	char	*copy, *w, *save = NULL;
	long	 port;
	int	 bare, n = 0, rc = 0;

	if ((copy = strdup(v)) == NULL)
		return (cause_set(why, "out of memory"));
	for (w = strtok_r(copy, " \t", &save); w != NULL && rc == 0;
	    w = strtok_r(NULL, " \t", &save), n++)
		if (!nginx_listen_ok(w, &bare, &port))
			rc = cause_set(why, "'%s' is not PORT, IPV4:PORT, "
			    "[IPV6]:PORT or *:PORT (ports 1..65535)", w);
	free(copy);
	if (rc == 0 && n == 0)
		rc = cause_set(why, "empty: want PORT, IPV4:PORT, "
		    "[IPV6]:PORT or *:PORT, blank-separated");
	return (rc);
}

/*
 * Builds the listen lines of [nginx] key into *lines (caller frees): one
 * "listen WORD SUFFIX;" per word, plus "[::]:PORT" for a bare port when
 * [site] ipv6 is on. *first_port gets the port of the first word.
 */
static int
nginx_listen(const struct config *cfg, const char *key, const char *suffix,
    char **lines, long *first_port, char **cause)
{
	struct buf	 b;
	const char	*v = config_str(cfg, "nginx", key);
	char		*copy = NULL, *w, *save = NULL, *why = NULL;
	long		 port;
	int		 bare, n = 0, ipv6 = config_bool(cfg, "site", "ipv6");

	*lines = NULL;
	if (v == NULL)
		return (cause_set(cause, "[nginx] %s is not set", key));
	if (nginx_check_listen(v, &why) != 0) {
		cause_set(cause, "[nginx] %s: %s", key, cause_text(why));
		free(why);
		return (-1);
	}
	buf_init(&b, 64 * 1024);
	if ((copy = strdup(v)) == NULL) {
		buf_cleanup(&b);
		return (cause_set(cause, "out of memory ([nginx] %s)", key));
	}
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (!nginx_listen_ok(w, &bare, &port))
			goto fail;	/* checked above */
		if (n++ == 0)
			*first_port = port;
		if (buf_printf(&b, "%slisten %s%s;", b.len > 0 ? "\n\t" : "",
		    w, suffix) != ST_OK ||
		    (bare && ipv6 && buf_printf(&b, "\n\tlisten [::]:%s%s;",
		    w, suffix) != ST_OK)) {
			cause_set(cause, "out of memory ([nginx] %s)", key);
			goto fail;
		}
	}
	free(copy);
	*lines = buf_steal(&b);
	return (*lines == NULL ? cause_set(cause, "out of memory") : 0);
fail:
	free(copy);
	buf_cleanup(&b);
	return (-1);
}

/*
 * True when v is IPV4:PORT, [IPV6]:PORT or NAME:PORT, a name being letters,
 * digits, '.' and '-' (nothing that could end an nginx parameter).
 */
static int
nginx_hostport_ok(const char *v)
{
	const char	*p;
	long		 port;
	int		 bare;

	if (nginx_listen_ok(v, &bare, &port))
		return (!bare);
	return ((p = strrchr(v, ':')) != NULL && p != v &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == (size_t)(p - v) &&
	    nginx_port_ok(p + 1, &port));
}

/*
 * Checks an address nginx is given: "unix:PATH" with an absolute path, or
 * "HOST:PORT". NGINX_ADDR_NO_COMMA refuses a ',' in the path too (a
 * syslog: parameter list is comma-separated). A host name is letters,
 * digits, '.' and '-'.
 */
#define NGINX_ADDR_NO_COMMA	0x1
static int
nginx_check_addr(const char *v, int flags, char **why)
{
	int	 no_comma = flags & NGINX_ADDR_NO_COMMA;

	if (strncmp(v, "unix:", 5) == 0) {
		if (!nginx_path_ok(v + 5) ||
		    (no_comma && strchr(v + 5, ',') != NULL))
			return (cause_set(why, "'%s' is not unix:PATH with an "
			    "absolute path%s", v, no_comma ? " without ','" :
			    ""));
		return (0);
	}
	if (!nginx_hostport_ok(v))
		return (cause_set(why, "'%s' is not unix:PATH or HOST:PORT",
		    v));
	return (0);
}

/* See nginx.h. */
/*
 * Checks [nginx] syslog: "unix:PATH" (a local syslog socket, /dev/log) or
 * "HOST:PORT" (UDP); empty = none. Neither can break out of nginx's
 * syslog: parameter list.
 */
int
nginx_check_syslog(const char *v, char **why)
{
	if (v[0] == '\0')
		return (0);
	return (nginx_check_addr(v, NGINX_ADDR_NO_COMMA, why));
}

/*
 * The access_log and error_log lines that copy every server's logs to
 * [nginx] syslog, or a comment when it is unset. A unix socket is the local
 * syslog daemon, which stamps its own host name (nohostname, as glibc's
 * syslog() does); a UDP peer gets nginx's. The tags tell the log host which
 * file a line belongs to (dist/rsyslog/).
 */
static int
nginx_syslog_lines(const struct config *cfg, char **out, char **cause)
{
	const char	*v = config_str(cfg, "nginx", "syslog");
	const char	*extra;
	char		*why = NULL;

	*out = NULL;
	if (v == NULL || v[0] == '\0') {
		if ((*out = strdup("# [nginx] syslog is not set: the log "
		    "files only.")) == NULL)
			return (cause_set(cause, "out of memory"));
		return (0);
	}
	if (nginx_check_syslog(v, &why) != 0) {
		cause_set(cause, "[nginx] syslog: %s", cause_text(why));
		free(why);
		return (-1);
	}
	extra = strncmp(v, "unix:", 5) == 0 ? ",nohostname" : "";
	if (asprintf(out, "access_log syslog:server=%s,facility=local7,"
	    "tag=bootstack_access,severity=info%s bootstack;\n\t"
	    "error_log syslog:server=%s,facility=local7,"
	    "tag=bootstack_error%s warn;", v, extra, v, extra) == -1) {
		*out = NULL;
		return (cause_set(cause, "out of memory"));
	}
	return (0);
}

/*
 * The monitoring server of [nginx] metrics_listen: plain HTTP, only
 * /metrics (this nginx's upstream: on an API host, its own daemon) and
 * /nginx_status (stub_status, for prometheus-nginx-exporter), to loopback
 * and [nginx] metrics_allow; scrapes stay out of the access log. Unset: a
 * comment.
 */
static int
nginx_metrics_server(const struct config *cfg, const char *dir, char **out,
    char **cause)
{
	const char	*listen = config_str(cfg, "nginx", "metrics_listen");
	const char	*allow = config_str(cfg, "nginx", "metrics_allow");
	struct buf	 b;
	char		*copy = NULL, *w, *save = NULL, *why = NULL;
	long		 port;
	int		 bare;

	*out = NULL;
	if (listen == NULL || listen[0] == '\0') {
		if ((*out = strdup("# [nginx] metrics_listen is not set: no "
		    "monitoring server.")) == NULL)
			return (cause_set(cause, "out of memory"));
		return (0);
	}
	if (!nginx_listen_ok(listen, &bare, &port))
		return (cause_set(cause, "[nginx] metrics_listen: '%s' is not "
		    "PORT, IPV4:PORT, [IPV6]:PORT or *:PORT", listen));
	if (allow != NULL && netallow_check(allow, &why) != 0) {
		cause_set(cause, "[nginx] metrics_allow: %s", cause_text(why));
		free(why);
		return (-1);
	}
	buf_init(&b, 64 * 1024);
	if (buf_printf(&b, "# [nginx] metrics_listen: where Prometheus scrapes "
	    "this host (docs/logs-and-metrics.md).\nserver {\n\tlisten %s;\n"
	    "\tserver_name _;\n\tserver_tokens off;\n\taccess_log off;\n"
	    "\tallow 127.0.0.1;\n\tallow ::1;\n", listen) != ST_OK)
		goto nomem;
	if (allow != NULL) {
		if ((copy = strdup(allow)) == NULL)
			goto nomem;
		for (w = strtok_r(copy, " \t,", &save); w != NULL;
		    w = strtok_r(NULL, " \t,", &save))
			if (buf_printf(&b, "\tallow %s;\n", w) != ST_OK)
				goto nomem;
		free(copy);
		copy = NULL;
	}
	if (buf_printf(&b, "\tdeny all;\n\tlocation = /metrics {\n"
	    "\t\tinclude %s/fastcgi.conf;\n\t}\n"
	    "\tlocation = /nginx_status {\n\t\tstub_status;\n\t}\n"
	    "\tlocation / {\n\t\treturn 404;\n\t}\n}", dir) != ST_OK)
		goto nomem;
	if ((*out = buf_steal(&b)) == NULL)
		return (cause_set(cause, "out of memory"));
	return (0);
nomem:
	free(copy);
	buf_cleanup(&b);
	return (cause_set(cause, "out of memory"));
}

/* See nginx.h. */
int
nginx_server_names(const struct config *cfg, char **names, char **cause)
{
	struct site	 site;
	struct buf	 b;
	size_t		 i;
	int		 rc = -1;

	*names = NULL;
	*cause = NULL;
	if (site_load(cfg, &site, cause) != 0)
		return (-1);
	if (site.n == 0)
		return (cause_set(cause, "[site] domain is not set"));
	buf_init(&b, 64 * 1024);
	for (i = 0; i < site.n; i++)
		if (buf_printf(&b, "%s%s", i > 0 ? " " : "",
		    site.v[i].name) != ST_OK) {
			cause_set(cause, "out of memory");
			goto out;
		}
	if ((*names = buf_steal(&b)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_cleanup(&b);
	site_cleanup(&site);
	return (rc);
}

/* True when s is a decimal min..max, with suffix allowed at its end. */
static int
nginx_num_ok(const char *s, long min, long max, const char *suffix,
    long *out)
{
	char	*end;

	if (!isdigit((unsigned char)s[0]))
		return (0);
	errno = 0;
	*out = strtol(s, &end, 10);
	if (suffix != NULL && strcmp(end, suffix) == 0)
		end += strlen(suffix);
	return (errno == 0 && *end == '\0' && *out >= min && *out <= max);
}

/*
 * Checks an [nginx] upstream list (see nginx.h) and, when b is not NULL,
 * appends one "server ...;" line per server to it. *n gets the count of
 * servers, *live of those not marked backup.
 */
static int
nginx_upstream_parse(const char *v, struct buf *b, size_t *n, size_t *live,
    char **why)
{
	char		*copy, *item, *w, *save = NULL, *wsave = NULL;
	char		 seen[NGINX_UPSTREAM_MAX][256];
	long		 weight, max_fails, fail_timeout, x;
	size_t		 i;
	int		 backup, rc = -1;

	*n = *live = 0;
	if ((copy = strdup(v)) == NULL)
		return (cause_set(why, "out of memory"));
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((w = strtok_r(item, " \t", &wsave)) == NULL) {
			cause_set(why, "an empty server in the list (want "
			    "ADDR [weight=N] [max_fails=N] [fail_timeout=Ns] "
			    "[backup], separated by commas)");
			goto out;
		}
		if (nginx_check_addr(w, 0, why) != 0)
			goto out;
		if (*n == NGINX_UPSTREAM_MAX) {
			cause_set(why, "more than %d servers",
			    NGINX_UPSTREAM_MAX);
			goto out;
		}
		for (i = 0; i < *n; i++)
			if (strcmp(seen[i], w) == 0) {
				cause_set(why, "'%s' is listed twice", w);
				goto out;
			}
		if (strlen(w) >= sizeof(seen[0])) {
			cause_set(why, "'%.40s...' is too long", w);
			goto out;
		}
		snprintf(seen[*n], sizeof(seen[0]), "%s", w);
		(*n)++;
		if (b != NULL && buf_printf(b, "%sserver %s", *n > 1 ?
		    "\n\t" : "", w) != ST_OK) {
			cause_set(why, "out of memory");
			goto out;
		}
		weight = max_fails = fail_timeout = -1;
		backup = 0;
		while ((w = strtok_r(NULL, " \t", &wsave)) != NULL) {
			if (strncmp(w, "weight=", 7) == 0 && weight == -1 &&
			    nginx_num_ok(w + 7, 1, 1000, NULL, &x))
				weight = x;
			else if (strncmp(w, "max_fails=", 10) == 0 &&
			    max_fails == -1 &&
			    nginx_num_ok(w + 10, 0, 1000, NULL, &x))
				max_fails = x;
			else if (strncmp(w, "fail_timeout=", 13) == 0 &&
			    fail_timeout == -1 &&
			    nginx_num_ok(w + 13, 1, 3600, "s", &x))
				fail_timeout = x;
			else if (strcmp(w, "backup") == 0 && !backup)
				backup = 1;
			else {
				cause_set(why, "'%.60s' after '%s' is not "
				    "weight=1..1000, max_fails=0..1000, "
				    "fail_timeout=1..3600s or backup (each "
				    "once)", w, seen[*n - 1]);
				goto out;
			}
		}
		if (!backup)
			(*live)++;
		if (b != NULL && (
		    (weight != -1 && buf_printf(b, " weight=%ld", weight) !=
		    ST_OK) ||
		    (max_fails != -1 && buf_printf(b, " max_fails=%ld",
		    max_fails) != ST_OK) ||
		    (fail_timeout != -1 && buf_printf(b, " fail_timeout=%lds",
		    fail_timeout) != ST_OK) ||
		    buf_printf(b, "%s;", backup ? " backup" : "") != ST_OK)) {
			cause_set(why, "out of memory");
			goto out;
		}
	}
	if (*n == 0)
		cause_set(why, "no server: want ADDR [weight=N] [max_fails=N] "
		    "[fail_timeout=Ns] [backup], separated by commas");
	else if (*live == 0)
		cause_set(why, "every server is a backup: at least one must "
		    "not be");
	else
		rc = 0;
out:
	free(copy);
	return (rc);
}

/* See nginx.h. */
int
nginx_check_upstream(const char *v, char **why)
{
	size_t	 n, live;

	if (v[0] == '\0')
		return (0);		/* unset: [api] listen */
	return (nginx_upstream_parse(v, NULL, &n, &live, why));
}

/*
 * Where nginx sends FastCGI requests: the "server ...;" lines of [nginx]
 * upstream, else one derived from [api] listen ("unix:PATH" for a socket
 * path, HOST:PORT as it is). *n gets the count of servers.
 */
static int
nginx_upstream(const struct config *cfg, char **out, size_t *n, char **cause)
{
	const char	*v = config_str(cfg, "nginx", "upstream");
	const char	*key = "[nginx] upstream";
	char		*why = NULL;
	struct buf	 b;
	size_t		 live;

	*out = NULL;
	*n = 1;
	if (v == NULL || v[0] == '\0') {
		v = config_str(cfg, "api", "listen");
		key = "[api] listen";
		if (v == NULL || strcmp(v, "stdin") == 0)
			return (cause_set(cause, "[api] listen does not say "
			    "where the socket is: set [nginx] upstream"));
		if (v[0] == '/') {
			if (!nginx_path_ok(v))
				return (cause_set(cause, "%s: '%s' is not a "
				    "path nginx can use", key, v));
			if (asprintf(out, "server unix:%s;", v) == -1)
				return (cause_set(cause, "out of memory"));
			return (0);
		}
		if (nginx_check_addr(v, 0, &why) != 0)
			goto bad;
	}
	buf_init(&b, 64 * 1024);
	if (nginx_upstream_parse(v, &b, n, &live, &why) != 0) {
		buf_cleanup(&b);
		goto bad;
	}
	if ((*out = buf_steal(&b)) == NULL)
		return (cause_set(cause, "out of memory"));
	return (0);
bad:
	cause_set(cause, "%s: %s", key, cause_text(why));
	free(why);
	return (-1);
}

/* Cleans a config path for a comment line: no control bytes. */
static void
nginx_comment_safe(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

/* FastCGI keep-alive: [nginx] fastcgi_keepalive, if the API keeps them. */
static int
nginx_keepalive_on(const struct config *cfg)
{
	return (config_int(cfg, "nginx", "fastcgi_keepalive") > 0 &&
	    config_int(cfg, "api", "keepalive_timeout") > 0);
}

/*
 * Appends the keep-alive lines of the upstream block to *up (reallocated):
 * nginx closes an idle connection before the API would ([api]
 * keepalive_timeout) and before a retiring worker closes what is left
 * (half of [api] drain_timeout), so that it never writes a request on a
 * connection being closed; and after 100 requests, so that a retiring
 * worker's busy ones move on. -1 when out of memory.
 */
static int
nginx_keepalive_lines(const struct config *cfg, char **up)
{
	long long	 t = 10, api = config_int(cfg, "api", "keepalive_timeout");
	long long	 drain = config_int(cfg, "api", "drain_timeout") / 2;
	char		*s;

	if (!nginx_keepalive_on(cfg))
		return (0);
	if (api - 1 < t)
		t = api - 1;
	if (drain - 1 < t)
		t = drain - 1;
	if (t < 1)
		t = 1;
	if (asprintf(&s, "%s\n\tkeepalive %lld;\n\tkeepalive_requests 100;"
	    "\n\tkeepalive_timeout %llds;", *up, config_int(cfg, "nginx",
	    "fastcgi_keepalive"), t) == -1)
		return (-1);
	free(*up);
	*up = s;
	return (0);
}

/* Fills vars from the configuration; dir is where the files will live. */
static int
nginx_vars_make(const struct config *cfg, const char *dir,
    struct nginx_vars *vars, int *tls, char **names, char **cause)
{
	const char	*path, *cert, *key, *p;
	char		*s = NULL, *lines = NULL, *upstream = NULL;
	long		 http_port = 0, https_port = 0;
	long long	 max_body;
	size_t		 nservers;

#define SET(name, ...) do {						\
	if (nginx_var_set(vars, name, __VA_ARGS__) == -1)		\
		return (cause_set(cause, "out of memory"));		\
} while (0)
#define SET_PATH(name, section, key) do {				\
	if (nginx_path(cfg, section, key, &p, cause) == -1)		\
		return (-1);						\
	SET(name, "%s", p);						\
} while (0)

	if (!nginx_path_ok(dir))
		return (cause_set(cause, "the output folder '%s' must be an "
		    "absolute path without blanks, quotes, '\\', '$', ';', "
		    "'#', '{' or '}'", dir));
	if (nginx_server_names(cfg, names, cause) == -1)
		return (-1);

	path = config_path(cfg);
	if (asprintf(&s, "%s", path != NULL ? path : "(built-in defaults)") ==
	    -1)
		return (cause_set(cause, "out of memory"));
	nginx_comment_safe(s);
	if (nginx_var_set(vars, "banner", "Generated by `bootstack nginx "
	    "render` from %s:\n# edit that file and render again; changes made "
	    "here are lost.", s) == -1) {
		free(s);
		return (cause_set(cause, "out of memory"));
	}
	free(s);

	SET("conf_dir", "%s", dir);
	SET("server_names", "%s", *names);
	if (nginx_upstream(cfg, &upstream, &nservers, cause) == -1)
		return (-1);
	if (nginx_keepalive_lines(cfg, &upstream) == -1 ||
	    nginx_var_set(vars, "upstream", "%s", upstream) == -1) {
		free(upstream);
		return (cause_set(cause, "out of memory"));
	}
	free(upstream);
	SET("keep_conn", "%s", nginx_keepalive_on(cfg) ?
	    "\nfastcgi_keep_conn on;" : "");
	/* Another host at most once per host, within the read timeout. */
	SET("next_upstream_tries", "%zu", nservers);

	SET("rate", "%lld", config_int(cfg, "nginx", "rate"));
	if (config_int(cfg, "nginx", "burst") > 0)	/* nginx refuses burst=0 */
		SET("limit_req", "limit_req zone=bootstack_api burst=%lld nodelay;",
		    config_int(cfg, "nginx", "burst"));
	else
		SET("limit_req", "limit_req zone=bootstack_api;");
	SET("anon_rate", "%lld", config_int(cfg, "nginx", "anon_rate"));
	if (config_int(cfg, "nginx", "anon_burst") > 0)
		SET("limit_req_anon", "limit_req zone=bootstack_anon burst=%lld "
		    "nodelay;", config_int(cfg, "nginx", "anon_burst"));
	else
		SET("limit_req_anon", "limit_req zone=bootstack_anon;");
	max_body = config_int(cfg, "api", "max_body");
	SET("max_body", "%lld", max_body);
	SET("body_buffer", "%lld", max_body < 65536 ? max_body : 65536);
	SET("read_timeout", "%lld", config_int(cfg, "api", "request_timeout"));

	SET_PATH("access_log", "nginx", "access_log");
	SET_PATH("error_log", "nginx", "error_log");
	if (nginx_syslog_lines(cfg, &s, cause) == -1)
		return (-1);
	if (nginx_var_set(vars, "syslog_logs", "%s", s) == -1) {
		free(s);
		return (cause_set(cause, "out of memory"));
	}
	free(s);
	s = NULL;
	if (nginx_metrics_server(cfg, dir, &s, cause) == -1)
		return (-1);
	if (nginx_var_set(vars, "metrics_server", "%s", s) == -1) {
		free(s);
		return (cause_set(cause, "out of memory"));
	}
	free(s);
	s = NULL;
	SET_PATH("webroot", "nginx", "webroot");
	if (cert_store_enabled(cfg)) {
		/* Another host's challenge: a row the API answers (sql/0006). */
		SET("acme_fallback", "%s", "@bootstack_acme");
		SET("acme_store_location", "# [acme] store = database: a "
		    "challenge this host did not write is a row of\n\t# "
		    "acme_challenges, which the API answers (any front end "
		    "may get the CA's request).\n\tlocation @bootstack_acme "
		    "{\n\t\tinclude %s/fastcgi.conf;\n\t}", dir);
	} else {
		SET("acme_fallback", "%s", "=404");
		SET("acme_store_location", "%s", "");
	}
	SET_PATH("ops_root", "nginx", "ops_root");
	SET_PATH("htpasswd_file", "nginx", "htpasswd_file");
	/* /ops/ws: `bootstack report --live` (lib/report.c) */
	SET("ops_live_port", "%lld", config_int(cfg, "report", "live_port"));

	if (nginx_listen(cfg, "listen_http", "", &lines, &http_port,
	    cause) == -1)
		return (-1);
	SET("listen_http", "%s", lines);
	free(lines);
	if (nginx_listen(cfg, "listen_http", " default_server", &lines,
	    &http_port, cause) == -1)
		return (-1);
	SET("listen_http_default", "%s", lines);
	free(lines);
	if (nginx_listen(cfg, "listen_https", " ssl http2", &lines,
	    &https_port, cause) == -1)
		return (-1);
	SET("listen_https", "%s", lines);
	free(lines);
	if (nginx_listen(cfg, "listen_https", " ssl http2 default_server",
	    &lines, &https_port, cause) == -1)
		return (-1);
	SET("listen_https_default", "%s", lines);
	free(lines);
	if (config_bool(cfg, "nginx", "default_server"))
		SET("default_include", "include %s/default.conf;", dir);
	else
		SET("default_include", "# [nginx] default_server = no: names "
		    "nobody declared go to this nginx's\n# default server, "
		    "which is another site's (docs/deploy.md).");

	cert = config_str(cfg, "site", "cert_file");
	key = config_str(cfg, "site", "key_file");
	if (cert != NULL && cert[0] == '\0')
		cert = NULL;
	if (key != NULL && key[0] == '\0')
		key = NULL;
	if ((cert == NULL) != (key == NULL))
		return (cause_set(cause, "[site] cert_file and key_file go "
		    "together: set both or neither"));
	*tls = cert != NULL;
	if (*tls) {
		SET_PATH("cert_file", "site", "cert_file");
		SET_PATH("key_file", "site", "key_file");
		if (https_port == 443)
			SET("http_action",
			    "return 308 https://$host$request_uri;");
		else
			SET("http_action",
			    "return 308 https://$host:%ld$request_uri;",
			    https_port);
		SET("https_include", "include %s/https.conf;", dir);
	} else {
		SET("cert_file", "%s", "");
		SET("key_file", "%s", "");
		SET("http_action", "# No certificate yet ([site] cert_file): "
		    "nothing but ACME challenges.\n\t\treturn 503;");
		SET("https_include", "# No HTTPS server: [site] cert_file "
		    "and key_file are not set yet.");
	}
	return (0);
#undef SET
#undef SET_PATH
}

/* Replaces every {{name}} of tmpl; the result goes to out. */
static int
nginx_fill(const char *file, const char *tmpl, const struct nginx_vars *vars,
    struct buf *out, char **cause)
{
	const char	*p = tmpl, *open, *close, *v;
	size_t		 line = 1;

	while ((open = strstr(p, "{{")) != NULL) {
		for (v = p; v < open; v++)
			line += *v == '\n';
		if (buf_add(out, p, (size_t)(open - p)) != ST_OK)
			return (cause_set(cause, "%s: rendered file too large",
			    file));
		close = strstr(open + 2, "}}");
		v = close == NULL ? NULL :
		    nginx_var_get(vars, open + 2, (size_t)(close - open - 2));
		if (v == NULL)
			return (cause_set(cause, "%s:%zu: unknown placeholder "
			    "%.*s", file, line, close == NULL ? 2 :
			    (int)(close - open + 2), open));
		if (buf_adds(out, v) != ST_OK)
			return (cause_set(cause, "%s: rendered file too large",
			    file));
		p = close + 2;
	}
	if (buf_adds(out, p) != ST_OK)
		return (cause_set(cause, "%s: rendered file too large", file));
	return (0);
}

/* See nginx.h. */
int
nginx_render(const struct config *cfg, const char *dir, struct nginx_out *o,
    char **cause)
{
	struct nginx_vars	 vars;
	struct buf		 b;
	const char		*tdir;
	char			 path[PATH_MAX], *tmpl = NULL;
	size_t			 i;
	int			 rc = -1;

	*cause = NULL;
	memset(o, 0, sizeof(*o));
	memset(&vars, 0, sizeof(vars));
	buf_init(&b, NGINX_OUT_MAX);
	if (dir == NULL)
		dir = config_str(cfg, "nginx", "conf_dir");
	if (dir == NULL || dir[0] == '\0') {
		cause_set(cause, "[nginx] conf_dir is not set");
		goto out;
	}
	if ((tdir = config_str(cfg, "nginx", "template_dir")) == NULL)
		tdir = BS_NGINXDIR;
	if (nginx_vars_make(cfg, dir, &vars, &o->tls, &o->names, cause) == -1)
		goto out;
	for (i = 0; i < NGINX_NFILES; i++) {
		o->files[i].name = nginx_names[i];
		o->nfiles = i + 1;
		if (!o->tls && strcmp(nginx_names[i], "https.conf") == 0)
			continue;	/* data NULL: removed if present */
		if (!config_bool(cfg, "nginx", "default_server") &&
		    strcmp(nginx_names[i], "default.conf") == 0)
			continue;	/* the other sites keep the default */
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", tdir,
		    nginx_names[i]) >= sizeof(path)) {
			cause_set(cause, "[nginx] template_dir is too long");
			goto out;
		}
		if (fs_read_file(path, NGINX_TMPL_MAX, &tmpl, NULL, cause) ==
		    -1)
			goto out;
		buf_reset(&b);
		if (nginx_fill(nginx_names[i], tmpl, &vars, &b, cause) == -1)
			goto out;
		free(tmpl);
		tmpl = NULL;
		o->files[i].len = b.len;
		if ((o->files[i].data = buf_steal(&b)) == NULL) {
			if ((o->files[i].data = strdup("")) == NULL) {
				cause_set(cause, "out of memory");
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(tmpl);
	buf_cleanup(&b);
	nginx_vars_cleanup(&vars);
	if (rc == -1)
		nginx_out_cleanup(o);
	return (rc);
}

/* See nginx.h. */
void
nginx_out_cleanup(struct nginx_out *o)
{
	size_t	 i;

	for (i = 0; i < o->nfiles; i++) {
		free(o->files[i].data);
		o->files[i].data = NULL;
	}
	o->nfiles = 0;
	free(o->names);
	o->names = NULL;
}

/* See nginx.h. */
void
nginx_undo_cleanup(struct nginx_undo *u)
{
	size_t	 i;

	for (i = 0; i < u->nfiles; i++) {
		free(u->files[i].data);
		u->files[i].data = NULL;
	}
	u->nfiles = 0;
}

/* Reads dir/name into *data (NULL when absent). 0, or -1 with *cause. */
static int
nginx_read_old(const char *dir, const char *name, char **data, size_t *len,
    char **cause)
{
	char	 path[PATH_MAX];

	*data = NULL;
	*len = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return (cause_set(cause, "%s: path too long", dir));
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return (0);
	return (fs_read_file(path, NGINX_OUT_MAX, data, len, cause));
}

/* See nginx.h. */
int
nginx_same(const char *dir, const struct nginx_out *o)
{
	char	*old, *cause = NULL;
	size_t	 i, len;
	int	 same = 1;

	for (i = 0; i < o->nfiles && same; i++) {
		if (nginx_read_old(dir, o->files[i].name, &old, &len,
		    &cause) == -1) {
			free(cause);
			return (0);
		}
		if (old == NULL || o->files[i].data == NULL)
			same = old == o->files[i].data;
		else
			same = len == o->files[i].len &&
			    memcmp(old, o->files[i].data, len) == 0;
		free(old);
	}
	return (same);
}

/* Writes data (NULL: removes) as dir/name. 0, or -1 with *cause. */
static int
nginx_put(const char *dir, const char *name, const char *data, size_t len,
    char **cause)
{
	char	 path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return (cause_set(cause, "%s: path too long", dir));
	if (data != NULL)
		return (fs_write_atomic(path, data, len, 0644, cause));
	if (unlink(path) == -1 && errno != ENOENT)
		return (cause_set(cause, "cannot remove %s: %s", path,
		    strerror(errno)));
	return (0);
}

/* See nginx.h. */
int
nginx_lock(const char *dir, char **cause)
{
	char	 path[PATH_MAX];

	*cause = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/.render.lock", dir) >=
	    sizeof(path))
		return (cause_set(cause, "%s: path too long", dir));
	if (fs_mkdirs(dir, 0755, 0, cause) == -1)
		return (-1);
	return (fs_lock(path, 1, cause));
}

/* See nginx.h. */
int
nginx_install(const char *dir, const struct nginx_out *o,
    struct nginx_undo *u, char **cause)
{
	char	*why = NULL;
	size_t	 i;

	*cause = NULL;
	memset(u, 0, sizeof(*u));
	if (fs_mkdirs(dir, 0755, 0, cause) == -1)
		return (-1);
	for (i = 0; i < o->nfiles; i++) {
		u->files[i].name = o->files[i].name;
		if (nginx_read_old(dir, o->files[i].name, &u->files[i].data,
		    &u->files[i].len, cause) == -1)
			goto fail;
		u->nfiles = i + 1;
	}
	for (i = 0; i < o->nfiles; i++)
		if (nginx_put(dir, o->files[i].name, o->files[i].data,
		    o->files[i].len, cause) == -1)
			goto fail;
	return (0);
fail:
	if (nginx_restore(dir, u, &why) == -1) {
		free(why);
		cause_suffix(cause, " (and the old files could not all be "
		    "put back)");
	}
	nginx_undo_cleanup(u);
	return (-1);
}

/* See nginx.h. */
int
nginx_restore(const char *dir, const struct nginx_undo *u, char **cause)
{
	size_t	 i;
	int	 rc = 0;

	*cause = NULL;
	/* Reverse order: http.conf first, so its includes stay valid. */
	for (i = u->nfiles; i-- > 0; ) {
		if (nginx_put(dir, u->files[i].name, u->files[i].data,
		    u->files[i].len, cause) == -1) {
			rc = -1;
			break;
		}
	}
	return (rc);
}

/* The folder part of path into out (size bytes). */
static void
nginx_dirname(const char *path, char *out, size_t size)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n = slash == NULL ? 0 : (size_t)(slash - path);

	if (n == 0 || n >= size)
		n = 0;
	memcpy(out, path, n);
	out[n] = '\0';
	if (n == 0 && size > 1)
		snprintf(out, size, "/");
}

/* See nginx.h. */
int
nginx_prepare(const struct config *cfg, char **cause)
{
	static const char *const dirs[] = { "webroot", "ops_root" };
	static const char *const files[] = {
		"access_log", "error_log", "htpasswd_file"
	};
	const char	*p;
	char		 d[PATH_MAX];
	size_t		 i;

	*cause = NULL;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (nginx_path(cfg, "nginx", dirs[i], &p, cause) == -1 ||
		    fs_mkdirs(p, 0755, 0, cause) == -1)
			return (-1);
	}
	if (nginx_path(cfg, "nginx", "webroot", &p, cause) == -1)
		return (-1);
	if ((size_t)snprintf(d, sizeof(d), "%s/.well-known/acme-challenge",
	    p) >= sizeof(d))
		return (cause_set(cause, "[nginx] webroot is too long"));
	if (fs_mkdirs(d, 0755, 0, cause) == -1)
		return (-1);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (nginx_path(cfg, "nginx", files[i], &p, cause) == -1)
			return (-1);
		nginx_dirname(p, d, sizeof(d));
		if (fs_mkdirs(d, 0755, 0, cause) == -1)
			return (-1);
	}
	if (nginx_path(cfg, "nginx", "htpasswd_file", &p, cause) == -1)
		return (-1);
	return (htpasswd_ensure(p, config_str(cfg, "nginx", "group"), cause));
}

/* See nginx.h. */
int
nginx_run(const struct config *cfg, const char *key, char **cause)
{
	const char	*cmd = config_str(cfg, "nginx", key);

	*cause = NULL;
	if (cmd == NULL || cmd[0] == '\0')
		return (cause_set(cause, "[nginx] %s is not set", key));
	return (proc_shell(NULL, cmd, NGINX_RUN_TIMEOUT * 1000LL,
	    NGINX_RUN_TAIL, cause) == ST_OK ? 0 : -1);
}
