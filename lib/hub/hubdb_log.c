/*
 * The records of a job's attempt (lib/hub/hubdb.h): storing the batches
 * a worker reports in the attempt's log file (lib/hub/hublog.h), each
 * sequence number once and in order, the whole under HUBDB_LOG_MAX, the
 * lease renewed in the database, and the status and artifact records in
 * the events table too (hubdb_last_status and hubdb_stage_files read
 * them); finishing the attempt once records 1 to the last are all held
 * and their digest is the one the worker sent (else the ranges held and
 * missing); reading the log back, from its file or, for an attempt of a
 * database made before log files, from the events table.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "digest.h"
#include "hubdb.h"
#include "hubdb_impl.h"
#include "hublog.h"

void
hubdb_set_logs(struct hubdb *h, struct hublog *logs)
{
	h->logs = logs;
}

int
hubdb_lazy(struct hubdb *h, int on, struct bb_error *err)
{
	h->lazy = on;
	if (on)
		return hubdb_runf(h, err, "PRAGMA synchronous=NORMAL", "");
	return hubdb_runf(h, err, "PRAGMA synchronous=FULL", "");
}

/* The attempt's log file, open for appending. */
static int
log_file(struct hubdb *h, long long id, long long n, struct hublog_file **f,
    struct bb_error *err)
{
	if (h->logs == NULL) {
		bb_error_set(err, EX_SOFTWARE, "hubdb: no log store");
		return -1;
	}
	return hublog_get(h->logs, id, n, f, err);
}

int
hubdb_events(struct hubdb *h, long long id, const char *lease,
    const char *worker, const struct hubdb_event *ev, size_t nev,
    long long now, long long ttl, struct hubdb_ack *ack,
    struct bb_error *err)
{
	struct hublog_file *f;
	struct iovec *iov = NULL;
	const char *joint = NULL;	/* where the last piece ends, if it
					   can grow over the next line */
	long long n, next, bytes = 0, lines = 0;
	size_t i, niov = 0;
	int rv = -1, end = 0;

	memset(ack, 0, sizeof(*ack));
	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((rv = hubdb_check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if (log_file(h, id, n, &f, err) == -1)
		goto out;
	if (nev > 0 && (iov = calloc(2 * nev, sizeof(*iov))) == NULL) {
		bb_error_errno(err, EX_OSERR, "events");
		goto out;
	}
	/*
	 * Line k of the file is record k: a number held is a duplicate, the
	 * next one is appended, one after a gap waits to be sent again.
	 * Lines that follow each other in the body go in one piece.
	 */
	next = f->lines + 1;
	for (i = 0; i < nev; i++) {
		if (ev[i].seq < next) {
			ack->dup++;
			continue;
		}
		if (ev[i].seq > next)
			continue;
		if (ev[i].line[ev[i].len] == '\n') {
			if (joint == ev[i].line)
				iov[niov - 1].iov_len += ev[i].len + 1;
			else {
				iov[niov].iov_base = (void *)(uintptr_t)
				    ev[i].line;
				iov[niov++].iov_len = ev[i].len + 1;
			}
			joint = ev[i].line + ev[i].len + 1;
		} else {
			iov[niov].iov_base = (void *)(uintptr_t)ev[i].line;
			iov[niov++].iov_len = ev[i].len;
			iov[niov].iov_base = "\n";
			iov[niov++].iov_len = 1;
			joint = NULL;
		}
		bytes += (long long)ev[i].len + 1;
		lines++;
		next++;
		end |= ev[i].end;
		/*
		 * Status and artifact records go to the table too: where a
		 * job is, and what its files are (a pipeline's next stage
		 * gets them executable or not, hubdb_stage_files).
		 */
		if (((ev[i].typelen == 6 && memcmp(ev[i].type, "status", 6) ==
		    0) || (ev[i].typelen == 8 && memcmp(ev[i].type,
		    "artifact", 8) == 0)) &&
		    hubdb_runf(h, err, "INSERT OR IGNORE INTO events(job, "
		    "n, seq, type, line) VALUES(?, ?, ?, ?, ?)", "iiisb", id, n,
		    ev[i].seq, ev[i].type, ev[i].typelen, ev[i].line,
		    ev[i].len) == -1)
			goto out;
	}
	if (f->size + bytes > HUBDB_LOG_MAX) {
		bb_error_set(err, EX_DATAERR, "job %lld: the log of attempt "
		    "%lld is over %lld bytes", id, n, HUBDB_LOG_MAX);
		rv = HUB_TOOLARGE;
		goto undo;
	}
	if (lines > 0 && hublog_append(f, iov, (int)niov, lines, err) == -1)
		goto out;
	if (end)
		hublog_want(h->logs, f);
	ack->stored = lines;
	ack->bytes = bytes;
	ack->upto = f->lines;
	if (hubdb_runf(h, err, "UPDATE attempts SET bytes=?, upto=? WHERE "
	    "job=? AND n=?", "iiii", (long long)f->size, f->lines, id,
	    n) == -1 || hubdb_renew(h, id, now, ttl, err) == -1)
		goto out;
	rv = HUB_OK;
out:
	free(iov);
	return hubdb_end(h, rv, err);
undo:
	free(iov);
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

int
hubdb_valid_state(const char *s)
{
	return strcmp(s, "queued") == 0 || strcmp(s, "running") == 0 ||
	    strcmp(s, "waiting") == 0 || hubdb_valid_result(s);
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
	struct hublog_file *f = NULL;
	struct ranges rh = { have, 0, 0, 0, 0 }, rm = { missing, 0, 0, 0, 0 };
	char hex[DIGEST_HEXLEN + 1];
	long long n;
	int rv = -1, repeat;

	if (hubdb_begin(h, err) == -1)
		return -1;
	rv = hubdb_check_end(h, id, lease, worker, "finished",
	    HUBDB_OVER(HUB_FINISHED), res, &n, &repeat, err);
	*attempt = (int)n;
	if (rv != HUB_OK || repeat)
		goto out;
	rv = -1;
	if (log_file(h, id, n, &f, err) == -1)
		goto out;
	/* The log holds records 1 to f->lines, no other. */
	if (f->lines < last) {
		ranges_add(&rh, 1, f->lines);
		ranges_add(&rm, f->lines + 1, last);
		ranges_flush(&rh);
		ranges_flush(&rm);
		bb_error_set(err, EX_DATAERR, "job %lld: %lld of records 1 to "
		    "%lld are missing", id, last - f->lines, last);
		rv = HUB_INCOMPLETE;
		goto out;
	}
	if (hublog_digest(f, last, hex, err) == -1)
		goto out;
	if (strcmp(hex, sha256) != 0) {
		bb_error_set(err, EX_DATAERR, "job %lld: the records held have "
		    "sha256 %s, not %s", id, hex, sha256);
		rv = HUB_MISMATCH;
		goto out;
	}
	/* Records after the last are dropped; the log is on disk. */
	if (hublog_truncate(f, last, err) == -1 ||
	    hublog_sync_file(f, err) == -1 ||
	    hubdb_runf(h, err, "DELETE FROM events WHERE job=? AND n=? AND "
	    "seq>?", "iii", id, n, last) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE jobs SET state=?, finished=?, reason=?, "
	    "lease_until=NULL WHERE id=?", "titi", result, now, reason,
	    id) == -1)
		goto out;
	if (hubdb_runf(h, err, "UPDATE attempts SET ended=?, how='finished', "
	    "result=?, upto=?, bytes=? WHERE job=? AND n=?", "itiiii", now,
	    result, last, (long long)f->size, id, n) == -1)
		goto out;
	(void)strlcpy(res, result, 16);
	rv = HUB_OK;
out:
	if (rv == HUB_INCOMPLETE || rv == HUB_MISMATCH) {
		hubdb_rollback(h);
		return rv;
	}
	if ((rv = hubdb_end(h, rv, err)) == HUB_OK && f != NULL)
		hublog_forget(h->logs, f);
	return rv;
}

/* Finds job id's attempt *n (0: its last one, then *n is set). */
static int
which_attempt(struct hubdb *h, long long id, long long *n,
    struct bb_error *err)
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
	return HUB_OK;
}

int
hubdb_log_file(struct hubdb *h, long long id, long long *n, int *fd,
    off_t *size, struct bb_error *err)
{
	int rv;

	*fd = -1;
	*size = 0;
	if ((rv = which_attempt(h, id, n, err)) != HUB_OK)
		return rv;
	if (h->logs != NULL && (*fd = hublog_open_read(h->logs, id, *n, size,
	    err)) == -1 && errno != ENOENT)
		return -1;
	return HUB_OK;
}

int
hubdb_log(struct hubdb *h, long long id, long long *n, long long after,
    long long limit, int (*fn)(void *, long long, const char *, size_t),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long seen;
	off_t size;
	int r, fd;

	if ((r = hubdb_log_file(h, id, n, &fd, &size, err)) != HUB_OK)
		return r;
	if (fd != -1) {
		r = hublog_read_lines(fd, size, after, limit, fn, arg, &seen,
		    err);
		close(fd);
		return r == -1 ? -1 : HUB_OK;
	}
	/* A database made before log files: its table. */
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
