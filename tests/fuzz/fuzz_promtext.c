/*
 * fuzz_promtext.c: libFuzzer target for lib/promtext.c, the reader of the
 * Prometheus text format that `bootstack alert check` feeds scrapes and its
 * own state file. Every input either fails cleanly (a cause, no samples) or
 * parses into strictly sorted keys that promtext_write() writes back as
 * text that parses again into the same series and values.
 */
#include "autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct promtext	 p, q;
	const char	*names[65];
	char		*cause = NULL, *text = NULL;
	size_t		 i, len = 0, n = 0;
	FILE		*f;

	promtext_init(&p);
	if (promtext_parse(&p, (const char *)data, size, &cause) != ST_OK) {
		if (cause == NULL || p.n != 0)
			abort();
		free(cause);
		return (0);
	}
	for (i = 1; i < p.n; i++)
		if (strcmp(p.samples[i - 1].key, p.samples[i].key) >= 0)
			abort();
	for (i = 0; i < p.n && n < 64; i++)
		if (i == 0 || strcmp(p.samples[i].name,
		    p.samples[i - 1].name) != 0)
			names[n++] = p.samples[i].name;
	names[n] = NULL;
	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	if (promtext_write(&p, names, f) < 0)
		abort();
	fclose(f);
	promtext_init(&q);
	if (promtext_parse(&q, text, len, &cause) != ST_OK)
		abort();
	for (i = 0; i < q.n; i++) {
		const struct promtext_sample *o = promtext_find(&p,
		    q.samples[i].key);

		if (o == NULL || (isnan(o->value) ? !isnan(q.samples[i].value) :
		    o->value != q.samples[i].value))
			abort();
	}
	free(text);
	promtext_cleanup(&q);
	promtext_cleanup(&p);
	return (0);
}
