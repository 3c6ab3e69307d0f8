/* Unit tests of lib/worker/stamp.c. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "stamp.h"
#include "tap.h"

static volatile sig_atomic_t termed;

static void
on_term(int sig)
{
	(void)sig;
	termed = 1;
}

/*
 * A child that watches dir every second, for at most ms: exits 0 if
 * SIGTERM came, 1 if not, 2 if it could not watch.
 */
static pid_t
watcher(const char *dir, long ms, int ready)
{
	struct bb_error err;
	struct timespec ts = { 0, 10 * 1000000L };
	long waited;
	pid_t pid;

	if ((pid = fork()) != 0)
		return pid;
	(void)signal(SIGTERM, on_term);
	if (stamp_watch(dir, 1, &err) == -1)
		_exit(2);
	if (write(ready, "", 1) != 1)
		_exit(2);
	for (waited = 0; !termed && waited < ms; waited += 10)
		(void)nanosleep(&ts, NULL);
	_exit(termed ? 0 : 1);
}

static int
watched(const char *dir, long ms, int touch)
{
	char p[PATH_MAX], c;
	int fds[2], status, fd;
	pid_t pid;

	if (pipe(fds) == -1)
		tap_bail("pipe: %s", strerror(errno));
	pid = watcher(dir, ms, fds[1]);
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		tap_bail("the watcher did not start");
	close(fds[0]);
	(void)snprintf(p, sizeof(p), "%s/%s", dir, STAMP_NAME);
	if (touch) {
		if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) == -1)
			tap_bail("%s: %s", p, strerror(errno));
		close(fd);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			tap_bail("waitpid: %s", strerror(errno));
	(void)unlink(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
main(void)
{
	struct bb_error err;
	char dir[] = "/tmp/bb-stamp.XXXXXX", big[PATH_MAX + 10];
	int fd;

	fd = tap_tmpdir(dir);
	close(fd);
	is_int(watched(dir, 5000, 1), 0,
	    "the stamp made: SIGTERM within the interval");
	is_int(watched(dir, 1500, 0), 1, "no stamp: no SIGTERM");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	ok(stamp_watch(big, 1, &err) == -1 && err.code == EX_USAGE,
	    "a basedir too long is refused");
	(void)rmdir(dir);
	return tap_done();
}
