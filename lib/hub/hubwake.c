#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "hubwake.h"

#define WAKE_NAME	"wake"

static int
wake_path(char *p, size_t size, const char *dir)
{
	int n = snprintf(p, size, "%s/%s", dir, WAKE_NAME);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
hubwake_open(const char *dir, struct bb_error *err)
{
	char p[PATH_MAX];
	struct stat st;
	int fd;

	if (wake_path(p, sizeof(p), dir) == -1 ||
	    (mkfifo(p, 0600) == -1 && errno != EEXIST)) {
		bb_error_errno(err, EX_CANTCREAT, "%s/%s", dir, WAKE_NAME);
		return -1;
	}
	/* O_RDWR: a FIFO with a writer (us) never polls as hung up. */
	if ((fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", p);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		bb_error_set(err, EX_CANTCREAT, "%s: not a FIFO", p);
		close(fd);
		return -1;
	}
	return fd;
}

int
hubwake_drain(int fd)
{
	char b[64];
	ssize_t n;
	int rings = 0;

	while ((n = read(fd, b, sizeof(b))) > 0 || (n == -1 &&
	    errno == EINTR))
		if (n > 0)
			rings += (int)n;
	return rings;
}

void
hubwake_ring(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	ssize_t n = 0;
	int fd, saved = errno;

	/* No server: ENXIO; a full FIFO (EAGAIN) is rung already. */
	if (wake_path(p, sizeof(p), dir) == -1 ||
	    (fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		errno = saved;
		return;
	}
	/* A ring lost is no harm: the server's tick finds the change. */
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		n = write(fd, "", 1);
	(void)n;
	close(fd);
	errno = saved;
}
