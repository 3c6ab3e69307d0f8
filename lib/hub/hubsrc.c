#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "hubsrc.h"

struct sink {
	int		(*out)(void *, const void *, size_t, struct bb_error *);
	void		*arg;
	struct bb_error	*err;
	int		 failed;
};

static la_ssize_t
sink_write(struct archive *a, void *p, const void *data, size_t len)
{
	struct sink *s = p;

	(void)a;
	if (s->out(s->arg, data, len, s->err) == -1) {
		s->failed = 1;
		return -1;
	}
	return (la_ssize_t)len;
}

static int
by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/*
 * Copies what is left of fd (name is for messages) into the entry; with
 * size >= 0, exactly size bytes must come.
 */
static int
copy_fd(struct archive *a, int fd, const char *name, off_t size,
    struct bb_error *err)
{
	char b[64 * 1024];
	ssize_t n;
	off_t total = 0;

	for (;;) {
		if ((n = read(fd, b, sizeof(b))) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read %s", name);
			return -1;
		}
		if (n == 0)
			break;
		total += n;
		if (size >= 0 && total > size)
			break;
		if (archive_write_data(a, b, (size_t)n) != n) {
			bb_error_set(err, EX_IOERR, "%s: %s", name,
			    archive_error_string(a));
			return -1;
		}
	}
	if (size >= 0 && total != size) {
		bb_error_set(err, EX_DATAERR, "%s: not of its size, %lld bytes",
		    name, (long long)size);
		return -1;
	}
	return 0;
}

static int
add_file(struct archive *a, FTSENT *e, struct bb_error *err)
{
	int fd, rv;

	if ((fd = open(e->fts_accpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", e->fts_path);
		return -1;
	}
	rv = copy_fd(a, fd, e->fts_path, -1, err);
	close(fd);
	return rv;
}

/* A new archive writer of tar.gz, the same every time, into s. */
static struct archive *
writer(struct sink *s, struct bb_error *err)
{
	struct archive *a;

	if ((a = archive_write_new()) == NULL) {
		bb_error_set(err, EX_OSERR, "libarchive: out of memory");
		return NULL;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) !=
	    ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, s, NULL, sink_write, NULL, NULL) !=
	    ARCHIVE_OK) {
		if (!s->failed)
			bb_error_set(err, EX_SOFTWARE, "libarchive: %s",
			    archive_error_string(a));
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* Makes ae a fresh entry at path of type and perm, owned by root. */
static void
entry(struct archive_entry *ae, const char *path, long long mtime,
    unsigned int type, int perm)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, path);
	archive_entry_set_mtime(ae, mtime, 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_uname(ae, "root");
	archive_entry_set_gname(ae, "root");
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, perm);
}

/* Writes the header of ae; the message names path. */
static int
header(struct archive *a, struct archive_entry *ae, const struct sink *s,
    const char *path, struct bb_error *err)
{
	if (archive_write_header(a, ae) == ARCHIVE_OK)
		return 0;
	if (!s->failed)
		bb_error_set(err, EX_IOERR, "%s: %s", path,
		    archive_error_string(a));
	return -1;
}

/* Ends the archive a; the message names what. */
static int
finish(struct archive *a, const struct sink *s, const char *what,
    struct bb_error *err)
{
	if (archive_write_close(a) == ARCHIVE_OK)
		return 0;
	if (!s->failed)
		bb_error_set(err, EX_IOERR, "%s: %s", what,
		    archive_error_string(a));
	return -1;
}

int
hubsrc_pack(const char *dir, long long mtime,
    int (*out)(void *, const void *, size_t, struct bb_error *), void *arg,
    struct bb_error *err)
{
	struct sink s = { out, arg, err, 0 };
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	char *argv[2], target[4096];
	FTS *fts = NULL;
	FTSENT *e;
	size_t plen;
	ssize_t tn;
	int rv = -1;

	argv[0] = (char *)dir;
	argv[1] = NULL;
	plen = strlen(dir);
	while (plen > 1 && dir[plen - 1] == '/')
		plen--;
	if ((ae = archive_entry_new()) == NULL) {
		bb_error_set(err, EX_OSERR, "libarchive: out of memory");
		goto out;
	}
	if ((a = writer(&s, err)) == NULL)
		goto out;
	if ((fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR, by_name)) ==
	    NULL) {
		bb_error_errno(err, EX_NOINPUT, "%s", dir);
		goto out;
	}
	for (errno = 0; (e = fts_read(fts)) != NULL; errno = 0) {
		const char *rel;

		switch (e->fts_info) {
		case FTS_DP:
			continue;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			errno = e->fts_errno;
			bb_error_errno(err, EX_NOINPUT, "%s", e->fts_path);
			goto out;
		default:
			break;
		}
		if (e->fts_level == 0)
			continue;
		rel = e->fts_path + plen + 1;
		switch (e->fts_info) {
		case FTS_D:
			entry(ae, rel, mtime, AE_IFDIR, 0755);
			break;
		case FTS_F:
			entry(ae, rel, mtime, AE_IFREG,
			    e->fts_statp->st_mode & 0111 ? 0755 : 0644);
			archive_entry_set_size(ae, e->fts_statp->st_size);
			break;
		case FTS_SL:
		case FTS_SLNONE:
			if ((tn = readlink(e->fts_accpath, target,
			    sizeof(target) - 1)) == -1) {
				bb_error_errno(err, EX_NOINPUT, "%s",
				    e->fts_path);
				goto out;
			}
			target[tn] = '\0';
			entry(ae, rel, mtime, AE_IFLNK, 0777);
			archive_entry_set_symlink(ae, target);
			break;
		default:
			bb_error_set(err, EX_DATAERR, "%s: not a file, "
			    "directory or symbolic link", e->fts_path);
			goto out;
		}
		if (header(a, ae, &s, e->fts_path, err) == -1)
			goto out;
		if (e->fts_info == FTS_F && add_file(a, e, err) == -1)
			goto out;
	}
	if (errno != 0) {
		/* fts_read returns NULL with errno 0 at the end only. */
		bb_error_errno(err, EX_IOERR, "%s", dir);
		goto out;
	}
	if (finish(a, &s, dir, err) == -1)
		goto out;
	rv = 0;
out:
	if (fts != NULL)
		fts_close(fts);
	archive_entry_free(ae);
	archive_write_free(a);
	return rv;
}

/*
 * Writes the directories of path that come after those of prev (the name
 * before it, or NULL): "a/b/c" after "a/x" makes "a/b".
 */
static int
add_dirs(struct archive *a, struct archive_entry *ae, const struct sink *s,
    const char *prev, const char *path, long long mtime,
    struct bb_error *err)
{
	char dir[4096];
	const char *p;
	size_t n;

	for (p = path; (p = strchr(p, '/')) != NULL; p++) {
		n = (size_t)(p - path);
		if (n >= sizeof(dir)) {
			bb_error_set(err, EX_DATAERR, "%s: name too long",
			    path);
			return -1;
		}
		/* A directory the name before had is there already. */
		if (prev != NULL && strncmp(prev, path, n + 1) == 0)
			continue;
		memcpy(dir, path, n);
		dir[n] = '\0';
		entry(ae, dir, mtime, AE_IFDIR, 0755);
		if (header(a, ae, s, dir, err) == -1)
			return -1;
	}
	return 0;
}

int
hubsrc_pack_files(struct hubsrc_file *v, size_t n, long long mtime,
    int (*out)(void *, const void *, size_t, struct bb_error *), void *arg,
    struct bb_error *err)
{
	struct sink s = { out, arg, err, 0 };
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	size_t i;
	int rv = -1;

	for (i = 0; i < n; i++)
		if (v[i].name[0] == '\0' || v[i].name[0] == '/' ||
		    (i > 0 && strcmp(v[i - 1].name, v[i].name) >= 0)) {
			bb_error_set(err, EX_DATAERR, "%s: a name repeated, "
			    "out of order or not relative", v[i].name);
			return -1;
		}
	if ((ae = archive_entry_new()) == NULL) {
		bb_error_set(err, EX_OSERR, "libarchive: out of memory");
		goto out;
	}
	if ((a = writer(&s, err)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (add_dirs(a, ae, &s, i > 0 ? v[i - 1].name : NULL,
		    v[i].name, mtime, err) == -1)
			goto out;
		entry(ae, v[i].name, mtime, AE_IFREG, v[i].exec ? 0755 : 0644);
		archive_entry_set_size(ae, v[i].size);
		if (header(a, ae, &s, v[i].name, err) == -1 ||
		    copy_fd(a, v[i].fd, v[i].name, v[i].size, err) == -1)
			goto out;
	}
	if (finish(a, &s, "archive", err) == -1)
		goto out;
	rv = 0;
out:
	archive_entry_free(ae);
	archive_write_free(a);
	return rv;
}
