/* Unit tests of lib/release/sumlist.c: BSD and GNU checksum lists. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "sumlist.h"
#include "tap.h"

#define HELLO	"5891b5b522d5df086d0ff0b110fbd9d2" \
		"1bb4fc7163af34d08286a2e846f6be03"
#define EMPTY	"e3b0c44298fc1c149afbf4c8996fb924" \
		"27ae41e4649b934ca495991b7852b855"

int
main(void)
{
	char dir[] = "/tmp/bb-unit-sumlist.XXXXXX", cmd[300];
	struct sumlist l, p;
	struct bb_error err;
	struct buf *b = buf_new(SUMLIST_MAX);
	int dfd, fd;

	sumlist_init(&l);
	ok(sumlist_add(&l, "hello", HELLO, SUMLIST_BSD, &err) == 0 &&
	    sumlist_add(&l, "dir/empty 1", EMPTY, SUMLIST_BSD, &err) == 0,
	    "two entries");
	ok(sumlist_add(&l, "hello", HELLO, SUMLIST_BSD, &err) == -1 &&
	    strstr(err.msg, "listed twice") != NULL, "a name listed twice");
	ok(sumlist_add(&l, "a)b", HELLO, SUMLIST_BSD, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "signify -C") != NULL,
	    "')' refused for BSD: %s", err.msg);
	ok(sumlist_can_add(&l, "a)b", SUMLIST_GNU, &err) == 0,
	    "but fine for GNU");
	ok(sumlist_can_add(&l, "a\\b", SUMLIST_GNU, &err) == -1,
	    "'\\' refused for GNU");
	ok(sumlist_can_add(&l, "a\nb", SUMLIST_GNU, &err) == -1 &&
	    sumlist_can_add(&l, "", SUMLIST_BSD, &err) == -1,
	    "newline and empty name refused");
	ok(sumlist_format(&l, SUMLIST_BSD, b, &err) == 0, "BSD format");
	is_str(b->data, "SHA256 (hello) = " HELLO "\n"
	    "SHA256 (dir/empty 1) = " EMPTY "\n", "as sha256sum --tag");

	sumlist_init(&p);
	ok(sumlist_parse(&p, b->data, b->len, "SHA256", &err) == 0 &&
	    p.n == 2 && strcmp(p.e[1].name, "dir/empty 1") == 0 &&
	    strcmp(p.e[1].hex, EMPTY) == 0, "BSD list parsed");
	buf_reset(b);
	ok(sumlist_format(&l, SUMLIST_GNU, b, &err) == 0, "GNU format");
	is_str(b->data, HELLO "  hello\n" EMPTY "  dir/empty 1\n",
	    "as sha256sum");
	sumlist_clear(&p);
	ok(sumlist_parse(&p, b->data, b->len, "SHA256SUMS", &err) == 0 &&
	    p.n == 2 && strcmp(p.e[0].name, "hello") == 0, "GNU list parsed");
	sumlist_clear(&p);
	ok(sumlist_parse(&p, "5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D0"
	    "8286A2E846F6BE03 *bin\n", 70, "L", &err) == 0 &&
	    strcmp(p.e[0].hex, HELLO) == 0 && strcmp(p.e[0].name, "bin") == 0,
	    "binary mark and upper case read");
	sumlist_clear(&p);
	ok(sumlist_parse(&p, "SHA512 (a) = 00\n", 16, "L", &err) == -1 &&
	    strcmp(err.msg, "L: line 1: SHA512: only SHA256 lists are "
	    "supported") == 0, "other algorithms refused: %s", err.msg);
	ok(sumlist_parse(&p, "SHA256 (a) = 12\n", 16, "L", &err) == -1 &&
	    strstr(err.msg, "L: line 1: malformed") != NULL, "short digest");
	ok(sumlist_parse(&p, b->data, b->len - 1, "L", &err) == -1 &&
	    strstr(err.msg, "line 2: truncated") != NULL, "cut list: %s",
	    err.msg);
	ok(sumlist_parse(&p, "", 0, "L", &err) == -1, "empty list refused");
	ok(sumlist_find(&l, "hello") == &l.e[0] &&
	    sumlist_find(&l, "nope") == NULL, "find");

	dfd = tap_tmpdir(dir);
	fd = openat(dfd, "hello", O_WRONLY | O_CREAT, 0644);
	ok(write(fd, "hello\n", 6) == 6, "file");
	close(fd);
	ok(sumlist_check(&l.e[0], dfd, &err) == 0, "file matches its entry");
	fd = openat(dfd, "hello", O_WRONLY | O_APPEND);
	ok(write(fd, "!", 1) == 1, "file modified");
	close(fd);
	ok(sumlist_check(&l.e[0], dfd, &err) == -1 && err.code == SUMLIST_BAD &&
	    strstr(err.msg, "hello: sha256 does not match") != NULL,
	    "modified file fails: %s", err.msg);
	ok(sumlist_check(&l.e[1], dfd, &err) == -1 && err.code == EX_NOINPUT &&
	    strstr(err.msg, "dir/empty 1") != NULL, "missing file fails");
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	sumlist_free(&p);
	sumlist_free(&l);
	buf_free(b);
	return tap_done();
}
