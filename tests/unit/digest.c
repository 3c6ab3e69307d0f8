/* Unit tests of lib/digest.c (lib/file.c has its own: file.c). */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "digest.h"
#include "file.h"
#include "tap.h"

#define ABC	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC64	"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="

/* digest_unhex: the one hex decoder. */
static void
unhex(void)
{
	unsigned char b[DIGEST_LEN], back[DIGEST_LEN];
	char hex[DIGEST_HEXLEN + 1];

	ok(digest_unhex("00ff7F", 3, b) == 0 && b[0] == 0x00 &&
	    b[1] == 0xff && b[2] == 0x7f, "digest_unhex: either case");
	ok(digest_unhex(ABC, DIGEST_LEN, b) == 0, "digest_unhex: a digest");
	digest_tohex(b, DIGEST_LEN, hex);
	is_str(hex, ABC, "digest_unhex, then digest_tohex: the same hex");
	memset(back, 0xaa, sizeof(back));
	ok(digest_unhex("0g", 1, back) == -1, "digest_unhex: g refused");
	ok(digest_unhex("g0", 1, back) == -1, "digest_unhex: g first "
	    "refused");
	ok(digest_unhex("2", 1, back) == -1, "digest_unhex: a lone digit "
	    "(the string ends) refused");
	ok(digest_unhex(" 1", 1, back) == -1 && digest_unhex("1:", 1,
	    back) == -1, "digest_unhex: a space, a ':' refused");
	ok(digest_unhex("", 0, back) == 0, "digest_unhex: nothing is fine");
}

/* digest_b64 and digest_header: Content-Digest (RFC 9530). */
static void
content_digest(void)
{
	char b64[DIGEST_B64LEN + 1], hdr[DIGEST_HEADERLEN + 1];
	char bad[DIGEST_HEXLEN + 2];

	ok(digest_b64(ABC, b64) == 0, "digest_b64");
	is_str(b64, ABC64, "sha256 of abc in base64");
	ok(digest_b64("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
	    "7852b855", b64) == 0 && strcmp(b64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm"
	    "5NMpJWZG3hSuFU=") == 0, "sha256 of nothing in base64");
	ok(digest_b64("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61"
	    "F20015AD", b64) == -1 && b64[0] == '\0',
	    "upper-case hex refused, b64 left empty");
	ok(digest_b64("ba7816bf", b64) == -1, "short hex refused");
	ok(digest_b64(ABC "00", b64) == -1, "long hex refused");
	memcpy(bad, ABC, sizeof(ABC));
	bad[2] = ':';
	ok(digest_b64(bad, b64) == -1, "a ':' between bytes refused");
	bad[2] = 'g';
	ok(digest_b64(bad, b64) == -1, "a byte that is not hex refused");
	ok(digest_b64("", b64) == -1, "empty refused");

	ok(digest_header(ABC, hdr, sizeof(hdr)) == 0, "digest_header");
	is_str(hdr, "Content-Digest: sha-256=:" ABC64 ":",
	    "the header, sha-256 between colons");
	is_int(strlen(hdr), DIGEST_HEADERLEN, "DIGEST_HEADERLEN long");
	ok(digest_header(ABC, hdr, DIGEST_HEADERLEN) == -1,
	    "one byte too small: refused");
	ok(digest_header(bad, hdr, sizeof(hdr)) == -1, "bad hex: refused");
}

int
main(void)
{
	char hex[DIGEST_HEXLEN + 1], dir[] = "/tmp/bb-unit.XXXXXX", cmd[300];
	struct bb_error err;
	struct digest *d;
	off_t size;
	int dfd = -1;

	d = digest_new();
	ok(digest_final_hex(d, hex) == 0 && strcmp(hex, "e3b0c44298fc1c149af"
	    "bf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
	    "sha256 of nothing");
	digest_update(d, "abc", 3);
	digest_final_hex(d, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
	    "0015ad", "sha256 of abc, context reusable");
	{
		unsigned char md[DIGEST_LEN], md2[DIGEST_LEN];
		char h2[DIGEST_HEXLEN + 1];

		ok(digest_buf("abc", 3, md) == 0, "digest_buf");
		digest_tohex(md, sizeof(md), h2);
		is_str(h2, hex, "digest_buf: sha256 of abc, raw");
		ok(digest_buf("", 0, md) == 0, "digest_buf of nothing");
		digest_tohex(md, sizeof(md), h2);
		is_str(h2, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
		    "95991b7852b855", "digest_buf: sha256 of nothing");
		digest_update(d, "a", 1);
		digest_update(d, "bc", 2);
		ok(digest_final(d, md2) == 0 && digest_buf("abc", 3, md) == 0 &&
		    memcmp(md, md2, sizeof(md)) == 0,
		    "digest_final in two updates is digest_buf of the whole");
		ok(digest_final(d, md2) == 0 && digest_buf("", 0, md) == 0 &&
		    memcmp(md, md2, sizeof(md)) == 0,
		    "digest_final leaves the context new again");
	}
	digest_free(d);
	ok(digest_valid_hex(hex), "valid hex");
	ok(!digest_valid_hex("BA7816bf"), "short or upper-case hex refused");

	dfd = tap_tmpdir(dir);
	if (file_write_atomic(dfd, "f", "abc", 3, 0600, &err) == -1)
		tap_bail("%s", err.msg);
	ok(digest_file(dfd, "f", hex, &size, &err) == 0 && size == 3 &&
	    strncmp(hex, "ba7816bf", 8) == 0, "digest_file");
	{
		volatile sig_atomic_t stop = 0;
		int fd = openat(dfd, "f", O_RDONLY);

		ok(digest_fd_max(fd, "f", 2, &stop, hex, &size, &err) == 0 &&
		    size == 2 && strncmp(hex, "fb8e20fc", 8) == 0,
		    "digest_fd_max stops at its limit (sha256 of ab)");
		stop = 1;
		ok(digest_fd_max(fd, "f", -1, &stop, hex, &size, &err) == -1 &&
		    err.code == EX_TEMPFAIL &&
		    strcmp(err.msg, "f: interrupted") == 0,
		    "digest_fd_max gives up when told: %s", err.msg);
		close(fd);
	}
	ok(digest_file(dfd, "nope", hex, &size, &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "nope") != NULL,
	    "digest_file names a missing file");
	unlinkat(dfd, "f", 0);
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	content_digest();
	unhex();
	return tap_done();
}
