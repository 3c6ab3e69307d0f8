/*
 * Unit tests of lib/hub/hubdb_log.c: records stored once under a lease,
 * finish (missing ranges, digest, a repeated finish), the log read back.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

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

/* The text of the log file of job's attempt n (a static buffer). */
static const char *
file_text(long long job, long long n)
{
	static char text[4096];
	char path[512];
	size_t got = 0;
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/logs/%lld.%lld", tdir, job, n);
	if ((fp = fopen(path, "r")) != NULL) {
		got = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[got] = '\0';
	return text;
}

/* Appends s to the log file of job's attempt n, as a crash might. */
static void
append_file(long long job, long long n, const char *s)
{
	char path[512];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/logs/%lld.%lld", tdir, job, n);
	if ((fp = fopen(path, "a")) != NULL) {
		(void)fputs(s, fp);
		fclose(fp);
	}
}

/*
 * Puts the lines (each with its newline) in the events table as records
 * of job's attempt n, as the hub did before log files.  0 or -1.
 */
static int
old_rows(long long job, long long n, const char *lines)
{
	sqlite3 *db;
	char *sql, *line;
	const char *p, *nl;
	long long seq = 0;
	int rv = 0;

	if (sqlite3_open(tpath, &db) != SQLITE_OK)
		return -1;
	for (p = lines; rv == 0 && (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		line = sqlite3_mprintf("%.*s", (int)(nl - p), p);
		sql = sqlite3_mprintf("INSERT INTO events(job, n, seq, type, "
		    "line) VALUES(%lld, %lld, %lld, 'log', %Q)", job, n, ++seq,
		    line);
		if (sql == NULL || sqlite3_exec(db, sql, NULL, NULL, NULL) !=
		    SQLITE_OK)
			rv = -1;
		sqlite3_free(sql);
		sqlite3_free(line);
	}
	sqlite3_close(db);
	return rv;
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
	long long j2, j5, j6, n;
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
	/* Left by a removed job of the same id (ids are used again). */
	append_file(j2, 1, "log data=stale seq=1\n");
	is_int(claim("w1", "linux", 5000, l1), j2, "w1 runs a job");
	is_str(file_text(j2, 1), "", "a log file a removed job of its id left "
	    "is gone when the attempt starts");

	/* Events, stored once. */
	is_int(events(j2, l1, "w1", 6000,
	    "log data=a seq=1\nlog data=b seq=2\n", &ack), HUB_OK, "events");
	ok(ack.stored == 2 && ack.dup == 0 && ack.upto == 2, "2 stored");
	is_int(events(j2, l1, "w1", 6000,
	    "log data=a seq=1\nlog data=X seq=4\n", &ack), HUB_OK,
	    "again, with a gap");
	ok(ack.stored == 0 && ack.dup == 1 && ack.upto == 2, "1 dup, the one "
	    "after the gap not stored, upto 2");
	is_int(events(j2, l1, "w2", 6000, "log seq=5\n", &ack), HUB_STALE,
	    "another worker with the lease: stale");
	is_int(events(99, l1, "w1", 6000, "", &ack), HUB_NOTFOUND, "no job 99");

	/* The log as held so far, in order of sequence number. */
	text[0] = '\0';
	n = 0;
	is_int(hubdb_log(h, j2, &n, 0, 0, log_line, text, &err), HUB_OK,
	    "the log");
	is_int(n, 1, "  of the last attempt, 1");
	is_str(text, "1:log data=a seq=1|2:log data=b seq=2|",
	    "  every line held");
	is_str(file_text(j2, 1), "log data=a seq=1\nlog data=b seq=2\n",
	    "  in its file, as sent");
	text[0] = '\0';
	is_int(hubdb_log(h, j2, &n, 0, 1, log_line, text, &err), HUB_OK,
	    "at most 1");
	is_str(text, "1:log data=a seq=1|", "  one line");
	text[0] = '\0';
	is_int(hubdb_log(h, j2, &n, 1, 2, log_line, text, &err), HUB_OK,
	    "after 1, at most 2");
	is_str(text, "2:log data=b seq=2|", "  the line left");
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
	is_str(have->data, "1-2", "have");
	is_str(missing->data, "3-4", "missing");
	is_int(events(j2, l1, "w1", 6000, "log data=c seq=3\nlog data=X "
	    "seq=4\n", &ack), HUB_OK, "the missing ones");
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
	is_str(file_text(j5, 1), "log seq=1\nlog seq=2\n",
	    "  its file ends at the last record too");

	/* A hub killed as it wrote: the cut line goes, the rest stays. */
	j6 = submit("require linux\nstep a: true\n");
	is_int(claim("w2", "linux", 10000, l2), j6, "w2 runs another job");
	is_int(events(j6, l2, "w2", 10000, "log seq=1\nlog seq=2\n", &ack),
	    HUB_OK, "two records");
	hublog_close(logs);
	append_file(j6, 1, "log seq=3 data:cut");
	ok(hublog_open(tdir, &logs, &err) == 0, "the hub again");
	hubdb_set_logs(h, logs);
	text[0] = '\0';
	n = 0;
	ok(hubdb_log(h, j6, &n, 0, 0, log_line, text, &err) == HUB_OK &&
	    strcmp(text, "1:log seq=1|2:log seq=2|") == 0,
	    "a reader leaves the cut line out: %s", text);
	is_int(events(j6, l2, "w2", 10000, "log seq=2\nlog seq=3\n", &ack),
	    HUB_OK, "the records again");
	ok(ack.stored == 1 && ack.dup == 1 && ack.upto == 3,
	    "  the cut one is stored again, after the two held");
	is_str(file_text(j6, 1), "log seq=1\nlog seq=2\nlog seq=3\n",
	    "  and its file holds whole lines");
	sha256_hex("log seq=1\nlog seq=2\nlog seq=3\n", 30, sha);
	is_int(hubdb_finish(h, j6, l2, "w2", "success", NULL, 3, sha, 10500,
	    &attempt, res, have, missing, &err), HUB_OK, "  and finished");

	/* A database made before log files: its table still reads. */
	ok(old_rows(j2, 2, "log data=old seq=1\n") == 0, "an old attempt's "
	    "records in the events table");
	text[0] = '\0';
	n = 2;
	ok(hubdb_log(h, j2, &n, 0, 0, log_line, text, &err) == HUB_OK &&
	    strcmp(text, "1:log data=old seq=1|") == 0,
	    "  read back: %s", text);

	db_teardown();
	buf_free(have);
	buf_free(missing);
	return tap_done();
}
