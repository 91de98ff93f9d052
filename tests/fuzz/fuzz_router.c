/*
 * fuzz_router.c: libFuzzer target for the router. The input is split at its
 * first space into a method and a path (a NUL ends it), matched against a
 * table shaped like the daemon's, and every captured parameter is copied
 * out through router_param() with small and large buffers.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct route fuzz_routes[] = {
	{ "GET",    "/healthz",			NULL, NULL, "a", NULL },
	{ "GET",    "/v1/tasks",		NULL, "read", "b", NULL },
	{ "POST",   "/v1/tasks",		NULL, "write", "c", NULL },
	{ "GET",    "/v1/tasks/{id}",		NULL, "read", "d", NULL },
	{ "PATCH",  "/v1/tasks/{id}",		NULL, "write", "e", NULL },
	{ "DELETE", "/v1/tasks/{id}",		NULL, "write", "f", NULL },
	{ "GET",    "/v1/{a}/{b}/{c}/{d}/{e}",	NULL, NULL, "g", NULL },
	{ "PUT",    "/",			NULL, NULL, "h", NULL },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct router_match	 m;
	char			*copy, *path, allow[24], small[4], big[256];
	size_t			 i;

	if ((copy = malloc(size + 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	copy[size] = '\0';
	if ((path = strchr(copy, ' ')) != NULL)
		*path++ = '\0';
	else
		path = copy;
	(void)router_match(fuzz_routes, sizeof(fuzz_routes) /
	    sizeof(fuzz_routes[0]), copy, path, &m, allow, sizeof(allow));
	if (m.route != NULL) {
		for (i = 0; i < m.nparams; i++) {
			char name[64];
			size_t nl = m.params[i].namelen < sizeof(name) - 1 ?
			    m.params[i].namelen : sizeof(name) - 1;
			memcpy(name, m.params[i].name, nl);
			name[nl] = '\0';
			(void)router_param(&m, name, small, sizeof(small));
			(void)router_param(&m, name, big, sizeof(big));
		}
	}
	free(copy);
	return (0);
}
