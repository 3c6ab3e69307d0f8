/*
 * Unit tests of lib/hub/blob.c: the content-addressed store, and what gc
 * uses of it.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "tap.h"

#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* Sets the times of path to secs ago.  0 or -1. */
static int
age(const char *path, long secs)
{
	struct timespec ts[2];

	(void)clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= secs;
	ts[1] = ts[0];
	return utimensat(AT_FDCWD, path, ts, 0);
}

static long long
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
count(void *arg, const char *hex, long long mtime, off_t size)
{
	(void)mtime;
	if (strcmp(hex, ABC) == 0 && size == 3)
		(*(int *)arg)++;
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", path[256], hex[DIGEST_HEXLEN + 1];
	struct blob_store *s;
	struct blob_writer *w;
	struct bb_error err;
	struct stat st;
	char b[8];
	off_t size;
	int fd, n, found;

	ok(mkdtemp(dir) != NULL, "tmp");
	(void)snprintf(path, sizeof(path), "%s/blobs", dir);
	ok(blob_store_open(path, &s, &err) == 0, "open makes the store");
	ok(!blob_exists(s, ABC), "empty");

	ok(blob_writer_new(s, 100, &w, &err) == 0, "a writer");
	ok(blob_writer_add(w, "a", 1, &err) == 0 &&
	    blob_writer_add(w, "bc", 2, &err) == 0, "bytes in two pieces");
	is_int(blob_writer_size(w), 3, "size so far");
	ok(blob_writer_commit(w, ABC, hex, &size, &err) == 0, "commit");
	is_str(hex, ABC, "named by its sha256");
	is_int(size, 3, "size");
	ok(blob_exists(s, ABC), "it exists");
	(void)snprintf(path, sizeof(path), "%s/blobs/ba/%s", dir, ABC);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "stored as ab/abcdef..., mode 0600");
	fd = blob_open(s, ABC, &size, &err);
	ok(fd != -1 && size == 3, "open it");
	n = fd != -1 ? (int)read(fd, b, sizeof(b)) : -1;
	ok(n == 3 && memcmp(b, "abc", 3) == 0, "the bytes");
	if (fd != -1)
		close(fd);

	ok(blob_writer_new(s, 100, &w, &err) == 0 &&
	    blob_writer_add(w, "abd", 3, &err) == 0, "another blob");
	is_int(blob_writer_commit(w, ABC, hex, NULL, &err), 1,
	    "a digest mismatch returns 1");
	ok(strstr(err.msg, "digest mismatch") != NULL && err.code ==
	    EX_DATAERR, "with a message: %s", err.msg);
	ok(!blob_exists(s, hex), "and the blob is not kept");

	ok(blob_writer_new(s, 4, &w, &err) == 0, "a writer capped at 4");
	ok(blob_writer_add(w, "abcd", 4, &err) == 0, "4 bytes fit");
	ok(blob_writer_add(w, "e", 1, &err) == -1 && blob_writer_toolarge(w),
	    "the fifth is too large");
	blob_writer_abort(w);

	ok(blob_open(s, "../../etc/passwd", NULL, &err) == -1 &&
	    err.code == EX_DATAERR, "a name that is not a digest is refused");
	ok(!blob_exists(s, "/etc/passwd"), "and does not exist");
	ok(blob_open(s, "0000000000000000000000000000000000000000000000000000"
	    "000000000000", NULL, &err) == -1 && err.code == EX_NOINPUT,
	    "an unknown blob: EX_NOINPUT");

	(void)snprintf(path, sizeof(path), "%s/blobs/tmp/leftover", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	ok(age(path, 2 * 3600) == 0, "a file in tmp/ two hours old");
	(void)snprintf(path, sizeof(path), "%s/blobs/tmp/uploading", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	blob_store_close(s);
	(void)snprintf(path, sizeof(path), "%s/blobs", dir);
	ok(blob_store_open(path, &s, &err) == 0, "reopen");
	is_int(blob_clean_tmp(s, now() - 3600 * 1000), 0, "blob_clean_tmp");
	(void)snprintf(path, sizeof(path), "%s/blobs/tmp/leftover", dir);
	ok(access(path, F_OK) == -1, "what a crash left in tmp/ is removed");
	(void)snprintf(path, sizeof(path), "%s/blobs/tmp/uploading", dir);
	ok(access(path, F_OK) == 0, "a young file in tmp/ (another process's "
	    "upload) is not");
	ok(blob_exists(s, ABC), "blobs stay");

	/* Listing, touching and removing old blobs. */
	found = 0;
	ok(blob_list(s, 0xba, count, &found, &err) == 0 && found == 1,
	    "blob_list of ba/ finds the one blob");
	found = 0;
	ok(blob_list(s, 0x00, count, &found, &err) == 0 && found == 0,
	    "and of 00/ (no such directory) none");
	is_int(blob_remove_old(s, ABC, now() - 3600 * 1000, &size, &err), 0,
	    "a young blob is not removed");
	ok(blob_exists(s, ABC), "  it is there");
	(void)snprintf(path, sizeof(path), "%s/blobs/ba/%s", dir, ABC);
	ok(age(path, 7200) == 0 && blob_touch(s, ABC, &err) == 0,
	    "an old blob, touched");
	is_int(blob_remove_old(s, ABC, now() - 3600 * 1000, &size, &err), 0,
	    "  is young again: kept");
	ok(age(path, 7200) == 0, "an old blob");
	is_int(blob_remove_old(s, ABC, now() - 3600 * 1000, &size, &err), 1,
	    "  is removed");
	ok(!blob_exists(s, ABC) && size == 3, "  gone, its size told");
	is_int(blob_remove_old(s, ABC, now(), &size, &err), 0,
	    "removing it again: nothing to do");
	ok(blob_touch(s, ABC, &err) == -1 && err.code == EX_NOINPUT,
	    "touching a blob that is gone: EX_NOINPUT");
	(void)snprintf(path, sizeof(path), "%s/blobs/tmp/uploading", dir);
	ok(age(path, 7200) == 0 && blob_clean_tmp(s, now() - 3600 * 1000) ==
	    0 && access(path, F_OK) == -1, "once old, it is removed too");

	fd = open("/dev/null", O_RDONLY);
	ok(blob_put_fd(s, fd, "null", 10, hex, &size, &err) == 0 &&
	    size == 0 && strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	    "649b934ca495991b7852b855") == 0, "put an empty stream");
	close(fd);
	blob_store_close(s);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
	return tap_done();
}
