#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "emit.h"
#include "file.h"

#define VIS_PIECE	1024	/* bytes made safe at a time */
#define EMIT_BATCH	(1024 * 1024)	/* log records written at once */

struct emit *
emit_new(FILE *fp, int human)
{
	struct emit *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->fp = fp;
	e->human = human;
	e->bol = 1;
	record_init(&e->rec);
	if ((e->b = buf_new(EMIT_BATCH + RECORD_MAX)) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void
emit_free(struct emit *e)
{
	if (e == NULL)
		return;
	buf_free(e->b);
	record_free(&e->rec);
	free(e);
}

const char *
emit_time(const struct timespec *t, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%lld.%03ld", (long long)t->tv_sec,
	    t->tv_nsec / 1000000);
	return buf;
}

const char *
emit_ms(long long ms, char *buf, size_t len)
{
	if (ms < 0)
		ms = 0;
	(void)snprintf(buf, len, "%lld.%03lld", ms / 1000, ms % 1000);
	return buf;
}

/* Writes len bytes; the first failure is kept and ends all output. */
static int
put(struct emit *e, const char *p, size_t len)
{
	if (e->failed)
		return -1;
	errno = 0;
	if (fwrite(p, 1, len, e->fp) != len || ferror(e->fp)) {
		e->failed = 1;
		e->err = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/*
 * Writes whole records straight to the file descriptor, after what
 * stdio holds: one write(2) for a record of any size, where a
 * line-buffered stream makes several of a long one.
 */
static int
put_direct(struct emit *e, const char *p, size_t len)
{
	int fd;

	if (e->failed)
		return -1;
	if ((fd = fileno(e->fp)) == -1)
		return put(e, p, len);		/* not a file: a memory stream */
	if (fflush(e->fp) == EOF || file_write_all(fd, p, len) == -1)
		goto fail;
	return 0;
fail:
	e->failed = 1;
	e->err = errno ? errno : EIO;
	return -1;
}

/* Writes untrusted bytes for people: strvis(3), newlines kept. */
static int
put_vis(struct emit *e, const char *p, size_t len, int flags)
{
	char dst[4 * VIS_PIECE + 1];
	size_t n;
	int k;

	while (len > 0) {
		n = len < VIS_PIECE ? len : VIS_PIECE;
		k = strvisx(dst, p, n, VIS_OCTAL | VIS_CSTYLE | flags);
		if (k < 0 || put(e, dst, (size_t)k) == -1)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Human output: text of bb-run's own, on a line of its own unless cont
 * (it goes on with the line that is being written).
 */
static int __printflike(3, 4)
say(struct emit *e, int cont, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, rv;

	if (e->failed)
		return -1;
	if (!cont && !e->bol && put(e, "\n", 1) == -1)
		return -1;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1) {
		e->failed = 1;
		e->err = errno;
		return -1;
	}
	rv = put(e, s, (size_t)n);
	e->bol = n > 0 ? s[n - 1] == '\n' : e->bol;
	free(s);
	if (rv == 0 && fflush(e->fp) == EOF) {
		e->failed = 1;
		e->err = errno;
		rv = -1;
	}
	return rv;
}

int
emit_record(struct emit *e, const struct record *r)
{
	struct bb_error err;

	if (e->failed)
		return -1;
	buf_reset(e->b);
	if (record_encode(r, e->b, &err) == -1) {
		e->failed = 1;
		e->err = EMSGSIZE;
		return -1;
	}
	if (e->human) {
		if (!e->bol && put(e, "\n", 1) == -1)
			return -1;
		e->bol = 1;
		return put_vis(e, e->b->data, e->b->len, 0);
	}
	return put(e, e->b->data, e->b->len);
}

int
emit_pass(struct emit *e, const char *line, size_t len)
{
	if (e->failed)
		return -1;
	if (!e->human) {
		if (record_pass(e->fp, line, len) == -1) {
			e->failed = 1;
			e->err = errno ? errno : EIO;
			return -1;
		}
		return 0;
	}
	if (!e->bol && put(e, "\n", 1) == -1)
		return -1;
	e->bol = 1;
	if (put_vis(e, line, len, 0) == -1)
		return -1;
	return put(e, "\n", 1);
}

/* Starts e->rec as type with step=NAME (NULL: none). */
static struct record *
start(struct emit *e, const char *type, const char *step)
{
	struct bb_error err;

	if (record_start(&e->rec, type, &err) == -1 ||
	    (step != NULL && record_set(&e->rec, "step", step, &err) == -1))
		return NULL;
	return &e->rec;
}

static int
set_time(struct record *r, const char *key, const struct timespec *t)
{
	struct bb_error err;
	char buf[64];

	return record_set(r, key, emit_time(t, buf, sizeof(buf)), &err);
}

int
emit_workdir(struct emit *e, const char *path)
{
	struct bb_error err;
	struct record *r;

	if (e->human)
		return say(e, 0, "==> work tree ") == -1 ||
		    put_vis(e, path, strlen(path), VIS_NL) == -1 ||
		    say(e, 1, "\n") == -1 ? -1 : 0;
	if ((r = start(e, "workdir", NULL)) == NULL ||
	    record_set(r, "path", path, &err) == -1)
		return -1;
	return emit_record(e, r);
}

int
emit_recipe(struct emit *e, const struct recipe *rc)
{
	static const char *const pass[] = { "VERSION", "PROFILE" };
	struct bb_error err;
	struct record *r;
	const char *v;
	size_t k;

	if (e->human)
		return 0;
	if (rc->name != NULL && ((r = start(e, "recipe", NULL)) == NULL ||
	    record_set(r, "name", rc->name, &err) == -1 ||
	    emit_record(e, r) == -1))
		return -1;
	for (k = 0; k < nitems(pass); k++) {
		if ((v = recipe_getenv(rc, pass[k])) == NULL)
			continue;
		if ((r = start(e, "env", NULL)) == NULL ||
		    record_set(r, "name", pass[k], &err) == -1 ||
		    record_set(r, "value", v, &err) == -1 ||
		    emit_record(e, r) == -1)
			return -1;
	}
	/* The job's configuration, for the archive's name (bb-pack). */
	for (k = 0; k < rc->naxes; k++) {
		if (rc->axes[k].nvalues != 1)
			continue;
		if ((r = start(e, "matrix", NULL)) == NULL ||
		    record_set(r, "name", rc->axes[k].name, &err) == -1 ||
		    record_set(r, "values", rc->axes[k].values[0], &err) == -1 ||
		    emit_record(e, r) == -1)
			return -1;
	}
	return 0;
}

int
emit_started(struct emit *e, const char *step, const struct timespec *t)
{
	struct bb_error err;
	struct record *r;

	if (e->human)
		return say(e, 0, "==> %s\n", step);
	if ((r = start(e, "status", step)) == NULL ||
	    record_set(r, "state", "started", &err) == -1 ||
	    set_time(r, "t", t) == -1)
		return -1;
	return emit_record(e, r);
}

int
emit_finished(struct emit *e, const char *step, const struct timespec *t,
    int status, long long ms, const char *result)
{
	struct bb_error err;
	struct record *r;
	char el[64], how[64], sig[16];

	how[0] = sig[0] = '\0';
	if (status >= 0 && WIFEXITED(status))
		(void)snprintf(how, sizeof(how), ", exit status %d",
		    WEXITSTATUS(status));
	else if (status >= 0 && WIFSIGNALED(status)) {
		if (sigabbrev_np(WTERMSIG(status)) != NULL)
			(void)strlcpy(sig, sigabbrev_np(WTERMSIG(status)),
			    sizeof(sig));
		else
			(void)snprintf(sig, sizeof(sig), "%d",
			    WTERMSIG(status));
		(void)snprintf(how, sizeof(how), ", signal %s", sig);
	}
	if (e->human) {
		if (status < 0)
			return say(e, 0, "==> %s: %s\n", step, result);
		return say(e, 0, "==> %s: %s%s (%ss)\n", step, result,
		    strcmp(result, "success") == 0 ? "" : how,
		    emit_ms(ms, el, sizeof(el)));
	}
	if ((r = start(e, "status", step)) == NULL ||
	    record_set(r, "state", "finished", &err) == -1 ||
	    set_time(r, "t", t) == -1)
		return -1;
	if (status >= 0 && WIFEXITED(status)) {
		if (record_setf(r, &err, "rc", "%d", WEXITSTATUS(status)) == -1)
			return -1;
	} else if (sig[0] != '\0') {
		if (record_set(r, "signal", sig, &err) == -1)
			return -1;
	}
	if (record_set(r, "elapsed", emit_ms(ms, el, sizeof(el)), &err) == -1 ||
	    record_set(r, "result", result, &err) == -1)
		return -1;
	return emit_record(e, r);
}

int
emit_log(struct emit *e, const char *step, int fd, const struct timespec *t,
    const char *p, size_t len)
{
	char tb[64];
	size_t head, start;
	ssize_t n;

	if (e->failed)
		return -1;
	if (e->human) {
		if (len == 0)
			return 0;
		if (put_vis(e, p, len, 0) == -1 || fflush(e->fp) == EOF) {
			e->failed = 1;
			e->err = errno;
			return -1;
		}
		e->bol = p[len - 1] == '\n';
		return 0;
	}
	/*
	 * Written by hand rather than through a struct record: the same
	 * encoding, data the raw field (record_raw_add), without copying
	 * every byte twice; the records of a chunk go in one write(2).
	 */
	buf_reset(e->b);
	emit_time(t, tb, sizeof(tb));
	while (len > 0) {
		start = e->b->len;
		if (buf_addf(e->b, "log step=%s fd=%d t=%s data:", step, fd,
		    tb) == -1)
			goto toolong;
		head = e->b->len - start;
		if (head + 1 + 3 > RECORD_MAX)
			goto toolong;
		if ((n = record_raw_add(e->b, p, len, RECORD_MAX - head - 1)) <=
		    0 || buf_addc(e->b, '\n') == -1)
			goto toolong;
		p += n;
		len -= (size_t)n;
		if ((e->b->len > EMIT_BATCH || len == 0) &&
		    put_direct(e, e->b->data, e->b->len) == -1)
			return -1;
		if (e->b->len > EMIT_BATCH)
			buf_reset(e->b);
	}
	return 0;
toolong:
	e->failed = 1;
	e->err = EMSGSIZE;
	return -1;
}

int
emit_beat(struct emit *e, const char *step, const struct timespec *t)
{
	struct record *r;

	if (e->human) {
		/* Nothing to show; a flush still notices a hung-up tty. */
		if (!e->failed && fflush(e->fp) == EOF) {
			e->failed = 1;
			e->err = errno;
		}
		return e->failed ? -1 : 0;
	}
	if ((r = start(e, "beat", step)) == NULL || set_time(r, "t", t) == -1)
		return -1;
	return emit_record(e, r);
}

int
emit_artifact(struct emit *e, const char *path, const char *name,
    long long size, const char *sha256, int exec)
{
	struct bb_error err;
	struct record *r;

	if (e->human) {
		if (say(e, 0, "==> artifact ") == -1 ||
		    put_vis(e, path, strlen(path), VIS_NL) == -1)
			return -1;
		return say(e, 1, ": %lld bytes, sha256 %s\n", size, sha256);
	}
	if ((r = start(e, "artifact", NULL)) == NULL ||
	    record_set(r, "path", path, &err) == -1 ||
	    record_set(r, "name", name, &err) == -1 ||
	    record_setf(r, &err, "size", "%lld", size) == -1 ||
	    record_set(r, "sha256", sha256, &err) == -1 ||
	    (exec && record_set(r, "exec", "1", &err) == -1))
		return -1;
	return emit_record(e, r);
}

int
emit_done(struct emit *e, const char *result, time_t started, long long ms,
    const char *step, const char *reason)
{
	struct bb_error err;
	struct record *r;
	char el[64];

	if (e->human)
		return say(e, 0, "==> done: %s%s%s (%ss)\n", result,
		    reason ? ", " : "", reason ? reason : "",
		    emit_ms(ms, el, sizeof(el)));
	if ((r = start(e, "done", NULL)) == NULL ||
	    record_set(r, "result", result, &err) == -1 ||
	    record_setf(r, &err, "started", "%lld", (long long)started) == -1 ||
	    record_set(r, "elapsed", emit_ms(ms, el, sizeof(el)), &err) == -1 ||
	    (step != NULL && record_set(r, "step", step, &err) == -1) ||
	    (reason != NULL && record_set(r, "reason", reason, &err) == -1))
		return -1;
	return emit_record(e, r);
}

int
emit_error(struct emit *e, const char *msg)
{
	struct bb_error err;
	struct record *r;

	if (e->human)
		return 0;	/* the message goes to standard error */
	if ((r = start(e, "error", NULL)) == NULL ||
	    record_set(r, "tool", "bb-run", &err) == -1 ||
	    record_set(r, "msg", msg, &err) == -1)
		return -1;
	return emit_record(e, r);
}
