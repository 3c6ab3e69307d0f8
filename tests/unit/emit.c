/* Unit tests of lib/worker/emit.c: bb-run's records, and its text for people. */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "tap.h"

static char *mem;
static size_t memlen;

static struct emit *
open_mem(int human)
{
	FILE *fp;

	if ((fp = open_memstream(&mem, &memlen)) == NULL)
		abort();
	return emit_new(fp, human);
}

/* Closes the stream; returns what was written (the caller frees it). */
static char *
close_mem(struct emit *e)
{
	fclose(e->fp);
	emit_free(e);
	return mem;
}

static void
test_records(void)
{
	struct timespec t = { 1700000000, 123456789 };
	struct emit *e;
	char *s;

	e = open_mem(0);
	ok(emit_workdir(e, "/w/a b") == 0, "workdir");
	(void)emit_started(e, "build", &t);
	(void)emit_finished(e, "build", &t, 2 << 8, 1500, "failure");
	(void)emit_finished(e, "kill", &t, SIGTERM, 5, "timeout");
	(void)emit_finished(e, "skip", &t, -1, 0, "skipped");
	(void)emit_beat(e, "build", &t);
	(void)emit_artifact(e, "dist/a.tgz", "a.tgz", 42, "00ff", 0);
	(void)emit_artifact(e, "bin/a", "bin/a", 7, "00ee", 1);
	(void)emit_done(e, "success", 1700000000, 2001, NULL, NULL);
	(void)emit_done(e, "failure", 1700000000, 2001, "build", "exit 2");
	(void)emit_error(e, "bad input");
	(void)emit_pass(e, "x k=%41", 7);
	s = close_mem(e);
	is_str(s,
	    "workdir path=/w/a%20b\n"
	    "status step=build state=started t=1700000000.123\n"
	    "status step=build state=finished t=1700000000.123 rc=2 "
	    "elapsed=1.500 result=failure\n"
	    "status step=kill state=finished t=1700000000.123 signal=TERM "
	    "elapsed=0.005 result=timeout\n"
	    "status step=skip state=finished t=1700000000.123 "
	    "elapsed=0.000 result=skipped\n"
	    "beat step=build t=1700000000.123\n"
	    "artifact path=dist/a.tgz name=a.tgz size=42 sha256=00ff\n"
	    "artifact path=bin/a name=bin/a size=7 sha256=00ee exec=1\n"
	    "done result=success started=1700000000 elapsed=2.001\n"
	    "done result=failure started=1700000000 elapsed=2.001 "
	    "step=build reason=exit%202\n"
	    "error tool=bb-run msg=bad%20input\n"
	    "x k=%41\n", "the records, key by key");
	free(s);
}

static void
test_log(void)
{
	struct timespec t = { 1, 0 };
	struct emit *e;
	char *s, *data, *line, *next;
	size_t n = 200000, i, lines = 0, longest = 0;
	int good = 1;

	e = open_mem(0);
	(void)emit_log(e, "s", 2, &t, "a b\n\x1b%", 6);
	s = close_mem(e);
	is_str(s, "log step=s fd=2 t=1.000 data:a b%0A%1B%25\n",
	    "a log record: step fd t data, the raw field last");
	free(s);

	/* Long output: split within the limit, after newlines. */
	data = malloc(n);
	for (i = 0; i < n; i++)
		data[i] = i % 100 == 99 ? '\n' : (char)('!' + i % 90);
	e = open_mem(0);
	(void)emit_log(e, "s", 1, &t, data, n);
	s = close_mem(e);
	for (line = s; *line != '\0'; line = next + 1) {
		next = strchr(line, '\n');
		lines++;
		if ((size_t)(next - line) + 1 > longest)
			longest = (size_t)(next - line) + 1;
		if (next[-1] != 'A' || next[-2] != '0' || next[-3] != '%')
			good = 0;	/* each record ends a line */
	}
	ok(lines >= 4 && longest <= RECORD_MAX, "%zu records of at most %zu "
	    "bytes", lines, longest);
	ok(good, "each one cut after a newline");
	free(s);
	free(data);
}

static void
test_human(void)
{
	struct timespec t = { 1, 0 };
	struct emit *e;
	char *s;

	e = open_mem(1);
	(void)emit_workdir(e, "/w/\x1b[2J");
	(void)emit_started(e, "build", &t);
	(void)emit_log(e, "build", 1, &t, "one\n\x1b[31mred\r", 13);
	(void)emit_beat(e, "build", &t);
	(void)emit_finished(e, "build", &t, 1 << 8, 250, "failure");
	(void)emit_finished(e, "next", &t, -1, 0, "skipped");
	(void)emit_artifact(e, "a\nb", "b", 3, "ab12", 1);
	(void)emit_error(e, "not shown");
	(void)emit_done(e, "failure", 1, 300, "build", "step build exited "
	    "with status 1");
	s = close_mem(e);
	is_str(s,
	    "==> work tree /w/\\033[2J\n"
	    "==> build\n"
	    "one\n"
	    "\\033[31mred\\r\n"
	    "==> build: failure, exit status 1 (0.250s)\n"
	    "==> next: skipped\n"
	    "==> artifact a\\nb: 3 bytes, sha256 ab12\n"
	    "==> done: failure, step build exited with status 1 (0.300s)\n",
	    "text for people: escapes visible, unfinished lines ended");
	free(s);
}

static void
test_fail(void)
{
	struct timespec t = { 1, 0 };
	struct emit *e;
	FILE *fp;
	int p[2];

	(void)signal(SIGPIPE, SIG_IGN);
	if (pipe(p) == -1 || (fp = fdopen(p[1], "w")) == NULL)
		abort();
	setvbuf(fp, NULL, _IOLBF, 0);
	close(p[0]);
	e = emit_new(fp, 0);
	is_int(emit_started(e, "a", &t), -1, "a write to a closed pipe fails");
	ok(e->failed && e->err == EPIPE, "failed, EPIPE");
	is_int(emit_beat(e, "a", &t), -1, "later writes fail at once");
	fclose(fp);
	emit_free(e);

	if ((fp = fopen("/dev/full", "w")) == NULL)
		abort();
	setvbuf(fp, NULL, _IOLBF, 0);
	e = emit_new(fp, 0);
	is_int(emit_workdir(e, "/"), -1, "/dev/full fails");
	is_int(e->err, ENOSPC, "ENOSPC");
	fclose(fp);
	emit_free(e);
}

int
main(void)
{
	test_records();
	test_log();
	test_human();
	test_fail();
	return tap_done();
}
