/* Unit tests of lib/release/profile.c: release and dev versions. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "profile.h"
#include "tap.h"

/* Versions that "exist", space-separated, for taken(). */
static const char *there;
static int asked;

static int
taken(void *arg, const char *v, struct bb_error *err)
{
	char w[64];

	(void)arg;
	(void)err;
	asked++;
	(void)snprintf(w, sizeof(w), " %s ", v);
	return strstr(there, w) != NULL;
}

static const char *
version(enum profile p, time_t t, const char *exist)
{
	static char out[PROFILE_VERSION_MAX + 1];
	static struct bb_error e;

	there = exist;
	asked = 0;
	if (profile_version(p, t, taken, NULL, out, sizeof(out), &e) == -1)
		return e.msg;
	return out;
}

int
main(void)
{
	struct bb_error e;
	enum profile p;

	ok(profile_parse("release", &p, &e) == 0 && p == PROFILE_RELEASE &&
	    profile_parse("dev", &p, &e) == 0 && p == PROFILE_DEV,
	    "release and dev");
	ok(profile_parse("Dev", &p, &e) == -1 && e.code == EX_USAGE,
	    "nothing else: %s", e.msg);
	is_str(profile_name(PROFILE_DEV), "dev", "names");

	ok(profile_check(PROFILE_RELEASE, "1.2.3", &e) == 0 &&
	    profile_check(PROFILE_DEV, "dev-1", &e) == 0 &&
	    profile_check(PROFILE_RELEASE, "devel-1", &e) == 0,
	    "versions each takes");
	ok(profile_check(PROFILE_RELEASE, "dev-20261204-101010", &e) == -1 &&
	    e.code == EX_USAGE && strstr(e.msg, "a release refuses a dev- "
	    "version") != NULL, "a release refuses dev-: %s", e.msg);
	ok(profile_check(PROFILE_DEV, "a/b", &e) == -1 &&
	    profile_check(PROFILE_DEV, "a\nb", &e) == -1 &&
	    profile_check(PROFILE_DEV, "", &e) == -1,
	    "no slash, control byte, or empty version");

	/* 1700000000 is 2023-11-14T22:13:20Z. */
	is_str(version(PROFILE_RELEASE, 1700000000, " "), "2023.11.14",
	    "the first release of a day: the date");
	is_int(asked, PROFILE_COUNT_MAX + 1, "every count looked at");
	is_str(version(PROFILE_RELEASE, 1700000000, " 2023.11.14 "),
	    "2023.11.14.1", "the second: .1");
	is_str(version(PROFILE_RELEASE, 1700000000,
	    " 2023.11.14 2023.11.14.1 2023.11.14.7 "), "2023.11.14.8",
	    "one more than the highest there");
	is_str(version(PROFILE_RELEASE, 1700000000, " 2023.11.13.4 "),
	    "2023.11.14", "another day counts on its own");
	is_str(version(PROFILE_RELEASE, 1700000000, " 2023.11.14.999 "),
	    "2023.11.14.999 exists: no version left for the day",
	    "at most .999 a day");
	is_str(version(PROFILE_DEV, 1700000000, " "), "dev-20231114-221320",
	    "dev: dev-YYYYMMDD-HHMMSS");
	is_int(asked, 0, "which nothing already there changes");
	return tap_done();
}
