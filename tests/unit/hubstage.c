/*
 * Unit tests of lib/hub/hubstage.c: a stage that succeeded gives the next
 * one a source packed of its artifacts (each at its name, executable as
 * it was, the same bytes for the same files); one that failed, or whose
 * artifacts are gone, stops the chain with the reason.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "hub.h"
#include "hubstage.h"
#include "tap.h"

static char dir[] = "/tmp/bb-unit.XXXXXX";
static struct bb_error err;
static struct hub_dir *hd;

static const char chain[] =
    "job hello\n"
    "step build: make\n"
    "collect bin/hello\n"
    "stage sign\n"
    "collect bin/hello\n";

/* Puts text into the blob store: its digest in hex. */
static void
blob(const char *text, char *hex)
{
	char p[PATH_MAX];
	off_t size;
	int fd;

	(void)snprintf(p, sizeof(p), "%s/in", dir);
	if ((fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    lseek(fd, 0, SEEK_SET) != 0 ||
	    blob_put_fd(hd->blobs, fd, p, 1 << 20, hex, &size, &err) == -1)
		tap_bail("blob: %s", err.msg);
	close(fd);
}

/*
 * Submits the chain, runs its first stage as worker w with the artifacts
 * (name, hex) of arts and result: the first job's number.
 */
static long long
stage1(const char *result, const char *const *arts, size_t n)
{
	struct buf *b = buf_new(1 << 20), *have = buf_new(1024),
	    *missing = buf_new(1024), *lines = buf_new(4096);
	struct hubdb_event ev[8];
	struct hubdb_ack ack;
	struct recipe *rc;
	struct record job;
	char src[DIGEST_HEXLEN + 1], hex[DIGEST_HEXLEN + 1], res[16], lease[64];
	const char *p, *nl;
	long long id = 0;
	size_t i, k = 0;
	int attempt;

	record_init(&job);
	blob("the source\n", src);
	if (recipe_parse(chain, strlen(chain), "t", &rc, &err) == -1 ||
	    hub_submit(hd, rc, src, 0, &id, &err) != HUB_OK ||
	    hubdb_claim(hd->db, "w", "", id, 1000, 60000, &job, b, &err) !=
	    HUB_OK)
		tap_bail("stage 1: %s", err.msg);
	(void)strlcpy(lease, record_get(&job, "lease"), sizeof(lease));
	for (i = 0; i < n; i++) {
		if (hubdb_artifact(hd->db, id, lease, "w", arts[2 * i],
		    arts[2 * i + 1], strlen(arts[2 * i]), 1100, 60000, &err) !=
		    HUB_OK)
			tap_bail("artifact: %s", err.msg);
		(void)buf_addf(lines, "artifact seq=%zu name=%s%s\n", i + 1,
		    arts[2 * i], i == 0 ? " exec=1" : "");
	}
	(void)buf_addf(lines, "done seq=%zu result=%s\n", n + 1, result);
	for (p = lines->data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		ev[k].seq = (long long)k + 1;
		ev[k].type = p;
		ev[k].typelen = strcspn(p, " ");
		ev[k].line = p;
		ev[k].len = (size_t)(nl - p);
		k++;
	}
	if (hubdb_events(hd->db, id, lease, "w", ev, k, 1200, 60000, &ack,
	    &err) != HUB_OK)
		tap_bail("events: %s", err.msg);
	{
		struct digest *d = digest_new();

		digest_update(d, lines->data, lines->len);
		digest_final_hex(d, hex);
		digest_free(d);
	}
	if (hubdb_finish(hd->db, id, lease, "w", result, NULL, (long long)k,
	    hex, 1300, &attempt, res, have, missing, &err) != HUB_OK)
		tap_bail("finish: %s", err.msg);
	recipe_free(rc);
	record_free(&job);
	buf_free(b);
	buf_free(have);
	buf_free(missing);
	buf_free(lines);
	return id;
}

/* Job id's source, "name:mode " an entry, into out; its digest in hex. */
static void
source_of(long long id, char *hex, char *out, size_t len)
{
	struct archive_entry *e;
	struct archive *ar;
	char s[512];
	off_t size;
	int fd;

	out[0] = '\0';
	if (hubdb_source(hd->db, id, hex, &size, &err) != HUB_OK ||
	    (fd = blob_open(hd->blobs, hex, &size, &err)) == -1)
		return;
	ar = archive_read_new();
	archive_read_support_filter_gzip(ar);
	archive_read_support_format_tar(ar);
	if (archive_read_open_fd(ar, fd, 10240) == ARCHIVE_OK)
		while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
			(void)snprintf(s, sizeof(s), "%s:%o ",
			    archive_entry_pathname(e),
			    (unsigned)archive_entry_perm(e));
			(void)strlcat(out, s, len);
		}
	archive_read_free(ar);
	close(fd);
}

static char logged[1024];

static void
note(void *arg, const char *msg)
{
	(void)arg;
	(void)strlcat(logged, msg, sizeof(logged));
	(void)strlcat(logged, "\n", sizeof(logged));
}

/* The reason of job id, or "". */
static int
get_reason(void *arg, const struct record *r)
{
	if (record_is(r, "job") && record_get(r, "reason") != NULL)
		(void)strlcpy(arg, record_get(r, "reason"), 256);
	return 0;
}

int
main(void)
{
	struct hubstage_moved m;
	char p[PATH_MAX], a[DIGEST_HEXLEN + 1], b[DIGEST_HEXLEN + 1];
	char h1[DIGEST_HEXLEN + 1], h2[DIGEST_HEXLEN + 1], list[512];
	char reason[256];
	const char *arts[4];
	long long j1, j2, j3;

	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp");
	(void)snprintf(p, sizeof(p), "%s/hub", dir);
	if (hub_dir_init(p, &err) == -1 || hub_dir_open(p, &hd, &err) == -1 ||
	    hubdb_worker_add(hd->db, "w", "HASH", 1000, &err) != HUB_OK)
		tap_bail("hub: %s", err.msg);
	blob("#!/bin/sh\n", a);
	blob("notes\n", b);
	arts[0] = "bin/hello";
	arts[1] = a;
	arts[2] = "notes.txt";
	arts[3] = b;

	memset(&m, 0, sizeof(m));
	ok(hubstage_advance(hd, 2000, note, NULL, &m, &err) == 0 &&
	    m.queued == 0 && m.stopped == 0, "nothing to do");
	j1 = stage1("success", arts, 2);
	ok(hubstage_advance(hd, 2000, note, NULL, &m, &err) == 0 &&
	    m.queued == 1 && m.stopped == 0, "stage 1 succeeded: stage 2 "
	    "queued");
	source_of(j1 + 1, h1, list, sizeof(list));
	is_str(list, "bin/:755 bin/hello:755 notes.txt:644 ",
	    "its source: stage 1's artifacts at their names, executable as "
	    "bb-run said");
	ok(strstr(logged, "job 2: queued, with what job 1 kept") != NULL,
	    "and logged");
	ok(hubstage_advance(hd, 2000, note, NULL, &m, &err) == 0 &&
	    m.queued == 1, "once");

	j2 = stage1("success", arts, 2);
	(void)hubstage_advance(hd, 2000, NULL, NULL, &m, &err);
	source_of(j2 + 1, h2, list, sizeof(list));
	is_str(h2, h1, "the same files, the same source, byte for byte");

	j3 = stage1("failure", arts, 0);
	ok(hubstage_advance(hd, 3000, note, NULL, &m, &err) == 0 &&
	    m.stopped == 1, "stage 1 failed: the chain stops");
	reason[0] = '\0';
	(void)hubdb_job(hd->db, j3 + 1, get_reason, reason, &err);
	is_str(reason, "stage hello (job 5) ended failure", "with the reason");

	/* An artifact whose blob is gone. */
	j3 = stage1("success", arts, 2);
	(void)snprintf(p, sizeof(p), "%s/hub/blobs/%.2s/%s", dir, b, b);
	ok(unlink(p) == 0, "a blob goes");
	ok(hubstage_advance(hd, 4000, note, NULL, &m, &err) == 0 &&
	    m.stopped == 2, "the chain stops");
	reason[0] = '\0';
	(void)hubdb_job(hd->db, j3 + 1, get_reason, reason, &err);
	ok(strstr(reason, "succeeded, but its artifacts cannot go on: "
	    "artifact notes.txt") != NULL, "saying why: %s", reason);

	hub_dir_close(hd);
	(void)snprintf(p, sizeof(p), "rm -rf %s", dir);
	ok(system(p) == 0, "clean up");
	return tap_done();
}
