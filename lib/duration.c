#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "duration.h"

int
duration_parse(const char *s, long long min, long long max, long long *out,
    struct bb_error *err)
{
	static const char units[] = "dhms";
	static const long long mult[] = { 86400, 3600, 60, 1 };
	const char *p = s, *u;
	long long total = 0, n;
	int last = -1, k;

	if (*p == '\0')
		goto bad;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			goto bad;
		for (n = 0; isdigit((unsigned char)*p); p++) {
			n = n * 10 + (*p - '0');
			if (n > DURATION_MAX)
				goto range;
		}
		if (*p == '\0') {
			/* A bare number: seconds, and only on its own. */
			if (last != -1)
				goto bad;
			total = n;
			break;
		}
		if ((u = strchr(units, *p)) == NULL)
			goto bad;
		k = (int)(u - units);
		if (k <= last)
			goto bad;	/* units in order, each once */
		last = k;
		total += n * mult[k];
		if (total > DURATION_MAX)
			goto range;
		p++;
	}
	if (total < min || total > max)
		goto range;
	*out = total;
	return 0;
bad:
	bb_error_set(err, EX_DATAERR,
	    "bad duration \"%.40s\" (expected e.g. 90s, 10m, 2h, 1h30m)", s);
	return -1;
range:
	bb_error_set(err, EX_DATAERR,
	    "duration \"%.40s\" out of range (%llds to %llds)", s, min, max);
	return -1;
}

void
duration_format(long long secs, char *dst, size_t len)
{
	static const char units[] = "dhms";
	static const long long mult[] = { 86400, 3600, 60, 1 };
	size_t n = 0;
	int k, r;

	if (len == 0)
		return;
	dst[0] = '\0';
	if (secs <= 0) {
		(void)snprintf(dst, len, "0s");
		return;
	}
	for (k = 0; k < 4 && n < len; k++) {
		if (secs / mult[k] == 0)
			continue;
		r = snprintf(dst + n, len - n, "%lld%c", secs / mult[k],
		    units[k]);
		if (r < 0 || (size_t)r >= len - n)
			return;
		n += (size_t)r;
		secs %= mult[k];
	}
}

long long
duration_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
