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

static int
add_file(struct archive *a, FTSENT *e, struct bb_error *err)
{
	char b[64 * 1024];
	ssize_t n;
	int fd, rv = -1;

	if ((fd = open(e->fts_accpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", e->fts_path);
		return -1;
	}
	for (;;) {
		if ((n = read(fd, b, sizeof(b))) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read %s", e->fts_path);
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(a, b, (size_t)n) != n) {
			bb_error_set(err, EX_IOERR, "%s: %s", e->fts_path,
			    archive_error_string(a));
			goto out;
		}
	}
	rv = 0;
out:
	close(fd);
	return rv;
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
	if ((a = archive_write_new()) == NULL ||
	    (ae = archive_entry_new()) == NULL) {
		bb_error_set(err, EX_OSERR, "libarchive: out of memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) !=
	    ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, &s, NULL, sink_write, NULL, NULL) !=
	    ARCHIVE_OK) {
		if (!s.failed)
			bb_error_set(err, EX_SOFTWARE, "libarchive: %s",
			    archive_error_string(a));
		goto out;
	}
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
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, rel);
		archive_entry_set_mtime(ae, mtime, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		archive_entry_set_uname(ae, "root");
		archive_entry_set_gname(ae, "root");
		switch (e->fts_info) {
		case FTS_D:
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			break;
		case FTS_F:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae,
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
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_set_symlink(ae, target);
			break;
		default:
			bb_error_set(err, EX_DATAERR, "%s: not a file, "
			    "directory or symbolic link", e->fts_path);
			goto out;
		}
		if (archive_write_header(a, ae) != ARCHIVE_OK) {
			if (!s.failed)
				bb_error_set(err, EX_IOERR, "%s: %s",
				    e->fts_path, archive_error_string(a));
			goto out;
		}
		if (e->fts_info == FTS_F && add_file(a, e, err) == -1)
			goto out;
	}
	if (errno != 0) {
		/* fts_read returns NULL with errno 0 at the end only. */
		bb_error_errno(err, EX_IOERR, "%s", dir);
		goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		if (!s.failed)
			bb_error_set(err, EX_IOERR, "%s: %s", dir,
			    archive_error_string(a));
		goto out;
	}
	rv = 0;
out:
	if (fts != NULL)
		fts_close(fts);
	archive_entry_free(ae);
	archive_write_free(a);
	return rv;
}
