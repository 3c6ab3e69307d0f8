#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#include "artifact.h"
#include "digest.h"
#include "hubfetch.h"

#define NAME_MAX_LEN	ARTIFACT_NAME_MAX
#define LIST_MAX	(64 * 1024 * 1024)	/* a job's records */

/* One artifact of the job, as the hub recorded it. */
struct art {
	char		*name;
	char		 hex[DIGEST_HEXLEN + 1];
	off_t		 size;
	long long	 attempt;
};

struct list {
	struct art	*v;
	size_t		 n;
	long long	 last;		/* the job's attempt */
	char		 state[16];	/* and its state */
	int		 job;		/* its job record was seen */
};

/* Writes the artifact a into fd; 0 or -1. */
typedef int	 writer(void *, const struct art *, int, struct bb_error *);

static void
list_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

/* A lib/hub/hubdb.h list callback: takes job and artifact records. */
static int
list_add(void *arg, const struct record *r)
{
	struct list *l = arg;
	struct art *nv, *a;
	const char *name, *hex;
	long long size, n;

	if (record_is(r, "job")) {
		l->job = 1;
		if (record_get_num(r, "attempt", 0, 1000000, &n, NULL) == 0)
			l->last = n;
		if ((name = record_get(r, "state")) != NULL)
			(void)strlcpy(l->state, name, sizeof(l->state));
		return 0;
	}
	if (!record_is(r, "artifact") || (name = record_get(r, "name")) ==
	    NULL || (hex = record_get(r, "sha256")) == NULL ||
	    !digest_valid_hex(hex) || record_get_num(r, "size", 0,
	    INT64_MAX, &size, NULL) == -1 || record_get_num(r, "attempt", 1,
	    1000000, &n, NULL) == -1)
		return 0;
	if ((nv = reallocarray(l->v, l->n + 1, sizeof(*nv))) == NULL)
		return -1;
	l->v = nv;
	a = &l->v[l->n];
	if ((a->name = strdup(name)) == NULL)
		return -1;
	(void)strlcpy(a->hex, hex, sizeof(a->hex));
	a->size = (off_t)size;
	a->attempt = n;
	l->n++;
	return 0;
}

int
hubfetch_valid_name(const char *name)
{
	return artifact_name_valid(name);
}

/*
 * Opens the directory that name (valid) goes in, under dirfd, making the
 * directories of its path; never follows a symbolic link.  Puts its last
 * component in *leaf.  Returns the descriptor, or -1.
 */
static int
open_parent(int dirfd, const char *name, const char **leaf,
    struct bb_error *err)
{
	char comp[NAME_MAX_LEN + 1];
	const char *p = name, *slash;
	int fd, nfd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		bb_error_errno(err, EX_CANTCREAT, "the target directory");
		return -1;
	}
	while ((slash = strchr(p, '/')) != NULL) {
		(void)snprintf(comp, sizeof(comp), "%.*s", (int)(slash - name),
		    name);
		if (mkdirat(fd, comp + (p - name), 0755) == -1 &&
		    errno != EEXIST) {
			bb_error_errno(err, EX_CANTCREAT, "%s", comp);
			close(fd);
			return -1;
		}
		if ((nfd = openat(fd, comp + (p - name), O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
			bb_error_errno(err, EX_CANTCREAT, "%s%s", comp,
			    errno == ELOOP || errno == ENOTDIR ?
			    " (not a directory: a file or a symbolic link is "
			    "in the way)" : "");
			close(fd);
			return -1;
		}
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*leaf = p;
	return fd;
}

/*
 * Puts artifact a in place under f->dirfd, written by w: a new
 * temporary file, checked against a's digest, synced, renamed.
 */
static int
place(struct hubfetch *f, const struct art *a, writer *w, void *warg,
    struct bb_error *err)
{
	char tmp[32], hex[DIGEST_HEXLEN + 1];
	const char *leaf;
	struct stat st;
	off_t size;
	int dfd, fd = -1, rv = -1;

	if (!hubfetch_valid_name(a->name)) {
		bb_error_set(err, EX_DATAERR, "\"%.*s\": not a name to make a "
		    "file of (absolute, empty, . or .. in it)", 256, a->name);
		return -1;
	}
	if ((dfd = open_parent(f->dirfd, a->name, &leaf, err)) == -1)
		return -1;
	/* There already, whole? */
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == a->size &&
	    digest_file(dfd, leaf, hex, NULL, err) == 0 &&
	    strcmp(hex, a->hex) == 0) {
		rv = 0;
		f->files++;
		if (f->done != NULL)
			f->done(f->arg, a->name, a->size, 1);
		goto out;
	}
	(void)snprintf(tmp, sizeof(tmp), ".bb-fetch.%08x", arc4random());
	if ((fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", a->name);
		goto out;
	}
	if (w(warg, a, fd, err) == -1)
		goto out;
	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    digest_fd(fd, a->name, hex, &size, err) == -1)
		goto out;
	if (strcmp(hex, a->hex) != 0 || size != a->size) {
		bb_error_set(err, EX_DATAERR, "%s: %lld bytes of sha256 %s, "
		    "not %lld of %s as the hub recorded", a->name,
		    (long long)size, hex, (long long)a->size, a->hex);
		goto out;
	}
	if (fsync(fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s", a->name);
		goto out;
	}
	if (renameat(dfd, tmp, dfd, leaf) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", a->name);
		goto out;
	}
	tmp[0] = '\0';
	rv = 0;
	f->files++;
	if (f->done != NULL)
		f->done(f->arg, a->name, a->size, 0);
out:
	if (fd != -1) {
		close(fd);
		if (tmp[0] != '\0')
			(void)unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	return rv;
}

/* Places the artifacts of the chosen attempt of l. */
static int
fetch_all(struct hubfetch *f, long long id, struct list *l, writer *w,
    void *warg, struct bb_error *err)
{
	long long want = f->attempt > 0 ? f->attempt : l->last;
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].attempt != want)
			continue;
		n++;
		if (place(f, &l->v[i], w, warg, err) == -1)
			return -1;
	}
	if (n == 0) {
		if (want == 0)
			bb_error_set(err, EX_DATAERR, "job %lld has no "
			    "artifacts: it has not run yet", id);
		else if (want == l->last && strcmp(l->state, "running") == 0)
			bb_error_set(err, EX_DATAERR, "job %lld has no "
			    "artifacts of attempt %lld: it is still running", id,
			    want);
		else
			bb_error_set(err, EX_DATAERR, "job %lld has no "
			    "artifacts of attempt %lld", id, want);
		return -1;
	}
	return 0;
}

/* Local: copies the blob. */
static int
from_blob(void *arg, const struct art *a, int fd, struct bb_error *err)
{
	struct hub_dir *hd = arg;
	char b[64 * 1024];
	ssize_t n, w, off;
	int in;

	if ((in = blob_open(hd->blobs, a->hex, NULL, err)) == -1) {
		bb_error_prefix(err, "%s", a->name);
		return -1;
	}
	while ((n = read(in, b, sizeof(b))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read blob %s", a->hex);
			close(in);
			return -1;
		}
		for (off = 0; off < n; off += w)
			if ((w = write(fd, b + off, (size_t)(n - off))) == -1) {
				bb_error_errno(err, EX_IOERR, "write %s",
				    a->name);
				close(in);
				return -1;
			}
	}
	close(in);
	return 0;
}

int
hubfetch_local(struct hub_dir *hd, long long id, struct hubfetch *f,
    struct bb_error *err)
{
	struct list l;
	int rv;

	memset(&l, 0, sizeof(l));
	if ((rv = hubdb_job(hd->db, id, list_add, &l, err)) != HUB_OK) {
		list_free(&l);
		return -1;
	}
	rv = fetch_all(f, id, &l, from_blob, hd, err);
	list_free(&l);
	return rv;
}

struct remote {
	struct http_client	*c;
	long long		 id;
};

/* Remote: downloads the artifact into fd. */
static int
from_hub(void *arg, const struct art *a, int fd, struct bb_error *err)
{
	struct remote *rm = arg;
	struct http_req req;
	struct http_resp resp;
	struct http_retry retry;
	char url[HTTP_URL_MAX], *enc;
	int rv;

	if ((enc = curl_easy_escape(NULL, a->name, 0)) == NULL) {
		bb_error_set(err, EX_OSERR, "%s: out of memory", a->name);
		return -1;
	}
	(void)snprintf(url, sizeof(url), "/v1/admin/jobs/%lld/artifacts/%s"
	    "?attempt=%lld", rm->id, enc, a->attempt);
	curl_free(enc);
	http_req_init(&req);
	http_resp_init(&resp);
	memset(&retry, 0, sizeof(retry));
	retry.tries = 3;
	req.url = url;
	req.out_fd = fd;
	req.out_max = a->size;
	rv = http_do_retry(rm->c, &req, &resp, &retry, err);
	if (rv == -1 && resp.over)
		bb_error_set(err, EX_DATAERR, "%s: more than the %lld bytes "
		    "the hub recorded", a->name, (long long)a->size);
	http_resp_free(&resp);
	return rv;
}

int
hubfetch_remote(struct http_client *c, long long id, struct hubfetch *f,
    struct bb_error *err)
{
	struct remote rm = { c, id };
	struct http_req req;
	struct http_resp resp;
	struct record r;
	struct list l;
	char url[64];
	size_t pos = 0;
	int n, rv = -1;

	memset(&l, 0, sizeof(l));
	record_init(&r);
	http_req_init(&req);
	http_resp_init(&resp);
	(void)snprintf(url, sizeof(url), "/v1/admin/jobs/%lld", id);
	req.url = url;
	req.max = LIST_MAX;
	if (http_do(c, &req, &resp, err) == -1) {
		if (resp.status == 404)
			bb_error_set(err, EX_DATAERR, "no job %lld", id);
		goto out;
	}
	while ((n = http_resp_record(&resp, &pos, &r, err)) == 1)
		if (list_add(&l, &r) == -1) {
			bb_error_errno(err, EX_OSERR, "job %lld", id);
			goto out;
		}
	if (n == -1)
		goto out;
	if (!l.job) {
		bb_error_set(err, EX_PROTOCOL, "GET %s%s: no job record",
		    http_client_base(c), url);
		goto out;
	}
	rv = fetch_all(f, id, &l, from_hub, &rm, err);
out:
	record_free(&r);
	http_resp_free(&resp);
	list_free(&l);
	return rv;
}
