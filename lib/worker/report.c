/*
 * The state machine of bb-report(1) and its scheduler (see report.h for
 * the whole and report_impl.h for the parts): a report's life from
 * report_new to report_end, what each lane runs next and when
 * (report_next: a batch when a record has waited flush_ms or a batch is
 * full, a keepalive, a retry after its backoff, the finish once all is
 * delivered, the files in their order), and what a call's result does
 * (report_done: an acknowledgement, a retry, the records a 412 names
 * sent again, a log the hub cuts with 413, a lease lost, the end).
 *
 * Who frees what: report_free frees the report and all it owns;
 * report_end removes the spool, or leaves it for --resend, as the end
 * demands.  The list report_parse_ranges makes is the caller's.
 */
#include <sys/queue.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "report.h"
#include "report_impl.h"
#include "spool.h"

void
report_warnf(struct report *rep, const char *fmt, ...)
{
	char msg[BB_ERROR_MAX + 128];
	va_list ap;

	if (rep->o.warn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep->o.warn(rep->o.arg, msg);
}

void
report_stop(struct report *rep, int code, int keep, const char *fmt, ...)
{
	va_list ap;

	if (rep->over)
		return;
	rep->over = 1;
	rep->code = code;
	rep->keep = keep;
	va_start(ap, fmt);
	(void)vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
	va_end(ap);
}

static void
lower(long long *wake, long long t)
{
	if (wake != NULL && (*wake < 0 || t < *wake))
		*wake = t;
}

char *
report_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n == -1 ? NULL : s;
}

int
report_parse_ranges(const char *s, long long (**out)[2], size_t *np,
    struct bb_error *err)
{
	long long (*r)[2] = NULL, (*nr)[2], lo, hi, prev = 0;
	size_t n = 0, cap = 0;
	const char *p = s;
	char *end;

	while (*p != '\0') {
		if (strcmp(p, "...") == 0)
			break;
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		lo = strtoll(p, &end, 10);
		if (errno != 0 || lo < 1)
			goto bad;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			hi = strtoll(p, &end, 10);
			if (errno != 0 || hi < lo)
				goto bad;
		}
		if (lo <= prev)
			goto bad;
		prev = hi;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nr = reallocarray(r, cap, sizeof(*r))) == NULL) {
				bb_error_errno(err, EX_OSERR, "ranges");
				free(r);
				return -1;
			}
			r = nr;
		}
		r[n][0] = lo;
		r[n][1] = hi;
		n++;
		if (*end == '\0') {
			p = end;
			break;
		}
		if (*end != ',')
			goto bad;
		p = end + 1;
		if (*p == '\0')
			goto bad;
	}
	*out = r;
	*np = n;
	return 0;
bad:
	free(r);
	bb_error_set(err, EX_PROTOCOL, "bad list of sequence numbers");
	return -1;
}

struct report *
report_new(const struct report_opts *o, struct bb_error *err)
{
	struct report *rep;
	int i;

	if ((rep = calloc(1, sizeof(*rep))) == NULL) {
		bb_error_errno(err, EX_OSERR, "report");
		return NULL;
	}
	rep->o = *o;
	rep->batch_max = o->batch_max ? o->batch_max : REPORT_BATCH_MAX;
	if (rep->batch_max < RECORD_MAX)
		rep->batch_max = RECORD_MAX;
	if (rep->o.flush_ms <= 0)
		rep->o.flush_ms = REPORT_FLUSH_MS;
	record_init(&rep->session);
	record_init(&rep->job);
	record_init(&rep->tmp);
	TAILQ_INIT(&rep->uploads);
	rep->workdir_fd = -1;
	rep->next_seq = 1;
	rep->unsent_since = -1;
	rep->unsynced_since = -1;
	rep->keep = 1;
	rep->raw = 1;		/* until a session says otherwise */
	(void)strlcpy(rep->what, "job", sizeof(rep->what));
	for (i = 0; i < REPORT_LANES; i++) {
		rep->lane[i].call.lane = i;
		rep->lane[i].call.spoolfd = -1;
		rep->lane[i].call.dirfd = -1;
		http_resp_init(&rep->lane[i].call.resp);
	}
	if ((rep->pending = buf_new(REPORT_PENDING_MAX)) == NULL ||
	    (rep->line = buf_new(2 * RECORD_MAX)) == NULL ||
	    (rep->scratch = malloc(rep->batch_max)) == NULL) {
		bb_error_errno(err, EX_OSERR, "report");
		report_free(rep);
		return NULL;
	}
	for (i = 0; i < REPORT_LANES; i++)
		if ((rep->lane[i].call.body = buf_new(rep->batch_max)) ==
		    NULL) {
			bb_error_errno(err, EX_OSERR, "report");
			report_free(rep);
			return NULL;
		}
	return rep;
}

void
report_upload_free(struct upload *u)
{
	if (u == NULL)
		return;
	free(u->path);
	free(u->name);
	free(u);
}

void
report_free(struct report *rep)
{
	struct upload *u;
	int i;

	if (rep == NULL)
		return;
	while ((u = TAILQ_FIRST(&rep->uploads)) != NULL) {
		TAILQ_REMOVE(&rep->uploads, u, entry);
		report_upload_free(u);
	}
	for (i = 0; i < REPORT_LANES; i++) {
		http_client_free(rep->lane[i].c);
		buf_free(rep->lane[i].call.body);
		http_resp_free(&rep->lane[i].call.resp);
		free(rep->lane[i].call.reason);
	}
	spool_close(rep->sp);
	if (rep->workdir_fd != -1)
		close(rep->workdir_fd);
	record_free(&rep->session);
	record_free(&rep->job);
	record_free(&rep->tmp);
	buf_free(rep->pending);
	buf_free(rep->line);
	free(rep->scratch);
	free(rep->miss);
	free(rep->missing);
	free(rep->workdir);
	free(rep->reason);
	free(rep->fail_reason);
	free(rep->cut_reason);
	free(rep->halt_reason);
	free(rep);
}

void
report_abort(struct report *rep, int code, const char *msg)
{
	report_stop(rep, code, 1, "%s", msg);
}

/* Everything read so far is delivered. */
static int
delivered(const struct report *rep)
{
	const struct lane *ev = &rep->lane[REPORT_EVENTS];
	const struct lane *up = &rep->lane[REPORT_UPLOADS];

	return rep->sp != NULL && rep->next_off == rep->sp->end &&
	    !ev->busy && !ev->retrying && !rep->repairing &&
	    TAILQ_EMPTY(&rep->uploads) && !up->busy && !up->retrying;
}

/* Ends the report when the input ended and nothing is left to do. */
static void
check_end(struct report *rep, long long now, long long *wake)
{
	if (rep->over || !rep->eof)
		return;
	if (!rep->have_job) {
		if (rep->why.msg[0] != '\0')
			report_stop(rep, rep->why.code, 1, "%s", rep->why.msg);
		else
			report_stop(rep, EX_DATAERR, 1, "no job record in "
			    "the input");
		return;
	}
	if (!rep->ready) {
		report_stop(rep, rep->why.msg[0] ? rep->why.code : EX_DATAERR,
		    1, "%s: %s%sno session record in the input: %lld records "
		    "kept in %s/%s (bb-report --resend sends them)", rep->what,
		    rep->why.msg, rep->why.msg[0] ? "; " : "", rep->seq,
		    SPOOL_DIR, rep->sp->name);
		return;
	}
	if (rep->o.maxtime_ms > 0) {
		if (now >= rep->eof_ms + rep->o.maxtime_ms) {
			report_stop(rep, EX_TEMPFAIL, 1, "%s: gave up after "
			    "%lld s: the hub has not acknowledged everything; "
			    "kept in %s/%s (bb-report --resend sends it)",
			    rep->what, rep->o.maxtime_ms / 1000, SPOOL_DIR,
			    rep->sp->name);
			return;
		}
		lower(wake, rep->eof_ms + rep->o.maxtime_ms);
	}
	if (!rep->done && !rep->abandoning && delivered(rep)) {
		if (rep->why.msg[0] != '\0')
			report_stop(rep, rep->why.code, 1, "%s: %s; %lld "
			    "records delivered, job not finished", rep->what,
			    rep->why.msg, rep->seq);
		else if (rep->resumed && rep->proto >= 2)
			rep->abandoning = 1;
		else if (rep->resumed)
			report_stop(rep, 0, 0, "%s: %lld records sent; no "
			    "done record: the hub (of bb-protocol 1) gives the "
			    "job out again when its lease expires", rep->what,
			    rep->sent);
		else
			report_stop(rep, EX_TEMPFAIL, 1, "%s: the input ended "
			    "before a done record: %lld records delivered, "
			    "job not finished (kept in %s/%s)", rep->what,
			    rep->seq, SPOOL_DIR, rep->sp->name);
	}
}

/*
 * The most bytes a finish record can take: its keys, a number, a digest
 * and the reason, every byte of it percent-encoded.
 */
static size_t
finish_room(const struct report *rep)
{
	const char *why = rep->cut_reason != NULL ? rep->cut_reason :
	    rep->fail_reason != NULL ? rep->fail_reason : rep->reason;

	return 128 + DIGEST_HEXLEN + (why != NULL ? 3 * strlen(why) : 0);
}

/* The next call of the events lane, if one is due now. */
static struct report_call *
next_event(struct report *rep, long long now, long long *wake)
{
	struct lane *up = &rep->lane[REPORT_UPLOADS];
	struct report_call *call;
	off_t unsent;

	if (rep->abandoning)
		return report_abandon_call(rep, now);
	if (rep->cut_reason != NULL) {
		if (up->busy || up->retrying)
			return NULL;
		return report_finish_call(rep, now);
	}
	if (rep->repairing) {
		if ((call = report_repair_call(rep, now)) != NULL || rep->over)
			return call;
		rep->repairing = 0;
	}
	unsent = rep->sp->end - rep->next_off;
	/*
	 * The job's end: with a hub of bb-protocol 4, its last records and
	 * the finish go in one call when they fit in one batch.
	 */
	if (unsent > 0 && rep->done && rep->proto >= 4 &&
	    TAILQ_EMPTY(&rep->uploads) && !up->busy && !up->retrying &&
	    unsent + (off_t)finish_room(rep) <= (off_t)rep->batch_max)
		return report_last_call(rep, now);
	if (unsent > 0) {
		if (unsent >= (off_t)rep->batch_max || rep->done ||
		    rep->eof || now >= rep->unsent_since + rep->o.flush_ms)
			return report_events_call(rep, now);
		lower(wake, rep->unsent_since + rep->o.flush_ms);
	} else if (rep->done && TAILQ_EMPTY(&rep->uploads) && !up->busy &&
	    !up->retrying)
		return report_finish_call(rep, now);
	if (now >= rep->last_events + rep->keepalive_ms)
		return report_events_call(rep, now);
	lower(wake, rep->last_events + rep->keepalive_ms);
	return NULL;
}

/* The next file to upload; those that cannot go are failed first. */
static struct report_call *
next_upload(struct report *rep, long long now)
{
	struct upload *u;
	char msg[BB_ERROR_MAX];

	while ((u = TAILQ_FIRST(&rep->uploads)) != NULL) {
		msg[0] = '\0';
		if (rep->workdir_fd == -1 && rep->workdir == NULL)
			(void)strlcpy(msg, "no workdir record before it",
			    sizeof(msg));
		else if (rep->workdir_fd == -1)
			(void)snprintf(msg, sizeof(msg), "work tree %s: %s",
			    rep->workdir, strerror(rep->workdir_errno));
		else if (rep->max_artifact > 0 && u->size > rep->max_artifact)
			(void)snprintf(msg, sizeof(msg), "%lld bytes, over the "
			    "hub's limit of %lld bytes; not uploaded", u->size,
			    rep->max_artifact);
		if (msg[0] != '\0') {
			TAILQ_REMOVE(&rep->uploads, u, entry);
			report_artifact_failed(rep, u->name, msg, now);
			report_upload_free(u);
			if (rep->over)
				return NULL;
			continue;
		}
		return report_upload_call(rep, u);
	}
	return NULL;
}

struct report_call *
report_next(struct report *rep, int lane, long long now, long long *wake)
{
	struct lane *l = &rep->lane[lane];

	/* What is spooled is on disk within REPORT_SYNC_MS, sent or not. */
	if (rep->unsynced_since >= 0 && !rep->over) {
		if (now >= rep->unsynced_since + REPORT_SYNC_MS)
			(void)report_sync(rep, now);
		else
			lower(wake, rep->unsynced_since + REPORT_SYNC_MS);
	}
	if (rep->eof)
		check_end(rep, now, wake);
	if (rep->over || !rep->ready || l->busy)
		return NULL;
	if (l->retrying) {
		if (now < l->next_ms) {
			lower(wake, l->next_ms);
			return NULL;
		}
		l->retrying = 0;
		return report_hand_out(l);
	}
	if (lane == REPORT_UPLOADS)
		return next_upload(rep, now);
	return next_event(rep, now, wake);
}

/* The call failed for a while: it goes again later, the same. */
static void
retry_later(struct report *rep, struct lane *l, long long now)
{
	long ms;

	ms = http_retry_next(&l->retry, l->call.resp.retry_after);
	if (ms < 0)
		ms = l->retry.max_ms;
	l->retrying = 1;
	l->next_ms = now + ms;
	/* Say it on the first tries, then less and less often. */
	if ((l->retry.n & (l->retry.n - 1)) == 0)
		report_warnf(rep, "%s: %s; trying again in %ld.%01ld s "
		    "(try %d)", rep->what, l->call.err.msg, ms / 1000,
		    ms % 1000 / 100, l->retry.n + 1);
}

/* The hub took the word that the attempt died. */
static void
abandoned(struct report *rep, struct report_call *call)
{
	struct record r;
	const char *state = NULL;
	size_t pos = 0;

	record_init(&r);
	while (http_resp_record(&call->resp, &pos, &r, NULL) == 1)
		if (record_is(&r, "abandoned")) {
			state = record_get(&r, "state");
			break;
		}
	report_stop(rep, 0, 0, "%s: no done record: the hub was told that "
	    "attempt %lld died (%s); the job is %s now", rep->what,
	    rep->attempt, call->reason, state != NULL ? state : "?");
	record_free(&r);
}

static void
success(struct report *rep, struct lane *l, struct report_call *call,
    long long now)
{
	struct bb_error err;

	if (l->retry.n > 0)
		report_warnf(rep, "%s: the hub answers again, after %d tries",
		    rep->what, l->retry.n + 1);
	l->retry.n = 0;
	switch (call->kind) {
	case REPORT_CALL_EVENTS:
		if (!call->repair && call->last > 0) {
			rep->sent += call->last - call->first + 1;
			if (spool_ack(rep->sp, call->last, call->end, &err) ==
			    -1 && (report_spool_failed(rep, errno, now,
			    &err) == -1 || spool_ack(rep->sp, call->last,
			    call->end, &err) == -1))
				report_stop(rep, err.code, 1, "%s: %s",
				    rep->what, err.msg);
		}
		if (!call->finish || rep->over)
			break;
		/* FALLTHROUGH */
	case REPORT_CALL_FINISH:
		if (rep->halted)
			report_stop(rep, EX_IOERR, 0, "%s: %s: the job is "
			    "finished as an error; the build must stop",
			    rep->what, rep->halt_reason);
		else
			report_stop(rep, 0, 0, "%s: finished, result %s",
			    rep->what, call->result);
		if (rep->o.finished != NULL)
			rep->o.finished(rep->o.arg, rep->id, call->result,
			    call->reason);
		break;
	case REPORT_CALL_ABANDON:
		abandoned(rep, call);
		break;
	case REPORT_CALL_UPLOAD:
		if (spool_uploaded(rep->sp, call->seq, &err) == -1 &&
		    (report_spool_failed(rep, errno, now, &err) == -1 ||
		    spool_uploaded(rep->sp, call->seq, &err) == -1))
			report_stop(rep, err.code, 1, "%s: %s", rep->what,
			    err.msg);
		break;
	}
}

/* A finish refused with 412: the missing records go again. */
static void
incomplete(struct report *rep, struct report_call *call)
{
	struct bb_error err;
	struct record r;
	const char *missing = NULL;
	size_t pos = 0;

	record_init(&r);
	while (http_resp_record(&call->resp, &pos, &r, &err) == 1)
		if ((missing = record_get(&r, "missing")) != NULL)
			break;
	free(rep->miss);
	rep->miss = NULL;
	rep->nmiss = 0;
	if (missing == NULL || report_parse_ranges(missing, &rep->miss,
	    &rep->nmiss, &err) == -1 || rep->nmiss == 0) {
		report_stop(rep, EX_PROTOCOL, 1, "%s: finish refused (412) "
		    "without a list of missing records", rep->what);
		goto out;
	}
	if (rep->missing != NULL && strcmp(rep->missing, missing) == 0) {
		report_stop(rep, EX_PROTOCOL, 1, "%s: the hub still misses "
		    "records %s after they were sent again", rep->what,
		    missing);
		goto out;
	}
	free(rep->missing);
	rep->missing = strdup(missing);
	report_warnf(rep, "%s: the hub misses records %s: sending them again",
	    rep->what, missing);
	rep->repairing = 1;
	rep->rep_off = 0;
	rep->rep_seq = 1;
out:
	record_free(&r);
}

/* Takes the upload of call off the queue, if it is still there. */
static struct upload *
pop_upload(struct report *rep, const struct report_call *call)
{
	struct upload *u = TAILQ_FIRST(&rep->uploads);

	if (u == NULL || u->seq != call->seq)
		return NULL;
	TAILQ_REMOVE(&rep->uploads, u, entry);
	return u;
}

/*
 * The hub takes no more records of this job (413: its log is over the
 * hub's limit).  Rather than fail over and over, the job is finished as
 * an error with the records the hub holds.
 */
static void
log_cut(struct report *rep, struct report_call *call)
{
	struct upload *u;

	report_warnf(rep, "%s: the hub takes no more records: %s; finishing "
	    "the job as an error with the %lld records it holds", rep->what,
	    call->err.msg, rep->sp->acked);
	rep->cut_reason = report_strf("the log is over the hub's limit: the "
	    "hub holds its first %lld records", rep->sp->acked);
	if (rep->cut_reason == NULL) {
		report_stop(rep, EX_OSERR, 1, "%s: out of memory", rep->what);
		return;
	}
	while ((u = TAILQ_FIRST(&rep->uploads)) != NULL) {
		TAILQ_REMOVE(&rep->uploads, u, entry);
		report_upload_free(u);
	}
}

void
report_done(struct report *rep, struct report_call *call, long long now)
{
	struct lane *l = &rep->lane[call->lane];
	long status = call->resp.status;
	int code = call->err.code;

	l->busy = 0;
	if (call->kind == REPORT_CALL_UPLOAD && call->req.in_fd != -1)
		call->req.in_fd = -1;	/* closed by exec_upload */
	if (rep->over)
		return;
	if (call->rc == 0) {
		success(rep, l, call, now);
		if (call->kind == REPORT_CALL_UPLOAD)
			report_upload_free(pop_upload(rep, call));
		return;
	}
	if (!call->local && status == 410) {
		report_stop(rep, EX_UNAVAILABLE, 0, "%s: cancelled on the "
		    "hub (410)", rep->what);
		return;
	}
	if (!call->local && status == 409) {
		report_stop(rep, EX_UNAVAILABLE, 0, "%s: lease lost (409): %s",
		    rep->what, call->err.msg);
		return;
	}
	if (!call->local && code == EX_NOPERM) {
		report_stop(rep, EX_NOPERM, 1, "%s: token refused: %s",
		    rep->what, call->err.msg);
		return;
	}
	if (!call->local && code == EX_TEMPFAIL) {
		retry_later(rep, l, now);
		return;
	}
	switch (call->kind) {
	case REPORT_CALL_UPLOAD: {
		struct upload *u = pop_upload(rep, call);
		char msg[BB_ERROR_MAX + 32];

		if (u == NULL)
			return;
		if (call->local)
			(void)strlcpy(msg, call->err.msg, sizeof(msg));
		else
			(void)snprintf(msg, sizeof(msg), "refused by the "
			    "hub: %s", call->err.msg);
		report_artifact_failed(rep, u->name, msg, now);
		report_upload_free(u);
		return;
	}
	case REPORT_CALL_FINISH:
		if (status == 412) {
			incomplete(rep, call);
			return;
		}
		break;
	case REPORT_CALL_EVENTS:
		if (status == 412 && call->finish) {
			incomplete(rep, call);
			return;
		}
		if (status == 413 && !call->repair && rep->cut_reason == NULL) {
			log_cut(rep, call);
			return;
		}
		break;
	}
	if (status >= 400 && status < 500)
		report_stop(rep, EX_PROTOCOL, 0, "%s: refused by the hub: %s",
		    rep->what, call->err.msg);
	else
		report_stop(rep, code ? code : EX_SOFTWARE, 1, "%s: %s",
		    rep->what, call->err.msg);
}

int
report_over(const struct report *rep)
{
	return rep->over;
}

int
report_busy(const struct report *rep)
{
	int i, n = 0;

	for (i = 0; i < REPORT_LANES; i++)
		n += rep->lane[i].busy;
	return n;
}

int
report_end(struct report *rep, struct bb_error *err)
{
	struct bb_error e;

	bb_error_clear(err);
	if (!rep->over || report_busy(rep)) {
		bb_error_set(err, EX_SOFTWARE, "report not over");
		return EX_SOFTWARE;
	}
	(void)strlcpy(err->msg, rep->msg, sizeof(err->msg));
	if (rep->sp != NULL && rep->sp->memory && rep->keep)
		(void)strlcat(err->msg, " (but for what was held in memory "
		    "only, which is lost)", sizeof(err->msg));
	err->code = rep->code;
	/* A spool that stays is left on disk. */
	if (rep->sp != NULL && rep->keep && spool_sync(rep->sp, &e) == -1 &&
	    rep->code == 0) {
		*err = e;
		return e.code;
	}
	if (rep->sp != NULL && !rep->keep) {
		if (spool_remove(rep->sp, &e) == -1 && rep->code == 0) {
			rep->sp = NULL;
			*err = e;
			return e.code;
		}
		rep->sp = NULL;
	}
	return rep->code;
}
