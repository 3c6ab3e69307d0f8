#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "profile.h"

int
profile_parse(const char *s, enum profile *p, struct bb_error *err)
{
	if (strcmp(s, "release") == 0)
		*p = PROFILE_RELEASE;
	else if (strcmp(s, "dev") == 0)
		*p = PROFILE_DEV;
	else {
		bb_error_set(err, EX_USAGE, "profile %s: expected release or "
		    "dev", s);
		return -1;
	}
	return 0;
}

const char *
profile_name(enum profile p)
{
	return p == PROFILE_DEV ? "dev" : "release";
}

int
profile_check(enum profile p, const char *v, struct bb_error *err)
{
	size_t len = strlen(v), i;

	if (len == 0 || len > PROFILE_VERSION_MAX) {
		bb_error_set(err, EX_USAGE, "version \"%.*s\": 1 to %d bytes",
		    PROFILE_VERSION_MAX, v, PROFILE_VERSION_MAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (v[i] == '/' || (unsigned char)v[i] < 0x20 ||
		    v[i] == 0x7f) {
			bb_error_set(err, EX_USAGE, "version %s: no '/' or "
			    "control characters: it names files", v);
			return -1;
		}
	if (p == PROFILE_RELEASE && strncmp(v, PROFILE_DEV_PREFIX,
	    strlen(PROFILE_DEV_PREFIX)) == 0) {
		bb_error_set(err, EX_USAGE, "version %s: a release refuses a "
		    "dev- version (use the dev profile)", v);
		return -1;
	}
	return 0;
}

int
profile_version(enum profile p, time_t t, int (*taken)(void *, const char *,
    struct bb_error *), void *arg, char *out, size_t len,
    struct bb_error *err)
{
	char base[32], v[48];
	struct tm tm;
	int n, high = -1, r;

	if (gmtime_r(&t, &tm) == NULL) {
		bb_error_set(err, EX_USAGE, "%lld: not a time a version can "
		    "name", (long long)t);
		return -1;
	}
	if (p == PROFILE_DEV)
		(void)strftime(base, sizeof(base), PROFILE_DEV_PREFIX
		    "%Y%m%d-%H%M%S", &tm);
	else
		(void)strftime(base, sizeof(base), "%Y.%m.%d", &tm);
	for (n = 0; p == PROFILE_RELEASE && n <= PROFILE_COUNT_MAX; n++) {
		if (n == 0)
			(void)strlcpy(v, base, sizeof(v));
		else
			(void)snprintf(v, sizeof(v), "%s.%d", base, n);
		if ((r = taken(arg, v, err)) == -1)
			return -1;
		if (r == 1)
			high = n;
	}
	if (high == PROFILE_COUNT_MAX) {
		bb_error_set(err, EX_CANTCREAT, "%s.%d exists: no version "
		    "left for the day", base, PROFILE_COUNT_MAX);
		return -1;
	}
	if (high == -1)
		n = snprintf(out, len, "%s", base);
	else
		n = snprintf(out, len, "%s.%d", base, high + 1);
	if (n < 0 || (size_t)n >= len) {
		bb_error_set(err, EX_SOFTWARE, "version %s: too long", base);
		return -1;
	}
	return 0;
}
