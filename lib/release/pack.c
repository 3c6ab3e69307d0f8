#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "file.h"
#include "pack.h"

#define PACK_OBUF	(256 * 1024)	/* output gathered into one write */
#define PACK_RBUF	(64 * 1024)	/* one read of a member's data */
#define PACK_GZ_CHUNK	(1024 * 1024)	/* tar bytes in one gzip member */
#define PACK_GZ_THREADS	64		/* most gzip members made at once */

struct gz_chunk;

struct pack {
	struct archive		*a;
	struct archive_entry	*e;
	struct pack_opts	 o;
	int			 fd;
	const char		*oname;		/* for messages */
	int			 dry;		/* pack_measure: only sizes */
	struct digest		*d;
	char			*obuf;
	size_t			 olen;
	off_t			 osize;
	int			 oerrno;	/* the write that failed */
	struct gz_chunk		*gz;		/* tar.gz: chunks compressed */
	size_t			 ngz;		/* at once */
	size_t			 gzcur;		/* the chunk being filled */
	int			 gzfailed;
	char			*rbuf;
	off_t			 done;		/* file bytes packed */
	size_t			 members;
	size_t			 nerrors;
	int			 ecode;		/* the first failure's */
	int			 excl;
	dev_t			 excl_dev;
	ino_t			 excl_ino;
	char			 path[PATH_MAX];	/* the member's */
};

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

/*
 * Paths.  An operand is normalised, then sorted by its key: the path, with
 * a slash after a directory, so that the members come out in strcmp order
 * of their names as a tar lists them (directories end with a slash).
 */

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

void
pack_paths_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
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
	pack_paths_free(out, nout);
	return rv;
}

/*
 * The sink: libarchive's blocks gathered into large writes, hashed as they
 * go.
 */

/* Writes len bytes of output, hashing them. */
static int
out_write(struct pack *p, const char *s, size_t len)
{
	ssize_t n;

	if (p->d != NULL && digest_update(p->d, s, len) == -1) {
		archive_set_error(p->a, EINVAL, "sha256 failed");
		return -1;
	}
	p->osize += (off_t)len;
	while (len > 0) {
		if ((n = write(p->fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			p->oerrno = errno;
			archive_set_error(p->a, errno, "%s", strerror(errno));
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * tar.gz on several cores: the tar stream is cut into PACK_GZ_CHUNK
 * pieces, each compressed by libarchive's gzip filter into a gzip member
 * of its own, several at a time, and the members are written in order.
 * RFC 1952 reads members one after the other; gunzip, tar and bsdtar
 * unpack the whole.  The cuts do not depend on the number of threads, so
 * neither do the bytes.
 */
struct gz_chunk {
	char		*in;
	size_t		 inlen;
	struct buf	*out;
	int		 level;
	int		 failed;
	pthread_t	 th;
};

static la_ssize_t
gz_out(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct gz_chunk *c = arg;

	(void)a;
	return buf_add(c->out, buf, n) == -1 ? -1 : (la_ssize_t)n;
}

static void *
gz_compress(void *arg)
{
	struct gz_chunk *c = arg;
	struct archive *a;
	struct archive_entry *e = NULL;
	char v[8];
	int r;

	c->failed = 1;
	buf_reset(c->out);
	if ((a = archive_write_new()) == NULL)
		return NULL;
	(void)snprintf(v, sizeof(v), "%d", c->level);
	r = archive_write_set_format_raw(a);
	if (r == ARCHIVE_OK)
		r = archive_write_add_filter_gzip(a);
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(a, "gzip", "timestamp",
		    NULL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(a, "gzip",
		    "compression-level", v);
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_in_last_block(a, 1);
	if (r == ARCHIVE_OK)
		r = archive_write_open(a, c, NULL, gz_out, NULL);
	if (r == ARCHIVE_OK && (e = archive_entry_new()) != NULL) {
		archive_entry_set_filetype(e, AE_IFREG);
		if (archive_write_header(a, e) == ARCHIVE_OK &&
		    archive_write_data(a, c->in, c->inlen) ==
		    (la_ssize_t)c->inlen && archive_write_close(a) ==
		    ARCHIVE_OK)
			c->failed = 0;
	}
	archive_entry_free(e);
	archive_write_free(a);
	return NULL;
}

/* Compresses the first n chunks, at once, and writes them in order. */
static int
gz_batch(struct pack *p, size_t n)
{
	size_t i, started = 1;
	int rv = 0;

	if (n == 0)
		return 0;
	/* The first in this thread, the others in threads of their own. */
	for (i = 1; i < n; i++, started++)
		if (pthread_create(&p->gz[i].th, NULL, gz_compress,
		    &p->gz[i]) != 0)
			break;
	gz_compress(&p->gz[0]);
	for (i = started; i < n; i++)
		gz_compress(&p->gz[i]);
	for (i = 1; i < started; i++)
		(void)pthread_join(p->gz[i].th, NULL);
	for (i = 0; i < n; i++) {
		if (rv == 0 && p->gz[i].failed) {
			archive_set_error(p->a, ENOMEM, "gzip failed");
			p->gzfailed = 1;
			rv = -1;
		}
		if (rv == 0 && out_write(p, p->gz[i].out->data,
		    p->gz[i].out->len) == -1)
			rv = -1;
		p->gz[i].inlen = 0;
	}
	p->gzcur = 0;
	return rv;
}

static int
gz_init(struct pack *p, int threads, struct bb_error *err)
{
	size_t i;

	p->ngz = (size_t)(threads < 1 ? 1 : threads > PACK_GZ_THREADS ?
	    PACK_GZ_THREADS : threads);
	if ((p->gz = calloc(p->ngz, sizeof(*p->gz))) == NULL)
		goto nomem;
	for (i = 0; i < p->ngz; i++) {
		p->gz[i].level = p->o.level == -1 ? 6 : p->o.level;
		if ((p->gz[i].in = malloc(PACK_GZ_CHUNK)) == NULL ||
		    (p->gz[i].out = buf_new(2 * PACK_GZ_CHUNK)) == NULL)
			goto nomem;
	}
	return 0;
nomem:
	bb_error_errno(err, EX_OSERR, "archive");
	return -1;
}

static void
gz_free(struct pack *p)
{
	size_t i;

	for (i = 0; p->gz != NULL && i < p->ngz; i++) {
		free(p->gz[i].in);
		buf_free(p->gz[i].out);
	}
	free(p->gz);
}

static int
sink_flush(struct pack *p)
{
	int rv;

	rv = out_write(p, p->obuf, p->olen);
	p->olen = 0;
	return rv;
}

/* The sink's buffer is full: written, or, for tar.gz, one more chunk. */
static int
sink_full(struct pack *p)
{
	if (p->gz == NULL)
		return sink_flush(p);
	if (++p->gzcur < p->ngz)
		return 0;
	return gz_batch(p, p->ngz);
}

static la_ssize_t
sink_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct pack *p = arg;
	size_t room, cap, *len, done = 0;
	char *dst;

	(void)a;
	while (done < n) {
		if (p->gz != NULL) {
			dst = p->gz[p->gzcur].in;
			len = &p->gz[p->gzcur].inlen;
			cap = PACK_GZ_CHUNK;
		} else {
			dst = p->obuf;
			len = &p->olen;
			cap = PACK_OBUF;
		}
		room = cap - *len;
		if (room > n - done)
			room = n - done;
		memcpy(dst + *len, (const char *)buf + done, room);
		*len += room;
		done += room;
		if (*len == cap && sink_full(p) == -1)
			return -1;
	}
	return (la_ssize_t)n;
}

static int
sink_close(struct archive *a, void *arg)
{
	struct pack *p = arg;

	(void)a;
	if (p->gz == NULL)
		return sink_flush(p) == -1 ? ARCHIVE_FATAL : ARCHIVE_OK;
	if (p->gz[p->gzcur].inlen > 0)
		p->gzcur++;
	return gz_batch(p, p->gzcur) == -1 ? ARCHIVE_FATAL : ARCHIVE_OK;
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
		if (gz_init(p, nthreads(&p->o), err) == -1)
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
static void
write_error(struct pack *p, struct bb_error *err)
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
	if (archive_write_open(p->a, p, NULL, sink_write, sink_close) !=
	    ARCHIVE_OK) {
		write_error(p, err);
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
	gz_free(p);
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
		write_error(p, err);
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
			write_error(p, err);
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

int
pack_close(struct pack *p, char *hex, off_t *size, size_t *members,
    struct bb_error *err)
{
	/* libarchive ignores what the close callback returns. */
	if (archive_write_close(p->a) != ARCHIVE_OK || p->oerrno != 0 ||
	    p->gzfailed) {
		write_error(p, err);
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
	pack_paths_free(v, n);
	return rv;
}
