/* Unit tests of lib/release/meter.c. */
#include "meter.h"
#include "tap.h"

int
main(void)
{
	char b[128];

	meter_size(b, sizeof(b), 512);
	is_str(b, "512B", "bytes");
	meter_size(b, sizeof(b), 1536);
	is_str(b, "1.5KiB", "KiB");
	meter_size(b, sizeof(b), 3.0 * 1024 * 1024 * 1024);
	is_str(b, "3.0GiB", "GiB");
	meter_format(b, sizeof(b), 1024 * 1024, 4 * 1024 * 1024, 2);
	is_str(b, "1.0MiB of 4.0MiB   25%  512.0KiB/s  0:06 left",
	    "done, total, rate, time left");
	meter_format(b, sizeof(b), 1024, 1024L * 1024 * 1024 * 1024, 1);
	is_str(b, "1.0KiB of 1.0TiB    0%  1.0KiB/s  298261:37:03 left",
	    "hours");
	meter_format(b, sizeof(b), 100, 100, 0);
	is_str(b, "100B of 100B  100%  0B/s", "no rate yet: no time left");
	meter_format(b, sizeof(b), 2048, 0, 2);
	is_str(b, "2.0KiB  1.0KiB/s", "total unknown");
	return tap_done();
}
