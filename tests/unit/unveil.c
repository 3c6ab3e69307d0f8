/*
 * Unit tests of lib/unveil.c: once locked, writes and reads outside what
 * was unveiled are refused by the kernel (EACCES from open(2) itself, no
 * check of ours in the way), also for root and through a symbolic link.
 * Each confinement is tried in a child, since it cannot be undone.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unveil.h"
#include "tap.h"

enum {
	R_LOCK, R_MAKE_IN, R_MKDIR_IN, R_LINK_IN, R_MAKE_OUT, R_WRITE_OUT, R_READ_OUT,
	R_SYSTEM, R_LINK_OUT, R_RENAME_OUT, R_NEW_OK, R_AFTER_LOCK, R_N
};

static char tmp[] = "/tmp/bb-unveil.XXXXXX";

/* 0 for success, else the errno, written for the parent. */
static void
put(int fd, int i, int rv)
{
	int v[2];

	v[0] = i;
	v[1] = rv == -1 ? errno : 0;
	if (write(fd, v, sizeof(v)) != sizeof(v))
		_exit(2);
}

static int
path_open(const char *rel, int flags)
{
	char p[PATH_MAX];
	int fd;

	(void)snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	if ((fd = open(p, flags | O_CLOEXEC, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

static void
confined(int wfd)
{
	char in[PATH_MAX], p[PATH_MAX], q[PATH_MAX];

	(void)snprintf(in, sizeof(in), "%s/in", tmp);
	(void)snprintf(p, sizeof(p), "%s/later/new.sig", tmp);
	put(wfd, R_LOCK, bb_unveil(in, "rwc") == 0 && bb_unveil(p, "wc") == 0 &&
	    bb_pledge("stdio rpath wpath cpath", NULL) == 0 &&
	    bb_unveil(NULL, NULL) == 0 ? 0 : -1);
	put(wfd, R_MAKE_IN, path_open("in/new", O_WRONLY | O_CREAT));
	(void)snprintf(p, sizeof(p), "%s/in/sub", tmp);
	put(wfd, R_MKDIR_IN, mkdir(p, 0755));
	(void)snprintf(p, sizeof(p), "%s/in/new", tmp);
	(void)snprintf(q, sizeof(q), "%s/in/sub/hard", tmp);
	put(wfd, R_LINK_IN, link(p, q));
	put(wfd, R_MAKE_OUT, path_open("out/new", O_WRONLY | O_CREAT));
	put(wfd, R_WRITE_OUT, path_open("out/old", O_WRONLY));
	put(wfd, R_READ_OUT, path_open("out/old", O_RDONLY));
	put(wfd, R_SYSTEM, path_open("../../etc/passwd", O_RDONLY));
	put(wfd, R_LINK_OUT, path_open("in/link/new", O_WRONLY | O_CREAT));
	(void)snprintf(p, sizeof(p), "%s/in/new", tmp);
	(void)snprintf(q, sizeof(q), "%s/out/moved", tmp);
	put(wfd, R_RENAME_OUT, rename(p, q));
	put(wfd, R_NEW_OK, path_open("later/new.sig", O_WRONLY | O_CREAT));
	put(wfd, R_AFTER_LOCK, bb_unveil("/", "rwc"));
}

static int
net_refused(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int ls, s, rv;

	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(ls, 1) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	if (bb_pledge("stdio rpath", NULL) == -1 ||
	    bb_unveil(NULL, NULL) == -1)
		return -1;
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	rv = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	return rv == -1 && errno == EACCES ? 0 : -1;
}

int
main(void)
{
	int got[R_N], v[2], p[2], status, i, abi;
	char path[PATH_MAX];
	pid_t pid;

	abi = bb_landlock_abi();
	if (abi < 1) {
		printf("1..0 # SKIP the kernel has no Landlock\n");
		return 0;
	}
	printf("# Landlock ABI %d, uid %d\n", abi, (int)getuid());
	if (mkdtemp(tmp) == NULL)
		return 1;
	(void)snprintf(path, sizeof(path), "%s/in", tmp);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/out", tmp);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/later", tmp);
	(void)mkdir(path, 0755);
	(void)path_open("out/old", O_WRONLY | O_CREAT);
	(void)snprintf(path, sizeof(path), "%s/in/link", tmp);
	if (symlink("../out", path) == -1)
		return 1;

	if (pipe(p) == -1)
		return 1;
	for (i = 0; i < R_N; i++)
		got[i] = -1;
	if ((pid = fork()) == 0) {
		close(p[0]);
		confined(p[1]);
		_exit(0);
	}
	close(p[1]);
	while (read(p[0], v, sizeof(v)) == sizeof(v))
		if (v[0] >= 0 && v[0] < R_N)
			got[v[0]] = v[1];
	close(p[0]);
	(void)waitpid(pid, &status, 0);

	is_int(got[R_LOCK], 0, "unveil a directory, a file to be, then lock");
	is_int(got[R_MAKE_IN], 0, "a file is made in the unveiled directory");
	is_int(got[R_MKDIR_IN], 0, "and a directory");
	is_int(got[R_LINK_IN], 0, "and a hard link in another directory of "
	    "the tree, the network given up too");
	is_int(got[R_MAKE_OUT], EACCES, "a file made outside: the kernel "
	    "refuses it (EACCES)");
	is_int(got[R_WRITE_OUT], EACCES, "an existing file outside cannot "
	    "be written");
	is_int(got[R_READ_OUT], EACCES, "nor read");
	is_int(got[R_SYSTEM], 0, "the system's files can be read");
	is_int(got[R_LINK_OUT], EACCES, "a symbolic link inside that leads "
	    "outside does not help");
	ok(got[R_RENAME_OUT] == EACCES || got[R_RENAME_OUT] == EXDEV,
	    "nor does a rename out of the tree (errno %d)", got[R_RENAME_OUT]);
	is_int(got[R_NEW_OK], 0, "a file to be, unveiled: its directory "
	    "lets it be made");
	is_int(got[R_AFTER_LOCK], EPERM, "nothing more is unveiled once "
	    "locked");
	(void)snprintf(path, sizeof(path), "%s/out/new", tmp);
	ok(access(path, F_OK) == -1 && errno == ENOENT,
	    "and nothing escaped: out/new does not exist");

	if (abi < 4)
		ok(1, "# SKIP the network needs Landlock ABI 4 (Linux 6.7)");
	else {
		if ((pid = fork()) == 0)
			_exit(net_refused() == 0 ? 0 : 1);
		(void)waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "bb_pledge without inet: connect is refused (EACCES)");
	}

	(void)snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	if (system(path) != 0)
		tap_diag("cannot remove the temporary directory");
	return tap_done();
}
