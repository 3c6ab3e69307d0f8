/*
 * The hub's database (lib/hub/hubdb.h): making and opening it (its
 * schema and migrations are in lib/hub/hubdb_schema.c), the cache of
 * prepared statements and the helpers that bind and step them, and
 * transactions: each change one, or a savepoint of a batch.  The calls
 * on workers, jobs, records and artifacts are in the other
 * lib/hub/hubdb_*.c files (lib/hub/hubdb_impl.h).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hubdb.h"
#include "hubdb_impl.h"

static int
dberr(struct hubdb *h, struct bb_error *err, const char *what)
{
	bb_error_set(err, EX_IOERR, "%s: %s: %s", h->path, what,
	    sqlite3_errmsg(h->db));
	return -1;
}

sqlite3_stmt *
hubdb_stmt(struct hubdb *h, const char *sql, struct bb_error *err)
{
	struct hubdb_stmt_cache *c;
	size_t i, n;

	for (i = 0; i < h->nstmts; i++) {
		c = &h->stmts[i];
		if (c->sql == sql) {
			sqlite3_reset(c->st);
			sqlite3_clear_bindings(c->st);
			return c->st;
		}
	}
	if (h->nstmts == h->maxstmts) {
		n = h->maxstmts == 0 ? 64 : h->maxstmts * 2;
		if ((c = recallocarray(h->stmts, h->maxstmts, n,
		    sizeof(*c))) == NULL) {
			bb_error_errno(err, EX_OSERR, "hubdb");
			return NULL;
		}
		h->stmts = c;
		h->maxstmts = n;
	}
	c = &h->stmts[h->nstmts];
	if (sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->st, NULL) != SQLITE_OK) {
		dberr(h, err, "prepare");
		return NULL;
	}
	c->sql = sql;
	h->nstmts++;
	return c->st;
}

/*
 * Counts a commit that wrote rows, when it is flushed to disk: after a
 * statement that leaves no transaction open (a COMMIT, or a change on
 * its own), with synchronous=FULL.
 */
static void
counted(struct hubdb *h)
{
	long long n;

	if (!sqlite3_get_autocommit(h->db))
		return;
	n = sqlite3_total_changes64(h->db);
	if (n != h->changes && !h->lazy)
		h->flushes++;
	h->changes = n;
}

unsigned long long
hubdb_flushes(const struct hubdb *h)
{
	return h->flushes;
}

int
hubdb_run(struct hubdb *h, sqlite3_stmt *st, struct bb_error *err)
{
	int rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return dberr(h, err, "step");
	counted(h);
	return 0;
}

int
hubdb_row(struct hubdb *h, sqlite3_stmt *st, struct bb_error *err)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return dberr(h, err, "step");
}

const char *
hubdb_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : (const char *)s;
}

/* hubdb_stmtf with a va_list. */
static sqlite3_stmt *
qv(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, va_list ap)
{
	sqlite3_stmt *st;
	const char *p;
	size_t len;
	int i, rc = SQLITE_OK;

	if ((st = hubdb_stmt(h, sql, err)) == NULL)
		return NULL;
	for (i = 1; types[i - 1] != '\0' && rc == SQLITE_OK; i++) {
		switch (types[i - 1]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, long long));
			break;
		case 't':
			if ((p = va_arg(ap, const char *)) == NULL)
				rc = sqlite3_bind_null(st, i);
			else
				rc = sqlite3_bind_text(st, i, p, -1,
				    SQLITE_TRANSIENT);
			break;
		default:
			p = va_arg(ap, const char *);
			len = va_arg(ap, size_t);
			if (types[i - 1] == 'b')
				rc = sqlite3_bind_blob64(st, i, p ? p : "",
				    len, SQLITE_TRANSIENT);
			else
				rc = sqlite3_bind_text64(st, i, p, len,
				    SQLITE_TRANSIENT, SQLITE_UTF8);
			break;
		}
	}
	if (rc != SQLITE_OK) {
		dberr(h, err, "bind");
		return NULL;
	}
	return st;
}

sqlite3_stmt *
hubdb_stmtf(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = qv(h, err, sql, types, ap);
	va_end(ap);
	return st;
}

int
hubdb_runf(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = qv(h, err, sql, types, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	return hubdb_run(h, st, err);
}

int
hubdb_exists(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, types);
	st = qv(h, err, sql, types, ap);
	va_end(ap);
	if (st == NULL || (r = hubdb_row(h, st, err)) == -1)
		return -1;
	sqlite3_reset(st);
	return r;
}

int
hubdb_exec(struct hubdb *h, const char *sql, struct bb_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(h->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		bb_error_set(err, EX_IOERR, "%s: %s", h->path,
		    msg ? msg : sqlite3_errmsg(h->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
hubdb_begin(struct hubdb *h, struct bb_error *err)
{
	if (h->batch)
		return hubdb_runf(h, err, "SAVEPOINT one", "");
	return hubdb_runf(h, err, "BEGIN IMMEDIATE", "");
}

static int
commit(struct hubdb *h, struct bb_error *err)
{
	if (h->batch)
		return hubdb_runf(h, err, "RELEASE one", "");
	return hubdb_runf(h, err, "COMMIT", "");
}

void
hubdb_rollback(struct hubdb *h)
{
	size_t i;

	for (i = 0; i < h->nstmts; i++)
		sqlite3_reset(h->stmts[i].st);
	if (sqlite3_get_autocommit(h->db) != 0)
		return;
	if (h->batch)
		(void)sqlite3_exec(h->db, "ROLLBACK TO one; RELEASE one", NULL,
		    NULL, NULL);
	else
		(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	/* What was rolled back is not counted. */
	if (sqlite3_get_autocommit(h->db) != 0)
		h->changes = sqlite3_total_changes64(h->db);
}

int
hubdb_end(struct hubdb *h, int rv, struct bb_error *err)
{
	if (rv == -1) {
		hubdb_rollback(h);
		return -1;
	}
	if (commit(h, err) == -1) {
		hubdb_rollback(h);
		return -1;
	}
	return rv;
}

int
hubdb_batch(struct hubdb *h, int on, struct bb_error *err)
{
	int rv;

	if (on) {
		if (hubdb_runf(h, err, "BEGIN IMMEDIATE", "") == -1)
			return -1;
		h->batch = 1;
		return 0;
	}
	h->batch = 0;
	if ((rv = hubdb_runf(h, err, "COMMIT", "")) == -1)
		hubdb_rollback(h);
	return rv;
}

static int
open_db(const char *path, int flags, struct hubdb **out,
    struct bb_error *err)
{
	struct hubdb *h;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->path = strdup(path)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		free(h);
		return -1;
	}
	if (sqlite3_open_v2(path, &h->db, flags | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		bb_error_set(err, EX_NOINPUT, "%s: %s", path,
		    h->db ? sqlite3_errmsg(h->db) : "cannot open");
		hubdb_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h->db, 5000);
	if (hubdb_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=OFF;", err) == -1) {
		if ((sqlite3_errcode(h->db) & 0xff) == SQLITE_NOTADB && err)
			err->code = EX_CONFIG;
		hubdb_close(h);
		return -1;
	}
	*out = h;
	return 0;
}

int
hubdb_create(const char *path, struct bb_error *err)
{
	struct hubdb *h;
	int fd, rv;

	/* Made 0600 before SQLite opens it. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", path);
		return -1;
	}
	close(fd);
	if (open_db(path, SQLITE_OPEN_READWRITE, &h, err) == -1)
		return -1;
	rv = hubdb_schema_create(h, err);
	hubdb_close(h);
	return rv;
}

int
hubdb_open(const char *path, struct hubdb **out, struct bb_error *err)
{
	struct hubdb *h;

	if (open_db(path, SQLITE_OPEN_READWRITE, &h, err) == -1)
		return -1;
	if (hubdb_schema_upgrade(h, err) == -1) {
		hubdb_close(h);
		return -1;
	}
	(void)hubdb_changed(h);
	*out = h;
	return 0;
}

const char *
hubdb_opened(const struct hubdb *h)
{
	return h->note;
}

void
hubdb_close(struct hubdb *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nstmts; i++)
		sqlite3_finalize(h->stmts[i].st);
	free(h->stmts);
	sqlite3_close(h->db);
	free(h->note);
	free(h->path);
	free(h);
}

int
hubdb_changed(struct hubdb *h)
{
	sqlite3_stmt *st;
	long long v;

	if ((st = hubdb_stmt(h, "PRAGMA data_version", NULL)) == NULL ||
	    hubdb_row(h, st, NULL) != 1)
		return 1;
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (v == h->version)
		return 0;
	h->version = v;
	return 1;
}

int
hubdb_ping(struct hubdb *h, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmt(h, "SELECT count(*) FROM meta", err)) == NULL ||
	    (r = hubdb_row(h, st, err)) == -1)
		return -1;
	sqlite3_reset(st);
	return r == 1 ? 0 : -1;
}
