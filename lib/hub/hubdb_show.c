/*
 * The hub's state as records for people (lib/hub/hubdb.h), which the
 * admin API and the pages show: the workers, the jobs, one job with its
 * chain of stages, recipe, attempts and artifacts, the count of jobs in
 * each state; and the making of a record from a row, which claims use
 * too.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "buf.h"
#include "hubdb.h"
#include "hubdb_impl.h"
#include "recipe.h"
#include "record.h"

static void
set_col(struct record *r, const char *key, sqlite3_stmt *st, int i)
{
	const char *s;

	if ((s = hubdb_text(st, i)) != NULL)
		(void)record_setn(r, key, s,
		    (size_t)sqlite3_column_bytes(st, i), NULL);
}

/*
 * Sets key info.NAME of w to the value of info record NAME in the
 * encoded records, for the few names people look for, and key tools to
 * the tool records' NAME=VERSION, comma-separated.
 */
static void
set_info(struct record *w, const char *info, size_t len)
{
	static const char *const keep[] = { "admin", "host", "access_uri" };
	struct record r;
	struct buf *tools;
	const char *p = info, *nl, *name, *v;
	char key[32];
	size_t i, vlen;

	record_init(&r);
	tools = buf_new(1024);
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		if (record_parse(&r, p, (size_t)(nl - p), NULL) == 0 &&
		    record_is(&r, "tool") && tools != NULL &&
		    (name = record_get(&r, "name")) != NULL &&
		    (v = record_get(&r, "version")) != NULL)
			(void)buf_addf(tools, "%s%s=%s", tools->len ? "," : "",
			    name, v);
		else if (record_is(&r, "info") &&
		    (name = record_get(&r, "name")) != NULL &&
		    (v = record_getn(&r, "value", &vlen)) != NULL) {
			for (i = 0; i < nitems(keep); i++) {
				if (strcmp(name, keep[i]) != 0)
					continue;
				(void)snprintf(key, sizeof(key), "info.%s",
				    keep[i]);
				(void)record_setn(w, key, v,
				    vlen > 1024 ? 1024 : vlen, NULL);
			}
		}
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	if (tools != NULL && tools->len > 0)
		(void)record_setn(w, "tools", tools->data, tools->len, NULL);
	buf_free(tools);
	record_free(&r);
}

void
hubdb_row_record(struct record *r, const char *type, sqlite3_stmt *st,
    int ncols)
{
	const char *name;
	int i;

	(void)record_start(r, type, NULL);
	for (i = 0; i < ncols; i++) {
		name = sqlite3_column_name(st, i);
		if (strcmp(name, "info") == 0)
			set_info(r, sqlite3_column_blob(st, i),
			    (size_t)sqlite3_column_bytes(st, i));
		else
			set_col(r, name, st, i);
	}
}

int
hubdb_emit(int (*fn)(void *, const struct record *), void *arg,
    const struct record *r, struct bb_error *err)
{
	if (fn(arg, r) == -1) {
		bb_error_set(err, EX_IOERR, "write");
		return -1;
	}
	return 0;
}

int
hubdb_emit_rows(struct hubdb *h, sqlite3_stmt *st, const char *type,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	struct record r;
	int x;

	record_init(&r);
	while ((x = hubdb_row(h, st, err)) == 1) {
		hubdb_row_record(&r, type, st, sqlite3_column_count(st));
		if (hubdb_emit(fn, arg, &r, err) == -1) {
			sqlite3_reset(st);
			x = -1;
			break;
		}
	}
	record_free(&r);
	return x;
}

int
hubdb_workers(struct hubdb *h, long long now, long long window,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;

	if ((st = hubdb_stmtf(h, err, "SELECT name, caps, slots, version, os, "
	    "arch, seen/1000 AS last_seen, (seen>0 AND seen>?) AS connected, "
	    "coalesce((SELECT group_concat(id) FROM (SELECT id FROM jobs WHERE "
	    "state='running' AND worker=w.name ORDER BY id)), '') AS running, "
	    "info FROM workers w ORDER BY name", "i", now - window)) == NULL)
		return -1;
	return hubdb_emit_rows(h, st, "worker", fn, arg, err);
}

#define JOB_COLS "id, coalesce(name, 'job-' || id) AS name, state, " \
	"attempt, worker, submitted/1000 AS submitted, started/1000 AS " \
	"started, finished/1000 AS finished, reason, require, source, size, " \
	"nullif(max_attempts, 0) AS attempts, CASE WHEN finished IS NOT " \
	"NULL AND started IS NOT NULL THEN " \
	"printf('%.3f', (finished-started)/1000.0) END AS elapsed, " \
	"nullif(pinned, 0) AS pinned, CASE WHEN stages>1 THEN pipeline END " \
	"AS pipeline, CASE WHEN stages>1 THEN stage END AS stage, CASE WHEN " \
	"stages>1 THEN stages END AS stages, nullif(config, '') AS config, " \
	"CASE WHEN require LIKE '=%' THEN substr(require, 2) END AS platform"
#define JOB_NCOLS 20

int
hubdb_jobs(struct hubdb *h, const char *state, long long limit,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;

	if ((st = hubdb_stmtf(h, err, "SELECT " JOB_COLS " FROM jobs WHERE ?1 "
	    "IS NULL OR state=?1 ORDER BY id DESC LIMIT ?2", "ti", state,
	    limit)) == NULL)
		return -1;
	return hubdb_emit_rows(h, st, "job", fn, arg, err);
}

int
hubdb_queue(struct hubdb *h, long long limit,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;

	if ((st = hubdb_stmtf(h, err, "SELECT " JOB_COLS " FROM jobs WHERE "
	    "state='queued' ORDER BY id LIMIT ?", "i", limit)) == NULL)
		return -1;
	return hubdb_emit_rows(h, st, "job", fn, arg, err);
}

int
hubdb_job(struct hubdb *h, long long id,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	struct record r;
	struct buf *recipe = NULL;
	int rv = -1, x;

	record_init(&r);
	if ((st = hubdb_stmtf(h, err, "SELECT " JOB_COLS ", recipe FROM jobs "
	    "WHERE id=?", "i", id)) == NULL ||
	    (x = hubdb_row(h, st, err)) == -1)
		goto out;
	if (x == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		rv = HUB_NOTFOUND;
		goto out;
	}
	hubdb_row_record(&r, "job", st, JOB_NCOLS);
	if ((recipe = buf_new(RECIPE_MAX * 4)) == NULL ||
	    buf_add(recipe, sqlite3_column_blob(st, JOB_NCOLS),
	    (size_t)sqlite3_column_bytes(st, JOB_NCOLS)) == -1) {
		sqlite3_reset(st);
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		goto out;
	}
	sqlite3_reset(st);
	if (hubdb_emit(fn, arg, &r, err) == -1)
		goto out;
	/* Its chain, a record a stage, when it has more than one. */
	if ((st = hubdb_stmtf(h, err, "SELECT stage, id, coalesce(name, "
	    "'job-' || id) AS name, state, worker, reason, (SELECT count(*) "
	    "FROM artifacts a WHERE a.job=j.id AND a.n=j.attempt) AS "
	    "artifacts FROM jobs j WHERE stages>1 AND pipeline=(SELECT "
	    "pipeline FROM jobs WHERE id=?) ORDER BY stage", "i", id)) ==
	    NULL || hubdb_emit_rows(h, st, "pipeline", fn, arg, err) == -1)
		goto out;
	if (record_each(recipe->data, recipe->len, fn, arg) == -1) {
		bb_error_set(err, EX_IOERR, "write");
		goto out;
	}
	if ((st = hubdb_stmtf(h, err, "SELECT n, worker, started/1000 AS "
	    "started, ended/1000 AS ended, coalesce(how, '') AS end, result, "
	    "upto AS records FROM attempts WHERE job=? ORDER BY n", "i",
	    id)) == NULL ||
	    hubdb_emit_rows(h, st, "attempt", fn, arg, err) == -1)
		goto out;
	if ((st = hubdb_stmtf(h, err, "SELECT n AS attempt, name, size, "
	    "sha256 FROM artifacts WHERE job=? ORDER BY n, name", "i",
	    id)) == NULL ||
	    hubdb_emit_rows(h, st, "artifact", fn, arg, err) == -1)
		goto out;
	rv = HUB_OK;
out:
	buf_free(recipe);
	record_free(&r);
	return rv;
}

int
hubdb_count(struct hubdb *h, int (*fn)(void *, const char *, long long),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT state, count(*) FROM jobs "
	    "GROUP BY state", "")) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1)
		(void)fn(arg, hubdb_text(st, 0), sqlite3_column_int64(st, 1));
	return r;
}

int
hubdb_metrics(struct hubdb *h, struct hubdb_metrics *m,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	memset(m, 0, sizeof(*m));
	if ((st = hubdb_stmtf(h, err, "SELECT count(*), coalesce(min("
	    "submitted), 0), (SELECT coalesce(sum(bytes), 0) FROM attempts) "
	    "FROM jobs WHERE state='queued'", "")) == NULL ||
	    (r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 1) {
		m->queued = sqlite3_column_int64(st, 0);
		m->oldest = sqlite3_column_int64(st, 1);
		m->log_bytes = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
	}
	return 0;
}

int
hubdb_attempt_times(struct hubdb *h, long long id, const char *lease,
    long long *started, long long *ended, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT started, coalesce(ended, 0) "
	    "FROM attempts WHERE job=? AND lease=?", "it", id, lease)) ==
	    NULL || (r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "job %lld: no such lease", id);
		return HUB_NOTFOUND;
	}
	*started = sqlite3_column_int64(st, 0);
	*ended = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return HUB_OK;
}

int
hubdb_last_status(struct hubdb *h, long long id, struct record *rec,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	int r, rv;

	if ((st = hubdb_stmtf(h, err, "SELECT line FROM events WHERE job=?1 "
	    "AND n=(SELECT attempt FROM jobs WHERE id=?1) AND type='status' "
	    "ORDER BY seq DESC LIMIT 1", "i", id)) == NULL ||
	    (r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "job %lld: no step started", id);
		return HUB_NOTFOUND;
	}
	rv = record_parse(rec, sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), err) == 0 ? HUB_OK :
	    HUB_NOTFOUND;
	sqlite3_reset(st);
	return rv;
}
