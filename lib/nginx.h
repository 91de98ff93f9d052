/*
 * nginx.h: the nginx configuration bootstack generates from [site] and
 * [nginx] (and [api] listen, max_body, request_timeout): the server names,
 * the rendering of the templates, their installation with a way back, and
 * the operator's test and reload commands.
 *
 * A domain is declared once, in [site]; every server block, listen line
 * and path nginx needs is derived from the configuration, so an operator
 * never edits nginx files by hand. Rendering is pure (same config, same
 * bytes); installing writes each file atomically and remembers what it
 * replaced, so a configuration that `nginx -t` refuses can be taken back
 * before anything reloads it.
 */
#ifndef LIB_NGINX_H
#define LIB_NGINX_H

#include <stddef.h>

struct config;

#define NGINX_NFILES	9	/* templates rendered, see nginx.c */

struct nginx_file {
	const char	*name;		/* "servers.conf"; static */
	char		*data;		/* rendered text, owned; NULL = remove */
	size_t		 len;
};

struct nginx_out {
	struct nginx_file	 files[NGINX_NFILES];
	size_t			 nfiles;
	int			 tls;	/* the HTTPS server was rendered */
	char			*names;	/* server names, space separated; owned */
};

/* What nginx_install replaced, for nginx_restore. */
struct nginx_undo {
	struct nginx_file	 files[NGINX_NFILES];	/* old text; NULL = absent */
	size_t			 nfiles;
};

/*
 * The host names of [site] (lib/site.h: domain, each subdomain under it,
 * the wildcard when [site] wildcard is set, then [site] aliases;
 * lower-cased, checked, no repeats), space separated. 0 with *names
 * (caller frees), or -1 with *cause (caller frees); an unset [site] domain
 * is an error here.
 */
int	nginx_server_names(const struct config *, char **names, char **cause);
/*
 * Fills the templates of [nginx] template_dir for the configuration, with
 * dir (NULL = [nginx] conf_dir) as the folder the files will live in.
 * Every value that reaches nginx is checked first: a name, a path or a
 * listen address that could change the meaning of the file is refused.
 * 0, or -1 with *cause (caller frees). out is always safe to clean up.
 */
int	nginx_render(const struct config *, const char *dir,
	    struct nginx_out *out, char **cause);
void	nginx_out_cleanup(struct nginx_out *);
/* True when every file in dir already holds what out would write. */
int	nginx_same(const char *dir, const struct nginx_out *);
/*
 * Writes the files of out into dir (made if missing), each atomically, mode
 * 0644; removes those out marks as absent. The old contents go to undo.
 * On failure the files already written are put back. 0, or -1 with *cause.
 */
int	nginx_install(const char *dir, const struct nginx_out *,
	    struct nginx_undo *undo, char **cause);
/*
 * Makes dir if missing and locks it (dir/.render.lock, waiting for another
 * run to finish). Returns the lock's fd (close it to unlock), or -1 with
 * *cause (caller frees).
 */
int	nginx_lock(const char *dir, char **cause);
/* Puts back what undo holds. 0, or -1 with *cause (caller frees). */
int	nginx_restore(const char *dir, const struct nginx_undo *, char **cause);
void	nginx_undo_cleanup(struct nginx_undo *);
/*
 * The value checks of render, shared with check-config (lib/confcheck.c):
 * 0, or -1 with *why (caller frees) saying what is wrong and allowed.
 * listen_http/listen_https words; upstream (empty = [api] listen): servers
 * separated by commas, each "ADDR [weight=N] [max_fails=N]
 * [fail_timeout=Ns] [backup]" with ADDR unix:PATH or HOST:PORT, at most
 * NGINX_UPSTREAM_MAX, not all backups; a path nginx can be given; a syslog
 * target (unix:PATH or HOST:PORT).
 */
#define NGINX_UPSTREAM_MAX	32
int	nginx_check_listen(const char *value, char **why);
int	nginx_check_upstream(const char *value, char **why);
int	nginx_check_path(const char *value, char **why);
int	nginx_check_syslog(const char *value, char **why);
/*
 * Makes the folders the rendered configuration names (ACME webroot and its
 * .well-known/acme-challenge, ops_root, the log folders) and an empty
 * htpasswd file if there is none. 0, or -1 with *cause (caller frees).
 */
int	nginx_prepare(const struct config *, char **cause);
/*
 * Runs [nginx] key ("test_command" or "reload_command") with /bin/sh -c
 * (lib/proc.h), killed after 120 s. 0 when it exits 0; else -1 with *cause
 * holding the command and the last lines it printed (caller frees).
 */
int	nginx_run(const struct config *, const char *key, char **cause);

#endif
