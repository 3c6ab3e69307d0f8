#include <sys/stat.h>
#include <sys/tree.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include <archive.h>
#include <archive_entry.h>

#include "file.h"
#include "unpack.h"

#define VIS_MSG		(VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL)
#define SAFE_MAX	(4 * 256 + 1)	/* a name made safe, cut at 256 */
#define READ_BLOCK	(64 * 1024)

/*
 * libarchive flags: refuse "..", absolute paths and writing through a
 * symbolic link (ones already on disk included); restore modification
 * times (make relies on them); never owners, ACLs, xattrs or flags.
 * Without ARCHIVE_EXTRACT_PERM the umask applies and setuid, setgid and
 * sticky bits are dropped.
 */
#define EXTRACT_FLAGS	(ARCHIVE_EXTRACT_SECURE_SYMLINKS |		\
			 ARCHIVE_EXTRACT_SECURE_NODOTDOT |		\
			 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |	\
			 ARCHIVE_EXTRACT_TIME)

/*
 * The decompression filters we read.  Each must be built into
 * libarchive: when one would run an external program instead, its
 * support function returns ARCHIVE_WARN and we refuse to go on.  lrzip,
 * lzop, grzip and the like (which always run a program) are never named.
 */
static const struct {
	const char	*name;
	int		(*add)(struct archive *);
} filters[] = {
	{ "gzip",	archive_read_support_filter_gzip },
	{ "bzip2",	archive_read_support_filter_bzip2 },
	{ "xz",		archive_read_support_filter_xz },
	{ "zstd",	archive_read_support_filter_zstd },
	{ "lz4",	archive_read_support_filter_lz4 },
};

/*
 * The directories an extraction has made so far, each known by its
 * parent and its name: what -n counts is what the extraction creates,
 * and a member "a/b/c/f" creates a, a/b and a/b/c too unless they exist.
 */
struct dnode {
	RB_ENTRY(dnode)	 entry;
	size_t		 parent;	/* 0: the top of the tree */
	size_t		 id;
	char		*name;
};

static int
dnode_cmp(const struct dnode *a, const struct dnode *b)
{
	if (a->parent != b->parent)
		return a->parent < b->parent ? -1 : 1;
	return strcmp(a->name, b->name);
}

RB_HEAD(dtree, dnode);
RB_GENERATE_STATIC(dtree, dnode, entry, dnode_cmp)

struct dirset {
	struct dtree	 t;
	size_t		 n;
};

static void
dirset_free(struct dirset *ds)
{
	struct dnode *d, *next;

	RB_FOREACH_SAFE(d, dtree, &ds->t, next) {
		RB_REMOVE(dtree, &ds->t, d);
		free(d->name);
		free(d);
	}
	ds->n = 0;
}

/*
 * The number of file system objects that extracting path makes: each
 * directory of its path not made before, and the member itself unless it
 * is a directory that exists.  Returns it, or -1 on ENOMEM.
 */
static long long
objects(struct dirset *ds, const char *path, int isdir)
{
	struct dnode key, *d;
	char comp[PATH_MAX];
	const char *s = path, *e;
	size_t parent = 0, len;
	long long n = 0;
	int last;

	for (;;) {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = strchrnul(s, '/');
		len = (size_t)(e - s);
		last = e[strspn(e, "/")] == '\0';
		if (len == 1 && s[0] == '.') {
			s = e;
			continue;
		}
		if (last && !isdir)
			return n + 1;
		if (len >= sizeof(comp))
			len = sizeof(comp) - 1;
		memcpy(comp, s, len);
		comp[len] = '\0';
		key.parent = parent;
		key.name = comp;
		if ((d = RB_FIND(dtree, &ds->t, &key)) == NULL) {
			if ((d = calloc(1, sizeof(*d))) == NULL ||
			    (d->name = strdup(comp)) == NULL) {
				free(d);
				return -1;
			}
			d->parent = parent;
			d->id = ++ds->n;
			RB_INSERT(dtree, &ds->t, d);
			n++;
		}
		parent = d->id;
		s = e;
	}
	return n;
}

void
unpack_init(struct unpack *u)
{
	memset(u, 0, sizeof(*u));
	u->max_bytes = UNPACK_MAX_BYTES;
	u->max_entries = UNPACK_MAX_ENTRIES;
}

/* Makes an untrusted name fit for a message. */
static const char *
safe(char *dst, const char *s)
{
	char cut[257];

	(void)strlcpy(cut, s != NULL ? s : "", sizeof(cut));
	(void)strnvis(dst, cut, SAFE_MAX, VIS_MSG);
	return dst;
}

/* Returns 1 if path has a ".." component. */
static int
has_dotdot(const char *p)
{
	const char *s;

	for (s = p; (s = strstr(s, "..")) != NULL; s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return 1;
	return 0;
}

/* Returns 1 if a link target t is absolute, empty or has "..". */
static int
escapes(const char *t)
{
	return t == NULL || t[0] == '\0' || t[0] == '/' || has_dotdot(t);
}

/* Sets err to "NAME: MEMBER: why" (member may be NULL), names made safe. */
static void
member_error(struct bb_error *err, int code, const char *name,
    const char *member, const char *why)
{
	char sn[SAFE_MAX], sm[SAFE_MAX];

	if (member != NULL)
		bb_error_set(err, code, "%s: %s: %s", safe(sn, name),
		    safe(sm, member), why);
	else
		bb_error_set(err, code, "%s: %s", safe(sn, name), why);
}

/* The message of a libarchive failure; member may be NULL. */
static void
archive_fail(struct archive *a, const char *name, const char *member,
    struct bb_error *err)
{
	char sa[SAFE_MAX];
	const char *msg;
	int e = archive_errno(a), code = EX_DATAERR;

	switch (e) {
	case ENOSPC:
	case EDQUOT:
	case EIO:
	case EROFS:
	case EMFILE:
	case ENFILE:
		code = EX_IOERR;
		break;
	case ENOMEM:
		code = EX_OSERR;
		break;
	}
	msg = archive_error_string(a) != NULL ? archive_error_string(a) :
	    "unknown error";
	if (strcmp(msg, "Unrecognized archive format") == 0)
		msg = "not a tar or zip archive, uncompressed or compressed "
		    "with gzip, bzip2, xz, zstd or lz4";
	member_error(err, code, name, member, safe(sa, msg));
}

static void
warn(struct unpack *u, struct archive *a, const char *name,
    const char *member)
{
	struct bb_error w;

	if (u->warn == NULL)
		return;
	archive_fail(a, name, member, &w);
	u->warn(u->arg, w.msg);
}

/*
 * A write to disk that failed: the disk's fault (no space left, a quota,
 * an I/O error) is said as such, with where it happened.
 */
static void
write_fail(struct unpack *u, struct archive *w, const char *name,
    const char *member, struct bb_error *err)
{
	char cause[PATH_MAX + 64];
	int e = archive_errno(w);

	if (!file_disk_error(e)) {
		archive_fail(w, name, member, err);
		return;
	}
	file_disk_cause(e, u->dir != NULL ? u->dir : ".", cause,
	    sizeof(cause));
	member_error(err, EX_IOERR, name, member, cause);
}

/* A warning of a write: one from the disk is a failure (-1). */
static int
write_warn(struct unpack *u, struct archive *w, const char *name,
    const char *member, struct bb_error *err)
{
	if (file_disk_error(archive_errno(w))) {
		write_fail(u, w, name, member, err);
		return -1;
	}
	warn(u, w, name, member);
	return 0;
}

/*
 * Takes r, what a call on w returned: 0 for ARCHIVE_OK, a warning as
 * write_warn takes it, else -1 with err set.
 */
static int
write_result(struct unpack *u, struct archive *w, int r, const char *name,
    const char *member, struct bb_error *err)
{
	if (r == ARCHIVE_WARN)
		return write_warn(u, w, name, member, err);
	if (r != ARCHIVE_OK) {
		write_fail(u, w, name, member, err);
		return -1;
	}
	return 0;
}

/*
 * Checks one member before anything of it is written, and masks its
 * mode.  dirlen: length of the extraction directory's path.
 */
static int
check_entry(struct unpack *u, struct dirset *ds, struct archive_entry *e,
    const char *name, size_t dirlen, struct bb_error *err)
{
	const char *path = archive_entry_pathname(e), *link, *why = NULL;
	char sn[SAFE_MAX], sp[SAFE_MAX], sl[SAFE_MAX];
	mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e);
	long long size, n;

	if (path == NULL || path[0] == '\0') {
		bb_error_set(err, EX_DATAERR, "%s: member %lld: no name, or "
		    "one that cannot be decoded", safe(sn, name),
		    u->members + 1);
		return -1;
	}
	(void)safe(sp, path);
	u->members++;
	if (path[0] != '/' && !has_dotdot(path)) {
		n = objects(ds, path, type == AE_IFDIR &&
		    archive_entry_hardlink(e) == NULL);
		if (n == -1) {
			bb_error_set(err, EX_OSERR, "%s: out of memory",
			    safe(sn, name));
			return -1;
		}
		u->entries += n;
	}
	if (u->entries > u->max_entries) {
		bb_error_set(err, EX_DATAERR, "%s: %s: refused: more than "
		    "%lld files, directories and links", safe(sn, name), sp,
		    u->max_entries);
		return -1;
	}
	if (path[0] == '/')
		why = "absolute path";
	else if (has_dotdot(path))
		why = "\"..\" in the path";
	else if (dirlen + 1 + strlen(path) >= PATH_MAX)
		why = "path too long";
	else if ((link = archive_entry_hardlink(e)) != NULL) {
		if (escapes(link) || dirlen + 1 + strlen(link) >= PATH_MAX) {
			bb_error_set(err, EX_DATAERR, "%s: %s: refused: hard "
			    "link to %s, outside the tree", safe(sn, name), sp,
			    safe(sl, link));
			return -1;
		}
	} else switch (type) {
	case AE_IFREG:
	case AE_IFDIR:
		break;
	case AE_IFLNK:
		if (escapes(link = archive_entry_symlink(e))) {
			bb_error_set(err, EX_DATAERR, "%s: %s: refused: "
			    "symbolic link to %s, absolute or with \"..\"",
			    safe(sn, name), sp, safe(sl, link));
			return -1;
		}
		break;
	case AE_IFCHR:
		why = "character device";
		break;
	case AE_IFBLK:
		why = "block device";
		break;
	case AE_IFIFO:
		why = "fifo";
		break;
	case AE_IFSOCK:
		why = "socket";
		break;
	default:
		why = "not a file, directory or link";
		break;
	}
	if (why != NULL) {
		bb_error_set(err, EX_DATAERR, "%s: %s: refused: %s",
		    safe(sn, name), sp, why);
		return -1;
	}
	if (type == AE_IFREG && (perm & (S_ISUID | S_ISGID)) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: %s: refused: setuid or "
		    "setgid (mode %04o)", safe(sn, name), sp,
		    (unsigned)(perm & 07777));
		return -1;
	}
	archive_entry_set_perm(e, type == AE_IFDIR ? (perm & 0755) | 0700 :
	    perm & 0755);
	size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	if (size > u->max_bytes - u->bytes) {
		bb_error_set(err, EX_DATAERR, "%s: %s: refused: %lld bytes, "
		    "over the limit of %lld bytes in all", safe(sn, name), sp,
		    size, u->max_bytes);
		return -1;
	}
	return 0;
}

/*
 * Copies the data of the current member to w, or with w NULL reads it
 * only to count it.
 */
static int
copy_data(struct unpack *u, struct archive *a, struct archive *w,
    const char *name, const char *member, struct bb_error *err)
{
	char sn[SAFE_MAX], sm[SAFE_MAX];
	const void *p;
	size_t len;
	la_int64_t off;
	int r;

	for (;;) {
		if (u->stop != NULL && *u->stop) {
			bb_error_set(err, EX_TEMPFAIL, "%s: interrupted",
			    safe(sn, name));
			return -1;
		}
		r = archive_read_data_block(a, &p, &len, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r == ARCHIVE_WARN) {
			if (w != NULL)
				warn(u, a, name, member);
		} else if (r != ARCHIVE_OK) {
			archive_fail(a, name, member, err);
			return -1;
		}
		if ((long long)len > u->max_bytes - u->bytes) {
			bb_error_set(err, EX_DATAERR, "%s: %s: refused: over "
			    "the limit of %lld bytes in all", safe(sn, name),
			    safe(sm, member), u->max_bytes);
			return -1;
		}
		u->bytes += (long long)len;
		if (w == NULL)
			continue;
		/* A warning here is data not written ("Write failed"). */
		if (archive_write_data_block(w, p, len, off) != ARCHIVE_OK) {
			write_fail(u, w, name, member, err);
			return -1;
		}
	}
}

/* Returns 1 if the directory open on fd has no entries, 0, or -1. */
static int
dir_empty(int fd)
{
	struct dirent *de;
	DIR *d;
	int n = 0, dfd;

	if ((dfd = dup(fd)) == -1)
		return -1;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n == 0;
}

/* A reader of the formats and filters we name, and nothing else. */
static struct archive *
reader_new(struct bb_error *err)
{
	struct archive *a;
	size_t i;

	if ((a = archive_read_new()) == NULL) {
		bb_error_set(err, EX_OSERR, "libarchive: out of memory");
		return NULL;
	}
	for (i = 0; i < nitems(filters); i++)
		if (filters[i].add(a) != ARCHIVE_OK) {
			bb_error_set(err, EX_SOFTWARE, "this libarchive has no "
			    "built-in %s: it would run a program, refused",
			    filters[i].name);
			archive_read_free(a);
			return NULL;
		}
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_zip(a) != ARCHIVE_OK) {
		bb_error_set(err, EX_SOFTWARE, "libarchive: no tar or zip");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/*
 * One pass over the archive on fd: extracts into the working directory
 * with w, or with w NULL only checks every member and the limits.
 */
static int
pass(struct unpack *u, int fd, const char *name, size_t dirlen,
    struct archive *w, struct bb_error *err)
{
	struct archive *a;
	struct archive_entry *e;
	struct dirset ds;
	char sn[SAFE_MAX], member[PATH_MAX], after[PATH_MAX + 8];
	int r, rv = -1;

	u->bytes = u->entries = u->members = 0;
	RB_INIT(&ds.t);
	ds.n = 0;
	member[0] = '\0';
	if ((a = reader_new(err)) == NULL)
		return -1;
	if (archive_read_open_fd(a, fd, READ_BLOCK) != ARCHIVE_OK) {
		archive_fail(a, name, NULL, err);
		goto out;
	}
	for (;;) {
		if (u->stop != NULL && *u->stop) {
			bb_error_set(err, EX_TEMPFAIL, "%s: interrupted",
			    safe(sn, name));
			goto out;
		}
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN) {
			if (w != NULL)
				warn(u, a, name, NULL);
		} else if (r != ARCHIVE_OK) {
			(void)snprintf(after, sizeof(after), "after %s",
			    member);
			archive_fail(a, name, member[0] ? after : NULL, err);
			goto out;
		}
		if (check_entry(u, &ds, e, name, dirlen, err) == -1)
			goto out;
		(void)strlcpy(member, archive_entry_pathname(e),
		    sizeof(member));
		if (w == NULL && archive_entry_size_is_set(e)) {
			/* check_entry saw that it fits. */
			u->bytes += archive_entry_size(e);
			if (archive_read_data_skip(a) != ARCHIVE_OK) {
				archive_fail(a, name, member, err);
				goto out;
			}
			continue;
		}
		if (w != NULL && write_result(u, w, archive_write_header(w, e), name,
		    member, err) == -1)
			goto out;
		if (copy_data(u, a, w, name, member, err) == -1)
			goto out;
		if (w != NULL && write_result(u, w, archive_write_finish_entry(w), name,
		    member, err) == -1)
			goto out;
	}
	if (w != NULL && write_result(u, w, archive_write_close(w), name,
	    NULL, err) == -1)
		goto out;
	rv = 0;
out:
	dirset_free(&ds);
	archive_read_free(a);
	return rv;
}

int
unpack_fd(struct unpack *u, int fd, const char *name, const char *dir,
    struct bb_error *err)
{
	struct archive *w = NULL;
	struct stat st;
	off_t start = -1;
	int cwd = -1, dfd = -1, inside = 0, rv = -1, r;
	size_t dirlen = strlen(dir);

	u->bytes = u->entries = u->members = 0;
	u->dir = dir;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", dir);
		goto out;
	}
	if ((r = dir_empty(dfd)) != 1) {
		if (r == -1)
			bb_error_errno(err, EX_CANTCREAT, "%s", dir);
		else
			bb_error_set(err, EX_CANTCREAT, "%s: not empty", dir);
		goto out;
	}
	/*
	 * A file is read twice: first every member is checked and nothing
	 * is written, so that most refused archives leave no trace.
	 */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (start = lseek(fd, 0, SEEK_CUR)) != -1) {
		if (pass(u, fd, name, dirlen, NULL, err) == -1)
			goto out;
		if (lseek(fd, start, SEEK_SET) == -1) {
			bb_error_errno(err, EX_IOERR, "%s", name);
			goto out;
		}
	}
	if ((w = archive_write_disk_new()) == NULL ||
	    archive_write_disk_set_options(w, EXTRACT_FLAGS) != ARCHIVE_OK) {
		bb_error_set(err, EX_OSERR, "libarchive: out of memory");
		goto out;
	}
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fchdir(dfd) == -1) {
		bb_error_errno(err, EX_OSERR, "chdir %s", dir);
		goto out;
	}
	inside = 1;
	rv = pass(u, fd, name, dirlen, w, err);
out:
	if (inside && fchdir(cwd) == -1 && rv == 0) {
		bb_error_errno(err, EX_OSERR, "chdir back");
		rv = -1;
	}
	archive_write_free(w);
	if (rv == -1 && inside)
		(void)file_rmtree(dir, 1, NULL);
	if (cwd != -1)
		close(cwd);
	if (dfd != -1)
		close(dfd);
	return rv;
}

int
unpack_job_parse(const struct record *r, struct unpack_job *job,
    struct bb_error *err)
{
	const char *id, *sha;
	size_t i, n;

	memset(job, 0, sizeof(*job));
	id = record_get(r, "id");
	n = id != NULL ? strlen(id) : 0;
	if (n == 0 || n > UNPACK_IDMAX || id[0] == '.' ||
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != n) {
		bb_error_set(err, EX_DATAERR, "job: id missing, or not 1 to %d "
		    "letters, digits, \".\", \"_\", \"-\"", UNPACK_IDMAX);
		return -1;
	}
	memcpy(job->id, id, n + 1);
	if (record_get_num(r, "attempt", 0, 1000000000, &job->attempt,
	    err) == -1 ||
	    record_get_num(r, "size", 1, LLONG_MAX, &job->size, err) == -1) {
		bb_error_prefix(err, "job %s", job->id);
		return -1;
	}
	if ((job->source = record_get(r, "source")) == NULL ||
	    job->source[0] == '\0') {
		bb_error_set(err, EX_DATAERR, "job %s: no source", job->id);
		return -1;
	}
	sha = record_get(r, "sha256");
	if (sha == NULL || strlen(sha) != DIGEST_HEXLEN) {
		bb_error_set(err, EX_DATAERR, "job %s: sha256 missing or not "
		    "%d hex digits", job->id, DIGEST_HEXLEN);
		return -1;
	}
	for (i = 0; i <= DIGEST_HEXLEN; i++)
		job->sha256[i] = (char)tolower((unsigned char)sha[i]);
	if (!digest_valid_hex(job->sha256)) {
		bb_error_set(err, EX_DATAERR, "job %s: sha256 missing or not "
		    "%d hex digits", job->id, DIGEST_HEXLEN);
		return -1;
	}
	job->lease = record_get(r, "lease");
	return 0;
}

/* Downloads the source into fd and checks it. */
static int
fetch(struct unpack *u, struct http_client *c, struct http_retry *rt,
    const struct unpack_job *job, int fd, struct bb_error *err)
{
	struct http_req req;
	struct http_resp resp;
	char got[DIGEST_HEXLEN + 1];
	int rv = -1;

	http_req_init(&req);
	http_resp_init(&resp);
	if (job->size > u->max_bytes) {
		bb_error_set(err, EX_DATAERR, "source: size=%lld, over the "
		    "limit of %lld bytes", job->size, u->max_bytes);
		goto out;
	}
	if (http_client_set_lease(c, job->lease, err) == -1)
		goto out;
	req.url = job->source;
	req.out_fd = fd;
	req.out_max = job->size;
	if (http_do_retry(c, &req, &resp, rt, err) == -1) {
		if (resp.over)
			bb_error_set(err, EX_DATAERR, "source: more than the "
			    "size=%lld bytes the job gives", job->size);
		else
			bb_error_prefix(err, "source");
		/* The job is no longer this worker's: stop, as bb-report does. */
		if (err != NULL && (resp.status == 409 || resp.status == 410))
			err->code = EX_UNAVAILABLE;
		goto out;
	}
	if (resp.written != job->size) {
		bb_error_set(err, EX_DATAERR, "source: %lld bytes, not the "
		    "size=%lld the job gives", (long long)resp.written,
		    job->size);
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		bb_error_errno(err, EX_IOERR, "source");
		goto out;
	}
	if (digest_fd(fd, "source", got, NULL, err) == -1)
		goto out;
	if (strcmp(got, job->sha256) != 0) {
		bb_error_set(err, EX_DATAERR, "source: sha256 %s, not the "
		    "sha256=%s the job gives", got, job->sha256);
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		bb_error_errno(err, EX_IOERR, "source");
		goto out;
	}
	rv = 0;
out:
	http_resp_free(&resp);
	return rv;
}

int
unpack_job(struct unpack *u, struct http_client *c, struct http_retry *rt,
    const struct unpack_job *job, const char *workroot, char *path,
    size_t size, struct bb_error *err)
{
	char tmp[PATH_MAX];
	int fd = -1, made = 0, rv = -1, n;

	n = snprintf(path, size, "%s/%s-%lld", workroot, job->id,
	    job->attempt);
	if (n < 0 || (size_t)n >= size || snprintf(tmp, sizeof(tmp),
	    "%s/.%s-%lld.source.XXXXXX", workroot, job->id, job->attempt) >=
	    (int)sizeof(tmp)) {
		bb_error_set(err, EX_CANTCREAT, "%s: path too long", workroot);
		goto out;
	}
	if (mkdir(path, 0755) == -1) {
		if (errno == EEXIST)
			bb_error_set(err, EX_CANTCREAT, "%s: exists; a work "
			    "directory is never reused", path);
		else
			bb_error_errno(err, EX_CANTCREAT, "mkdir %s", path);
		goto out;
	}
	made = 1;
	/* The download has no name: nothing to clean up after a crash. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1 || unlink(tmp) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", tmp);
		goto out;
	}
	if (fetch(u, c, rt, job, fd, err) == -1)
		goto out;
	if (unpack_fd(u, fd, "source", path, err) == -1)
		goto out;
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	if (rv == -1 && made)
		(void)file_rmtree(path, 0, NULL);
	return rv;
}
