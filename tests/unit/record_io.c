/*
 * Unit tests of lib/record_io.c: records read from a descriptor (lines
 * cut short, too long, not records), passed on, and read from memory.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "record.h"
#include "tap.h"

/* Appends the type and key a of each record to the buffer arg. */
static int
each_one(void *arg, const struct record *r)
{
	const char *a = record_get(r, "a");

	if (a != NULL && strcmp(a, "stop") == 0)
		return -1;
	return buf_addf(arg, "%s:%s,", r->type, a ? a : "-");
}

static void
test_each(void)
{
	static const char text[] = "x a=1\nbad line=%zz\ny\nz a=%20\nw a=4";
	struct buf *b = buf_new(1024);

	ok(record_each(text, sizeof(text) - 1, each_one, b) == 0,
	    "record_each");
	is_str(b->data, "x:1,y:-,z: ,", "each whole line that parses, in "
	    "order");
	buf_reset(b);
	ok(record_each("x a=1\nx a=stop\nx a=3\n", 24, each_one, b) == -1 &&
	    strcmp(b->data, "x:1,") == 0, "stops when fn fails");
	buf_free(b);
}

static int
reader_on(const char *data, struct record_reader *rd)
{
	int p[2];

	if (pipe(p) == -1)
		return -1;
	if (write(p[1], data, strlen(data)) != (ssize_t)strlen(data))
		return -1;
	close(p[1]);
	return record_reader_init(rd, p[0], "stdin");
}

static void
test_reader(void)
{
	struct record_reader rd;
	struct bb_error err;
	struct record r;
	const char *line;
	size_t len;

	record_init(&r);
	reader_on("a x=1\nb y=2\n", &rd);
	ok(record_read(&rd, &r, &line, &len, &err) == 1 &&
	    record_is(&r, "a"), "reader: first record");
	ok(len == 5 && memcmp(line, "a x=1", 5) == 0, "reader: raw line");
	ok(record_read(&rd, &r, NULL, NULL, &err) == 1 &&
	    record_is(&r, "b"), "reader: second record");
	is_int(record_read(&rd, &r, NULL, NULL, &err), 0, "reader: clean EOF");
	close(rd.fd);
	record_reader_free(&rd);

	reader_on("a x=1\nb y\n", &rd);
	(void)record_read(&rd, &r, NULL, NULL, &err);
	ok(record_read(&rd, &r, NULL, NULL, &err) == -1 &&
	    strncmp(err.msg, "stdin: line 2: bad field", 24) == 0 &&
	    err.code == EX_DATAERR, "reader: names the line: %s", err.msg);
	close(rd.fd);
	record_reader_free(&rd);

	reader_on("a x=1\nb y=2", &rd);
	(void)record_read(&rd, &r, NULL, NULL, &err);
	ok(record_read(&rd, &r, NULL, NULL, &err) == -1 &&
	    strstr(err.msg, "line 2: incomplete last line") != NULL,
	    "reader: a cut last line is an error: %s", err.msg);
	close(rd.fd);
	record_reader_free(&rd);

	/* An over-long line, fed from a file. */
	char path[] = "/tmp/bb-unit.XXXXXX";
	int fd = mkstemp(path);
	char *big = malloc(RECORD_MAX + 10);
	memset(big, 'a', RECORD_MAX + 10);
	memcpy(big, "x k=", 4);
	big[RECORD_MAX + 9] = '\n';
	ok(write(fd, "ok\n", 3) == 3 &&
	    write(fd, big, RECORD_MAX + 10) == RECORD_MAX + 10, "temp file");
	(void)lseek(fd, 0, SEEK_SET);
	unlink(path);
	record_reader_init(&rd, fd, NULL);
	ok(record_read(&rd, &r, NULL, NULL, &err) == 1, "reader: before");
	ok(record_read(&rd, &r, NULL, NULL, &err) == -1 &&
	    strstr(err.msg, "line 2: longer than 65536 bytes") != NULL,
	    "reader: over-long line: %s", err.msg);
	close(fd);
	free(big);
	record_reader_free(&rd);
	record_free(&r);
}

/* record_pass: a line and its newline, after what the stream holds. */
static void
test_pass(void)
{
	char got[64], *mem = NULL;
	size_t memlen = 0;
	ssize_t n;
	FILE *fp;
	int p[2];

	if (pipe(p) == -1 || (fp = fdopen(p[1], "w")) == NULL)
		abort();
	(void)fputs("held ", fp);
	ok(record_pass(fp, "log data:a b", 12) == 0, "pass a line");
	n = read(p[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, "held log data:a b\n", "  after what stdio held, with "
	    "its newline");
	fclose(fp);
	close(p[0]);
	fp = open_memstream(&mem, &memlen);
	ok(record_pass(fp, "x k=v", 5) == 0 && memlen == 6 &&
	    memcmp(mem, "x k=v\n", 6) == 0, "to a memory stream");
	fclose(fp);
	free(mem);
	if (pipe(p) == -1 || (fp = fdopen(p[1], "w")) == NULL)
		abort();
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	ok(record_pass(fp, "x", 1) == -1 && errno == EPIPE,
	    "the reader gone: EPIPE");
	fclose(fp);
}

int
main(void)
{
	test_each();
	test_pass();
	test_reader();
	return tap_done();
}
