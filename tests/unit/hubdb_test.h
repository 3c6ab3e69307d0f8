/*
 * What the unit tests of the hub's database (tests/unit/hubdb*.c) share:
 * a database in a temporary directory, opened as h, and helpers that
 * submit, claim and report as the hub would.  Times are small numbers of
 * milliseconds; leases last TTL.
 */
#ifndef BB_HUBDB_TEST_H
#define BB_HUBDB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "hubdb.h"
#include "tap.h"

#define TTL	10000
#define UNUSED	__attribute__((__unused__))

static struct hubdb *h;
static struct hublog *logs;
static struct bb_error err;
static UNUSED char tdir[] = "/tmp/bb-unit.XXXXXX";
static UNUSED char tpath[256];	/* tdir/hub.db */

/* Makes tdir and a database in it, opened as h.  Reports as one test. */
static UNUSED void
db_setup(void)
{
	int r = -1;

	if (mkdtemp(tdir) != NULL) {
		(void)snprintf(tpath, sizeof(tpath), "%s/hub.db", tdir);
		if (hubdb_create(tpath, &err) == 0 &&
		    hubdb_open(tpath, &h, &err) == 0 &&
		    hublog_open(tdir, &logs, &err) == 0) {
			hubdb_set_logs(h, logs);
			r = 0;
		}
	}
	ok(r == 0, "a database in %s", tdir);
	if (r == -1) {
		printf("# %s\n", err.msg);
		exit(tap_done());
	}
}

/* Closes h and removes tdir.  Reports as one test. */
static UNUSED void
db_teardown(void)
{
	char cmd[300];

	hubdb_close(h);
	hublog_close(logs);
	h = NULL;
	logs = NULL;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
	ok(system(cmd) == 0, "clean up");
}

/*
 * Adds worker name and says hello with caps (a session whose token is
 * token) at time now.  Returns HUB_OK or the failing call's outcome.
 */
static UNUSED int
worker(const char *name, const char *caps, const char *token, long long now)
{
	struct hubdb_hello hello = { "1", "Linux", "x86_64", caps, 2,
	    "info name=host value=h1\n", 24 };
	int rv;

	if ((rv = hubdb_worker_add(h, name, "HASH", now, &err)) != HUB_OK)
		return rv;
	return hubdb_hello(h, name, &hello, token, now, &err);
}

/* Submits the recipe text (source "ab", 10 bytes): its id, or 0. */
static UNUSED long long
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
static UNUSED long long
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

/* Reports the records of lines (each ended by a newline) under lease. */
static UNUSED int
events(long long id, const char *lease, const char *worker, long long now,
    const char *lines, struct hubdb_ack *ack)
{
	struct hubdb_event ev[16];
	struct record r;
	const char *p = lines, *nl;
	size_t n = 0;
	int rv;

	memset(ev, 0, sizeof(ev));
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

/* Puts the SHA-256 (hex) of the len bytes at p in hex. */
static UNUSED void
sha256_hex(const char *p, size_t len, char *hex)
{
	struct digest *d = digest_new();

	digest_update(d, p, len);
	digest_final_hex(d, hex);
	digest_free(d);
}

static UNUSED int
get_state(void *arg, const struct record *r)
{
	char *s = arg;

	if (record_is(r, "job"))
		(void)snprintf(s, 64, "%s/%s", record_get(r, "state"),
		    record_get(r, "attempt"));
	return 0;
}

/* Returns "STATE/ATTEMPT" of job id, or "" if there is none. */
static UNUSED const char *
job_state(long long id)
{
	static char s[64];

	s[0] = '\0';
	(void)hubdb_job(h, id, get_state, s, &err);
	return s;
}

static UNUSED int
no_busy(void *arg, long long id)
{
	(void)arg;
	(void)id;
	return 0;
}

#endif
