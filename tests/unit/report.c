/*
 * Unit tests of lib/worker/report.c: ranges, names, and the state machine driven
 * by hand, with the hub's answers made up (no network but a refused
 * connection to port 1).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "digest.h"
#include "report.h"
#include "tap.h"

static struct report *
new_report(int base, size_t batch)
{
	struct report_opts o;
	struct bb_error err;

	memset(&o, 0, sizeof(o));
	o.basefd = base;
	o.batch_max = batch;
	o.maxtime_ms = 60000;
	return report_new(&o, &err);
}

/* Feeds one record line. */
static int
feed(struct report *rep, const char *line, long long now)
{
	struct bb_error err;
	struct record r;
	int rv;

	record_init(&r);
	rv = record_parse(&r, line, strlen(line), &err) == -1 ? -1 :
	    report_input(rep, &r, line, strlen(line), now, &err);
	record_free(&r);
	return rv;
}

/* Makes up the hub's answer to call. */
static void
answer(struct report_call *call, long status, int code, const char *body)
{
	http_resp_free(&call->resp);
	call->resp.status = status;
	call->resp.body = buf_new(HTTP_BODY_MAX);
	buf_adds(call->resp.body, body);
	call->rc = status >= 200 && status < 300 ? 0 : -1;
	call->local = 0;
	call->err.code = code;
	snprintf(call->err.msg, sizeof(call->err.msg), "status %ld", status);
}

static void
ranges(void)
{
	long long (*r)[2];
	struct bb_error err;
	size_t n;

	ok(report_parse_ranges("1-40,45,47-57", &r, &n, &err) == 0 &&
	    n == 3 && r[0][0] == 1 && r[0][1] == 40 && r[1][0] == 45 &&
	    r[1][1] == 45 && r[2][0] == 47 && r[2][1] == 57, "ranges");
	free(r);
	ok(report_parse_ranges("", &r, &n, &err) == 0 && n == 0, "empty");
	free(r);
	ok(report_parse_ranges("3-9,12,...", &r, &n, &err) == 0 && n == 2 &&
	    r[1][0] == 12, "a cut list");
	free(r);
	ok(report_parse_ranges("9-3", &r, &n, &err) == -1 &&
	    err.code == EX_PROTOCOL, "a range upside down");
	ok(report_parse_ranges("3,3", &r, &n, &err) == -1, "not increasing");
	ok(report_parse_ranges("5,1-2", &r, &n, &err) == -1, "out of order");
	ok(report_parse_ranges("1,", &r, &n, &err) == -1, "a trailing comma");
	ok(report_parse_ranges("1-", &r, &n, &err) == -1, "an open range");
	ok(report_parse_ranges("0", &r, &n, &err) == -1, "zero");
	ok(report_parse_ranges("x", &r, &n, &err) == -1, "garbage");
	ok(report_parse_ranges("1 2", &r, &n, &err) == -1, "a space");
}

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
	ok(report_valid_artifact_name("hello-1.0.tar.gz"), "a name");
	ok(!report_valid_artifact_name("") && !report_valid_artifact_name(".")
	    && !report_valid_artifact_name("..") &&
	    !report_valid_artifact_name("a/b") &&
	    !report_valid_artifact_name("a\\b") &&
	    !report_valid_artifact_name("a\nb"), "bad names");
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", cmd[256], hex[DIGEST_HEXLEN + 1];
	char big[70000], want[256], *first;
	struct report_call *call, *again;
	struct bb_error err;
	struct report *rep;
	struct stat st;
	long long wake;
	int base;

	ranges();
	names();
	ok(mkdtemp(dir) != NULL && (base = open(dir, O_RDONLY)) != -1, "tmp");

	rep = new_report(base, 0);
	ok(rep != NULL, "new");
	ok(feed(rep, "status step=a state=started", 1000) == 0,
	    "a record before the job is held");
	ok(feed(rep, "job id=7 lease=L attempt=2 keepalive=5", 1000) == 0,
	    "job");
	ok(fstatat(base, "spool/7.2/records", &st, 0) == 0 && st.st_size ==
	    strlen("status step=a state=started seq=1\n"),
	    "the held record is spooled, numbered");
	wake = -1;
	ok(report_next(rep, REPORT_EVENTS, 2000, &wake) == NULL,
	    "no session yet: nothing to send");
	ok(feed(rep, "session hub=http://127.0.0.1:1 token=TOK keepalive=30",
	    2000) == 0, "session");
	ok(fstatat(base, "spool/7.2/context", &st, 0) == 0 &&
	    (st.st_mode & 0777) == 0600, "context kept, mode 0600");
	call = report_next(rep, REPORT_EVENTS, 2000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS &&
	    call->first == 1 && call->last == 1 &&
	    strcmp(call->body->data, "status step=a state=started seq=1\n") ==
	    0, "the waiting record goes at once");
	ok(strcmp(call->url, "/v1/jobs/7/events") == 0, "to the events URL");
	ok(report_next(rep, REPORT_EVENTS, 2000, &wake) == NULL,
	    "one call at a time per lane");
	answer(call, 200, 0, "ack stored=1 dup=0 upto=1\n");
	report_done(rep, call, 2010);

	/* A record waits at most the flush time. */
	ok(feed(rep, "log step=a fd=1 data=x%0A", 3000) == 0, "a log record");
	wake = -1;
	ok(report_next(rep, REPORT_EVENTS, 3100, &wake) == NULL && wake == 3250,
	    "it waits until 250 ms after it came (wake %lld)", wake);
	call = report_next(rep, REPORT_EVENTS, 3250, &wake);
	ok(call != NULL && call->first == 2 && call->last == 2, "then goes");

	/* A failed batch goes again, the same bytes, whatever came since. */
	answer(call, 503, EX_TEMPFAIL, "");
	report_done(rep, call, 3300);
	first = strdup(call->body->data);
	ok(feed(rep, "log step=a fd=1 data=y%0A", 3310) == 0, "another");
	wake = -1;
	ok(report_next(rep, REPORT_EVENTS, 3310, &wake) == NULL && wake > 3310,
	    "a failed call waits for its retry");
	again = report_next(rep, REPORT_EVENTS, 3300 + 300000, &wake);
	ok(again == call && again->first == 2 && again->last == 2 &&
	    strcmp(again->body->data, first) == 0,
	    "then goes again byte for byte");
	free(first);
	answer(call, 200, 0, "ack stored=1 dup=0 upto=2\n");
	report_done(rep, call, 303400);
	call = report_next(rep, REPORT_EVENTS, 303400, &wake);
	ok(call != NULL && call->first == 3 && call->last == 3,
	    "the next batch follows");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 303400);

	/* Keepalive: an empty batch. */
	wake = -1;
	ok(report_next(rep, REPORT_EVENTS, 303500, &wake) == NULL &&
	    wake == 303400 + 5000, "nothing to say: waits for the keepalive");
	call = report_next(rep, REPORT_EVENTS, 308400, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS &&
	    call->body->len == 0 && call->req.body != NULL,
	    "an empty batch every keepalive (the job's: 5 s)");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 308400);

	/* A log record too long once numbered is split. */
	memcpy(big, "log step=a fd=1 data=", 21);
	memset(big + 21, 'z', 65535 - 21);
	big[65535] = '\0';
	ok(feed(rep, big, 308500) == 0, "a log line of 65535 bytes");
	call = report_next(rep, REPORT_EVENTS, 308750, &wake);
	ok(call != NULL && call->first == 4 && call->last == 5,
	    "it goes as two records (%lld-%lld)", call ? call->first : 0,
	    call ? call->last : 0);
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 308500);

	/* done: finish, with the digest of the spool. */
	ok(feed(rep, "done result=failure step=a reason=exit%202", 308600) == 0,
	    "done");
	call = report_next(rep, REPORT_EVENTS, 308600, &wake);
	ok(call != NULL && call->first == 6, "done is sent at once");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 308600);
	call = report_next(rep, REPORT_EVENTS, 308600, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH &&
	    strcmp(call->url, "/v1/jobs/7/finish") == 0, "then the finish");
	report_exec(call);
	ok(call->rc == -1 && call->err.code == EX_TEMPFAIL,
	    "no hub on port 1: %s", call->err.msg);
	ok(digest_file(base, "spool/7.2/records", hex, NULL, &err) == 0, "hash");
	snprintf(want, sizeof(want), "finish result=failure last=6 sha256=%s "
	    "reason=step%%20a:%%20exit%%202\n", hex);
	is_str(call->body->data, want, "the finish record and digest");
	answer(call, 412, EX_PROTOCOL, "error status=412 reason=incomplete "
	    "msg=x have=1,4-6 missing=2-3\n");
	report_done(rep, call, 308700);
	call = report_next(rep, REPORT_EVENTS, 308700, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS && call->repair &&
	    call->first == 2 && call->last == 3 &&
	    strcmp(call->body->data, "log step=a fd=1 data=x%0A seq=2\n"
	    "log step=a fd=1 data=y%0A seq=3\n") == 0,
	    "412: the missing records go again from the spool");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 308700);
	call = report_next(rep, REPORT_EVENTS, 308700, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH,
	    "then the finish again");
	answer(call, 412, EX_PROTOCOL, "error status=412 missing=2-3\n");
	report_done(rep, call, 308800);
	ok(report_over(rep), "412 with the same list again: over");
	ok(report_end(rep, &err) == EX_PROTOCOL &&
	    strstr(err.msg, "still misses records 2-3") != NULL,
	    "... EX_PROTOCOL: %s", err.msg);
	ok(fstatat(base, "spool/7.2", &st, 0) == 0, "... spool kept");
	report_free(rep);

	/* A lost lease drops the spool. */
	rep = new_report(base, 0);
	ok(feed(rep, "session hub=http://127.0.0.1:1 token=TOK", 0) == 0 &&
	    feed(rep, "job id=8 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "beat step=a", 0) == 0, "another job");
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL, "a batch");
	answer(call, 409, EX_PROTOCOL, "");
	report_done(rep, call, 1000);
	ok(report_over(rep) && report_end(rep, &err) == EX_UNAVAILABLE &&
	    strstr(err.msg, "lease lost") != NULL, "409: %s", err.msg);
	ok(fstatat(base, "spool/8.1", &st, 0) == -1, "409: spool removed");
	report_free(rep);

	/* The hub takes no more records (413): finished as an error. */
	rep = new_report(base, 0);
	ok(feed(rep, "session hub=http://127.0.0.1:1 token=TOK", 0) == 0 &&
	    feed(rep, "job id=11 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "beat step=a", 0) == 0, "a job");
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 1000);
	ok(feed(rep, "beat step=b", 1000) == 0, "more");
	call = report_next(rep, REPORT_EVENTS, 2000, &wake);
	answer(call, 413, EX_PROTOCOL, "");
	report_done(rep, call, 2000);
	ok(!report_over(rep), "413: not over");
	call = report_next(rep, REPORT_EVENTS, 2000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH, "413: a finish");
	report_exec(call);
	/* sha256 of "beat step=a seq=1\n", the one record the hub holds. */
	is_str(call->body->data, "finish result=error last=1 sha256="
	    "e28c5eb18ea2f14ea7f44d2a55883397dbc750106e6c5c16f1e2787217ca8472 "
	    "reason=the%20log%20is%20over%20the%20hub's%20limit:%20the%20hub"
	    "%20holds%20its%20first%201%20records\n",
	    "413: finished with the records the hub holds");
	answer(call, 200, 0, "finished\n");
	report_done(rep, call, 2000);
	ok(report_over(rep) && report_end(rep, &err) == 0, "413: finished");
	report_free(rep);

	/* A file over the hub's max_artifact is refused before it is sent. */
	rep = new_report(base, 0);
	ok(feed(rep, "session hub=http://127.0.0.1:1 token=TOK max_artifact=10",
	    0) == 0 && feed(rep, "job id=12 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "workdir path=/", 0) == 0 &&
	    feed(rep, "artifact path=f size=11 sha256=e28c5eb18ea2f14ea7f44d2a"
	    "55883397dbc750106e6c5c16f1e2787217ca8472", 0) == 0, "a job");
	ok(report_next(rep, REPORT_UPLOADS, 0, &wake) == NULL,
	    "over max_artifact: no upload");
	snprintf(cmd, sizeof(cmd), "grep -q '^error tool=bb-report artifact=f "
	    "msg=11%%20bytes,%%20over%%20the%%20hub' %s/spool/12.1/records",
	    dir);
	ok(system(cmd) == 0, "... an error record says why");
	ok(feed(rep, "done result=success", 0) == 0, "done");
	call = report_next(rep, REPORT_EVENTS, 0, &wake);
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 0);
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

	/* A second job is refused. */
	rep = new_report(base, 0);
	ok(feed(rep, "job id=9 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "job id=9 lease=L attempt=1", 0) == 0,
	    "the same job again is fine");
	ok(feed(rep, "job id=10 lease=M attempt=1", 0) == -1 &&
	    report_over(rep), "another job is refused");
	ok(report_end(rep, &err) == EX_DATAERR &&
	    strstr(err.msg, "a second job (10)") != NULL, "... %s", err.msg);
	report_free(rep);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleaned up");
	close(base);
	return tap_done();
}
