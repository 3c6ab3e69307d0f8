/*
 * Unit tests of lib/hub/hubdb_job.c: matching caps, claims from the
 * queue, leases and their fencing, expiry, undelivered claims, declines,
 * abandoned attempts and cancels.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hubauth.h"
#include "hubdb_test.h"

/* Appends "id:require," to the buffer arg. */
static int
list_queued(void *arg, long long id, const char *require)
{
	char *s = arg;
	size_t n = strlen(s);

	(void)snprintf(s + n, 256 - n, "%lld:%s,", id, require);
	return 0;
}

/* The job whose number arg points to is busy: its lease is not ended. */
static int
busy(void *arg, long long id)
{
	return id == *(long long *)arg;
}

/* Appends "attempt N: END RESULT;" of each attempt to the buffer arg. */
static int
list_attempts(void *arg, const struct record *r)
{
	char *s = arg;
	size_t n = strlen(s);

	if (record_is(r, "attempt"))
		(void)snprintf(s + n, 256 - n, "%s: %s %s;", record_get(r, "n"),
		    record_get(r, "end"), record_get(r, "result") ?
		    record_get(r, "result") : "");
	else if (record_is(r, "job") && record_get(r, "reason") != NULL)
		(void)snprintf(s + n, 256 - n, "%s;", record_get(r, "reason"));
	return 0;
}

/* Returns "REASON;1: END RESULT;..." of job id. */
static const char *
attempts_of(long long id)
{
	static char s[256];

	s[0] = '\0';
	(void)hubdb_job(h, id, list_attempts, s, &err);
	return s;
}

int
main(void)
{
	struct hubdb_abandoned ab;
	char lj2[64], l1[64], l2[64], hex[DIGEST_HEXLEN + 1], list[256];
	char res[16];
	struct record job;
	struct buf *recipe = buf_new(1 << 20);
	struct hubdb_ack ack;
	long long j1, j2, j3, j4, j5, j6, j7, n, expired;
	off_t size;
	int attempt;

	ok(hubdb_caps_match("", ""), "nothing required");
	ok(hubdb_caps_match("linux,cc", "cc,x86_64,linux"), "a subset");
	ok(!hubdb_caps_match("linux,docker", "linux,cc"), "not a subset");
	ok(!hubdb_caps_match("lin", "linux"), "whole names only");
	ok(!hubdb_caps_match("linux", ""), "no caps");

	db_setup();
	ok(worker("w1", "linux,cc", "T1", 2000) == HUB_OK &&
	    worker("w2", "linux,docker", "T2", 2000) == HUB_OK, "two workers");

	/* Claims. */
	j1 = submit("require linux docker\nstep a: true\n");
	j2 = submit("job two\nrequire linux\nstep a: true\n");
	ok(j1 == 1 && j2 == 2, "two jobs");
	list[0] = '\0';
	ok(hubdb_queued(h, list_queued, list, &err) == 0, "the queue");
	is_str(list, "1:linux,docker,2:linux,", "  oldest first, with require");
	is_int(claim("w1", "linux", 5000, lj2), j2,
	    "the oldest job w1 can run");
	is_str(job_state(j2), "running/1", "running, attempt 1");
	is_int(claim("w1", "linux", 5000, l2), 0, "nothing more for w1");
	record_init(&job);
	is_int(hubdb_claim(h, "w2", "linux,docker", j2, 5000, TTL, &job,
	    recipe, &err), HUB_NONE, "a claim of a running job: none");
	is_int(claim("w2", "linux,docker", 5000, l2), j1, "w2 takes job 1");
	list[0] = '\0';
	ok(hubdb_queued(h, list_queued, list, &err) == 0 && list[0] == '\0',
	    "the queue is empty");

	/* Leases: checked, renewed. */
	ok(hubdb_lease(h, j2, lj2, "w1", 6000, 0, hex, &size, &err) ==
	    HUB_OK && strcmp(hex, "ab") == 0 && size == 10,
	    "the lease holds; the source");
	is_int(hubdb_lease(h, j2, l2, "w1", 6000, 0, NULL, NULL, &err),
	    HUB_STALE, "another job's lease is stale");
	ok(err.code == EX_DATAERR, "  %s", err.msg);
	is_int(hubdb_lease(h, j2, lj2, "w2", 6000, 0, NULL, NULL, &err),
	    HUB_STALE, "another worker with the lease: stale");
	is_int(hubdb_lease(h, 99, lj2, "w1", 6000, 0, NULL, NULL, &err),
	    HUB_NOTFOUND, "no job 99");
	is_int(hubdb_lease(h, j2, lj2, "w1", 7000, TTL, NULL, NULL, &err),
	    HUB_OK, "renew job 2's lease");

	/* Expiry and fencing. */
	expired = 0;
	ok(hubdb_next_expiry(h, &n, &err) == 0 && n == 5000 + TTL,
	    "the next lease end");
	ok(hubdb_expire(h, 5000 + TTL + 1, 2, no_busy, NULL, &expired, &err) ==
	    0 && expired == 1, "w2's lease runs out");
	is_str(job_state(j1), "queued/1", "job 1 is queued again");
	is_str(job_state(j2), "running/1", "job 2 was renewed: running");
	ok(hubdb_next_expiry(h, &n, &err) == 0 && n == 7000 + TTL,
	    "the next lease end is job 2's");
	sha256_hex("", 0, hex);
	is_int(hubdb_finish(h, j2, lj2, "w1", "failure", NULL, 0, hex, 16000,
	    &attempt, res, NULL, NULL, &err), HUB_OK, "job 2 ends");
	is_int(events(j1, l2, "w2", 20000, "", &ack), HUB_STALE,
	    "the old lease is refused");
	is_int(claim("w2", "linux,docker", 20000, l1), j1, "claimed again");
	is_str(job_state(j1), "running/2", "attempt 2");
	ok(hubdb_expire(h, 20000 + TTL + 1, 2, no_busy, NULL, &expired, &err) ==
	    0 && expired == 2, "runs out again");
	is_str(job_state(j1), "error/2", "after 2 of 2: error");

	/* Undelivered claims, declines, cancel. */
	j3 = submit("require linux\nstep a: true\n");
	is_int(claim("w1", "linux", 30000, l1), j3, "claimed");
	is_int(hubdb_unclaim(h, j3, l1, &err), HUB_OK, "undone");
	is_str(job_state(j3), "queued/0", "as if never claimed");
	is_int(hubdb_unclaim(h, j3, l1, &err), HUB_STALE, "undone once");
	is_int(claim("w1", "linux", 30000, l1), j3, "claimed again");
	is_int(hubdb_declined(h, j3, "w1", &err), 0, "w1 did not decline it");
	is_int(hubdb_decline(h, j3, l1, "w1", "no", 30000, &err), HUB_OK,
	    "declined");
	is_str(job_state(j3), "queued/1", "queued again");
	is_int(hubdb_decline(h, j3, l1, "w1", "no", 30000, &err), HUB_OK,
	    "declined again: the same");
	is_int(hubdb_declined(h, j3, "w1", &err), 1, "w1 declined it");
	is_int(claim("w1", "linux", 30000, l2), 0, "not offered to w1 again");
	is_int(claim("w2", "linux", 30000, l2), j3, "w2 gets it");
	is_int(hubdb_decline(h, j3, l1, "w1", "no", 30000, &err), HUB_OK,
	    "declined again after w2 took it: still the same");
	is_int(events(j3, l2, "w2", 30000, "log seq=1\n", &ack), HUB_OK, "ev");
	is_int(hubdb_unclaim(h, j3, l2, &err), HUB_STALE,
	    "a claim that reported is not undone");
	is_int(hubdb_cancel(h, j3, 31000, &err), HUB_OK, "cancel");
	is_int(events(j3, l2, "w2", 31000, "log seq=2\n", &ack), HUB_CANCELLED,
	    "the next report: cancelled");
	is_int(hubdb_lease(h, j3, l2, "w2", 31000, 0, NULL, NULL, &err),
	    HUB_CANCELLED, "the lease: cancelled");
	is_int(hubdb_cancel(h, j3, 31000, &err), HUB_OK, "cancel again");
	is_int(hubdb_cancel(h, j2, 31000, &err), HUB_CONFLICT,
	    "cancel a finished job: conflict");
	ok(err.code == EX_DATAERR && strstr(err.msg, "(failure)") != NULL,
	    "  %s", err.msg);
	is_int(hubdb_cancel(h, j1, 31000, &err), HUB_CONFLICT,
	    "cancel a job ended in error: conflict");
	is_int(hubdb_cancel(h, 99, 31000, &err), HUB_NOTFOUND, "no job 99");
	j4 = submit("step a: true\n");
	is_int(hubdb_cancel(h, j4, 32000, &err), HUB_OK, "cancel a queued job");
	is_str(job_state(j4), "cancelled/0", "  it never ran");
	is_int(claim("w1", "linux", 32000, l1), 0, "  and is not offered");

	/* A claim of one job by its number: the record a worker gets. */
	j5 = submit("require linux\nstep a: true\n");
	j6 = submit("step a: true\n");
	is_int(hubdb_claim(h, "w1", "linux", j6, 40000, TTL, &job, recipe,
	    &err), HUB_OK, "w1 claims job 6 by its number");
	is_str(record_get(&job, "id"), "6", "  job 6, not the older job 5");
	is_str(record_get(&job, "name"), "job-6", "  a job with no name");
	is_str(record_get(&job, "attempt"), "1", "  attempt 1");
	is_str(record_get(&job, "sha256"), "ab", "  its source");
	is_str(record_get(&job, "size"), "10", "  and size");
	ok(record_get(&job, "lease") != NULL &&
	    strlen(record_get(&job, "lease")) == HUBAUTH_LEASE_LEN,
	    "  a new lease");
	is_str(recipe->data, "recipe\nstep name=a cmd=true\n",
	    "  and its recipe");
	record_free(&job);
	is_int(claim("w1", "linux", 40000, l1), j5, "and job 5");

	/* A busy job's lease does not run out; a restart renews them all. */
	expired = 0;
	ok(hubdb_expire(h, 40000 + TTL + 1, 3, busy, &j5, &expired, &err) ==
	    0 && expired == 1, "job 5 is busy: only job 6 runs out");
	is_str(job_state(j5), "running/1", "  job 5 runs on");
	is_str(job_state(j6), "queued/1", "  job 6 is queued again");
	ok(hubdb_refresh_leases(h, 60000, TTL, &err) == 0 &&
	    hubdb_next_expiry(h, &n, &err) == 0 && n == 60000 + TTL,
	    "refreshed leases end TTL from now");
	ok(hubdb_expire(h, 60000 + 1, 3, no_busy, NULL, &expired, &err) ==
	    0 && expired == 1, "  and do not run out before");
	is_int(hubdb_lease(h, j5, l1, "w1", 60000, 0, NULL, NULL, &err),
	    HUB_OK, "job 5's lease holds");
	is_int(hubdb_cancel(h, j5, 61000, &err), HUB_OK, "job 5 ends");
	ok(hubdb_next_expiry(h, &n, &err) == 0 && n == 0,
	    "no lease: no next end");

	/* Attempts a worker reports dead: queued again at once, fenced. */
	is_int(hubdb_cancel(h, j6, 69000, &err), HUB_OK, "job 6 ends");
	j7 = submit("step a: true\n");
	is_int(claim("w1", "linux", 70000, l1), j7, "w1 claims job 7");
	is_int(hubdb_abandon(h, j7, l1, "w2", "x", 70000, 2, &ab, &err),
	    HUB_STALE, "another worker cannot abandon it");
	is_int(hubdb_abandon(h, j7, l2, "w1", "x", 70000, 2, &ab, &err),
	    HUB_STALE, "nor another lease");
	is_int(hubdb_abandon(h, j7, l1, "w1", "worker restarted, attempt 1 "
	    "died", 71000, 2, &ab, &err), HUB_OK, "w1 abandons attempt 1");
	ok(ab.attempt == 1 && strcmp(ab.state, "queued") == 0 && !ab.again,
	    "  attempt 1, queued again");
	is_str(job_state(j7), "queued/1", "  queued at once");
	is_str(attempts_of(j7), "1: abandoned worker restarted, attempt 1 "
	    "died;", "  the attempt says why");
	is_int(hubdb_abandon(h, j7, l1, "w1", "again", 71000, 2, &ab, &err),
	    HUB_OK, "abandoned again: taken");
	ok(ab.attempt == 1 && strcmp(ab.state, "queued") == 0 && ab.again,
	    "  attempt 1, queued, said before");
	is_str(attempts_of(j7), "1: abandoned worker restarted, attempt 1 "
	    "died;", "  and nothing changes");
	is_int(claim("w2", "linux", 72000, l2), j7, "w2 claims attempt 2");
	is_int(hubdb_abandon(h, j7, l1, "w1", "x", 72000, 2, &ab, &err),
	    HUB_OK, "w1's late call again: taken");
	ok(ab.attempt == 1 && strcmp(ab.state, "running") == 0 && ab.again,
	    "  attempt 1; the job runs now");
	is_str(job_state(j7), "running/2", "  w2's attempt runs on");
	is_int(hubdb_lease(h, j7, l2, "w2", 72000, 0, NULL, NULL, &err),
	    HUB_OK, "  under its lease");
	is_int(hubdb_abandon(h, j7, l2, "w2", NULL, 73000, 2, &ab, &err),
	    HUB_OK, "w2 abandons the last attempt");
	ok(ab.attempt == 2 && strcmp(ab.state, "error") == 0,
	    "  attempt 2: the job ends in error");
	is_str(attempts_of(j7), "abandoned on attempt 2 of 2: abandoned by its "
	    "worker;1: abandoned worker restarted, attempt 1 died;2: abandoned "
	    "abandoned by its worker;", "  with the reason");
	is_int(claim("w1", "linux", 74000, l1), 0, "  and is not offered");
	j7 = submit("step a: true\n");
	is_int(claim("w1", "linux", 75000, l1), j7, "a job claimed");
	is_int(hubdb_cancel(h, j7, 75000, &err), HUB_OK, "  and cancelled");
	is_int(hubdb_abandon(h, j7, l1, "w1", "x", 75000, 2, &ab, &err),
	    HUB_CANCELLED, "  abandoning it: cancelled");

	buf_free(recipe);
	db_teardown();
	return tap_done();
}
