/*
 * Unit tests of lib/hub/hubsrc.c: packing a source directory, or named
 * files, the same way.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "hubsrc.h"
#include "tap.h"

static int
to_buf(void *arg, const void *p, size_t len, struct bb_error *err)
{
	(void)err;
	return buf_add(arg, p, len);
}

static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char p[512];
	FILE *fp;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fp = fopen(p, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
	(void)chmod(p, mode);
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", p[512], list[1024];
	struct timeval tv[2] = { { 1000, 0 }, { 1000, 0 } };
	struct buf *a = buf_new(1 << 20), *b = buf_new(1 << 20);
	struct archive_entry *e;
	struct archive *ar;
	struct bb_error err;

	ok(mkdtemp(dir) != NULL, "tmp");
	(void)snprintf(p, sizeof(p), "%s/sub", dir);
	(void)mkdir(p, 0700);
	put(dir, "z", "last\n", 0600);
	put(dir, "a", "first\n", 0700);
	put(dir, "sub/m", "middle\n", 0644);
	(void)snprintf(p, sizeof(p), "%s/link", dir);
	ok(symlink("a", p) == 0, "a symbolic link");

	ok(hubsrc_pack(dir, 0, to_buf, a, &err) == 0, "pack");
	(void)snprintf(p, sizeof(p), "%s/z", dir);
	(void)utimes(p, tv);
	ok(hubsrc_pack(dir, 0, to_buf, b, &err) == 0, "pack again, other mtime");
	ok(a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
	    "the same bytes");
	ok(a->len > 10 && (unsigned char)a->data[0] == 0x1f &&
	    (unsigned char)a->data[1] == 0x8b && memcmp(a->data + 4,
	    "\0\0\0\0", 4) == 0, "gzip with no time stamp");

	list[0] = '\0';
	ar = archive_read_new();
	archive_read_support_filter_gzip(ar);
	archive_read_support_format_tar(ar);
	ok(archive_read_open_memory(ar, a->data, a->len) == ARCHIVE_OK,
	    "libarchive reads it");
	while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		(void)snprintf(p, sizeof(p), "%s:%o:%s:%lld ",
		    archive_entry_pathname(e),
		    (unsigned)archive_entry_perm(e), archive_entry_uname(e),
		    (long long)archive_entry_mtime(e));
		(void)strlcat(list, p, sizeof(list));
	}
	archive_read_free(ar);
	is_str(list, "a:755:root:0 link:777:root:0 sub/:755:root:0 "
	    "sub/m:644:root:0 z:644:root:0 ", "sorted, owned by root, modes "
	    "0644 or 0755, time 0");

	buf_reset(a);
	ok(hubsrc_pack(dir, 1700000000, to_buf, a, &err) == 0 &&
	    (a->len != b->len || memcmp(a->data, b->data, a->len) != 0),
	    "another SOURCE_DATE_EPOCH gives other bytes");

	(void)snprintf(p, sizeof(p), "%s/fifo", dir);
	(void)mkfifo(p, 0600);
	buf_reset(a);
	ok(hubsrc_pack(dir, 0, to_buf, a, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "fifo") != NULL,
	    "a FIFO is refused: %s", err.msg);
	buf_reset(a);
	ok(hubsrc_pack("/nonexistent", 0, to_buf, a, &err) == -1,
	    "a missing directory");

	/* Named files: a stage's artifacts, into the next stage's source. */
	{
		static const char *const names[] = { "a/b/x", "a/c", "d" };
		struct hubsrc_file f[3];
		size_t i;

		for (i = 0; i < nitems(names); i++) {
			(void)snprintf(p, sizeof(p), "%s/z", dir);
			f[i].name = (char *)names[i];
			f[i].fd = open(p, O_RDONLY);
			f[i].size = 5;
			f[i].exec = i == 0;
		}
		buf_reset(a);
		ok(hubsrc_pack_files(f, 3, 0, to_buf, a, &err) == 0,
		    "pack named files");
		list[0] = '\0';
		ar = archive_read_new();
		archive_read_support_filter_gzip(ar);
		archive_read_support_format_tar(ar);
		(void)archive_read_open_memory(ar, a->data, a->len);
		while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
			(void)snprintf(p, sizeof(p), "%s:%o:%lld ",
			    archive_entry_pathname(e),
			    (unsigned)archive_entry_perm(e),
			    (long long)archive_entry_size(e));
			(void)strlcat(list, p, sizeof(list));
		}
		archive_read_free(ar);
		is_str(list, "a/:755:0 a/b/:755:0 a/b/x:755:5 a/c:644:5 "
		    "d:644:5 ", "each at its name, its directories made, "
		    "executable or not");
		for (i = 0; i < nitems(names); i++)
			(void)lseek(f[i].fd, 0, SEEK_SET);
		buf_reset(b);
		ok(hubsrc_pack_files(f, 3, 0, to_buf, b, &err) == 0 &&
		    a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
		    "the same bytes again");
		(void)lseek(f[0].fd, 0, SEEK_SET);
		(void)lseek(f[1].fd, 0, SEEK_SET);
		f[1].size = 4;
		buf_reset(b);
		ok(hubsrc_pack_files(f, 2, 0, to_buf, b, &err) == -1 &&
		    err.code == EX_DATAERR && strstr(err.msg, "a/c: not of its "
		    "size") != NULL, "a file that is not its size: %s",
		    err.msg);
		f[1].name = "a/b/x";
		ok(hubsrc_pack_files(f, 2, 0, to_buf, b, &err) == -1 &&
		    strstr(err.msg, "repeated") != NULL, "a name twice: %s",
		    err.msg);
		for (i = 0; i < nitems(names); i++)
			close(f[i].fd);
	}
	buf_free(a);
	buf_free(b);
	(void)snprintf(p, sizeof(p), "rm -rf %s", dir);
	ok(system(p) == 0, "clean up");
	return tap_done();
}
