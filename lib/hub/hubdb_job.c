/*
 * Jobs in the hub's database (lib/hub/hubdb.h): the capabilities they
 * require, the queue and the claims that take from it, leases (their
 * checks, renewal and expiry), undelivered claims, declines and cancels.
 * A lease fences every change a worker makes: hubdb_check_lease is
 * called inside the change's transaction.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "buf.h"
#include "digest.h"
#include "hubauth.h"
#include "hubdb.h"
#include "hubdb_impl.h"
#include "hublog.h"

int
hubdb_caps_match(const char *require, const char *caps)
{
	const char *r, *c;
	size_t rn, cn;

	/* "=CAPS": exactly these, each way. */
	if (require[0] == '=')
		return hubdb_caps_match(require + 1, caps) &&
		    hubdb_caps_match(caps, require + 1);
	for (r = require; *r != '\0'; r += rn + (r[rn] == ',')) {
		rn = strcspn(r, ",");
		if (rn == 0)
			continue;
		for (c = caps; *c != '\0'; c += cn + (c[cn] == ',')) {
			cn = strcspn(c, ",");
			if (cn == rn && memcmp(c, r, rn) == 0)
				break;
		}
		if (*c == '\0')
			return 0;
	}
	return 1;
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
hubdb_caps_norm(const char *caps, struct buf *b)
{
	char *copy, *p, *c, **v = NULL, **nv;
	size_t n = 0, i;
	int rv = -1;

	if ((copy = strdup(caps)) == NULL)
		return -1;
	for (p = copy; (c = strsep(&p, ",")) != NULL; ) {
		if (*c == '\0')
			continue;
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			goto out;
		v = nv;
		v[n++] = c;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), by_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if ((b->len > 0 && buf_addc(b, ',') == -1) ||
		    buf_adds(b, v[i]) == -1)
			goto out;
	}
	rv = 0;
out:
	free(v);
	free(copy);
	return rv;
}

int
hubdb_claim(struct hubdb *h, const char *worker, const char *caps,
    long long only, long long now, long long ttl, struct record *job,
    struct buf *recipe, struct bb_error *err)
{
	sqlite3_stmt *st;
	char lease[HUBAUTH_LEASE_LEN + 1];
	long long id = 0;
	int rv = -1, r;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((st = hubdb_stmtf(h, err,
	    "SELECT id, require FROM jobs WHERE state='queued' "
	    "AND (?1=0 OR id=?1) AND NOT EXISTS (SELECT 1 FROM declines d "
	    "WHERE d.job=jobs.id AND d.worker=?2) ORDER BY id", "it", only,
	    worker)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if (hubdb_caps_match(hubdb_text(st, 1), caps)) {
			id = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			break;
		}
	}
	if (r == -1)
		goto out;
	if (id == 0) {
		rv = HUB_NONE;
		goto out;
	}
	hubauth_random(lease, HUBAUTH_LEASE_LEN);
	if (hubdb_runf(h, err, "UPDATE jobs SET state='running', "
	    "attempt=attempt+1, worker=?, lease=?, lease_until=?, started=? "
	    "WHERE id=?", "ttiii", worker, lease, now + ttl, now, id) == -1)
		goto out;
	if (hubdb_runf(h, err, "INSERT INTO attempts(job, n, lease, worker, "
	    "started) SELECT id, attempt, lease, worker, started FROM jobs "
	    "WHERE id=?", "i", id) == -1)
		goto out;
	/*
	 * A stage that feeds the next one says which (next=NAME); a later
	 * one, the name of the chain (its first stage's: chain=NAME).
	 */
	if ((st = hubdb_stmtf(h, err, "SELECT id, lease, coalesce(name, "
	    "'job-' || id) AS name, attempt, size, source AS sha256, (SELECT "
	    "coalesce(n.name, 'job-' || n.id) FROM jobs n WHERE "
	    "n.pipeline=j.pipeline AND n.stage=j.stage+1) AS next, CASE WHEN "
	    "stage>1 THEN (SELECT coalesce(f.name, 'job-' || f.id) FROM jobs "
	    "f WHERE f.id=j.pipeline) END AS chain, recipe FROM jobs j WHERE "
	    "id=?", "i", id)) == NULL)
		goto out;
	if ((r = hubdb_row(h, st, err)) != 1) {
		if (r == 0)
			bb_error_set(err, EX_SOFTWARE, "job %lld gone", id);
		goto out;
	}
	/*
	 * Ids are used again once the newest job is removed: a log file
	 * that a removed job of this id left (the hub stopped between its
	 * rows and its file) is not this attempt's.
	 */
	if (h->logs != NULL && hublog_remove(h->logs, id,
	    sqlite3_column_int64(st, 3), err) == -1)
		goto out;
	hubdb_row_record(job, "job", st, 8);
	r = buf_add(recipe, sqlite3_column_blob(st, 8),
	    (size_t)sqlite3_column_bytes(st, 8));
	sqlite3_reset(st);
	if (r == -1) {
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		goto out;
	}
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_check_lease(struct hubdb *h, long long id, const char *lease,
    const char *worker, long long *n, struct bb_error *err)
{
	sqlite3_stmt *st;
	const char *state, *jl, *jw;
	int r, rv;

	if ((st = hubdb_stmtf(h, err, "SELECT state, lease, worker, attempt "
	    "FROM jobs WHERE id=?", "i", id)) == NULL)
		return -1;
	if ((r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		return HUB_NOTFOUND;
	}
	state = hubdb_text(st, 0);
	jl = hubdb_text(st, 1);
	jw = hubdb_text(st, 2);
	*n = sqlite3_column_int64(st, 3);
	if (strcmp(state, "cancelled") == 0) {
		bb_error_set(err, EX_DATAERR, "job %lld was cancelled", id);
		rv = HUB_CANCELLED;
	} else if (jl == NULL || jw == NULL || !hubauth_equal(jl, lease) ||
	    strcmp(jw, worker) != 0) {
		bb_error_set(err, EX_DATAERR,
		    "job %lld is not held by this lease", id);
		rv = HUB_STALE;
	} else if (strcmp(state, "running") != 0) {
		bb_error_set(err, EX_DATAERR,
		    "job %lld has finished under this lease", id);
		rv = HUB_FINISHED;
	} else
		rv = HUB_OK;
	sqlite3_reset(st);
	return rv;
}

int
hubdb_renew(struct hubdb *h, long long id, long long now, long long ttl,
    struct bb_error *err)
{
	long long slack = ttl / 10 < RENEW_MIN_MS ? ttl / 10 : RENEW_MIN_MS;

	/*
	 * A lease that this would move by less than the slack stays as it
	 * is: a worker's calls in quick succession (the source fetched just
	 * after the claim, then its end) cost no write, and so no flush to
	 * disk, for a few milliseconds of lease.
	 */
	return hubdb_runf(h, err, "UPDATE jobs SET lease_until=? WHERE id=? "
	    "AND state='running' AND lease_until<=?", "iii", now + ttl, id,
	    now + ttl - slack);
}

int
hubdb_unclaim(struct hubdb *h, long long id, const char *lease,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	const char *worker;
	char w[HUBDB_NAME_MAX + 1];
	long long n;
	int rv = -1, r;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((st = hubdb_stmtf(h, err, "SELECT worker FROM attempts WHERE "
	    "lease=?", "t", lease)) == NULL ||
	    (r = hubdb_row(h, st, err)) == -1)
		goto out;
	if (r == 0) {
		rv = HUB_STALE;
		goto out;
	}
	worker = hubdb_text(st, 0);
	(void)strlcpy(w, worker, sizeof(w));
	sqlite3_reset(st);
	if ((rv = hubdb_check_lease(h, id, lease, w, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((r = hubdb_exists(h, err, "SELECT 1 FROM attempts WHERE job=? AND "
	    "n=? AND upto>0", "ii", id, n)) == -1)
		goto out;
	if (r) {
		rv = HUB_STALE;
		goto out;
	}
	if (hubdb_runf(h, err, "DELETE FROM attempts WHERE job=? AND n=?",
	    "ii", id, n) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE jobs SET state='queued', "
	    "attempt=attempt-1, worker=NULL, lease=NULL, lease_until=NULL, "
	    "started=CASE WHEN attempt>1 THEN (SELECT started FROM attempts a "
	    "WHERE a.job=id AND a.n=attempt-1) END WHERE id=?", "i", id) == -1)
		goto out;
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_queued(struct hubdb *h, int (*fn)(void *, long long, const char *),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err,
	    "SELECT id, require FROM jobs WHERE state='queued' "
	    "ORDER BY id", "")) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1)
		if (fn(arg, sqlite3_column_int64(st, 0), hubdb_text(st, 1)) ==
		    -1) {
			sqlite3_reset(st);
			return 0;
		}
	return r;
}

int
hubdb_declined(struct hubdb *h, long long id, const char *worker,
    struct bb_error *err)
{
	return hubdb_exists(h, err, "SELECT 1 FROM declines WHERE job=? AND "
	    "worker=?", "it", id, worker);
}

int
hubdb_lease(struct hubdb *h, long long id, const char *lease,
    const char *worker, long long now, long long ttl, char *hex,
    off_t *size, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long n;
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((rv = hubdb_check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if (ttl > 0 && hubdb_renew(h, id, now, ttl, err) == -1)
		goto out;
	if (hex != NULL || size != NULL) {
		if ((st = hubdb_stmtf(h, err, "SELECT source, size FROM jobs "
		    "WHERE id=?", "i", id)) == NULL)
			goto out;
		if (hubdb_row(h, st, err) != 1)
			goto out;
		if (hex != NULL)
			(void)strlcpy(hex, hubdb_text(st, 0),
			    DIGEST_HEXLEN + 1);
		if (size != NULL)
			*size = (off_t)sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
	}
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

/*
 * Tells whether the attempt of job id under lease is the worker's and
 * ended in the way how: 1 or 0, -1 on failure.  When result is not NULL
 * (16 bytes) and it did, puts the attempt's result there and returns the
 * attempt's number instead of 1.
 */
static int
attempt_how(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *how, char *result, struct bb_error *err)
{
	sqlite3_stmt *st;
	const char *s;
	int r;

	if ((st = hubdb_stmtf(h, err,
	    "SELECT how, worker, result, n FROM attempts WHERE "
	    "job=? AND lease=?", "it", id, lease)) == NULL)
		return -1;
	if ((r = hubdb_row(h, st, err)) != 1)
		return r;
	s = hubdb_text(st, 0);
	r = s != NULL && strcmp(s, how) == 0 &&
	    strcmp(hubdb_text(st, 1), worker) == 0;
	if (r && result != NULL) {
		s = hubdb_text(st, 2);
		(void)strlcpy(result, s ? s : "", 16);
		r = (int)sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return r;
}

int
hubdb_check_end(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *how, unsigned int over, char *result,
    long long *n, int *repeat, struct bb_error *err)
{
	int rv, r;

	*repeat = 0;
	rv = hubdb_check_lease(h, id, lease, worker, n, err);
	if (rv <= HUB_OK || (over & HUBDB_OVER(rv)) == 0)
		return rv;
	if ((r = attempt_how(h, id, lease, worker, how, result, err)) <= 0)
		return r == -1 ? -1 : rv;
	if (result != NULL)
		*n = r;
	*repeat = 1;
	return HUB_OK;
}

int
hubdb_decline(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *reason, long long now,
    struct bb_error *err)
{
	long long n;
	int rv = -1, repeat;

	if (hubdb_begin(h, err) == -1)
		return -1;
	rv = hubdb_check_end(h, id, lease, worker, "declined",
	    HUBDB_OVER(HUB_STALE), NULL, &n, &repeat, err);
	if (rv != HUB_OK || repeat)
		goto out;
	rv = -1;
	if (hubdb_requeue(h, id, "declined", now, err) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE attempts SET result=? WHERE job=? AND "
	    "n=?", "tii", reason, id, n) == -1)
		goto out;
	if (hubdb_runf(h, err, "INSERT OR IGNORE INTO declines(job, worker) "
	    "VALUES(?, ?)", "it", id, worker) == -1)
		goto out;
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_abandon(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *reason, long long now, int defmax,
    struct hubdb_abandoned *out, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long n, max;
	int rv = -1, r, repeat;

	if (reason == NULL || reason[0] == '\0')
		reason = "abandoned by its worker";
	memset(out, 0, sizeof(*out));
	if (hubdb_begin(h, err) == -1)
		return -1;
	rv = hubdb_check_end(h, id, lease, worker, "abandoned",
	    HUBDB_OVER(HUB_STALE) | HUBDB_OVER(HUB_FINISHED), NULL, &n, &repeat,
	    err);
	if (repeat) {
		/* The same call again: the same answer. */
		out->again = 1;
		if ((st = hubdb_stmtf(h, err, "SELECT a.n, j.state FROM "
		    "attempts a JOIN jobs j ON j.id=a.job WHERE a.job=? AND "
		    "a.lease=?", "it", id, lease)) == NULL ||
		    (r = hubdb_row(h, st, err)) != 1) {
			rv = -1;
			goto out;
		}
		out->attempt = sqlite3_column_int64(st, 0);
		(void)strlcpy(out->state, hubdb_text(st, 1),
		    sizeof(out->state));
		sqlite3_reset(st);
		rv = HUB_OK;
		goto out;
	}
	if (rv != HUB_OK)
		goto out;
	rv = -1;
	if ((st = hubdb_stmtf(h, err, "SELECT max_attempts FROM jobs WHERE "
	    "id=?", "i", id)) == NULL || hubdb_row(h, st, err) != 1)
		goto out;
	max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (max == 0)
		max = defmax;
	if (hubdb_requeue(h, id, "abandoned", now, err) == -1 ||
	    hubdb_runf(h, err, "UPDATE attempts SET result=? WHERE job=? AND "
	    "n=?", "tii", reason, id, n) == -1)
		goto out;
	out->attempt = n;
	(void)strlcpy(out->state, "queued", sizeof(out->state));
	if (n >= max) {
		if (hubdb_runf(h, err, "UPDATE jobs SET state='error', "
		    "finished=?1, reason=printf('abandoned on attempt %d of "
		    "%d: %s', ?2, ?3, ?4) WHERE id=?5", "iiiti", now, n, max,
		    reason, id) == -1)
			goto out;
		(void)strlcpy(out->state, "error", sizeof(out->state));
	}
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_requeue(struct hubdb *h, long long id, const char *how, long long now,
    struct bb_error *err)
{
	if (hubdb_runf(h, err, "UPDATE attempts SET ended=?, how=? WHERE "
	    "job=? AND n=(SELECT attempt FROM jobs WHERE id=?) AND ended IS "
	    "NULL", "itii", now, how, id, id) == -1)
		return -1;
	return hubdb_runf(h, err, "UPDATE jobs SET state='queued', "
	    "worker=NULL, lease=NULL, lease_until=NULL WHERE id=?", "i", id);
}

int
hubdb_cancel(struct hubdb *h, long long id, long long now,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	char state[16];
	int rv = -1, r;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((st = hubdb_stmtf(h, err, "SELECT state FROM jobs WHERE id=?", "i",
	    id)) == NULL)
		goto out;
	if ((r = hubdb_row(h, st, err)) == -1)
		goto out;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		rv = HUB_NOTFOUND;
		goto out;
	}
	(void)strlcpy(state, hubdb_text(st, 0), sizeof(state));
	sqlite3_reset(st);
	if (strcmp(state, "cancelled") == 0) {
		rv = HUB_OK;
		goto out;
	}
	if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0 &&
	    strcmp(state, "waiting") != 0) {
		bb_error_set(err, EX_DATAERR, "job %lld has ended already "
		    "(%s)", id, state);
		rv = HUB_CONFLICT;
		goto out;
	}
	if (hubdb_runf(h, err, "UPDATE attempts SET ended=?, how='cancelled' "
	    "WHERE job=? AND ended IS NULL", "ii", now, id) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE jobs SET state='cancelled', finished=?, "
	    "lease_until=NULL, reason='cancelled by the hub administrator' "
	    "WHERE id=?", "ii", now, id) == -1)
		goto out;
	/* The chain stops there. */
	if (hubdb_stage_stop_after(h, id, now, err) == -1)
		goto out;
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_expire(struct hubdb *h, long long now, int defmax,
    int (*busy)(void *, long long), void *arg, long long *nexp,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	struct exp {
		long long	id, attempt, max;
	} *v = NULL, *nv;
	char reason[128];
	size_t n = 0, i;
	int rv = -1, r;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((st = hubdb_stmtf(h, err, "SELECT id, attempt, max_attempts FROM "
	    "jobs WHERE state='running' AND lease_until<?", "i", now)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if (busy != NULL && busy(arg, sqlite3_column_int64(st, 0)))
			continue;
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
			sqlite3_reset(st);
			bb_error_errno(err, EX_OSERR, "expire");
			goto out;
		}
		v = nv;
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].attempt = sqlite3_column_int64(st, 1);
		v[n].max = sqlite3_column_int64(st, 2);
		if (v[n].max == 0)
			v[n].max = defmax;
		n++;
	}
	if (r == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (hubdb_requeue(h, v[i].id, "expired", now, err) == -1)
			goto out;
		if (v[i].attempt < v[i].max)
			continue;
		(void)snprintf(reason, sizeof(reason), "lease expired on "
		    "attempt %lld of %lld", v[i].attempt, v[i].max);
		if (hubdb_runf(h, err, "UPDATE jobs SET state='error', "
		    "finished=?, reason=? WHERE id=?", "iti", now, reason,
		    v[i].id) == -1)
			goto out;
	}
	*nexp += (long long)n;
	rv = 0;
out:
	free(v);
	return hubdb_end(h, rv, err);
}

int
hubdb_refresh_leases(struct hubdb *h, long long now, long long ttl,
    struct bb_error *err)
{
	return hubdb_runf(h, err,
	    "UPDATE jobs SET lease_until=? WHERE state='running'", "i",
	    now + ttl);
}

int
hubdb_next_expiry(struct hubdb *h, long long *ms, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmt(h, "SELECT min(lease_until) FROM jobs WHERE "
	    "state='running'", err)) == NULL ||
	    (r = hubdb_row(h, st, err)) == -1)
		return -1;
	*ms = r == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}
