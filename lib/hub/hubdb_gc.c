/*
 * Retention in the hub's database (lib/hub/hubdb.h): pinning a job,
 * removing the jobs the policy lets go with everything the database
 * holds of them (attempts, records, artifacts, declines) and their
 * attempts' log files (lib/hub/hublog.h), the log files that no attempt
 * owns, telling whether anything still refers to a blob, and gc's
 * counters.  The
 * blobs themselves are removed by lib/hub/hubgc.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "hubdb.h"
#include "hubdb_impl.h"

#define DAY_MS	(86400LL * 1000)

int
hubdb_pin(struct hubdb *h, long long id, int on, struct bb_error *err)
{
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if (hubdb_runf(h, err, "UPDATE jobs SET pinned=? WHERE id=?", "ii",
	    (long long)(on != 0), id) == -1)
		goto out;
	if (sqlite3_changes(h->db) == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		rv = HUB_NOTFOUND;
		goto out;
	}
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_expire_jobs(struct hubdb *h, long long now,
    const struct hubdb_policy *p, long long max, long long *njobs,
    long long *nbytes, struct bb_error *err)
{
	static const char *const del[] = {
		"DELETE FROM events WHERE job=?",
		"DELETE FROM artifacts WHERE job=?",
		"DELETE FROM attempts WHERE job=?",
		"DELETE FROM declines WHERE job=?",
		"DELETE FROM jobs WHERE id=?",
	};
	sqlite3_stmt *st;
	long long (*ids)[2] = NULL, (*nids)[2], bytes = 0, k;
	struct bb_error e;
	size_t n = 0, i, j;
	int rv = -1, r;

	*njobs = 0;
	if (hubdb_begin(h, err) == -1)
		return -1;
	/*
	 * Ended and not pinned, older than keep_days, and not among the
	 * keep_builds newest ended jobs of its name (jobs without a name
	 * count as one name).
	 */
	if ((st = hubdb_stmtf(h, err,
	    "SELECT id, (SELECT coalesce(sum(bytes), 0) FROM attempts a WHERE "
	    "a.job=e.id), attempt FROM (SELECT id, pinned, attempt, "
	    "coalesce(finished, submitted) AS ended, row_number() OVER "
	    "(PARTITION BY "
	    "coalesce(name, '') ORDER BY id DESC) AS nth FROM jobs WHERE "
	    "state NOT IN ('queued', 'running', 'waiting')) e WHERE "
	    "nth>?1 AND pinned=0 AND ended<?2 ORDER BY id LIMIT ?3", "iii",
	    p->keep_builds, now - p->keep_days * DAY_MS, max)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if ((nids = reallocarray(ids, n + 1, sizeof(*ids))) == NULL) {
			sqlite3_reset(st);
			bb_error_errno(err, EX_OSERR, "gc");
			goto out;
		}
		ids = nids;
		ids[n][0] = sqlite3_column_int64(st, 0);
		ids[n++][1] = sqlite3_column_int64(st, 2);
		bytes += sqlite3_column_int64(st, 1);
	}
	if (r == -1)
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < nitems(del); j++)
			if (hubdb_runf(h, err, del[j], "i", ids[i][0]) == -1)
				goto out;
	if (n > 0 && (hubdb_stat_add(h, "gc_jobs", (long long)n, err) == -1 ||
	    hubdb_stat_add(h, "gc_bytes", bytes, err) == -1))
		goto out;
	*njobs = (long long)n;
	*nbytes = bytes;
	rv = 0;
out:
	/* Once the jobs are gone, their attempts' log files go too. */
	if ((rv = hubdb_end(h, rv, err)) == 0 && h->logs != NULL)
		for (i = 0; i < n; i++)
			for (k = 1; k <= ids[i][1]; k++)
				(void)hublog_remove(h->logs, ids[i][0], k, &e);
	free(ids);
	return rv;
}

int
hubdb_log_drop(struct hubdb *h, long long job, long long n, off_t size,
    struct bb_error *err)
{
	static const char owned[] = "SELECT 1 FROM attempts WHERE job=? AND "
	    "n=?";
	int rv = -1, r;

	if (h->logs == NULL)
		return 0;
	/* Nearly every file is owned: a read tells, without the lock. */
	if ((r = hubdb_exists(h, err, owned, "ii", job, n)) != 0)
		return r == 1 ? 0 : -1;
	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((r = hubdb_exists(h, err, owned, "ii", job, n)) == -1)
		goto out;
	if (r == 1) {
		rv = 0;
		goto out;
	}
	if (hublog_remove(h->logs, job, n, err) == -1 ||
	    hubdb_stat_add(h, "gc_bytes", (long long)size, err) == -1)
		goto out;
	rv = 1;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_blob_drop(struct hubdb *h, const char *hex,
    int (*fn)(void *, const char *, struct bb_error *), void *arg,
    struct bb_error *err)
{
	static const char used[] = "SELECT 1 FROM jobs WHERE source=?1 "
	    "UNION ALL SELECT 1 FROM artifacts WHERE sha256=?1";
	int rv = -1, r;

	/* Most old blobs are referred to: a read tells, without the lock. */
	if ((r = hubdb_exists(h, err, used, "t", hex)) != 0)
		return r == 1 ? 0 : -1;
	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((r = hubdb_exists(h, err, used, "t", hex)) == -1)
		goto out;
	if (r == 1) {
		rv = 0;
		goto out;
	}
	/* Nothing refers to it, and nothing can until this ends. */
	rv = fn(arg, hex, err);
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_stat_add(struct hubdb *h, const char *name, long long n,
    struct bb_error *err)
{
	return hubdb_runf(h, err, "INSERT INTO stats(name, value) VALUES(?1, "
	    "?2) ON CONFLICT(name) DO UPDATE SET value=value+?2", "ti", name,
	    n);
}

int
hubdb_stats(struct hubdb *h, int (*fn)(void *, const char *, long long),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT name, value FROM stats ORDER BY "
	    "name", "")) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1)
		(void)fn(arg, hubdb_text(st, 0), sqlite3_column_int64(st, 1));
	return r;
}

int
hubdb_policy_get(struct hubdb *h, struct hubdb_policy *p,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	const char *k;
	long long v;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT key, CAST(value AS INTEGER) "
	    "FROM meta WHERE key IN ('keep_builds', 'keep_days')",
	    "")) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1) {
		k = hubdb_text(st, 0);
		v = sqlite3_column_int64(st, 1);
		if (v < 0)
			continue;
		if (strcmp(k, "keep_builds") == 0)
			p->keep_builds = v;
		else
			p->keep_days = v;
	}
	return r;
}

int
hubdb_policy_put(struct hubdb *h, const struct hubdb_policy *p,
    struct bb_error *err)
{
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if (hubdb_runf(h, err, "INSERT OR REPLACE INTO meta(key, value) "
	    "VALUES('keep_builds', ?)", "i", p->keep_builds) == -1 ||
	    hubdb_runf(h, err, "INSERT OR REPLACE INTO meta(key, value) "
	    "VALUES('keep_days', ?)", "i", p->keep_days) == -1)
		goto out;
	rv = 0;
out:
	return hubdb_end(h, rv, err);
}
