/*
 * Unit tests of lib/hub/hubdb_show.c: workers, jobs, one job and the
 * counts of states as the records the admin API and the pages show.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hubdb_test.h"

/* Appends each record, encoded, to the buffer arg. */
static int
collect(void *arg, const struct record *r)
{
	return record_encode(r, arg, NULL);
}

static int
fail(void *arg, const struct record *r)
{
	(void)arg;
	(void)r;
	return -1;
}

/* Appends "STATE=N," to the buffer arg. */
static int
count(void *arg, const char *state, long long n)
{
	char *s = arg;
	size_t len = strlen(s);

	(void)snprintf(s + len, 256 - len, "%s=%lld,", state, n);
	return 0;
}

int
main(void)
{
	char l1[64], l2[64], sha[DIGEST_HEXLEN + 1], counts[256];
	struct buf *out = buf_new(1 << 20);
	struct hubdb_ack ack;
	static const char info[] = "info name=admin value=ops%40example.org\n"
	    "info name=cpu value=8\n"
	    "tool name=cc version=12\n";
	struct hubdb_hello hello = { "2", "Linux", "aarch64", "linux,arm", 4,
	    info, sizeof(info) - 1 };
	static const char steps[] = "status step=a state=started t=6 seq=1\n"
	    "log step=a fd=1 t=6 data=x seq=2\n"
	    "status step=a state=finished t=7 rc=0 seq=3\n"
	    "status step=b state=started t=7 seq=4\n"
	    "log step=b fd=1 t=7 data=y seq=5\n";
	struct hubdb_metrics stats;
	struct record st;
	long long j1, j2, j3, t0, t1;

	db_setup();
	ok(worker("w1", "linux", "T1", 2000) == HUB_OK, "w1");
	is_int(hubdb_worker_add(h, "w0", "H0", 1000, &err), HUB_OK,
	    "w0, never seen");
	is_int(hubdb_worker_add(h, "w2", "H2", 1000, &err), HUB_OK, "w2");
	is_int(hubdb_hello(h, "w2", &hello, "T2", 100000, &err), HUB_OK,
	    "  says hello");
	j1 = submit("job first\nrequire linux\nstep a: true\n");
	j2 = submit("require linux\nenv A=1\nstep a: true\nstep b: false\n");
	j3 = submit("require windows\nstep a: true\n");
	is_int(claim("w1", "linux", 5000, l1), j1, "w1 runs job 1");
	is_int(claim("w2", "linux", 100000, l2), j2, "w2 runs job 2");

	/* Workers, by name. */
	ok(hubdb_workers(h, 100000, 60000, collect, out, &err) == 0,
	    "the workers");
	is_str(out->data,
	    "worker name=w0 caps= slots=1 version= os= arch= last_seen=0 "
	    "connected=0 running=\n"
	    "worker name=w1 caps=linux slots=2 version=1 os=Linux "
	    "arch=x86_64 last_seen=2 connected=0 running=1 info.host=h1\n"
	    "worker name=w2 caps=linux,arm slots=4 version=2 os=Linux "
	    "arch=aarch64 last_seen=100 connected=1 running=2 "
	    "info.admin=ops@example.org tools=cc=12\n",
	    "  connected when seen in the window, with their running jobs and "
	    "the info people look for, and the tools' versions");
	is_int(hubdb_workers(h, 100000, 60000, fail, NULL, &err), -1,
	    "a reader that fails");
	ok(err.code == EX_IOERR, "  EX_IOERR: %s", err.msg);

	/* Jobs, newest first. */
	buf_reset(out);
	ok(hubdb_jobs(h, NULL, 100, collect, out, &err) == 0, "the jobs");
	is_str(out->data,
	    "job id=3 name=job-3 state=queued attempt=0 submitted=1 "
	    "require=windows source=ab size=10\n"
	    "job id=2 name=job-2 state=running attempt=1 worker=w2 "
	    "submitted=1 started=100 require=linux source=ab size=10\n"
	    "job id=1 name=first state=running attempt=1 worker=w1 "
	    "submitted=1 started=5 require=linux source=ab size=10\n",
	    "  each with its state");
	buf_reset(out);
	ok(hubdb_jobs(h, "running", 1, collect, out, &err) == 0 &&
	    strncmp(out->data, "job id=2 ", 9) == 0 &&
	    strchr(out->data, '\n') == out->data + out->len - 1,
	    "  in a state, at most 1");
	buf_reset(out);
	ok(hubdb_jobs(h, "success", 100, collect, out, &err) == 0 &&
	    out->len == 0, "  none in state success");

	/* The last status of a running job. */
	record_init(&st);
	is_int(hubdb_last_status(h, j2, &st, &err), HUB_NOTFOUND,
	    "job 2 has no status yet");
	ok(events(j1, l1, "w1", 6000, steps, &ack) == HUB_OK,
	    "job 1 reports steps");
	is_int(ack.bytes, strlen(steps), "  the bytes stored");
	is_int(hubdb_last_status(h, j1, &st, &err), HUB_OK,
	    "  its last status");
	ok(record_is(&st, "status") &&
	    strcmp(record_get(&st, "step"), "b") == 0 &&
	    strcmp(record_get(&st, "state"), "started") == 0,
	    "  step b started");
	record_free(&st);

	/* The times of an attempt. */
	is_int(hubdb_attempt_times(h, j2, l2, &t0, &t1, &err), HUB_OK,
	    "the times of job 2's attempt");
	ok(t0 == 100000 && t1 == 0, "  started, not ended");
	is_int(hubdb_attempt_times(h, j2, "nolease", &t0, &t1, &err),
	    HUB_NOTFOUND, "  none under another lease");

	/* One job: its record, its recipe, attempts and artifacts. */
	sha256_hex("log seq=1\n", 10, sha);
	ok(events(j2, l2, "w2", 101000, "log seq=1\n", &ack) == HUB_OK &&
	    hubdb_artifact(h, j2, l2, "w2", "out.tgz", "hex1", 5, 101000, TTL,
	    &err) == HUB_OK, "job 2 reports a record and an artifact");
	{
		char res[16];
		int attempt;

		is_int(hubdb_finish(h, j2, l2, "w2", "success", NULL, 1, sha,
		    102500, &attempt, res, NULL, NULL, &err), HUB_OK,
		    "  and ends");
	}
	ok(hubdb_attempt_times(h, j2, l2, &t0, &t1, &err) == HUB_OK &&
	    t0 == 100000 && t1 == 102500, "  the attempt's end");
	buf_reset(out);
	is_int(hubdb_job(h, j2, collect, out, &err), HUB_OK, "job 2");
	is_str(out->data,
	    "job id=2 name=job-2 state=success attempt=1 worker=w2 "
	    "submitted=1 started=100 finished=102 require=linux source=ab "
	    "size=10 elapsed=2.500\n"
	    "recipe require=linux\n"
	    "env name=A value=1\n"
	    "step name=a cmd=true\n"
	    "step name=b cmd=false\n"
	    "attempt n=1 worker=w2 started=100 ended=102 end=finished "
	    "result=success records=1\n"
	    "artifact attempt=1 name=out.tgz size=5 sha256=hex1\n",
	    "  its record, recipe, attempts and artifacts");
	is_int(hubdb_job(h, 99, collect, out, &err), HUB_NOTFOUND, "no job 99");
	ok(err.code == EX_DATAERR && strcmp(err.msg, "no job 99") == 0,
	    "  %s", err.msg);
	is_int(hubdb_job(h, j3, fail, NULL, &err), -1, "a reader that fails");

	/* How many jobs are in each state. */
	counts[0] = '\0';
	ok(hubdb_count(h, count, counts, &err) == 0, "the counts");
	is_str(counts, "queued=1,running=1,success=1,", "  by state");
	ok(hubdb_metrics(h, &stats, &err) == 0, "the figures of /metrics");
	is_int(stats.queued, 1, "  one queued job");
	is_int(stats.oldest, 1000, "  submitted at 1000");
	is_int(stats.log_bytes, strlen(steps) + 10, "  the bytes of the "
	    "records held");

	buf_free(out);
	db_teardown();
	return tap_done();
}
