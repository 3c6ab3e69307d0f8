/* Unit tests of lib/hub/hubwake.c. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "hubwake.h"
#include "tap.h"

static char tmp[] = "/tmp/bb-hubwake-test.XXXXXX";

int
main(void)
{
	struct bb_error err;
	struct stat st;
	char p[PATH_MAX + 16], other[PATH_MAX];
	int fd, fd2, i;

	if (mkdtemp(tmp) == NULL)
		return 1;
	(void)snprintf(p, sizeof(p), "%s/wake", tmp);

	errno = 0;
	hubwake_ring(tmp);
	ok(errno == 0 && lstat(p, &st) == -1,
	    "a ring with no doorbell does nothing");
	fd = hubwake_open(tmp, &err);
	ok(fd != -1 && lstat(p, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (st.st_mode & 0777) == 0600, "open makes a FIFO, mode 0600");
	is_int(hubwake_drain(fd), 0, "nothing rang yet");
	hubwake_ring(tmp);
	hubwake_ring(tmp);
	is_int(hubwake_drain(fd), 2, "two rings heard");
	is_int(hubwake_drain(fd), 0, "and drained");
	for (i = 0; i < 70000; i++)
		hubwake_ring(tmp);
	ok(hubwake_drain(fd) > 0, "a full doorbell does not block a ring");
	fd2 = hubwake_open(tmp, &err);
	ok(fd2 != -1, "an existing FIFO is opened again");
	close(fd2);
	close(fd);
	errno = 0;
	hubwake_ring(tmp);
	ok(errno == 0, "no server listening: the ring is dropped");

	(void)snprintf(other, sizeof(other), "%s/d", tmp);
	(void)mkdir(other, 0700);
	(void)snprintf(p, sizeof(p), "%s/wake", other);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	ok(hubwake_open(other, &err) == -1 && err.code == EX_CANTCREAT,
	    "a regular file in its place is refused: %s", err.msg);
	hubwake_ring(other);
	ok(lstat(p, &st) == 0 && st.st_size == 0,
	    "and is not written to by a ring");
	ok(hubwake_open("/nonexistent/hub", &err) == -1 &&
	    err.code == EX_CANTCREAT, "a missing directory: %s", err.msg);

	ok(file_rmtree(tmp, 0, NULL) == 0, "clean up");
	return tap_done();
}
