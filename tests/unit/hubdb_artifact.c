/*
 * Unit tests of lib/hub/hubdb_artifact.c: artifacts recorded under a
 * lease, each name once with one digest, found again by attempt; a
 * job's source.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hubdb_test.h"

int
main(void)
{
	char l1[64], l2[64], hex[DIGEST_HEXLEN + 1];
	long long j3, n;
	off_t size;

	db_setup();
	ok(worker("w1", "linux", "T1", 2000) == HUB_OK &&
	    worker("w2", "linux", "T2", 2000) == HUB_OK, "two workers");
	j3 = submit("require linux\nstep a: true\n");
	is_int(claim("w2", "linux", 30000, l2), j3, "w2 runs a job");

	is_int(hubdb_artifact(h, j3, l2, "w2", "a.bin", "hex1", 5, 30000, TTL,
	    &err), HUB_OK, "an artifact");
	is_int(hubdb_artifact(h, j3, l2, "w2", "a.bin", "hex1", 5, 30000, TTL,
	    &err), HUB_SAME, "the same again");
	is_int(hubdb_artifact(h, j3, l2, "w2", "a.bin", "hex2", 5, 30000, TTL,
	    &err), HUB_EXISTS, "another one of that name");
	ok(err.code == EX_DATAERR && strstr(err.msg, "\"a.bin\" is stored "
	    "with another digest") != NULL, "  %s", err.msg);
	ok(hubdb_artifact_find(h, j3, "a.bin", 0, hex, &size, &err) ==
	    HUB_OK && strcmp(hex, "hex1") == 0 && size == 5, "found");
	is_int(hubdb_artifact(h, j3, l2, "w1", "b.bin", "hex3", 7, 30000, TTL,
	    &err), HUB_STALE, "another worker with the lease: stale");
	is_int(hubdb_artifact(h, 99, l2, "w2", "b.bin", "hex3", 7, 30000, TTL,
	    &err), HUB_NOTFOUND, "no job 99");
	ok(hubdb_next_expiry(h, &n, &err) == 0 && n == 30000 + TTL,
	    "the lease ends TTL after the claim");
	is_int(hubdb_artifact(h, j3, l2, "w2", "b.bin", "hex3", 7, 31000, TTL,
	    &err), HUB_OK, "a second artifact");
	ok(hubdb_next_expiry(h, &n, &err) == 0 && n == 31000 + TTL,
	    "  renews the lease");

	/* A second attempt has artifacts of its own. */
	n = 0;
	ok(hubdb_expire(h, 31000 + TTL + 1, 3, no_busy, NULL, &n, &err) == 0 &&
	    n == 1, "the lease runs out");
	is_int(claim("w1", "linux", 50000, l1), j3, "w1 runs it again");
	is_int(hubdb_artifact(h, j3, l1, "w1", "a.bin", "hex4", 9, 50000, TTL,
	    &err), HUB_OK, "a.bin of attempt 2, another digest");
	ok(hubdb_artifact_find(h, j3, "a.bin", 0, hex, &size, &err) ==
	    HUB_OK && strcmp(hex, "hex4") == 0 && size == 9,
	    "found: the last attempt's");
	ok(hubdb_artifact_find(h, j3, "a.bin", 1, hex, &size, &err) ==
	    HUB_OK && strcmp(hex, "hex1") == 0 && size == 5,
	    "found: attempt 1's");
	ok(hubdb_artifact_find(h, j3, "b.bin", 0, hex, &size, &err) ==
	    HUB_OK && strcmp(hex, "hex3") == 0,
	    "b.bin: of the last attempt that has one");
	is_int(hubdb_artifact_find(h, j3, "b.bin", 2, hex, &size, &err),
	    HUB_NOTFOUND, "b.bin of attempt 2: none");
	ok(err.code == EX_DATAERR && strcmp(err.msg,
	    "job 1 has no artifact \"b.bin\"") == 0, "  %s", err.msg);
	is_int(hubdb_artifact_find(h, 99, "a.bin", 0, hex, &size, &err),
	    HUB_NOTFOUND, "no job 99");

	/* The job's source, for an admin download. */
	ok(hubdb_source(h, j3, hex, &size, &err) == HUB_OK &&
	    strcmp(hex, "ab") == 0 && size == 10, "the job's source");
	is_int(hubdb_source(h, 99, hex, &size, &err), HUB_NOTFOUND,
	    "no job 99");
	ok(err.code == EX_DATAERR && strcmp(err.msg, "no job 99") == 0,
	    "  %s", err.msg);

	/* After the job, no more artifacts. */
	is_int(hubdb_cancel(h, j3, 51000, &err), HUB_OK, "cancel");
	is_int(hubdb_artifact(h, j3, l1, "w1", "c.bin", "hex5", 1, 51000, TTL,
	    &err), HUB_CANCELLED, "an artifact after: cancelled");
	is_int(hubdb_artifact_find(h, j3, "c.bin", 0, hex, &size, &err),
	    HUB_NOTFOUND, "  not recorded");

	db_teardown();
	return tap_done();
}
