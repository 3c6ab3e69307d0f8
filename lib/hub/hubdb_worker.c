/*
 * Workers and their sessions in the hub's database (lib/hub/hubdb.h):
 * adding and removing a worker, its kept secret, a hello that starts a
 * session, looking a session up and ending the idle ones; the workers'
 * distinct platforms.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "buf.h"
#include "hubdb.h"
#include "hubdb_impl.h"

/*
 * Looks worker name up: HUB_OK when it is there as known says (1, or 0
 * for not), else HUB_EXISTS or HUB_NOTFOUND with err set, or -1.
 */
static int
worker_known(struct hubdb *h, const char *name, int known,
    struct bb_error *err)
{
	int r;

	if ((r = hubdb_exists(h, err, "SELECT 1 FROM workers WHERE name=?",
	    "t", name)) == -1)
		return -1;
	if (r == known)
		return HUB_OK;
	if (r == 1) {
		bb_error_set(err, EX_DATAERR, "worker %s exists already",
		    name);
		return HUB_EXISTS;
	}
	bb_error_set(err, EX_DATAERR, "no worker %s", name);
	return HUB_NOTFOUND;
}

int
hubdb_worker_add(struct hubdb *h, const char *name, const char *secret,
    long long now, struct bb_error *err)
{
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((rv = worker_known(h, name, 0, err)) != HUB_OK)
		goto out;
	rv = -1;
	if (hubdb_runf(h, err, "INSERT INTO workers(name, secret, created) "
	    "VALUES(?, ?, ?)", "tti", name, secret, now) == -1)
		goto out;
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
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
	if (hubdb_begin(h, err) == -1)
		return -1;
	if ((rv = worker_known(h, name, 1, err)) != HUB_OK)
		goto out;
	rv = -1;
	if ((st = hubdb_stmtf(h, err, "SELECT id FROM jobs WHERE "
	    "state='running' AND worker=?", "t", name)) == NULL)
		goto out;
	while ((r = hubdb_row(h, st, err)) == 1) {
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
		if (hubdb_requeue(h, ids[i], "removed", now, err) == -1)
			goto out;
	for (i = 0; i < nitems(del); i++) {
		if (hubdb_runf(h, err, del[i], "t", name) == -1)
			goto out;
	}
	*requeued = (long long)n;
	rv = HUB_OK;
out:
	free(ids);
	return hubdb_end(h, rv, err);
}

int
hubdb_worker_secret(struct hubdb *h, const char *name, char *out,
    size_t len, struct bb_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT secret FROM workers WHERE "
	    "name=?", "t", name)) == NULL)
		return -1;
	if ((r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0)
		return HUB_NOTFOUND;
	r = strlcpy(out, hubdb_text(st, 0), len) >= len ? HUB_NOTFOUND :
	    HUB_OK;
	sqlite3_reset(st);
	return r;
}

int
hubdb_hello(struct hubdb *h, const char *name, const struct hubdb_hello *w,
    const char *token, long long now, struct bb_error *err)
{
	int rv = -1;

	if (hubdb_begin(h, err) == -1)
		return -1;
	if (hubdb_runf(h, err, "UPDATE workers SET seen=?, caps=?, slots=?, "
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
	if (hubdb_runf(h, err, "INSERT INTO sessions(token, worker, created, "
	    "used) VALUES(?, ?, ?, ?)", "ttii", token, name, now, now) == -1)
		goto out;
	rv = HUB_OK;
out:
	return hubdb_end(h, rv, err);
}

int
hubdb_session(struct hubdb *h, const char *token, long long now,
    long long idle, struct hubdb_session *s, struct bb_error *err)
{
	sqlite3_stmt *st;
	long long used, seen;
	int r;

	if ((st = hubdb_stmtf(h, err, "SELECT s.worker, s.used, w.seen, "
	    "w.caps FROM sessions s JOIN workers w ON w.name=s.worker WHERE "
	    "s.token=?", "t", token)) == NULL)
		return -1;
	if ((r = hubdb_row(h, st, err)) == -1)
		return -1;
	if (r == 0) {
		bb_error_set(err, EX_NOPERM, "unknown session");
		return HUB_UNAUTH;
	}
	used = sqlite3_column_int64(st, 1);
	seen = sqlite3_column_int64(st, 2);
	if (strlcpy(s->worker, hubdb_text(st, 0), sizeof(s->worker)) >=
	    sizeof(s->worker) || strlcpy(s->caps, hubdb_text(st, 3),
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
		if (hubdb_runf(h, err, "UPDATE sessions SET used=? WHERE "
		    "token=?", "it", now, token) == -1)
			return -1;
	}
	if (seen < now - 10000) {
		if (hubdb_runf(h, err, "UPDATE workers SET seen=? WHERE "
		    "name=?", "it", now, s->worker) == -1)
			return -1;
	}
	return HUB_OK;
}

int
hubdb_purge_sessions(struct hubdb *h, long long now, long long idle,
    struct bb_error *err)
{
	return hubdb_runf(h, err, "DELETE FROM sessions WHERE used<?", "i",
	    now - idle);
}

int
hubdb_platforms(struct hubdb *h, int (*fn)(void *, const char *), void *arg,
    struct bb_error *err)
{
	sqlite3_stmt *st;
	struct buf *b, **seen = NULL, **nv;
	size_t n = 0, i;
	int r, rv = -1;

	if ((st = hubdb_stmtf(h, err, "SELECT DISTINCT caps FROM workers "
	    "WHERE caps!='' ORDER BY caps", "")) == NULL)
		return -1;
	while ((r = hubdb_row(h, st, err)) == 1) {
		if ((b = buf_new(HUBDB_CAPS_MAX + 1)) == NULL ||
		    hubdb_caps_norm(hubdb_text(st, 0), b) == -1) {
			buf_free(b);
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(seen[i]->data, b->data) == 0)
				break;
		if (i < n) {
			buf_free(b);
			continue;
		}
		if ((nv = reallocarray(seen, n + 1, sizeof(*nv))) == NULL) {
			buf_free(b);
			sqlite3_reset(st);
			bb_error_errno(err, EX_OSERR, "platforms");
			goto out;
		}
		seen = nv;
		seen[n++] = b;
	}
	if (r == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (fn(arg, seen[i]->data) == -1) {
			bb_error_set(err, EX_SOFTWARE, "platforms");
			goto out;
		}
	rv = 0;
out:
	for (i = 0; i < n; i++)
		buf_free(seen[i]);
	free(seen);
	return rv;
}
