/* Unit tests of lib/duration.c. */
#include <string.h>
#include <time.h>

#include "duration.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		const char *s;
		long long want;		/* -1: refused */
	} t[] = {
		{ "90s", 90 }, { "10m", 600 }, { "2h", 7200 }, { "1d", 86400 },
		{ "1h30m", 5400 }, { "1m5s", 65 }, { "45", 45 }, { "0s", 0 },
		{ "", -1 }, { "s", -1 }, { "10x", -1 }, { "5m1h", -1 },
		{ "1h1h", -1 }, { "-5s", -1 }, { "1.5h", -1 }, { "1h 2m", -1 },
		{ "1m30", -1 }, { "367d", -1 }, { "99999999999999999999s", -1 },
	};
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct bb_error err;
	long long v, t0, t1;
	char buf[32];
	size_t i;

	for (i = 0; i < nitems(t); i++) {
		v = -1;
		int rv = duration_parse(t[i].s, 0, DURATION_MAX, &v, &err);
		if (t[i].want == -1)
			ok(rv == -1 && strstr(err.msg, t[i].s) != NULL,
			    "refuses \"%s\": %s", t[i].s, err.msg);
		else
			ok(rv == 0 && v == t[i].want, "\"%s\" is %llds",
			    t[i].s, t[i].want);
	}
	ok(duration_parse("0s", 1, 10, &v, &err) == -1 &&
	    strstr(err.msg, "out of range") != NULL, "range checked");
	duration_format(5400, buf, sizeof(buf));
	is_str(buf, "1h30m", "format 5400");
	duration_format(90061, buf, sizeof(buf));
	is_str(buf, "1d1h1m1s", "format 90061");
	duration_format(0, buf, sizeof(buf));
	is_str(buf, "0s", "format 0");
	duration_format(90061, buf, 4);
	ok(strlen(buf) < 4, "format truncates safely");

	t0 = duration_now_ms();
	(void)nanosleep(&pause, NULL);
	t1 = duration_now_ms();
	ok(t0 > 0 && t1 - t0 >= 20 && t1 - t0 < 60 * 1000,
	    "duration_now_ms: milliseconds that go on (%lld after a 20 ms "
	    "sleep)", t1 - t0);
	return tap_done();
}
