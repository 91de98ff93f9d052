/*
 * hist.c: fixed-bin, sparse, mergeable latency histograms; see hist.h for
 * the bins and their error bound.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "report/hist.h"

/* See hist.h. */
uint32_t
hist_bin_of(uint64_t ms)
{
	unsigned	 k;

	if (ms < HIST_EXACT)
		return ((uint32_t)ms);
	if (ms >= HIST_MAX)
		return (HIST_BINS - 1);
	k = 63 - (unsigned)__builtin_clzll(ms);		/* 8 .. 23 */
	return ((uint32_t)(HIST_EXACT + (k - 8) * HIST_SUB +
	    ((ms >> (k - 7)) - HIST_SUB)));
}

/* See hist.h. */
uint64_t
hist_bin_low(uint32_t bin)
{
	unsigned	 k, sub;

	if (bin < HIST_EXACT)
		return (bin);
	if (bin >= HIST_BINS - 1)
		return (HIST_MAX);
	k = 8 + (bin - HIST_EXACT) / HIST_SUB;
	sub = (bin - HIST_EXACT) % HIST_SUB;
	return ((uint64_t)(HIST_SUB + sub) << (k - 7));
}

/* The index of bin in h, or where it goes (binary search). */
static size_t
hist_find(const struct hist *h, uint32_t bin)
{
	size_t	 lo = 0, hi = h->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (h->b[mid].bin < bin)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* See hist.h. */
int
hist_add(struct hist *h, uint32_t bin, uint64_t n)
{
	struct hist_bin	*nb;
	size_t		 i, cap;

	if (n == 0)
		return (0);
	if (bin >= HIST_BINS)
		bin = HIST_BINS - 1;
	i = hist_find(h, bin);
	if (i < h->n && h->b[i].bin == bin) {
		h->b[i].n += n;
		h->count += n;
		return (0);
	}
	if (h->n == h->cap) {
		cap = h->cap == 0 ? 8 : h->cap * 2;
		if ((nb = reallocarray(h->b, cap, sizeof(*nb))) == NULL)
			return (-1);
		h->b = nb;
		h->cap = cap;
	}
	memmove(&h->b[i + 1], &h->b[i], (h->n - i) * sizeof(h->b[0]));
	h->b[i].bin = bin;
	h->b[i].n = n;
	h->n++;
	h->count += n;
	return (0);
}

/* See hist.h. */
int
hist_merge(struct hist *dst, const struct hist *src)
{
	size_t	 i;

	for (i = 0; i < src->n; i++)
		if (hist_add(dst, src->b[i].bin, src->b[i].n) == -1)
			return (-1);
	return (0);
}

/* See hist.h. */
uint64_t
hist_quantile(const struct hist *h, unsigned permille)
{
	uint64_t	 rank, seen = 0;
	size_t		 i;

	if (h->count == 0)
		return (0);
	if (permille > 1000)
		permille = 1000;
	/* ceil(count * permille / 1000), at least 1 */
	rank = (h->count * permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < h->n; i++) {
		seen += h->b[i].n;
		if (seen >= rank)
			return (hist_bin_low(h->b[i].bin));
	}
	return (hist_bin_low(h->b[h->n - 1].bin));
}

/* See hist.h. */
void
hist_cleanup(struct hist *h)
{
	free(h->b);
	memset(h, 0, sizeof(*h));
}
