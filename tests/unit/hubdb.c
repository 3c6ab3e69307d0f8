/* Unit tests of lib/hub/hubdb.c: jobs, leases, fencing, events, finish. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "digest.h"
#include "hubdb.h"
#include "tap.h"

#define TTL	10000

static struct hubdb *h;
static struct bb_error err;

static long long
submit(const char *text)
{
	struct recipe *rc;
	long long id = 0;

	if (recipe_parse(text, strlen(text), "t", &rc, &err) == -1)
		return 0;
	if (hubdb_submit(h, rc, "ab", 10, 0, 1000, &id, &err) != HUB_OK)
		id = 0;
	recipe_free(rc);
	return id;
}

/* Claims for worker with caps: returns the job and puts its lease. */
static long long
claim(const char *worker, const char *caps, long long now, char *lease)
{
	struct record job;
	struct buf *b = buf_new(1 << 20);
	long long id = 0;

	record_init(&job);
	if (hubdb_claim(h, worker, caps, 0, now, TTL, &job, b, &err) ==
	    HUB_OK) {
		(void)record_get_num(&job, "id", 1, 1000, &id, NULL);
		(void)strlcpy(lease, record_get(&job, "lease"), 64);
	}
	record_free(&job);
	buf_free(b);
	return id;
}

static int
events(long long id, const char *lease, const char *worker, long long now,
    const char *lines, struct hubdb_ack *ack)
{
	struct hubdb_event ev[16];
	struct record r;
	const char *p = lines, *nl;
	size_t n = 0;
	int rv;

	record_init(&r);
	while ((nl = strchr(p, '\n')) != NULL && n < 16) {
		(void)record_parse(&r, p, (size_t)(nl - p), NULL);
		(void)record_get_num(&r, "seq", 1, HUBDB_SEQ_MAX, &ev[n].seq,
		    NULL);
		ev[n].type = p;
		ev[n].typelen = strlen(r.type);
		ev[n].line = p;
		ev[n].len = (size_t)(nl - p);
		n++;
		p = nl + 1;
	}
	record_free(&r);
	rv = hubdb_events(h, id, lease, worker, ev, n, now, TTL, ack, &err);
	return rv;
}

static int
get_state(void *arg, const struct record *r)
{
	char *s = arg;

	if (record_is(r, "job"))
		(void)snprintf(s, 64, "%s/%s", record_get(r, "state"),
		    record_get(r, "attempt"));
	return 0;
}

static const char *
job_state(long long id)
{
	static char s[64];

	s[0] = '\0';
	(void)hubdb_job(h, id, get_state, s, &err);
	return s;
}

static int
no_busy(void *arg, long long id)
{
	(void)arg;
	(void)id;
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", path[256], l1[64], l2[64];
	char res[16], sha[DIGEST_HEXLEN + 1];
	struct hubdb *other;
	struct hubdb_session sess;
	struct hubdb_hello hello = { "1", "Linux", "x86_64", "linux,cc", 2,
	    "info name=host value=h1\n", 24 };
	struct hubdb_ack ack;
	struct buf *have = buf_new(HUBDB_RANGES_MAX + 64);
	struct buf *missing = buf_new(HUBDB_RANGES_MAX + 64);
	long long j1, j2, j3, n, expired;
	int attempt;

	ok(hubdb_caps_match("", ""), "nothing required");
	ok(hubdb_caps_match("linux,cc", "cc,x86_64,linux"), "a subset");
	ok(!hubdb_caps_match("linux,docker", "linux,cc"), "not a subset");
	ok(!hubdb_caps_match("lin", "linux"), "whole names only");
	ok(!hubdb_caps_match("linux", ""), "no caps");

	ok(mkdtemp(dir) != NULL, "tmp");
	(void)snprintf(path, sizeof(path), "%s/hub.db", dir);
	ok(hubdb_create(path, &err) == 0, "create");
	ok(hubdb_create(path, &err) == -1 && err.code == EX_CANTCREAT,
	    "not over an existing one");
	ok(hubdb_open(path, &h, &err) == 0, "open");
	ok(hubdb_open(path, &other, &err) == 0, "a second connection");
	ok(!hubdb_changed(h), "nothing changed yet");

	/* Workers and sessions. */
	is_int(hubdb_worker_add(h, "w1", "HASH", 1000, &err), HUB_OK, "add");
	is_int(hubdb_worker_add(h, "w1", "HASH", 1000, &err), HUB_EXISTS,
	    "add twice");
	is_int(hubdb_worker_add(h, "w2", "HASH2", 1000, &err), HUB_OK, "w2");
	is_int(hubdb_worker_secret(h, "w1", path, sizeof(path), &err), HUB_OK,
	    "the kept hash");
	is_str(path, "HASH", "is what was given");
	is_int(hubdb_worker_secret(h, "nobody", path, sizeof(path), &err),
	    HUB_NOTFOUND, "no such worker");
	is_int(hubdb_hello(h, "w1", &hello, "T1", 2000, &err), HUB_OK, "hello");
	is_int(hubdb_hello(h, "nobody", &hello, "T9", 2000, &err),
	    HUB_NOTFOUND, "hello of an unknown worker");
	is_int(hubdb_session(h, "T1", 3000, 60000, &sess, &err), HUB_OK,
	    "the session");
	is_str(sess.worker, "w1", "its worker");
	is_str(sess.caps, "linux,cc", "its caps");
	is_int(hubdb_session(h, "T2", 3000, 60000, &sess, &err), HUB_UNAUTH,
	    "an unknown token");
	is_int(hubdb_session(h, "T1", 100000, 60000, &sess, &err), HUB_UNAUTH,
	    "an idle session ends");
	is_int(hubdb_hello(h, "w2", &hello, "T2", 2000, &err), HUB_OK, "w2");

	/* Claims. */
	j1 = submit("require linux docker\nstep a: true\n");
	j2 = submit("job two\nrequire linux\nstep a: true\n");
	ok(j1 == 1 && j2 == 2, "two jobs");
	ok(hubdb_changed(other), "the other connection sees the change");
	ok(!hubdb_changed(other), "once");
	is_int(claim("w1", "linux", 5000, l1), j2, "the oldest job w1 can run");
	is_str(job_state(j2), "running/1", "running, attempt 1");
	is_int(claim("w1", "linux", 5000, l2), 0, "nothing more for w1");
	is_int(claim("w2", "linux,docker", 5000, l2), j1, "w2 takes job 1");

	/* Events, stored once. */
	is_int(events(j2, l1, "w1", 6000, "log data=a seq=1\nlog data=b seq=2\n",
	    &ack), HUB_OK, "events");
	ok(ack.stored == 2 && ack.dup == 0 && ack.upto == 2, "2 stored");
	is_int(events(j2, l1, "w1", 6000, "log data=a seq=1\nlog data=X seq=4\n",
	    &ack), HUB_OK, "again, with a gap");
	ok(ack.stored == 1 && ack.dup == 1 && ack.upto == 2, "1 new, 1 dup, "
	    "upto 2");
	is_int(events(j2, l1, "w2", 6000, "log seq=5\n", &ack), HUB_STALE,
	    "another worker with the lease: stale");
	is_int(events(99, l1, "w1", 6000, "", &ack), HUB_NOTFOUND, "no job 99");

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
	{
		struct digest *d = digest_new();

		digest_update(d, "log data=a seq=1\nlog data=b seq=2\n"
		    "log data=c seq=3\nlog data=X seq=4\n", 68);
		digest_final_hex(d, sha);
		digest_free(d);
	}
	is_int(hubdb_finish(h, j2, l1, "w1", "failure", "r", 4, sha, 7000,
	    &attempt, res, have, missing, &err), HUB_OK, "finish");
	is_str(res, "failure", "result");
	is_str(job_state(j2), "failure/1", "the job ended");
	is_int(hubdb_finish(h, j2, l1, "w1", "success", NULL, 4, sha, 8000,
	    &attempt, res, have, missing, &err), HUB_OK, "finish again");
	is_str(res, "failure", "gives the first result");
	is_int(events(j2, l1, "w1", 8000, "log seq=9\n", &ack), HUB_FINISHED,
	    "events after: finished");

	/* Expiry and fencing. */
	expired = 0;
	ok(hubdb_next_expiry(h, &n, &err) == 0 && n == 5000 + TTL,
	    "the next lease end");
	ok(hubdb_expire(h, 5000 + TTL + 1, 2, no_busy, NULL, &expired, &err) ==
	    0 && expired == 1, "w2's lease runs out");
	is_str(job_state(j1), "queued/1", "job 1 is queued again");
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
	is_int(claim("w1", "linux", 30000, l1), j3, "claimed again");
	is_int(hubdb_decline(h, j3, l1, "w1", "no", 30000, &err), HUB_OK,
	    "declined");
	is_int(hubdb_decline(h, j3, l1, "w1", "no", 30000, &err), HUB_OK,
	    "declined again: the same");
	is_int(hubdb_declined(h, j3, "w1", &err), 1, "w1 declined it");
	is_int(claim("w1", "linux", 30000, l2), 0, "not offered to w1 again");
	is_int(claim("w2", "linux", 30000, l2), j3, "w2 gets it");
	is_int(events(j3, l2, "w2", 30000, "log seq=1\n", &ack), HUB_OK, "ev");
	is_int(hubdb_unclaim(h, j3, l2, &err), HUB_STALE,
	    "a claim that reported is not undone");
	is_int(hubdb_artifact(h, j3, l2, "w2", "a.bin", "hex1", 5, 30000, TTL,
	    &err), HUB_OK, "an artifact");
	is_int(hubdb_artifact(h, j3, l2, "w2", "a.bin", "hex1", 5, 30000, TTL,
	    &err), HUB_SAME, "the same again");
	is_int(hubdb_artifact(h, j3, l2, "w2", "a.bin", "hex2", 5, 30000, TTL,
	    &err), HUB_EXISTS, "another one of that name");
	ok(hubdb_artifact_find(h, j3, "a.bin", 0, sha, (off_t *)&n, &err) ==
	    HUB_OK && strcmp(sha, "hex1") == 0 && n == 5, "found");
	is_int(hubdb_cancel(h, j3, 31000, &err), HUB_OK, "cancel");
	is_int(events(j3, l2, "w2", 31000, "log seq=2\n", &ack), HUB_CANCELLED,
	    "the next report: cancelled");
	is_int(hubdb_cancel(h, j3, 31000, &err), HUB_OK, "cancel again");
	is_int(hubdb_cancel(h, j2, 31000, &err), HUB_CONFLICT,
	    "cancel a finished job: conflict");
	is_int(hubdb_cancel(h, 99, 31000, &err), HUB_NOTFOUND, "no job 99");

	/* Removing a worker requeues its jobs. */
	j3 = submit("require linux\nstep a: true\n");
	is_int(claim("w1", "linux", 40000, l1), j3, "w1 runs a job");
	is_int(hubdb_worker_remove(h, "w1", 40000, &n, &err), HUB_OK,
	    "remove w1");
	is_int(n, 1, "one job requeued");
	is_str(job_state(j3), "queued/1", "queued again");
	is_int(hubdb_session(h, "T1", 40000, 60000, &sess, &err), HUB_UNAUTH,
	    "w1's sessions ended");
	is_int(hubdb_worker_remove(h, "w1", 40000, &n, &err), HUB_NOTFOUND,
	    "remove it again");

	hubdb_close(other);
	hubdb_close(h);
	buf_free(have);
	buf_free(missing);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
	return tap_done();
}
