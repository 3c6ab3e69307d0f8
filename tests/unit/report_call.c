/*
 * Unit tests of lib/worker/report_call.c, the HTTP calls of a report:
 * their URLs (an artifact's name escaped by curl_easy_escape), the
 * finish's record and digest, and an upload's checks of its file and
 * its Content-Digest header.  The hub is a refused connection to port 1.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "digest.h"
#include "report_test.h"

#define ABC	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
names(void)
{
	char out[64], want[16], name[2];
	struct bb_error err;
	size_t pre = strlen("/v1/jobs/7/artifacts/");
	int c, good = 1;

	ok(report_artifact_url("7", "a b/c%~_.-Z", out, sizeof(out), &err) ==
	    0 && strcmp(out, "/v1/jobs/7/artifacts/a%20b%2Fc%25~_.-Z") == 0,
	    "percent-encoding");
	ok(report_artifact_url("7", "\xe2\x80\x98", out, sizeof(out), &err) ==
	    0 && strcmp(out + pre, "%E2%80%98") == 0, "UTF-8 encoded");
	ok(report_artifact_url("7", "aaaaaaaaaa ", out, pre + 13, &err) == -1 &&
	    err.code == EX_SOFTWARE, "too long for out");
	ok(report_artifact_url("7", "aaaaaaaaaa ", out, pre + 14, &err) == 0 &&
	    strcmp(out + pre, "aaaaaaaaaa%20") == 0, "just long enough");
	/* Each byte alone: unreserved ones as they are, others %XX. */
	name[1] = '\0';
	for (c = 1; c < 256; c++) {
		name[0] = (char)c;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			(void)snprintf(want, sizeof(want), "%c", c);
		else
			(void)snprintf(want, sizeof(want), "%%%02X", c);
		if (report_artifact_url("7", name, out, sizeof(out), &err) ==
		    -1 || strcmp(out + pre, want) != 0) {
			printf("#   byte %d: %s, want %s\n", c, out + pre, want);
			good = 0;
		}
	}
	ok(good, "every byte from 1 to 255 encoded as RFC 3986 says");
}

/* The events and finish calls: their URLs, the finish's body. */
static void
finish(void)
{
	char hex[DIGEST_HEXLEN + 1], want[256];
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	long long wake;

	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=7 lease=L attempt=2", 0);
	(void)feed(rep, "status step=a state=started", 0);
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && strcmp(call->url, "/v1/jobs/7/events") == 0 &&
	    strcmp(call->req.method, "POST") == 0, "to the events URL");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 1000);
	(void)feed(rep, "done result=failure step=a reason=exit%202", 1000);
	(void)ack_next(rep, 1000);
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH &&
	    strcmp(call->url, "/v1/jobs/7/finish") == 0, "then the finish");
	report_exec(call);
	ok(call->rc == -1 && call->err.code == EX_TEMPFAIL,
	    "no hub on port 1: %s", call->err.msg);
	ok(digest_file(base, "spool/7.2/records", hex, NULL, &err) == 0, "hash");
	snprintf(want, sizeof(want), "finish result=failure last=2 sha256=%s "
	    "reason=step%%20a:%%20exit%%202\n", hex);
	is_str(call->body->data, want, "the finish record and digest");
	report_exec(call);
	is_str(call->body->data, want, "a finish tried again: the same body");
	report_abort(rep, EX_TEMPFAIL, "stop");
	answer(call, 500, EX_TEMPFAIL, "");
	report_done(rep, call, 1000);
	report_free(rep);
}

/* A reason that names its step already is not prefixed again. */
static void
finish_reason(void)
{
	struct report_call *call;
	struct report *rep;
	long long wake;

	rep = new_report(0);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=9 lease=L attempt=1", 0);
	(void)feed(rep, "status step=a state=started", 0);
	(void)ack_next(rep, 1000);
	(void)feed(rep, "done result=failure step=a "
	    "reason=step%20a%20exited%20with%20status%203", 1000);
	(void)ack_next(rep, 1000);
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH, "a finish");
	report_exec(call);
	ok(call != NULL && strstr(call->body->data,
	    " reason=step%20a%20exited%20with%20status%203\n") != NULL,
	    "the reason as bb-run wrote it, the step named once");
	report_abort(rep, EX_TEMPFAIL, "stop");
	answer(call, 500, EX_TEMPFAIL, "");
	report_done(rep, call, 1000);
	report_free(rep);
}

static char fin[256];

static void
on_finished(void *arg, const char *id, const char *result, const char *reason)
{
	(void)arg;
	(void)snprintf(fin, sizeof(fin), "%s %s %s", id, result,
	    reason != NULL ? reason : "-");
}

/* The hub takes the finish: the caller is told the result it took. */
static void
finished(void)
{
	struct report_opts o;
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	long long wake;

	memset(&o, 0, sizeof(o));
	o.basefd = base;
	o.maxtime_ms = 60000;
	o.finished = on_finished;
	rep = report_new(&o, &err);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=8 lease=L attempt=1", 0);
	(void)feed(rep, "done result=error reason=bb-sign:%20no%20key", 0);
	(void)ack_next(rep, 0);
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH, "the finish");
	is_str(fin, "", "not told before the hub takes it");
	answer(call, 200, 0, "ok\n");
	report_done(rep, call, 0);
	is_str(fin, "8 error bb-sign: no key", "then told: id, result, reason");
	ok(report_end(rep, &err) == 0, "the report ends well");
	report_free(rep);
}

/* Runs the next upload; returns it, failed here or on port 1. */
static struct report_call *
upload(struct report *rep)
{
	struct report_call *call;
	long long wake = -1;

	if ((call = report_next(rep, REPORT_UPLOADS, 0, &wake)) == NULL)
		return NULL;
	report_exec(call);
	return call;
}

/* Refuses the upload of the artifact record line for why. */
static void
refused(struct report *rep, const char *line, const char *why)
{
	struct report_call *call;

	(void)feed(rep, line, 0);
	call = upload(rep);
	ok(call != NULL && call->rc == -1 && call->local &&
	    call->err.code == EX_DATAERR && strstr(call->err.msg, why) !=
	    NULL, "not uploaded: %s", call ? call->err.msg : "no call");
	if (call != NULL)
		report_done(rep, call, 0);
}

/* The upload of a file: its checks, its URL, its Content-Digest. */
static void
uploads(void)
{
	struct report_call *call;
	struct report *rep;
	char line[320], path[300];
	int w = -1, fd;

	(void)snprintf(path, sizeof(path), "%s/w", tdir);
	if (mkdirat(base, "w", 0755) == -1 ||
	    (w = openat(base, "w", O_RDONLY | O_DIRECTORY)) == -1 ||
	    (fd = openat(w, "f", O_WRONLY | O_CREAT, 0644)) == -1 ||
	    write(fd, "abc", 3) != 3 || close(fd) == -1 ||
	    symlinkat(".", w, "l") == -1 || mkdirat(w, "d", 0755) == -1 ||
	    linkat(w, "f", w, "a b", 0) == -1)
		ok(0, "a work tree");
	rep = new_report(0);
	(void)snprintf(line, sizeof(line), "workdir path=%s", path);
	(void)feed(rep, NOHUB, 0);
	(void)feed(rep, "job id=30 lease=L attempt=1", 0);
	(void)feed(rep, line, 0);
	/* A path that is no name is refused before it is queued... */
	(void)feed(rep, "artifact path=../w/f size=3 sha256=" ABC, 0);
	ok(upload(rep) == NULL, "../w/f: no name, no upload");
	/* ... and one given a name, when it would be uploaded. */
	refused(rep, "artifact path=../w/f name=f size=3 sha256=" ABC,
	    "../w/f: leaves the work tree");
	refused(rep, "artifact path=l/f size=3 sha256=" ABC,
	    "l/f: a symbolic link or not a directory on the way");
	refused(rep, "artifact path=d size=3 sha256=" ABC,
	    "d: not a regular file");
	refused(rep, "artifact path=f size=4 sha256=" ABC,
	    "f: 3 bytes, not 4 as its record says");
	refused(rep, "artifact path=f size=3 sha256=" EMPTY,
	    "f: sha256 " ABC ", not " EMPTY " as its record says");

	(void)feed(rep, "artifact path=a%20b size=3 sha256=" ABC, 0);
	call = upload(rep);
	ok(call != NULL && strcmp(call->req.method, "PUT") == 0 &&
	    strcmp(call->url, "/v1/jobs/30/artifacts/a%20b") == 0,
	    "PUT to the artifact's URL, its name escaped");
	ok(call != NULL && call->rc == -1 && !call->local &&
	    call->err.code == EX_TEMPFAIL, "the file is fine: on to port 1");
	ok(call != NULL && call->req.headers == call->headers &&
	    call->headers[1] == NULL && strcmp(call->headers[0],
	    "Content-Digest: sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/"
	    "YfIAFa0=:") == 0, "with its Content-Digest: %s",
	    call ? call->hdr : "");
	ok(call != NULL && call->req.in_size == 3 &&
	    strcmp(call->req.type, "application/octet-stream") == 0,
	    "its size and type");
	report_abort(rep, EX_TEMPFAIL, "stop");
	if (call != NULL)
		report_done(rep, call, 0);
	report_free(rep);
	close(w);
}

int
main(void)
{
	names();
	base_setup();
	finish();
	finish_reason();
	finished();
	uploads();
	base_teardown();
	return tap_done();
}
