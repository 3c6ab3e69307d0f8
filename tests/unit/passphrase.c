/* Unit tests of lib/release/passphrase.c: files and descriptors. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "passphrase.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/bb-unit-pass.XXXXXX", path[300], pw[PASSPHRASE_MAX];
	char rest[8];
	struct passphrase pp;
	struct bb_error err;
	int fds[2], fd;

	ok(mkdtemp(dir) != NULL, "tmp");
	snprintf(path, sizeof(path), "%s/pw", dir);
	passphrase_init(&pp);
	ok(pp.file == NULL && pp.fd == -1, "default: the terminal");
	pp.file = path;
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ok(write(fd, "sesame\nignored\n", 15) == 15, "file");
	close(fd);
	ok(passphrase_get(&pp, "p: ", 0, pw, sizeof(pw), &err) == -1 &&
	    err.code == EX_NOPERM && strstr(err.msg, "chmod 600") != NULL,
	    "a file others may read is refused: %s", err.msg);
	chmod(path, 0600);
	ok(passphrase_get(&pp, "p: ", 0, pw, sizeof(pw), &err) == 0 &&
	    strcmp(pw, "sesame") == 0, "first line of the file");
	ok(passphrase_get(&pp, "p: ", 0, pw, 4, &err) == -1 &&
	    err.code == EX_DATAERR && pw[0] == '\0',
	    "too long for the buffer: refused and wiped");
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	ok(passphrase_get(&pp, "p: ", 0, pw, sizeof(pw), &err) == -1 &&
	    strstr(err.msg, "empty") != NULL, "empty passphrase refused");

	pp.file = NULL;
	ok(pipe(fds) == 0 && write(fds[1], "open\nrest", 9) == 9, "pipe");
	pp.fd = fds[0];
	ok(passphrase_get(&pp, "p: ", 0, pw, sizeof(pw), &err) == 0 &&
	    strcmp(pw, "open") == 0, "a line from a descriptor");
	ok(read(fds[0], rest, 4) == 4 && memcmp(rest, "rest", 4) == 0,
	    "nothing after the line is used");
	close(fds[1]);
	ok(passphrase_get(&pp, "p: ", 0, pw, sizeof(pw), &err) == -1,
	    "end of input: empty, refused");
	close(fds[0]);
	ok(passphrase_get(&pp, "p: ", 0, pw, sizeof(pw), &err) == -1 &&
	    err.code == EX_IOERR, "closed descriptor: %s", err.msg);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
