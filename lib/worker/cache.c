#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "digest.h"
#include "file.h"
#include "record.h"
#include "strv.h"

#define GONE_PREFIX	".gone-"
#define INFO_MAX	(4 * 1024)

void
cache_hubkey(const char *hub, char *out)
{
	unsigned char md[DIGEST_LEN];
	char hex[DIGEST_HEXLEN + 1];

	if (hub == NULL || *hub == '\0' ||
	    digest_buf(hub, strlen(hub), md) == -1) {
		(void)strlcpy(out, CACHE_LOCAL, CACHE_HUBKEY_LEN + 1);
		return;
	}
	digest_tohex(md, sizeof(md), hex);
	memcpy(out, hex, CACHE_HUBKEY_LEN);
	out[CACHE_HUBKEY_LEN] = '\0';
}

/* Writes dir/info: the cache record, which also marks the time of use. */
static int
write_info(const char *dir, const char *hub, const char *recipe,
    const char *name, long long max, struct bb_error *err)
{
	struct record rec;
	struct buf *b = NULL;
	int dfd = -1, rv = -1;

	record_init(&rec);
	if ((b = buf_new(INFO_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", dir);
		goto out;
	}
	if (record_start(&rec, "cache", err) == -1 ||
	    (hub != NULL && record_set(&rec, "hub", hub, err) == -1) ||
	    record_set(&rec, "recipe", recipe, err) == -1 ||
	    record_set(&rec, "name", name, err) == -1 ||
	    record_setf(&rec, err, "max", "%lld", max) == -1 ||
	    record_encode(&rec, b, err) == -1)
		goto out;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", dir);
		goto out;
	}
	if (file_write_atomic(dfd, "info", b->data, b->len, 0644, err) == -1)
		goto out;
	rv = 0;
out:
	if (dfd != -1)
		close(dfd);
	buf_free(b);
	record_free(&rec);
	return rv;
}

/*
 * Opens and locks dir/lock (how: LOCK_SH or LOCK_EX, with LOCK_NB or
 * not).  A lock file that was renamed away while this waited is not the
 * cache's: then -2, for the caller to try again.  Returns the
 * descriptor, -1 (errno set; EWOULDBLOCK when held), or -2.
 */
static int
lock_dir(const char *dir, int how)
{
	char p[PATH_MAX];
	struct stat a, b;
	int fd, saved;

	if (snprintf(p, sizeof(p), "%s/lock", dir) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)) ==
	    -1)
		return -1;
	while (flock(fd, how) == -1) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (fstat(fd, &a) == -1 || stat(p, &b) == -1 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return -2;
	}
	return fd;
}

/* Gives every directory under path to its owner to write (read-only trees). */
static void
make_writable(const char *path)
{
	char *argv[2] = { (char *)path, NULL };
	FTS *fts;
	FTSENT *e;

	if ((fts = fts_open(argv, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR,
	    NULL)) == NULL)
		return;
	while ((e = fts_read(fts)) != NULL)
		if (e->fts_info == FTS_D && (e->fts_statp->st_mode & 0700) !=
		    0700)
			(void)chmod(e->fts_accpath,
			    (e->fts_statp->st_mode & 07777) | 0700);
		else if (e->fts_info == FTS_DNR)
			(void)chmod(e->fts_accpath, 0700);
	(void)fts_close(fts);
}

/* The root of a cache directory ROOT/HUB/RECIPE/NAME: three levels up. */
static int
root_of(const char *dir, char *root, size_t len)
{
	char *s;
	int i;

	if (strlcpy(root, dir, len) >= len)
		return -1;
	for (i = 0; i < 3; i++) {
		if ((s = strrchr(root, '/')) == NULL || s == root)
			return -1;
		*s = '\0';
	}
	return 0;
}

/*
 * Removes dir, whose exclusive lock the caller holds (lockfd, closed
 * here): renamed out of the way first, then deleted.
 */
static int
remove_locked(const char *dir, int lockfd, struct bb_error *err)
{
	char root[PATH_MAX], gone[PATH_MAX];
	int fd, rv = -1;

	if (root_of(dir, root, sizeof(root)) == -1 ||
	    snprintf(gone, sizeof(gone), "%s/" GONE_PREFIX "XXXXXX", root) >=
	    (int)sizeof(gone)) {
		bb_error_set(err, EX_SOFTWARE, "%s: not a cache", dir);
		goto out;
	}
	/* A name of its own: made as a file, replaced by the directory. */
	if ((fd = mkstemp(gone)) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", gone);
		goto out;
	}
	close(fd);
	if (unlink(gone) == -1 || rename(dir, gone) == -1) {
		bb_error_errno(err, EX_IOERR, "remove %s", dir);
		(void)unlink(gone);
		goto out;
	}
	close(lockfd);
	lockfd = -1;
	make_writable(gone);
	rv = file_rmtree(gone, 0, err);
out:
	if (lockfd != -1)
		close(lockfd);
	return rv;
}

/* Bytes on disk under path, not following links nor leaving its mount. */
static long long
disk_usage(const char *path)
{
	char *argv[2] = { (char *)path, NULL };
	long long n = 0;
	FTS *fts;
	FTSENT *e;

	if ((fts = fts_open(argv, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR,
	    NULL)) == NULL)
		return 0;
	while ((e = fts_read(fts)) != NULL)
		if (e->fts_info != FTS_DP && e->fts_info != FTS_NS &&
		    e->fts_info != FTS_ERR && e->fts_info != FTS_DNR)
			n += (long long)e->fts_statp->st_blocks * 512;
	(void)fts_close(fts);
	return n;
}

static int
mkdir_owned(const char *path, int chown_it, uid_t uid, gid_t gid,
    struct bb_error *err)
{
	struct stat st;

	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		bb_error_errno(err, EX_CANTCREAT, "%s", path);
		return -1;
	}
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		bb_error_set(err, EX_CANTCREAT, "%s: not a directory", path);
		return -1;
	}
	if (chown_it && (st.st_uid != uid || st.st_gid != gid) &&
	    lchown(path, uid, gid) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "chown %s", path);
		return -1;
	}
	return 0;
}

int
cache_open(const char *root, const char *hub, const char *recipe,
    const struct recipe_cache *c, int chown_it, uid_t uid, gid_t gid,
    struct cache_use *u, struct bb_error *err)
{
	char key[CACHE_HUBKEY_LEN + 1];
	int tries;

	memset(u, 0, sizeof(*u));
	u->lockfd = -1;
	u->max = c->max;
	if (!recipe_valid_name(recipe) || !recipe_valid_cache(c->name)) {
		bb_error_set(err, EX_DATAERR, "cache %s of %s: bad name",
		    c->name, recipe);
		return -1;
	}
	cache_hubkey(hub, key);
	if (asprintf(&u->dir, "%s/%s/%s/%s", root, key, recipe, c->name) ==
	    -1 || asprintf(&u->data, "%s/data", u->dir) == -1) {
		u->dir = u->data = NULL;
		bb_error_errno(err, EX_OSERR, "cache %s", c->name);
		goto fail;
	}
	for (tries = 0; ; tries++) {
		if (file_mkdirs(u->dir, 0755, err) == -1)
			goto fail;
		if ((u->lockfd = lock_dir(u->dir, LOCK_SH)) >= 0)
			break;
		if (u->lockfd == -1 || tries == 10) {
			bb_error_errno(err, EX_CANTCREAT, "%s/lock", u->dir);
			u->lockfd = -1;
			goto fail;
		}
	}
	if (mkdir_owned(u->data, chown_it, uid, gid, err) == -1 ||
	    write_info(u->dir, hub, recipe, c->name, c->max, err) == -1)
		goto fail;
	return 0;
fail:
	cache_release(u);
	return -1;
}

void
cache_release(struct cache_use *u)
{
	if (u->lockfd != -1)
		close(u->lockfd);
	u->lockfd = -1;
	free(u->dir);
	free(u->data);
	u->dir = u->data = NULL;
}

int
cache_close(struct cache_use *u, long long *size, int *evicted,
    struct bb_error *err)
{
	char p[PATH_MAX];
	int rv = 0;

	*evicted = 0;
	*size = u->dir != NULL ? disk_usage(u->data) : 0;
	if (u->dir == NULL)
		return 0;
	/* The time of use is the end of the job: touch the info. */
	if (snprintf(p, sizeof(p), "%s/info", u->dir) < (int)sizeof(p))
		(void)utimensat(AT_FDCWD, p, NULL, 0);
	if (u->max > 0 && *size > u->max &&
	    flock(u->lockfd, LOCK_EX | LOCK_NB) == 0) {
		rv = remove_locked(u->dir, u->lockfd, err);
		u->lockfd = -1;
		if (rv == 0)
			*evicted = 1;
	}
	cache_release(u);
	return rv;
}

/* Reads dir/info into e.  A cache without one keeps NULLs. */
static void
read_info(const char *dir, struct cache_entry *e)
{
	struct record rec;
	struct bb_error err;
	struct buf *b = NULL;
	struct stat st;
	char p[PATH_MAX];
	const char *v;
	size_t n;

	if (snprintf(p, sizeof(p), "%s/info", dir) >= (int)sizeof(p))
		return;
	if (stat(p, &st) == 0)
		e->used = st.st_mtime;
	if (file_read(AT_FDCWD, p, INFO_MAX, &b, &err) == -1)
		return;
	record_init(&rec);
	n = b->len;
	while (n > 0 && b->data[n - 1] == '\n')
		n--;
	if (record_parse(&rec, b->data, n, &err) == 0 &&
	    record_is(&rec, "cache")) {
		if ((v = record_get(&rec, "hub")) != NULL)
			e->hub = strdup(v);
		if (record_get_num(&rec, "max", 0, LLONG_MAX, &e->max,
		    &err) == -1)
			e->max = 0;
	}
	record_free(&rec);
	buf_free(b);
}

/* The subdirectories of path, but "." and "..", in *names (*n). */
static int
subdirs(const char *path, char ***names, size_t *n, struct bb_error *err)
{
	DIR *d;
	struct dirent *de;
	char **v;

	*names = NULL;
	*n = 0;
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		bb_error_errno(err, EX_IOERR, "%s", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if ((v = reallocarray(*names, *n + 1, sizeof(*v))) == NULL ||
		    (v[*n] = strdup(de->d_name)) == NULL) {
			if (v != NULL)
				*names = v;
			bb_error_errno(err, EX_OSERR, "%s", path);
			closedir(d);
			return -1;
		}
		*names = v;
		(*n)++;
	}
	closedir(d);
	return 0;
}

static int
by_use(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;

	if (x->used != y->used)
		return x->used < y->used ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

/* Adds the entry ROOT/hub/recipe/name to *out. */
static int
add_entry(const char *root, const char *hub, const char *recipe,
    const char *name, struct cache_entry **out, size_t *n,
    struct bb_error *err)
{
	struct cache_entry *v, *e;
	char *data;
	int fd;

	if ((v = reallocarray(*out, *n + 1, sizeof(*v))) == NULL)
		goto nomem;
	*out = v;
	e = &v[*n];
	memset(e, 0, sizeof(*e));
	if (asprintf(&e->dir, "%s/%s/%s/%s", root, hub, recipe, name) == -1) {
		e->dir = NULL;
		goto nomem;
	}
	(*n)++;
	if ((e->recipe = strdup(recipe)) == NULL ||
	    (e->name = strdup(name)) == NULL)
		goto nomem;
	read_info(e->dir, e);
	if (asprintf(&data, "%s/data", e->dir) == -1)
		goto nomem;
	e->size = disk_usage(data);
	free(data);
	if ((fd = lock_dir(e->dir, LOCK_EX | LOCK_NB)) >= 0)
		close(fd);
	else
		e->busy = fd == -1 && errno == EWOULDBLOCK;
	return 0;
nomem:
	bb_error_errno(err, EX_OSERR, "%s", root);
	return -1;
}

int
cache_list(const char *root, struct cache_entry **out, size_t *n,
    struct bb_error *err)
{
	char **hubs = NULL, **recipes = NULL, **names = NULL, *p = NULL;
	size_t nh = 0, nr = 0, nn = 0, h, r, k;
	int rv = -1;

	*out = NULL;
	*n = 0;
	if (subdirs(root, &hubs, &nh, err) == -1)
		goto out;
	for (h = 0; h < nh; h++) {
		if (strncmp(hubs[h], GONE_PREFIX, strlen(GONE_PREFIX)) == 0) {
			/* What a removal cut short left. */
			if (asprintf(&p, "%s/%s", root, hubs[h]) == -1)
				goto nomem;
			make_writable(p);
			(void)file_rmtree(p, 0, NULL);
			free(p);
			p = NULL;
			continue;
		}
		if (hubs[h][0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", root, hubs[h]) == -1)
			goto nomem;
		if (subdirs(p, &recipes, &nr, err) == -1)
			goto out;
		for (r = 0; r < nr; r++) {
			free(p);
			if (asprintf(&p, "%s/%s/%s", root, hubs[h],
			    recipes[r]) == -1)
				goto nomem;
			if (subdirs(p, &names, &nn, err) == -1)
				goto out;
			for (k = 0; k < nn; k++)
				if (names[k][0] != '.' && add_entry(root,
				    hubs[h], recipes[r], names[k], out, n,
				    err) == -1)
					goto out;
			strv_free(names, nn);
			names = NULL;
			nn = 0;
		}
		strv_free(recipes, nr);
		recipes = NULL;
		nr = 0;
		free(p);
		p = NULL;
	}
	if (*n > 0)	/* none: *out may be NULL, which qsort does not take */
		qsort(*out, *n, sizeof(**out), by_use);
	rv = 0;
	goto out;
nomem:
	p = NULL;
	bb_error_errno(err, EX_OSERR, "%s", root);
out:
	free(p);
	strv_free(hubs, nh);
	strv_free(recipes, nr);
	strv_free(names, nn);
	if (rv == -1) {
		cache_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rv;
}

void
cache_list_free(struct cache_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].dir);
		free(v[i].hub);
		free(v[i].recipe);
		free(v[i].name);
	}
	free(v);
}

int
cache_match(const struct cache_entry *e, const char *pat)
{
	const char *slash = strchr(pat, '/');
	size_t n;

	if (slash == NULL)
		return strcmp(pat, e->name) == 0;
	n = (size_t)(slash - pat);
	if (strlen(e->recipe) != n || strncmp(pat, e->recipe, n) != 0)
		return 0;
	return slash[1] == '\0' || strcmp(slash + 1, e->name) == 0;
}

int
cache_remove(const struct cache_entry *e, struct bb_error *err)
{
	int fd;

	if ((fd = lock_dir(e->dir, LOCK_EX | LOCK_NB)) == -2)
		return 1;	/* removed meanwhile */
	if (fd == -1) {
		if (errno == EWOULDBLOCK)
			return 0;
		if (errno == ENOENT)
			return 1;
		bb_error_errno(err, EX_IOERR, "%s/lock", e->dir);
		return -1;
	}
	if (remove_locked(e->dir, fd, err) == -1)
		return -1;
	return 1;
}

int
cache_evict(const char *root, int (*enough)(void *, struct bb_error *),
    void *arg, size_t *n, struct bb_error *err)
{
	struct cache_entry *v;
	size_t nv, i;
	int r, rv = 0;

	if (cache_list(root, &v, &nv, err) == -1)
		return -1;
	for (i = 0; ; i++) {
		if ((r = enough(arg, err)) != 0) {
			rv = r;
			break;
		}
		if (i == nv)
			break;
		if ((r = cache_remove(&v[i], err)) == -1) {
			rv = -1;
			break;
		}
		*n += (size_t)r;
	}
	cache_list_free(v, nv);
	return rv;
}
