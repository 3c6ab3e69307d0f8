/* Unit tests of lib/worker/disk.c. */
#include <stdint.h>
#include <string.h>
#include <sysexits.h>

#include "disk.h"
#include "tap.h"

int
main(void)
{
	struct bb_error err;
	struct disk_free df;
	char why[256], s[16];
	int r;

	r = disk_free("/", &df, &err);
	ok(r == 0 && df.bytes > 0, "free bytes of /: %lld", df.bytes);
	ok(df.inodes == -1 || df.inodes > 0, "free inodes of /: %lld",
	    df.inodes);
	ok(disk_free("/nonexistent/x", &df, &err) == -1 &&
	    err.code == EX_IOERR && strstr(err.msg, "/nonexistent/x") != NULL,
	    "a missing path: %s", err.msg);
	r = disk_check("/", 1, 1, why, sizeof(why), &err);
	is_int(r, 1, "one byte and one inode are free");
	r = disk_check("/", INT64_MAX, 0, why, sizeof(why), &err);
	is_int(r, 0, "not 8 EiB free");
	ok(strstr(why, "free under /, at least 8.0E wanted") != NULL,
	    "why: %s", why);
	if (df.inodes != -1) {
		r = disk_check("/", 0, INT64_MAX, why, sizeof(why), &err);
		ok(r == 0 && strstr(why, "free inodes under /") != NULL,
		    "inodes: %s", why);
	} else
		ok(1, "# SKIP / does not count inodes");
	disk_format(1073741824LL, s, sizeof(s));
	is_str(s, "1.0G", "1 GiB");
	disk_format(536870912LL, s, sizeof(s));
	is_str(s, "512M", "512 MiB");
	disk_format(100, s, sizeof(s));
	is_str(s, "100B", "100 bytes");
	return tap_done();
}
