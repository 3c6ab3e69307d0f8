/* Unit tests of lib/worker/collect.c: artifact globs confined to the work tree. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "collect.h"
#include "tap.h"

static char top[] = "/tmp/bb-collect.XXXXXX";

static void
mkfile(int dfd, const char *path)
{
	int fd;

	if ((fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		abort();
	if (write(fd, path, strlen(path)) == -1)
		abort();
	close(fd);
}

/* The collected paths, space-separated. */
static char *
joined(const struct collect *c)
{
	static char s[4096];
	size_t i;

	s[0] = '\0';
	for (i = 0; i < c->n; i++) {
		if (i > 0)
			(void)strlcat(s, " ", sizeof(s));
		(void)strlcat(s, c->path[i], sizeof(s));
	}
	return s;
}

static const char *
glob1(int root, const char *pattern)
{
	struct bb_error err;
	struct collect c;
	static char s[4096];

	collect_init(&c);
	if (collect_glob(&c, root, pattern, &err) == -1)
		(void)snprintf(s, sizeof(s), "error: %s", err.msg);
	else
		(void)strlcpy(s, joined(&c), sizeof(s));
	collect_free(&c);
	return s;
}

int
main(void)
{
	struct bb_error err;
	struct collect c;
	char outside[4200], buf[64];
	int root, fd;
	ssize_t n;

	if (mkdtemp(top) == NULL)
		abort();
	(void)snprintf(outside, sizeof(outside), "%s/outside", top);
	(void)mkdir(outside, 0755);
	(void)snprintf(outside, sizeof(outside), "%s/outside/secret", top);
	mkfile(AT_FDCWD, outside);
	(void)snprintf(outside, sizeof(outside), "%s/tree", top);
	(void)mkdir(outside, 0755);
	if ((root = open(outside, O_RDONLY | O_DIRECTORY)) == -1)
		abort();
	(void)mkdirat(root, "out", 0755);
	(void)mkdirat(root, "out/sub", 0755);
	(void)mkdirat(root, "dir.tar.gz", 0755);
	mkfile(root, "out/b.tar.gz");
	mkfile(root, "out/a.tar.gz");
	mkfile(root, "out/.hidden.tar.gz");
	mkfile(root, "out/sub/c.tar.gz");
	mkfile(root, "top.txt");
	mkfile(root, "we ird*name");
	if (symlinkat("../../outside/secret", root, "out/escape.tar.gz") == -1 ||
	    symlinkat("a.tar.gz", root, "out/link.tar.gz") == -1 ||
	    symlinkat("/etc/passwd", root, "abs.txt") == -1 ||
	    symlinkat("../outside", root, "esc") == -1)
		abort();
	(void)mkfifoat(root, "out/fifo.tar.gz", 0644);

	is_str(glob1(root, "out/*.tar.gz"),
	    "out/a.tar.gz out/b.tar.gz out/link.tar.gz",
	    "sorted regular files; symlink inside followed; no dot files, "
	    "fifo or escape");
	is_str(glob1(root, "out/.*"), "out/.hidden.tar.gz",
	    "a leading dot is matched when asked for");
	is_str(glob1(root, "*/*.tar.gz"),
	    "out/a.tar.gz out/b.tar.gz out/link.tar.gz",
	    "magic in the directory part");
	is_str(glob1(root, "out/sub/c.tar.gz"), "out/sub/c.tar.gz",
	    "a literal path");
	is_str(glob1(root, "./out//sub/c.tar.gz"), "out/sub/c.tar.gz",
	    "\".\" and empty components are dropped");
	is_str(glob1(root, "*.gz"), "", "a directory is no artifact");
	is_str(glob1(root, "nothing*"), "", "no match is no error");
	is_str(glob1(root, "missing/x"), "", "a missing literal path");
	is_str(glob1(root, "we\\ ird\\*name"), "we ird*name",
	    "backslash escapes");
	is_str(glob1(root, "t?p.[st]xt"), "top.txt", "? and [...]");
	is_str(glob1(root, "../outside/secret"),
	    "error: collect ../outside/secret: not a relative path inside "
	    "the work tree", "\"..\" refused");
	is_str(glob1(root, "/etc/passwd"),
	    "error: collect /etc/passwd: not a relative path inside the "
	    "work tree", "an absolute path refused");

	collect_init(&c);
	is_int(collect_glob(&c, root, "*.txt", &err), 0, "*.txt");
	is_str(joined(&c), "top.txt", "an absolute symlink is not followed");
	is_int(collect_glob(&c, root, "esc/*", &err), 0, "esc/*");
	is_int(collect_glob(&c, root, "out/escape.tar.gz", &err), 0,
	    "a literal escaping link");
	is_int(collect_glob(&c, root, "top.txt", &err), 0, "top.txt again");
	is_int(c.n, 1, "nothing added twice, nothing from outside");

	is_int(c.nrefused, 3, "three refused");
	if (c.nrefused == 3) {
		is_str(c.refused[0], "abs.txt", "the absolute link");
		is_str(c.refused[1], "esc", "the escaping directory");
		is_str(c.refused[2], "out/escape.tar.gz", "the escaping file");
	}
	collect_free(&c);

	fd = collect_open(root, "out/a.tar.gz", &err);
	ok(fd != -1, "collect_open a regular file");
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "out/a.tar.gz", "its content");
	close(fd);
	is_int(collect_open(root, "out/escape.tar.gz", &err), -1,
	    "collect_open refuses a link out of the tree");
	is_int(collect_open(root, "out/fifo.tar.gz", &err), -1,
	    "collect_open refuses a fifo");
	is_str(err.msg, "out/fifo.tar.gz: not a regular file", "message");
	is_int(collect_open(root, "out", &err), -1,
	    "collect_open refuses a directory");
	is_int(collect_open(root, "gone", &err), -1, "a missing file");
	is_int(err.code, EX_NOINPUT, "is EX_NOINPUT");

	close(root);
	(void)snprintf(outside, sizeof(outside), "rm -rf %s", top);
	if (system(outside) != 0)
		ok(0, "clean up %s", top);
	return tap_done();
}
