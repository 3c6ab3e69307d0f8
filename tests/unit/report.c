/*
 * Unit tests of lib/worker/report.c, the state machine and its scheduler,
 * driven by hand with the hub's answers made up: ranges of a 412, when a
 * batch goes (at once, after the flush time, at the keepalive), a retry
 * of the same bytes, the missing records sent again, a lost lease, a log
 * the hub cuts (413), the last records and the finish in one call
 * (bb-protocol 4).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "report_test.h"

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

/* A job's records from the first to the finish, and a 412 twice. */
static void
flow(void)
{
	struct report_call *call, *again;
	struct bb_error err;
	struct report *rep;
	struct stat st;
	long long wake;
	char *first;

	rep = new_report(0);
	ok(rep != NULL, "new");
	(void)feed(rep, "status step=a state=started", 1000);
	(void)feed(rep, "job id=7 lease=L attempt=2 keepalive=5", 1000);
	wake = -1;
	ok(report_next(rep, REPORT_EVENTS, 2000, &wake) == NULL,
	    "no session yet: nothing to send");
	(void)feed(rep, "session hub=http://127.0.0.1:1 token=TOK keepalive=30",
	    2000);
	call = report_next(rep, REPORT_EVENTS, 2000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS &&
	    call->first == 1 && call->last == 1 &&
	    strcmp(call->body->data, "status step=a state=started seq=1\n") ==
	    0, "the waiting record goes at once");
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

	/* done: sent at once, then the finish. */
	ok(feed(rep, "done result=failure step=a reason=exit%202", 308600) == 0,
	    "done");
	call = report_next(rep, REPORT_EVENTS, 308600, &wake);
	ok(call != NULL && call->first == 4, "done is sent at once");
	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 308600);
	call = report_next(rep, REPORT_EVENTS, 308600, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH, "then the finish");

	/* 412: the records the hub misses go again from the spool. */
	answer(call, 412, EX_PROTOCOL, "error status=412 reason=incomplete "
	    "msg=x have=1,4 missing=2-3\n");
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
}

/* A lost lease drops the spool. */
static void
lease_lost(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	struct stat st;
	long long wake;

	rep = new_report(0);
	ok(feed(rep, NOHUB, 0) == 0 &&
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
}

/* The hub takes no more records (413): finished as an error. */
static void
log_cut(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	long long wake;

	rep = new_report(0);
	ok(feed(rep, NOHUB, 0) == 0 &&
	    feed(rep, "job id=11 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "beat step=a", 0) == 0, "a job");
	(void)ack_next(rep, 1000);
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
}

/* call is acknowledged; then the finish goes alone and ends the report. */
static void
then_finish(struct report *rep, struct report_call *call, const char *what)
{
	struct bb_error err;
	long long wake;

	answer(call, 200, 0, "ack\n");
	report_done(rep, call, 1000);
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_FINISH, "%s", what);
	answer(call, 200, 0, "finished\n");
	report_done(rep, call, 1000);
	ok(report_over(rep) && report_end(rep, &err) == 0, "  finished");
	report_free(rep);
}

/*
 * bb-protocol 4: the job's last records and the finish in one call; a
 * 412 to it sends the missing records, then the finish alone.
 */
static void
last_call(void)
{
	struct report_call *call;
	struct bb_error err;
	struct report *rep;
	long long wake;
	size_t len;

	rep = new_report(0);
	ok(feed(rep, NOHUB " protocol=4", 0) == 0 &&
	    feed(rep, "job id=12 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "beat step=a", 0) == 0 &&
	    feed(rep, "done result=success", 0) == 0, "a job of one beat");
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS && call->finish &&
	    call->first == 1 && call->last == 2, "one call: the records and "
	    "the finish");
	report_exec(call);
	/* sha256 of "beat step=a seq=1\ndone result=success seq=2\n". */
	is_str(call->body->data, "beat step=a seq=1\ndone result=success "
	    "seq=2\nfinish result=success last=2 sha256="
	    "16e466b385dc84e473fc487b9389c901ac428da00941fea02a42cad22bd4ea10\n",
	    "the finish ends the batch, with the digest of the records");
	ok(call->req.len == call->body->len, "all of it is sent");
	answer(call, 412, EX_PROTOCOL, "error status=412 reason=incomplete "
	    "msg=x have=2 missing=1\n");
	report_done(rep, call, 1000);
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS && call->repair &&
	    !call->finish && call->first == 1 && call->last == 1,
	    "412: the missing record goes again, alone");
	then_finish(rep, call, "412: then the finish, alone");

	rep = new_report(0);
	ok(feed(rep, NOHUB " protocol=4", 0) == 0 &&
	    feed(rep, "job id=13 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "done result=failure", 0) == 0, "another");
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->finish, "the last call");
	report_exec(call);
	len = call->body->len;
	answer(call, 503, EX_TEMPFAIL, "");
	report_done(rep, call, 1000);
	call = report_next(rep, REPORT_EVENTS, 1000 + 300000, &wake);
	ok(call != NULL && call->finish, "503: it goes again");
	report_exec(call);
	ok(call->body->len == len && len > 0 && call->req.len == len,
	    "  the same bytes, one finish record (%zu bytes)", len);
	answer(call, 200, 0, "ack stored=1 dup=0 upto=1\n"
	    "finished id=13 attempt=1 result=failure\n");
	report_done(rep, call, 1000);
	ok(report_over(rep) && report_end(rep, &err) == 0 &&
	    strstr(err.msg, "finished, result failure") != NULL,
	    "200: finished: %s", err.msg);
	report_free(rep);

	rep = new_report(0);
	ok(feed(rep, NOHUB " protocol=3", 0) == 0 &&
	    feed(rep, "job id=14 lease=L attempt=1", 0) == 0 &&
	    feed(rep, "done result=success", 0) == 0, "a hub of version 3");
	call = report_next(rep, REPORT_EVENTS, 1000, &wake);
	ok(call != NULL && call->kind == REPORT_CALL_EVENTS && !call->finish,
	    "the records alone");
	then_finish(rep, call, "then the finish");
}

int
main(void)
{
	ranges();
	base_setup();
	flow();
	lease_lost();
	log_cut();
	last_call();
	base_teardown();
	return tap_done();
}
