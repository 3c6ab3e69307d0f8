/*
 * Unit tests of lib/hub/hubdb_worker.c: workers, their kept secrets,
 * hellos and sessions; removing a worker ends its sessions and requeues
 * its jobs.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hubdb_test.h"

int
main(void)
{
	char buf[256], l1[64];
	struct hubdb_session sess;
	struct hubdb_hello hello = { "1", "Linux", "x86_64", "linux,cc", 2,
	    "info name=host value=h1\n", 24 };
	long long j3, n;

	db_setup();

	/* Workers and sessions. */
	is_int(hubdb_worker_add(h, "w1", "HASH", 1000, &err), HUB_OK, "add");
	is_int(hubdb_worker_add(h, "w1", "HASH", 1000, &err), HUB_EXISTS,
	    "add twice");
	ok(err.code == EX_DATAERR && strcmp(err.msg,
	    "worker w1 exists already") == 0, "  says so: %s", err.msg);
	is_int(hubdb_worker_add(h, "w2", "HASH2", 1000, &err), HUB_OK, "w2");
	is_int(hubdb_worker_secret(h, "w1", buf, sizeof(buf), &err), HUB_OK,
	    "the kept hash");
	is_str(buf, "HASH", "is what was given");
	is_int(hubdb_worker_secret(h, "nobody", buf, sizeof(buf), &err),
	    HUB_NOTFOUND, "no such worker");
	is_int(hubdb_hello(h, "w1", &hello, "T1", 2000, &err), HUB_OK, "hello");
	is_int(hubdb_hello(h, "nobody", &hello, "T9", 2000, &err),
	    HUB_NOTFOUND, "hello of an unknown worker");
	ok(err.code == EX_NOPERM, "  is refused: %s", err.msg);
	is_int(hubdb_session(h, "T1", 3000, 60000, &sess, &err), HUB_OK,
	    "the session");
	is_str(sess.worker, "w1", "its worker");
	is_str(sess.caps, "linux,cc", "its caps");
	is_int(hubdb_session(h, "T2", 3000, 60000, &sess, &err), HUB_UNAUTH,
	    "an unknown token");
	ok(err.code == EX_NOPERM && strcmp(err.msg, "unknown session") == 0,
	    "  %s", err.msg);
	is_int(hubdb_session(h, "T1", 100000, 60000, &sess, &err), HUB_UNAUTH,
	    "an idle session ends");
	ok(err.code == EX_NOPERM && strcmp(err.msg, "session ended") == 0,
	    "  %s", err.msg);
	is_int(hubdb_hello(h, "w2", &hello, "T2", 2000, &err), HUB_OK, "w2");

	/* Using a session keeps it: idle counts from the last use. */
	is_int(hubdb_session(h, "T2", 50000, 60000, &sess, &err), HUB_OK,
	    "w2's session, used");
	is_int(hubdb_session(h, "T2", 100000, 60000, &sess, &err), HUB_OK,
	    "is alive 60 s after its hello");

	/* Purging ends the idle sessions only. */
	is_int(hubdb_hello(h, "w1", &hello, "T3", 95000, &err), HUB_OK,
	    "w1 says hello again");
	ok(hubdb_purge_sessions(h, 100000, 60000, &err) == 0, "purge");
	is_int(hubdb_session(h, "T1", 100000, 1000000, &sess, &err),
	    HUB_UNAUTH, "the idle session is gone");
	is_int(hubdb_session(h, "T3", 100000, 60000, &sess, &err), HUB_OK,
	    "the new one is kept");

	/* Removing a worker requeues its jobs. */
	j3 = submit("require linux\nstep a: true\n");
	is_int(claim("w1", "linux", 100000, l1), j3, "w1 runs a job");
	is_int(hubdb_worker_remove(h, "w1", 100000, &n, &err), HUB_OK,
	    "remove w1");
	is_int(n, 1, "one job requeued");
	is_str(job_state(j3), "queued/1", "queued again");
	is_int(hubdb_session(h, "T3", 100000, 60000, &sess, &err), HUB_UNAUTH,
	    "w1's sessions ended");
	is_int(hubdb_worker_secret(h, "w1", buf, sizeof(buf), &err),
	    HUB_NOTFOUND, "w1 is gone");
	is_int(hubdb_worker_remove(h, "w1", 100000, &n, &err), HUB_NOTFOUND,
	    "remove it again");
	ok(err.code == EX_DATAERR && strcmp(err.msg, "no worker w1") == 0,
	    "  %s", err.msg);
	is_int(hubdb_session(h, "T2", 100000, 60000, &sess, &err), HUB_OK,
	    "w2's session lives on");

	db_teardown();
	return tap_done();
}
