/*
 * Unit tests of lib/worker/report_spool.c, what a report does with its
 * spool: records held until the job, numbered and spooled, the context
 * kept, a log line too long once numbered split, a second job refused,
 * files queued and refused, artifact names, a spool that a previous run
 * left taken up again (report_resume) and its attempt abandoned when it
 * died, and a spool the disk failed.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <errno.h>

#include "report_impl.h"
#include "report_test.h"
#include "report_impl.h"

/* Records before the job are held; the job makes the spool. */
static void
held(void)
{
	struct report *rep;
	struct stat st;
	char ctx[512];
	ssize_t n;
	int fd;

	rep = new_report(0);
	ok(feed(rep, "status step=a state=started", 1000) == 0,
	    "a record before the job is held");
	ok(fstatat(base, "spool", &st, 0) == -1, "... no spool yet");
	ok(feed(rep, "job id=7 lease=L attempt=2 keepalive=5", 1000) == 0,
	    "job");
	ok(fstatat(base, "spool/7.2/records", &st, 0) == 0 && st.st_size ==
	    strlen("status step=a state=started seq=1\n"),
	    "the held record is spooled, numbered");
	ok(feed(rep, "session hub=http://127.0.0.1:1 token=TOK keepalive=30",
	    2000) == 0, "session");
	ok(fstatat(base, "spool/7.2/context", &st, 0) == 0 &&
	    (st.st_mode & 0777) == 0600, "context kept, mode 0600");
	n = -1;
	if ((fd = openat(base, "spool/7.2/context", O_RDONLY)) != -1) {
		n = read(fd, ctx, sizeof(ctx) - 1);
		close(fd);
	}
	ctx[n > 0 ? n : 0] = '\0';
	ok(strncmp(ctx, "session hub=http://127.0.0.1:1 token=TOK ", 41) ==
	    0 && strstr(ctx, "\njob id=7 lease=L attempt=2 keepalive=5\n") !=
	    NULL, "... the session and job records");
	report_abort(rep, EX_TEMPFAIL, "stop");
	report_free(rep);
}

/* A log record too long once numbered goes as several. */
static void
split_log(void)
{
	static char big[70000];
	struct report_call *call;
	struct report *rep;
	struct record r;
	struct bb_error err;
	const char *v, *p, *nl;
	size_t len, got = 0;
	long long wake;
	int whole = 1;

	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=20 lease=L attempt=1", 0);
	memcpy(big, "log step=a fd=1 data=", 21);
	memset(big + 21, 'z', 65535 - 21);
	big[65535] = '\0';
	ok(feed(rep, big, 0) == 0, "a log line of 65535 bytes");
	call = report_next(rep, REPORT_EVENTS, 250, &wake);
	ok(call != NULL && call->first == 1 && call->last == 2,
	    "it goes as two records (%lld-%lld)", call ? call->first : 0,
	    call ? call->last : 0);
	record_init(&r);
	for (p = call != NULL ? call->body->data : ""; (nl = strchr(p,
	    '\n')) != NULL; p = nl + 1) {
		if ((size_t)(nl - p) >= RECORD_MAX || record_parse(&r, p,
		    (size_t)(nl - p), &err) == -1 ||
		    (v = record_getn(&r, "data", &len)) == NULL ||
		    strspn(v, "z") != len)
			whole = 0;
		else
			got += len;
	}
	record_free(&r);
	ok(whole && got == 65535 - 21,
	    "... each a record line, their data the whole (%zu bytes)", got);
	report_abort(rep, EX_TEMPFAIL, "stop");
	report_free(rep);
}

/* A second job is refused. */
static void
second_job(void)
{
	struct bb_error err;
	struct report *rep;

	rep = new_report(0);
	ok(feed(rep, "job id=9 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "job id=9 lease=L attempt=1", 0) == 0,
	    "the same job again is fine");
	ok(feed(rep, "job id=10 lease=M attempt=1", 0) == -1 &&
	    report_over(rep), "another job is refused");
	ok(report_end(rep, &err) == EX_DATAERR &&
	    strstr(err.msg, "a second job (10)") != NULL, "... %s", err.msg);
	report_free(rep);
}

/* A file over the hub's max_artifact is refused before it is sent. */
static void
too_big(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	long long wake;
	char cmd[256];

	rep = new_report(0);
	ok(feed(rep, NOHUB " max_artifact=10", 0) == 0 &&
	    feed(rep, "job id=12 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "workdir path=/", 0) == 0 &&
	    feed(rep, "artifact path=f size=11 sha256=e28c5eb18ea2f14ea7f44d2a"
	    "55883397dbc750106e6c5c16f1e2787217ca8472", 0) == 0, "a job");
	ok(report_next(rep, REPORT_UPLOADS, 0, &wake) == NULL,
	    "over max_artifact: no upload");
	snprintf(cmd, sizeof(cmd), "grep -q '^error tool=bb-report artifact=f "
	    "msg=11%%20bytes,%%20over%%20the%%20hub' %s/spool/12.1/records",
	    tdir);
	ok(system(cmd) == 0, "... an error record says why");
	ok(feed(rep, "done result=success", 0) == 0, "done");
	(void)ack_next(rep, 0);
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH &&
	    strcmp(call->result, "error") == 0 && call->reason != NULL &&
	    strstr(call->reason, "artifact f: 11 bytes, over") != NULL,
	    "... and the job ends error");
	report_abort(rep, EX_TEMPFAIL, "stop");
	answer(call, 500, EX_TEMPFAIL, "");
	report_done(rep, call, 0);
	ok(report_end(rep, &err) == EX_TEMPFAIL, "aborted");
	report_free(rep);
}

/* Leaves spool/ID.1 of a job whose first three records were acked. */
static void
leave(const char *id)
{
	struct bb_error err;
	struct report *rep;
	char job[64];

	(void)snprintf(job, sizeof(job), "job id=%s lease=L attempt=1", id);
	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, job, 0);
	(void)feed(rep, "beat step=a", 0);
	(void)feed(rep, "beat step=b", 0);
	(void)feed(rep, "beat step=c", 0);
	(void)ack_next(rep, 1000);
	(void)feed(rep, "beat step=d", 1000);
	(void)feed(rep, "done result=success", 1000);
	report_abort(rep, EX_TEMPFAIL, "stop");
	ok(report_end(rep, &err) == EX_TEMPFAIL, "spool of job %s left", id);
	report_free(rep);
}

/*
 * Takes up spool name with a session for hub (of bb-protocol 2); returns
 * its report.
 */
static struct report *
resume(const char *name, const char *hub, int *rv, struct bb_error *err)
{
	struct report *rep;
	struct record s;
	char line[128];

	(void)snprintf(line, sizeof(line), "session hub=%s token=TOK2 "
	    "protocol=2", hub);
	record_init(&s);
	(void)record_parse(&s, line, strlen(line), err);
	rep = new_report(0);
	*rv = report_resume(rep, name, &s, 0, err);
	record_free(&s);
	return rep;
}

/* A spool a previous run left is sent from where the hub stopped. */
static void
resumed(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report *rep, *holder;
	struct stat st;
	long long wake = -1;
	int rv, fd;

	leave("21");
	rep = resume("21.1", "http://127.0.0.1:1", &rv, &err);
	ok(rv == 0, "resumed: %s", rv ? err.msg : "");
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->first == 4 && call->last == 5 &&
	    strcmp(call->body->data, "beat step=d seq=4\n"
	    "done result=success seq=5\n") == 0,
	    "what the hub has not acknowledged goes, and only that");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 0);
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH &&
	    strcmp(call->result, "success") == 0 && call->last == 5,
	    "then the finish, result from the spooled done record");
	answer(call, 200, 0, "finished\n");
	report_done(rep, call, 0);
	ok(report_end(rep, &err) == 0 && fstatat(base, "spool/21.1", &st,
	    0) == -1, "finished: spool removed");
	report_free(rep);

	/* Another process (here, another report) holds it: left alone. */
	leave("22");
	holder = resume("22.1", "http://127.0.0.1:1", &rv, &err);
	rep = resume("22.1", "http://127.0.0.1:1", &rv, &err);
	ok(rv == 1, "a spool in use is not taken up");
	report_free(rep);
	report_free(holder);

	/* Another hub's spool is left for it. */
	rep = resume("22.1", "http://127.0.0.1:2", &rv, &err);
	ok(rv == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "for the hub http://127.0.0.1:1") != NULL,
	    "another hub's spool: %s", err.msg);
	ok(report_end(rep, &err) == EX_CONFIG && fstatat(base, "spool/22.1",
	    &st, 0) == 0, "... kept");
	report_free(rep);

	/* A damaged spool is said so, and kept. */
	if ((fd = openat(base, "spool/22.1/records", O_WRONLY | O_APPEND)) !=
	    -1) {
		if (write(fd, "beat step=e seq=9\n", 18) != 18)
			ok(0, "append");
		close(fd);
	}
	rep = resume("22.1", "http://127.0.0.1:1", &rv, &err);
	ok(rv == -1 && err.code == EX_DATAERR &&
	    strstr(err.msg, "spool/22.1/records line 6: damaged") != NULL,
	    "a record out of sequence: %s", err.msg);
	report_free(rep);
	ok(fstatat(base, "spool/22.1", &st, 0) == 0, "... kept");
}

/*
 * A spool left without a done record, and a job record that has none:
 * once all is sent, the hub is told the attempt died (abandon).
 */
static void
died(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	struct record job, s;
	struct stat st;
	long long wake = -1;
	int rv;

	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=31 lease=L attempt=2", 0);
	(void)feed(rep, "beat step=a", 0);
	report_abort(rep, EX_TEMPFAIL, "stop");
	ok(report_end(rep, &err) == EX_TEMPFAIL, "spool of job 31 left");
	report_free(rep);
	rep = resume("31.2", "http://127.0.0.1:1", &rv, &err);
	ok(rv == 0, "resumed: %s", rv ? err.msg : "");
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS &&
	    call->last == 1, "the record goes first");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 0);
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_ABANDON &&
	    strcmp(call->url, "/v1/jobs/31/abandon") == 0 &&
	    strcmp(call->body->data, "abandon reason=its%20worker%20stopped,"
	    "%20attempt%202%20died\n") == 0,
	    "then no done record: the attempt is abandoned");
	answer(call, 200, 0, "abandoned id=31 attempt=2 state=queued\n");
	report_done(rep, call, 0);
	ok(report_end(rep, &err) == 0 && strstr(err.msg, "the job is queued "
	    "now") != NULL && fstatat(base, "spool/31.2", &st, 0) == -1,
	    "abandoned: %s; spool removed", err.msg);
	report_free(rep);

	/* A job record with no spool gets one, once. */
	record_init(&job);
	record_init(&s);
	(void)record_parse(&job, "job id=32 lease=L attempt=1", 27, &err);
	(void)record_parse(&s, NOHUB, strlen(NOHUB), &err);
	ok(report_spool_job(base, &job, &s, &err) == 0 &&
	    fstatat(base, "spool/32.1/context", &st, 0) == 0,
	    "a job record with no spool: one is made");
	ok(report_spool_job(base, &job, &s, &err) == 1,
	    "again: it has one already");
	/* A hub of the first version of the protocol knows no abandon. */
	rep = new_report(0);
	(void)record_parse(&s, NOHUB, strlen(NOHUB), &err);
	rv = report_resume(rep, "32.1", &s, 0, &err);
	ok(rv == 0 && report_next(rep, REPORT_EVENTS, 0, &wake) == NULL &&
	    report_end(rep, &err) == 0 && strstr(err.msg, "when its lease "
	    "expires") != NULL && fstatat(base, "spool/32.1", &st, 0) == -1,
	    "of bb-protocol 1: left to the lease (%s)", err.msg);
	report_free(rep);
	ok(report_spool_job(base, &job, &s, &err) == 0,
	    "made again");
	rep = resume("32.1", "http://127.0.0.1:1", &rv, &err);
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(rv == 0 && call != NULL && call->kind == REPORT_CALL_ABANDON,
	    "taken up, it is abandoned at once");
	answer(call, 409, EX_UNAVAILABLE, "error status=409\n");
	report_done(rep, call, 0);
	ok(report_end(rep, &err) == EX_UNAVAILABLE && fstatat(base,
	    "spool/32.1", &st, 0) == -1, "refused (409): dropped");
	report_free(rep);
	(void)record_parse(&job, "job id=x lease=L attempt=1", 26, &err);
	ok(report_spool_job(base, &job, &s, &err) == -1,
	    "a bad job record: %s", err.msg);
	record_free(&job);
	record_free(&s);
}

/*
 * The disk fails the spool before the done record: the report goes on in
 * memory, takes no more input and finishes the job as an error with the
 * cause.
 */
static void
disk_failed(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report_opts o;
	struct report *rep;
	struct stat st;
	long long wake = -1;

	memset(&o, 0, sizeof(o));
	o.basefd = base;
	o.basedir = "/srv/bb";
	rep = report_new(&o, &err);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=41 lease=L attempt=1", 0);
	(void)feed(rep, "beat step=a", 0);
	(void)strlcpy(err.msg, "write spool/41.1/acked: No space left on "
	    "device", sizeof(err.msg));
	ok(report_spool_failed(rep, ENOSPC, 0, &err) == 0 && rep->sp->memory &&
	    rep->halted && rep->done && strcmp(rep->result, "error") == 0 &&
	    strcmp(rep->reason, "no space left on device in /srv/bb/spool") ==
	    0, "the disk fails: in memory, halted, the job an error");
	ok(feed(rep, "beat step=b", 0) == 0 && rep->seq == 2,
	    "no more input is taken");
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS &&
	    strcmp(call->body->data, "beat step=a seq=1\nerror tool=bb-report "
	    "msg=no%20space%20left%20on%20device%20in%20/srv/bb/spool "
	    "seq=2\n") == 0, "what came, then the cause, go to the hub");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 0);
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH &&
	    strcmp(call->result, "error") == 0 && call->last == 2 &&
	    strcmp(call->reason, "no space left on device in /srv/bb/spool") ==
	    0, "then the finish: error, with the cause");
	answer(call, 200, 0, "finished\n");
	report_done(rep, call, 0);
	ok(report_end(rep, &err) == EX_IOERR && strstr(err.msg, "the job is "
	    "finished as an error") != NULL && fstatat(base, "spool/41.1", &st,
	    0) == -1, "exit 74 (%s); the spool removed", err.msg);
	report_free(rep);
	rep = new_report(0);
	ok(report_spool_failed(rep, EACCES, 0, &err) == -1,
	    "not the disk's fault: no help");
	report_free(rep);
}

/* Reads the spool's records of name into buf (size bytes). */
static void
spooled(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n = -1;
	int fd;

	(void)snprintf(path, sizeof(path), "spool/%s/records", name);
	if ((fd = openat(base, path, O_RDONLY)) != -1) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/*
 * A record with a raw field gets its seq before that field; a hub that
 * does not say raw=1 gets it with every field %-encoded.
 */
static void
raw_fields(void)
{
	static char big[70000];
	struct report_call *call;
	struct report *rep;
	struct record r;
	struct bb_error err;
	const char *v, *p, *nl;
	char text[512];
	size_t len, got = 0;
	long long wake;
	int whole = 1;

	rep = new_report(0);
	(void)feed(rep, NOHUB " protocol=3", 0);
	(void)feed(rep, "job id=90 lease=L attempt=1", 0);
	ok(feed(rep, "log step=a fd=1 t=1.5 data:cc -c a.c%0A", 0) == 0 &&
	    feed(rep, "status step=a state=started", 0) == 0,
	    "a raw log record, to a hub that takes them");
	spooled("90.1", text, sizeof(text));
	is_str(text, "log step=a fd=1 t=1.5 seq=1 data:cc -c a.c%0A\n"
	    "status step=a state=started seq=2\n",
	    "  seq goes before the raw field, the line is otherwise as read");
	memcpy(big, "log step=a fd=1 data:", 21);
	memset(big + 21, 'z', 65535 - 21);
	memcpy(big + 30000, "a b", 3);
	big[65535] = '\0';
	ok(feed(rep, big, 0) == 0, "a raw log line of 65535 bytes");
	call = report_next(rep, REPORT_EVENTS, 250, &wake);
	ok(call != NULL && call->first == 1 && call->last == 4,
	    "  it goes as two records (%lld-%lld)", call ? call->first : 0,
	    call ? call->last : 0);
	record_init(&r);
	for (p = call != NULL ? call->body->data : ""; (nl = strchr(p,
	    '\n')) != NULL; p = nl + 1) {
		if ((size_t)(nl - p) >= RECORD_MAX || record_parse(&r, p,
		    (size_t)(nl - p), &err) == -1)
			whole = 0;
		else if (record_is(&r, "log") && strcmp(record_get(&r, "t") ?
		    record_get(&r, "t") : "", "1.5") != 0) {
			v = record_getn(&r, "data", &len);
			if (record_raw(&r) == NULL || v == NULL ||
			    strspn(v, "zab ") != len)
				whole = 0;
			got += len;
		}
	}
	ok(whole && got == 65535 - 21,
	    "  each a record line with a raw field, their data the whole "
	    "(%zu bytes)", got);
	record_free(&r);
	report_abort(rep, EX_TEMPFAIL, "stop");
	report_free(rep);

	rep = new_report(0);
	(void)feed(rep, NOHUB " protocol=2", 0);
	(void)feed(rep, "job id=91 lease=L attempt=1", 0);
	ok(feed(rep, "log step=a fd=1 t=1.5 data:cc -c a.c%0A", 0) == 0,
	    "a raw log record, to a hub of bb-protocol 2");
	spooled("91.1", text, sizeof(text));
	is_str(text, "log step=a fd=1 t=1.5 data=cc%20-c%20a.c%0A seq=1\n",
	    "  goes with every field %%-encoded");
	report_abort(rep, EX_TEMPFAIL, "stop");
	report_free(rep);
}

/*
 * Durability by time: a record is sent once it is in the OS, flushed to
 * disk within REPORT_SYNC_MS, and at once at a step's end and the job's.
 */
static void
by_time(void)
{
	struct report_call *call;
	struct report *rep;
	struct spool *sp;
	long long wake;

	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=92 lease=L attempt=1", 0);
	sp = rep->sp;
	ok(feed(rep, "log step=a fd=1 data:x", 100) == 0 && sp->dirty,
	    "a record: in the OS, not on disk");
	wake = -1;
	call = report_next(rep, REPORT_EVENTS, 350, &wake);
	ok(call != NULL && call->last == 1 && sp->dirty,
	    "  sent without waiting for the disk");
	report_abort(rep, EX_TEMPFAIL, "stop");
	report_free(rep);

	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=93 lease=L attempt=1", 0);
	sp = rep->sp;
	(void)feed(rep, "log step=a fd=1 data:x", 100);
	wake = -1;
	(void)report_next(rep, REPORT_UPLOADS, 200, &wake);
	ok(sp->dirty && wake == 100 + REPORT_SYNC_MS,
	    "the loop wakes to flush it in time (%lld)", wake);
	(void)report_next(rep, REPORT_UPLOADS, 100 + REPORT_SYNC_MS, &wake);
	ok(!sp->dirty && sp->synced == sp->end, "  then it is on disk");
	(void)feed(rep, "log step=a fd=1 data:y", 1200);
	ok(sp->dirty, "another record");
	ok(feed(rep, "status step=a state=finished rc=0", 1200) == 0 &&
	    !sp->dirty, "  the end of a step puts both on disk at once");
	(void)feed(rep, "beat step=b", 1300);
	ok(feed(rep, "done result=success", 1300) == 0 && !sp->dirty,
	    "  and so does the end of the job");
	report_abort(rep, EX_TEMPFAIL, "stop");
	report_free(rep);
}

int
main(void)
{
	base_setup();
	held();
	split_log();
	raw_fields();
	by_time();
	second_job();
	too_big();
	resumed();
	died();
	disk_failed();
	base_teardown();
	return tap_done();
}
