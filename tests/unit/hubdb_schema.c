/*
 * Unit tests of lib/hub/hubdb_schema.c: a new database has the newest
 * schema; a database of the first release (tests/fixtures/hub-v1.sql) is
 * copied and migrated when opened, its jobs all kept; a newer one is
 * refused; a migration that fails leaves the database as it was.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "file.h"
#include "hubdb_test.h"

/* Runs sql on the database at path (made if need be).  0 or -1. */
static int
sql(const char *path, const char *text)
{
	sqlite3 *db;
	char *msg = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, text, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		printf("# %s: %s\n", path, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Returns the integer the query on path answers, or -1. */
static long long
ask(const char *path, const char *q)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int
add_line(void *arg, const struct record *r)
{
	struct buf *b = arg;

	return buf_addf(b, "%s %s %s %s\n", record_get(r, "id"),
	    record_get(r, "name"), record_get(r, "state"),
	    record_get(r, "attempt"));
}

int
main(void)
{
	char path[300], bak[320], cmd[700];
	const char *src = getenv("BB_SRC");
	struct buf *fixture = NULL, *b;
	struct hubdb *x = NULL;
	struct stat st;
	int latest;

	db_setup();
	latest = (int)ask(tpath, "PRAGMA user_version");
	ok(latest >= 2, "a new database has a schema version: %d", latest);
	is_int(ask(tpath, "SELECT value FROM meta WHERE key='schema'"), latest,
	    "  and its meta table says the same");
	ok(hubdb_opened(h) == NULL, "  opening it said nothing");
	hubdb_close(h);
	h = NULL;

	/* Newer than this code: refused, untouched. */
	(void)snprintf(path, sizeof(path), "%s/new.db", tdir);
	ok(hubdb_create(path, &err) == 0 && sql(path,
	    "PRAGMA user_version=9999") == 0, "a database of a newer bb-hub");
	ok(hubdb_open(path, &x, &err) == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "newer bb-hub") != NULL &&
	    strstr(err.msg, "upgrade bb-hub") != NULL, "is refused: %s",
	    err.msg);
	is_int(ask(path, "PRAGMA user_version"), 9999, "  and left as it was");

	if (src == NULL)
		src = ".";
	(void)snprintf(cmd, sizeof(cmd), "%s/tests/fixtures/hub-v1.sql", src);
	ok(file_read(AT_FDCWD, cmd, 1 << 20, &fixture, &err) == 0,
	    "the first release's database, as SQL");
	if (fixture == NULL)
		goto out;

	/* A migration that fails changes nothing. */
	(void)snprintf(path, sizeof(path), "%s/bad.db", tdir);
	ok(sql(path, fixture->data) == 0 && sql(path, "CREATE TABLE "
	    "stats(x)") == 0, "a first release's database with a table in "
	    "the way of a step");
	ok(hubdb_open(path, &x, &err) == -1 && strstr(err.msg,
	    "migration failed, nothing changed") != NULL, "is refused: %s",
	    err.msg);
	is_int(ask(path, "PRAGMA user_version"), 0, "  user_version as it was");
	is_int(ask(path, "SELECT value FROM meta WHERE key='schema'"), 1,
	    "  schema as it was");
	is_int(ask(path, "SELECT count(*) FROM pragma_table_info('jobs') "
	    "WHERE name='pinned'"), 0, "  no step half done");

	/* A database of the first release is copied and migrated. */
	(void)snprintf(path, sizeof(path), "%s/v1.db", tdir);
	(void)snprintf(bak, sizeof(bak), "%s.v1.bak", path);
	ok(sql(path, fixture->data) == 0, "the first release's database");
	ok(hubdb_open(path, &h, &err) == 0, "opens");
	ok(hubdb_opened(h) != NULL && strstr(hubdb_opened(h),
	    "migrated from schema 1") != NULL && strstr(hubdb_opened(h), bak) !=
	    NULL, "  and says it migrated it, and where the copy is: %s",
	    hubdb_opened(h) ? hubdb_opened(h) : "(nothing)");
	is_int(ask(path, "PRAGMA user_version"), latest, "  to the newest "
	    "schema");
	ok(stat(bak, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the copy is there, mode 0600");
	is_int(ask(bak, "PRAGMA user_version"), 0, "  of the database as it "
	    "was");
	is_int(ask(bak, "SELECT count(*) FROM jobs"), 4, "  with its 4 jobs");
	b = buf_new(4096);
	ok(hubdb_jobs(h, NULL, 100, add_line, b, &err) == 0 &&
	    strcmp(b->data, "4 hello queued 0\n3 slow running 1\n"
	    "2 broken failure 1\n1 hello success 1\n") == 0,
	    "every job is kept, in its state");
	buf_free(b);
	hubdb_close(h);
	ok(hubdb_open(path, &h, &err) == 0 && hubdb_opened(h) == NULL,
	    "opened again, there is nothing to migrate");
	ok(unlink(bak) == 0 && hubdb_open(path, &x, &err) == 0 &&
	    access(bak, F_OK) == -1, "  and no new copy is made");
	hubdb_close(x);
out:
	buf_free(fixture);
	db_teardown();
	return tap_done();
}
