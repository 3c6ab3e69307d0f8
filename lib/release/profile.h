/*
 * Release profiles and their versions.  A build is a release (the
 * default) or a dev build.  A release without a version gets one from the
 * date, counting up for the same name, os and arch (2026.12.04, then
 * 2026.12.04.1, ...) by what already exists where the archives go; a dev
 * build gets dev-YYYYMMDD-HHMMSS.  A release refuses a dev- version.
 */
#ifndef BB_PROFILE_H
#define BB_PROFILE_H

#include <stddef.h>
#include <time.h>

#include "error.h"

enum profile {
	PROFILE_RELEASE,
	PROFILE_DEV
};

#define PROFILE_DEV_PREFIX	"dev-"
#define PROFILE_VERSION_MAX	128	/* longest version */
#define PROFILE_COUNT_MAX	999	/* most releases a day: .999 */

/* Parses "release" or "dev".  Returns 0, or -1 (EX_USAGE). */
int	profile_parse(const char *, enum profile *, struct bb_error *);

/* Returns "release" or "dev". */
const char	*profile_name(enum profile);

/*
 * Checks a version for a profile: 1 to PROFILE_VERSION_MAX bytes that
 * can be part of a file name (no '/', no control byte); a release
 * refuses one that starts with "dev-".  Returns 0, or -1 (EX_USAGE).
 */
int	profile_check(enum profile, const char *, struct bb_error *);

/*
 * Puts in out (len bytes, PROFILE_VERSION_MAX + 1 is enough) the version
 * of a build without one at time t, in UTC: for dev "dev-YYYYMMDD-HHMMSS";
 * for a release "YYYY.MM.DD", or if taken(arg, version) says that one
 * exists, "YYYY.MM.DD.N" with N one more than the highest that exists.
 * taken returns 1 if an archive of that version exists, 0 if not, -1 on
 * an error it put in err.  Returns 0 or -1.
 */
int	profile_version(enum profile, time_t, int (*)(void *, const char *,
	    struct bb_error *), void *, char *, size_t, struct bb_error *);

#endif
