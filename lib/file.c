#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"

int
file_sync_dir(int dirfd, const char *path, struct bb_error *err)
{
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fsync(fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
file_write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * name.tmp written (and with sync, on disk), then renamed over name: a
 * reader sees the old content or the new, never a part.
 */
static int
write_rename(int dirfd, const char *name, const void *p, size_t len,
    mode_t mode, int sync, struct bb_error *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp)) {
		bb_error_set(err, EX_CANTCREAT, "%s: name too long", name);
		return -1;
	}
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", tmp);
		return -1;
	}
	if (file_write_all(fd, p, len) == -1 || (sync && fsync(fd) == -1))
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) == -1)
		goto fail;
	if (!sync)
		return 0;
	(void)strlcpy(dir, name, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else
		(void)strlcpy(dir, ".", sizeof(dir));
	return file_sync_dir(dirfd, dir, err);
fail:
	bb_error_errno(err, EX_IOERR, "write %s", name);
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	return -1;
}

int
file_write_atomic(int dirfd, const char *name, const void *p, size_t len,
    mode_t mode, struct bb_error *err)
{
	return write_rename(dirfd, name, p, len, mode, 1, err);
}

int
file_write_replace(int dirfd, const char *name, const void *p, size_t len,
    mode_t mode, struct bb_error *err)
{
	return write_rename(dirfd, name, p, len, mode, 0, err);
}

int
file_disk_error(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS;
}

void
file_disk_cause(int e, const char *where, char *buf, size_t len)
{
	if (len == 0)
		return;
	(void)snprintf(buf, len, "%s in %s", strerror(e), where);
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

static int
read_fd(int fd, const char *path, size_t max, struct buf **out,
    struct bb_error *err)
{
	struct buf *b;
	ssize_t n;
	char *d;

	if ((b = buf_new(max)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		return -1;
	}
	for (;;) {
		char probe;
		size_t want = max - b->len < 4096 ? max - b->len : 4096;

		if (want == 0) {
			/* Full: only the end of the file is welcome now. */
			n = read(fd, &probe, 1);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == 0)
				break;
			bb_error_set(err, EX_DATAERR,
			    "%s: too large (over %zu bytes)", path, max);
			goto fail;
		}
		if ((d = buf_reserve(b, want)) == NULL) {
			bb_error_errno(err, EX_OSERR, "%s", path);
			goto fail;
		}
		n = read(fd, d, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			bb_error_errno(err, EX_IOERR, "read %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
	*out = b;
	return 0;
fail:
	buf_freezero(b);
	return -1;
}

const char *
file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a fifo";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "not a file";
	}
}

int
file_open_input(int dirfd, const char *path, struct bb_error *err)
{
	struct stat st;
	int fd, fl;

	/* O_NONBLOCK: opening a fifo would wait for a writer. */
	if ((fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		bb_error_set(err, EX_NOINPUT, "%s: not a regular file (%s)",
		    path, file_kind(st.st_mode));
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
file_read(int dirfd, const char *path, size_t max, struct buf **out,
    struct bb_error *err)
{
	int fd, rv;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", path);
		return -1;
	}
	rv = read_fd(fd, path, max, out, err);
	close(fd);
	return rv;
}

int
file_read_input(int dirfd, const char *path, size_t max, struct buf **out,
    struct bb_error *err)
{
	int fd, rv;

	if ((fd = file_open_input(dirfd, path, err)) == -1)
		return -1;
	rv = read_fd(fd, path, max, out, err);
	close(fd);
	return rv;
}

int
file_read_secret(int dirfd, const char *path, size_t max, struct buf **out,
    struct bb_error *err)
{
	struct stat st;
	int fd, rv;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", path);
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
		bb_error_set(err, EX_NOPERM,
		    "%s: readable by others (mode %04o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	rv = read_fd(fd, path, max, out, err);
	close(fd);
	if (rv == 0 && (*out)->len > 0 && (*out)->data[(*out)->len - 1] == '\n')
		(*out)->data[--(*out)->len] = '\0';
	return rv;
}

void
file_sanitise_stdfd(void)
{
	int fd, i;

	for (i = 0; i < 3; i++) {
		if (fcntl(i, F_GETFD) != -1 || errno != EBADF)
			continue;
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			abort();
		if (fd != i) {
			(void)dup2(fd, i);
			close(fd);
		}
	}
}

int
file_mkdirs(const char *path, mode_t mode, struct bb_error *err)
{
	char p[PATH_MAX], *s;

	if (strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
		bb_error_set(err, EX_CANTCREAT, "%s: name too long", path);
		return -1;
	}
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST) {
			bb_error_errno(err, EX_CANTCREAT, "mkdir %s", p);
			return -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/*
 * rmdir for a directory, unlink for the rest: remove(3) tries unlink
 * first, which Landlock refuses where only directories may go.
 */
static int
rm_one(const char *p, int flag)
{
	int r;

	r = flag == FTW_DP ? rmdir(p) : unlink(p);
	return r == -1 && errno != ENOENT ? errno : 0;
}

static int
rm_keep_top(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	if (f->level == 0)
		return 0;
	return rm_one(p, flag);
}

static int
rm_all(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return rm_one(p, flag);
}

int
file_rmtree(const char *path, int keep_top, struct bb_error *err)
{
	int r;

	r = nftw(path, keep_top ? rm_keep_top : rm_all, 16,
	    FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (r == 0 || (r == -1 && errno == ENOENT))
		return 0;
	if (r > 0)
		errno = r;
	bb_error_errno(err, EX_IOERR, "remove %s", path);
	return -1;
}
