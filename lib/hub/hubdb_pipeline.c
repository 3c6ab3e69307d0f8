/*
 * Pipelines in the hub's database (lib/hub/hubdb.h): submitting chains
 * of stages, a job a stage (the first queued, the others waiting), and
 * refusing what was built already; the stages whose stage before has
 * ended, the files that stage kept, and queueing or stopping what waits.
 *
 * A job's pipeline is the number of its chain's first job, stage its
 * place in it (from 1) and stages the chain's length; a job alone is a
 * chain of one.  The first job's recipe_sha256 is the digest of the
 * records of the whole chain (recipe_encode), which with its source and
 * its require tells a build made already.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "buf.h"
#include "digest.h"
#include "hubdb.h"
#include "hubdb_impl.h"
#include "recipe.h"

int
hubdb_submit(struct hubdb *h, const struct recipe *rc, const char *source,
    off_t size, int attempts, long long now, long long *id,
    struct bb_error *err)
{
	struct hubdb_pipeline p = { rc, NULL, 0, 0 };
	int rv;

	if ((rv = hubdb_submit_all(h, &p, 1, source, size, attempts, 1, now,
	    err)) == HUB_OK)
		*id = p.id;
	return rv;
}

/* The first job of a pipeline like p built already with success, or 0. */
static long long
built(struct hubdb *h, const char *source, const char *digest,
    const char *req, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long id = 0;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT j.id FROM jobs j WHERE "
	    "j.source=? AND j.stage=1 AND j.recipe_sha256=? AND j.require=? "
	    "AND j.state='success' AND NOT EXISTS (SELECT 1 FROM jobs s "
	    "WHERE s.pipeline=j.id AND s.state!='success') ORDER BY j.id "
	    "DESC LIMIT 1", "ttt", source, digest, req)) == NULL ||
	    (r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 1) {
		id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return id;
}

/* Inserts the jobs of pipeline p.  0 or -1. */
static int
insert(struct hubdb *h, struct hubdb_pipeline *p, const char *source,
    off_t size, int attempts, const char *req, const char *digest,
    long long now, struct buf *text, struct buf *cfg, struct buf *sreq,
    struct bb_error *err)
{
	const struct recipe *s;
	long long stage = 1, nst = (long long)recipe_nstages(p->recipe);

	buf_reset(cfg);
	if (recipe_config(p->recipe, cfg, err) == -1)
		return -1;
	for (s = p->recipe; s != NULL; s = s->next, stage++) {
		buf_reset(text);
		if (recipe_encode_stage(s, text, err) == -1)
			return -1;
		if (stage > 1 && recipe_require_list(s, sreq) == -1) {
			bb_error_set(err, EX_DATAERR, "require: too long");
			return -1;
		}
		if (hubdb_runf(h, err, "INSERT INTO jobs(name, state, "
		    "max_attempts, require, recipe, source, size, submitted, "
		    "pipeline, stage, stages, config, recipe_sha256) "
		    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "ttitbtiiiiitt",
		    s->name, stage == 1 ? "queued" : "waiting",
		    (long long)(attempts > 0 ? attempts : 0),
		    stage == 1 ? req : sreq->data, text->data,
		    (size_t)text->len, stage == 1 ? source : "",
		    stage == 1 ? (long long)size : 0LL, now, p->id, stage, nst,
		    cfg->data, stage == 1 ? digest : "") == -1)
			return -1;
		if (stage == 1) {
			p->id = sqlite3_last_insert_rowid(h->db);
			if (hubdb_runf(h, err, "UPDATE jobs SET pipeline=id "
			    "WHERE id=?", "i", p->id) == -1)
				return -1;
		}
	}
	return 0;
}

int
hubdb_submit_all(struct hubdb *h, struct hubdb_pipeline *v, size_t n,
    const char *source, off_t size, int attempts, int force, long long now,
    struct bb_error *err)
{
	struct buf *text = NULL, *req = NULL, *cfg = NULL, *sreq = NULL;
	unsigned char md[DIGEST_LEN];
	char digest[DIGEST_HEXLEN + 1];
	long long b;
	size_t i;
	int rv = -1, begun = 0;

	if ((text = buf_new(RECIPE_MAX * 4 * RECIPE_NSTAGES)) == NULL ||
	    (req = buf_new(RECORD_MAX)) == NULL ||
	    (cfg = buf_new(RECORD_MAX)) == NULL ||
	    (sreq = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "submit");
		goto fail;
	}
	if (hubdb_begin(h, err) == -1)
		goto fail;
	begun = 1;
	for (i = 0; i < n; i++) {
		v[i].id = v[i].built = 0;
		buf_reset(text);
		buf_reset(req);
		if (recipe_encode(v[i].recipe, text, err) == -1)
			goto out;
		if (digest_buf(text->data, text->len, md) == -1) {
			bb_error_errno(err, EX_OSERR, "submit");
			goto out;
		}
		digest_tohex(md, sizeof(md), digest);
		if (v[i].platform != NULL ? buf_addf(req, "=%s",
		    v[i].platform) == -1 : recipe_require_list(v[i].recipe,
		    req) == -1) {
			bb_error_set(err, EX_DATAERR, "require: too long");
			goto out;
		}
		if (!force) {
			if ((b = built(h, source, digest, req->data, err)) ==
			    -1)
				goto out;
			if (b > 0) {
				v[i].built = b;
				continue;
			}
		}
		if (insert(h, &v[i], source, size, attempts, req->data, digest,
		    now, text, cfg, sreq, err) == -1)
			goto out;
	}
	rv = HUB_OK;
out:
	rv = hubdb_end(h, rv, err);
fail:
	if (!begun)
		rv = -1;
	buf_free(text);
	buf_free(req);
	buf_free(cfg);
	buf_free(sreq);
	return rv;
}

int
hubdb_stages_due(struct hubdb *h, struct hubdb_due **out, size_t *n,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	struct hubdb_due *v = NULL, *nv, *d;
	const char *s;
	int r;

	*out = NULL;
	*n = 0;
	if ((st = hubdb_stmtf(h, err, "SELECT w.id, p.id, p.attempt, p.state, "
	    "coalesce(p.name, 'job-' || p.id), p.reason FROM jobs w JOIN "
	    "jobs p ON p.pipeline=w.pipeline AND p.stage=w.stage-1 WHERE "
	    "w.state='waiting' AND p.state NOT IN ('queued', 'running', "
	    "'waiting') ORDER BY w.id", "")) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if ((nv = reallocarray(v, *n + 1, sizeof(*v))) == NULL) {
			sqlite3_reset(st);
			bb_error_errno(err, EX_OSERR, "stages");
			r = -1;
			break;
		}
		v = nv;
		d = &v[(*n)++];
		memset(d, 0, sizeof(*d));
		d->id = sqlite3_column_int64(st, 0);
		d->prev = sqlite3_column_int64(st, 1);
		d->attempt = sqlite3_column_int64(st, 2);
		(void)strlcpy(d->state, hubdb_text(st, 3), sizeof(d->state));
		d->name = strdup(hubdb_text(st, 4));
		if ((s = hubdb_text(st, 5)) != NULL)
			d->reason = strdup(s);
	}
	if (r == -1) {
		hubdb_due_free(v, *n);
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

void
hubdb_due_free(struct hubdb_due *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].reason);
	}
	free(v);
}

/* 1 if name is in the n names of v. */
static int
named(char **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

int
hubdb_stage_files(struct hubdb *h, long long id, long long attempt,
    int (*fn)(void *, const char *, const char *, off_t, int,
    struct bb_error *), void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	struct record rec;
	const char *v, *f;
	char **exec = NULL, **nv;
	size_t nexec = 0, i;
	int r, rv = -1;

	/* What bb-run said of each file: executable or not. */
	record_init(&rec);
	if ((st = hubdb_stmtf(h, err, "SELECT line FROM events WHERE job=? "
	    "AND n=? AND type='artifact'", "ii", id, attempt)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if (record_parse(&rec, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), NULL) == -1 ||
		    (f = record_get(&rec, "exec")) == NULL ||
		    strcmp(f, "1") != 0 || (v = record_get(&rec, "name")) ==
		    NULL)
			continue;
		if ((nv = reallocarray(exec, nexec + 1, sizeof(*nv))) == NULL ||
		    (nv[nexec] = strdup(v)) == NULL) {
			if (nv != NULL)
				exec = nv;
			sqlite3_reset(st);
			bb_error_errno(err, EX_OSERR, "job %lld", id);
			goto out;
		}
		exec = nv;
		nexec++;
	}
	if (r == -1)
		goto out;
	if ((st = hubdb_stmtf(h, err, "SELECT name, sha256, size FROM "
	    "artifacts WHERE job=? AND n=? ORDER BY name", "ii", id,
	    attempt)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1)
		if (fn(arg, hubdb_text(st, 0), hubdb_text(st, 1),
		    (off_t)sqlite3_column_int64(st, 2), named(exec, nexec,
		    hubdb_text(st, 0)), err) == -1) {
			sqlite3_reset(st);
			goto out;
		}
	if (r == 0)
		rv = 0;
out:
	for (i = 0; i < nexec; i++)
		free(exec[i]);
	free(exec);
	record_free(&rec);
	return rv;
}

int
hubdb_stage_queue(struct hubdb *h, long long id, const char *hex,
    off_t size, struct bb_error *err)
{
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if (hubdb_runf(h, err, "UPDATE jobs SET state='queued', source=?, "
	    "size=? WHERE id=? AND state='waiting'", "tii", hex,
	    (long long)size, id) == -1)
		goto out;
	if (sqlite3_changes(h->db) == 0) {
		bb_error_set(err, EX_DATAERR, "job %lld waits no more", id);
		rv = HUB_CONFLICT;
		goto out;
	}
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_stage_stop(struct hubdb *h, long long id, const char *reason,
    long long now, struct bb_error *err)
{
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if (hubdb_runf(h, err, "UPDATE jobs SET state='cancelled', "
	    "finished=?1, reason=?2 WHERE state='waiting' AND "
	    "pipeline=(SELECT pipeline FROM jobs WHERE id=?3) AND "
	    "stage>=(SELECT stage FROM jobs WHERE id=?3)", "iti", now, reason,
	    id) == -1)
		goto out;
	rv = 0;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_stage_stop_after(struct hubdb *h, long long id, long long now,
    struct bb_error *err)
{
	return hubdb_runf(h, err, "UPDATE jobs SET state='cancelled', "
	    "finished=?1, reason='stage ' || (SELECT stage FROM jobs WHERE "
	    "id=?2) || ' (job ' || ?2 || ') was cancelled' WHERE "
	    "state='waiting' AND pipeline=(SELECT pipeline FROM jobs WHERE "
	    "id=?2) AND stage>(SELECT stage FROM jobs WHERE id=?2)", "ii",
	    now, id);
}
