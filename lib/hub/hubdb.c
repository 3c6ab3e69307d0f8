#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "digest.h"
#include "hubauth.h"
#include "hubdb.h"

#define SCHEMA_VERSION	"1"
#define STMT_MAX	64

struct stmt_cache {
	const char	*sql;
	sqlite3_stmt	*st;
};

struct hubdb {
	sqlite3			*db;
	char			*path;
	long long		 version;	/* PRAGMA data_version */
	int			 batch;		/* in hubdb_batch */
	struct stmt_cache	 stmts[STMT_MAX];
	size_t			 nstmts;
};

static const char schema[] =
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
	"INSERT INTO meta VALUES('schema', '" SCHEMA_VERSION "');";

static int
dberr(struct hubdb *h, struct bb_error *err, const char *what)
{
	bb_error_set(err, EX_IOERR, "%s: %s: %s", h->path, what,
	    sqlite3_errmsg(h->db));
	return -1;
}

/* Returns the cached statement for sql (a string literal), reset. */
static sqlite3_stmt *
q(struct hubdb *h, const char *sql, struct bb_error *err)
{
	struct stmt_cache *c;
	size_t i;

	for (i = 0; i < h->nstmts; i++) {
		c = &h->stmts[i];
		if (c->sql == sql) {
			sqlite3_reset(c->st);
			sqlite3_clear_bindings(c->st);
			return c->st;
		}
	}
	if (h->nstmts == STMT_MAX) {
		bb_error_set(err, EX_SOFTWARE, "hubdb: too many statements");
		return NULL;
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

/* Steps a statement that returns no row.  Returns 0 or -1. */
static int
run(struct hubdb *h, sqlite3_stmt *st, struct bb_error *err)
{
	int rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return dberr(h, err, "step");
	return 0;
}

/* Steps once: 1 with a row, 0 without, -1 on failure. */
static int
row(struct hubdb *h, sqlite3_stmt *st, struct bb_error *err)
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

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : (const char *)s;
}

/*
 * Returns the cached statement for sql (a string literal) with its
 * parameters bound, one per letter of types: 'i' a long long, 't' a C
 * string or NULL, 'b' a blob (a pointer, then its size_t length), 's' a
 * text of a given length (the same).  The values are copied.  Returns
 * NULL on failure.
 */
static sqlite3_stmt *
qv(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, va_list ap)
{
	sqlite3_stmt *st;
	const char *p;
	size_t len;
	int i, rc = SQLITE_OK;

	if ((st = q(h, sql, err)) == NULL)
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

static sqlite3_stmt *
qf(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = qv(h, err, sql, types, ap);
	va_end(ap);
	return st;
}

/* As qf, then runs the statement, which returns no row.  0 or -1. */
static int
runf(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, types);
	st = qv(h, err, sql, types, ap);
	va_end(ap);
	if (st == NULL)
		return -1;
	return run(h, st, err);
}

/* As qf, then tells whether the query has a row: 1, 0 or -1. */
static int
exists(struct hubdb *h, struct bb_error *err, const char *sql,
    const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, types);
	st = qv(h, err, sql, types, ap);
	va_end(ap);
	if (st == NULL || (r = row(h, st, err)) == -1)
		return -1;
	sqlite3_reset(st);
	return r;
}

static int
exec(struct hubdb *h, const char *sql, struct bb_error *err)
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

/*
 * Every change is a transaction of its own, or, inside a batch
 * (hubdb_batch), a savepoint of the batch's transaction.
 */
static int
begin(struct hubdb *h, struct bb_error *err)
{
	if (h->batch)
		return runf(h, err, "SAVEPOINT one", "");
	return runf(h, err, "BEGIN IMMEDIATE", "");
}

static int
commit(struct hubdb *h, struct bb_error *err)
{
	if (h->batch)
		return runf(h, err, "RELEASE one", "");
	return runf(h, err, "COMMIT", "");
}

static void
rollback(struct hubdb *h)
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
}

/* Ends a transaction: commits when rv is not -1, else rolls back. */
static int
end(struct hubdb *h, int rv, struct bb_error *err)
{
	if (rv == -1) {
		rollback(h);
		return -1;
	}
	if (commit(h, err) == -1) {
		rollback(h);
		return -1;
	}
	return rv;
}

int
hubdb_batch(struct hubdb *h, int on, struct bb_error *err)
{
	int rv;

	if (on) {
		if (runf(h, err, "BEGIN IMMEDIATE", "") == -1)
			return -1;
		h->batch = 1;
		return 0;
	}
	h->batch = 0;
	if ((rv = runf(h, err, "COMMIT", "")) == -1)
		rollback(h);
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
	if (exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
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
	rv = exec(h, "BEGIN;", err);
	if (rv == 0)
		rv = exec(h, schema, err);
	if (rv == 0)
		rv = exec(h, "COMMIT;", err);
	hubdb_close(h);
	return rv;
}

int
hubdb_open(const char *path, struct hubdb **out, struct bb_error *err)
{
	struct hubdb *h;
	sqlite3_stmt *st;
	const char *v;
	int r;

	if (open_db(path, SQLITE_OPEN_READWRITE, &h, err) == -1)
		return -1;
	if ((st = q(h, "SELECT value FROM meta WHERE key='schema'", NULL)) ==
	    NULL || (r = row(h, st, NULL)) == -1)
		r = 0;
	v = r ? col_text(st, 0) : NULL;
	if (v == NULL || strcmp(v, SCHEMA_VERSION) != 0) {
		bb_error_set(err, EX_CONFIG, "%s: not a bb-hub database of "
		    "schema %s", path, SCHEMA_VERSION);
		goto fail;
	}
	sqlite3_reset(st);
	(void)hubdb_changed(h);
	*out = h;
	return 0;
fail:
	hubdb_close(h);
	return -1;
}

void
hubdb_close(struct hubdb *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nstmts; i++)
		sqlite3_finalize(h->stmts[i].st);
	sqlite3_close(h->db);
	free(h->path);
	free(h);
}

int
hubdb_changed(struct hubdb *h)
{
	sqlite3_stmt *st;
	long long v;

	if ((st = q(h, "PRAGMA data_version", NULL)) == NULL ||
	    row(h, st, NULL) != 1)
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

	if ((st = q(h, "SELECT count(*) FROM meta", err)) == NULL ||
	    (r = row(h, st, err)) == -1)
		return -1;
	sqlite3_reset(st);
	return r == 1 ? 0 : -1;
}

int
hubdb_caps_match(const char *require, const char *caps)
{
	const char *r, *c;
	size_t rn, cn;

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

static void
set_col(struct record *r, const char *key, sqlite3_stmt *st, int i)
{
	const char *s;

	if ((s = col_text(st, i)) != NULL)
		(void)record_setn(r, key, s,
		    (size_t)sqlite3_column_bytes(st, i), NULL);
}

/* Sets key to the value of info record NAME in the encoded records. */
static void
set_info(struct record *w, const char *info, size_t len)
{
	static const char *const keep[] = { "admin", "host", "access_uri" };
	struct record r;
	const char *p = info, *nl, *name, *v;
	char key[32];
	size_t i, vlen;

	record_init(&r);
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		if (record_parse(&r, p, (size_t)(nl - p), NULL) == 0 &&
		    record_is(&r, "info") &&
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
	record_free(&r);
}

/*
 * Makes r a record of type from the first ncols columns of st's row: a
 * key per column that is not NULL, named as the column; a column named
 * info holds a worker's info records (set_info).
 */
static void
row_record(struct record *r, const char *type, sqlite3_stmt *st, int ncols)
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

static int
emit(int (*fn)(void *, const struct record *), void *arg,
    const struct record *r, struct bb_error *err)
{
	if (fn(arg, r) == -1) {
		bb_error_set(err, EX_IOERR, "write");
		return -1;
	}
	return 0;
}

/* Calls fn with a record of type per row of st.  Returns 0 or -1. */
static int
emit_rows(struct hubdb *h, sqlite3_stmt *st, const char *type,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	struct record r;
	int x;

	record_init(&r);
	while ((x = row(h, st, err)) == 1) {
		row_record(&r, type, st, sqlite3_column_count(st));
		if (emit(fn, arg, &r, err) == -1) {
			sqlite3_reset(st);
			x = -1;
			break;
		}
	}
	record_free(&r);
	return x;
}

/* Workers */

int
hubdb_worker_add(struct hubdb *h, const char *name, const char *secret,
    long long now, struct bb_error *err)
{
	int rv = -1, r;

	if (begin(h, err) == -1)
		return -1;
	if ((r = exists(h, err, "SELECT 1 FROM workers WHERE name=?", "t",
	    name)) == -1)
		goto out;
	if (r == 1) {
		bb_error_set(err, EX_DATAERR, "worker %s exists already",
		    name);
		rv = HUB_EXISTS;
		goto out;
	}
	if (runf(h, err, "INSERT INTO workers(name, secret, created) "
	    "VALUES(?, ?, ?)", "tti", name, secret, now) == -1)
		goto out;
	rv = HUB_OK;
out:
	return end(h, rv, err);
}

/* Puts a running attempt's job back in the queue (inside a transaction). */
static int
requeue(struct hubdb *h, long long id, const char *how, long long now,
    struct bb_error *err)
{
	if (runf(h, err, "UPDATE attempts SET ended=?, how=? WHERE job=? AND "
	    "n=(SELECT attempt FROM jobs WHERE id=?) AND ended IS NULL", "itii",
	    now, how, id, id) == -1)
		return -1;
	return runf(h, err, "UPDATE jobs SET state='queued', worker=NULL, "
	    "lease=NULL, lease_until=NULL WHERE id=?", "i", id);
}

int
hubdb_worker_remove(struct hubdb *h, const char *name, long long now,
    long long *requeued, struct bb_error *err)
{
	static const char *const del[] = {
		"DELETE FROM sessions WHERE worker=?",
		"DELETE FROM declines WHERE worker=?",
		"DELETE FROM workers WHERE name=?",
	};
	sqlite3_stmt *st;
	long long *ids = NULL, *nids;
	size_t n = 0, i;
	int rv = -1, r;

	*requeued = 0;
	if (begin(h, err) == -1)
		return -1;
	if ((r = exists(h, err, "SELECT 1 FROM workers WHERE name=?", "t",
	    name)) == -1)
		goto out;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no worker %s", name);
		rv = HUB_NOTFOUND;
		goto out;
	}
	if ((st = qf(h, err, "SELECT id FROM jobs WHERE state='running' AND "
	    "worker=?", "t", name)) == NULL)
		goto out;
	while ((r = row(h, st, err)) == 1) {
		if ((nids = reallocarray(ids, n + 1, sizeof(*ids))) == NULL) {
			sqlite3_reset(st);
			bb_error_errno(err, EX_OSERR, "hubdb");
			goto out;
		}
		ids = nids;
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (r == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (requeue(h, ids[i], "removed", now, err) == -1)
			goto out;
	for (i = 0; i < nitems(del); i++) {
		if (runf(h, err, del[i], "t", name) == -1)
			goto out;
	}
	*requeued = (long long)n;
	rv = HUB_OK;
out:
	free(ids);
	return end(h, rv, err);
}

int
hubdb_worker_secret(struct hubdb *h, const char *name, char *out,
    size_t len, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = qf(h, err, "SELECT secret FROM workers WHERE name=?", "t",
	    name)) == NULL)
		return -1;
	if ((r = row(h, st, err)) == -1)
		return -1;
	if (r == 0)
		return HUB_NOTFOUND;
	r = strlcpy(out, col_text(st, 0), len) >= len ? HUB_NOTFOUND : HUB_OK;
	sqlite3_reset(st);
	return r;
}

int
hubdb_hello(struct hubdb *h, const char *name, const struct hubdb_hello *w,
    const char *token, long long now, struct bb_error *err)
{
	int rv = -1;

	if (begin(h, err) == -1)
		return -1;
	if (runf(h, err, "UPDATE workers SET seen=?, caps=?, slots=?, "
	    "version=?, os=?, arch=?, info=? WHERE name=?", "ititttbt", now,
	    w->caps ? w->caps : "", w->slots, w->version ? w->version : "",
	    w->os ? w->os : "", w->arch ? w->arch : "", w->info ? w->info : "",
	    (size_t)w->infolen, name) == -1)
		goto out;
	if (sqlite3_changes(h->db) == 0) {
		bb_error_set(err, EX_NOPERM, "no worker %s", name);
		rv = HUB_NOTFOUND;
		goto out;
	}
	if (runf(h, err, "INSERT INTO sessions(token, worker, created, used) "
	    "VALUES(?, ?, ?, ?)", "ttii", token, name, now, now) == -1)
		goto out;
	rv = HUB_OK;
out:
	return end(h, rv, err);
}

int
hubdb_session(struct hubdb *h, const char *token, long long now,
    long long idle, struct hubdb_session *s, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long used, seen;
	int r;

	if ((st = qf(h, err, "SELECT s.worker, s.used, w.seen, w.caps FROM "
	    "sessions s JOIN workers w ON w.name=s.worker WHERE s.token=?", "t",
	    token)) == NULL)
		return -1;
	if ((r = row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_NOPERM, "unknown session");
		return HUB_UNAUTH;
	}
	used = sqlite3_column_int64(st, 1);
	seen = sqlite3_column_int64(st, 2);
	if (strlcpy(s->worker, col_text(st, 0), sizeof(s->worker)) >=
	    sizeof(s->worker) || strlcpy(s->caps, col_text(st, 3),
	    sizeof(s->caps)) >= sizeof(s->caps)) {
		sqlite3_reset(st);
		bb_error_set(err, EX_NOPERM, "unknown session");
		return HUB_UNAUTH;
	}
	sqlite3_reset(st);
	if (used < now - idle) {
		bb_error_set(err, EX_NOPERM, "session ended");
		return HUB_UNAUTH;
	}
	/* Written at most every 10 s: it is for people and expiry only. */
	if (used < now - 10000) {
		if (runf(h, err, "UPDATE sessions SET used=? WHERE token=?",
		    "it", now, token) == -1)
			return -1;
	}
	if (seen < now - 10000) {
		if (runf(h, err, "UPDATE workers SET seen=? WHERE name=?", "it",
		    now, s->worker) == -1)
			return -1;
	}
	return HUB_OK;
}

int
hubdb_purge_sessions(struct hubdb *h, long long now, long long idle,
    struct bb_error *err)
{
	return runf(h, err, "DELETE FROM sessions WHERE used<?", "i",
	    now - idle);
}

int
hubdb_workers(struct hubdb *h, long long now, long long window,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;

	if ((st = qf(h, err, "SELECT name, caps, slots, version, os, arch, "
	    "seen/1000 AS last_seen, seen>? AS connected, coalesce((SELECT "
	    "group_concat(id) FROM (SELECT id FROM jobs WHERE state='running' "
	    "AND worker=w.name ORDER BY id)), '') AS running, info FROM "
	    "workers w ORDER BY name", "i", now - window)) == NULL)
		return -1;
	return emit_rows(h, st, "worker", fn, arg, err);
}

/* Jobs */

int
hubdb_submit(struct hubdb *h, const struct recipe *rc, const char *source,
    off_t size, int attempts, long long now, long long *id,
    struct bb_error *err)
{
	struct buf *text = NULL, *req = NULL;
	size_t i;
	int rv = -1;

	if ((text = buf_new(RECIPE_MAX * 4)) == NULL ||
	    (req = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "submit");
		goto fail;
	}
	if (recipe_encode(rc, text, err) == -1)
		goto fail;
	for (i = 0; i < rc->nrequire; i++)
		if ((i > 0 && buf_addc(req, ',') == -1) ||
		    buf_adds(req, rc->require[i]) == -1) {
			bb_error_set(err, EX_DATAERR, "require: too long");
			goto fail;
		}
	if (begin(h, err) == -1)
		goto fail;
	if (runf(h, err, "INSERT INTO jobs(name, max_attempts, require, "
	    "recipe, source, size, submitted) VALUES(?, ?, ?, ?, ?, ?, ?)",
	    "titbtii", rc->name,
	    (long long)(attempts > 0 ? attempts : 0), req->data,
	    text->data, (size_t)text->len, source, (long long)size, now) == -1)
		goto out;
	*id = sqlite3_last_insert_rowid(h->db);
	rv = HUB_OK;
out:
	rv = end(h, rv, err);
fail:
	buf_free(text);
	buf_free(req);
	return rv;
}

struct pick {
	struct hubdb	*h;
	const char	*caps;
	long long	 id;
};

int
hubdb_claim(struct hubdb *h, const char *worker, const char *caps,
    long long only, long long now, long long ttl, struct record *job,
    struct buf *recipe, struct bb_error *err)
{
	sqlite3_stmt *st;
	char lease[HUBAUTH_LEASE_LEN + 1];
	long long id = 0;
	int rv = -1, r;

	if (begin(h, err) == -1)
		return -1;
	if ((st = qf(h, err,
	    "SELECT id, require FROM jobs WHERE state='queued' "
	    "AND (?1=0 OR id=?1) AND NOT EXISTS (SELECT 1 FROM declines d "
	    "WHERE d.job=jobs.id AND d.worker=?2) ORDER BY id", "it", only,
	    worker)) == NULL)
		goto out;
	while ((r = row(h, st, err)) == 1) {
		if (hubdb_caps_match(col_text(st, 1), caps)) {
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
	if (runf(h, err, "UPDATE jobs SET state='running', attempt=attempt+1, "
	    "worker=?, lease=?, lease_until=?, started=? WHERE id=?", "ttiii",
	    worker, lease, now + ttl, now, id) == -1)
		goto out;
	if (runf(h, err, "INSERT INTO attempts(job, n, lease, worker, started) "
	    "SELECT id, attempt, lease, worker, started FROM jobs WHERE id=?",
	    "i", id) == -1)
		goto out;
	if ((st = qf(h, err, "SELECT id, lease, coalesce(name, 'job-' || id) "
	    "AS name, attempt, size, source AS sha256, recipe FROM jobs WHERE "
	    "id=?", "i", id)) == NULL)
		goto out;
	if ((r = row(h, st, err)) != 1) {
		if (r == 0)
			bb_error_set(err, EX_SOFTWARE, "job %lld gone", id);
		goto out;
	}
	row_record(job, "job", st, 6);
	r = buf_add(recipe, sqlite3_column_blob(st, 6),
	    (size_t)sqlite3_column_bytes(st, 6));
	sqlite3_reset(st);
	if (r == -1) {
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		goto out;
	}
	rv = HUB_OK;
out:
	return end(h, rv, err);
}

/*
 * Checks lease against job id (inside a transaction).  Puts the attempt
 * in *n.  Returns an outcome or -1.
 */
static int
check_lease(struct hubdb *h, long long id, const char *lease,
    const char *worker, long long *n, struct bb_error *err)
{
	sqlite3_stmt *st;
	const char *state, *jl, *jw;
	int r, rv;

	if ((st = qf(h, err, "SELECT state, lease, worker, attempt FROM jobs "
	    "WHERE id=?", "i", id)) == NULL)
		return -1;
	if ((r = row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		return HUB_NOTFOUND;
	}
	state = col_text(st, 0);
	jl = col_text(st, 1);
	jw = col_text(st, 2);
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

static int
renew(struct hubdb *h, long long id, long long until, struct bb_error *err)
{
	return runf(h, err, "UPDATE jobs SET lease_until=? WHERE id=? AND "
	    "state='running'", "ii", until, id);
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

	if (begin(h, err) == -1)
		return -1;
	if ((st = qf(h, err, "SELECT worker FROM attempts WHERE lease=?", "t",
	    lease)) == NULL || (r = row(h, st, err)) == -1)
		goto out;
	if (r == 0) {
		rv = HUB_STALE;
		goto out;
	}
	worker = col_text(st, 0);
	(void)strlcpy(w, worker, sizeof(w));
	sqlite3_reset(st);
	if ((rv = check_lease(h, id, lease, w, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((r = exists(h, err, "SELECT 1 FROM events WHERE job=? AND n=?",
	    "ii", id, n)) == -1)
		goto out;
	if (r) {
		rv = HUB_STALE;
		goto out;
	}
	if (runf(h, err, "DELETE FROM attempts WHERE job=? AND n=?", "ii", id,
	    n) == -1)
		goto out;
	if (runf(h, err, "UPDATE jobs SET state='queued', attempt=attempt-1, "
	    "worker=NULL, lease=NULL, lease_until=NULL, started=CASE WHEN "
	    "attempt>1 THEN (SELECT started FROM attempts a WHERE a.job=id "
	    "AND a.n=attempt-1) END WHERE id=?", "i", id) == -1)
		goto out;
	rv = HUB_OK;
out:
	return end(h, rv, err);
}

int
hubdb_queued(struct hubdb *h, int (*fn)(void *, long long, const char *),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = qf(h, err,
	    "SELECT id, require FROM jobs WHERE state='queued' "
	    "ORDER BY id", "")) == NULL)
		return -1;
	while ((r = row(h, st, err)) == 1)
		if (fn(arg, sqlite3_column_int64(st, 0), col_text(st, 1)) ==
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
	return exists(h, err, "SELECT 1 FROM declines WHERE job=? AND "
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

	if (begin(h, err) == -1)
		return -1;
	if ((rv = check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if (ttl > 0 && renew(h, id, now + ttl, err) == -1)
		goto out;
	if (hex != NULL || size != NULL) {
		if ((st = qf(h, err, "SELECT source, size FROM jobs WHERE id=?",
		    "i", id)) == NULL)
			goto out;
		if (row(h, st, err) != 1)
			goto out;
		if (hex != NULL)
			(void)strlcpy(hex, col_text(st, 0), DIGEST_HEXLEN + 1);
		if (size != NULL)
			*size = (off_t)sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
	}
	rv = HUB_OK;
out:
	return end(h, rv, err);
}

/* Returns the end (how) of the attempt under lease of the worker, or 0. */
static int
attempt_how(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *how, char *result, struct bb_error *err)
{
	sqlite3_stmt *st;
	const char *s;
	int r;

	if ((st = qf(h, err,
	    "SELECT how, worker, result, n FROM attempts WHERE "
	    "job=? AND lease=?", "it", id, lease)) == NULL)
		return -1;
	if ((r = row(h, st, err)) != 1)
		return r;
	s = col_text(st, 0);
	r = s != NULL && strcmp(s, how) == 0 &&
	    strcmp(col_text(st, 1), worker) == 0;
	if (r && result != NULL) {
		s = col_text(st, 2);
		(void)strlcpy(result, s ? s : "", 16);
		r = (int)sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return r;
}

int
hubdb_decline(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *reason, long long now,
    struct bb_error *err)
{
	long long n;
	int rv = -1, r;

	if (begin(h, err) == -1)
		return -1;
	rv = check_lease(h, id, lease, worker, &n, err);
	if (rv == HUB_STALE) {
		if ((r = attempt_how(h, id, lease, worker, "declined", NULL,
		    err)) == -1)
			rv = -1;
		else if (r == 1)
			rv = HUB_OK;
		goto out;
	}
	if (rv != HUB_OK)
		goto out;
	rv = -1;
	if (requeue(h, id, "declined", now, err) == -1)
		goto out;
	if (runf(h, err, "UPDATE attempts SET result=? WHERE job=? AND n=?",
	    "tii", reason, id, n) == -1)
		goto out;
	if (runf(h, err, "INSERT OR IGNORE INTO declines(job, worker) "
	    "VALUES(?, ?)", "it", id, worker) == -1)
		goto out;
	rv = HUB_OK;
out:
	return end(h, rv, err);
}

/* Advances the attempt's upto over the numbers stored after it. */
static int
advance_upto(struct hubdb *h, long long id, long long n, long long *upto,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	long long u, s;
	int r;

	if ((st = qf(h, err, "SELECT upto FROM attempts WHERE job=? AND n=?",
	    "ii", id, n)) == NULL)
		return -1;
	if (row(h, st, err) != 1)
		return -1;
	u = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = qf(h, err,
	    "SELECT seq FROM events WHERE job=? AND n=? AND seq>? "
	    "ORDER BY seq", "iii", id, n, u)) == NULL)
		return -1;
	while ((r = row(h, st, err)) == 1) {
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
	return runf(h, err, "UPDATE attempts SET upto=? WHERE job=? AND n=?",
	    "iii", u, id, n);
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
	if (begin(h, err) == -1)
		return -1;
	if ((rv = check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((st = qf(h, err, "SELECT bytes FROM attempts WHERE job=? AND n=?",
	    "ii", id, n)) == NULL)
		goto out;
	if (row(h, st, err) != 1)
		goto out;
	have = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < nev; i++) {
		if (runf(h, err, "INSERT OR IGNORE INTO events(job, n, seq, "
		    "type, line) VALUES(?, ?, ?, ?, ?)", "iiisb", id, n,
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
	if ((st = qf(h, err,
	    "UPDATE attempts SET bytes=bytes+? WHERE job=? AND "
	    "n=?", "iii", bytes, id, n)) == NULL)
		goto out;
	if (run(h, st, err) == -1 ||
	    advance_upto(h, id, n, &ack->upto, err) == -1 ||
	    renew(h, id, now + ttl, err) == -1)
		goto out;
	rv = HUB_OK;
out:
	return end(h, rv, err);
undo:
	rollback(h);
	return rv;
}

int
hubdb_artifact(struct hubdb *h, long long id, const char *lease,
    const char *worker, const char *name, const char *hex, off_t size,
    long long now, long long ttl, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long n;
	int rv = -1, r;

	if (begin(h, err) == -1)
		return -1;
	if ((rv = check_lease(h, id, lease, worker, &n, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((st = qf(h, err, "SELECT sha256, (SELECT count(*) FROM artifacts "
	    "WHERE job=?1 AND n=?2) FROM artifacts WHERE job=?1 AND n=?2 AND "
	    "name=?3 UNION ALL SELECT NULL, count(*) FROM artifacts WHERE "
	    "job=?1 AND n=?2", "iit", id, n, name)) == NULL)
		goto out;
	if ((r = row(h, st, err)) != 1)
		goto out;
	if (col_text(st, 0) != NULL) {
		r = strcmp(col_text(st, 0), hex) == 0;
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
	if (runf(h, err, "INSERT INTO artifacts(job, n, name, sha256, size, "
	    "stored) VALUES(?, ?, ?, ?, ?, ?)", "iittii", id, n, name, hex,
	    (long long)size, now) == -1)
		goto out;
	rv = HUB_OK;
renew:
	if (renew(h, id, now + ttl, err) == -1)
		rv = -1;
out:
	return end(h, rv, err);
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

	if (begin(h, err) == -1)
		return -1;
	rv = check_lease(h, id, lease, worker, &n, err);
	*attempt = (int)n;
	if (rv == HUB_FINISHED) {
		if ((r = attempt_how(h, id, lease, worker, "finished", res,
		    err)) == -1)
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
	if ((st = qf(h, err,
	    "SELECT seq, line FROM events WHERE job=? AND n=? AND "
	    "seq<=? ORDER BY seq", "iii", id, n, last)) == NULL)
		goto out;
	while ((r = row(h, st, err)) == 1) {
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
	if (runf(h, err, "DELETE FROM events WHERE job=? AND n=? AND seq>?",
	    "iii", id, n, last) == -1)
		goto out;
	if (runf(h, err, "UPDATE jobs SET state=?, finished=?, reason=?, "
	    "lease_until=NULL WHERE id=?", "titi", result, now, reason,
	    id) == -1)
		goto out;
	if (runf(h, err, "UPDATE attempts SET ended=?, how='finished', "
	    "result=? WHERE job=? AND n=?", "itii", now, result, id, n) == -1)
		goto out;
	(void)strlcpy(res, result, 16);
	rv = HUB_OK;
out:
	digest_free(d);
	if (rv == HUB_INCOMPLETE || rv == HUB_MISMATCH) {
		rollback(h);
		return rv;
	}
	return end(h, rv, err);
}

int
hubdb_cancel(struct hubdb *h, long long id, long long now,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	char state[16];
	int rv = -1, r;

	if (begin(h, err) == -1)
		return -1;
	if ((st = qf(h, err, "SELECT state FROM jobs WHERE id=?", "i",
	    id)) == NULL)
		goto out;
	if ((r = row(h, st, err)) == -1)
		goto out;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		rv = HUB_NOTFOUND;
		goto out;
	}
	(void)strlcpy(state, col_text(st, 0), sizeof(state));
	sqlite3_reset(st);
	if (strcmp(state, "cancelled") == 0) {
		rv = HUB_OK;
		goto out;
	}
	if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0) {
		bb_error_set(err, EX_DATAERR, "job %lld has ended already "
		    "(%s)", id, state);
		rv = HUB_CONFLICT;
		goto out;
	}
	if (runf(h, err, "UPDATE attempts SET ended=?, how='cancelled' WHERE "
	    "job=? AND ended IS NULL", "ii", now, id) == -1)
		goto out;
	if (runf(h, err, "UPDATE jobs SET state='cancelled', finished=?, "
	    "lease_until=NULL, reason='cancelled by the hub administrator' "
	    "WHERE id=?", "ii", now, id) == -1)
		goto out;
	rv = HUB_OK;
out:
	return end(h, rv, err);
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

	if (begin(h, err) == -1)
		return -1;
	if ((st = qf(h, err, "SELECT id, attempt, max_attempts FROM jobs WHERE "
	    "state='running' AND lease_until<?", "i", now)) == NULL)
		goto out;
	while ((r = row(h, st, err)) == 1) {
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
		if (requeue(h, v[i].id, "expired", now, err) == -1)
			goto out;
		if (v[i].attempt < v[i].max)
			continue;
		(void)snprintf(reason, sizeof(reason), "lease expired on "
		    "attempt %lld of %lld", v[i].attempt, v[i].max);
		if (runf(h, err, "UPDATE jobs SET state='error', finished=?, "
		    "reason=? WHERE id=?", "iti", now, reason, v[i].id) == -1)
			goto out;
	}
	*nexp += (long long)n;
	rv = 0;
out:
	free(v);
	return end(h, rv, err);
}

int
hubdb_refresh_leases(struct hubdb *h, long long now, long long ttl,
    struct bb_error *err)
{
	return runf(h, err,
	    "UPDATE jobs SET lease_until=? WHERE state='running'", "i",
	    now + ttl);
}

int
hubdb_next_expiry(struct hubdb *h, long long *ms, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = q(h, "SELECT min(lease_until) FROM jobs WHERE "
	    "state='running'", err)) == NULL || (r = row(h, st, err)) == -1)
		return -1;
	*ms = r == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}

#define JOB_COLS "id, coalesce(name, 'job-' || id) AS name, state, " \
	"attempt, worker, submitted/1000 AS submitted, started/1000 AS " \
	"started, finished/1000 AS finished, reason, require, source, size, " \
	"nullif(max_attempts, 0) AS attempts, CASE WHEN finished IS NOT NULL AND " \
	"started IS NOT NULL THEN " \
	"printf('%.3f', (finished-started)/1000.0) END AS elapsed"
#define JOB_NCOLS 14

int
hubdb_jobs(struct hubdb *h, const char *state, long long limit,
    int (*fn)(void *, const struct record *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;

	if ((st = qf(h, err, "SELECT " JOB_COLS " FROM jobs WHERE ?1 IS NULL "
	    "OR state=?1 ORDER BY id DESC LIMIT ?2", "ti", state, limit)) ==
	    NULL)
		return -1;
	return emit_rows(h, st, "job", fn, arg, err);
}

/* Calls fn with each record of the encoded lines text. */
static int
emit_lines(const char *p, size_t len, int (*fn)(void *,
    const struct record *), void *arg, struct bb_error *err)
{
	struct record r;
	const char *nl;
	int rv = 0;

	record_init(&r);
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		if (record_parse(&r, p, (size_t)(nl - p), NULL) == 0 &&
		    emit(fn, arg, &r, err) == -1) {
			rv = -1;
			break;
		}
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	record_free(&r);
	return rv;
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
	if ((st = qf(h, err, "SELECT " JOB_COLS ", recipe FROM jobs WHERE "
	    "id=?", "i", id)) == NULL || (x = row(h, st, err)) == -1)
		goto out;
	if (x == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		rv = HUB_NOTFOUND;
		goto out;
	}
	row_record(&r, "job", st, JOB_NCOLS);
	if ((recipe = buf_new(RECIPE_MAX * 4)) == NULL ||
	    buf_add(recipe, sqlite3_column_blob(st, JOB_NCOLS),
	    (size_t)sqlite3_column_bytes(st, JOB_NCOLS)) == -1) {
		sqlite3_reset(st);
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		goto out;
	}
	sqlite3_reset(st);
	if (emit(fn, arg, &r, err) == -1 ||
	    emit_lines(recipe->data, recipe->len, fn, arg, err) == -1)
		goto out;
	if ((st = qf(h, err, "SELECT n, worker, started/1000 AS started, "
	    "ended/1000 AS ended, coalesce(how, '') AS end, result, upto AS "
	    "records FROM attempts WHERE job=? ORDER BY n", "i", id)) ==
	    NULL || emit_rows(h, st, "attempt", fn, arg, err) == -1)
		goto out;
	if ((st = qf(h, err, "SELECT n AS attempt, name, size, sha256 FROM "
	    "artifacts WHERE job=? ORDER BY n, name", "i", id)) == NULL ||
	    emit_rows(h, st, "artifact", fn, arg, err) == -1)
		goto out;
	rv = HUB_OK;
out:
	buf_free(recipe);
	record_free(&r);
	return rv;
}

int
hubdb_log(struct hubdb *h, long long id, long long *n, long long after,
    long long limit, int (*fn)(void *, long long, const char *, size_t),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = qf(h, err, "SELECT attempt FROM jobs WHERE id=?", "i",
	    id)) == NULL)
		return -1;
	if ((r = row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		return HUB_NOTFOUND;
	}
	if (*n == 0)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = qf(h, err,
	    "SELECT seq, line FROM events WHERE job=? AND n=? AND "
	    "seq>? ORDER BY seq LIMIT ?", "iiii", id, *n, after,
	    limit > 0 ? limit : -1)) == NULL)
		return -1;
	while ((r = row(h, st, err)) == 1) {
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

int
hubdb_source(struct hubdb *h, long long id, char *hex, off_t *size,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = q(h, "SELECT source, size FROM jobs WHERE id=?", err)) ==
	    NULL || (r = row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "no job %lld", id);
		return HUB_NOTFOUND;
	}
	(void)strlcpy(hex, col_text(st, 0), DIGEST_HEXLEN + 1);
	*size = (off_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return HUB_OK;
}

int
hubdb_artifact_find(struct hubdb *h, long long id, const char *name,
    long long n, char *hex, off_t *size, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = qf(h, err,
	    "SELECT sha256, size FROM artifacts WHERE job=?1 AND "
	    "name=?2 AND (?3=0 OR n=?3) ORDER BY n DESC LIMIT 1", "iti", id,
	    name, n)) == NULL)
		return -1;
	if ((r = row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_DATAERR, "job %lld has no artifact "
		    "\"%s\"", id, name);
		return HUB_NOTFOUND;
	}
	(void)strlcpy(hex, col_text(st, 0), DIGEST_HEXLEN + 1);
	*size = (off_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return HUB_OK;
}

int
hubdb_count(struct hubdb *h, int (*fn)(void *, const char *, long long),
    void *arg, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = qf(h, err, "SELECT state, count(*) FROM jobs GROUP BY state",
	    "")) == NULL)
		return -1;
	while ((r = row(h, st, err)) == 1)
		(void)fn(arg, col_text(st, 0), sqlite3_column_int64(st, 1));
	return r;
}
