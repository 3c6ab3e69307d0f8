/*
 * The archive (lib/release/pack.h): its formats and their compression
 * levels, the options libarchive is given for each, open, close and
 * free; the output file that appears whole or not at all, its checksum
 * file, and pack_run, which does all for bb-pack(1).  The tree is walked
 * in pack_tree.c, the bytes are written in pack_sink.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static const struct {
	const char	*name;
	const char	*ext;
	enum pack_format f;
} formats[] = {
	{ "tar.gz",	".tar.gz",	PACK_TGZ },
	{ "tgz",	".tgz",		PACK_TGZ },
	{ "tar.xz",	".tar.xz",	PACK_TXZ },
	{ "txz",	".txz",		PACK_TXZ },
	{ "tar.zst",	".tar.zst",	PACK_TZST },
	{ "tzst",	".tzst",	PACK_TZST },
	{ "tar",	".tar",		PACK_TAR },
	{ "zip",	".zip",		PACK_ZIP },
};

int
pack_format_parse(const char *s, enum pack_format *f, struct bb_error *err)
{
	size_t i;

	for (i = 0; i < nitems(formats); i++)
		if (strcmp(s, formats[i].name) == 0) {
			*f = formats[i].f;
			return 0;
		}
	bb_error_set(err, EX_USAGE, "%s: unknown format: expected tar.gz, "
	    "tar.xz, tar.zst, tar or zip", s);
	return -1;
}

int
pack_format_from_name(const char *s, enum pack_format *f)
{
	size_t i, n = strlen(s), m;

	for (i = 0; i < nitems(formats); i++) {
		m = strlen(formats[i].ext);
		if (n > m && strcmp(s + n - m, formats[i].ext) == 0) {
			*f = formats[i].f;
			return 0;
		}
	}
	return -1;
}

/* The first entry of formats[] for f: its canonical name and suffix. */
static size_t
format_index(enum pack_format f)
{
	size_t i;

	for (i = 0; i < nitems(formats) - 1; i++)
		if (formats[i].f == f)
			break;
	return i;
}

const char *
pack_format_name(enum pack_format f)
{
	return formats[format_index(f)].name;
}

const char *
pack_format_ext(enum pack_format f)
{
	return formats[format_index(f)].ext;
}

int
pack_level_check(enum pack_format f, int level, struct bb_error *err)
{
	int lo = 0, hi = 9;

	if (f == PACK_TAR) {
		bb_error_set(err, EX_USAGE, "tar is not compressed: no level");
		return -1;
	}
	if (f == PACK_TZST) {
		lo = 1;
		hi = 19;
	}
	if (level < lo || level > hi) {
		bb_error_set(err, EX_USAGE, "%s: level %d out of range %d-%d",
		    pack_format_name(f), level, lo, hi);
		return -1;
	}
	return 0;
}

/* The number of threads the options ask for. */
static int
nthreads(const struct pack_opts *o)
{
	int n = o->threads;

	/* Each zstd worker holds tens of MiB: a default of a few. */
	if (n <= 0 && (n = (int)sysconf(_SC_NPROCESSORS_ONLN)) >
	    PACK_THREADS_DEFAULT)
		n = PACK_THREADS_DEFAULT;
	return n < 1 ? 1 : n;
}

static int
setup(struct pack *p, struct bb_error *err)
{
	struct archive *a = p->a;
	const char *filter = NULL;
	char v[32];
	int r = ARCHIVE_OK, level = p->o.level;

	if (level != -1 && pack_level_check(p->o.format, level, err) == -1)
		return -1;
	if (p->o.format == PACK_ZIP) {
		r = archive_write_set_format_zip(a);
		if (r == ARCHIVE_OK)
			r = archive_write_set_format_option(a, "zip",
			    "compression", level == 0 ? "store" : "deflate");
		if (r == ARCHIVE_OK && level > 0) {
			(void)snprintf(v, sizeof(v), "%d", level);
			r = archive_write_set_format_option(a, "zip",
			    "compression-level", v);
		}
		goto done;
	}
	if ((r = archive_write_set_format_pax_restricted(a)) != ARCHIVE_OK)
		goto done;
	switch (p->o.format) {
	case PACK_TGZ:
		/* gzip members made by gz_compress. */
		if (pack_gz_init(p, nthreads(&p->o), err) == -1)
			return -1;
		break;
	case PACK_TXZ:
		filter = "xz";
		r = archive_write_add_filter_xz(a);
		break;
	case PACK_TZST:
		filter = "zstd";
		if ((r = archive_write_add_filter_zstd(a)) != ARCHIVE_OK)
			break;
		/*
		 * With one worker or more zstd gives the same bytes for any
		 * number of them: the output does not depend on the machine.
		 */
		(void)snprintf(v, sizeof(v), "%d", nthreads(&p->o));
		r = archive_write_set_filter_option(a, "zstd", "threads", v);
		break;
	default:
		break;
	}
	if (r == ARCHIVE_OK && filter != NULL && level != -1) {
		(void)snprintf(v, sizeof(v), "%d", level);
		r = archive_write_set_filter_option(a, filter,
		    "compression-level", v);
	}
done:
	if (r != ARCHIVE_OK) {
		bb_error_set(err, EX_SOFTWARE, "libarchive: %s",
		    archive_error_string(a));
		return -1;
	}
	if (p->o.format != PACK_TAR)
		/* No padding after a compressed stream or a zip. */
		(void)archive_write_set_bytes_in_last_block(a, 1);
	return 0;
}

/* The archive cannot go on: the output failed, or libarchive did. */
void
pack_write_error(struct pack *p, struct bb_error *err)
{
	if (p->oerrno != 0)
		bb_error_set(err, EX_IOERR, "write %s: %s", p->oname,
		    strerror(p->oerrno));
	else
		bb_error_set(err, EX_SOFTWARE, "write %s: %s", p->oname,
		    archive_error_string(p->a));
}

struct pack *
pack_open(int fd, const struct pack_opts *o, struct bb_error *err)
{
	struct pack *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		bb_error_errno(err, EX_OSERR, "archive");
		return NULL;
	}
	p->o = *o;
	p->fd = fd;
	p->oname = o->outname != NULL ? o->outname : "archive";
	if ((p->obuf = malloc(PACK_OBUF)) == NULL ||
	    (p->rbuf = malloc(PACK_RBUF)) == NULL ||
	    (o->digest && (p->d = digest_new()) == NULL) ||
	    (p->e = archive_entry_new()) == NULL) {
		bb_error_errno(err, EX_OSERR, "archive");
		goto fail;
	}
	if ((p->a = archive_write_new()) == NULL) {
		bb_error_set(err, EX_SOFTWARE, "libarchive: out of memory");
		goto fail;
	}
	/* Every option is set before the archive is opened. */
	if (setup(p, err) == -1)
		goto fail;
	if (archive_write_open(p->a, p, NULL, pack_sink_write,
	    pack_sink_close) != ARCHIVE_OK) {
		pack_write_error(p, err);
		goto fail;
	}
	return p;
fail:
	pack_free(p);
	return NULL;
}

void
pack_free(struct pack *p)
{
	if (p == NULL)
		return;
	if (p->a != NULL)
		archive_write_free(p->a);
	archive_entry_free(p->e);
	pack_gz_free(p);
	digest_free(p->d);
	free(p->obuf);
	free(p->rbuf);
	free(p);
}

void
pack_exclude(struct pack *p, dev_t dev, ino_t ino)
{
	p->excl = 1;
	p->excl_dev = dev;
	p->excl_ino = ino;
}

int
pack_close(struct pack *p, char *hex, off_t *size, size_t *members,
    struct bb_error *err)
{
	/* libarchive ignores what the close callback returns. */
	if (archive_write_close(p->a) != ARCHIVE_OK || p->oerrno != 0 ||
	    p->gzfailed) {
		pack_write_error(p, err);
		return -1;
	}
	if (p->nerrors > 0) {
		bb_error_set(err, p->ecode, "%s: %zu member%s failed",
		    p->oname, p->nerrors, p->nerrors == 1 ? "" : "s");
		return -1;
	}
	if (hex != NULL && p->d != NULL && digest_final_hex(p->d, hex) == -1) {
		bb_error_set(err, EX_SOFTWARE, "sha256 failed");
		return -1;
	}
	if (size != NULL)
		*size = p->osize;
	if (members != NULL)
		*members = p->members;
	return 0;
}

int
pack_file_create(struct pack_file *f, const char *path, struct bb_error *err)
{
	f->fd = -1;
	if (strlcpy(f->path, path, sizeof(f->path)) >= sizeof(f->path) ||
	    snprintf(f->tmp, sizeof(f->tmp), "%s.tmp", path) >=
	    (int)sizeof(f->tmp)) {
		bb_error_set(err, EX_CANTCREAT, "%s: name too long", path);
		return -1;
	}
	(void)unlink(f->tmp);
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0666);
	if (f->fd == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", f->tmp);
		return -1;
	}
	return 0;
}

int
pack_file_commit(struct pack_file *f, struct bb_error *err)
{
	char dir[sizeof(f->path)], *slash;

	if (fsync(f->fd) == -1 || close(f->fd) == -1) {
		bb_error_errno(err, EX_IOERR, "write %s", f->tmp);
		f->fd = -1;
		pack_file_abort(f);
		return -1;
	}
	f->fd = -1;
	if (rename(f->tmp, f->path) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "rename %s", f->tmp);
		pack_file_abort(f);
		return -1;
	}
	(void)strlcpy(dir, f->path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return file_sync_dir(AT_FDCWD, dir, err);
}

void
pack_file_abort(struct pack_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	(void)unlink(f->tmp);
}

int
pack_write_sha256(const char *path, const char *hex, struct bb_error *err)
{
	char name[PATH_MAX], *line = NULL;
	const char *base;
	int n, rv;

	base = (base = strrchr(path, '/')) != NULL ? base + 1 : path;
	if (snprintf(name, sizeof(name), "%s.sha256", path) >=
	    (int)sizeof(name)) {
		bb_error_set(err, EX_CANTCREAT, "%s.sha256: name too long",
		    path);
		return -1;
	}
	if ((n = asprintf(&line, "%s  %s\n", hex, base)) == -1) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	rv = file_write_atomic(AT_FDCWD, name, line, (size_t)n, 0666, err);
	free(line);
	return rv;
}

int
pack_run(const char *out, int outfd, int rootfd, char *const *paths,
    size_t npaths, const struct pack_opts *o, struct pack_result *res,
    struct bb_error *err)
{
	struct pack_file f = { .fd = -1 };
	struct pack_opts oo = *o;
	struct pack *p = NULL;
	struct stat st;
	char **v = NULL;
	size_t i, n = 0;
	int rv = -1;

	memset(res, 0, sizeof(*res));
	oo.outname = out != NULL ? out : "standard output";
	if (pack_paths(rootfd, paths, npaths, &v, &n, err) == -1)
		goto out;
	if (out != NULL) {
		if (pack_file_create(&f, out, err) == -1)
			goto out;
		outfd = f.fd;
	}
	if ((p = pack_open(outfd, &oo, err)) == NULL)
		goto out;
	if (fstat(outfd, &st) == 0 && S_ISREG(st.st_mode))
		pack_exclude(p, st.st_dev, st.st_ino);
	for (i = 0; i < n; i++)
		if (pack_add(p, rootfd, v[i], err) == -1)
			goto out;
	if (pack_close(p, res->sha256, &res->size, &res->members, err) == -1)
		goto out;
	if (out != NULL) {
		if (pack_file_commit(&f, err) == -1)
			goto out;
		if (o->sumfile && pack_write_sha256(out, res->sha256,
		    err) == -1) {
			(void)unlink(out);
			goto out;
		}
	}
	rv = 0;
out:
	if (rv == -1 && out != NULL)
		pack_file_abort(&f);
	pack_free(p);
	strv_free(v, n);
	return rv;
}
