/*
 * Records read and written (lib/record.h): one written to a stream, a
 * line passed on with one write(2), a descriptor read line by line
 * into records (lines cut short, too long or not records named by
 * their number), and the records of a text in memory.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "record.h"

int
record_write(FILE *fp, const struct record *r, struct bb_error *err)
{
	struct buf *b;
	int rv = -1;

	if ((b = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "writing %s record", r->type);
		return -1;
	}
	if (record_encode(r, b, err) == -1)
		goto out;
	if (fwrite(b->data, 1, b->len, fp) != b->len || fflush(fp) == EOF) {
		bb_error_errno(err, EX_IOERR, "write");
		goto out;
	}
	rv = 0;
out:
	buf_free(b);
	return rv;
}

int
record_pass(FILE *fp, const char *line, size_t len)
{
	struct iovec iov[2];
	ssize_t n;
	int fd;

	if ((fd = fileno(fp)) == -1) {
		/* Not a file (a memory stream): through stdio. */
		if (fwrite(line, 1, len, fp) != len || putc('\n', fp) == EOF ||
		    fflush(fp) == EOF)
			return -1;
		return 0;
	}
	if (fflush(fp) == EOF)
		return -1;
	iov[0].iov_base = (void *)(uintptr_t)line;
	iov[0].iov_len = len;
	iov[1].iov_base = "\n";
	iov[1].iov_len = 1;
	while (iov[1].iov_len > 0) {
		if ((n = writev(fd, iov[0].iov_len ? iov : iov + 1,
		    iov[0].iov_len ? 2 : 1)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((size_t)n >= iov[0].iov_len) {
			n -= (ssize_t)iov[0].iov_len;
			iov[0].iov_len = 0;
			iov[1].iov_len -= (size_t)n;
		} else {
			iov[0].iov_base = (char *)iov[0].iov_base + n;
			iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}

int
record_reader_init(struct record_reader *rd, int fd, const char *name)
{
	memset(rd, 0, sizeof(*rd));
	rd->fd = fd;
	if (name != NULL)
		(void)strlcpy(rd->name, name, sizeof(rd->name));
	/* Room for one whole line plus one read. */
	if ((rd->in = buf_new(2 * RECORD_MAX)) == NULL)
		return -1;
	return 0;
}

void
record_reader_free(struct record_reader *rd)
{
	buf_free(rd->in);
	rd->in = NULL;
}

static void
reader_error(struct record_reader *rd, struct bb_error *err, size_t line)
{
	if (rd->name[0] != '\0')
		bb_error_prefix(err, "%s: line %zu", rd->name, line);
	else
		bb_error_prefix(err, "line %zu", line);
}

ssize_t
record_reader_fill(struct record_reader *rd, struct bb_error *err)
{
	size_t room;
	ssize_t n;
	char *d;

	if (rd->pos > 0) {
		buf_consume(rd->in, rd->pos);
		rd->pos = 0;
	}
	room = rd->in->max - rd->in->len;
	if (room > RECORD_MAX)
		room = RECORD_MAX;
	if (room == 0) {
		errno = EMSGSIZE;
		bb_error_set(err, EX_DATAERR, "line too long");
		return -1;
	}
	if ((d = buf_reserve(rd->in, room)) == NULL) {
		bb_error_errno(err, EX_OSERR, "reading records");
		return -1;
	}
	n = read(rd->fd, d, room);
	if (n == -1) {
		bb_error_errno(err, EX_IOERR, "read%s%s",
		    rd->name[0] ? " " : "", rd->name);
		return -1;
	}
	rd->in->len += (size_t)n;
	rd->in->data[rd->in->len] = '\0';
	if (n == 0)
		rd->eof = 1;
	return n;
}

int
record_reader_next(struct record_reader *rd, struct record *r,
    const char **linep, size_t *lenp, struct bb_error *err)
{
	const char *s = rd->in->data + rd->pos, *nl;
	size_t avail = rd->in->len - rd->pos, len;

	nl = avail ? memchr(s, '\n', avail) : NULL;
	if (nl == NULL) {
		if (avail >= RECORD_MAX) {
			bb_error_set(err, EX_DATAERR,
			    "longer than %d bytes", RECORD_MAX);
			reader_error(rd, err, rd->lineno + 1);
			return -1;
		}
		if (rd->eof && avail > 0) {
			bb_error_set(err, EX_DATAERR,
			    "incomplete last line (no newline)");
			reader_error(rd, err, rd->lineno + 1);
			return -1;
		}
		return 0;
	}
	len = (size_t)(nl - s);
	rd->lineno++;
	rd->pos += len + 1;
	if (record_parse(r, s, len, err) == -1) {
		reader_error(rd, err, rd->lineno);
		return -1;
	}
	if (linep != NULL)
		*linep = s;
	if (lenp != NULL)
		*lenp = len;
	return 1;
}

int
record_read(struct record_reader *rd, struct record *r, const char **linep,
    size_t *lenp, struct bb_error *err)
{
	int rv;

	for (;;) {
		if ((rv = record_reader_next(rd, r, linep, lenp, err)) != 0)
			return rv;
		if (rd->eof)
			return 0;
		if (record_reader_fill(rd, err) == -1 && errno != EINTR)
			return -1;
	}
}

int
record_each(const char *p, size_t len,
    int (*fn)(void *, const struct record *), void *arg)
{
	struct record r;
	const char *nl;
	int rv = 0;

	record_init(&r);
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		if (record_parse(&r, p, (size_t)(nl - p), NULL) == 0 &&
		    fn(arg, &r) == -1) {
			rv = -1;
			break;
		}
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	record_free(&r);
	return rv;
}
