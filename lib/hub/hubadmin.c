#include <sys/types.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hubadmin.h"
#include "hubclaim.h"
#include "hubreq.h"
#include "hubsrv.h"
#include "recipe.h"

#define LIST_MAX	(256 * 1024 * 1024)	/* a list's answer */
#define LOG_LINES	256			/* log lines a read */

void
hubadmin_sources_start(struct hubreq *r, long long cl)
{
	if (cl > HUB_SOURCE_MAX) {
		hubreq_fail(r, 413, "too-large", "a source is at most %lld "
		    "bytes", HUB_SOURCE_MAX);
		return;
	}
	(void)hubreq_upload_start(r, HUB_SOURCE_MAX, 0);
}

void
hubadmin_sources(struct hubreq *r)
{
	struct record rec;
	char hex[DIGEST_HEXLEN + 1];
	off_t size;

	if (hubreq_upload_end(r, hex, &size) == -1)
		return;
	record_init(&rec);
	(void)record_start(&rec, "source", NULL);
	(void)record_set(&rec, "sha256", hex, NULL);
	(void)record_setf(&rec, NULL, "size", "%lld", (long long)size);
	hubreq_reply_rec(r, 201, &rec);
	record_free(&rec);
}

/* A flag of the submit record: absent, 0 or 1.  -1 when malformed. */
static int
flag(const struct record *rec, const char *key)
{
	const char *v = record_get(rec, key);

	if (v == NULL || strcmp(v, "0") == 0)
		return 0;
	return strcmp(v, "1") == 0 ? 1 : -1;
}

/* The record of one pipeline of a submit: job (queued) or built. */
static void
submitted_rec(struct record *rec, const struct hub_submitted *v)
{
	(void)record_start(rec, v->id ? "job" : "built", NULL);
	(void)record_setf(rec, NULL, "id", "%lld", v->id ? v->id : v->built);
	if (v->name != NULL)
		(void)record_set(rec, "name", v->name, NULL);
	else
		(void)record_setf(rec, NULL, "name", "job-%lld", v->id ?
		    v->id : v->built);
	if (v->id)
		(void)record_set(rec, "state", "queued", NULL);
	if (*v->config != '\0')
		(void)record_set(rec, "config", v->config, NULL);
	if (v->platform != NULL)
		(void)record_set(rec, "platform", v->platform, NULL);
}

/*
 * hub_submit_many, and with claims parked, the jobs handed to them in
 * the same transaction: one flush to disk for the submit and its claims.
 */
static int
submit_give(struct hub_server *s, const struct hub_submit_req *q,
    struct hub_submitted **v, size_t *n, struct bb_error *err)
{
	struct hubclaim_given g;
	struct bb_error e2;
	int rv, batch = 0, ok;

	if (!TAILQ_EMPTY(&s->waiters) && !s->stopping)
		batch = hubdb_batch(s->hd->db, 1, &e2) == 0;
	rv = hub_submit_many(s->hd, q, v, n, err);
	if (!batch)
		return rv;
	memset(&g, 0, sizeof(g));
	if (rv == HUB_OK)
		hubclaim_give(s, &g, 0);
	ok = hubdb_batch(s->hd->db, 0, &e2) == 0;
	hubclaim_settle(s, &g, ok);
	if (!ok && rv == HUB_OK) {
		hub_submitted_free(*v, *n);
		*v = NULL;
		*n = 0;
		*err = e2;
		return -1;
	}
	return rv;
}

void
hubadmin_submit(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct hub_submit_req q;
	struct hub_submitted *v = NULL;
	struct recipe *rc = NULL;
	struct record rec;
	struct bb_error err;
	struct buf *b = NULL;
	const char *line, *src = NULL;
	char hex[DIGEST_HEXLEN + 1];
	size_t pos = 0, lineno = 0, len, n = 0, i, queued = 0;
	long long attempts = 0;
	int rv;

	record_init(&rec);
	memset(&q, 0, sizeof(q));
	if ((rc = recipe_new()) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		goto out;
	}
	while ((rv = hubreq_next_record(r, &pos, &lineno, &rec, &line,
	    &len)) == 1) {
		if (lineno == 1) {
			if (!record_is(&rec, "submit") ||
			    (src = record_get(&rec, "source")) == NULL ||
			    !digest_valid_hex(src)) {
				hubreq_fail(r, 400, "malformed", "line 1: "
				    "expected submit source=SHA256");
				goto out;
			}
			(void)strlcpy(hex, src, sizeof(hex));
			if (record_get(&rec, "attempts") != NULL &&
			    record_get_num(&rec, "attempts", 1,
			    HUB_ATTEMPTS_MAX, &attempts, &err) == -1) {
				hubreq_fail(r, 400, "malformed", "line 1: %s",
				    err.msg);
				goto out;
			}
			if ((q.force = flag(&rec, "force")) == -1 ||
			    (q.each = flag(&rec, "each")) == -1) {
				hubreq_fail(r, 400, "malformed", "line 1: "
				    "force and each are 0 or 1");
				goto out;
			}
			continue;
		}
		if ((rv = recipe_add_record(rc, &rec, &err)) == -1) {
			hubreq_fail(r, 400, "malformed", "line %zu: %s", lineno,
			    err.msg);
			goto out;
		}
		if (rv == 0) {
			hubreq_fail(r, 400, "malformed", "line %zu: %s is "
			    "not a recipe record", lineno, rec.type);
			goto out;
		}
	}
	if (rv == -1)
		goto out;
	if (src == NULL) {
		hubreq_fail(r, 400, "malformed", "line 1: expected submit "
		    "source=SHA256");
		goto out;
	}
	q.recipe = rc;
	q.source = hex;
	q.attempts = (int)attempts;
	if (submit_give(s, &q, &v, &n, &err) != HUB_OK) {
		if (err.code == EX_DATAERR)
			hubreq_fail(r, 400, "malformed", "%s", err.msg);
		else
			hubreq_fail_internal(r, &err);
		goto out;
	}
	if ((b = buf_new(LIST_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (v[i].id != 0) {
			queued++;
			hubsrv_log(s, "job %lld: submitted", v[i].id);
		}
		submitted_rec(&rec, &v[i]);
		(void)hubreq_add_rec(b, &rec);
	}
	if (queued == 0) {
		hubreq_fail(r, 409, "built", "job %lld built it from this "
		    "source already (force=1 queues it again)", v[0].built);
		goto out;
	}
	s->wake = 1;
	hubreq_reply(r, 201, b);
out:
	if (v != NULL)
		hub_submitted_free(v, n);
	buf_free(b);
	recipe_free(rc);
	record_free(&rec);
}

static void
reply_list(struct hubreq *r, int rv, struct buf *b,
    const struct bb_error *err)
{
	if (rv == 0 || rv == HUB_OK)
		hubreq_reply(r, 200, b);
	else
		hubreq_fail_outcome(r, rv, err);
}

void
hubadmin_jobs(struct hubreq *r)
{
	struct buf *b;
	struct bb_error err;
	const char *state = hubreq_arg(r, "state");
	long long limit;

	if (hubreq_num_arg(r, "limit", 1, 100000, 100, &limit) == -1)
		return;
	if (state != NULL && !hubdb_valid_state(state)) {
		hubreq_fail(r, 400, "malformed", "state=%s: not a job state",
		    state);
		return;
	}
	if ((b = buf_new(LIST_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	reply_list(r, hubdb_jobs(r->s->hd->db, state, limit, hubreq_add_rec, b,
	    &err), b, &err);
	buf_free(b);
}

void
hubadmin_job(struct hubreq *r)
{
	struct buf *b;
	struct bb_error err;

	if ((b = buf_new(LIST_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	reply_list(r, hubdb_job(r->s->hd->db, r->id, hubreq_add_rec, b,
	    &err), b, &err);
	buf_free(b);
}

/* A job's log, read from the database as the client takes it. */
struct logstream {
	struct hub_server	*s;
	long long		 id, n, after;
	struct buf		*b;
	size_t			 pos;
	int			 end;
};

static int
log_line(void *arg, long long seq, const char *line, size_t len)
{
	struct logstream *ls = arg;

	ls->after = seq;
	if (buf_add(ls->b, line, len) == -1 || buf_addc(ls->b, '\n') == -1)
		return -1;
	return 0;
}

static ssize_t
log_read(void *arg, uint64_t off, char *out, size_t max)
{
	struct logstream *ls = arg;
	struct bb_error err;
	long long before;
	size_t n;

	(void)off;
	if (ls->pos == ls->b->len) {
		if (ls->end)
			return MHD_CONTENT_READER_END_OF_STREAM;
		buf_reset(ls->b);
		ls->pos = 0;
		before = ls->after;
		if (hubdb_log(ls->s->hd->db, ls->id, &ls->n, ls->after,
		    LOG_LINES, log_line, ls, &err) != HUB_OK) {
			hubsrv_log(ls->s, "job %lld: log: %s", ls->id, err.msg);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (ls->after == before)
			ls->end = 1;
		if (ls->b->len == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = ls->b->len - ls->pos;
	if (n > max)
		n = max;
	memcpy(out, ls->b->data + ls->pos, n);
	ls->pos += n;
	return (ssize_t)n;
}

static void
log_free(void *arg)
{
	struct logstream *ls = arg;

	buf_free(ls->b);
	free(ls);
}

void
hubadmin_log(struct hubreq *r)
{
	struct MHD_Response *resp;
	struct logstream *ls;
	struct bb_error err;
	long long n;
	off_t size;
	int rv, fd;

	if (hubreq_num_arg(r, "attempt", 1, INT_MAX, 0, &n) == -1)
		return;
	if ((rv = hubdb_log_file(r->s->hd->db, r->id, &n, &fd, &size,
	    &err)) != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	if (fd != -1) {
		/* The log file as it is: sendfile(2) on plain http. */
		if ((resp = MHD_create_response_from_fd((uint64_t)size,
		    fd)) == NULL) {
			close(fd);
			hubreq_fail(r, 500, "internal", "out of memory");
			return;
		}
		(void)MHD_add_response_header(resp, "Content-Type",
		    HUBREQ_TEXT);
		(void)MHD_add_response_header(resp, "Cache-Control",
		    "no-store");
		hubreq_send(r, 200, resp);
		return;
	}
	/* A database made before log files: its rows, as the client reads. */
	if ((ls = calloc(1, sizeof(*ls))) == NULL ||
	    (ls->b = buf_new(LOG_LINES * (RECORD_MAX + 1))) == NULL) {
		free(ls);
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	ls->s = r->s;
	ls->id = r->id;
	ls->n = n;
	if ((resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    64 * 1024, log_read, ls, log_free)) == NULL) {
		log_free(ls);
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	(void)MHD_add_response_header(resp, "Content-Type", HUBREQ_TEXT);
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	hubreq_send(r, 200, resp);
}

void
hubadmin_source(struct hubreq *r)
{
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	off_t size;
	int rv;

	rv = hubdb_source(r->s->hd->db, r->id, hex, &size, &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	hubreq_send_blob(r, hex);
}

void
hubadmin_artifact(struct hubreq *r)
{
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	long long n;
	off_t size;
	int rv;

	if (hubreq_num_arg(r, "attempt", 1, INT_MAX, 0, &n) == -1)
		return;
	rv = hubdb_artifact_find(r->s->hd->db, r->id, r->name, n, hex, &size,
	    &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	hubreq_send_blob(r, hex);
}

void
hubadmin_cancel(struct hubreq *r)
{
	struct record rec;
	struct bb_error err;
	int rv;

	rv = hubdb_cancel(r->s->hd->db, r->id, hub_now(), &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	hubsrv_log(r->s, "job %lld: cancelled", r->id);
	record_init(&rec);
	(void)record_start(&rec, "job", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", r->id);
	(void)record_set(&rec, "state", "cancelled", NULL);
	hubreq_reply_rec(r, 200, &rec);
	record_free(&rec);
}

void
hubadmin_workers(struct hubreq *r)
{
	struct buf *b;
	struct bb_error err;

	if ((b = buf_new(LIST_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	reply_list(r, hubdb_workers(r->s->hd->db, hub_now(),
	    hubsrv_connected_window(r->s), hubreq_add_rec, b, &err), b, &err);
	buf_free(b);
}

void
hubadmin_addworker(struct hubreq *r)
{
	struct record rec;
	struct bb_error err;
	const char *name;
	char secret[HUBAUTH_TOKEN_LEN + 1];
	int rv;

	record_init(&rec);
	if ((rv = hubreq_first_record(r, &rec, NULL)) == -1)
		goto out;
	if (rv == 0 || !record_is(&rec, "worker") ||
	    (name = record_get(&rec, "name")) == NULL) {
		hubreq_fail(r, 400, "malformed", "line 1: expected worker "
		    "name=NAME");
		goto out;
	}
	rv = hub_add_worker(r->s->hd, name, secret, &err);
	if (rv == HUB_EXISTS)
		hubreq_fail(r, 409, "conflict", "%s", err.msg);
	else if (rv == -1 && err.code == EX_DATAERR)
		hubreq_fail(r, 400, "malformed", "%s", err.msg);
	else if (rv != HUB_OK)
		hubreq_fail_internal(r, &err);
	else {
		char n[HUBDB_NAME_MAX + 1];

		(void)strlcpy(n, name, sizeof(n));
		(void)record_start(&rec, "worker", NULL);
		(void)record_set(&rec, "name", n, NULL);
		(void)record_set(&rec, "secret", secret, NULL);
		hubreq_reply_rec(r, 201, &rec);
		hubsrv_log(r->s, "worker %s added", n);
	}
	explicit_bzero(secret, sizeof(secret));
out:
	record_freezero(&rec);
}

void
hubadmin_rmworker(struct hubreq *r)
{
	struct record rec;
	struct bb_error err;
	long long n;
	int rv;

	rv = hubdb_worker_remove(r->s->hd->db, r->name, hub_now(), &n, &err);
	if (rv != HUB_OK) {
		hubreq_fail_outcome(r, rv, &err);
		return;
	}
	if (n > 0)
		r->s->wake = 1;
	hubsrv_log(r->s, "worker %s removed, %lld jobs back in the queue",
	    r->name, n);
	record_init(&rec);
	(void)record_start(&rec, "removed", NULL);
	(void)record_set(&rec, "name", r->name, NULL);
	hubreq_reply_rec(r, 200, &rec);
	record_free(&rec);
}
