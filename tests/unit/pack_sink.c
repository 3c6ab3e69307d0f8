/*
 * Unit tests of lib/release/pack_sink.c: the output hashed as it is
 * written, a write that fails, and tar.gz made of gzip members on
 * several threads, the same bytes for any number of them.
 */
#include "pack_test.h"

#define BIG	(5 * 512 * 1024)	/* tar.gz: three chunks of 1 MiB */

/* Counts the gzip headers (1f 8b 08) in the file at path. */
static int
members(const char *path)
{
	unsigned char b[3] = { 0, 0, 0 };
	FILE *fp;
	int c, n = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	while ((c = getc(fp)) != EOF) {
		b[0] = b[1];
		b[1] = b[2];
		b[2] = (unsigned char)c;
		if (b[0] == 0x1f && b[1] == 0x8b && b[2] == 0x08)
			n++;
	}
	fclose(fp);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit-pack-sink.XXXXXX", path[4200], got[4096];
	char *in[2], *big, h1[DIGEST_HEXLEN + 1], hex[DIGEST_HEXLEN + 1];
	struct pack_opts o = { .format = PACK_TZST, .level = -1,
	    .mtime = 1700000000, .digest = 1, .warn = warn_cb };
	struct pack_result res;
	struct bb_error err;
	off_t size;
	int fd;

	tree_setup(dir);

	/* A full output is an error that says so. */
	in[0] = "a-c";
	if ((fd = open("/dev/full", O_WRONLY)) == -1)
		abort();
	ok(pack_run(NULL, fd, dfd, in, 1, &o, &res, &err) == -1 &&
	    err.code == EX_IOERR, "/dev/full: EX_IOERR");
	is_str(err.msg, "write standard output: No space left on device",
	    "said");
	close(fd);

	/* tar.gz of a file of three chunks, on one thread, then three. */
	if ((big = malloc(BIG + 1)) == NULL)
		abort();
	for (size = 0; size < BIG; size++)
		big[size] = "abcdefgh\n"[size % 9];
	big[BIG] = '\0';
	put("big", big, 0644);
	free(big);
	in[0] = "big";
	o.format = PACK_TGZ;
	o.threads = 1;
	snprintf(path, sizeof(path), "%s/one.tar.gz", dir);
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == 0,
	    "tar.gz on one thread");
	memcpy(h1, res.sha256, sizeof(h1));
	ok(digest_file(AT_FDCWD, path, hex, &size, &err) == 0 &&
	    strcmp(hex, res.sha256) == 0 && size == res.size,
	    "the digest and size said are the file's");
	ok(members(path) >= 3, "three gzip members or more (%d)",
	    members(path));
	list(path, got, sizeof(got));
	is_str(got, "big 100644 1700000000 0\n", "gunzipped whole, as one tar");
	o.threads = 3;
	snprintf(path, sizeof(path), "%s/three.tar.gz", dir);
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == 0 &&
	    strcmp(h1, res.sha256) == 0, "on three threads: the same bytes");
	o.threads = 0;
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == 0 &&
	    strcmp(h1, res.sha256) == 0, "on the default threads: the same "
	    "bytes");
	tree_cleanup(dir);
	return tap_done();
}
