/* Unit tests of lib/release/packjob.c: what is held, passed, and named. */
#include <sys/utsname.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "packjob.h"
#include "tap.h"

static int
feed(struct packjob *j, const char *line, struct bb_error *err)
{
	struct record r;
	int rv;

	record_init(&r);
	if (record_parse(&r, line, strlen(line), err) == -1)
		rv = -2;
	else
		rv = packjob_feed(j, &r, line, strlen(line), err);
	record_free(&r);
	return rv;
}

int
main(void)
{
	struct packjob j;
	struct bb_error err;
	struct utsname u;
	char name[300], want[300], os[sizeof(u.sysname)];
	size_t i;

	uname(&u);
	for (i = 0; u.sysname[i] != '\0'; i++)
		os[i] = (char)tolower((unsigned char)u.sysname[i]);
	os[i] = '\0';

	packjob_init(&j);
	is_int(feed(&j, "job id=7 name=jn", &err), PACKJOB_PASS, "job passes");
	is_int(feed(&j, "recipe name=rn", &err), PACKJOB_PASS, "recipe");
	is_int(feed(&j, "env name=VERSION value=3.1", &err), PACKJOB_PASS,
	    "env");
	is_int(feed(&j, "env name=OTHER value=x", &err), PACKJOB_PASS, "env");
	is_int(feed(&j, "workdir path=/w", &err), PACKJOB_PASS, "workdir");
	is_int(feed(&j, "log step=a fd=1 t=1 data=x", &err), PACKJOB_PASS,
	    "log");
	is_int(feed(&j, "artifact path=d/a name=a", &err), PACKJOB_HOLD,
	    "artifact held");
	is_int(feed(&j, "sig path=d/a.sig of=d/a", &err), PACKJOB_HOLD,
	    "sig held");
	is_int(feed(&j, "whatever x=1", &err), PACKJOB_PASS, "unknown type");
	ok(j.held.n == 2 && strcmp(j.held.v[1].line, "sig path=d/a.sig of=d/a")
	    == 0 && j.npaths == 2 && strcmp(j.paths[0], "d/a") == 0,
	    "lines and paths kept");
	is_str(j.job, "7", "job id");
	is_str(j.recipe, "rn", "recipe name");
	is_str(j.version, "3.1", "VERSION");
	is_str(j.workdir, "/w", "workdir");
	is_int(feed(&j, "done result=success started=99", &err), PACKJOB_DONE,
	    "done");
	is_int(j.started, 99, "started");
	is_int(feed(&j, "artifact name=x", &err), -1, "artifact without path");
	is_str(err.msg, "artifact record without a path", "said");
	is_int(feed(&j, "done started=x", &err), -1, "bad started");
	is_int(feed(&j, "job id=8", &err), PACKJOB_FLUSH,
	    "a new job with records held: flush");
	ok(j.recipe == NULL && j.version == NULL && j.started == -1,
	    "the old job is forgotten");
	packjob_clear(&j);
	ok(j.held.n == 0 && j.npaths == 0, "cleared");
	packjob_free(&j);

	ok(packjob_name(NULL, "n", "1", "7", NULL, 0, PACK_TGZ, name, sizeof(name),
	    &err) == 0, "default name");
	snprintf(want, sizeof(want), "n-1-%s-%s.tar.gz", os, u.machine);
	is_str(name, want, "with a version");
	ok(packjob_name(NULL, "n", NULL, "7", NULL, 0, PACK_TZST, name, sizeof(name),
	    &err) == -1 && err.code == EX_USAGE,
	    "no version: packjob_archive_name makes one");
	ok(packjob_name("{name}-{job}", "n", NULL, "7", NULL, 0, PACK_ZIP,
	    name, sizeof(name), &err) == 0 && strcmp(name, "n-7.zip") == 0,
	    "{job}");
	ok(packjob_name("{job}", "n", NULL, NULL, NULL, 0, PACK_ZIP, name,
	    sizeof(name), &err) == -1 && err.code == EX_USAGE, "{job} unknown");
	ok(packjob_name("{name}", NULL, NULL, NULL, NULL, 0, PACK_ZIP, name,
	    sizeof(name), &err) == -1, "{name} unknown");
	is_int(feed(&j, "env name=PROFILE value=dev", &err), PACKJOB_PASS,
	    "PROFILE");
	is_str(j.profile, "dev", "kept");
	/* A job of a matrix: its axes name its archive. */
	is_int(feed(&j, "matrix name=CC values=clang", &err), PACKJOB_PASS,
	    "a matrix record passes");
	is_int(feed(&j, "matrix name=arch values=aarch64", &err),
	    PACKJOB_PASS, "an arch axis");
	is_int(feed(&j, "matrix name=OPT values=O0,O2", &err), PACKJOB_PASS,
	    "an axis of several values (not a job's) is not kept");
	is_int((long long)j.naxes, 2, "two axes kept");
	ok(packjob_name(NULL, "n", "1", NULL, j.axes, j.naxes, PACK_TGZ, name,
	    sizeof(name), &err) == 0, "default name of a matrix job");
	snprintf(want, sizeof(want), "n-1-%s-aarch64-clang.tar.gz", os);
	is_str(name, want, "the axes in it, arch the axis's");
	ok(packjob_name("{name}_{CC}", "n", "1", NULL, j.axes, j.naxes,
	    PACK_ZIP, name, sizeof(name), &err) == 0 &&
	    strcmp(name, "n_clang.zip") == 0, "{CC} in a template: %s", name);
	ok(packjob_name("{name}_{OPT}", "n", "1", NULL, j.axes, j.naxes,
	    PACK_ZIP, name, sizeof(name), &err) == -1 &&
	    strstr(err.msg, "{OPT}") != NULL, "an axis it has not: %s",
	    err.msg);
	is_int(feed(&j, "job id=9", &err), PACKJOB_PASS, "a new job");
	is_int((long long)j.naxes, 0, "forgets the axes");
	packjob_free(&j);
	return tap_done();
}
