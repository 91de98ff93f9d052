/*
 * openapi.c: GET /openapi.json, the API's OpenAPI 3.1 description.
 *
 * The document is docs/openapi.json, compiled into the binary at build
 * time (build-aux/embed.sh), so the daemon serves exactly the file that
 * ships in docs/ and a test checks it against the route table.
 */
#include "autoconf.h"

#include <stddef.h>

#include "../routes.h"
#include "http.h"

extern const unsigned char	 openapi_json[];
extern const size_t		 openapi_json_len;

/* GET /openapi.json */
static enum st
openapi_get(struct http_req *r)
{
	http_set_header(r, "Cache-Control", "public, max-age=300");
	return (http_reply(r, 200, "application/json",
	    (const char *)openapi_json, openapi_json_len));
}

static const struct route openapi_routes[] = {
	{ "GET", "/openapi.json", openapi_get, NULL, "openapi", "200" },
};

const struct route_table openapi_table = {
	openapi_routes, sizeof(openapi_routes) / sizeof(openapi_routes[0])
};
