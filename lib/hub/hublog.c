#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hublog.h"
#include "record.h"

#define BLOCK	(256 * 1024)	/* bytes read at a time */
#define AHEAD	(4 * 1024 * 1024)	/* writeback started every so many */
#define NAMELEN	48		/* "JOB.N" */

static void
name_of(long long job, long long n, char *name)
{
	(void)snprintf(name, NAMELEN, "%lld.%lld", job, n);
}

int
hublog_open(const char *dir, struct hublog **out, struct bb_error *err)
{
	struct hublog *s;
	int dfd = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    asprintf(&s->path, "%s/%s", dir, HUBLOG_DIR) == -1) {
		bb_error_errno(err, EX_OSERR, "%s", dir);
		free(s);
		return -1;
	}
	TAILQ_INIT(&s->files);
	s->dirfd = -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (mkdirat(dfd, HUBLOG_DIR, 0700) == -1 && errno != EEXIST) ||
	    (s->dirfd = openat(dfd, HUBLOG_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", s->path);
		if (dfd != -1)
			close(dfd);
		hublog_close(s);
		return -1;
	}
	close(dfd);
	*out = s;
	return 0;
}

static void
file_free(struct hublog_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	digest_free(f->d);
	free(f);
}

void
hublog_close(struct hublog *s)
{
	struct hublog_file *f;
	struct bb_error err;

	if (s == NULL)
		return;
	(void)hublog_sync(s, 1, &err);
	while ((f = TAILQ_FIRST(&s->files)) != NULL) {
		TAILQ_REMOVE(&s->files, f, entry);
		file_free(f);
	}
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->path);
	free(s);
}

/*
 * Reads fd from the start: the offset after its line last (all of them
 * if last is -1) in *end, the lines in *lines, and those lines hashed
 * into d (if not NULL).  Returns 0 or -1.
 */
static int
scan(int fd, long long last, off_t *end, long long *lines,
    struct digest *d, struct bb_error *err)
{
	char *block;
	const char *q, *e;
	off_t off = 0, done = 0;
	long long k = 0;
	ssize_t n;

	if ((block = malloc(BLOCK)) == NULL) {
		bb_error_errno(err, EX_OSERR, "log");
		return -1;
	}
	while (last < 0 || k < last) {
		if ((n = pread(fd, block, BLOCK, off)) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read log");
			free(block);
			return -1;
		}
		if (n == 0)
			break;
		e = block + n;
		for (q = block; (last < 0 || k < last) &&
		    (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++) {
			k++;
			done = off + (q - block) + 1;
		}
		/* No newline in a whole block: the rest is a cut line. */
		if (done <= off)
			break;
		if (d != NULL)
			(void)digest_update(d, block, (size_t)(done - off));
		off = done;	/* a line that goes on is read again whole */
	}
	free(block);
	*end = done;
	*lines = k;
	return 0;
}

/* Takes the LRU file out when the store holds too many. */
static void
evict(struct hublog *s)
{
	struct hublog_file *f;
	struct bb_error err;

	while (s->nfiles >= HUBLOG_OPEN_MAX &&
	    (f = TAILQ_LAST(&s->files, hublog_files)) != NULL) {
		(void)hublog_sync_file(f, &err);
		TAILQ_REMOVE(&s->files, f, entry);
		s->nfiles--;
		file_free(f);
	}
}

int
hublog_get(struct hublog *s, long long job, long long n,
    struct hublog_file **out, struct bb_error *err)
{
	struct hublog_file *f;
	char name[NAMELEN];
	struct stat st;

	TAILQ_FOREACH(f, &s->files, entry)
		if (f->job == job && f->n == n) {
			TAILQ_REMOVE(&s->files, f, entry);
			if (f->broken) {
				/* Opened again: its cut line is dropped. */
				s->nfiles--;
				file_free(f);
				break;
			}
			TAILQ_INSERT_HEAD(&s->files, f, entry);
			*out = f;
			return 0;
		}
	evict(s);
	name_of(job, n, name);
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->d = digest_new()) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s/%s", s->path, name);
		free(f);
		return -1;
	}
	f->job = job;
	f->n = n;
	f->flushes = &s->flushes;
	if ((f->fd = openat(s->dirfd, name, O_RDWR | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 || fstat(f->fd, &st) == -1) {
		bb_error_errno(err, EX_IOERR, "%s/%s", s->path, name);
		file_free(f);
		return -1;
	}
	if (st.st_size > 0) {
		if (scan(f->fd, -1, &f->size, &f->lines, f->d, err) == -1) {
			bb_error_prefix(err, "%s/%s", s->path, name);
			file_free(f);
			return -1;
		}
		/* A line a crash cut was never acknowledged: it goes. */
		if (f->size < st.st_size && ftruncate(f->fd, f->size) == -1) {
			bb_error_errno(err, EX_IOERR, "%s/%s", s->path, name);
			file_free(f);
			return -1;
		}
	}
	f->started = f->size;
	TAILQ_INSERT_HEAD(&s->files, f, entry);
	s->nfiles++;
	*out = f;
	return 0;
}

int
hublog_append(struct hublog_file *f, const struct iovec *iov, int niov,
    long long nlines, struct bb_error *err)
{
	struct iovec v[64];
	size_t total = 0, left, k;
	ssize_t w;
	int i, nv;

	for (i = 0; i < niov; i++)
		total += iov[i].iov_len;
	for (i = 0; i < niov; ) {
		/* Up to 64 pieces a call, each written whole. */
		for (nv = 0, left = 0; nv < 64 && i + nv < niov; nv++) {
			v[nv] = iov[i + nv];
			left += v[nv].iov_len;
		}
		i += nv;
		while (left > 0) {
			if ((w = writev(f->fd, v, nv)) == -1) {
				if (errno == EINTR)
					continue;
				bb_error_errno(err, EX_IOERR, "write log");
				/* Leave no half line behind. */
				if (ftruncate(f->fd, f->size) == -1)
					f->broken = 1;
				return -1;
			}
			left -= (size_t)w;
			for (k = 0; w > 0 && (int)k < nv; k++) {
				if ((size_t)w >= v[k].iov_len) {
					w -= (ssize_t)v[k].iov_len;
					v[k].iov_len = 0;
				} else {
					v[k].iov_base = (char *)v[k].iov_base +
					    w;
					v[k].iov_len -= (size_t)w;
					w = 0;
				}
			}
		}
	}
	for (i = 0; i < niov; i++)
		(void)digest_update(f->d, iov[i].iov_base, iov[i].iov_len);
	f->size += (off_t)total;
	f->lines += nlines;
	if (total > 0)
		f->dirty = 1;
	/*
	 * The disk starts on what is written now, so that the flush at a
	 * step's end or a finish has little left to wait for.
	 */
	if (f->size - f->started >= AHEAD) {
		(void)sync_file_range(f->fd, f->started, f->size - f->started,
		    SYNC_FILE_RANGE_WRITE);
		f->started = f->size;
	}
	return 0;
}

void
hublog_want(struct hublog *s, struct hublog_file *f)
{
	f->want = 1;
	s->want = 1;
}

int
hublog_wanted(const struct hublog *s)
{
	return s->want;
}

int
hublog_sync_file(struct hublog_file *f, struct bb_error *err)
{
	f->want = 0;
	if (!f->dirty)
		return 0;
	if (fdatasync(f->fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync log %lld.%lld", f->job,
		    f->n);
		return -1;
	}
	(*f->flushes)++;
	f->dirty = 0;
	return 0;
}

int
hublog_sync(struct hublog *s, int all, struct bb_error *err)
{
	struct hublog_file *f;
	int rv = 0;

	TAILQ_FOREACH(f, &s->files, entry)
		if ((all || f->want) && hublog_sync_file(f, err) == -1)
			rv = -1;
	s->want = 0;
	return rv;
}

int
hublog_digest(struct hublog_file *f, long long last, char *hex,
    struct bb_error *err)
{
	struct digest *d;
	long long k;
	off_t end;
	int rv = -1;

	if (last == f->lines)
		d = digest_dup(f->d);
	else
		d = digest_new();
	if (d == NULL) {
		bb_error_set(err, EX_SOFTWARE, "sha256: cannot start");
		return -1;
	}
	if (last != f->lines && (scan(f->fd, last, &end, &k, d, err) == -1 ||
	    k != last)) {
		if (err->msg[0] == '\0')
			bb_error_set(err, EX_SOFTWARE, "log: short");
		goto out;
	}
	if (digest_final_hex(d, hex) == -1) {
		bb_error_set(err, EX_SOFTWARE, "sha256 failed");
		goto out;
	}
	rv = 0;
out:
	digest_free(d);
	return rv;
}

int
hublog_truncate(struct hublog_file *f, long long last, struct bb_error *err)
{
	struct digest *d;
	long long k;
	off_t end;

	if (last >= f->lines)
		return 0;
	if ((d = digest_new()) == NULL) {
		bb_error_set(err, EX_SOFTWARE, "sha256: cannot start");
		return -1;
	}
	if (scan(f->fd, last, &end, &k, d, err) == -1 ||
	    ftruncate(f->fd, end) == -1) {
		if (err->msg[0] == '\0')
			bb_error_errno(err, EX_IOERR, "truncate log");
		digest_free(d);
		return -1;
	}
	digest_free(f->d);
	f->d = d;
	f->size = end;
	if (f->started > end)
		f->started = end;
	f->lines = k;
	f->dirty = 1;
	return 0;
}

void
hublog_forget(struct hublog *s, struct hublog_file *f)
{
	struct bb_error err;

	(void)hublog_sync_file(f, &err);
	TAILQ_REMOVE(&s->files, f, entry);
	s->nfiles--;
	file_free(f);
}

int
hublog_remove(struct hublog *s, long long job, long long n,
    struct bb_error *err)
{
	struct hublog_file *f;
	char name[NAMELEN];

	TAILQ_FOREACH(f, &s->files, entry)
		if (f->job == job && f->n == n) {
			TAILQ_REMOVE(&s->files, f, entry);
			s->nfiles--;
			file_free(f);
			break;
		}
	name_of(job, n, name);
	if (unlinkat(s->dirfd, name, 0) == -1 && errno != ENOENT) {
		bb_error_errno(err, EX_IOERR, "remove %s/%s", s->path, name);
		return -1;
	}
	return 0;
}

struct hublog_walk {
	DIR		*dp;
	const char	*path;
};

int
hublog_walk_open(struct hublog *s, struct hublog_walk **out,
    struct bb_error *err)
{
	struct hublog_walk *w;
	int fd;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", s->path);
		return -1;
	}
	w->path = s->path;
	/* Its own descriptor: the walk's offset is its own. */
	if ((fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (w->dp = fdopendir(fd)) == NULL) {
		bb_error_errno(err, EX_IOERR, "%s", s->path);
		if (fd != -1)
			close(fd);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

/* Parses "JOB.N" as name_of writes it.  0, or -1 for any other name. */
static int
name_parse(const char *name, long long *job, long long *n)
{
	char buf[NAMELEN], *dot, check[NAMELEN];
	const char *errstr;

	if (strlcpy(buf, name, sizeof(buf)) >= sizeof(buf) ||
	    (dot = strchr(buf, '.')) == NULL)
		return -1;
	*dot = '\0';
	*job = strtonum(buf, 1, LLONG_MAX, &errstr);
	if (errstr != NULL)
		return -1;
	*n = strtonum(dot + 1, 1, LLONG_MAX, &errstr);
	if (errstr != NULL)
		return -1;
	/* No leading zeros or signs: the one name of (job, n). */
	name_of(*job, *n, check);
	return strcmp(check, name) == 0 ? 0 : -1;
}

int
hublog_walk_next(struct hublog_walk *w, long long *job, long long *n,
    long long *mtime, off_t *size, struct bb_error *err)
{
	struct dirent *de;
	struct stat st;

	for (;;) {
		errno = 0;
		if ((de = readdir(w->dp)) == NULL) {
			if (errno == 0)
				return 0;
			bb_error_errno(err, EX_IOERR, "%s", w->path);
			return -1;
		}
		if (name_parse(de->d_name, job, n) == -1 ||
		    fstatat(dirfd(w->dp), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		*mtime = (long long)st.st_mtim.tv_sec * 1000 +
		    st.st_mtim.tv_nsec / 1000000;
		*size = st.st_size;
		return 1;
	}
}

void
hublog_walk_close(struct hublog_walk *w)
{
	if (w == NULL)
		return;
	closedir(w->dp);
	free(w);
}

int
hublog_open_read(struct hublog *s, long long job, long long n, off_t *size,
    struct bb_error *err)
{
	char name[NAMELEN], *block = NULL, *nl;
	struct stat st;
	off_t end, from;
	ssize_t got;
	int fd, e;

	name_of(job, n, name);
	if ((fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		e = errno;
		bb_error_errno(err, e == ENOENT ? EX_DATAERR : EX_IOERR,
		    "%s/%s", s->path, name);
		if (fd != -1)
			close(fd);
		errno = e;
		return -1;
	}
	/* The end of the last whole line: look back from the end. */
	for (end = st.st_size; end > 0; end = from) {
		from = end > BLOCK ? end - BLOCK : 0;
		if (block == NULL && (block = malloc(BLOCK)) == NULL)
			goto fail;
		if ((got = pread(fd, block, (size_t)(end - from), from)) !=
		    end - from)
			goto fail;
		if ((nl = memrchr(block, '\n', (size_t)got)) != NULL) {
			end = from + (nl - block) + 1;
			break;
		}
	}
	free(block);
	*size = end;
	return fd;
fail:
	bb_error_errno(err, EX_IOERR, "read %s/%s", s->path, name);
	free(block);
	close(fd);
	errno = EIO;
	return -1;
}

int
hublog_read_lines(int fd, off_t size, long long after, long long limit,
    int (*fn)(void *, long long, const char *, size_t), void *arg,
    long long *seen, struct bb_error *err)
{
	char *buf;
	const char *p, *nl;
	size_t have = 0, start;
	off_t off = 0;
	long long k = 0, given = 0;
	ssize_t n;
	int rv = -1;

	*seen = 0;
	if ((buf = malloc(BLOCK + RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "log");
		return -1;
	}
	while (off < size && (limit == 0 || given < limit)) {
		n = pread(fd, buf + have, (size_t)(size - off) < BLOCK ?
		    (size_t)(size - off) : BLOCK, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			bb_error_errno(err, EX_IOERR, "read log");
			goto out;
		}
		off += n;
		have += (size_t)n;
		for (start = 0; (limit == 0 || given < limit) && (nl =
		    memchr(buf + start, '\n', have - start)) != NULL;
		    start = (size_t)(nl - buf) + 1) {
			p = buf + start;
			if (++k <= after)
				continue;
			given++;
			if (fn(arg, k, p, (size_t)(nl - p)) == -1) {
				bb_error_set(err, EX_IOERR, "write");
				goto out;
			}
		}
		if (have - start > RECORD_MAX) {
			bb_error_set(err, EX_DATAERR, "log: line %lld too long",
			    k + 1);
			goto out;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	rv = 0;
out:
	*seen = k;
	free(buf);
	return rv;
}
