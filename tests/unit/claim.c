/* Unit tests of lib/worker/claim.c: claim answers and the take-or-decline rule. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cache.h"
#include "claim.h"
#include "tap.h"

#define SHA	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define JOB	"job id=42 lease=L-1 name=hello attempt=1 " \
		"source=/v1/jobs/42/source size=10 sha256=" SHA " ttl=90\n"

static int
parse(const char *s, struct claim_job *j, struct bb_error *err)
{
	return claim_parse(s, strlen(s), j, err);
}

int
main(void)
{
	struct claim_needs needs;
	struct claim_job j;
	struct bb_error err;
	struct caps caps;
	char why[CLAIM_WHYMAX];

	claim_job_init(&j);
	caps_init(&caps);
	ok(parse(JOB "recipe name=hello require=linux,cc\n"
	    "step name=build cmd=make\nrecipe require=make\n", &j, &err) == 0,
	    "a job and its recipe");
	is_int(j.id, 42, "id");
	is_str(j.lease, "L-1", "lease");
	is_str(j.require->data, "linux,cc,make", "requirements collected");
	is_str(j.recipe->data, "recipe name=hello require=linux,cc\n"
	    "step name=build cmd=make\nrecipe require=make\n",
	    "recipe records kept in order");
	is_str(record_get(&j.job, "ttl"), "90", "unknown keys kept");
	ok(parse(JOB, &j, &err) == 0 && j.recipe->len == 0 &&
	    j.require->len == 0, "a job without recipe records");

	ok(parse("", &j, &err) == -1 && err.code == EX_PROTOCOL,
	    "empty: %s", err.msg);
	ok(parse("job id=42 lease=L source=/s size=1 sha256=" SHA, &j,
	    &err) == -1 && strstr(err.msg, "no newline") != NULL,
	    "no newline: %s", err.msg);
	ok(parse("job id=42 source=/s size=1 sha256=" SHA "\n", &j,
	    &err) == -1 && strstr(err.msg, "no lease") != NULL,
	    "no lease: %s", err.msg);
	ok(parse("job id=42 lease=a%20b source=/s size=1 sha256=" SHA "\n",
	    &j, &err) == -1 && strstr(err.msg, "malformed lease") != NULL &&
	    strstr(err.msg, "a b") == NULL, "a lease with a space: %s",
	    err.msg);
	ok(parse("job id=0 lease=L source=/s size=1 sha256=" SHA "\n", &j,
	    &err) == -1 && strstr(err.msg, "id") != NULL, "id 0: %s",
	    err.msg);
	ok(parse("job id=4 lease=L source=/s size=1 sha256=abc\n", &j,
	    &err) == -1 && strstr(err.msg, "malformed sha256") != NULL,
	    "short sha256: %s", err.msg);
	ok(parse("job id=4 lease=L source=/s size=1 sha256=0123456789ABCDEF"
	    "0123456789abcdef0123456789abcdef0123456789abcdef\n", &j,
	    &err) == -1 && strstr(err.msg, "malformed sha256") != NULL,
	    "upper-case sha256: %s", err.msg);
	ok(parse("job id=4 lease=L source=/s size=1 sha256=0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcde%00\n", &j,
	    &err) == -1 && strstr(err.msg, "malformed sha256") != NULL,
	    "a NUL in the sha256: %s", err.msg);
	ok(parse("job id=4 lease=L size=1 sha256=" SHA "\n", &j,
	    &err) == -1 && strstr(err.msg, "no source") != NULL,
	    "no source: %s", err.msg);
	ok(parse("step name=x cmd=y\n", &j, &err) == -1 &&
	    strstr(err.msg, "line 1") != NULL, "not a job first: %s",
	    err.msg);
	ok(parse(JOB "bad record here=\x01\n", &j, &err) == -1 &&
	    err.code == EX_PROTOCOL && strstr(err.msg, "line 2") != NULL,
	    "a malformed line names it: %s", err.msg);

	caps_add_list(&caps, "linux,cc", NULL);
	memset(&needs, 0, sizeof(needs));
	needs.caps = &caps;
	needs.basedir = NULL;
	needs.min_free = 0;
	needs.min_inodes = 0;
	ok(parse(JOB "recipe require=linux,cc\n", &j, &err) == 0 &&
	    claim_decide(&j, &needs, why, sizeof(why), &err) == 1,
	    "requirements met: take it");
	ok(parse(JOB "recipe require=linux,docker,cc,gpu\n", &j, &err) == 0 &&
	    claim_decide(&j, &needs, why, sizeof(why), &err) == 0,
	    "requirements not met: decline");
	is_str(why, "lacks capabilities docker,gpu", "why");
	ok(parse(JOB "recipe require=docker\n", &j, &err) == 0 &&
	    claim_decide(&j, &needs, why, sizeof(why), &err) == 0 &&
	    strcmp(why, "lacks capability docker") == 0, "one: %s", why);
	ok(parse(JOB "recipe require=a%20b\n", &j, &err) == 0 &&
	    claim_decide(&j, &needs, why, sizeof(why), &err) == 0 &&
	    strstr(why, "are not capabilities") != NULL, "garbage: %s", why);
	needs.basedir = "/";
	needs.min_free = INT64_MAX;
	ok(parse(JOB "recipe require=linux\n", &j, &err) == 0 &&
	    claim_decide(&j, &needs, why, sizeof(why), &err) == 0 &&
	    strstr(why, "free under /, at least") != NULL,
	    "too little disk: %s", why);
	ok(claim_check_disk(&needs, why, sizeof(why), &err) == 0,
	    "claim_check_disk agrees");
	/* Short of room, the caches no job holds go first. */
	{
		struct recipe_cache c = { "ccache", 0 };
		struct cache_use u, v;
		char root[] = "/tmp/bb-claim-test.XXXXXX", cmd[64];
		size_t evicted = 0;

		if (mkdtemp(root) == NULL)
			tap_bail("mkdtemp");
		ok(cache_open(root, NULL, "a", &c, 0, 0, 0, &u, &err) == 0 &&
		    cache_open(root, NULL, "b", &c, 0, 0, 0, &v, &err) == 0,
		    "two caches");
		cache_release(&u);
		needs.caches = root;
		needs.evicted = &evicted;
		ok(claim_check_disk(&needs, why, sizeof(why), &err) == 0 &&
		    evicted == 1, "short of room: the cache not in use is "
		    "removed, and it is still short");
		cache_release(&v);
		(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			tap_diag("rm -rf failed");
		needs.caches = NULL;
		needs.evicted = NULL;
	}
	needs.min_free = 1;
	ok(claim_decide(&j, &needs, why, sizeof(why), &err) == 1,
	    "enough disk: take it");
	needs.basedir = "/nonexistent/bb";
	ok(claim_decide(&j, &needs, why, sizeof(why), &err) == -1 &&
	    err.code == EX_IOERR, "a disk that cannot be checked: %s",
	    err.msg);

	/* The worker's keepalive, when shorter, is the job's. */
	ok(parse("job id=7 lease=L source=/s size=1 sha256=" SHA
	    " keepalive=30\n", &j, &err) == 0 &&
	    claim_cap_keepalive(&j, 10, &err) == 0, "keepalive capped");
	is_str(record_get(&j.job, "keepalive"), "10", "to the worker's");
	ok(claim_cap_keepalive(&j, 20, &err) == 0 &&
	    claim_cap_keepalive(&j, -1, &err) == 0, "a longer one or none");
	is_str(record_get(&j.job, "keepalive"), "10", "changes nothing");
	ok(parse(JOB, &j, &err) == 0 && claim_cap_keepalive(&j, 10,
	    &err) == 0 && record_get(&j.job, "keepalive") == NULL,
	    "a job without keepalive keeps none (the session's applies)");
	ok(parse("job id=7 lease=L source=/s size=1 sha256=" SHA
	    " keepalive=x\n", &j, &err) == 0 &&
	    claim_cap_keepalive(&j, 10, &err) == -1 &&
	    err.code == EX_PROTOCOL && strstr(err.msg, "job 7") != NULL,
	    "a malformed keepalive: %s", err.msg);
	claim_job_free(&j);
	caps_free(&caps);
	return tap_done();
}
