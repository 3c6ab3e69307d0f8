#include <sys/statvfs.h>

#include <libutil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "disk.h"

int
disk_free(const char *path, struct disk_free *df, struct bb_error *err)
{
	struct statvfs sv;
	unsigned long long b;

	if (statvfs(path, &sv) == -1) {
		bb_error_errno(err, EX_IOERR, "statvfs %s", path);
		return -1;
	}
	b = (unsigned long long)sv.f_bavail * sv.f_frsize;
	if (sv.f_frsize != 0 && b / sv.f_frsize != sv.f_bavail)
		b = INT64_MAX;
	df->bytes = b > INT64_MAX ? INT64_MAX : (long long)b;
	if (sv.f_files == 0)
		df->inodes = -1;
	else
		df->inodes = sv.f_favail > INT64_MAX ? INT64_MAX :
		    (long long)sv.f_favail;
	return 0;
}

void
disk_format(long long n, char *out, size_t len)
{
	char b[8];

	/* Five bytes: three digits or "1.4", a unit, the NUL. */
	if (humanize_number(b, 5, n, "", HN_AUTOSCALE,
	    HN_B | HN_NOSPACE | HN_DECIMAL) == -1)
		(void)snprintf(b, sizeof(b), "?");
	(void)snprintf(out, len, "%s", b);
}

int
disk_check(const char *path, long long min_bytes, long long min_inodes,
    char *why, size_t len, struct bb_error *err)
{
	struct disk_free df;
	char have[8], want[8];

	if (disk_free(path, &df, err) == -1)
		return -1;
	if (df.bytes < min_bytes) {
		disk_format(df.bytes, have, sizeof(have));
		disk_format(min_bytes, want, sizeof(want));
		(void)snprintf(why, len, "%s free under %s, at least %s wanted",
		    have, path, want);
		return 0;
	}
	if (df.inodes != -1 && df.inodes < min_inodes) {
		(void)snprintf(why, len, "%lld free inodes under %s, at least "
		    "%lld wanted", df.inodes, path, min_inodes);
		return 0;
	}
	return 1;
}
