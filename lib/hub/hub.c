#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "hub.h"
#include "hubsrc.h"

long long
hub_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
join(char *out, size_t len, const char *dir, const char *name,
    struct bb_error *err)
{
	int n;

	n = snprintf(out, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len) {
		bb_error_set(err, EX_USAGE, "%s: path too long", dir);
		return -1;
	}
	return 0;
}

/* Writes a new random token to name in dfd, mode 0600.  Returns 0 or -1. */
static int
new_token(int dfd, const char *name, struct bb_error *err)
{
	char tok[HUBAUTH_TOKEN_LEN + 2];
	int rv;

	hubauth_random(tok, HUBAUTH_TOKEN_LEN);
	tok[HUBAUTH_TOKEN_LEN] = '\n';
	tok[HUBAUTH_TOKEN_LEN + 1] = '\0';
	rv = file_write_atomic(dfd, name, tok, HUBAUTH_TOKEN_LEN + 1, 0600,
	    err);
	explicit_bzero(tok, sizeof(tok));
	return rv;
}

int
hub_dir_init(const char *path, struct bb_error *err)
{
	char p[PATH_MAX];
	struct blob_store *bs;
	int dfd = -1, rv = -1;

	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		bb_error_errno(err, EX_CANTCREAT, "%s", path);
		return -1;
	}
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", path);
		return -1;
	}
	if (faccessat(dfd, "hub.db", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		bb_error_set(err, EX_CANTCREAT, "%s: a hub directory already",
		    path);
		goto out;
	}
	if (join(p, sizeof(p), path, "hub.db", err) == -1 ||
	    hubdb_create(p, err) == -1)
		goto out;
	if (join(p, sizeof(p), path, "blobs", err) == -1 ||
	    blob_store_open(p, &bs, err) == -1)
		goto out;
	blob_store_close(bs);
	if (new_token(dfd, "admin.token", err) == 0 &&
	    new_token(dfd, "metrics.token", err) == 0)
		rv = file_sync_dir(dfd, ".", err);
out:
	close(dfd);
	return rv;
}

int
hub_dir_open(const char *path, struct hub_dir **out, struct bb_error *err)
{
	struct hub_dir *hd;
	char p[PATH_MAX];
	struct stat st;

	if ((hd = calloc(1, sizeof(*hd))) == NULL ||
	    (hd->path = strdup(path)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		free(hd);
		return -1;
	}
	if (join(p, sizeof(p), path, "hub.db", err) == -1)
		goto fail;
	if (stat(p, &st) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s: not a hub directory "
		    "(bb-hub init makes one)", path);
		goto fail;
	}
	if (hubdb_open(p, &hd->db, err) == -1)
		goto fail;
	if (join(p, sizeof(p), path, "blobs", err) == -1 ||
	    blob_store_open(p, &hd->blobs, err) == -1 ||
	    hublog_open(path, &hd->logs, err) == -1)
		goto fail;
	/* What a crash left; what is younger may be another's upload. */
	(void)blob_clean_tmp(hd->blobs, hub_now() - BLOB_GRACE_MS);
	hubdb_set_logs(hd->db, hd->logs);
	*out = hd;
	return 0;
fail:
	hub_dir_close(hd);
	return -1;
}

void
hub_dir_close(struct hub_dir *hd)
{
	if (hd == NULL)
		return;
	hubdb_close(hd->db);
	hublog_close(hd->logs);
	blob_store_close(hd->blobs);
	free(hd->path);
	free(hd);
}

/* Reads the token in DIR/name into a new buffer *out. */
static int
read_token(struct hub_dir *hd, const char *name, struct buf **out,
    struct bb_error *err)
{
	char p[PATH_MAX];

	if (join(p, sizeof(p), hd->path, name, err) == -1 ||
	    file_read_secret(AT_FDCWD, p, 1024, out, err) == -1)
		return -1;
	if ((*out)->len < 16) {
		bb_error_set(err, EX_CONFIG, "%s: too short", p);
		buf_freezero(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
hub_admin_token(struct hub_dir *hd, struct buf **out, struct bb_error *err)
{
	return read_token(hd, "admin.token", out, err);
}

int
hub_metrics_token(struct hub_dir *hd, struct buf **out, struct bb_error *err)
{
	char p[PATH_MAX];
	int dfd, rv;

	if (join(p, sizeof(p), hd->path, "metrics.token", err) == -1)
		return -1;
	if (access(p, F_OK) == -1 && errno == ENOENT) {
		/* A hub made before the metrics token: it gets one now. */
		if ((dfd = open(hd->path, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1) {
			bb_error_errno(err, EX_CANTCREAT, "%s", hd->path);
			return -1;
		}
		rv = new_token(dfd, "metrics.token", err);
		if (rv == 0)
			rv = file_sync_dir(dfd, ".", err);
		close(dfd);
		if (rv == -1)
			return -1;
	}
	return read_token(hd, "metrics.token", out, err);
}

int
hub_valid_worker(const char *name)
{
	return strlen(name) <= HUBDB_NAME_MAX && recipe_valid_name(name);
}

int
hub_add_worker(struct hub_dir *hd, const char *name, char *secret,
    struct bb_error *err)
{
	char hash[HUBAUTH_HASH_MAX];
	int rv;

	if (!hub_valid_worker(name)) {
		bb_error_set(err, EX_DATAERR, "bad worker name \"%s\": "
		    "letters, digits, '.', '_' and '-', at most %d", name,
		    HUBDB_NAME_MAX);
		return -1;
	}
	hubauth_random(secret, HUBAUTH_TOKEN_LEN);
	if (hubauth_secret_hash(secret, HUBAUTH_TOKEN_LEN, hash, err) == -1)
		return -1;
	rv = hubdb_worker_add(hd->db, name, hash, hub_now(), err);
	explicit_bzero(hash, sizeof(hash));
	return rv;
}

static int
to_blob(void *arg, const void *p, size_t len, struct bb_error *err)
{
	return blob_writer_add(arg, p, len, err);
}

int
hub_put_source(struct hub_dir *hd, const char *path, char *hex,
    off_t *size, struct bb_error *err)
{
	struct blob_writer *w;
	const char *errstr, *sde;
	struct stat st;
	long long mtime = 0;
	int fd, rv;

	if (strcmp(path, "-") == 0)
		return blob_put_fd(hd->blobs, STDIN_FILENO, "stdin",
		    HUB_SOURCE_MAX, hex, size, err);
	if (stat(path, &st) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			bb_error_errno(err, EX_NOINPUT, "%s", path);
			return -1;
		}
		rv = blob_put_fd(hd->blobs, fd, path, HUB_SOURCE_MAX, hex,
		    size, err);
		close(fd);
		return rv;
	}
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL) {
		mtime = strtonum(sde, 0, LLONG_MAX / 2, &errstr);
		if (errstr != NULL) {
			bb_error_set(err, EX_USAGE, "SOURCE_DATE_EPOCH %s: %s",
			    sde, errstr);
			return -1;
		}
	}
	if (blob_writer_new(hd->blobs, HUB_SOURCE_MAX, &w, err) == -1)
		return -1;
	if (hubsrc_pack(path, mtime, to_blob, w, err) == -1) {
		blob_writer_abort(w);
		return -1;
	}
	return blob_writer_commit(w, NULL, hex, size, err);
}

/* The platforms of the workers that meet require, as hubdb_platforms. */
struct platforms {
	const char	*require;
	char		**v;
	size_t		 n;
};

static int
add_platform(void *arg, const char *caps)
{
	struct platforms *p = arg;
	char **nv;

	if (!hubdb_caps_match(p->require, caps))
		return 0;
	if ((nv = reallocarray(p->v, p->n + 1, sizeof(*nv))) == NULL)
		return -1;
	p->v = nv;
	if ((nv[p->n] = strdup(caps)) == NULL)
		return -1;
	p->n++;
	return 0;
}

void
hub_submitted_free(struct hub_submitted *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].config);
		free(v[i].platform);
	}
	free(v);
}

int
hub_submit_many(struct hub_dir *hd, const struct hub_submit_req *q,
    struct hub_submitted **out, size_t *nout, struct bb_error *err)
{
	struct platforms pf = { NULL, NULL, 0 };
	struct recipe **combos = NULL;
	struct hubdb_pipeline *p = NULL;
	struct hub_submitted *v = NULL;
	struct buf *req = NULL, *cfg = NULL;
	size_t ncombos = 0, np = 0, i, k;
	off_t size;
	int fd, rv = -1;

	*out = NULL;
	*nout = 0;
	/*
	 * Touched first: gc removes only blobs that are old and that
	 * nothing refers to, so it now leaves this one until the job does.
	 */
	if (blob_touch(hd->blobs, q->source, err) == -1 ||
	    (fd = blob_open(hd->blobs, q->source, &size, err)) == -1) {
		bb_error_set(err, EX_DATAERR, "no source %s on the hub",
		    q->source);
		return -1;
	}
	close(fd);
	if ((req = buf_new(HUBDB_CAPS_MAX + 1)) == NULL ||
	    (cfg = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "submit");
		goto out;
	}
	if (recipe_check(q->recipe, err) == -1)
		goto out;
	if (recipe_require_list(q->recipe, req) == -1) {
		/* No worker could take it, nor its record hold it. */
		bb_error_set(err, EX_DATAERR, "require: over %d bytes, more "
		    "than a worker's caps can be", HUBDB_CAPS_MAX);
		goto out;
	}
	if (recipe_expand(q->recipe, &combos, &ncombos, err) == -1)
		goto out;
	if (q->each) {
		pf.require = req->data;
		if (hubdb_platforms(hd->db, add_platform, &pf, err) == -1)
			goto out;
		if (pf.n == 0) {
			bb_error_set(err, EX_DATAERR, "no worker that has said "
			    "hello meets the requirements \"%s\"", req->data);
			goto out;
		}
	}
	np = ncombos * (q->each ? pf.n : 1);
	if ((p = calloc(np, sizeof(*p))) == NULL ||
	    (v = calloc(np, sizeof(*v))) == NULL) {
		bb_error_errno(err, EX_OSERR, "submit");
		goto out;
	}
	for (i = 0; i < ncombos; i++)
		for (k = 0; k < (q->each ? pf.n : 1); k++) {
			p[i * (q->each ? pf.n : 1) + k].recipe = combos[i];
			p[i * (q->each ? pf.n : 1) + k].platform = q->each ?
			    pf.v[k] : NULL;
		}
	if ((rv = hubdb_submit_all(hd->db, p, np, q->source, size,
	    q->attempts, q->force, hub_now(), err)) != HUB_OK)
		goto out;
	rv = -1;
	for (i = 0; i < np; i++) {
		buf_reset(cfg);
		v[i].id = p[i].id;
		v[i].built = p[i].built;
		if (recipe_config(p[i].recipe, cfg, err) == -1 ||
		    (v[i].config = strdup(cfg->data)) == NULL ||
		    (p[i].recipe->name != NULL &&
		    (v[i].name = strdup(p[i].recipe->name)) == NULL) ||
		    (p[i].platform != NULL &&
		    (v[i].platform = strdup(p[i].platform)) == NULL)) {
			bb_error_errno(err, EX_OSERR, "submit");
			goto out;
		}
	}
	*out = v;
	*nout = np;
	v = NULL;
	rv = HUB_OK;
out:
	if (v != NULL)
		hub_submitted_free(v, np);
	for (i = 0; i < ncombos; i++)
		recipe_free(combos[i]);
	free(combos);
	for (i = 0; i < pf.n; i++)
		free(pf.v[i]);
	free(pf.v);
	free(p);
	buf_free(req);
	buf_free(cfg);
	return rv;
}

int
hub_submit(struct hub_dir *hd, const struct recipe *rc, const char *hex,
    int attempts, long long *id, struct bb_error *err)
{
	struct hub_submit_req q = { rc, hex, attempts, 1, 0 };
	struct hub_submitted *v;
	size_t n;

	if (hub_submit_many(hd, &q, &v, &n, err) != HUB_OK)
		return -1;
	*id = v[0].id;
	hub_submitted_free(v, n);
	return HUB_OK;
}
