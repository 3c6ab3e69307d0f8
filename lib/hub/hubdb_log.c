/*
 * The records of a job's attempt in the hub's database (lib/hub/hubdb.h):
 * storing the batches a worker reports, each sequence number once and
 * the whole under HUBDB_LOG_MAX; finishing the attempt once records 1 to
 * the last are all held and their digest is the one the worker sent
 * (else the ranges held and missing); reading the log back.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "buf.h"
#include "digest.h"
#include "hubdb.h"
#include "hubdb_impl.h"

/* Advances the attempt's upto over the numbers stored after it. */
static int
advance_upto(struct hubdb *h, long long id, long long n, long long *upto,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	long long u, s;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT upto FROM attempts WHERE job=? "
	    "AND n=?", "ii", id, n)) == NULL)
		return -1;
	if (hubdb_row(h, st, err) != 1)
		return -1;
	u = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = hubdb_stmtf(h, err,
	    "SELECT seq FROM events WHERE job=? AND n=? AND seq>? "
	    "ORDER BY seq", "iii", id, n, u)) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1) {
		s = sqlite3_column_int64(st, 0);
		if (s != u + 1) {
			sqlite3_reset(st);
			break;
		}
		u = s;
	}
	if (r == -1)
		return -1;
	*upto = u;
	return hubdb_runf(h, err, "UPDATE attempts SET upto=? WHERE job=? AND "
	    "n=?", "iii", u, id, n);
}

int
hubdb_events(struct hubdb *h, long long id, const char *lease,
    const char *worker, const struct hubdb_event *ev, size_t nev,
    long long now, long long ttl, struct hubdb_ack *ack,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	long long n, bytes = 0, have;
	size_t i;
	int rv = -1;

	memset(ack, 0, sizeof(*ack));
	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((rv = hubdb_check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((st = hubdb_stmtf(h, err, "SELECT bytes FROM attempts WHERE job=? "
	    "AND n=?", "ii", id, n)) == NULL)
		goto out;
	if (hubdb_row(h, st, err) != 1)
		goto out;
	have = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < nev; i++) {
		if (hubdb_runf(h, err, "INSERT OR IGNORE INTO events(job, n, "
		    "seq, type, line) VALUES(?, ?, ?, ?, ?)", "iiisb", id, n,
		    ev[i].seq, ev[i].type, ev[i].typelen, ev[i].line,
		    (size_t)ev[i].len) == -1)
			goto out;
		if (sqlite3_changes(h->db) > 0) {
			ack->stored++;
			bytes += (long long)ev[i].len + 1;
		} else
			ack->dup++;
	}
	if (have + bytes > HUBDB_LOG_MAX) {
		bb_error_set(err, EX_DATAERR, "job %lld: the log of attempt "
		    "%lld is over %lld bytes", id, n, HUBDB_LOG_MAX);
		rv = HUB_TOOLARGE;
		goto undo;
	}
	if ((st = hubdb_stmtf(h, err,
	    "UPDATE attempts SET bytes=bytes+? WHERE job=? AND "
	    "n=?", "iii", bytes, id, n)) == NULL)
		goto out;
	ack->bytes = bytes;
	if (hubdb_run(h, st, err) == -1 ||
	    advance_upto(h, id, n, &ack->upto, err) == -1 ||
	    hubdb_renew(h, id, now + ttl, err) == -1)
		goto out;
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
undo:
	hubdb_rollback(h);
	return rv;
}

int
hubdb_valid_result(const char *s)
{
	static const char *const results[] = {
		"success", "failure", "timeout", "cancelled", "error"
	};
	size_t i;

	for (i = 0; i < nitems(results); i++)
		if (strcmp(s, results[i]) == 0)
			return 1;
	return 0;
}

/* Lists of sequence numbers as ranges: 1-40,45,47-57. */
struct ranges {
	struct buf	*b;
	long long	 lo, hi;
	int		 open, cut;
};

static void
ranges_flush(struct ranges *r)
{
	char s[64];
	int n;

	if (!r->open || r->cut)
		return;
	if (r->lo == r->hi)
		n = snprintf(s, sizeof(s), "%s%lld", r->b->len ? "," : "",
		    r->lo);
	else
		n = snprintf(s, sizeof(s), "%s%lld-%lld", r->b->len ? "," :
		    "", r->lo, r->hi);
	if (r->b->len + (size_t)n + 4 > HUBDB_RANGES_MAX) {
		(void)buf_adds(r->b, ",...");
		r->cut = 1;
	} else
		(void)buf_add(r->b, s, (size_t)n);
	r->open = 0;
}

/* Adds lo..hi, above everything added so far. */
static void
ranges_add(struct ranges *r, long long lo, long long hi)
{
	if (r->b == NULL || lo > hi)
		return;
	if (r->open && lo == r->hi + 1) {
		r->hi = hi;
		return;
	}
	ranges_flush(r);
	r->lo = lo;
	r->hi = hi;
	r->open = 1;
}

int
hubdb_finish(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *result, const char *reason,
    long long last, const char *sha256, long long now, int *attempt,
    char *res, struct buf *have, struct buf *missing, struct bb_error *err)
{
	sqlite3_stmt *st;
	struct digest *d = NULL;
	struct ranges rh = { have, 0, 0, 0, 0 }, rm = { missing, 0, 0, 0, 0 };
	char hex[DIGEST_HEXLEN + 1];
	long long n, seq, next = 1, nmissing = 0;
	int rv = -1, r;

	if (hubdb_begin(h, err) == -1)
		return -1;
	rv = hubdb_check_lease(h, id, lease, worker, &n, err);
	*attempt = (int)n;
	if (rv == HUB_FINISHED) {
		if ((r = hubdb_attempt_how(h, id, lease, worker, "finished",
		    res, err)) == -1)
			rv = -1;
		else if (r > 0) {
			*attempt = r;
			rv = HUB_OK;
		}
		goto out;
	}
	if (rv != HUB_OK)
		goto out;
	rv = -1;
	if ((d = digest_new()) == NULL) {
		bb_error_set(err, EX_SOFTWARE, "sha256: cannot start");
		goto out;
	}
	if ((st = hubdb_stmtf(h, err,
	    "SELECT seq, line FROM events WHERE job=? AND n=? AND "
	    "seq<=? ORDER BY seq", "iii", id, n, last)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1) {
		seq = sqlite3_column_int64(st, 0);
		if (seq > next) {
			ranges_add(&rm, next, seq - 1);
			nmissing += seq - next;
		}
		ranges_add(&rh, seq, seq);
		next = seq + 1;
		(void)digest_update(d, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
		(void)digest_update(d, "\n", 1);
	}
	if (r == -1)
		goto out;
	if (next <= last) {
		ranges_add(&rm, next, last);
		nmissing += last - next + 1;
	}
	ranges_flush(&rh);
	ranges_flush(&rm);
	if (nmissing > 0) {
		bb_error_set(err, EX_DATAERR, "job %lld: %lld of records 1 to "
		    "%lld are missing", id, nmissing, last);
		rv = HUB_INCOMPLETE;
		goto out;
	}
	if (digest_final_hex(d, hex) == -1) {
		bb_error_set(err, EX_SOFTWARE, "sha256 failed");
		goto out;
	}
	if (strcmp(hex, sha256) != 0) {
		bb_error_set(err, EX_DATAERR, "job %lld: the records held have "
		    "sha256 %s, not %s", id, hex, sha256);
		rv = HUB_MISMATCH;
		goto out;
	}
	if (hubdb_runf(h, err, "DELETE FROM events WHERE job=? AND n=? AND "
	    "seq>?", "iii", id, n, last) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE jobs SET state=?, finished=?, reason=?, "
	    "lease_until=NULL WHERE id=?", "titi", result, now, reason,
	    id) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE attempts SET ended=?, how='finished', "
	    "result=? WHERE job=? AND n=?", "itii", now, result, id, n) == -1)
		goto out;
	(void)strlcpy(res, result, 16);
	rv = HUB_OK;
out:
	digest_free(d);
	if (rv == HUB_INCOMPLETE || rv == HUB_MISMATCH) {
		hubdb_rollback(h);
		return rv;
	}
	return hubdb_end(h, rv, err);
}

int
hubdb_log(struct hubdb *h, long long id, long long *n, long long after,
    long long limit, int (*fn)(void *, long long, const char *, size_t),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT attempt FROM jobs WHERE id=?",
	    "i", id)) == NULL)
		return -1;
	if ((r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		return HUB_NOTFOUND;
	}
	if (*n == 0)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = hubdb_stmtf(h, err,
	    "SELECT seq, line FROM events WHERE job=? AND n=? AND "
	    "seq>? ORDER BY seq LIMIT ?", "iiii", id, *n, after,
	    limit > 0 ? limit : -1)) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if (fn(arg, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1)) == -1) {
			sqlite3_reset(st);
			bb_error_set(err, EX_IOERR, "write");
			return -1;
		}
	}
	return r == 0 ? HUB_OK : -1;
}
