/*
 * Artifacts in the hub's database (lib/hub/hubdb.h): recording one of an
 * attempt under its lease, each name once with one digest, and finding
 * the blob an admin download names, an artifact or the job's source.
 * The blobs themselves are in the store (lib/hub/blob.h).
 */
#include <sys/types.h>

#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "digest.h"
#include "hubdb.h"
#include "hubdb_impl.h"

int
hubdb_artifact(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *name, const char *hex, off_t size,
    long long now, long long ttl, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long n;
	int rv = -1, r;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((rv = hubdb_check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((st = hubdb_stmtf(h, err, "SELECT sha256, (SELECT count(*) FROM "
	    "artifacts WHERE job=?1 AND n=?2) FROM artifacts WHERE job=?1 AND "
	    "n=?2 AND name=?3 UNION ALL SELECT NULL, count(*) FROM artifacts "
	    "WHERE job=?1 AND n=?2", "iit", id, n, name)) == NULL)
		goto out;
	if ((r = hubdb_row(h, st, err)) != 1)
		goto out;
	if (hubdb_text(st, 0) != NULL) {
		r = strcmp(hubdb_text(st, 0), hex) == 0;
		sqlite3_reset(st);
		if (!r) {
			bb_error_set(err, EX_DATAERR, "job %lld: artifact "
			    "\"%s\" is stored with another digest", id, name);
			rv = HUB_EXISTS;
			goto out;
		}
		rv = HUB_SAME;
		goto renew;
	}
	r = sqlite3_column_int64(st, 1) >= HUBDB_ARTIFACTS_MAX;
	sqlite3_reset(st);
	if (r) {
		bb_error_set(err, EX_DATAERR, "job %lld: over %d artifacts",
		    id, HUBDB_ARTIFACTS_MAX);
		rv = HUB_TOOLARGE;
		goto out;
	}
	if (hubdb_runf(h, err, "INSERT INTO artifacts(job, n, name, sha256, "
	    "size, stored) VALUES(?, ?, ?, ?, ?, ?)", "iittii", id, n, name,
	    hex, (long long)size, now) == -1)
		goto out;
	rv = HUB_OK;
renew:
	if (hubdb_renew(h, id, now, ttl, err) == -1)
		rv = -1;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_artifact_find(struct hubdb *h, long long id, const char *name,
    long long n, char *hex, off_t *size, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err,
	    "SELECT sha256, size FROM artifacts WHERE job=?1 AND "
	    "name=?2 AND (?3=0 OR n=?3) ORDER BY n DESC LIMIT 1", "iti", id,
	    name, n)) == NULL)
		return -1;
	if ((r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "job %lld has no artifact "
		    "\"%s\"", id, name);
		return HUB_NOTFOUND;
	}
	(void)strlcpy(hex, hubdb_text(st, 0), DIGEST_HEXLEN + 1);
	*size = (off_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return HUB_OK;
}

int
hubdb_source(struct hubdb *h, long long id, char *hex, off_t *size,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT source, size FROM jobs WHERE "
	    "id=?", "i", id)) == NULL || (r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		return HUB_NOTFOUND;
	}
	(void)strlcpy(hex, hubdb_text(st, 0), DIGEST_HEXLEN + 1);
	*size = (off_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return HUB_OK;
}
