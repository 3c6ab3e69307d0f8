/*
 * What the unit tests of the archives (tests/unit/pack*.c) share: a tree
 * in a temporary directory (dfd), the warnings the walk said (warned),
 * and an archive's members listed by libarchive.
 */
#ifndef BB_PACK_TEST_H
#define BB_PACK_TEST_H

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "pack.h"
#include "tap.h"

#define UNUSED	__attribute__((__unused__))

static char	warned[4096];
static int	dfd;

static UNUSED void
warn_cb(void *arg, const struct bb_error *e)
{
	(void)arg;
	(void)strlcat(warned, e->msg, sizeof(warned));
	(void)strlcat(warned, "\n", sizeof(warned));
}

static UNUSED void
put(const char *name, const char *text, mode_t mode)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1 || write(fd, text, strlen(text)) == -1)
		abort();
	fchmod(fd, mode);
	close(fd);
}

/* The members of the archive at path, one a line: "name mode time uid". */
static UNUSED void
list(const char *path, char *out, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char line[512];

	out[0] = '\0';
	archive_read_support_format_all(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK)
		return;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		snprintf(line, sizeof(line), "%s %o %lld %lld%s%s\n",
		    archive_entry_pathname(e), archive_entry_mode(e),
		    (long long)archive_entry_mtime(e),
		    (long long)archive_entry_uid(e),
		    archive_entry_symlink(e) ? " -> " : "",
		    archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
		strlcat(out, line, len);
	}
	archive_read_free(a);
}

/*
 * Makes the tree the tests pack in the directory dir (a template, made
 * here): a/, a/b/, a/b/f, a-c, a.txt and link (to /etc/passwd), with
 * modes to normalise; opens it as dfd.
 */
static UNUSED void
tree_setup(char *dir)
{
	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY)) == -1)
		abort();
	mkdirat(dfd, "a", 0700);
	mkdirat(dfd, "a/b", 0700);
	put("a/b/f", "f\n", 0600);
	put("a-c", "ac\n", 0644);
	put("a.txt", "txt\n", 0700);
	if (symlinkat("/etc/passwd", dfd, "link") == -1)
		abort();
}

/* Removes the tree of tree_setup.  Reports as one test. */
static UNUSED void
tree_cleanup(const char *dir)
{
	char cmd[4200];

	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
}

#endif
