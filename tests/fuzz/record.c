/*
 * libFuzzer target for the bb-record(5) codec: arbitrary bytes through
 * record_parse and record_reader must never crash, and what parses must
 * encode and parse back to the same record.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"

/* The same type, keys and values, in the same order. */
static int
same(const struct record *a, const struct record *b)
{
	const char *va, *vb;
	size_t i, la, lb;

	if (strcmp(a->type, b->type) != 0 || a->nf != b->nf)
		return 0;
	for (i = 0; i < a->nf; i++) {
		va = record_val(a, i, &la);
		vb = record_val(b, i, &lb);
		if (strcmp(record_key(a, i), record_key(b, i)) != 0 ||
		    la != lb || memcmp(va, vb, la) != 0)
			return 0;
	}
	return 1;
}

/* A record that parsed encodes, and the encoding parses to the same. */
static void
roundtrip(const struct record *r)
{
	struct bb_error err;
	struct record back;
	struct buf *b;

	if ((b = buf_new(RECORD_MAX)) == NULL)
		return;
	record_init(&back);
	if (record_encode(r, b, &err) == 0) {
		if (b->len == 0 || b->data[b->len - 1] != '\n' ||
		    memchr(b->data, '\n', b->len - 1) != NULL)
			abort();
		if (record_parse(&back, b->data, b->len - 1, &err) == -1 ||
		    !same(r, &back))
			abort();
	}
	record_free(&back);
	buf_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_reader rd;
	struct bb_error err;
	struct record r;
	const char *line;
	size_t len;
	int fd, rv;

	record_init(&r);
	/* The whole input as one line. */
	if (record_parse(&r, (const char *)data, size, &err) == 0)
		roundtrip(&r);
	/* The input as a stream of lines, read in whatever pieces. */
	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) != -1) {
		if (write(fd, data, size) == (ssize_t)size &&
		    lseek(fd, 0, SEEK_SET) == 0 &&
		    record_reader_init(&rd, fd, "fuzz") == 0) {
			while ((rv = record_read(&rd, &r, &line, &len,
			    &err)) == 1) {
				if (memchr(line, '\n', len) != NULL ||
				    len + 1 > RECORD_MAX)
					abort();
				roundtrip(&r);
			}
			if (rv == -1 && strstr(err.msg, "line ") == NULL)
				abort();	/* a reader error names the line */
			record_reader_free(&rd);
		}
		close(fd);
	}
	record_free(&r);
	return 0;
}
