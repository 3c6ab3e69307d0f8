/* Unit tests of lib/hub/blob.c: the content-addressed store. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "blob.h"
#include "tap.h"

#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

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
	int fd, n;

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
	blob_store_close(s);
	(void)snprintf(path, sizeof(path), "%s/blobs", dir);
	ok(blob_store_open(path, &s, &err) == 0, "reopen");
	(void)snprintf(path, sizeof(path), "%s/blobs/tmp/leftover", dir);
	ok(access(path, F_OK) == -1, "what a crash left in tmp/ is removed");
	ok(blob_exists(s, ABC), "blobs stay");

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
