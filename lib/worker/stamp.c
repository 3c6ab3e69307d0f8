#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "stamp.h"

static char stamp[PATH_MAX];

/* access(2) and kill(2) are async-signal-safe. */
static void
look(int sig)
{
	int saved = errno;

	(void)sig;
	if (access(stamp, F_OK) == 0)
		(void)kill(getpid(), SIGTERM);
	errno = saved;
}

int
stamp_watch(const char *basedir, unsigned int every, struct bb_error *err)
{
	struct sigaction sa;
	struct itimerval it;
	int n;

	n = snprintf(stamp, sizeof(stamp), "%s/%s", basedir, STAMP_NAME);
	if (n < 0 || (size_t)n >= sizeof(stamp)) {
		stamp[0] = '\0';
		bb_error_set(err, EX_USAGE, "%s: too long a path", basedir);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = look;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_sec = it.it_value.tv_sec = every;
	if (sigaction(SIGALRM, &sa, NULL) == -1 ||
	    setitimer(ITIMER_REAL, &it, NULL) == -1) {
		bb_error_errno(err, EX_OSERR, "%s: watching for it", stamp);
		return -1;
	}
	return 0;
}
