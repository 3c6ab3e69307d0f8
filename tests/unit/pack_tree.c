/*
 * Unit tests of lib/release/pack_tree.c: operands normalised and sorted,
 * the tree walked in order with modes, times and owners made the same, a
 * link kept a link, the archive not packed into itself, a file that
 * changes or is special, and pack_measure.
 */
#include "pack_test.h"
#include "strv.h"

/* Grows the file "big" once its first block is packed. */
static void
grow_cb(void *arg, off_t done)
{
	int fd;

	(void)done;
	if (*(int *)arg == 0 && (fd = openat(dfd, "big", O_WRONLY |
	    O_APPEND)) != -1) {
		if (write(fd, "more", 4) != 4)
			abort();
		close(fd);
	}
	*(int *)arg = 1;
}

/* Cuts the file "big" short once its first block is packed. */
static void
shrink_cb(void *arg, off_t done)
{
	int fd;

	(void)done;
	if (*(int *)arg == 0 && (fd = openat(dfd, "big", O_WRONLY)) != -1) {
		if (ftruncate(fd, 10) == -1)
			abort();
		close(fd);
	}
	*(int *)arg = 1;
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit-pack-tree.XXXXXX", path[4200], got[4096];
	char *in[8], **v, big[600 * 1024];
	struct pack_opts o = { .format = PACK_TAR, .level = -1,
	    .mtime = 1700000000, .digest = 1, .warn = warn_cb };
	struct pack_result res;
	struct bb_error err;
	size_t n;
	off_t total = 0;
	int flag;

	tree_setup(dir);
	in[0] = "./a/"; in[1] = "a-c"; in[2] = "a//b"; in[3] = "a";
	in[4] = "a.txt"; in[5] = "a-c/";
	ok(pack_paths(dfd, in, 6, &v, &n, &err) == 0, "paths");
	ok(n == 3 && strcmp(v[0], "a-c") == 0 && strcmp(v[1], "a.txt") == 0 &&
	    strcmp(v[2], "a") == 0, "strcmp order with a slash after a "
	    "directory; repeats and inner paths once");
	strv_free(v, n);
	in[0] = "a"; in[1] = "."; in[2] = "link";
	ok(pack_paths(dfd, in, 3, &v, &n, &err) == 0 && n == 1 &&
	    strcmp(v[0], ".") == 0, "\".\" holds everything");
	strv_free(v, n);
	in[0] = "a/../../x";
	ok(pack_paths(dfd, in, 1, &v, &n, &err) == -1 &&
	    err.code == EX_DATAERR, "\"..\" refused");
	in[0] = "/etc";
	ok(pack_paths(dfd, in, 1, &v, &n, &err) == -1 &&
	    err.code == EX_DATAERR, "absolute path refused");
	in[0] = "";
	ok(pack_paths(dfd, in, 1, &v, &n, &err) == -1, "empty path refused");

	snprintf(path, sizeof(path), "%s/out.tar", dir);
	in[0] = ".";
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == 0, "pack_run");
	is_str(warned, "out.tar.tmp: the archive itself: not packed\n",
	    "the archive is not packed into itself");
	ok(res.members == 6, "members counted (%zu)", res.members);
	list(path, got, sizeof(got));
	is_str(got, "a-c 100644 1700000000 0\n"
	    "a.txt 100755 1700000000 0\n"
	    "a/ 40755 1700000000 0\n"
	    "a/b/ 40755 1700000000 0\n"
	    "a/b/f 100644 1700000000 0\n"
	    "link 120777 1700000000 0 -> /etc/passwd\n",
	    "sorted, modes normalised, one time, owner 0, link as a link");
	ok(pack_measure(dfd, ".", &total) == 0 && total == 2 + 3 + 4 + 10240,
	    "pack_measure: bytes of file data (%lld)", (long long)total);

	/* A file that grows, or shrinks, while it is packed. */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	put("big", big, 0644);
	o.progress = grow_cb;
	o.arg = &flag;
	flag = 0;
	warned[0] = '\0';
	snprintf(path, sizeof(path), "%s/grow.tar", dir);
	in[0] = "big";
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == -1 &&
	    err.code == EX_IOERR, "a file that grows: error");
	is_str(warned, "big: changed while it was packed\n", "said");
	ok(access(path, F_OK) == -1, "and no archive left");
	put("big", big, 0644);
	o.progress = shrink_cb;
	flag = 0;
	warned[0] = '\0';
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == -1 &&
	    err.code == EX_IOERR, "a file that shrinks: error");
	ok(strncmp(warned, "big: shrank while it was packed", 31) == 0,
	    "said: %s", warned);
	o.progress = NULL;

	/*
	 * A special file named is refused, never read (one found in a
	 * directory is skipped: tests/cmd/bb-pack.t).
	 */
	mkfifoat(dfd, "fifo", 0644);
	warned[0] = '\0';
	snprintf(path, sizeof(path), "%s/f.tar", dir);
	in[0] = "fifo"; in[1] = "a-c";
	ok(pack_run(path, -1, dfd, in, 2, &o, &res, &err) == -1 &&
	    err.code == EX_NOINPUT, "a fifo named is refused: %s", err.msg);
	is_str(warned, "fifo: not a regular file (a fifo)\n", "with a message");
	tree_cleanup(dir);
	return tap_done();
}
