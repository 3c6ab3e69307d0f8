/*
 * The schema of the hub's database and its history (lib/hub/hubdb_impl.h):
 * the tables as the first release made them, then one numbered step for
 * each change since.  PRAGMA user_version holds the number of the last
 * step a database has had; a database of the first release has 0 there
 * and schema 1 in its meta table, so it counts as 1.  The meta table's
 * schema follows user_version, so that a bb-hub older than the database
 * refuses it instead of misreading it.
 *
 * A new database is made as the first release made it and then taken
 * through every step: one path makes every database, and every test runs
 * the steps.  An older database is copied next to itself (PATH.vN.bak,
 * with SQLite's backup API) and then taken through the steps it lacks,
 * all in one transaction that holds the write lock: it ends migrated or
 * as it was, and the copy is what was migrated.
 *
 * To change the schema, add a step at the end of steps[] and say in it
 * what it is for.  Never change a step that has been released: a
 * database that had it would not have the change.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "file.h"
#include "hubdb.h"
#include "hubdb_impl.h"

/* The first release's schema (commit d564269), which is schema 1. */
static const char schema1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE workers("
	"  name TEXT PRIMARY KEY,"
	"  secret TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  seen INTEGER NOT NULL DEFAULT 0,"
	"  caps TEXT NOT NULL DEFAULT '',"
	"  slots INTEGER NOT NULL DEFAULT 1,"
	"  version TEXT NOT NULL DEFAULT '',"
	"  os TEXT NOT NULL DEFAULT '',"
	"  arch TEXT NOT NULL DEFAULT '',"
	"  info BLOB NOT NULL DEFAULT '');"
	"CREATE TABLE sessions("
	"  token TEXT PRIMARY KEY,"
	"  worker TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  used INTEGER NOT NULL);"
	"CREATE INDEX sessions_worker ON sessions(worker);"
	"CREATE TABLE jobs("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempt INTEGER NOT NULL DEFAULT 0,"
	"  max_attempts INTEGER NOT NULL,"
	"  require TEXT NOT NULL DEFAULT '',"
	"  recipe BLOB NOT NULL,"
	"  source TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  worker TEXT,"
	"  lease TEXT,"
	"  lease_until INTEGER,"
	"  submitted INTEGER NOT NULL,"
	"  started INTEGER,"
	"  finished INTEGER,"
	"  reason TEXT);"
	"CREATE INDEX jobs_state ON jobs(state, id);"
	"CREATE TABLE attempts("
	"  job INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  lease TEXT NOT NULL UNIQUE,"
	"  worker TEXT NOT NULL,"
	"  started INTEGER NOT NULL,"
	"  ended INTEGER,"
	"  how TEXT,"
	"  result TEXT,"
	"  upto INTEGER NOT NULL DEFAULT 0,"
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(job, n));"
	"CREATE TABLE declines("
	"  job INTEGER NOT NULL,"
	"  worker TEXT NOT NULL,"
	"  PRIMARY KEY(job, worker));"
	"CREATE TABLE events("
	"  job INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  line BLOB NOT NULL,"
	"  PRIMARY KEY(job, n, seq)) WITHOUT ROWID;"
	"CREATE TABLE artifacts("
	"  job INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  stored INTEGER NOT NULL,"
	"  PRIMARY KEY(job, n, name));"
	"INSERT INTO meta VALUES('schema', '1');";

/*
 * A step takes a database of schema version - 1 to version: its SQL
 * runs, then fn if it is not NULL (for what SQL alone cannot do).
 */
struct step {
	int		 version;
	const char	*what;
	const char	*sql;
	int		(*fn)(struct hubdb *, struct bb_error *);
};

static const struct step steps[] = {
	{ 2, "retention: pinned jobs, the indexes that find expired jobs "
	    "and what references a blob, counters of what gc removed",
	    "ALTER TABLE jobs ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
	    "CREATE INDEX jobs_name ON jobs(name, id);"
	    "CREATE INDEX jobs_source ON jobs(source);"
	    "CREATE INDEX artifacts_sha256 ON artifacts(sha256);"
	    "CREATE TABLE stats(name TEXT PRIMARY KEY,"
	    "  value INTEGER NOT NULL);",
	    NULL },
	{ 3, "pipelines: a job's chain of stages (the first stage's id, "
	    "its place, how many) and state waiting; its configuration "
	    "(matrix values); the digest of its recipe and stages, which "
	    "with its source and requirements tells a build made already",
	    "ALTER TABLE jobs ADD COLUMN pipeline INTEGER NOT NULL DEFAULT 0;"
	    "ALTER TABLE jobs ADD COLUMN stage INTEGER NOT NULL DEFAULT 1;"
	    "ALTER TABLE jobs ADD COLUMN stages INTEGER NOT NULL DEFAULT 1;"
	    "ALTER TABLE jobs ADD COLUMN config TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE jobs ADD COLUMN recipe_sha256 TEXT NOT NULL "
	    "  DEFAULT '';"
	    "UPDATE jobs SET pipeline=id;"
	    "CREATE INDEX jobs_pipeline ON jobs(pipeline, stage);",
	    NULL },
};

#define LATEST	(steps[nitems(steps) - 1].version)

int
hubdb_schema_latest(void)
{
	return LATEST;
}

int
hubdb_schema_version(struct hubdb *h, struct bb_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *v;
	int version = 0, r;

	if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		bb_error_set(err, EX_IOERR, "%s: user_version: %s", h->path,
		    sqlite3_errmsg(h->db));
		return -1;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > 0)
		return version;
	/* The first release: no user_version, schema 1 in meta. */
	st = NULL;
	if (sqlite3_prepare_v2(h->db, "SELECT value FROM meta WHERE "
	    "key='schema'", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	r = sqlite3_step(st);
	v = r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	version = v != NULL && strcmp(v, "1") == 0;
	sqlite3_finalize(st);
	return version;
}

/* Runs the steps after version from, inside the caller's transaction. */
static int
run_steps(struct hubdb *h, int from, struct bb_error *err)
{
	char sql[128];
	size_t i;

	for (i = 0; i < nitems(steps); i++) {
		if (steps[i].version <= from)
			continue;
		if (hubdb_exec(h, steps[i].sql, err) == -1 ||
		    (steps[i].fn != NULL && steps[i].fn(h, err) == -1)) {
			bb_error_prefix(err, "step to schema %d",
			    steps[i].version);
			return -1;
		}
		(void)snprintf(sql, sizeof(sql), "PRAGMA user_version=%d;"
		    "UPDATE meta SET value='%d' WHERE key='schema';",
		    steps[i].version, steps[i].version);
		if (hubdb_exec(h, sql, err) == -1)
			return -1;
	}
	return 0;
}

int
hubdb_schema_create(struct hubdb *h, struct bb_error *err)
{
	if (hubdb_exec(h, "BEGIN", err) == -1)
		return -1;
	if (hubdb_exec(h, schema1, err) == -1 || run_steps(h, 1, err) == -1) {
		(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return hubdb_exec(h, "COMMIT", err);
}

/*
 * Copies the database, as this connection sees it, to path: a new file
 * (mode 0600) written whole, synced and renamed into place.
 */
static int
backup(struct hubdb *h, const char *path, struct bb_error *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	char tmp[4096], *dir = NULL, *slash;
	int fd = -1, rv = -1, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		bb_error_set(err, EX_CANTCREAT, "%s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", tmp);
		return -1;
	}
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		bb_error_set(err, EX_CANTCREAT, "%s: %s", tmp,
		    dst ? sqlite3_errmsg(dst) : "cannot open");
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", h->db, "main")) == NULL) {
		bb_error_set(err, EX_IOERR, "%s: backup: %s", tmp,
		    sqlite3_errmsg(dst));
		goto out;
	}
	rc = sqlite3_backup_step(b, -1);
	(void)sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		bb_error_set(err, EX_IOERR, "%s: backup: %s", tmp,
		    sqlite3_errstr(rc));
		goto out;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		bb_error_set(err, EX_IOERR, "%s: close", tmp);
		dst = NULL;
		goto out;
	}
	dst = NULL;
	if (fsync(fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s", tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", path);
		goto out;
	}
	if ((dir = strdup(path)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		goto out;
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	rv = file_sync_dir(AT_FDCWD, slash != NULL ? dir : ".", err);
out:
	if (dst != NULL)
		(void)sqlite3_close(dst);
	if (rv == -1)
		(void)unlink(tmp);
	if (fd != -1)
		close(fd);
	free(dir);
	return rv;
}

/* Returns PRAGMA data_version, or -1. */
static long long
data_version(struct hubdb *h, struct bb_error *err)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(h->db, "PRAGMA data_version", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		bb_error_set(err, EX_IOERR, "%s: data_version: %s", h->path,
		    sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	return v;
}

int
hubdb_schema_upgrade(struct hubdb *h, struct bb_error *err)
{
	char bak[4096];
	long long v0, v1;
	int from, tries;

	if ((from = hubdb_schema_version(h, err)) == -1)
		return -1;
	if (from == 0) {
		bb_error_set(err, EX_CONFIG, "%s: not a bb-hub database",
		    h->path);
		return -1;
	}
	if (from > LATEST) {
		bb_error_set(err, EX_CONFIG, "%s: made by a newer bb-hub "
		    "(schema %d; this one knows schema %d at most): upgrade "
		    "bb-hub", h->path, from, LATEST);
		return -1;
	}
	if (from == LATEST)
		return 0;
	if (snprintf(bak, sizeof(bak), "%s.v%d.bak", h->path, from) >=
	    (int)sizeof(bak)) {
		bb_error_set(err, EX_CANTCREAT, "%s: path too long", h->path);
		return -1;
	}
	/*
	 * The copy is made outside a transaction (the backup API reads
	 * through a lock of its own), then the write lock is taken: when
	 * another process wrote in between, the copy is made again.
	 */
	for (tries = 0;; tries++) {
		if ((v0 = data_version(h, err)) == -1)
			return -1;
		if (backup(h, bak, err) == -1) {
			bb_error_prefix(err, "%s: no migration without a copy",
			    h->path);
			return -1;
		}
		if (hubdb_exec(h, "BEGIN IMMEDIATE", err) == -1)
			return -1;
		if ((v1 = data_version(h, err)) == -1)
			goto fail;
		if (v1 == v0)
			break;
		(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		if (tries == 10) {
			bb_error_set(err, EX_TEMPFAIL, "%s: written to all "
			    "the time: stop what writes it to migrate it",
			    h->path);
			return -1;
		}
	}
	if ((from = hubdb_schema_version(h, err)) == -1)
		goto fail;
	if (from == LATEST)
		return hubdb_exec(h, "COMMIT", err);	/* another did it */
	if (run_steps(h, from, err) == -1) {
		bb_error_prefix(err, "%s: migration failed, nothing changed "
		    "(a copy is in %s)", h->path, bak);
		goto fail;
	}
	if (hubdb_exec(h, "COMMIT", err) == -1)
		goto fail;
	free(h->note);
	if (asprintf(&h->note, "%s: migrated from schema %d to %d; the "
	    "database as it was is in %s", h->path, from, LATEST, bak) == -1)
		h->note = NULL;
	return 0;
fail:
	(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
