/*
 * logdata [-d fd] [-o file] [-s step]: reads bb-record(5) lines on
 * standard input and writes the decoded data of the log records (of one
 * fd, one step) to standard output, byte for byte; with -o, the other
 * records go to file as they came.  Exits 65 on a malformed record.
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
	const char *fd = NULL, *step = NULL, *v, *line;
	FILE *rest = NULL;
	size_t n, len;
	int ch, r;

	file_sanitise_stdfd();
	while ((ch = getopt(argc, argv, "+d:o:s:")) != -1) {
		switch (ch) {
		case 'd':
			fd = optarg;
			break;
		case 'o':
			if ((rest = fopen(optarg, "w")) == NULL)
				err(EX_CANTCREAT, "%s", optarg);
			break;
		case 's':
			step = optarg;
			break;
		default:
			fprintf(stderr, "usage: logdata [-d fd] [-o file] "
			    "[-s step]\n");
			return EX_USAGE;
		}
	}
	record_init(&rec);
	if (record_reader_init(&rd, STDIN_FILENO, "stdin") == -1)
		err(EX_OSERR, NULL);
	while ((r = record_read(&rd, &rec, &line, &len, &e)) == 1) {
		if (!record_is(&rec, "log") || (fd != NULL &&
		    ((v = record_get(&rec, "fd")) == NULL ||
		    strcmp(v, fd) != 0)) || (step != NULL &&
		    ((v = record_get(&rec, "step")) == NULL ||
		    strcmp(v, step) != 0))) {
			if (rest != NULL && (fwrite(line, 1, len, rest) != len ||
			    putc('\n', rest) == EOF))
				err(EX_IOERR, "-o");
			continue;
		}
		if ((v = record_getn(&rec, "data", &n)) == NULL)
			errx(EX_DATAERR, "line %zu: log without data",
			    rd.lineno);
		if (fwrite(v, 1, n, stdout) != n)
			err(EX_IOERR, "stdout");
	}
	if (r == -1)
		errx(e.code, "%s", e.msg);
	if (fflush(stdout) == EOF || (rest != NULL && fclose(rest) == EOF))
		err(EX_IOERR, "stdout");
	record_reader_free(&rd);
	record_free(&rec);
	return 0;
}
