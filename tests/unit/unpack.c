/*
 * Unit tests of lib/worker/unpack.c: job records and unpack_fd on small
 * archives written here (the hostile corpus is in
 * tests/cmd/bb-unpack.t).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "file.h"
#include "unpack.h"
#include "tap.h"

static char tmp[] = "/tmp/bb-unpack-test.XXXXXX";

/* Writes a tar to fd: "f:NAME" 5-byte files, "l:NAME:TARGET" links. */
static void
mktar(int fd, const char **members)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char buf[256], *t;

	(void)lseek(fd, 0, SEEK_SET);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	for (; *members != NULL; members++) {
		(void)strlcpy(buf, *members + 2, sizeof(buf));
		archive_entry_clear(e);
		archive_entry_set_pathname(e, buf);
		if ((*members)[0] == 'l' && (t = strchr(buf, ':')) != NULL) {
			*t = '\0';
			archive_entry_set_pathname(e, buf);
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, t + 1);
			archive_entry_set_perm(e, 0777);
			archive_write_header(a, e);
			continue;
		}
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0664);
		archive_entry_set_size(e, 5);
		archive_write_header(a, e);
		archive_write_data(a, "data\n", 5);
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	(void)lseek(fd, 0, SEEK_SET);
}

static char source[256];

/* Parses a job record; its source is copied to source. */
static int
parse(const char *line, struct unpack_job *job, struct bb_error *err)
{
	struct record r;
	int rv;

	record_init(&r);
	source[0] = '\0';
	if (record_parse(&r, line, strlen(line), err) == -1)
		rv = -2;
	else if ((rv = unpack_job_parse(&r, job, err)) == 0)
		(void)strlcpy(source, job->source, sizeof(source));
	record_free(&r);
	return rv;
}

static void
test_jobs(void)
{
	struct unpack_job job;
	struct bb_error err;
	const char *sha = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495"
	    "991B7852B855";
	char line[512];

	(void)snprintf(line, sizeof(line), "job id=42 attempt=2 "
	    "source=/v1/jobs/42/source size=10 sha256=%s lease=L1", sha);
	ok(parse(line, &job, &err) == 0 && strcmp(job.id, "42") == 0 &&
	    job.attempt == 2 && job.size == 10 &&
	    strcmp(source, "/v1/jobs/42/source") == 0, "good job");
	is_str(job.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
	    "95991b7852b855", "sha256 in lower case");
	(void)snprintf(line, sizeof(line), "job id=../x attempt=1 source=/s "
	    "size=10 sha256=%s", sha);
	ok(parse(line, &job, &err) == -1 && err.code == EX_DATAERR,
	    "id ../x refused: %s", err.msg);
	(void)snprintf(line, sizeof(line), "job id=.x attempt=1 source=/s "
	    "size=10 sha256=%s", sha);
	ok(parse(line, &job, &err) == -1, "id .x refused");
	(void)snprintf(line, sizeof(line), "job id=a/b attempt=1 source=/s "
	    "size=10 sha256=%s", sha);
	ok(parse(line, &job, &err) == -1, "id a/b refused");
	(void)snprintf(line, sizeof(line), "job id=%065d attempt=1 "
	    "source=/s size=10 sha256=%s", 1, sha);
	ok(parse(line, &job, &err) == -1, "id of 65 bytes refused");
	(void)snprintf(line, sizeof(line), "job id=1 source=/s size=10 "
	    "sha256=%s", sha);
	ok(parse(line, &job, &err) == -1 && strstr(err.msg, "attempt") !=
	    NULL, "no attempt: %s", err.msg);
	(void)snprintf(line, sizeof(line), "job id=1 attempt=1 source=/s "
	    "size=0 sha256=%s", sha);
	ok(parse(line, &job, &err) == -1 && strstr(err.msg, "size") != NULL,
	    "size 0 refused");
	(void)snprintf(line, sizeof(line), "job id=1 attempt=1 size=1 "
	    "sha256=%s", sha);
	ok(parse(line, &job, &err) == -1 && strstr(err.msg, "source") != NULL,
	    "no source refused");
	ok(parse("job id=1 attempt=1 source=/s size=1 sha256=abc", &job,
	    &err) == -1 && strstr(err.msg, "sha256") != NULL,
	    "short sha256 refused");
	(void)snprintf(line, sizeof(line), "job id=1 attempt=1 source=/s "
	    "size=1 sha256=%.63sg", sha);
	ok(parse(line, &job, &err) == -1, "sha256 with a g refused");
}

static void
test_unpack(void)
{
	const char *good[] = { "f:a/b.txt", "f:c", "l:a/l:b.txt", NULL };
	const char *evil[] = { "f:first", "l:l:/etc", NULL };
	char dir[256], p[PATH_MAX];
	struct unpack u;
	struct bb_error err;
	struct stat st;
	volatile sig_atomic_t stop = 0;
	int fd, pfd[2];

	unpack_init(&u);
	ok(u.max_bytes == UNPACK_MAX_BYTES &&
	    u.max_entries == UNPACK_MAX_ENTRIES, "default limits");
	(void)snprintf(dir, sizeof(dir), "%s/x", tmp);
	(void)mkdir(dir, 0755);
	(void)snprintf(p, sizeof(p), "%s/arch", tmp);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	mktar(fd, good);
	ok(unpack_fd(&u, fd, "good.tar", dir, &err) == 0, "good archive");
	ok(u.entries == 4 && u.members == 3 && u.bytes == 10, "counted %lld "
	    "objects (a, made for a/b.txt, too), %lld members, %lld bytes",
	    u.entries, u.members, u.bytes);
	ok(tap_exists(dir, "a/b.txt") && tap_exists(dir, "c") && tap_exists(dir, "a/l"),
	    "members extracted");
	(void)snprintf(p, sizeof(p), "%s/c", dir);
	ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "mode 0664 masked to 0644");
	(void)lseek(fd, 0, SEEK_SET);
	ok(unpack_fd(&u, fd, "good.tar", dir, &err) == -1 &&
	    err.code == EX_CANTCREAT && tap_exists(dir, "c"),
	    "a directory that is not empty is refused and left alone");
	ok(file_rmtree(dir, 1, &err) == 0, "emptied");

	u.max_entries = 2;
	(void)lseek(fd, 0, SEEK_SET);
	ok(unpack_fd(&u, fd, "good.tar", dir, &err) == -1 &&
	    err.code == EX_DATAERR && tap_entries(dir) == 0,
	    "over the member limit: %s", err.msg);
	u.max_entries = UNPACK_MAX_ENTRIES;
	u.max_bytes = 9;
	(void)lseek(fd, 0, SEEK_SET);
	ok(unpack_fd(&u, fd, "good.tar", dir, &err) == -1 &&
	    err.code == EX_DATAERR && tap_entries(dir) == 0,
	    "over the byte limit: %s", err.msg);
	u.max_bytes = UNPACK_MAX_BYTES;

	u.stop = &stop;
	stop = 1;
	(void)lseek(fd, 0, SEEK_SET);
	ok(unpack_fd(&u, fd, "good.tar", dir, &err) == -1 &&
	    err.code == EX_TEMPFAIL && tap_entries(dir) == 0, "stopped");
	u.stop = NULL;

	/* From a pipe: one pass, and what came first is removed. */
	if (ftruncate(fd, 0) == -1)
		ok(0, "ftruncate");
	mktar(fd, evil);
	if (pipe(pfd) == -1)
		return;
	{
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0 && write(pfd[1], buf, (size_t)n) != n)
			n = -1;
		close(pfd[1]);
		ok(n > 0, "archive in a pipe");
	}
	ok(unpack_fd(&u, pfd[0], "pipe", dir, &err) == -1 &&
	    err.code == EX_DATAERR && tap_entries(dir) == 0 &&
	    strstr(err.msg, "pipe: l: refused: symbolic link to /etc") != NULL,
	    "refused from a pipe, first member removed: %s", err.msg);
	close(pfd[0]);
	close(fd);
	ok(unpack_fd(&u, 0, "x", "/nonexistent/dir", &err) == -1 &&
	    err.code == EX_CANTCREAT, "missing directory");
	(void)rmdir(dir);
}

int
main(void)
{
	char cmd[PATH_MAX];

	if (mkdtemp(tmp) == NULL)
		return 1;
	umask(022);
	test_jobs();
	test_unpack();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		ok(0, "clean up");
	return tap_done();
}
