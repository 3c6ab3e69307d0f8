#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "record.h"
#include "spool.h"

#define SPOOL_BLOCK	65536
#define SPOOL_AHEAD	(4 * 1024 * 1024)	/* writeback started so often */

int
spool_valid_name(const char *s)
{
	size_t i, dots = 0;

	if (s[0] < '0' || s[0] > '9' || strlen(s) >= SPOOL_NAMEMAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.') {
			if (++dots > 1 || s[i + 1] < '0' || s[i + 1] > '9')
				return 0;
		} else if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return dots == 1;
}

static struct spool *
spool_new(const char *name)
{
	struct spool *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->dirfd = sp->fd = sp->diskfd = sp->ackfd = -1;
	(void)strlcpy(sp->name, name, sizeof(sp->name));
	return sp;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->fd != -1)
		close(sp->fd);
	if (sp->diskfd != -1)
		close(sp->diskfd);
	if (sp->ackfd != -1)
		close(sp->ackfd);
	if (sp->dirfd != -1)
		close(sp->dirfd);
	free(sp);
}

/* An anonymous file for records, open for appending; -1 with errno. */
static int
memory_file(void)
{
	int fd;

	if ((fd = memfd_create("bb-report spool", MFD_CLOEXEC)) == -1)
		return -1;
	if (fcntl(fd, F_SETFL, O_APPEND) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
spool_memory(const char *name, struct spool **out, struct bb_error *err)
{
	struct spool *sp;

	if ((sp = spool_new(name)) == NULL ||
	    (sp->fd = memory_file()) == -1) {
		bb_error_errno(err, EX_OSERR, "spool %s in memory", name);
		spool_close(sp);
		return -1;
	}
	sp->memory = 1;
	*out = sp;
	return 0;
}

int
spool_to_memory(struct spool *sp, struct bb_error *err)
{
	char *block = NULL;
	off_t off = 0;
	ssize_t n, w;
	int fd, rv = -1;

	if (sp->memory)
		return 0;
	if ((fd = memory_file()) == -1 ||
	    (block = malloc(SPOOL_BLOCK)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s/%s in memory", SPOOL_DIR,
		    sp->name);
		goto out;
	}
	while (off < sp->end) {
		if ((n = spool_read(sp, off, block, SPOOL_BLOCK, err)) <= 0) {
			if (n == 0)
				bb_error_set(err, EX_IOERR, "%s/%s/records: "
				    "cut", SPOOL_DIR, sp->name);
			goto out;
		}
		if ((w = write(fd, block, (size_t)n)) != n) {
			bb_error_errno(err, EX_OSERR, "%s/%s in memory",
			    SPOOL_DIR, sp->name);
			goto out;
		}
		off += n;
	}
	sp->diskfd = sp->fd;
	sp->fd = fd;
	fd = -1;
	sp->memory = 1;
	sp->broken = 0;
	sp->dirty = 0;
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	free(block);
	return rv;
}

/* Opens basefd/spool, making it if create; -1 with errno. */
static int
open_top(int basefd, int create)
{
	if (create && mkdirat(basefd, SPOOL_DIR, 0700) == -1 &&
	    errno != EEXIST)
		return -1;
	return openat(basefd, SPOOL_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
}

/*
 * Opens sp's folder in top and its records file there, with extra flags
 * (O_CREAT | O_EXCL for a new one); -1 with errno.
 */
static int
open_records(struct spool *sp, int top, int extra)
{
	if ((sp->dirfd = openat(top, sp->name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	sp->fd = openat(sp->dirfd, "records", O_RDWR | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC | extra, 0600);
	return sp->fd == -1 ? -1 : 0;
}

/* Takes the lock of sp; 1 if someone else holds it. */
static int
lock(struct spool *sp, struct bb_error *err)
{
	if (flock(sp->fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return 1;
	bb_error_errno(err, EX_IOERR, "spool %s: lock", sp->name);
	return -1;
}

int
spool_create(int basefd, const char *name, struct spool **out,
    struct bb_error *err)
{
	struct spool *sp = NULL;
	int top = -1, rv = -1;

	if (!spool_valid_name(name)) {
		bb_error_set(err, EX_SOFTWARE, "bad spool name");
		return -1;
	}
	if ((sp = spool_new(name)) == NULL) {
		bb_error_errno(err, EX_OSERR, "spool %s", name);
		return -1;
	}
	if ((top = open_top(basefd, 1)) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", SPOOL_DIR);
		goto out;
	}
	if (mkdirat(top, name, 0700) == -1) {
		if (errno == EEXIST)
			bb_error_set(err, EX_CANTCREAT, "%s/%s exists: a "
			    "previous run left it (bb-report --resend sends "
			    "it)", SPOOL_DIR, name);
		else
			bb_error_errno(err, EX_CANTCREAT, "%s/%s", SPOOL_DIR,
			    name);
		goto out;
	}
	if (open_records(sp, top, O_CREAT | O_EXCL) == -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s/%s", SPOOL_DIR, name);
		goto out;
	}
	if (lock(sp, err) != 0) {
		bb_error_set(err, EX_CANTCREAT, "%s/%s: in use", SPOOL_DIR,
		    name);
		goto out;
	}
	if (fsync(top) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s", SPOOL_DIR);
		goto out;
	}
	*out = sp;
	sp = NULL;
	rv = 0;
out:
	if (top != -1)
		close(top);
	spool_close(sp);
	return rv;
}

/* Reads the acked file: 0 and 0 when there is none. */
static int
read_acked(struct spool *sp, long long *n, long long *off,
    struct bb_error *err)
{
	struct record r;
	struct stat st;
	struct buf *b = NULL;
	int rv = -1;

	*n = *off = 0;
	record_init(&r);
	if (fstatat(sp->dirfd, "acked", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT) {
		rv = 0;
		goto out;
	}
	if (file_read(sp->dirfd, "acked", RECORD_MAX, &b, err) == -1)
		goto out;
	if (b->len == 0 || b->data[b->len - 1] != '\n' ||
	    record_parse(&r, b->data, b->len - 1, err) == -1 ||
	    !record_is(&r, "acked") ||
	    record_get_num(&r, "seq", 0, LLONG_MAX, n, err) == -1 ||
	    record_get_num(&r, "offset", 0, LLONG_MAX, off, err) == -1) {
		bb_error_set(err, EX_DATAERR, "%s/%s/acked: damaged",
		    SPOOL_DIR, sp->name);
		goto out;
	}
	rv = 0;
out:
	buf_free(b);
	record_free(&r);
	return rv;
}

/*
 * Counts the lines of records, drops a cut last line, and checks that
 * the acknowledged offset falls after line acked.
 */
static int
scan(struct spool *sp, long long acked, long long acked_off,
    struct bb_error *err)
{
	struct stat st;
	char *block = NULL, *p, *e;
	off_t off = 0, last_nl = 0;
	long long lines = 0, at_ack = -1;
	ssize_t n;
	int rv = -1;

	if (fstat(sp->fd, &st) == -1 ||
	    (block = malloc(SPOOL_BLOCK)) == NULL) {
		bb_error_errno(err, EX_IOERR, "%s/%s/records", SPOOL_DIR,
		    sp->name);
		goto out;
	}
	if (acked_off == 0)
		at_ack = 0;
	while (off < st.st_size) {
		if ((n = pread(sp->fd, block, SPOOL_BLOCK, off)) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read %s/%s/records",
			    SPOOL_DIR, sp->name);
			goto out;
		}
		if (n == 0)
			break;
		for (p = block, e = block + n;
		    (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) {
			lines++;
			last_nl = off + (p - block) + 1;
			if (last_nl == acked_off)
				at_ack = lines;
		}
		off += n;
	}
	if (last_nl < st.st_size && ftruncate(sp->fd, last_nl) == -1) {
		bb_error_errno(err, EX_IOERR, "truncate %s/%s/records",
		    SPOOL_DIR, sp->name);
		goto out;
	}
	if (at_ack != acked) {
		bb_error_set(err, EX_DATAERR, "%s/%s: acked does not fit "
		    "records", SPOOL_DIR, sp->name);
		goto out;
	}
	sp->end = sp->synced = sp->started = last_nl;
	sp->lines = lines;
	sp->acked = acked;
	sp->acked_off = acked_off;
	rv = 0;
out:
	free(block);
	return rv;
}

int
spool_open(int basefd, const char *name, struct spool **out,
    struct bb_error *err)
{
	struct spool *sp = NULL;
	long long acked, acked_off;
	int top = -1, rv = -1, r;

	if (!spool_valid_name(name)) {
		bb_error_set(err, EX_NOINPUT, "%s/%s: not a spool", SPOOL_DIR,
		    name);
		return -1;
	}
	if ((sp = spool_new(name)) == NULL) {
		bb_error_errno(err, EX_OSERR, "spool %s", name);
		return -1;
	}
	if ((top = open_top(basefd, 0)) == -1 ||
	    open_records(sp, top, 0) == -1) {
		bb_error_errno(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "%s/%s", SPOOL_DIR, name);
		goto out;
	}
	if ((r = lock(sp, err)) != 0) {
		rv = r;
		goto out;
	}
	if (read_acked(sp, &acked, &acked_off, err) == -1 ||
	    scan(sp, acked, acked_off, err) == -1)
		goto out;
	*out = sp;
	sp = NULL;
	rv = 0;
out:
	if (top != -1)
		close(top);
	spool_close(sp);
	return rv;
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
spool_names_free(char **names)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

int
spool_list(int basefd, char ***out, struct bb_error *err)
{
	struct dirent *de;
	char **names = NULL, **nn;
	size_t n = 0, cap = 0;
	DIR *d = NULL;
	int top, rv = -1;

	if ((names = calloc(1, sizeof(*names))) == NULL)
		goto nomem;
	if ((top = open_top(basefd, 0)) == -1) {
		if (errno == ENOENT) {
			*out = names;
			return 0;
		}
		bb_error_errno(err, EX_IOERR, "%s", SPOOL_DIR);
		goto out;
	}
	if ((d = fdopendir(top)) == NULL) {
		close(top);
		bb_error_errno(err, EX_IOERR, "%s", SPOOL_DIR);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!spool_valid_name(de->d_name))
			continue;
		if (n + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			if ((nn = reallocarray(names, cap, sizeof(*nn))) ==
			    NULL)
				goto nomem;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		names[++n] = NULL;
	}
	qsort(names, n, sizeof(*names), cmpname);
	*out = names;
	names = NULL;
	rv = 0;
	goto out;
nomem:
	bb_error_errno(err, EX_OSERR, "%s", SPOOL_DIR);
out:
	if (d != NULL)
		closedir(d);
	spool_names_free(names);
	return rv;
}

int
spool_set_context(struct spool *sp, const void *p, size_t len,
    struct bb_error *err)
{
	if (sp->memory)
		return 0;
	if (file_write_atomic(sp->dirfd, "context", p, len, 0600, err) == -1) {
		bb_error_prefix(err, "%s/%s", SPOOL_DIR, sp->name);
		return -1;
	}
	sp->context_dirty = 0;
	return 0;
}

int
spool_set_context_lazy(struct spool *sp, const void *p, size_t len,
    struct bb_error *err)
{
	if (sp->memory)
		return 0;
	if (file_write_replace(sp->dirfd, "context", p, len, 0600,
	    err) == -1) {
		bb_error_prefix(err, "%s/%s", SPOOL_DIR, sp->name);
		return -1;
	}
	sp->context_dirty = 1;
	return 0;
}

/* The context and its name in the spool's directory, on disk. */
static int
sync_context(struct spool *sp, struct bb_error *err)
{
	int fd;

	if ((fd = openat(sp->dirfd, "context", O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fsync(fd) == -1) {
		bb_error_errno(err, EX_IOERR, "sync %s/%s/context", SPOOL_DIR,
		    sp->name);
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	if (file_sync_dir(sp->dirfd, ".", err) == -1) {
		bb_error_prefix(err, "%s/%s", SPOOL_DIR, sp->name);
		return -1;
	}
	sp->context_dirty = 0;
	return 0;
}

int
spool_context(struct spool *sp, struct buf **out, struct bb_error *err)
{
	if (file_read_secret(sp->dirfd, "context", 4 * RECORD_MAX, out,
	    err) == -1) {
		bb_error_prefix(err, "%s/%s", SPOOL_DIR, sp->name);
		return -1;
	}
	return 0;
}

int
spool_append(struct spool *sp, const void *p, size_t len,
    struct bb_error *err)
{
	struct iovec iov[2];
	size_t done = 0;
	ssize_t n;

	if (sp->broken) {
		bb_error_set(err, EX_IOERR, "%s/%s/records: holds a cut "
		    "line", SPOOL_DIR, sp->name);
		return -1;
	}
	while (done < len + 1) {
		if (done < len) {
			iov[0].iov_base = (char *)(uintptr_t)p + done;
			iov[0].iov_len = len - done;
			iov[1].iov_base = "\n";
			iov[1].iov_len = 1;
			n = writev(sp->fd, iov, 2);
		} else
			n = write(sp->fd, "\n", 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "write %s/%s/records",
			    SPOOL_DIR, sp->name);
			/* Leave no half line behind. */
			if (ftruncate(sp->fd, sp->end) == -1)
				sp->broken = 1;
			return -1;
		}
		done += (size_t)n;
	}
	sp->end += (off_t)len + 1;
	sp->lines++;
	sp->dirty = 1;
	/* The disk starts on it now: the flush later has less to wait. */
	if (sp->end - sp->started >= SPOOL_AHEAD) {
		(void)sync_file_range(sp->fd, sp->started, sp->end -
		    sp->started, SYNC_FILE_RANGE_WRITE);
		sp->started = sp->end;
	}
	return 0;
}

/* Writes the acknowledgement to acked, in place, not flushed. */
static int
write_ack(struct spool *sp, struct bb_error *err)
{
	char line[128];
	int len;

	if (sp->memory) {
		sp->ack_dirty = 0;	/* nowhere to write it */
		return 0;
	}
	len = snprintf(line, sizeof(line), "acked seq=%lld offset=%lld\n",
	    sp->acked, (long long)sp->acked_off);
	if (len < 0 || len >= (int)sizeof(line)) {
		bb_error_set(err, EX_SOFTWARE, "spool %s: ack", sp->name);
		return -1;
	}
	/*
	 * The numbers only grow, so the line never gets shorter: one
	 * pwrite(2) replaces it whole, and a crash leaves the old line or
	 * the new one.
	 */
	if ((sp->ackfd == -1 && (sp->ackfd = openat(sp->dirfd, "acked",
	    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) ||
	    pwrite(sp->ackfd, line, (size_t)len, 0) != len ||
	    ftruncate(sp->ackfd, len) == -1) {
		bb_error_errno(err, EX_IOERR, "write %s/%s/acked", SPOOL_DIR,
		    sp->name);
		return -1;
	}
	sp->ack_dirty = 0;
	return 0;
}

int
spool_sync(struct spool *sp, struct bb_error *err)
{
	if (sp->context_dirty && !sp->memory && sync_context(sp, err) == -1)
		return -1;
	if (sp->dirty && !sp->memory) {
		if (fdatasync(sp->fd) == -1) {
			bb_error_errno(err, EX_IOERR, "sync %s/%s/records",
			    SPOOL_DIR, sp->name);
			return -1;
		}
		sp->dirty = 0;
		sp->synced = sp->end;
	}
	if (sp->memory) {
		/* Nothing of it goes to disk any more. */
		sp->dirty = 0;
		sp->synced = sp->end;
	}
	if (sp->ack_dirty && sp->acked_off <= sp->synced)
		return write_ack(sp, err);
	return 0;
}

ssize_t
spool_read(struct spool *sp, off_t off, void *p, size_t len,
    struct bb_error *err)
{
	ssize_t n;

	if (off >= sp->end)
		return 0;
	if ((off_t)len > sp->end - off)
		len = (size_t)(sp->end - off);
	do {
		n = pread(sp->fd, p, len, off);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		bb_error_errno(err, EX_IOERR, "read %s/%s/records", SPOOL_DIR,
		    sp->name);
	return n;
}

int
spool_ack(struct spool *sp, long long n, off_t off, struct bb_error *err)
{
	sp->acked = n;
	sp->acked_off = off;
	sp->ack_dirty = 1;
	if (off <= sp->synced)
		return write_ack(sp, err);
	return 0;
}

int
spool_uploaded(struct spool *sp, long long seq, struct bb_error *err)
{
	char line[64];
	int fd, len, rv = -1;

	len = snprintf(line, sizeof(line), "uploaded seq=%lld\n", seq);
	if (len < 0 || len >= (int)sizeof(line)) {
		bb_error_set(err, EX_SOFTWARE, "spool %s: upload", sp->name);
		return -1;
	}
	if (sp->memory)
		return 0;
	if ((fd = openat(sp->dirfd, "uploaded", O_WRONLY | O_APPEND |
	    O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		goto fail;
	if (write(fd, line, (size_t)len) != len || fsync(fd) == -1)
		goto fail;
	rv = 0;
	goto out;
fail:
	bb_error_errno(err, EX_IOERR, "write %s/%s/uploaded", SPOOL_DIR,
	    sp->name);
out:
	if (fd != -1)
		close(fd);
	return rv;
}

int
spool_uploads(struct spool *sp, long long **out, size_t *np,
    struct bb_error *err)
{
	struct record r;
	struct stat st;
	struct buf *b = NULL;
	long long *seqs = NULL, *ns, v;
	size_t n = 0, cap = 0;
	char *line, *nl;
	int rv = -1;

	record_init(&r);
	*out = NULL;
	*np = 0;
	if (fstatat(sp->dirfd, "uploaded", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT) {
		rv = 0;
		goto out;
	}
	if (file_read(sp->dirfd, "uploaded", 64 * 1024 * 1024, &b,
	    err) == -1)
		goto out;
	for (line = b->data; (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		if (record_parse(&r, line, (size_t)(nl - line), err) == -1 ||
		    record_get_num(&r, "seq", 1, LLONG_MAX, &v, err) == -1) {
			bb_error_set(err, EX_DATAERR, "%s/%s/uploaded: "
			    "damaged", SPOOL_DIR, sp->name);
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((ns = reallocarray(seqs, cap, sizeof(*ns))) ==
			    NULL) {
				bb_error_errno(err, EX_OSERR, "spool %s",
				    sp->name);
				goto out;
			}
			seqs = ns;
		}
		seqs[n++] = v;
	}
	*out = seqs;
	*np = n;
	seqs = NULL;
	rv = 0;
out:
	free(seqs);
	buf_free(b);
	record_free(&r);
	return rv;
}

int
spool_remove(struct spool *sp, struct bb_error *err)
{
	struct dirent *de;
	DIR *d;
	int fd, top, rv = -1;

	if (sp->dirfd == -1) {
		rv = 0;
		goto out;
	}
	if ((fd = dup(sp->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		bb_error_errno(err, EX_IOERR, "%s/%s", SPOOL_DIR, sp->name);
		goto out;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)unlinkat(sp->dirfd, de->d_name, 0);
	}
	closedir(d);
	if ((top = openat(sp->dirfd, "..", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", SPOOL_DIR);
		goto out;
	}
	if (unlinkat(top, sp->name, AT_REMOVEDIR) == -1) {
		bb_error_errno(err, EX_IOERR, "remove %s/%s", SPOOL_DIR,
		    sp->name);
		close(top);
		goto out;
	}
	(void)fsync(top);
	close(top);
	rv = 0;
out:
	spool_close(sp);
	return rv;
}
