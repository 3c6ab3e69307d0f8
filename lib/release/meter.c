#include <stdio.h>

#include "meter.h"

void
meter_size(char *buf, size_t len, double n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB",
	    "TiB", "PiB" };
	size_t u = 0;

	while (n >= 1024 && u < sizeof(unit) / sizeof(unit[0]) - 1) {
		n /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, len, "%.0f%s", n, unit[u]);
	else
		(void)snprintf(buf, len, "%.1f%s", n, unit[u]);
}

void
meter_format(char *buf, size_t len, off_t done, off_t total, double secs)
{
	char d[32], t[32], r[32], left[32] = "";
	double rate = secs > 0 ? (double)done / secs : 0;
	long long s;

	meter_size(d, sizeof(d), (double)done);
	meter_size(t, sizeof(t), (double)total);
	meter_size(r, sizeof(r), rate);
	if (rate > 0 && total >= done) {
		s = (long long)((double)(total - done) / rate + 0.5);
		if (s >= 3600)
			(void)snprintf(left, sizeof(left),
			    "  %lld:%02lld:%02lld left", s / 3600, s / 60 % 60,
			    s % 60);
		else
			(void)snprintf(left, sizeof(left), "  %lld:%02lld left",
			    s / 60, s % 60);
	}
	if (total > 0)
		(void)snprintf(buf, len, "%s of %s  %3d%%  %s/s%s", d, t,
		    (int)(done >= total ? 100 : done * 100 / total), r, left);
	else
		(void)snprintf(buf, len, "%s  %s/s", d, r);
}
