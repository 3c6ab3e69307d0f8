/*
 * libFuzzer target: any bytes as an archive for unpack_fd, into a fresh
 * directory inside a sandbox.  Besides crashes, it fails when anything
 * appears in the sandbox beside that directory (an escape by "..").
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "unpack.h"

static char sandbox[] = "/tmp/bb-fuzz-unpack.XXXXXX";
static char dir[sizeof(sandbox) + 2];

static void
clean(void)
{
	(void)file_rmtree(sandbox, 0, NULL);
}

static int
only_x(void)
{
	struct dirent *de;
	DIR *d;
	int bad = 0;

	if ((d = opendir(sandbox)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, "x") != 0)
			bad = 1;
	closedir(d);
	return !bad;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack u;
	struct bb_error err;
	int fd;

	if (dir[0] == '\0') {
		if (mkdtemp(sandbox) == NULL)
			abort();
		(void)snprintf(dir, sizeof(dir), "%s/x", sandbox);
		if (mkdir(dir, 0700) == -1)
			abort();
		atexit(clean);
	}
	if ((fd = memfd_create("archive", MFD_CLOEXEC)) == -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	unpack_init(&u);
	u.max_entries = 200;
	u.max_bytes = 4 * 1024 * 1024;
	(void)unpack_fd(&u, fd, "fuzz", dir, &err);
	close(fd);
	if (!only_x())
		abort();
	if (file_rmtree(dir, 1, &err) == -1)
		abort();
	return 0;
}
