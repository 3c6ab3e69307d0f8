/*
 * Unit tests of lib/hub/hubdb_gc.c: the jobs that retention lets go (by
 * name, age and pin; never queued or running ones), everything of them
 * removed, what still refers to a blob, the counters and the policy kept;
 * the log files that no attempt owns, found and removed.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hubdb_test.h"

#define DAY	(86400LL * 1000)
#define EMPTY	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define NOW	(100 * DAY)

/*
 * A job named name from source src, claimed by w1 and finished at time
 * end with one artifact (digest art) and one log record.  Returns its
 * id, or 0.
 */
static long long
build(const char *name, const char *src, const char *art, long long end)
{
	struct recipe *rc;
	struct hubdb_ack ack;
	struct buf *have = buf_new(1024), *missing = buf_new(1024);
	char text[128], lease[64], hex[DIGEST_HEXLEN + 1], res[16];
	const char *line = "log seq=1 data=hi";
	long long id = 0, got;
	int attempt, ok = 0;

	if (name != NULL)
		(void)snprintf(text, sizeof(text), "job %s\nstep a: true\n",
		    name);
	else
		(void)snprintf(text, sizeof(text), "step a: true\n");
	if (recipe_parse(text, strlen(text), "t", &rc, &err) == -1)
		return 0;
	if (hubdb_submit(h, rc, src, 10, 0, end - 2000, &id, &err) != HUB_OK)
		goto out;
	if ((got = claim("w1", "", end - 1000, lease)) != id)
		goto out;
	if (events(id, lease, "w1", end - 500, "log seq=1 data=hi\n", &ack) !=
	    HUB_OK || hubdb_artifact(h, id, lease, "w1", "out.txt", art, 3,
	    end - 400, TTL, &err) != HUB_OK)
		goto out;
	sha256_hex("log seq=1 data=hi\n", strlen(line) + 1, hex);
	ok = hubdb_finish(h, id, lease, "w1", "success", NULL, 1, hex, end,
	    &attempt, res, have, missing, &err) == HUB_OK;
out:
	recipe_free(rc);
	buf_free(have);
	buf_free(missing);
	return ok ? id : 0;
}

static int
no_blob(void *arg, const char *hex, struct bb_error *e)
{
	(void)e;
	(void)strlcpy(arg, hex, DIGEST_HEXLEN + 1);
	return 1;
}

/* Returns 1 if job id's first attempt has a log file. */
static int
has_log(long long id)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/logs/%lld.1", tdir, id);
	return access(path, F_OK) == 0;
}

/* Writes s to the file name in the log store.  0 or -1. */
static int
put_log(const char *name, const char *s)
{
	char path[512];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/logs/%s", tdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	(void)fputs(s, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

/*
 * The log files a walk of the store finds, as "JOB.N" in any order, and
 * whether job.n is among them.
 */
static int
walk_finds(long long job, long long n, int *count)
{
	struct hublog_walk *w;
	long long j, k, mtime;
	off_t size;
	int r, found = 0;

	*count = 0;
	if (hublog_walk_open(logs, &w, &err) == -1)
		return -1;
	while ((r = hublog_walk_next(w, &j, &k, &mtime, &size, &err)) == 1) {
		(*count)++;
		if (j == job && k == n && mtime > 0 && size == 7)
			found = 1;
	}
	hublog_walk_close(w);
	return r == -1 ? -1 : found;
}

static int
stat_line(void *arg, const char *name, long long n)
{
	struct buf *b = arg;

	return buf_addf(b, "%s=%lld ", name, n);
}

static const char *
src(char c)
{
	static char s[4][DIGEST_HEXLEN + 1];
	static int i;

	i = (i + 1) % 4;
	memset(s[i], c, DIGEST_HEXLEN);
	s[i][DIGEST_HEXLEN] = '\0';
	return s[i];
}

int
main(void)
{
	struct hubdb_policy p = { 1, 10 }, q;
	char seen[DIGEST_HEXLEN + 1];
	struct buf *b = buf_new(4096);
	long long a1, a2, a3, a4, b1, u1, u2, queued, running, n, bytes;
	char lease[64], name[64];
	int count;

	db_setup();
	ok(worker("w1", "", "T1", 1000) == HUB_OK, "a worker");

	/* Four builds of a, one of b, two without a name, all old. */
	a1 = build("a", src('1'), src('a'), NOW - 50 * DAY);
	a2 = build("a", src('2'), src('b'), NOW - 40 * DAY);
	a3 = build("a", src('3'), src('c'), NOW - 30 * DAY);
	a4 = build("a", src('4'), src('c'), NOW - 1 * DAY);
	b1 = build("b", src('5'), src('d'), NOW - 60 * DAY);
	u1 = build(NULL, src('6'), src('e'), NOW - 60 * DAY);
	u2 = build(NULL, src('7'), src('f'), NOW - 50 * DAY);
	ok(a1 && a2 && a3 && a4 && b1 && u1 && u2, "seven builds");
	running = submit("job old\nstep a: true\n");
	ok(running > 0 && claim("w1", "", 2000, lease) == running,
	    "a running job, submitted long ago");
	queued = submit("job a\nstep a: true\n");
	ok(queued > 0, "a queued job of a");

	is_int(hubdb_pin(h, a1, 1, &err), HUB_OK, "pin a1");
	is_int(hubdb_pin(h, 999, 1, &err), HUB_NOTFOUND, "pin an unknown job: "
	    "HUB_NOTFOUND");
	ok(strstr(err.msg, "no job 999") != NULL, "  %s", err.msg);

	/*
	 * Keep the newest build of each name and 10 days: a4 (newest, and
	 * young), b1 (newest of b), u2 (newest unnamed), a1 (pinned); a2,
	 * a3 and u1 go.
	 */
	ok(hubdb_expire_jobs(h, NOW, &p, 2, &n, &bytes, &err) == 0 && n == 2,
	    "at most 2 at a time: 2");
	ok(hubdb_expire_jobs(h, NOW, &p, 100, &n, &bytes, &err) == 0 &&
	    n == 1 && bytes == 18, "then the third, with its log's 18 bytes");
	ok(hubdb_expire_jobs(h, NOW, &p, 100, &n, &bytes, &err) == 0 && n == 0,
	    "then none");
	ok(strcmp(job_state(a2), "") == 0 && strcmp(job_state(a3), "") == 0 &&
	    strcmp(job_state(u1), "") == 0, "a2, a3 and u1 are gone");
	ok(!has_log(a2) && !has_log(a3) && !has_log(u1) && has_log(a1) &&
	    has_log(a4), "  their log files with them, the others' stay");
	ok(strcmp(job_state(a1), "success/1") == 0 &&
	    strcmp(job_state(a4), "success/1") == 0 &&
	    strcmp(job_state(b1), "success/1") == 0 &&
	    strcmp(job_state(u2), "success/1") == 0, "a1, a4, b1, u2 stay");
	ok(strcmp(job_state(queued), "queued/0") == 0 &&
	    strcmp(job_state(running), "running/1") == 0,
	    "queued and running jobs stay");

	/* What refers to a blob. */
	seen[0] = '\0';
	is_int(hubdb_blob_drop(h, src('2'), no_blob, seen, &err), 1,
	    "the source of a job that is gone: fn is called");
	is_str(seen, src('2'), "  with its digest");
	seen[0] = '\0';
	is_int(hubdb_blob_drop(h, src('b'), no_blob, seen, &err), 1,
	    "an artifact of a job that is gone: fn is called");
	seen[0] = '\0';
	is_int(hubdb_blob_drop(h, src('c'), no_blob, seen, &err), 0,
	    "an artifact a3 shared with a4, which stays: kept");
	is_int(hubdb_blob_drop(h, src('4'), no_blob, seen, &err), 0,
	    "a4's source: kept");
	is_int(hubdb_blob_drop(h, "ab", no_blob, seen, &err), 0,
	    "the source of the open jobs: kept");
	ok(seen[0] == '\0', "fn was called for none of them");

	/* Unpinned, with 0 builds and 0 days kept, only open jobs stay. */
	is_int(hubdb_pin(h, a1, 0, &err), HUB_OK, "unpin a1");
	p.keep_builds = p.keep_days = 0;
	ok(hubdb_expire_jobs(h, NOW, &p, 100, &n, &bytes, &err) == 0 && n == 4,
	    "keeping nothing: the four left go");
	ok(strcmp(job_state(queued), "queued/0") == 0 &&
	    strcmp(job_state(running), "running/1") == 0,
	    "queued and running jobs still stay");

	ok(hubdb_stats(h, stat_line, b, &err) == 0 &&
	    strcmp(b->data, "gc_bytes=126 gc_jobs=7 ") == 0,
	    "the counters: %s", b->data);

	/*
	 * A crash between removing a job and its log files leaves them: a
	 * walk finds the files named as logs (no others), and the one no
	 * attempt owns is removed, its bytes counted; one that an attempt
	 * owns stays.
	 */
	(void)snprintf(name, sizeof(name), "%lld.1", a2);
	ok(put_log(name, "orphan\n") == 0 && has_log(a2),
	    "a log file left of a removed job");
	(void)snprintf(name, sizeof(name), "%lld.1", running);
	ok(put_log(name, "log\n") == 0 && put_log("notes", "x\n") == 0 &&
	    put_log("07.1", "x\n") == 0 && put_log("3.1.tmp", "x\n") == 0,
	    "the running job's log, and files not named as logs");
	is_int(walk_finds(a2, 1, &count), 1, "a walk finds the left one");
	is_int(count, 2, "  and the running job's, nothing else");
	is_int(hubdb_log_drop(h, a2, 1, 7, &err), 1,
	    "hubdb_log_drop: the one no attempt owns is removed");
	ok(!has_log(a2), "  its file is gone");
	is_int(hubdb_log_drop(h, running, 1, 4, &err), 0,
	    "hubdb_log_drop: the one an attempt owns is kept");
	ok(has_log(running), "  its file stays");
	buf_reset(b);
	ok(hubdb_stats(h, stat_line, b, &err) == 0 &&
	    strcmp(b->data, "gc_bytes=133 gc_jobs=7 ") == 0,
	    "gc_bytes counts the removed file: %s", b->data);

	q.keep_builds = q.keep_days = -1;
	ok(hubdb_policy_get(h, &q, &err) == 0 && q.keep_builds == -1 &&
	    q.keep_days == -1, "no policy stored: left as it was");
	p.keep_builds = 5;
	p.keep_days = 7;
	ok(hubdb_policy_put(h, &p, &err) == 0 && hubdb_policy_get(h, &q,
	    &err) == 0 && q.keep_builds == 5 && q.keep_days == 7,
	    "the policy, stored and read back");
	buf_free(b);
	db_teardown();
	return tap_done();
}
