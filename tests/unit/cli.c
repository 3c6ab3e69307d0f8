/* Unit tests of lib/cli.c. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buildinfo.h"
#include "cli.h"
#include "tap.h"

/*
 * Forks a child whose descriptor target goes to a fresh file (its
 * descriptor in *fd); returns the child's pid, 0 in the child.
 */
static pid_t
fork_into(int target, int *fd)
{
	char path[] = "/tmp/bb-cli-XXXXXX";
	pid_t pid;

	if ((*fd = mkstemp(path)) == -1)
		tap_bail("mkstemp: %s", strerror(errno));
	(void)unlink(path);
	fflush(stdout);
	if ((pid = fork()) == -1)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0)
		(void)dup2(*fd, target);
	return pid;
}

/* Waits for pid; puts what it wrote to fd in out; its exit status. */
static int
reap(pid_t pid, int fd, char *out, size_t size)
{
	ssize_t n;
	int st;

	if (waitpid(pid, &st, 0) == -1)
		tap_bail("waitpid: %s", strerror(errno));
	if ((n = pread(fd, out, size - 1, 0)) == -1)
		tap_bail("read: %s", strerror(errno));
	out[n] = '\0';
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Runs cli_warn (code -1), cli_warn_retry (-2, 1001 ms) or cli_die
 * (else) on msg in a child whose standard error goes to a file; puts
 * what it wrote in out and returns its exit status (-1 if it did not
 * exit).
 */
static int
child(const char *msg, int code, char *out, size_t size)
{
	struct bb_error e;
	pid_t pid;
	int fd;

	if ((pid = fork_into(STDERR_FILENO, &fd)) == 0) {
		if (code == -1) {
			cli_warn(msg);
			_exit(0);
		}
		bb_error_set(&e, EX_TEMPFAIL, "%s", msg);
		if (code == -2) {
			cli_warn_retry(NULL, &e, 1001);
			_exit(0);
		}
		bb_error_set(&e, EX_DATAERR, "%s", msg);
		e.code = code;
		cli_die(&e);
	}
	return reap(pid, fd, out, size);
}

/*
 * Runs cli_start with the arguments in a child whose standard output
 * goes to a file, then (if it returns) exits 42; puts what it printed
 * in out and returns its exit status.
 */
static int
start(int argc, char *argv[], char *out, size_t size)
{
	pid_t pid;
	int fd;

	if ((pid = fork_into(STDOUT_FILENO, &fd)) == 0) {
		cli_start(argc, argv, "bb-test");
		_exit(42);
	}
	return reap(pid, fd, out, size);
}

int
main(void)
{
	char *version[] = { "bb-test", "--version", NULL };
	char *other[] = { "bb-test", "--version", "x", NULL };
	char out[1024], want[1024];
	int rc;

	rc = start(2, version, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "bb-test %s\n", buildinfo());
	is_int(rc, 0, "cli_start --version: exit 0");
	is_str(out, want, "cli_start --version: the name and the build");
	rc = start(3, other, out, sizeof(out));
	ok(rc == 42 && out[0] == '\0', "cli_start: other arguments are the "
	    "command's");

	rc = child("plain words", -1, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "%s: plain words\n",
	    getprogname());
	ok(rc == 0, "cli_warn returns");
	is_str(out, want, "cli_warn: the program's name, then the message");

	(void)child("a\tb\nc\001d\033[2J", -1, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "%s: a\\tb\\nc\\001d\\033[2J\n",
	    getprogname());
	is_str(out, want, "cli_warn: control bytes made visible");

	rc = child("no such file", EX_NOINPUT, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "%s: no such file\n",
	    getprogname());
	is_int(rc, EX_NOINPUT, "cli_die exits with the error's code");
	is_str(out, want, "cli_die says the message");

	rc = child("a\nforged line", EX_CONFIG, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "%s: a\\nforged line\n",
	    getprogname());
	is_str(out, want, "cli_die: a newline cannot forge a line");

	rc = child("GET /x: status 503", -2, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "%s: GET /x: status 503; trying "
	    "again in 2 s\n", getprogname());
	is_str(out, want, "cli_warn_retry: the message and the delay, "
	    "rounded up");

	rc = child("no code", 0, out, sizeof(out));
	is_int(rc, EX_SOFTWARE, "cli_die: an error without a code is "
	    "EX_SOFTWARE");
	return tap_done();
}
