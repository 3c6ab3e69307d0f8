/* Unit tests of lib/worker/bg.c. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bg.h"
#include "tap.h"

struct job {
	int	 in;		/* read end the call waits on */
	int	 n;
};

static void
call(void *p)
{
	struct job *j = p;
	char c;

	if (read(j->in, &c, 1) == 1)
		j->n = c;
}

int
main(void)
{
	struct bb_error err;
	struct pollfd pfd;
	struct job j;
	struct bg *bg;
	int wake[2], gate[2];
	char c;

	ok(pipe2(wake, O_CLOEXEC | O_NONBLOCK) == 0 &&
	    pipe2(gate, O_CLOEXEC) == 0, "pipes");
	ok((bg = bg_new(wake[1], &err)) != NULL, "new");
	ok(!bg_busy(bg) && !bg_poll(bg), "idle at first");
	memset(&j, 0, sizeof(j));
	j.in = gate[0];
	ok(bg_start(bg, call, &j, &err) == 0, "start");
	ok(bg_busy(bg), "busy while the call waits");
	ok(bg_start(bg, call, &j, &err) == -1 && err.code == EX_SOFTWARE,
	    "a second call is refused while one runs");
	ok(!bg_poll(bg), "not returned yet");
	ok(write(gate[1], "\7", 1) == 1, "let it go");
	pfd.fd = wake[0];
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 10000) == 1 && read(wake[0], &c, 1) == 1,
	    "woken up");
	ok(bg_poll(bg) && !bg_busy(bg) && j.n == 7, "returned, result there");
	ok(!bg_poll(bg), "a return is seen once");
	ok(bg_start(bg, call, &j, &err) == 0, "start again");
	ok(write(gate[1], "\11", 1) == 1, "let it go");
	bg_free(bg);
	is_int(j.n, 9, "free waits for the call under way");
	return tap_done();
}
