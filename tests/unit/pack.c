/* Unit tests of lib/release/pack.c: formats, paths, archives read back. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "pack.h"
#include "tap.h"

static char	warned[4096];
static int	dfd;

static void
warn_cb(void *arg, const struct bb_error *e)
{
	(void)arg;
	(void)strlcat(warned, e->msg, sizeof(warned));
	(void)strlcat(warned, "\n", sizeof(warned));
}

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

static void
put(const char *name, const char *text, mode_t mode)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1 || write(fd, text, strlen(text)) == -1)
		abort();
	fchmod(fd, mode);
	close(fd);
}

/* The members of the archive at path, one a line: "name mode time uid". */
static void
list(const char *path, char *out, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char line[512];

	out[0] = '\0';
	archive_read_support_format_all(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK)
		return;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		snprintf(line, sizeof(line), "%s %o %lld %lld%s%s\n",
		    archive_entry_pathname(e), archive_entry_mode(e),
		    (long long)archive_entry_mtime(e),
		    (long long)archive_entry_uid(e),
		    archive_entry_symlink(e) ? " -> " : "",
		    archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
		strlcat(out, line, len);
	}
	archive_read_free(a);
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit-pack.XXXXXX", path[4200], got[4096];
	char *in[8], **v, big[600 * 1024];
	struct pack_opts o = { .format = PACK_TAR, .level = -1,
	    .mtime = 1700000000, .digest = 1, .warn = warn_cb };
	struct pack_result res;
	struct bb_error err;
	enum pack_format f;
	size_t n;
	off_t total = 0;
	int fd, flag;

	ok(pack_format_parse("tgz", &f, &err) == 0 && f == PACK_TGZ, "tgz");
	ok(pack_format_parse("zip", &f, &err) == 0 && f == PACK_ZIP, "zip");
	ok(pack_format_parse("rar", &f, &err) == -1 && err.code == EX_USAGE,
	    "rar: unknown");
	ok(pack_format_from_name("a/b-1.0.tar.zst", &f) == 0 &&
	    f == PACK_TZST, "format from a name");
	ok(pack_format_from_name(".tar", &f) == -1 &&
	    pack_format_from_name("x.gz", &f) == -1, "no format: no name");
	is_str(pack_format_ext(PACK_TXZ), ".tar.xz", "canonical suffix");
	is_str(pack_format_name(PACK_TGZ), "tar.gz", "canonical name");
	ok(pack_level_check(PACK_TZST, 19, &err) == 0 &&
	    pack_level_check(PACK_TZST, 0, &err) == -1 &&
	    pack_level_check(PACK_TGZ, 0, &err) == 0 &&
	    pack_level_check(PACK_TGZ, 10, &err) == -1 &&
	    pack_level_check(PACK_TAR, 1, &err) == -1, "levels");

	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY)) == -1)
		abort();
	mkdirat(dfd, "a", 0700);
	mkdirat(dfd, "a/b", 0700);
	put("a/b/f", "f\n", 0600);
	put("a-c", "ac\n", 0644);
	put("a.txt", "txt\n", 0700);
	if (symlinkat("/etc/passwd", dfd, "link") == -1)
		abort();

	in[0] = "./a/"; in[1] = "a-c"; in[2] = "a//b"; in[3] = "a";
	in[4] = "a.txt"; in[5] = "a-c/";
	ok(pack_paths(dfd, in, 6, &v, &n, &err) == 0, "paths");
	ok(n == 3 && strcmp(v[0], "a-c") == 0 && strcmp(v[1], "a.txt") == 0 &&
	    strcmp(v[2], "a") == 0, "strcmp order with a slash after a "
	    "directory; repeats and inner paths once");
	pack_paths_free(v, n);
	in[0] = "a"; in[1] = "."; in[2] = "link";
	ok(pack_paths(dfd, in, 3, &v, &n, &err) == 0 && n == 1 &&
	    strcmp(v[0], ".") == 0, "\".\" holds everything");
	pack_paths_free(v, n);
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
	snprintf(path, sizeof(path), "%s/out.tar.sha256", dir);
	ok(access(path, F_OK) == -1, "no checksum file unless asked");
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
	 * directory is skipped: tests/cmd/bb-pack.t); a full output is an
	 * error.
	 */
	mkfifoat(dfd, "fifo", 0644);
	warned[0] = '\0';
	snprintf(path, sizeof(path), "%s/f.tar", dir);
	in[0] = "fifo"; in[1] = "a-c";
	ok(pack_run(path, -1, dfd, in, 2, &o, &res, &err) == -1 &&
	    err.code == EX_NOINPUT, "a fifo named is refused: %s", err.msg);
	is_str(warned, "fifo: not a regular file (a fifo)\n", "with a message");
	in[0] = "a-c";
	if ((fd = open("/dev/full", O_WRONLY)) == -1)
		abort();
	o.format = PACK_TZST;
	ok(pack_run(NULL, fd, dfd, in, 1, &o, &res, &err) == -1 &&
	    err.code == EX_IOERR, "/dev/full: EX_IOERR");
	is_str(err.msg, "write standard output: No space left on device",
	    "said");
	close(fd);

	/* Every format, twice: the same bytes. */
	for (f = PACK_TGZ; f <= PACK_ZIP; f++) {
		char h1[DIGEST_HEXLEN + 1];

		o.format = f;
		o.sumfile = 1;
		snprintf(path, sizeof(path), "%s/r%s", dir, pack_format_ext(f));
		in[0] = "a"; in[1] = "a-c"; in[2] = "a.txt"; in[3] = "link";
		ok(pack_run(path, -1, dfd, in, 4, &o, &res, &err) == 0,
		    "%s packed", pack_format_name(f));
		memcpy(h1, res.sha256, sizeof(h1));
		ok(pack_run(path, -1, dfd, in, 4, &o, &res, &err) == 0 &&
		    strcmp(h1, res.sha256) == 0, "%s: same sha256 twice",
		    pack_format_name(f));
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
	return tap_done();
}
