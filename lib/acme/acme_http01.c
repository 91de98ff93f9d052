/*
 * acme_http01.c: the HTTP-01 challenge solver (RFC 8555 section 8.3) behind
 * the struct acme_solver hook of acme.h.
 *
 * present() writes the key authorization to
 * WEBROOT/.well-known/acme-challenge/TOKEN (0644, atomically, folders made
 * 0755 as needed), which nginx serves as a static file on port 80 (the
 * nginx configuration has a location for it that skips the HTTPS redirect);
 * cleanup() removes it, and stale() the file an earlier run left for an
 * authorization the CA has since validated. The token is checked to be
 * base64url by acme.c before it reaches here, so it cannot name another
 * path. It is the model for other solvers: DNS-01 (lib/dns) follows the
 * same calls.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme.h"
#include "base64url.h"
#include "cause.h"
#include "fs.h"

/* The file of a challenge (caller frees); folders made when mk is set. */
static char *
http01_path(const char *webroot, const char *token, int mk, char **cause)
{
	char	*dir = NULL, *path = NULL;

	if (!base64url_valid(token)) {
		cause_set(cause, "refusing token '%.64s'", token);
		return (NULL);
	}
	if (asprintf(&dir, "%s/.well-known/acme-challenge", webroot) == -1)
		goto nomem;
	if (mk && fs_mkdirs(dir, 0755, 0, cause) != 0)
		goto fail;
	if (asprintf(&path, "%s/%s", dir, token) == -1)
		goto nomem;
	free(dir);
	return (path);
nomem:
	dir = NULL;
	cause_set(cause, "out of memory");
fail:
	free(dir);
	return (NULL);
}

/* Writes the key authorization where the CA will fetch it. */
static int
http01_present(struct acme_solver *s, const struct acme_challenge *c,
    char **cause)
{
	char	*path;
	int	 rc;

	*cause = NULL;
	if ((path = http01_path(s->arg, c->token, 1, cause)) == NULL)
		return (-1);
	rc = fs_write_atomic(path, c->key_authorization,
	    strlen(c->key_authorization), 0644, cause);
	free(path);
	return (rc);
}

/* Removes the challenge file. */
static int
http01_cleanup(struct acme_solver *s, const struct acme_challenge *c,
    char **cause)
{
	char	*path;

	*cause = NULL;
	if ((path = http01_path(s->arg, c->token, 0, cause)) == NULL)
		return (-1);
	if (unlink(path) == -1 && errno != ENOENT) {
		cause_set(cause, "cannot remove %s: %s", path,
		    strerror(errno));
		free(path);
		return (-1);
	}
	free(path);
	return (0);
}

/* See acme.h. */
void
acme_http01_init(struct acme_solver *s, const char *webroot)
{
	memset(s, 0, sizeof(*s));
	s->type = "http-01";
	s->present = http01_present;
	s->ready = NULL;
	s->cleanup = http01_cleanup;
	s->stale = http01_cleanup;	/* a missing file is fine */
	s->arg = (void *)(uintptr_t)webroot;
}
