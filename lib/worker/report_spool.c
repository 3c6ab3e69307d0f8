/*
 * What a report does with its spool (lib/worker/spool.h, which keeps the
 * files): the input taken in (report_input, report_eof), the session and
 * job records kept as the spool's context, every other record numbered
 * (seq=) and appended before it is sent, a log record too long once
 * numbered split in two, and the records bb-report itself acts on looked
 * at: workdir, artifact and sig (their files queued for upload), done.
 * report_resume takes up a spool that a previous run left: its context,
 * its records read again, the files the hub already has taken off the
 * queue; report_spool_job makes one for an attempt that died before it
 * had a spool.
 *
 * Who frees what: the spool, the copies of the session and job records
 * and the queued uploads belong to the report (report_free).
 */
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "artifact.h"
#include "file.h"
#include "protocol.h"
#include "report.h"
#include "report_impl.h"
#include "spool.h"

#define SEQ_WIDEST	"999999999999999"	/* for measuring lines */

static int	spool_line(struct report *, struct record *, const char *,
		    size_t, long long, struct bb_error *);
static int	spool_record(struct report *, struct record *, long long,
		    struct bb_error *);

/* An error record from bb-report with msg in the spool. */
static int
spool_error(struct report *rep, const char *msg, long long now,
    struct bb_error *err)
{
	struct record r;
	int rv;

	record_init(&r);
	rv = record_start(&r, "error", err) == -1 ||
	    record_set(&r, "tool", "bb-report", err) == -1 ||
	    record_set(&r, "msg", msg, err) == -1 ||
	    spool_record(rep, &r, now, err) == -1 ? -1 : 0;
	record_free(&r);
	return rv;
}

/* The halt's error record; the job ends in error with its cause. */
static int
say_halt(struct report *rep, long long now, struct bb_error *err)
{
	if (spool_error(rep, rep->halt_reason, now, err) == -1)
		return -1;
	rep->done = 1;
	(void)strlcpy(rep->result, "error", sizeof(rep->result));
	free(rep->reason);
	if ((rep->reason = strdup(rep->halt_reason)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", rep->what);
		return -1;
	}
	return 0;
}

int
report_spool_failed(struct report *rep, int errnum, long long now,
    struct bb_error *err)
{
	char where[PATH_MAX], cause[PATH_MAX + 64];

	if (!file_disk_error(errnum) || (rep->sp != NULL && rep->sp->memory))
		return -1;
	(void)snprintf(where, sizeof(where), "%s%s%s", rep->o.basedir ?
	    rep->o.basedir : "", rep->o.basedir ? "/" : "", SPOOL_DIR);
	file_disk_cause(errnum, where, cause, sizeof(cause));
	free(rep->halt_reason);
	if ((rep->halt_reason = strdup(cause)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", rep->what);
		return -1;
	}
	report_warnf(rep, "%s: %s: the spool is held in memory from now on%s",
	    rep->what, err->msg, rep->done || rep->resumed ? "" :
	    "; the build is stopped and the job finished as an error");
	if ((rep->sp == NULL ? spool_memory(rep->spname, &rep->sp, err) :
	    spool_to_memory(rep->sp, err)) == -1)
		return -1;
	if (rep->done || rep->resumed)
		return 0;
	/* No more input: a record being written is the last one. */
	rep->halted = 1;
	rep->eof = 1;
	rep->eof_ms = now;
	if (rep->appending)
		return 0;
	rep->halt_said = 1;
	return say_halt(rep, now, err);
}

/* Copies record src into dst. */
static int
record_copy(struct record *dst, const struct record *src,
    struct bb_error *err)
{
	const char *v;
	size_t i, len;

	if (record_start(dst, src->type, err) == -1)
		return -1;
	for (i = 0; i < src->nf; i++) {
		v = record_val(src, i, &len);
		if (record_setn(dst, record_key(src, i), v, len, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Writes the session and job records to the spool's context.  Without the
 * session yet (bb-claim prints it after the job and its recipe), the
 * context goes to disk with the first records, if the session has not
 * replaced it by then: two flushes less a job.
 */
static int
write_context(struct report *rep, struct bb_error *err)
{
	struct buf *b;
	int rv = -1;

	if ((b = buf_new(4 * RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "context");
		return -1;
	}
	if ((rep->have_session && record_encode(&rep->session, b, err) ==
	    -1) || record_encode(&rep->job, b, err) == -1)
		goto out;
	rv = rep->have_session ? spool_set_context(rep->sp, b->data, b->len,
	    err) : spool_set_context_lazy(rep->sp, b->data, b->len, err);
out:
	buf_freezero(b);
	return rv;
}

/* The job's id, attempt and lease, checked. */
static int
job_fields(struct report *rep, const struct record *job,
    struct bb_error *err)
{
	const char *id = record_get(job, "id"), *lease;
	size_t i;

	if (id == NULL || id[0] == '\0' || strlen(id) > ID_MAX) {
		bb_error_set(err, EX_DATAERR, "job record without an id");
		return -1;
	}
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9') {
			bb_error_set(err, EX_DATAERR, "job record: bad id");
			return -1;
		}
	if (record_get_num(job, "attempt", 1, 1000000, &rep->attempt,
	    err) == -1) {
		bb_error_prefix(err, "job %s", id);
		return -1;
	}
	if ((lease = record_get(job, "lease")) == NULL || lease[0] == '\0') {
		bb_error_set(err, EX_DATAERR, "job %s: no lease", id);
		return -1;
	}
	(void)strlcpy(rep->id, id, sizeof(rep->id));
	(void)snprintf(rep->what, sizeof(rep->what), "job %s", id);
	return 0;
}

void
report_artifact_failed(struct report *rep, const char *name, const char *msg,
    long long now)
{
	struct bb_error err;
	struct record r;

	report_warnf(rep, "%s: artifact %s: %s", rep->what, name, msg);
	if (rep->fail_reason == NULL)
		rep->fail_reason = report_strf("bb-report: artifact %s: %s",
		    name, msg);
	if (rep->scanning)
		return;
	record_init(&r);
	if (record_start(&r, "error", &err) == -1 ||
	    record_set(&r, "tool", "bb-report", &err) == -1 ||
	    record_set(&r, "artifact", name, &err) == -1 ||
	    record_set(&r, "msg", msg, &err) == -1 ||
	    spool_record(rep, &r, now, &err) == -1)
		report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	record_free(&r);
}

/* Drops the queued uploads of name (they failed before). */
static void
drop_uploads(struct report *rep, const char *name)
{
	struct upload *u, *t;

	TAILQ_FOREACH_SAFE(u, &rep->uploads, entry, t)
		if (strcmp(u->name, name) == 0) {
			TAILQ_REMOVE(&rep->uploads, u, entry);
			report_upload_free(u);
		}
}

/* An artifact or sig record: its file is queued for upload. */
static void
note_file(struct report *rep, const struct record *r, long long seq,
    long long now)
{
	struct bb_error err;
	struct upload *u;
	const char *path = record_get(r, "path"), *sha, *v;
	char name[ARTIFACT_NAME_MAX + 1], *bad = NULL;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		goto nomem;
	u->seq = seq;
	u->size = -1;
	if (path == NULL || path[0] == '\0') {
		bad = "no path";
		goto refuse;
	}
	if ((u->path = strdup(path)) == NULL)
		goto nomem;
	/* Its name, else the name of its path (artifact.h). */
	if ((v = record_is(r, "artifact") ? record_get(r, "name") : NULL) !=
	    NULL && !artifact_name_valid(v)) {
		bad = "not an artifact name";
		goto refuse;
	}
	if (v == NULL && artifact_name(path, name, sizeof(name), &err) == -1) {
		bad = err.msg;
		goto refuse;
	}
	if ((u->name = strdup(v != NULL ? v : name)) == NULL)
		goto nomem;
	if (record_is(r, "artifact")) {
		sha = record_get(r, "sha256");
		if (record_get_num(r, "size", 0, LLONG_MAX, &u->size,
		    &err) == -1) {
			bad = "no size in its record";
			goto refuse;
		}
		if (sha == NULL || !digest_valid_hex(sha)) {
			bad = "no sha256 in its record";
			goto refuse;
		}
		(void)strlcpy(u->sha256, sha, sizeof(u->sha256));
	}
	TAILQ_INSERT_TAIL(&rep->uploads, u, entry);
	return;
refuse:
	report_artifact_failed(rep, u->name != NULL ? u->name :
	    path != NULL ? path : "(none)", bad, now);
	report_upload_free(u);
	return;
nomem:
	report_upload_free(u);
	report_stop(rep, EX_OSERR, 1, "%s: out of memory", rep->what);
}

/*
 * Whether a done record's reason names its step already, as bb-run's
 * do ("step build exited with status 3"): then it is the reason as it is.
 */
static int
names_step(const char *why, const char *step)
{
	size_t n = strlen(step);

	return strncmp(why, "step ", 5) == 0 && strncmp(why + 5, step, n) == 0 &&
	    (why[5 + n] == ' ' || why[5 + n] == ':' || why[5 + n] == '\0');
}

/* Looks at a numbered record for what bb-report itself must do. */
static void
note(struct report *rep, const struct record *r, long long seq, long long now)
{
	const char *v, *step, *why;

	if (record_is(r, "workdir") && (v = record_get(r, "path")) != NULL) {
		if (rep->workdir_fd != -1)
			close(rep->workdir_fd);
		free(rep->workdir);
		rep->workdir = strdup(v);
		rep->workdir_fd = open(v, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rep->workdir_errno = errno;
	} else if (record_is(r, "artifact") || record_is(r, "sig"))
		note_file(rep, r, seq, now);
	else if (record_is(r, "done")) {
		rep->done = 1;
		v = record_get(r, "result");
		(void)strlcpy(rep->result, v != NULL ? v : "",
		    sizeof(rep->result));
		free(rep->reason);
		rep->reason = NULL;
		step = record_get(r, "step");
		why = record_get(r, "reason");
		if (step != NULL && why != NULL && !names_step(why, step))
			rep->reason = report_strf("step %s: %s", step, why);
		else if (why != NULL)
			rep->reason = strdup(why);
		else if (step != NULL)
			rep->reason = report_strf("step %s", step);
	} else if (rep->scanning && record_is(r, "error") &&
	    (v = record_get(r, "tool")) != NULL &&
	    strcmp(v, "bb-report") == 0 &&
	    (v = record_get(r, "artifact")) != NULL) {
		/* This run of a previous bb-report refused the file. */
		if (rep->fail_reason == NULL)
			rep->fail_reason = report_strf("bb-report: artifact "
			    "%s: %s", v, (why = record_get(r, "msg")) != NULL ?
			    why : "");
		drop_uploads(rep, v);
	}
}

/* A log record too long once numbered goes as several. */
static int
split_log(struct report *rep, struct record *r, long long now,
    struct bb_error *err)
{
	const char *v;
	char *data = NULL;
	size_t len, off = 0, k, room;
	int rv = -1, raw;

	v = record_getn(r, "data", &len);
	raw = record_raw(r) != NULL && strcmp(record_raw(r), "data") == 0;
	if ((data = malloc(len + 1)) == NULL) {
		bb_error_errno(err, EX_OSERR, "log");
		return -1;
	}
	memcpy(data, v, len);
	buf_reset(rep->line);
	if (record_set(r, "data", "", err) == -1 ||
	    record_set(r, "seq", SEQ_WIDEST, err) == -1 ||
	    record_encode(r, rep->line, err) == -1)
		goto out;
	room = RECORD_MAX - rep->line->len;
	while (off < len) {
		k = raw ? record_raw_fit(data + off, len - off, room) :
		    record_fit(data + off, len - off, room);
		if (k == 0) {
			bb_error_set(err, EX_DATAERR, "log record too long");
			goto out;
		}
		if (record_setn(r, "data", data + off, k, err) == -1 ||
		    spool_record(rep, r, now, err) == -1)
			goto out;
		off += k;
	}
	rv = 0;
out:
	free(data);
	return rv;
}

/*
 * Numbers r, appends it to the spool and looks at it.  line (len bytes),
 * if not NULL, is r as it was read (record_parse made r of it): it is
 * kept as it is, with the seq field added at its end (before its raw
 * field, if it has one), unless r has a seq field already or the hub
 * does not take raw fields and r has one.
 */
static int
spool_line(struct report *rep, struct record *r, const char *line,
    size_t len, long long now, struct bb_error *err)
{
	const char *v;
	char seq[32];
	size_t at;
	int n;

	n = snprintf(seq, sizeof(seq), " seq=%lld", rep->seq + 1);
	buf_reset(rep->line);
	at = r->rawpos > 0 ? r->rawpos : len;
	if (!rep->raw && record_raw(r) != NULL)
		(void)record_set_raw(r, NULL);
	else if (line != NULL && record_get(r, "seq") == NULL &&
	    len + (size_t)n + 1 <= RECORD_MAX) {
		if (buf_add(rep->line, line, at) == -1 ||
		    buf_add(rep->line, seq, (size_t)n) == -1 ||
		    buf_add(rep->line, line + at, len - at) == -1 ||
		    buf_addc(rep->line, '\n') == -1) {
			bb_error_errno(err, EX_SOFTWARE, "record");
			return -1;
		}
	}
	if (rep->line->len == 0) {
		record_unset(r, "seq");
		if (record_setf(r, err, "seq", "%lld", rep->seq + 1) == -1)
			return -1;
		if (record_encode(r, rep->line, err) == -1) {
			if (record_is(r, "log") &&
			    record_get(r, "data") != NULL)
				return split_log(rep, r, now, err);
			return -1;
		}
	}
	rep->appending++;
	n = spool_append(rep->sp, rep->line->data, rep->line->len - 1,
	    err) == -1 && (report_spool_failed(rep, errno, now, err) == -1 ||
	    spool_append(rep->sp, rep->line->data, rep->line->len - 1,
	    err) == -1);
	rep->appending--;
	if (n)
		return -1;
	rep->seq++;
	if (rep->unsent_since < 0)
		rep->unsent_since = now;
	if (rep->unsynced_since < 0)
		rep->unsynced_since = now;
	note(rep, r, rep->seq, now);
	if (rep->halted && !rep->halt_said) {
		/* The record that failed went first; now the hub hears why. */
		rep->halt_said = 1;
		return say_halt(rep, now, err);
	}
	/* The end of a step and of the job are on disk at once. */
	if ((record_is(r, "done") || (record_is(r, "status") &&
	    (v = record_get(r, "state")) != NULL &&
	    strcmp(v, "finished") == 0)) && report_sync(rep, now) == -1)
		return -1;
	if (!rep->sp->dirty)
		rep->unsynced_since = -1;
	return 0;
}

int
report_sync(struct report *rep, long long now)
{
	struct bb_error err;

	if (rep->sp == NULL)
		return 0;
	if (spool_sync(rep->sp, &err) == -1 &&
	    report_spool_failed(rep, errno, now, &err) == -1) {
		report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
		return -1;
	}
	rep->unsynced_since = -1;
	return 0;
}

static int
spool_record(struct report *rep, struct record *r, long long now,
    struct bb_error *err)
{
	return spool_line(rep, r, NULL, 0, now, err);
}

/* The job record came: the spool is made and what was held goes in. */
static int
start_job(struct report *rep, const struct record *r, long long now,
    struct bb_error *err)
{
	const char *p, *nl;
	int halted;

	if (job_fields(rep, r, err) == -1 ||
	    record_copy(&rep->job, r, err) == -1)
		return -1;
	rep->have_job = 1;
	(void)snprintf(rep->spname, sizeof(rep->spname), "%s.%lld", rep->id,
	    rep->attempt);
	/* A spool that cannot be made: why, after what was held. */
	rep->appending++;
	halted = (spool_create(rep->o.basefd, rep->spname, &rep->sp,
	    err) == -1 && report_spool_failed(rep, errno, now, err) == -1) ||
	    (write_context(rep, err) == -1 &&
	    report_spool_failed(rep, errno, now, err) == -1);
	rep->appending--;
	if (halted)
		return -1;
	halted = rep->halted && !rep->halt_said;
	if (halted)
		rep->halt_said = 1;
	for (p = rep->pending->data; (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1)
		if (record_parse(&rep->tmp, p, (size_t)(nl - p), err) == -1 ||
		    spool_line(rep, &rep->tmp, p, (size_t)(nl - p), now,
		    err) == -1)
			return -1;
	buf_reset(rep->pending);
	if (halted && say_halt(rep, now, err) == -1)
		return -1;
	if (rep->have_session &&
	    report_connect(rep, &rep->session, now, err) == -1)
		return -1;
	return 0;
}

int
report_input(struct report *rep, struct record *r, const char *line,
    size_t len, long long now, struct bb_error *err)
{
	const char *id;
	long long proto;

	if (rep->over) {
		bb_error_set(err, EX_SOFTWARE, "%s", rep->msg);
		return -1;
	}
	if (record_is(r, "session")) {
		if (rep->have_session)
			return 0;
		if (record_copy(&rep->session, r, err) == -1)
			goto fail;
		rep->have_session = 1;
		/* A hub of bb-protocol 3 takes raw fields (bb-record(5)). */
		rep->raw = record_get_num(r, "protocol", 3, PROTOCOL_MAX,
		    &proto, NULL) == 0;
		if (rep->have_job && ((write_context(rep, err) == -1 &&
		    report_spool_failed(rep, errno, now, err) == -1) ||
		    report_connect(rep, &rep->session, now, err) == -1))
			goto fail;
		return 0;
	}
	if (rep->halted)
		return 0;	/* the build is stopped: no more records */
	if (record_is(r, "job")) {
		if (!rep->have_job) {
			if (start_job(rep, r, now, err) == -1)
				goto fail;
			return 0;
		}
		id = record_get(r, "id");
		if (id != NULL && strcmp(id, rep->id) == 0)
			return 0;
		bb_error_set(err, EX_DATAERR, "a second job (%s) in the "
		    "input: bb-report reports one job", id ? id : "no id");
		goto fail;
	}
	if (!rep->have_job) {
		if ((line != NULL ? buf_add(rep->pending, line, len) == -1 ||
		    buf_addc(rep->pending, '\n') == -1 :
		    record_encode(r, rep->pending, err) == -1)) {
			bb_error_set(err, EX_DATAERR, "more than %d bytes of "
			    "records before a job record", REPORT_PENDING_MAX);
			goto fail;
		}
		return 0;
	}
	if (spool_line(rep, r, line, len, now, err) == -1)
		goto fail;
	return 0;
fail:
	report_stop(rep, err->code, 1, "%s", err->msg);
	return -1;
}

void
report_eof(struct report *rep, long long now, const struct bb_error *why)
{
	struct bb_error err;
	struct record r;

	if (rep->eof)
		return;
	rep->eof = 1;
	rep->eof_ms = now;
	if (why == NULL)
		return;
	rep->why = *why;
	if (rep->sp == NULL || rep->over)
		return;
	record_init(&r);
	if (record_start(&r, "error", &err) == -1 ||
	    record_set(&r, "tool", "bb-report", &err) == -1 ||
	    record_set(&r, "msg", why->msg, &err) == -1 ||
	    spool_record(rep, &r, now, &err) == -1)
		report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	record_free(&r);
}

/* Reads the spool's records again: what to upload, the done record. */
static int
scan_spool(struct report *rep, long long now, struct bb_error *err)
{
	long long *seqs = NULL, seq = 0, v;
	struct upload *u, *t;
	off_t off = 0;
	size_t n, i, have = 0, start;
	ssize_t got;
	char *nl;
	int rv = -1;

	rep->scanning = 1;
	while (off + (off_t)have < rep->sp->end) {
		got = spool_read(rep->sp, off + (off_t)have, rep->scratch +
		    have, rep->batch_max - have, err);
		if (got <= 0)
			goto out;
		have += (size_t)got;
		start = 0;
		while ((nl = memchr(rep->scratch + start, '\n', have -
		    start)) != NULL) {
			n = (size_t)(nl - (rep->scratch + start));
			seq++;
			if (record_parse(&rep->tmp, rep->scratch + start, n,
			    err) == -1 ||
			    record_get_num(&rep->tmp, "seq", 1, LLONG_MAX, &v,
			    err) == -1 || v != seq) {
				bb_error_set(err, EX_DATAERR, "%s/%s/records "
				    "line %lld: damaged", SPOOL_DIR,
				    rep->sp->name, seq);
				goto out;
			}
			note(rep, &rep->tmp, seq, now);
			start += n + 1;
		}
		if (start == 0) {
			bb_error_set(err, EX_DATAERR, "%s/%s/records line "
			    "%lld: too long", SPOOL_DIR, rep->sp->name,
			    seq + 1);
			goto out;
		}
		memmove(rep->scratch, rep->scratch + start, have - start);
		off += (off_t)start;
		have -= start;
	}
	rep->seq = seq;
	if (spool_uploads(rep->sp, &seqs, &n, err) == -1)
		goto out;
	TAILQ_FOREACH_SAFE(u, &rep->uploads, entry, t)
		for (i = 0; i < n; i++)
			if (seqs[i] == u->seq) {
				TAILQ_REMOVE(&rep->uploads, u, entry);
				report_upload_free(u);
				break;
			}
	rv = 0;
out:
	rep->scanning = 0;
	free(seqs);
	return rv;
}

int
report_resume(struct report *rep, const char *name,
    const struct record *session, long long now, struct bb_error *err)
{
	struct buf *ctx = NULL;
	const char *p, *nl, *hub, *old;
	int r, rv = -1;

	if ((r = spool_open(rep->o.basefd, name, &rep->sp, err)) != 0) {
		if (r == -1)
			report_stop(rep, err->code, 1, "%s", err->msg);
		return r;
	}
	(void)snprintf(rep->what, sizeof(rep->what), "%s/%s", SPOOL_DIR,
	    name);
	if (rep->sp->end == 0 && faccessat(rep->sp->dirfd, "context", F_OK,
	    0) == -1 && errno == ENOENT) {
		/* A run that died as it made the spool: nothing to send. */
		report_stop(rep, 0, 0, "%s/%s: empty, removed", SPOOL_DIR,
		    name);
		return 0;
	}
	if (spool_context(rep->sp, &ctx, err) == -1)
		goto out;
	for (p = ctx->data; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if (record_parse(&rep->tmp, p, (size_t)(nl - p), err) == -1)
			goto damaged;
		if (record_is(&rep->tmp, "job") && !rep->have_job) {
			if (job_fields(rep, &rep->tmp, err) == -1 ||
			    record_copy(&rep->job, &rep->tmp, err) == -1)
				goto damaged;
			rep->have_job = 1;
		} else if (record_is(&rep->tmp, "session") &&
		    !rep->have_session) {
			if (record_copy(&rep->session, &rep->tmp, err) == -1)
				goto damaged;
			rep->have_session = 1;
		}
	}
	if (!rep->have_job) {
		bb_error_set(err, EX_DATAERR, "no job record");
		goto damaged;
	}
	hub = record_get(session, "hub");
	old = rep->have_session ? record_get(&rep->session, "hub") : NULL;
	if (hub != NULL && old != NULL && strcmp(hub, old) != 0) {
		bb_error_set(err, EX_CONFIG, "%s/%s: for the hub %s, not %s",
		    SPOOL_DIR, name, old, hub);
		goto out;
	}
	if (scan_spool(rep, now, err) == -1)
		goto out;
	rep->next_off = rep->sp->acked_off;
	rep->next_seq = rep->sp->acked + 1;
	if (rep->next_off < rep->sp->end)
		rep->unsent_since = now;
	if (report_connect(rep, session, now, err) == -1)
		goto out;
	rep->eof = 1;
	rep->eof_ms = now;
	rep->resumed = 1;
	rv = 0;
	goto out;
damaged:
	bb_error_prefix(err, "%s/%s/context", SPOOL_DIR, name);
	err->code = EX_DATAERR;
out:
	buf_freezero(ctx);
	if (rv == -1)
		report_stop(rep, err->code, 1, "%s", err->msg);
	return rv;
}

int
report_spool_job(int basefd, const struct record *job,
    const struct record *session, struct bb_error *err)
{
	struct report_opts o;
	struct report *rep;
	struct stat st;
	char name[SPOOL_NAMEMAX + sizeof(SPOOL_DIR) + 1];
	int rv = -1;

	memset(&o, 0, sizeof(o));
	o.basefd = basefd;
	if ((rep = report_new(&o, err)) == NULL)
		return -1;
	if (job_fields(rep, job, err) == -1 ||
	    record_copy(&rep->job, job, err) == -1 ||
	    record_copy(&rep->session, session, err) == -1)
		goto out;
	rep->have_job = rep->have_session = 1;
	(void)snprintf(name, sizeof(name), "%s/%s.%lld", SPOOL_DIR, rep->id,
	    rep->attempt);
	if (fstatat(basefd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		rv = 1;
		goto out;
	}
	if (spool_create(basefd, name + sizeof(SPOOL_DIR), &rep->sp,
	    err) == -1 || write_context(rep, err) == -1)
		goto out;
	rv = 0;
out:
	report_free(rep);
	return rv;
}
