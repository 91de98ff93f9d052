/*
 * hist.h: mergeable latency histograms for the /ops/ overview, in whole
 * milliseconds (nginx's $request_time and $upstream_response_time have
 * millisecond resolution).
 *
 * The bins are fixed, so two histograms of the same route (two minutes, two
 * hours, or two report runs) merge by adding counts, and a percentile over
 * a day is computed from the day's merged counts, never from averages of
 * averages. Values below HIST_EXACT ms have a bin each: exact. Above, each
 * power of two [2^k, 2^(k+1)) is cut into HIST_SUB bins of width
 * 2^(k-7): a value is reported as its bin's lowest value, so a reported
 * percentile v means the true one lies in [v, v + v/128), an error below
 * 0.8 %, and a value that is a multiple of its bin's width is exact (300,
 * 500, 1000, 2000, 4000 ms are; 3000 ms is reported as 2992). Values of HIST_MAX ms and more share the last
 * bin (they are reported as HIST_MAX).
 *
 * A histogram is sparse (only the bins that hold a count), sorted by bin:
 * a minute of one route rarely holds more than a few dozen distinct values.
 */
#ifndef LIB_REPORT_HIST_H
#define LIB_REPORT_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_EXACT	256		/* ms below which every value is a bin */
#define HIST_SUB	128		/* bins per power of two above */
#define HIST_MAXBITS	24		/* values from 2^24 ms (4.6 h) share a bin */
#define HIST_MAX	(1ULL << HIST_MAXBITS)
#define HIST_BINS	(HIST_EXACT + (HIST_MAXBITS - 8) * HIST_SUB + 1)

struct hist_bin {
	uint32_t	 bin;		/* hist_bin_of() of the values */
	uint64_t	 n;		/* how many */
};

struct hist {
	struct hist_bin	*b;		/* owned, sorted by bin */
	size_t		 n;		/* bins in use */
	size_t		 cap;		/* bins allocated */
	uint64_t	 count;		/* sum of the counts */
};

/* The bin of a value in ms. */
uint32_t	hist_bin_of(uint64_t ms);
/* The lowest value of a bin, in ms (what percentiles report). */
uint64_t	hist_bin_low(uint32_t bin);
/* Adds n values of bin. 0, or -1 when out of memory (h unchanged). */
int		hist_add(struct hist *, uint32_t bin, uint64_t n);
/* Adds src's counts to dst. 0, or -1 when out of memory. */
int		hist_merge(struct hist *dst, const struct hist *src);
/*
 * The nearest-rank percentile (permille: 500 = p50, 990 = p99): the lowest
 * value v such that at least ceil(count * permille / 1000) values are <= v,
 * as hist_bin_low() of its bin. 0 for an empty histogram.
 */
uint64_t	hist_quantile(const struct hist *, unsigned permille);
/* Frees the bins; the histogram is empty again. */
void		hist_cleanup(struct hist *);

#endif
