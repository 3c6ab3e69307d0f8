/*
 * The Prometheus text of /metrics (exposition format 0.0.4): a writer
 * that puts each family's HELP and TYPE lines before its samples and
 * quotes label values, and the histogram of build durations that the
 * hub keeps in memory (it starts empty with the hub, as a counter does).
 *
 * The rules the writer keeps: names [a-zA-Z_:][a-zA-Z0-9_:]*, counters
 * end in _total, a family is written once with all its samples
 * together, a histogram has cumulative _bucket samples up to le="+Inf",
 * then _sum and _count.  The caller writes each family once.
 */
#ifndef BB_HUBMETRICS_H
#define BB_HUBMETRICS_H

#include "buf.h"

#define HUBMETRICS_BOUNDS	13	/* a histogram's buckets, but +Inf */

/* The upper bounds of the buckets of a build duration, in seconds. */
extern const double	hubmetrics_bounds[HUBMETRICS_BOUNDS];

struct hubmetrics_hist {
	unsigned long long	n[HUBMETRICS_BOUNDS + 1];	/* a bucket */
	unsigned long long	count;
	double			sum;
};

/* Counts one observation of secs seconds into h. */
void	hubmetrics_observe(struct hubmetrics_hist *, double);

/*
 * Appends the HELP and TYPE lines of family name (type "counter",
 * "gauge" or "histogram").  Returns 0 or -1 (b is full).
 */
int	hubmetrics_family(struct buf *, const char *, const char *,
	    const char *);

/*
 * Appends a sample of name with value v: with one label (key, value
 * quoted as the format says) when key is not NULL.  Returns 0 or -1.
 */
int	hubmetrics_sample(struct buf *, const char *, const char *,
	    const char *, unsigned long long);

/*
 * Appends the samples of histogram name (its family written before):
 * name_bucket for each bound and +Inf, name_sum, name_count, each with
 * the label key=value when key is not NULL.  Returns 0 or -1.
 */
int	hubmetrics_hist(struct buf *, const char *, const char *,
	    const char *, const struct hubmetrics_hist *);

#endif
