#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "blob.h"
#include "file.h"

struct blob_store {
	int	 dirfd;
	char	*path;
};

struct blob_writer {
	struct blob_store	*store;
	struct digest		*d;
	int			 fd;
	char			 tmp[32];	/* tmp/XXXXXXXXXXXXXXXX */
	off_t			 size;
	off_t			 max;
	int			 toolarge;
};

/* Returns the mtime of st in milliseconds since the epoch. */
static long long
mtime_ms(const struct stat *st)
{
	return (long long)st->st_mtim.tv_sec * 1000 +
	    st->st_mtim.tv_nsec / 1000000;
}

long long
blob_clean_tmp(struct blob_store *s, long long before)
{
	DIR *dp;
	struct dirent *de;
	struct stat st;
	long long n = 0;
	int fd;

	if ((fd = openat(s->dirfd, "tmp", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return 0;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(dp), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || mtime_ms(&st) >= before)
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
			n += st.st_size;
	}
	closedir(dp);
	return n;
}

int
blob_store_open(const char *path, struct blob_store **out,
    struct bb_error *err)
{
	struct blob_store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		free(s);
		return -1;
	}
	s->dirfd = -1;
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		bb_error_errno(err, EX_CANTCREAT, "%s", path);
		goto fail;
	}
	if ((s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", path);
		goto fail;
	}
	if (mkdirat(s->dirfd, "tmp", 0700) == -1 && errno != EEXIST) {
		bb_error_errno(err, EX_CANTCREAT, "%s/tmp", path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	blob_store_close(s);
	return -1;
}

void
blob_store_close(struct blob_store *s)
{
	if (s == NULL)
		return;
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->path);
	free(s);
}

int
blob_writer_new(struct blob_store *s, off_t max, struct blob_writer **out,
    struct bb_error *err)
{
	struct blob_writer *w;
	unsigned char rnd[8];
	char hex[2 * sizeof(rnd) + 1];

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		bb_error_errno(err, EX_OSERR, "blob");
		return -1;
	}
	w->store = s;
	w->max = max;
	w->fd = -1;
	if ((w->d = digest_new()) == NULL) {
		bb_error_set(err, EX_SOFTWARE, "sha256: cannot start");
		goto fail;
	}
	arc4random_buf(rnd, sizeof(rnd));
	digest_tohex(rnd, sizeof(rnd), hex);
	(void)snprintf(w->tmp, sizeof(w->tmp), "tmp/%s", hex);
	if ((w->fd = openat(s->dirfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s/%s", s->path, w->tmp);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	digest_free(w->d);
	free(w);
	return -1;
}

int
blob_writer_add(struct blob_writer *w, const void *p, size_t len,
    struct bb_error *err)
{
	const char *s = p;
	ssize_t n;

	if ((off_t)len > w->max - w->size) {
		w->toolarge = 1;
		bb_error_set(err, EX_DATAERR, "too large (over %lld bytes)",
		    (long long)w->max);
		return -1;
	}
	if (digest_update(w->d, p, len) == -1) {
		bb_error_set(err, EX_SOFTWARE, "sha256 failed");
		return -1;
	}
	w->size += (off_t)len;
	while (len > 0) {
		if ((n = write(w->fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "write %s/%s",
			    w->store->path, w->tmp);
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int
blob_writer_toolarge(const struct blob_writer *w)
{
	return w->toolarge;
}

off_t
blob_writer_size(const struct blob_writer *w)
{
	return w->size;
}

void
blob_writer_abort(struct blob_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1) {
		close(w->fd);
		(void)unlinkat(w->store->dirfd, w->tmp, 0);
	}
	digest_free(w->d);
	free(w);
}

int
blob_writer_commit(struct blob_writer *w, const char *want, char *hex,
    off_t *size, struct bb_error *err)
{
	struct blob_store *s = w->store;
	char sub[3], name[3 + DIGEST_HEXLEN + 1];
	int fd, rv = -1;

	if (digest_final_hex(w->d, hex) == -1) {
		bb_error_set(err, EX_SOFTWARE, "sha256 failed");
		goto out;
	}
	if (size != NULL)
		*size = w->size;
	if (want != NULL && strcmp(want, hex) != 0) {
		bb_error_set(err, EX_DATAERR,
		    "digest mismatch: the body has sha256 %s, not %s", hex,
		    want);
		rv = 1;
		goto out;
	}
	if (fsync(w->fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s/%s", s->path, w->tmp);
		goto out;
	}
	(void)snprintf(sub, sizeof(sub), "%.2s", hex);
	(void)snprintf(name, sizeof(name), "%s/%s", sub, hex);
	if (mkdirat(s->dirfd, sub, 0700) == 0) {
		if (fsync(s->dirfd) == -1) {
			bb_error_errno(err, EX_IOERR, "sync %s", s->path);
			goto out;
		}
	} else if (errno != EEXIST) {
		bb_error_errno(err, EX_CANTCREAT, "%s/%s", s->path, sub);
		goto out;
	}
	if (renameat(s->dirfd, w->tmp, s->dirfd, name) == -1) {
		bb_error_errno(err, EX_IOERR, "%s/%s", s->path, name);
		goto out;
	}
	close(w->fd);
	w->fd = -1;
	if ((fd = openat(s->dirfd, sub, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || fsync(fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s/%s", s->path, sub);
		if (fd != -1)
			close(fd);
		goto out;
	}
	close(fd);
	rv = 0;
out:
	blob_writer_abort(w);
	return rv;
}

int
blob_put_fd(struct blob_store *s, int fd, const char *name, off_t max,
    char *hex, off_t *size, struct bb_error *err)
{
	struct blob_writer *w;
	char b[64 * 1024];
	ssize_t n;

	if (blob_writer_new(s, max, &w, err) == -1)
		return -1;
	for (;;) {
		if ((n = read(fd, b, sizeof(b))) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read %s", name);
			goto fail;
		}
		if (n == 0)
			break;
		if (blob_writer_add(w, b, (size_t)n, err) == -1) {
			bb_error_prefix(err, "%s", name);
			goto fail;
		}
	}
	return blob_writer_commit(w, NULL, hex, size, err);
fail:
	blob_writer_abort(w);
	return -1;
}

static int
blob_name(const char *hex, char *name, size_t len)
{
	if (!digest_valid_hex(hex))
		return -1;
	(void)snprintf(name, len, "%.2s/%s", hex, hex);
	return 0;
}

int
blob_open(struct blob_store *s, const char *hex, off_t *size,
    struct bb_error *err)
{
	char name[3 + DIGEST_HEXLEN + 1];
	struct stat st;
	int fd;

	if (blob_name(hex, name, sizeof(name)) == -1) {
		bb_error_set(err, EX_DATAERR, "not a sha256 digest");
		return -1;
	}
	if ((fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		bb_error_errno(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "blob %s", hex);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		bb_error_set(err, EX_IOERR, "blob %s: not a file", hex);
		close(fd);
		return -1;
	}
	if (size != NULL)
		*size = st.st_size;
	return fd;
}

int
blob_exists(struct blob_store *s, const char *hex)
{
	char name[3 + DIGEST_HEXLEN + 1];
	struct stat st;

	if (blob_name(hex, name, sizeof(name)) == -1)
		return 0;
	return fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

int
blob_touch(struct blob_store *s, const char *hex, struct bb_error *err)
{
	char name[3 + DIGEST_HEXLEN + 1];

	if (blob_name(hex, name, sizeof(name)) == -1) {
		bb_error_set(err, EX_DATAERR, "not a sha256 digest");
		return -1;
	}
	if (utimensat(s->dirfd, name, NULL, AT_SYMLINK_NOFOLLOW) == -1) {
		bb_error_errno(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "blob %s", hex);
		return -1;
	}
	return 0;
}

int
blob_list(struct blob_store *s, int sub,
    int (*fn)(void *, const char *, long long, off_t), void *arg,
    struct bb_error *err)
{
	DIR *dp;
	struct dirent *de;
	struct stat st;
	char dir[3];
	int fd, rv = 0;

	(void)snprintf(dir, sizeof(dir), "%02x", sub & 0xff);
	if ((fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		bb_error_errno(err, EX_IOERR, "%s/%s", s->path, dir);
		return -1;
	}
	if ((dp = fdopendir(fd)) == NULL) {
		bb_error_errno(err, EX_IOERR, "%s/%s", s->path, dir);
		close(fd);
		return -1;
	}
	while (rv == 0 && (de = readdir(dp)) != NULL) {
		if (!digest_valid_hex(de->d_name) ||
		    strncmp(de->d_name, dir, 2) != 0 ||
		    fstatat(dirfd(dp), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		rv = fn(arg, de->d_name, mtime_ms(&st), st.st_size);
	}
	closedir(dp);
	return rv;
}

int
blob_remove_old(struct blob_store *s, const char *hex, long long before,
    off_t *size, struct bb_error *err)
{
	char name[3 + DIGEST_HEXLEN + 1], trash[8 + DIGEST_HEXLEN + 1];
	struct stat st;

	if (blob_name(hex, name, sizeof(name)) == -1) {
		bb_error_set(err, EX_DATAERR, "not a sha256 digest");
		return -1;
	}
	/*
	 * Moved aside first, then looked at: a blob written or touched
	 * again until the move is seen young and put back.
	 */
	(void)snprintf(trash, sizeof(trash), "tmp/gc-%s", hex);
	if (renameat(s->dirfd, name, s->dirfd, trash) == -1) {
		if (errno == ENOENT)
			return 0;
		bb_error_errno(err, EX_IOERR, "%s/%s", s->path, name);
		return -1;
	}
	if (fstatat(s->dirfd, trash, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    mtime_ms(&st) >= before) {
		if (renameat(s->dirfd, trash, s->dirfd, name) == -1) {
			bb_error_errno(err, EX_IOERR, "%s/%s", s->path, name);
			return -1;
		}
		return 0;
	}
	if (unlinkat(s->dirfd, trash, 0) == -1) {
		bb_error_errno(err, EX_IOERR, "%s/%s", s->path, trash);
		return -1;
	}
	if (size != NULL)
		*size = st.st_size;
	return 1;
}
