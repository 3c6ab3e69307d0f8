#include <sys/types.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hubreq.h"
#include "hubsrv.h"
#include "hubwork.h"
#include "protocol.h"
#include "recipe.h"

#define HUB_HELLO_FIELD_MAX	256	/* a hello's version, os, arch */
#define HUB_REASON_MAX		1024	/* a reason kept: the first bytes */

static int	finish_check(struct hubreq *, const struct record *, size_t,
		    long long *);
static void	finish(struct hubreq *, struct record *, long long,
		    const struct record *);

/*
 * Returns reason cut to HUB_REASON_MAX bytes (at a UTF-8 character's
 * start) in cut, or reason itself when it is short or NULL.
 */
static const char *
short_reason(const char *reason, char *cut)
{
	size_t n;

	if (reason == NULL || strlen(reason) <= HUB_REASON_MAX)
		return reason;
	n = HUB_REASON_MAX;
	while (n > 0 && ((unsigned char)reason[n] & 0xc0) == 0x80)
		n--;
	memcpy(cut, reason, n);
	cut[n] = '\0';
	return cut;
}

/*
 * Takes the hello record (line 1) into h: slots, capabilities, version,
 * os, arch (h's strings are copies the caller frees), and the version of
 * bb-protocol(7) both sides speak into *proto.  Returns 0, or -1 with the
 * refusal queued.
 */
static int
hello_first(struct hubreq *r, const struct record *rec, struct hubdb_hello *h,
    long long *proto)
{
	static const char *const shown[] = { "version", "os", "arch" };
	struct bb_error err;
	char cap[HUBDB_CAPS_MAX + 1];
	const char *c;
	long long slots = 1, lo, hi;
	size_t i, n;

	if (!record_is(rec, "hello")) {
		hubreq_fail(r, 400, "malformed", "line 1: expected a hello "
		    "record");
		return -1;
	}
	if (protocol_range(rec, &lo, &hi, &err) == -1) {
		hubreq_fail(r, 400, "malformed", "line 1: %s", err.msg);
		return -1;
	}
	if (protocol_agree(lo, hi, "hub", "worker", proto, &err) == -1) {
		hubsrv_log(r->s, "hello from %s refused: %s", r->worker,
		    err.msg);
		hubreq_fail(r, 400, "protocol", "%s", err.msg);
		return -1;
	}
	if (record_get(rec, "slots") != NULL && record_get_num(rec, "slots",
	    1, 1000, &slots, &err) == -1) {
		hubreq_fail(r, 400, "malformed", "line 1: %s", err.msg);
		return -1;
	}
	/* So that the worker's record always fits in one line. */
	for (i = 0; i < nitems(shown); i++)
		if (record_getn(rec, shown[i], &n) != NULL &&
		    n > HUB_HELLO_FIELD_MAX) {
			hubreq_fail(r, 400, "malformed", "line 1: %s over %d "
			    "bytes", shown[i], HUB_HELLO_FIELD_MAX);
			return -1;
		}
	c = record_get(rec, "caps");
	if (c != NULL && strlen(c) > HUBDB_CAPS_MAX) {
		hubreq_fail(r, 400, "malformed", "line 1: caps over %d bytes",
		    HUBDB_CAPS_MAX);
		return -1;
	}
	for (; c != NULL && *c != '\0'; c += n + (c[n] == ',')) {
		n = strcspn(c, ",");
		memcpy(cap, c, n);
		cap[n] = '\0';
		if (!recipe_valid_cap(cap)) {
			hubreq_fail(r, 400, "malformed", "line 1: bad "
			    "capability \"%s\"", cap);
			return -1;
		}
	}
	h->slots = slots;
	if ((c = record_get(rec, "version")) != NULL)
		h->version = strdup(c);
	if ((c = record_get(rec, "os")) != NULL)
		h->os = strdup(c);
	if ((c = record_get(rec, "arch")) != NULL)
		h->arch = strdup(c);
	if ((c = record_get(rec, "caps")) != NULL)
		h->caps = strdup(c);
	return 0;
}

void
hubwork_hello(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct hubdb_hello h;
	struct record rec, out;
	struct buf *info = NULL;
	struct bb_error err;
	char token[HUBAUTH_TOKEN_LEN + 1], hash[DIGEST_HEXLEN + 1];
	const char *line;
	size_t pos = 0, lineno = 0, len;
	long long proto = 1;
	int rv;

	memset(&h, 0, sizeof(h));
	h.slots = 1;
	record_init(&rec);
	record_init(&out);
	if ((info = buf_new(HUB_HELLO_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		goto out;
	}
	while ((rv = hubreq_next_record(r, &pos, &lineno, &rec, &line,
	    &len)) == 1) {
		if (lineno == 1) {
			if (hello_first(r, &rec, &h, &proto) == -1)
				goto out;
			continue;
		}
		if ((record_is(&rec, "info") || record_is(&rec, "tool")) &&
		    (buf_add(info, line, len) == -1 ||
		    buf_addc(info, '\n') == -1)) {
			hubreq_fail(r, 413, "too-large", "hello too large");
			goto out;
		}
	}
	if (rv == -1)
		goto out;
	if (lineno == 0) {
		hubreq_fail(r, 400, "malformed", "line 1: expected a hello "
		    "record");
		goto out;
	}
	h.info = info->data;
	h.infolen = info->len;
	hubauth_random(token, HUBAUTH_TOKEN_LEN);
	if (hubauth_token_hash(token, HUBAUTH_TOKEN_LEN, hash) == -1) {
		hubreq_fail(r, 500, "internal", "out of memory");
		goto out;
	}
	rv = hubdb_hello(s->hd->db, r->worker, &h, hash, hub_now(), &err);
	if (rv != HUB_OK) {
		if (rv == HUB_NOTFOUND)
			hubreq_fail(r, 401, "unauthorized", "%s", err.msg);
		else
			hubreq_fail_internal(r, &err);
		goto out;
	}
	(void)record_start(&out, "session", NULL);
	(void)record_set(&out, "worker", r->worker, NULL);
	(void)record_set(&out, "token", token, NULL);
	(void)record_setf(&out, NULL, "keepalive", "%lld",
	    s->conf.keepalive / 1000);
	(void)record_setf(&out, NULL, "ttl", "%lld", s->conf.ttl / 1000);
	(void)record_setf(&out, NULL, "wait", "%lld", s->conf.maxwait / 1000);
	(void)record_setf(&out, NULL, "max_batch", "%d", HUB_EVENTS_MAX);
	(void)record_setf(&out, NULL, "max_artifact", "%lld",
	    HUB_ARTIFACT_MAX);
	(void)record_setf(&out, NULL, "protocol", "%lld", proto);
	hubreq_reply_rec(r, 200, &out);
	hubsrv_log(s, "hello from %s (caps %s)", r->worker,
	    h.caps ? h.caps : "");
out:
	explicit_bzero(token, sizeof(token));
	free((char *)h.version);
	free((char *)h.os);
	free((char *)h.arch);
	free((char *)h.caps);
	buf_free(info);
	record_free(&rec);
	record_freezero(&out);	/* the token went into it */
}

/*
 * The body of a call that is empty or one record of type with an
 * optional reason: *reason points into rec or, cut short, into cut
 * (HUB_REASON_MAX + 1 bytes), or is NULL.  Returns 0, or -1 with the
 * refusal queued.
 */
static int
reason_of(struct hubreq *r, struct record *rec, const char *type,
    char *cut, const char **reason)
{
	int rv;

	*reason = NULL;
	if ((rv = hubreq_first_record(r, rec, NULL)) != 1)
		return rv;
	if (!record_is(rec, type)) {
		hubreq_fail(r, 400, "malformed", "line 1: expected a%s %s "
		    "record", strchr("aeiou", type[0]) != NULL ? "n" : "",
		    type);
		return -1;
	}
	*reason = short_reason(record_get(rec, "reason"), cut);
	return 0;
}

void
hubwork_decline(struct hubreq *r)
{
	struct record rec;
	struct bb_error err;
	const char *reason = NULL;
	char cut[HUB_REASON_MAX + 1];
	int rv;

	record_init(&rec);
	if (reason_of(r, &rec, "decline", cut, &reason) == -1)
		goto out;
	rv = hubdb_decline(r->s->hd->db, r->id, r->lease, r->worker, reason,
	    hub_now(), &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		goto out;
	}
	r->s->wake = 1;
	hubsrv_log(r->s, "job %lld: declined by %s", r->id, r->worker);
	(void)record_start(&rec, "declined", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", r->id);
	hubreq_reply_rec(r, 200, &rec);
out:
	record_free(&rec);
}

void
hubwork_abandon(struct hubreq *r)
{
	struct hubdb_abandoned ab;
	struct record rec;
	struct bb_error err;
	const char *reason = NULL;
	char cut[HUB_REASON_MAX + 1];
	int rv;

	record_init(&rec);
	if (reason_of(r, &rec, "abandon", cut, &reason) == -1)
		goto out;
	rv = hubdb_abandon(r->s->hd->db, r->id, r->lease, r->worker, reason,
	    hub_now(), r->s->conf.attempts, &ab, &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		goto out;
	}
	if (!ab.again) {
		r->s->wake = 1;
		hubsrv_log(r->s, "job %lld: attempt %lld abandoned by %s: %s%s",
		    r->id, ab.attempt, r->worker, reason ? reason : "no reason",
		    strcmp(ab.state, "error") == 0 ? "; it was the last" : "");
	}
	(void)record_start(&rec, "abandoned", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", r->id);
	(void)record_setf(&rec, NULL, "attempt", "%lld", ab.attempt);
	(void)record_set(&rec, "state", ab.state, NULL);
	hubreq_reply_rec(r, 200, &rec);
out:
	record_free(&rec);
}

void
hubwork_source(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	int rv;

	rv = hubdb_lease(s->hd->db, r->id, r->lease, r->worker, hub_now(),
	    s->conf.ttl, hex, NULL, &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	hubreq_send_blob(r, hex);
	hubsrv_busy_add(s, r->id);
	r->busy = r->id;
}

/* A step's end or the job's: on disk before the answer. */
static int
is_end(const struct record *rec)
{
	const char *state;

	if (record_is(rec, "done"))
		return 1;
	return record_is(rec, "status") &&
	    (state = record_get(rec, "state")) != NULL &&
	    strcmp(state, "finished") == 0;
}

void
hubwork_events(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct hubdb_event *ev = NULL;
	struct hubdb_ack ack;
	struct record rec, out;
	struct bb_error err;
	const char *line, *p, *end;
	size_t pos = 0, lineno = 0, len, n = 0, cap;
	long long last = 0;
	int rv, fin = 0;

	record_init(&rec);
	record_init(&out);
	end = r->body->data + r->body->len;
	for (cap = 1, p = r->body->data; (p = memchr(p, '\n',
	    (size_t)(end - p))) != NULL; p++)
		cap++;
	if (cap > 0 && (ev = calloc(cap, sizeof(*ev))) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		goto out;
	}
	while ((rv = hubreq_next_record(r, &pos, &lineno, &rec, &line,
	    &len)) == 1) {
		if (record_is(&rec, "finish")) {
			/* Since bb-protocol 4: the finish ends the batch. */
			if (pos != r->body->len) {
				hubreq_fail(r, 400, "malformed", "line %zu: a "
				    "finish record ends the batch", lineno);
				goto out;
			}
			if (finish_check(r, &rec, lineno, &last) == -1)
				goto out;
			fin = 1;
			break;
		}
		if (record_is(&rec, "session") || record_is(&rec, "job")) {
			hubreq_fail(r, 400, "malformed", "line %zu: %s records "
			    "are not reported (they hold a token or a lease)",
			    lineno, rec.type);
			goto out;
		}
		if (record_get_num(&rec, "seq", 1, HUBDB_SEQ_MAX, &ev[n].seq,
		    &err) == -1) {
			hubreq_fail(r, 400, "malformed", "line %zu: %s", lineno,
			    err.msg);
			goto out;
		}
		ev[n].type = line;
		ev[n].typelen = strlen(rec.type);
		ev[n].line = line;
		ev[n].len = len;
		ev[n].end = is_end(&rec);
		n++;
	}
	if (rv == -1)
		goto out;
	rv = hubdb_events(s->hd->db, r->id, r->lease, r->worker, ev, n,
	    hub_now(), s->conf.ttl, &ack, &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		goto out;
	}
	s->m.events += (unsigned long long)ack.stored;
	s->m.log_bytes += (unsigned long long)ack.bytes;
	(void)record_start(&out, "ack", NULL);
	(void)record_setf(&out, NULL, "stored", "%lld", ack.stored);
	(void)record_setf(&out, NULL, "dup", "%lld", ack.dup);
	(void)record_setf(&out, NULL, "upto", "%lld", ack.upto);
	(void)record_setf(&out, NULL, "ttl", "%lld", s->conf.ttl / 1000);
	(void)record_set(&out, "state", "running", NULL);
	if (fin)
		finish(r, &rec, last, &out);
	else
		hubreq_reply_rec(r, 200, &out);
out:
	free(ev);
	record_free(&rec);
	record_free(&out);
}

int
hubwork_finishing(const struct hubreq *r)
{
	const char *p, *end;

	if (r->body == NULL || r->body->len < 7)
		return 0;
	end = r->body->data + r->body->len - 1;
	for (p = end; p > r->body->data && p[-1] != '\n'; p--)
		;
	return end - p >= 6 && memcmp(p, "finish", 6) == 0 &&
	    (p[6] == ' ' || p[6] == '\n');
}

void
hubwork_artifact_start(struct hubreq *r, long long cl)
{
	struct hub_server *s = r->s;
	struct bb_error err;
	int rv;

	if (cl > HUB_ARTIFACT_MAX) {
		hubreq_fail(r, 413, "too-large", "an artifact is at most %lld "
		    "bytes", HUB_ARTIFACT_MAX);
		return;
	}
	rv = hubdb_lease(s->hd->db, r->id, r->lease, r->worker, hub_now(),
	    s->conf.ttl, NULL, NULL, &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	if (hubreq_upload_start(r, HUB_ARTIFACT_MAX, 1) == -1)
		return;
	hubsrv_busy_add(s, r->id);
	r->busy = r->id;
}

void
hubwork_artifact(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct record rec;
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	off_t size;
	int rv;

	if (hubreq_upload_end(r, hex, &size) == -1)
		return;
	rv = hubdb_artifact(s->hd->db, r->id, r->lease, r->worker, r->name,
	    hex, size, hub_now(), s->conf.ttl, &err);
	if (rv != HUB_OK && rv != HUB_SAME) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	record_init(&rec);
	(void)record_start(&rec, "artifact", NULL);
	(void)record_setf(&rec, NULL, "job", "%lld", r->id);
	(void)record_set(&rec, "name", r->name, NULL);
	(void)record_setf(&rec, NULL, "size", "%lld", (long long)size);
	(void)record_set(&rec, "sha256", hex, NULL);
	hubreq_reply_rec(r, rv == HUB_OK ? 201 : 200, &rec);
	record_free(&rec);
}

/* A finish record's result, last and sha256; 0, or -1 with the refusal. */
static int
finish_check(struct hubreq *r, const struct record *rec, size_t lineno,
    long long *last)
{
	struct bb_error err;
	const char *result, *sha;

	if ((result = record_get(rec, "result")) == NULL ||
	    !hubdb_valid_result(result)) {
		hubreq_fail(r, 400, "malformed", "line %zu: result is one of "
		    "success, failure, timeout, cancelled, error", lineno);
		return -1;
	}
	if (record_get_num(rec, "last", 0, HUBDB_SEQ_MAX, last, &err) == -1) {
		hubreq_fail(r, 400, "malformed", "line %zu: %s", lineno,
		    err.msg);
		return -1;
	}
	if ((sha = record_get(rec, "sha256")) == NULL ||
	    !digest_valid_hex(sha)) {
		hubreq_fail(r, 400, "malformed", "line %zu: sha256 is the "
		    "records' digest, 64 lower-case hex digits", lineno);
		return -1;
	}
	return 0;
}

/*
 * Ends the attempt as a checked finish record says; answers 200 with
 * before (an events batch's ack, or NULL) and the finished record, or
 * the refusal.
 */
static void
finish(struct hubreq *r, struct record *rec, long long last,
    const struct record *before)
{
	struct hub_server *s = r->s;
	struct buf *have = NULL, *missing = NULL, *b = NULL;
	struct bb_error err;
	char res[16], cut[HUB_REASON_MAX + 1];
	size_t i;
	long long now, started = 0, ended = -1;
	int rv, attempt;

	if ((have = buf_new(HUBDB_RANGES_MAX + 64)) == NULL ||
	    (missing = buf_new(HUBDB_RANGES_MAX + 64)) == NULL ||
	    (b = buf_new(2 * RECORD_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		goto out;
	}
	/* Is it the first finish of the attempt?  Then it counts. */
	if (hubdb_attempt_times(s->hd->db, r->id, r->lease, &started, &ended,
	    &err) != HUB_OK)
		ended = -1;
	now = hub_now();
	rv = hubdb_finish(s->hd->db, r->id, r->lease, r->worker,
	    record_get(rec, "result"), short_reason(record_get(rec, "reason"),
	    cut), last, record_get(rec, "sha256"), now, &attempt, res,
	    have, missing, &err);
	if (rv == HUB_INCOMPLETE) {
		struct MHD_Response *resp;

		resp = hubreq_error_resp(412, "incomplete", err.msg, have->data,
		    missing->data);
		hubreq_send(r, 412, resp);
		goto out;
	}
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		goto out;
	}
	hubsrv_log(s, "job %lld: %s (attempt %d, %s)", r->id, res, attempt,
	    r->worker);
	for (i = 0; ended == 0 && i < HUBSRV_RESULTS; i++)
		if (strcmp(res, hubsrv_results[i]) == 0)
			hubmetrics_observe(&s->m.durations[i],
			    (double)(now - started) / 1000);
	hubsrv_stages(s);
	if (before != NULL)
		(void)hubreq_add_rec(b, before);
	(void)record_start(rec, "finished", NULL);
	(void)record_setf(rec, NULL, "id", "%lld", r->id);
	(void)record_setf(rec, NULL, "attempt", "%d", attempt);
	(void)record_set(rec, "result", res, NULL);
	(void)hubreq_add_rec(b, rec);
	hubreq_reply(r, 200, b);
out:
	buf_free(have);
	buf_free(missing);
	buf_free(b);
}

void
hubwork_finish(struct hubreq *r)
{
	struct record rec;
	size_t pos = 0;
	long long last;
	int rv;

	record_init(&rec);
	if ((rv = hubreq_first_record(r, &rec, &pos)) != 1) {
		if (rv == 0)
			hubreq_fail(r, 400, "malformed", "line 1: expected a "
			    "finish record");
		goto out;
	}
	if (!record_is(&rec, "finish") || pos != r->body->len) {
		hubreq_fail(r, 400, "malformed", "expected one finish record");
		goto out;
	}
	if (finish_check(r, &rec, 1, &last) == -1)
		goto out;
	finish(r, &rec, last, NULL);
out:
	record_free(&rec);
}
