/*
 * logdata [-d fd] [-s step]: reads bb-record(5) lines on standard input
 * and writes the decoded data of the log records (of one fd, one step)
 * to standard output, byte for byte.  Exits 65 on a malformed record.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "record.h"

int
main(int argc, char *argv[])
{
	struct record_reader rd;
	struct record rec;
	struct bb_error e;
	const char *fd = NULL, *step = NULL, *v;
	size_t n;
	int ch, r;

	file_sanitise_stdfd();
	while ((ch = getopt(argc, argv, "+d:s:")) != -1) {
		switch (ch) {
		case 'd':
			fd = optarg;
			break;
		case 's':
			step = optarg;
			break;
		default:
			fprintf(stderr, "usage: logdata [-d fd] [-s step]\n");
			return EX_USAGE;
		}
	}
	record_init(&rec);
	if (record_reader_init(&rd, STDIN_FILENO, "stdin") == -1)
		err(EX_OSERR, NULL);
	while ((r = record_read(&rd, &rec, NULL, NULL, &e)) == 1) {
		if (!record_is(&rec, "log"))
			continue;
		if (fd != NULL && ((v = record_get(&rec, "fd")) == NULL ||
		    strcmp(v, fd) != 0))
			continue;
		if (step != NULL && ((v = record_get(&rec, "step")) == NULL ||
		    strcmp(v, step) != 0))
			continue;
		if ((v = record_getn(&rec, "data", &n)) == NULL)
			errx(EX_DATAERR, "line %zu: log without data",
			    rd.lineno);
		if (fwrite(v, 1, n, stdout) != n)
			err(EX_IOERR, "stdout");
	}
	if (r == -1)
		errx(e.code, "%s", e.msg);
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	record_reader_free(&rd);
	record_free(&rec);
	return 0;
}
