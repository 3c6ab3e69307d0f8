/*
 * Unit tests of lib/hub/hubdb_pipeline.c and the platforms of workers: a
 * chain of stages submitted as jobs, the first queued and the others
 * waiting; what a claim of a stage says; a stage due when the one before
 * ends, its files, queued or stopped; what was built already; exact
 * platforms.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "hubdb_test.h"

static const char chain[] =
    "job hello\n"
    "require cc\n"
    "step build: make\n"
    "collect hello\n"
    "stage sign\n"
    "require signer\n"
    "collect hello\n";

/* Appends each platform and a ';' to the buffer arg. */
static int
list_platform(void *arg, const char *caps)
{
	(void)strlcat(arg, caps, 256);
	(void)strlcat(arg, ";", 256);
	return 0;
}

/* Appends "NAME:EXEC:SIZE;" for each file of a stage to the buffer arg. */
static int
list_file(void *arg, const char *name, const char *hex, off_t size, int exec,
    struct bb_error *e)
{
	char one[128];

	(void)hex;
	(void)e;
	(void)snprintf(one, sizeof(one), "%s:%d:%lld;", name, exec,
	    (long long)size);
	(void)strlcat(arg, one, 256);
	return 0;
}

/* Appends the pipeline records of job id: "STAGE:ID:STATE;". */
static int
list_stage(void *arg, const struct record *r)
{
	char one[128];

	if (!record_is(r, "pipeline"))
		return 0;
	(void)snprintf(one, sizeof(one), "%s:%s:%s;", record_get(r, "stage"),
	    record_get(r, "id"), record_get(r, "state"));
	(void)strlcat(arg, one, 256);
	return 0;
}

static const char *
stages_of(long long id)
{
	static char s[256];

	s[0] = '\0';
	(void)hubdb_job(h, id, list_stage, s, &err);
	return s;
}

/* Runs claimed job id to its end with result, the lines its records. */
static int
run_to(long long id, const char *lease, const char *w, const char *lines,
    int nlines, const char *result, long long now)
{
	struct buf *have = buf_new(1024), *missing = buf_new(1024);
	struct hubdb_ack ack;
	char hex[DIGEST_HEXLEN + 1], res[16];
	int attempt, rv;

	if (events(id, lease, w, now, lines, &ack) != HUB_OK)
		return -1;
	sha256_hex(lines, strlen(lines), hex);
	rv = hubdb_finish(h, id, lease, w, result, NULL, nlines, hex, now + 1,
	    &attempt, res, have, missing, &err);
	buf_free(have);
	buf_free(missing);
	return rv;
}

/* Submits text as pipelines (force, platform): the first job, or 0. */
static long long
submit_chain(const char *text, int force, const char *platform,
    long long *built)
{
	struct hubdb_pipeline p;
	struct recipe *rc;

	memset(&p, 0, sizeof(p));
	if (recipe_parse(text, strlen(text), "t", &rc, &err) == -1)
		return 0;
	p.recipe = rc;
	p.platform = platform;
	if (hubdb_submit_all(h, &p, 1, "ab", 10, 0, force, 1000, &err) !=
	    HUB_OK)
		p.id = 0;
	if (built != NULL)
		*built = p.built;
	recipe_free(rc);
	return p.id;
}

int
main(void)
{
	struct hubdb_due *due;
	struct record job;
	struct buf *b = buf_new(1 << 20), *norm = buf_new(256);
	char l1[64], l2[64], lp2[64], list[256];
	long long p1, p2, p3, built = 0, id;
	size_t n;

	ok(hubdb_caps_match("=cc,linux", "linux,cc"), "=CAPS: exactly those");
	ok(!hubdb_caps_match("=cc,linux", "linux,cc,gpu"), "  not more");
	ok(!hubdb_caps_match("=cc,linux", "linux"), "  nor fewer");
	ok(hubdb_caps_norm("x86_64,cc,linux,cc,", norm) == 0 &&
	    strcmp(norm->data, "cc,linux,x86_64") == 0, "a platform: sorted, "
	    "each once: %s", norm->data);

	db_setup();
	ok(worker("w1", "linux,cc", "T1", 2000) == HUB_OK &&
	    worker("w2", "cc,linux", "T2", 2000) == HUB_OK &&
	    worker("s1", "linux,signer", "T3", 2000) == HUB_OK &&
	    hubdb_worker_add(h, "new", "HASH", 2000, &err) == HUB_OK,
	    "four workers, one of which never said hello");
	list[0] = '\0';
	ok(hubdb_platforms(h, list_platform, list, &err) == 0, "platforms");
	is_str(list, "cc,linux;linux,signer;", "two, each once");

	p1 = submit_chain(chain, 0, NULL, NULL);
	ok(p1 > 0, "a chain of two stages");
	is_str(job_state(p1), "queued/0", "the first stage is queued");
	is_str(job_state(p1 + 1), "waiting/0", "the second waits");
	is_str(stages_of(p1 + 1), "1:1:queued;2:2:waiting;",
	    "either shows the chain");
	is_int(claim("s1", "linux,signer", 3000, l2), 0,
	    "a waiting stage is not claimed");

	record_init(&job);
	ok(hubdb_claim(h, "w1", "linux,cc", 0, 3000, TTL, &job, b, &err) ==
	    HUB_OK, "stage 1 claimed");
	is_str(record_get(&job, "next"), "sign", "its job record names the "
	    "next stage");
	ok(record_get(&job, "chain") == NULL, "  and no chain");
	(void)strlcpy(l1, record_get(&job, "lease"), sizeof(l1));
	ok(hubdb_artifact(h, p1, l1, "w1", "hello", "aa", 5, 3100, TTL,
	    &err) == HUB_OK && hubdb_artifact(h, p1, l1, "w1", "hello.txt",
	    "bb", 7, 3100, TTL, &err) == HUB_OK, "two artifacts");
	ok(hubdb_stages_due(h, &due, &n, &err) == 0 && n == 0,
	    "nothing due while stage 1 runs");
	hubdb_due_free(due, n);
	is_int(run_to(p1, l1, "w1", "artifact seq=1 name=hello exec=1\n"
	    "artifact seq=2 name=hello.txt\n", 2, "success", 3200), HUB_OK,
	    "stage 1 succeeds");
	ok(hubdb_stages_due(h, &due, &n, &err) == 0 && n == 1 &&
	    due[0].id == p1 + 1 && due[0].prev == p1 && due[0].attempt == 1 &&
	    strcmp(due[0].state, "success") == 0 &&
	    strcmp(due[0].name, "hello") == 0, "stage 2 is due");
	hubdb_due_free(due, n);
	list[0] = '\0';
	ok(hubdb_stage_files(h, p1, 1, list_file, list, &err) == 0,
	    "stage 1's files");
	is_str(list, "hello:1:5;hello.txt:0:7;", "executable as bb-run said");
	is_int(hubdb_stage_queue(h, p1 + 1, "cd", 99, &err), HUB_OK,
	    "stage 2 queued with its source");
	is_int(hubdb_stage_queue(h, p1 + 1, "cd", 99, &err), HUB_CONFLICT,
	    "  once");
	buf_reset(b);
	ok(hubdb_claim(h, "s1", "linux,signer", 0, 4000, TTL, &job, b, &err) ==
	    HUB_OK && strcmp(record_get(&job, "sha256"), "cd") == 0,
	    "the signer claims stage 2, source and all");
	is_str(record_get(&job, "chain"), "hello", "its chain is hello's");
	ok(record_get(&job, "next") == NULL, "  and no stage follows");
	ok(strstr(b->data, "recipe name=sign require=signer\n") != NULL,
	    "its recipe is its own stage's");
	(void)strlcpy(l2, record_get(&job, "lease"), sizeof(l2));

	/* Not built already until every stage succeeded. */
	ok((id = submit_chain(chain, 0, NULL, NULL)) > 0, "while stage 2 "
	    "runs, the same chain is queued again");
	(void)hubdb_cancel(h, id, 4050, &err);
	is_int(run_to(p1 + 1, l2, "s1", "log seq=1 data=x\n", 1, "success",
	    4100), HUB_OK, "stage 2 succeeds");
	ok(submit_chain(chain, 0, NULL, &built) == 0 && built == p1,
	    "now it is built: not queued, job %lld built it", built);
	ok((id = submit_chain(chain, 1, NULL, NULL)) > 0, "unless forced");
	(void)hubdb_cancel(h, id, 5000, &err);
	is_str(stages_of(id), "1:5:cancelled;2:6:cancelled;",
	    "cancelling a first stage cancels the one after it");
	p2 = submit_chain("job hello\nrequire cc\nstep build: make -j2\n"
	    "collect hello\nstage sign\nrequire signer\ncollect hello\n", 0,
	    NULL, NULL);
	ok(p2 > 0, "another recipe is no build made already");

	/* A platform: exactly these capabilities. */
	p3 = submit_chain(chain, 0, "cc,gpu,linux", &built);
	ok(p3 > 0 && built == 0, "on a platform, it is another build");
	is_int(claim("w1", "linux,cc", 6000, lp2), p2, "w1 takes the other "
	    "job, not the gpu one");
	is_int(claim("w2", "cc,linux", 6000, l1), 0, "nor does w2");
	is_int(claim("g1", "gpu,linux,cc", 6000, l1), p3, "a worker of that "
	    "platform does");

	/* A stage that fails stops the chain. */
	is_int(run_to(p2, lp2, "w1", "log seq=1 data=x\n", 1, "failure",
	    7100), HUB_OK, "stage 1 of the other chain fails");
	ok(hubdb_stages_due(h, &due, &n, &err) == 0 && n == 1 &&
	    due[0].id == p2 + 1 && strcmp(due[0].state, "failure") == 0,
	    "its stage 2 is due");
	hubdb_due_free(due, n);
	ok(hubdb_stage_stop(h, p2 + 1, "stage hello (job 7) ended failure",
	    8000, &err) == 0, "stopped");
	is_str(job_state(p2 + 1), "cancelled/0", "  cancelled");
	ok(hubdb_stages_due(h, &due, &n, &err) == 0 && n == 0,
	    "nothing due any more");
	hubdb_due_free(due, n);
	record_free(&job);
	buf_free(b);
	buf_free(norm);
	db_teardown();
	return tap_done();
}
