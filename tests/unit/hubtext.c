/*
 * Unit tests of lib/hub/hubtext.c: the hub's records as bb-hub(8)'s
 * admin commands print them, untrusted bytes made visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubtext.h"
#include "tap.h"

static char *text;
static size_t textlen;

/* A stream into text; close it with got(). */
static FILE *
out(void)
{
	FILE *fp;

	free(text);
	text = NULL;
	if ((fp = open_memstream(&text, &textlen)) == NULL)
		tap_bail("open_memstream");
	return fp;
}

static const char *
got(FILE *fp)
{
	fclose(fp);
	return text;
}

static struct record *
rec(const char *line)
{
	static struct record r;
	static int init;

	if (!init++)
		record_init(&r);
	if (record_parse(&r, line, strlen(line), NULL) == -1)
		tap_bail("record %s", line);
	return &r;
}

static int
log_line(struct hubtext_log *lo, const char *line)
{
	return hubtext_log(lo, 1, line, strlen(line));
}

int
main(void)
{
	struct hubtext_log lo;
	FILE *fp;

	fp = out();
	ok(hubtext_jobs_head(fp) == 0 && hubtext_job_line(fp,
	    rec("job id=7 state=running attempt=1 worker=w1 name=he%1Bllo"))
	    == 0 && hubtext_job_line(fp, rec("job id=8 state=queued")) == 0 &&
	    hubtext_job_line(fp, rec("job id=9 state=waiting name=sign "
	    "config=os=linux stage=2 stages=3 pipeline=8")) == 0, "jobs");
	is_str(got(fp), "ID     STATE     AT WORKER           NAME\n"
	    "7      running   1  w1               he\\033llo\n"
	    "8      queued    -  -                -\n"
	    "9      waiting   -  -                sign os=linux (stage 2 of 3, "
	    "pipeline 8)\n",
	    "a job a line, a control byte made visible, '-' for none; its "
	    "configuration, and its stage of a chain");

	fp = out();
	ok(hubtext_workers_head(fp) == 0 && hubtext_worker_line(fp,
	    rec("worker name=w1 connected=1 slots=2 version=0.1.0 "
	    "last_seen=0 running=1 caps=linux,x86_64 info.host=h%1Bx "
	    "tools=cc")) == 0, "workers");
	is_str(got(fp), "NAME             CONN SLOTS VERSION  LAST SEEN"
	    "            RUNNING      CAPS\n"
	    "w1               yes  2     0.1.0    -                    1"
	    "            linux,x86_64\n"
	    "    host       h\\033x\n"
	    "    tools      cc\n",
	    "a worker and what it told, an escape made visible");

	fp = out();
	ok(hubtext_show(fp, rec("job id=7 name=hello state=success")) == 0 &&
	    hubtext_show(fp, rec("step name=build cmd=make%20-j2")) == 0 &&
	    hubtext_show(fp, rec("pipeline stage=2 id=13 name=sign "
	    "state=failure worker=w2 artifacts=0 reason=no%20key")) == 0 &&
	    hubtext_show(fp, rec("attempt n=1 worker=w1 end=finished "
	    "result=success")) == 0 &&
	    hubtext_show(fp, rec("artifact attempt=1 size=3 sha256=ab "
	    "name=a%09b")) == 0 && hubtext_show(fp, rec("other x=1")) == 0,
	    "show");
	is_str(got(fp), "id         7\nname       hello\n"
	    "state      success\n"
	    "step       build: make -j2\n"
	    "stage      2 job 13 sign: failure on w2, 0 artifacts (no key)\n"
	    "attempt    1 by w1: finished success\n"
	    "artifact   1 3 ab a\tb\n", "a job shown, a tab kept (VIS_SAFE); "
	    "other records not");

	memset(&lo, 0, sizeof(lo));
	lo.fp = fp = out();
	ok(log_line(&lo, "status step=build state=start") == 0 &&
	    log_line(&lo, "log step=build data=cc%20-c%20a.c%0A") == 0 &&
	    log_line(&lo, "status step=build state=end result=failure rc=2 "
	    "elapsed=1.5") == 0 &&
	    log_line(&lo, "error tool=bb-sign artifact=a msg=no%20key") == 0 &&
	    log_line(&lo, "done result=failure reason=step%20build") == 0 &&
	    log_line(&lo, "not a record!") == 0, "log");
	is_str(lo.done, "failure", "the done record's result is kept");
	ok(hubtext_log_end(&lo, "failure", NULL) == 0, "the same result");
	ok(hubtext_log_end(&lo, "running", NULL) == 0, "running");
	ok(hubtext_log_end(&lo, "error", "pack: disk\001full") == 0,
	    "a worse result");
	is_str(got(fp), "== build start\n"
	    "cc -c a.c\n"
	    "== build end failure rc=2 1.5s\n"
	    "== error bb-sign: artifact a: no key\n"
	    "== done failure step build\n"
	    "== job error pack: disk\\001full\n",
	    "status, log text, error and done; a line that is not a record "
	    "is left out; the job's result where the log did not say it");

	memset(&lo, 0, sizeof(lo));
	lo.fp = fp = out();
	lo.tty = 1;
	ok(log_line(&lo, "log data=red%1B[31m%0A") == 0, "log on a terminal");
	is_str(got(fp), "red\\033[31m\n", "log text on a terminal: escapes "
	    "made visible, lines kept");
	memset(&lo, 0, sizeof(lo));
	lo.fp = fp = out();
	lo.raw = 1;
	ok(log_line(&lo, "log data=x%0A") == 0, "raw");
	is_str(got(fp), "log data=x%0A\n", "-r: the records as they are");

	fp = out();
	ok(hubtext_fetched(fp, "out", "dist/a.tar.gz") == 0 &&
	    hubtext_fetched(fp, "out/", "b") == 0 &&
	    hubtext_fetched(fp, NULL, "c\033d") == 0, "fetched");
	is_str(got(fp), "out/dist/a.tar.gz\nout/b\nc\\033d\n", "fetch's paths");
	free(text);
	return tap_done();
}
