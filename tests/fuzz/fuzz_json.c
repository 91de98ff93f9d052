/*
 * fuzz_json.c: libFuzzer target for request-body validation, the path every
 * POST and PATCH body takes: jsonutil_parse() with the body cap and depth
 * limit, then jsonutil_check() against a field table shaped like the tasks
 * resource, in both full and partial (merge patch) modes. Any crash, leak or
 * sanitizer report is a bug; the return values are not judged.
 */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>

#include "jsonutil.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct jsonutil_field fuzz_fields[] = {
	{ "title",  JSONUTIL_STRING, 1, 0, 1, 200, NULL },
	{ "status", JSONUTIL_ENUM,   0, 0, 0, 0, "todo|doing|done" },
	{ "due",    JSONUTIL_DATE,   0, 1, 0, 0, NULL },
	{ "count",  JSONUTIL_INT,    0, 0, -5, 1000000, NULL },
	{ "flag",   JSONUTIL_BOOL,   0, 1, 0, 0, NULL },
	{ NULL,     JSONUTIL_STRING, 0, 0, 0, 0, NULL }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object	*obj = NULL;
	char		 err[96];

	if (size > 65536)
		return (0);
	if (jsonutil_parse((const char *)data, size, JSONUTIL_MAX_DEPTH, &obj,
	    err, sizeof(err)) == ST_OK && obj != NULL) {
		(void)jsonutil_check(obj, fuzz_fields, 0, err, sizeof(err));
		(void)jsonutil_check(obj, fuzz_fields, 1, err, sizeof(err));
		(void)jsonutil_get_str(obj, "title");
	}
	json_object_put(obj);
	return (0);
}
