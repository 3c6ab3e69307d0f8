/*
 * The tree of an archive (lib/release/pack.h): the operands normalised,
 * then sorted by their key, the path with a slash after a directory, so
 * that the members come out in strcmp order of their names as a tar
 * lists them (directories end with a slash); then each walked in that
 * order below the root, every component opened without following a
 * link, every member's header built by hand (owner 0, one time, modes
 * 0755 or 0644) and its data read and checked against a change while it
 * is packed.  A member that fails is said and counted, and the walk goes
 * on.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "file.h"
#include "pack_impl.h"
#include "strv.h"

struct operand {
	char	*key;
	size_t	 len;		/* of the path, without the slash */
};

static int
normalise(const char *in, char **out, struct bb_error *err)
{
	const char *s = in, *c;
	char *p, *d;
	size_t n;

	if (*in == '\0') {
		bb_error_set(err, EX_DATAERR, "empty path");
		return -1;
	}
	if (*in == '/') {
		bb_error_set(err, EX_DATAERR, "%s: absolute path: it escapes "
		    "the directory packed", in);
		return -1;
	}
	if ((p = d = calloc(1, strlen(in) + 2)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", in);
		return -1;
	}
	while (*s != '\0') {
		for (c = s; *c != '\0' && *c != '/'; c++)
			;
		n = (size_t)(c - s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			bb_error_set(err, EX_DATAERR, "%s: \"..\" escapes the "
			    "directory packed", in);
			free(p);
			return -1;
		}
		if (n > 0 && !(n == 1 && s[0] == '.')) {
			if (d != p)
				*d++ = '/';
			memcpy(d, s, n);
			d += n;
		}
		s = *c == '/' ? c + 1 : c;
	}
	if (d == p)
		*d++ = '.';
	*d = '\0';
	*out = p;
	return 0;
}

static int
operand_cmp(const void *a, const void *b)
{
	const struct operand *x = a, *y = b;

	return strcmp(x->key, y->key);
}

int
pack_paths(int rootfd, char *const *in, size_t n, char ***outp,
    size_t *noutp, struct bb_error *err)
{
	struct operand *ops = NULL;
	struct stat st;
	char **out = NULL, *p;
	size_t i, nout = 0, nops = 0;
	int rv = -1;

	if ((ops = calloc(n + 1, sizeof(*ops))) == NULL ||
	    (out = calloc(n + 1, sizeof(*out))) == NULL) {
		bb_error_errno(err, EX_OSERR, "paths");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (normalise(in[i], &p, err) == -1)
			goto out;
		ops[nops].key = p;
		ops[nops].len = strlen(p);
		nops++;
		if (strcmp(p, ".") == 0)
			p[0] = '\0';	/* the root: before all, holds all */
		else if (fstatat(rootfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			p[ops[nops - 1].len] = '/';
	}
	qsort(ops, nops, sizeof(*ops), operand_cmp);
	for (i = 0; i < nops; i++) {
		const char *k = ops[i].key, *last;
		size_t l;

		if (nout > 0) {
			/* Dropped: a duplicate, or inside a directory. */
			last = out[nout - 1];
			l = strlen(last);
			if (strcmp(k, last) == 0 || ((l == 0 ||
			    last[l - 1] == '/') && strncmp(k, last, l) == 0))
				continue;
		}
		out[nout++] = ops[i].key;
		ops[i].key = NULL;
	}
	for (i = 0; i < nout; i++) {
		/* The keys become paths again. */
		size_t l = strlen(out[i]);

		if (l == 0)
			out[i][0] = '.', out[i][1] = '\0';
		else if (out[i][l - 1] == '/')
			out[i][l - 1] = '\0';
	}
	*outp = out;
	*noutp = nout;
	out = NULL;
	rv = 0;
out:
	for (i = 0; ops != NULL && i < nops; i++)
		free(ops[i].key);
	free(ops);
	strv_free(out, nout);
	return rv;
}

/* A member that failed: reported, counted, and the walk goes on. */
static void __printflike(4, 5)
member_error(struct pack *p, int code, int with_errno, const char *fmt, ...)
{
	struct bb_error e;
	va_list ap;
	int saved = errno;

	if (p->dry)
		return;
	va_start(ap, fmt);
	bb_error_vset(&e, code, fmt, ap);
	va_end(ap);
	if (with_errno) {
		size_t n = strlen(e.msg);

		(void)snprintf(e.msg + n, sizeof(e.msg) - n, ": %s",
		    strerror(saved));
	}
	if (p->nerrors++ == 0)
		p->ecode = code;
	if (p->o.warn != NULL)
		p->o.warn(p->o.arg, &e);
}

static void __printflike(2, 3)
member_warn(struct pack *p, const char *fmt, ...)
{
	struct bb_error e;
	va_list ap;

	if (p->dry || p->o.warn == NULL)
		return;
	va_start(ap, fmt);
	bb_error_vset(&e, 0, fmt, ap);
	va_end(ap);
	e.code = 0;
	p->o.warn(p->o.arg, &e);
}

/* Writes the header of the member p->path. */
static int
header(struct pack *p, mode_t type, mode_t perm, off_t size,
    const char *link, struct bb_error *err)
{
	struct archive_entry *e = p->e;

	archive_entry_clear(e);
	archive_entry_copy_pathname(e, p->path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_copy_uname(e, "root");
	archive_entry_copy_gname(e, "root");
	archive_entry_set_mtime(e, p->o.mtime, 0);
	archive_entry_set_size(e, size);
	if (link != NULL)
		archive_entry_copy_symlink(e, link);
	switch (archive_write_header(p->a, e)) {
	case ARCHIVE_OK:
		break;
	case ARCHIVE_WARN:
		member_warn(p, "%s: %s", p->path, archive_error_string(p->a));
		break;
	case ARCHIVE_FAILED:
		/* This member only (a name this format cannot hold). */
		member_error(p, EX_DATAERR, 0, "%s: %s", p->path,
		    archive_error_string(p->a));
		return 1;
	default:
		pack_write_error(p, err);
		return -1;
	}
	p->members++;
	return 0;
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* The data of a regular file, opened without following a link. */
static int
add_file(struct pack *p, int dfd, const char *name, const struct stat *lst,
    struct bb_error *err)
{
	struct stat st, st2;
	off_t left;
	ssize_t n;
	int fd, r, rv = -1;

	if (p->excl && lst->st_dev == p->excl_dev &&
	    lst->st_ino == p->excl_ino) {
		member_warn(p, "%s: the archive itself: not packed", p->path);
		return 0;
	}
	if (p->dry) {
		p->done += lst->st_size;
		return 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		member_error(p, EX_NOINPUT, 1, "%s", p->path);
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		member_error(p, EX_IOERR, 1, "%s", p->path);
		rv = 0;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_dev != lst->st_dev ||
	    st.st_ino != lst->st_ino) {
		member_error(p, EX_IOERR, 0, "%s: replaced while it was packed",
		    p->path);
		rv = 0;
		goto out;
	}
	if ((r = header(p, AE_IFREG, st.st_mode & 0111 ? 0755 : 0644,
	    st.st_size, NULL, err)) != 0) {
		rv = r == 1 ? 0 : -1;
		goto out;
	}
	for (left = st.st_size; left > 0; left -= n) {
		n = read(fd, p->rbuf, left < PACK_RBUF ? (size_t)left :
		    PACK_RBUF);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1) {
			member_error(p, EX_IOERR, 1, "read %s", p->path);
			rv = 0;
			goto out;
		}
		if (n == 0) {
			member_error(p, EX_IOERR, 0, "%s: shrank while it was "
			    "packed (%lld bytes short)", p->path,
			    (long long)left);
			rv = 0;
			goto out;
		}
		if (archive_write_data(p->a, p->rbuf, (size_t)n) != n) {
			pack_write_error(p, err);
			goto out;
		}
		p->done += n;
		if (p->o.progress != NULL)
			p->o.progress(p->o.arg, p->done);
	}
	if (fstat(fd, &st2) == -1) {
		member_error(p, EX_IOERR, 1, "%s", p->path);
		rv = 0;
		goto out;
	}
	if (st2.st_size != st.st_size || !same_time(&st2.st_mtim,
	    &st.st_mtim))
		member_error(p, EX_IOERR, 0, "%s: changed while it was packed",
		    p->path);
	rv = 0;
out:
	close(fd);
	return rv;
}

static int	add_dir(struct pack *, int, int, struct bb_error *);

/* Adds dfd/name as the member p->path, and what is below it. */
static int
add_item(struct pack *p, int dfd, const char *name, int depth,
    struct bb_error *err)
{
	char link[PATH_MAX];
	struct stat st, dst;
	ssize_t n;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		member_error(p, errno == ENOENT ? EX_NOINPUT : EX_IOERR, 1,
		    "%s", p->path);
		return 0;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return add_file(p, dfd, name, &st, err);
	case S_IFLNK:
		if (p->dry)
			return 0;
		n = readlinkat(dfd, name, link, sizeof(link));
		if (n == -1 || (size_t)n >= sizeof(link)) {
			if (n != -1)
				errno = ENAMETOOLONG;
			member_error(p, EX_IOERR, 1, "%s", p->path);
			return 0;
		}
		link[n] = '\0';
		r = header(p, AE_IFLNK, 0777, 0, link, err);
		return r == -1 ? -1 : 0;
	case S_IFDIR:
		if (depth >= PACK_DEPTH_MAX) {
			member_error(p, EX_DATAERR, 0, "%s: deeper than %d "
			    "directories", p->path, PACK_DEPTH_MAX);
			return 0;
		}
		if (!p->dry && (r = header(p, AE_IFDIR, 0755, 0, NULL,
		    err)) != 0)
			return r == -1 ? -1 : 0;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1) {
			member_error(p, EX_NOINPUT, 1, "%s", p->path);
			return 0;
		}
		if (fstat(fd, &dst) == -1 || dst.st_ino != st.st_ino ||
		    dst.st_dev != st.st_dev) {
			member_error(p, EX_IOERR, 0, "%s: replaced while it "
			    "was packed", p->path);
			close(fd);
			return 0;
		}
		return add_dir(p, fd, depth + 1, err);
	default:
		member_warn(p, "%s: skipped: %s", p->path,
		    S_ISFIFO(st.st_mode) ? "a fifo" : S_ISSOCK(st.st_mode) ?
		    "a socket" : "a device");
		return 0;
	}
}

struct child {
	char	*key;		/* the name, and a slash for a directory */
	int	 dir;
};

static int
child_cmp(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/*
 * Adds what is in the directory fd (which it closes), sorted, below
 * p->path (the root when empty).
 */
static int
add_dir(struct pack *p, int fd, int depth, struct bb_error *err)
{
	struct child *c = NULL, *nc;
	struct dirent *de;
	struct stat st;
	size_t i, n = 0, cap = 0, plen = strlen(p->path), l;
	DIR *dir;
	int rv = -1, isdir;

	if ((dir = fdopendir(fd)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", p->path);
		close(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_UNKNOWN)
			isdir = de->d_type == DT_DIR;
		else
			isdir = fstatat(fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nc = reallocarray(c, cap, sizeof(*c))) == NULL)
				goto nomem;
			c = nc;
		}
		if (asprintf(&c[n].key, "%s%s", de->d_name,
		    isdir ? "/" : "") == -1)
			goto nomem;
		c[n++].dir = isdir;
	}
	if (errno != 0) {
		member_error(p, EX_IOERR, 1, "%s", p->path);
		rv = 0;
		goto out;
	}
	qsort(c, n, sizeof(*c), child_cmp);
	for (i = 0; i < n; i++) {
		l = strlen(c[i].key);
		if (c[i].dir)
			c[i].key[--l] = '\0';
		if (plen + 1 + l >= sizeof(p->path)) {
			member_error(p, EX_DATAERR, 0, "%s/%s: path too long",
			    p->path, c[i].key);
			continue;
		}
		if (plen > 0)
			p->path[plen] = '/';
		memcpy(p->path + plen + (plen > 0), c[i].key, l + 1);
		if (add_item(p, fd, c[i].key, depth, err) == -1) {
			p->path[plen] = '\0';
			goto out;
		}
		p->path[plen] = '\0';
	}
	rv = 0;
	goto out;
nomem:
	bb_error_errno(err, EX_OSERR, "%s", p->path);
out:
	for (i = 0; i < n; i++)
		free(c[i].key);
	free(c);
	closedir(dir);
	return rv;
}

/* Walks the directories of path but its last, never following a link. */
static int
open_parent(struct pack *p, int rootfd, const char *path, const char **last)
{
	char comp[NAME_MAX + 1];
	const char *s = path, *slash;
	int dfd = rootfd, nfd;
	size_t n;

	while ((slash = strchr(s, '/')) != NULL) {
		n = (size_t)(slash - s);
		if (n >= sizeof(comp)) {
			errno = ENAMETOOLONG;
			member_error(p, EX_DATAERR, 1, "%s", path);
			goto fail;
		}
		memcpy(comp, s, n);
		comp[n] = '\0';
		nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd == -1) {
			if (errno == ENOENT)
				member_error(p, EX_NOINPUT, 1, "%s", path);
			else if (errno == ELOOP || errno == ENOTDIR)
				member_error(p, EX_DATAERR, 0, "%s: %.*s is "
				    "not a directory (links are not followed)",
				    path, (int)(slash - path), path);
			else
				member_error(p, EX_NOINPUT, 1, "%.*s",
				    (int)(slash - path), path);
			goto fail;
		}
		if (dfd != rootfd)
			close(dfd);
		dfd = nfd;
		s = slash + 1;
	}
	*last = s;
	return dfd;
fail:
	if (dfd != rootfd)
		close(dfd);
	return -1;
}

int
pack_add(struct pack *p, int rootfd, const char *path, struct bb_error *err)
{
	struct stat st;
	const char *last;
	int dfd, fd, rv;

	if (strcmp(path, ".") == 0) {
		p->path[0] = '\0';
		fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1) {
			member_error(p, EX_NOINPUT, 1, ".");
			return 0;
		}
		return add_dir(p, fd, 0, err);
	}
	if (strlcpy(p->path, path, sizeof(p->path)) >= sizeof(p->path)) {
		member_error(p, EX_DATAERR, 0, "%s: path too long", path);
		return 0;
	}
	if ((dfd = open_parent(p, rootfd, path, &last)) == -1)
		return 0;
	/* A path named to be packed that is no file: refused, not skipped. */
	if (fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
	    !S_ISLNK(st.st_mode)) {
		member_error(p, EX_NOINPUT, 0, "%s: not a regular file (%s)",
		    path, file_kind(st.st_mode));
		rv = 0;
	} else
		rv = add_item(p, dfd, last, 0, err);
	if (dfd != rootfd)
		close(dfd);
	return rv;
}

int
pack_measure(int rootfd, const char *path, off_t *total)
{
	struct pack *p;
	int rv;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->dry = 1;
	rv = pack_add(p, rootfd, path, NULL);
	*total += p->done;
	free(p);
	return rv;
}
