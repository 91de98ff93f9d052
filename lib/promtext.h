/*
 * promtext.h: a strict, bounded reader of the Prometheus text exposition
 * format 0.0.4 (what GET /metrics answers).
 *
 * `bootstack alert check` scrapes the API's /metrics and keeps a filtered
 * copy of each scrape in its state file, written back in this same format;
 * both go through promtext_parse(). The parser takes untrusted text: every
 * line, label, name and the sample count has a cap, label values must be
 * valid UTF-8, and a series given twice is an error (summing it would count
 * it twice). Samples come out sorted by their canonical key,
 * `name{a="x",b="y"}` with the labels in name order, so two scrapes can be
 * matched series by series with promtext_find().
 */
#ifndef LIB_PROMTEXT_H
#define LIB_PROMTEXT_H

#include <stdio.h>

#include "st.h"

#define PROMTEXT_MAX_SAMPLES	100000	/* samples in one text */
#define PROMTEXT_MAX_LINE	65536	/* bytes in one line */
#define PROMTEXT_MAX_LABELS	32	/* labels on one sample */
#define PROMTEXT_MAX_NAME	256	/* bytes of a metric or label name */
#define PROMTEXT_MAX_VALUE	4096	/* bytes of a label value */

struct promtext_label {
	char		*name;		/* owned */
	char		*value;		/* owned; unescaped */
};

struct promtext_sample {
	char			*name;		/* owned; the metric name */
	char			*key;		/* owned; canonical series key */
	struct promtext_label	*labels;	/* owned; sorted by name */
	size_t			 nlabels;
	double			 value;		/* NaN and +-Inf allowed */
};

struct promtext {
	struct promtext_sample	*samples;	/* owned; sorted by key */
	size_t			 n;
	size_t			 cap;
};

void	 promtext_init(struct promtext *);
void	 promtext_cleanup(struct promtext *);	/* safe twice */
/*
 * Parses len bytes of text (need not be NUL-terminated) into p, which must
 * be freshly initialised. ST_OK; ST_BADREQ with *cause ("line 3: ...",
 * caller frees) for malformed or hostile text; ST_TOOBIG past a cap;
 * ST_NOMEM. On failure p holds nothing.
 */
enum st	 promtext_parse(struct promtext *, const char *text, size_t len,
	    char **cause);
/* The sample with this canonical key, or NULL; borrowed from p. */
const struct promtext_sample *promtext_find(const struct promtext *,
	    const char *key);
/* The value of label name on s, or NULL; borrowed from s. */
const char *promtext_label(const struct promtext_sample *, const char *name);
/*
 * Sum of the samples of metric name whose labels include every pair of
 * match ("label", "value", ..., NULL; may be NULL). *n (may be NULL) gets
 * how many samples were summed; 0 samples sum to 0.
 */
double	 promtext_sum(const struct promtext *, const char *name,
	    const char *const *match, size_t *n);
/*
 * Writes the samples of the metric names in names (NULL-ended) to f as
 * exposition lines "key value\n", in key order; promtext_parse() reads
 * them back identically. Returns the bytes written, or -1.
 */
long	 promtext_write(const struct promtext *, const char *const *names,
	    FILE *f);

#endif
