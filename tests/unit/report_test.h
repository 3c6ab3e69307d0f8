/*
 * What the unit tests of bb-report's library (tests/unit/report*.c)
 * share: a BASEDIR in a temporary directory (base), reports on it,
 * records fed as lines, and the hub's answers made up: no network but a
 * refused connection to port 1.
 */
#ifndef BB_REPORT_TEST_H
#define BB_REPORT_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "tap.h"

#define UNUSED	__attribute__((__unused__))
#define NOHUB	"session hub=http://127.0.0.1:1 token=TOK"

static char tdir[] = "/tmp/bb-unit.XXXXXX";
static int base = -1;

/* Makes tdir, the BASEDIR, open as base.  Reports as one test. */
static UNUSED void
base_setup(void)
{
	ok(mkdtemp(tdir) != NULL && (base = open(tdir, O_RDONLY)) != -1,
	    "tmp");
}

/* Removes tdir.  Reports as one test. */
static UNUSED void
base_teardown(void)
{
	char cmd[300];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
	ok(system(cmd) == 0, "cleaned up");
	close(base);
}

/* A new report on base; batch 0: the default. */
static UNUSED struct report *
new_report(size_t batch)
{
	struct report_opts o;
	struct bb_error err;

	memset(&o, 0, sizeof(o));
	o.basefd = base;
	o.batch_max = batch;
	o.maxtime_ms = 60000;
	return report_new(&o, &err);
}

/* Feeds one record line at time now. */
static UNUSED int
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
static UNUSED void
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

/* Acknowledges the next call of the events lane at time now. */
static UNUSED struct report_call *
ack_next(struct report *rep, long long now)
{
	struct report_call *call;
	long long wake = -1;

	if ((call = report_next(rep, REPORT_EVENTS, now, &wake)) != NULL) {
		answer(call, 200, 0, "ack\n");
		report_done(rep, call, now);
	}
	return call;
}

#endif
