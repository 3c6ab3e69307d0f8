/* Unit tests of lib/file.c. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "tap.h"

static char dir[] = "/tmp/bb-unit-file.XXXXXX";
static int dfd;

static void
test_write(void)
{
	struct bb_error err;
	struct buf *b = NULL;
	struct stat st, st2;
	char name[PATH_MAX + 8];

	ok(file_write_atomic(dfd, "f", "abc", 3, 0600, &err) == 0,
	    "atomic write");
	ok(fstatat(dfd, "f", &st, 0) == 0 && (st.st_mode & 0777) == 0600 &&
	    faccessat(dfd, "f.tmp", F_OK, 0) == -1, "mode kept, no .tmp left");
	ok(file_write_atomic(dfd, "f", "new!", 4, 0644, &err) == 0 &&
	    file_read(dfd, "f", 100, &b, &err) == 0 &&
	    strcmp(b->data, "new!") == 0, "an existing file is replaced");
	buf_free(b);
	ok(fstatat(dfd, "f", &st2, 0) == 0 && st2.st_ino != st.st_ino &&
	    (st2.st_mode & 0777) == 0644,
	    "by a new file (renamed over it, new mode)");

	ok(close(openat(dfd, "g.tmp", O_WRONLY | O_CREAT, 0644)) == 0,
	    "a .tmp left by a crash");
	ok(file_write_atomic(dfd, "g", "g", 1, 0600, &err) == 0 &&
	    faccessat(dfd, "g.tmp", F_OK, 0) == -1, "is replaced");

	ok(mkdirat(dfd, "sub", 0755) == 0 &&
	    file_write_atomic(dfd, "sub/h", "h", 1, 0600, &err) == 0 &&
	    faccessat(dfd, "sub/h", F_OK, 0) == 0, "into a subdirectory");
	ok(file_write_atomic(dfd, "nodir/h", "h", 1, 0600, &err) == -1 &&
	    err.code == EX_CANTCREAT && strstr(err.msg, "nodir/h.tmp") != NULL,
	    "no such directory: %s", err.msg);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ok(file_write_atomic(dfd, name, "x", 1, 0600, &err) == -1 &&
	    err.code == EX_CANTCREAT && strncmp(err.msg, "nnnn", 4) == 0,
	    "a name too long");
}

static void
test_read(void)
{
	struct bb_error err;
	struct buf *b = NULL;
	char big[10000];
	size_t i;

	ok(file_read(dfd, "f", 4, &b, &err) == 0 && b->len == 4, "read");
	buf_free(b);
	ok(file_read(dfd, "f", 3, &b, &err) == -1 && err.code == EX_DATAERR &&
	    strstr(err.msg, "too large") != NULL, "read over max: %s", err.msg);
	ok(file_read(dfd, "nope", 3, &b, &err) == -1 &&
	    err.code == EX_NOINPUT && strncmp(err.msg, "nope: ", 6) == 0,
	    "a missing file is named: %s", err.msg);
	ok(file_write_atomic(dfd, "empty", "", 0, 0600, &err) == 0 &&
	    file_read(dfd, "empty", 10, &b, &err) == 0 && b->len == 0 &&
	    b->data[0] == '\0', "an empty file");
	buf_free(b);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	ok(file_write_atomic(dfd, "big", big, sizeof(big), 0600, &err) == 0 &&
	    file_read(dfd, "big", sizeof(big), &b, &err) == 0 &&
	    b->len == sizeof(big) && memcmp(b->data, big, sizeof(big)) == 0,
	    "a file of several reads, exactly max bytes");
	buf_free(b);
}

static void
test_secret(void)
{
	struct bb_error err;
	struct buf *b = NULL;

	ok(file_write_atomic(dfd, "s", "pw\n", 3, 0644, &err) == 0, "write");
	ok(file_read_secret(dfd, "s", 100, &b, &err) == -1 &&
	    err.code == EX_NOPERM && strstr(err.msg, "chmod 600") != NULL,
	    "secret readable by others refused: %s", err.msg);
	ok(fchmodat(dfd, "s", 0640, 0) == 0 &&
	    file_read_secret(dfd, "s", 100, &b, &err) == -1 &&
	    err.code == EX_NOPERM && strstr(err.msg, "mode 0640") != NULL,
	    "and by its group: %s", err.msg);
	ok(fchmodat(dfd, "s", 0600, 0) == 0, "chmod 600");
	ok(file_read_secret(dfd, "s", 100, &b, &err) == 0 &&
	    strcmp(b->data, "pw") == 0, "secret read, newline dropped");
	buf_freezero(b);
	ok(file_write_atomic(dfd, "s2", "pw\n\n", 4, 0600, &err) == 0 &&
	    file_read_secret(dfd, "s2", 100, &b, &err) == 0 &&
	    strcmp(b->data, "pw\n") == 0 && b->len == 3,
	    "only one newline is dropped");
	buf_freezero(b);
	ok(file_read_secret(dfd, "s", 2, &b, &err) == -1 &&
	    err.code == EX_DATAERR, "a secret over max");
	ok(file_read_secret(dfd, "nope", 2, &b, &err) == -1 &&
	    err.code == EX_NOINPUT && strncmp(err.msg, "nope: ", 6) == 0,
	    "a missing secret is named: %s", err.msg);
}

static void
test_dirs(void)
{
	struct bb_error err;
	char deep[300];

	snprintf(deep, sizeof(deep), "%s/a/b/c", dir);
	ok(file_mkdirs(deep, 0755, &err) == 0 && access(deep, F_OK) == 0 &&
	    file_mkdirs(deep, 0755, &err) == 0, "mkdirs");
	snprintf(deep, sizeof(deep), "%s/f/x", dir);
	ok(file_mkdirs(deep, 0755, &err) == -1 && err.code == EX_CANTCREAT &&
	    strstr(err.msg, "/f/x: Not a directory") != NULL,
	    "mkdirs through a file: %s", err.msg);
	ok(file_sync_dir(dfd, "a/b", &err) == 0, "sync a directory");
	ok(file_sync_dir(dfd, "zz", &err) == -1 && err.code == EX_IOERR &&
	    strncmp(err.msg, "sync zz: ", 9) == 0, "sync a missing one: %s",
	    err.msg);
}

/* The disk's failures, said for people. */
static void
test_disk(void)
{
	char cause[64];

	ok(file_disk_error(ENOSPC) && file_disk_error(EDQUOT) &&
	    file_disk_error(EIO) && file_disk_error(EROFS),
	    "no space, a quota, an I/O error, read-only: the disk's");
	ok(!file_disk_error(EACCES) && !file_disk_error(ENOENT) &&
	    !file_disk_error(EFBIG) && !file_disk_error(0), "others are not");
	file_disk_cause(ENOSPC, "/srv/bb/work", cause, sizeof(cause));
	is_str(cause, "no space left on device in /srv/bb/work",
	    "the cause, lower case, with where");
	file_disk_cause(EDQUOT, "/a/very/long/path/that/does/not/fit/in/it",
	    cause, 16);
	is_int(strlen(cause), 15, "cut to fit");
}

/* In a child whose fds 0 and 2 are closed: are they /dev/null after? */
static void
test_stdfd(void)
{
	struct stat null, st0, st2;
	pid_t pid;
	int status = -1;

	if ((pid = fork()) == 0) {
		close(0);
		close(2);
		file_sanitise_stdfd();
		_exit(stat("/dev/null", &null) == 0 && fstat(0, &st0) == 0 &&
		    fstat(2, &st2) == 0 && st0.st_rdev == null.st_rdev &&
		    st2.st_rdev == null.st_rdev && S_ISCHR(st0.st_mode) &&
		    fcntl(1, F_GETFD) != -1 ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0,
	    "closed fds 0 and 2 open on /dev/null, 1 left alone");
}

/* file_rmtree: no link followed, nothing outside touched. */
static void
test_rmtree(void)
{
	char top[256], p[PATH_MAX], out[256];
	struct bb_error err;

	(void)snprintf(out, sizeof(out), "%s/outside", dir);
	(void)mkdir(out, 0755);
	(void)snprintf(p, sizeof(p), "%s/keep", out);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	(void)snprintf(top, sizeof(top), "%s/tree", dir);
	(void)mkdir(top, 0755);
	(void)snprintf(p, sizeof(p), "%s/sub", top);
	(void)mkdir(p, 0755);
	(void)snprintf(p, sizeof(p), "%s/sub/ro", top);
	(void)mkdir(p, 0555);
	(void)snprintf(p, sizeof(p), "%s/sub/link", top);
	if (symlink(out, p) == -1)
		ok(0, "symlink");
	ok(file_rmtree(top, 1, &err) == 0 && tap_entries(top) == 0 &&
	    tap_exists(out, "keep"), "emptied; a link's target is left alone");
	ok(file_rmtree(top, 0, &err) == 0 && !tap_exists(dir, "tree"),
	    "removed");
	ok(file_rmtree(top, 0, &err) == 0, "removing nothing is fine");
}

int
main(void)
{
	char cmd[300];

	dfd = tap_tmpdir(dir);
	test_write();
	test_read();
	test_secret();
	test_dirs();
	test_disk();
	test_stdfd();
	test_rmtree();
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	return tap_done();
}
