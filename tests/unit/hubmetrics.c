/* Unit tests of lib/hub/hubmetrics.c: families, samples, histograms. */
#include <stdio.h>
#include <string.h>

#include "hubmetrics.h"
#include "tap.h"

int
main(void)
{
	struct hubmetrics_hist h;
	struct buf *b = buf_new(1 << 16), *small = buf_new(8);

	ok(hubmetrics_family(b, "x_total", "counter", "Things.") == 0 &&
	    strcmp(b->data, "# HELP x_total Things.\n"
	    "# TYPE x_total counter\n") == 0, "a family's HELP and TYPE");
	buf_reset(b);
	ok(hubmetrics_sample(b, "x_total", NULL, NULL, 42) == 0, "a sample");
	is_str(b->data, "x_total 42\n", "without labels");
	buf_reset(b);
	ok(hubmetrics_sample(b, "y", "k", "a\"b\\c\nd", 7) == 0,
	    "a labelled sample");
	is_str(b->data, "y{k=\"a\\\"b\\\\c\\nd\"} 7\n",
	    "its value quoted: \\, \" and newline escaped");
	ok(hubmetrics_sample(small, "long_name", NULL, NULL, 1) == -1,
	    "a full buffer says so");

	memset(&h, 0, sizeof(h));
	hubmetrics_observe(&h, 0.5);
	hubmetrics_observe(&h, 1);
	hubmetrics_observe(&h, 100);
	hubmetrics_observe(&h, 1e9);
	hubmetrics_observe(&h, -3);
	is_int(h.count, 5, "five observations");
	is_int(h.n[0], 3, "three up to 1 s (a negative one as 0)");
	is_int(h.n[HUBMETRICS_BOUNDS], 1, "one over the last bound");
	buf_reset(b);
	ok(hubmetrics_hist(b, "d", "result", "ok", &h) == 0, "a histogram");
	ok(strstr(b->data, "d_bucket{result=\"ok\",le=\"1\"} 3\n") != NULL,
	    "the first bucket");
	ok(strstr(b->data, "d_bucket{result=\"ok\",le=\"120\"} 4\n") != NULL,
	    "buckets are cumulative");
	ok(strstr(b->data, "d_bucket{result=\"ok\",le=\"14400\"} 4\n") !=
	    NULL, "up to the last bound");
	ok(strstr(b->data, "d_bucket{result=\"ok\",le=\"+Inf\"} 5\n"
	    "d_sum{result=\"ok\"} 1000000101.500\n"
	    "d_count{result=\"ok\"} 5\n") != NULL, "+Inf, _sum and _count");
	buf_reset(b);
	memset(&h, 0, sizeof(h));
	ok(hubmetrics_hist(b, "e", NULL, NULL, &h) == 0 &&
	    strstr(b->data, "e_bucket{le=\"+Inf\"} 0\ne_sum 0.000\n"
	    "e_count 0\n") != NULL, "an empty one without labels");
	buf_free(b);
	buf_free(small);
	return tap_done();
}
