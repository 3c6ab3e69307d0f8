/*
 * Unit tests of lib/hub/hubdb_log.c: records stored once under a lease,
 * finish (missing ranges, digest, a repeated finish), the log read back.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hubdb_test.h"

/* Appends "SEQ:LINE|" to the buffer arg. */
static int
log_line(void *arg, long long seq, const char *line, size_t len)
{
	char *s = arg;
	size_t n = strlen(s);

	(void)snprintf(s + n, 512 - n, "%lld:%.*s|", seq, (int)len, line);
	return 0;
}

static int
log_fail(void *arg, long long seq, const char *line, size_t len)
{
	(void)arg;
	(void)seq;
	(void)line;
	(void)len;
	return -1;
}

int
main(void)
{
	char l1[64], l2[64], res[16], sha[DIGEST_HEXLEN + 1], text[512];
	struct hubdb_ack ack;
	struct buf *have = buf_new(HUBDB_RANGES_MAX + 64);
	struct buf *missing = buf_new(HUBDB_RANGES_MAX + 64);
	long long j2, j5, n;
	int attempt;

	ok(hubdb_valid_result("success") && hubdb_valid_result("failure") &&
	    hubdb_valid_result("timeout") && hubdb_valid_result("cancelled") &&
	    hubdb_valid_result("error"), "the five results");
	ok(!hubdb_valid_result("") && !hubdb_valid_result("queued") &&
	    !hubdb_valid_result("Success"), "and nothing else");

	db_setup();
	ok(worker("w1", "linux", "T1", 2000) == HUB_OK &&
	    worker("w2", "linux", "T2", 2000) == HUB_OK, "two workers");
	j2 = submit("job two\nrequire linux\nstep a: true\n");
	is_int(claim("w1", "linux", 5000, l1), j2, "w1 runs a job");

	/* Events, stored once. */
	is_int(events(j2, l1, "w1", 6000,
	    "log data=a seq=1\nlog data=b seq=2\n", &ack), HUB_OK, "events");
	ok(ack.stored == 2 && ack.dup == 0 && ack.upto == 2, "2 stored");
	is_int(events(j2, l1, "w1", 6000,
	    "log data=a seq=1\nlog data=X seq=4\n", &ack), HUB_OK,
	    "again, with a gap");
	ok(ack.stored == 1 && ack.dup == 1 && ack.upto == 2, "1 new, 1 dup, "
	    "upto 2");
	is_int(events(j2, l1, "w2", 6000, "log seq=5\n", &ack), HUB_STALE,
	    "another worker with the lease: stale");
	is_int(events(99, l1, "w1", 6000, "", &ack), HUB_NOTFOUND, "no job 99");

	/* The log as held so far, in order of sequence number. */
	text[0] = '\0';
	n = 0;
	is_int(hubdb_log(h, j2, &n, 0, 0, log_line, text, &err), HUB_OK,
	    "the log");
	is_int(n, 1, "  of the last attempt, 1");
	is_str(text, "1:log data=a seq=1|2:log data=b seq=2|4:log data=X "
	    "seq=4|", "  every line held");
	text[0] = '\0';
	is_int(hubdb_log(h, j2, &n, 1, 2, log_line, text, &err), HUB_OK,
	    "after 1, at most 2");
	is_str(text, "2:log data=b seq=2|4:log data=X seq=4|", "  two lines");
	text[0] = '\0';
	n = 2;
	is_int(hubdb_log(h, j2, &n, 0, 0, log_line, text, &err), HUB_OK,
	    "of an attempt that never ran");
	is_str(text, "", "  nothing");
	n = 0;
	is_int(hubdb_log(h, 99, &n, 0, 0, log_line, text, &err), HUB_NOTFOUND,
	    "no job 99");
	ok(err.code == EX_DATAERR && strcmp(err.msg, "no job 99") == 0,
	    "  %s", err.msg);
	is_int(hubdb_log(h, j2, &n, 0, 0, log_fail, NULL, &err), -1,
	    "a reader that fails");
	ok(err.code == EX_IOERR, "  EX_IOERR: %s", err.msg);

	/* Finish. */
	is_int(hubdb_finish(h, j2, l1, "w1", "success", NULL, 4, "00", 7000,
	    &attempt, res, have, missing, &err), HUB_INCOMPLETE, "incomplete");
	is_str(have->data, "1-2,4", "have");
	is_str(missing->data, "3", "missing");
	is_int(events(j2, l1, "w1", 6000, "log data=c seq=3\n", &ack), HUB_OK,
	    "the missing one");
	is_int(ack.upto, 4, "upto 4");
	is_int(hubdb_finish(h, j2, l1, "w1", "success", NULL, 4, "00", 7000,
	    &attempt, res, have, missing, &err), HUB_MISMATCH, "bad digest");
	sha256_hex("log data=a seq=1\nlog data=b seq=2\n"
	    "log data=c seq=3\nlog data=X seq=4\n", 68, sha);
	is_int(hubdb_finish(h, j2, l1, "w1", "failure", "r", 4, sha, 7000,
	    &attempt, res, have, missing, &err), HUB_OK, "finish");
	is_str(res, "failure", "result");
	is_int(attempt, 1, "of attempt 1");
	is_str(job_state(j2), "failure/1", "the job ended");
	is_int(hubdb_finish(h, j2, l1, "w1", "success", NULL, 4, sha, 8000,
	    &attempt, res, have, missing, &err), HUB_OK, "finish again");
	is_str(res, "failure", "gives the first result");
	is_int(events(j2, l1, "w1", 8000, "log seq=9\n", &ack), HUB_FINISHED,
	    "events after: finished");

	/* Records after the last one are dropped at finish. */
	j5 = submit("require linux\nstep a: true\n");
	is_int(claim("w2", "linux", 9000, l2), j5, "w2 runs a job");
	is_int(events(j5, l2, "w2", 9000, "log seq=1\nlog seq=2\nlog seq=3\n",
	    &ack), HUB_OK, "three records");
	sha256_hex("log seq=1\nlog seq=2\n", 20, sha);
	is_int(hubdb_finish(h, j5, l2, "w2", "success", NULL, 2, sha, 9500,
	    &attempt, res, have, missing, &err), HUB_OK,
	    "finish at the second");
	text[0] = '\0';
	n = 0;
	ok(hubdb_log(h, j5, &n, 0, 0, log_line, text, &err) == HUB_OK &&
	    strcmp(text, "1:log seq=1|2:log seq=2|") == 0,
	    "the log ends at the last record: %s", text);
	buf_reset(have);
	buf_reset(missing);
	is_int(hubdb_finish(h, j5, l2, "w2", "success", NULL, 2, "00", 9600,
	    &attempt, res, have, missing, &err), HUB_OK,
	    "a repeated finish is not checked again");
	is_str(res, "success", "  the result");

	db_teardown();
	buf_free(have);
	buf_free(missing);
	return tap_done();
}
