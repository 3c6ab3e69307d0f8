#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "pretty.h"

#define OUT_MAX		(8 * RECORD_MAX)
#define INDENT		"    "

struct file {
	TAILQ_ENTRY(file) entry;
	char		*line;		/* made safe already */
};
TAILQ_HEAD(files, file);

struct stream {
	char		 carry[4];	/* a UTF-8 sequence cut short */
	size_t		 ncarry;
	int		 midline;	/* the last bytes ended no line */
};

struct pretty {
	FILE		*fp;
	struct buf	*out;		/* what the record makes */
	struct buf	*tmp;
	struct stream	 fd[3];		/* 1 and 2 */
	struct files	 files;
	int		 done;
	char		*result;	/* the result line, made safe */
};

/*
 * The length of the well-formed UTF-8 sequence of a character that is
 * safe to show at p, or 0.  *cut is set when the n bytes are the start
 * of a well-formed sequence that goes on past them.
 */
static size_t
utf8_len(const unsigned char *p, size_t n, int *cut)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	*cut = 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if (i >= n) {
			*cut = 1;
			return 0;
		}
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	/* C1 controls, bidirectional embeddings, overrides and isolates. */
	if (p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
		return 0;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 0;
	return len;
}

static int
escape(struct buf *b, unsigned char c)
{
	switch (c) {
	case '\n':
		return buf_adds(b, "\\n");
	case '\r':
		return buf_adds(b, "\\r");
	default:
		return buf_addf(b, "\\%03o", c);
	}
}

int
pretty_safe(struct buf *b, const char *s, size_t len, int keep_nl,
    char *carry, size_t *ncarry)
{
	const unsigned char *p;
	unsigned char *all = NULL;
	size_t n = len, i = 0, k;
	int cut, rv = -1;

	if (carry != NULL && *ncarry > 0) {
		if ((all = malloc(len + *ncarry)) == NULL)
			return -1;
		memcpy(all, carry, *ncarry);
		memcpy(all + *ncarry, s, len);
		n = len + *ncarry;
		*ncarry = 0;
		p = all;
	} else
		p = (const unsigned char *)s;
	while (i < n) {
		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' ||
		    (p[i] == '\n' && keep_nl)) {
			k = i;
			while (k < n && ((p[k] >= 0x20 && p[k] < 0x7f) ||
			    p[k] == '\t' || (p[k] == '\n' && keep_nl)))
				k++;
			if (buf_add(b, p + i, k - i) == -1)
				goto out;
			i = k;
		} else if (p[i] == '\r' && keep_nl && i + 1 < n &&
		    p[i + 1] == '\n')
			i++;	/* CR LF */
		else if (p[i] >= 0x80 && (k = utf8_len(p + i, n - i, &cut)) >
		    0) {
			if (buf_add(b, p + i, k) == -1)
				goto out;
			i += k;
		} else if (p[i] >= 0x80 && cut && carry != NULL) {
			memcpy(carry, p + i, n - i);
			*ncarry = n - i;
			break;
		} else if (escape(b, p[i++]) == -1)
			goto out;
	}
	rv = 0;
out:
	free(all);
	return rv;
}

struct pretty *
pretty_new(FILE *fp, struct bb_error *err)
{
	struct pretty *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->out = buf_new(OUT_MAX)) == NULL ||
	    (p->tmp = buf_new(OUT_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "report");
		pretty_free(p);
		return NULL;
	}
	p->fp = fp;
	TAILQ_INIT(&p->files);
	return p;
}

void
pretty_free(struct pretty *p)
{
	struct file *f;

	if (p == NULL)
		return;
	while ((f = TAILQ_FIRST(&p->files)) != NULL) {
		TAILQ_REMOVE(&p->files, f, entry);
		free(f->line);
		free(f);
	}
	buf_free(p->out);
	buf_free(p->tmp);
	free(p->result);
	free(p);
}

int
pretty_done(const struct pretty *p)
{
	return p->done;
}

/* Appends the value of key made safe, or dflt when there is none. */
static int
add_val(struct pretty *p, const struct record *r, const char *key,
    const char *dflt)
{
	const char *v;
	size_t len;

	if ((v = record_getn(r, key, &len)) == NULL)
		return buf_adds(p->out, dflt);
	return pretty_safe(p->out, v, len, 0, NULL, NULL);
}

/* Ends the lines left open, so that a new line starts clean. */
static int
end_lines(struct pretty *p)
{
	int i;

	for (i = 1; i <= 2; i++)
		if (p->fd[i].midline) {
			p->fd[i].midline = 0;
			if (buf_addc(p->out, '\n') == -1)
				return -1;
		}
	return 0;
}

static int
tell_log(struct pretty *p, const struct record *r)
{
	struct stream *st;
	const char *v, *s, *nl;
	long long fd;
	size_t len, n;
	int other;

	if (record_get_num(r, "fd", 1, 2, &fd, NULL) == -1)
		fd = 1;
	st = &p->fd[fd];
	other = fd == 1 ? 2 : 1;
	if ((v = record_getn(r, "data", &len)) == NULL)
		return 0;
	if (p->fd[other].midline) {
		p->fd[other].midline = 0;
		if (buf_addc(p->out, '\n') == -1)
			return -1;
	}
	buf_reset(p->tmp);
	if (pretty_safe(p->tmp, v, len, 1, st->carry, &st->ncarry) == -1)
		return -1;
	for (s = p->tmp->data; s < p->tmp->data + p->tmp->len; s += n) {
		nl = memchr(s, '\n', p->tmp->len - (size_t)(s - p->tmp->data));
		n = nl != NULL ? (size_t)(nl - s) + 1 :
		    p->tmp->len - (size_t)(s - p->tmp->data);
		if (!st->midline && buf_adds(p->out, INDENT) == -1)
			return -1;
		if (buf_add(p->out, s, n) == -1)
			return -1;
		st->midline = nl == NULL;
	}
	return 0;
}

/* Appends " (rc 0, 1.2 s)" or what of it the record has. */
static int
add_details(struct pretty *p, const struct record *r)
{
	static const struct {
		const char *key, *before, *after;
	} parts[] = {
		{ "rc", "rc ", "" },
		{ "signal", "signal ", "" },
		{ "elapsed", "", " s" },
	};
	size_t i, n = 0;

	for (i = 0; i < nitems(parts); i++) {
		if (record_get(r, parts[i].key) == NULL)
			continue;
		if (buf_adds(p->out, n++ == 0 ? " (" : ", ") == -1 ||
		    buf_adds(p->out, parts[i].before) == -1 ||
		    add_val(p, r, parts[i].key, "") == -1 ||
		    buf_adds(p->out, parts[i].after) == -1)
			return -1;
	}
	return n > 0 ? buf_addc(p->out, ')') : 0;
}

static int
tell_status(struct pretty *p, const struct record *r)
{
	const char *state = record_get(r, "state");

	if (end_lines(p) == -1 || buf_adds(p->out, "--- step ") == -1 ||
	    add_val(p, r, "step", "?") == -1)
		return -1;
	if (state != NULL && strcmp(state, "finished") == 0 &&
	    (buf_adds(p->out, ": ") == -1 ||
	    add_val(p, r, "result", "finished") == -1 ||
	    add_details(p, r) == -1))
		return -1;
	return buf_addc(p->out, '\n');
}

/* An artifact or a signature, kept for the end. */
static int
keep_file(struct pretty *p, const struct record *r)
{
	struct file *f;
	int sig = record_is(r, "sig");

	buf_reset(p->out);
	if (buf_adds(p->out, INDENT) == -1 ||
	    add_val(p, r, sig || record_get(r, "name") == NULL ? "path" :
	    "name", "?") == -1)
		return -1;
	if (sig) {
		if (buf_adds(p->out, "  ") == -1 ||
		    add_val(p, r, "format", "") == -1 ||
		    buf_adds(p->out, " signature of ") == -1 ||
		    add_val(p, r, "of", "?") == -1)
			return -1;
		if (record_get(r, "key") != NULL &&
		    (buf_adds(p->out, ", key ") == -1 ||
		    add_val(p, r, "key", "") == -1))
			return -1;
	} else {
		if (buf_adds(p->out, "  ") == -1 ||
		    add_val(p, r, "size", "?") == -1 ||
		    buf_adds(p->out, " bytes  sha256 ") == -1 ||
		    add_val(p, r, "sha256", "?") == -1)
			return -1;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->line = strdup(p->out->data)) == NULL) {
		free(f);
		return -1;
	}
	TAILQ_INSERT_TAIL(&p->files, f, entry);
	buf_reset(p->out);
	return 0;
}

static int
keep_result(struct pretty *p, const struct record *r)
{
	const char *v;

	p->done = 1;
	buf_reset(p->out);
	if (buf_adds(p->out, "result: ") == -1 ||
	    add_val(p, r, "result", "?") == -1)
		return -1;
	if ((v = record_get(r, "step")) != NULL || record_get(r, "reason")) {
		if (buf_adds(p->out, " (") == -1)
			return -1;
		if (v != NULL && (buf_adds(p->out, "step ") == -1 ||
		    add_val(p, r, "step", "") == -1))
			return -1;
		if (v != NULL && record_get(r, "reason") != NULL &&
		    buf_adds(p->out, ": ") == -1)
			return -1;
		if (add_val(p, r, "reason", "") == -1 ||
		    buf_addc(p->out, ')') == -1)
			return -1;
	}
	if (record_get(r, "elapsed") != NULL &&
	    (buf_adds(p->out, " in ") == -1 ||
	    add_val(p, r, "elapsed", "") == -1 ||
	    buf_adds(p->out, " s") == -1))
		return -1;
	free(p->result);
	if ((p->result = strdup(p->out->data)) == NULL)
		return -1;
	buf_reset(p->out);
	return 0;
}

static int
flush(struct pretty *p, struct bb_error *err)
{
	if (p->out->len > 0 &&
	    fwrite(p->out->data, 1, p->out->len, p->fp) != p->out->len)
		goto fail;
	buf_reset(p->out);
	if (fflush(p->fp) == EOF)
		goto fail;
	return 0;
fail:
	bb_error_errno(err, EX_IOERR, "write report");
	return -1;
}

int
pretty_record(struct pretty *p, const struct record *r, struct bb_error *err)
{
	int rv = 0;

	buf_reset(p->out);
	if (record_is(r, "log"))
		rv = tell_log(p, r);
	else if (record_is(r, "status"))
		rv = tell_status(p, r);
	else if (record_is(r, "artifact") || record_is(r, "sig"))
		rv = keep_file(p, r);
	else if (record_is(r, "done"))
		rv = keep_result(p, r);
	else if (record_is(r, "job")) {
		rv = end_lines(p) == -1 || buf_adds(p->out, "job ") == -1 ||
		    add_val(p, r, "id", "?") == -1 ||
		    buf_addc(p->out, ' ') == -1 ||
		    add_val(p, r, "name", "") == -1 ||
		    buf_adds(p->out, " (attempt ") == -1 ||
		    add_val(p, r, "attempt", "?") == -1 ||
		    buf_adds(p->out, ")\n") == -1 ? -1 : 0;
	} else if (record_is(r, "workdir")) {
		rv = end_lines(p) == -1 ||
		    buf_adds(p->out, "work tree ") == -1 ||
		    add_val(p, r, "path", "?") == -1 ||
		    buf_addc(p->out, '\n') == -1 ? -1 : 0;
	} else if (record_is(r, "error")) {
		rv = end_lines(p) == -1 || buf_adds(p->out, "error: ") == -1 ||
		    add_val(p, r, "tool", "?") == -1 ||
		    buf_adds(p->out, ": ") == -1 ||
		    add_val(p, r, "msg", "?") == -1 ||
		    buf_addc(p->out, '\n') == -1 ? -1 : 0;
	}
	if (rv == -1) {
		bb_error_set(err, EX_SOFTWARE, "report: line too long");
		return -1;
	}
	return flush(p, err);
}

int
pretty_end(struct pretty *p, struct bb_error *err)
{
	struct file *f;

	buf_reset(p->out);
	if (end_lines(p) == -1)
		return -1;
	if (!TAILQ_EMPTY(&p->files) && buf_adds(p->out, "artifacts:\n") == -1)
		goto toolong;
	TAILQ_FOREACH(f, &p->files, entry)
		if (buf_adds(p->out, f->line) == -1 ||
		    buf_addc(p->out, '\n') == -1) {
			if (flush(p, err) == -1)
				return -1;
			if (buf_adds(p->out, f->line) == -1 ||
			    buf_addc(p->out, '\n') == -1)
				goto toolong;
		}
	if (buf_adds(p->out, p->result != NULL ? p->result : "result: none: "
	    "the input ended before a done record") == -1 ||
	    buf_addc(p->out, '\n') == -1)
		goto toolong;
	return flush(p, err);
toolong:
	bb_error_set(err, EX_SOFTWARE, "report: line too long");
	return -1;
}
