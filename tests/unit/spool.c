/* Unit tests of lib/worker/spool.c. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "spool.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", b[256], cmd[300], **names;
	struct spool *sp = NULL, *sp2 = NULL;
	struct bb_error err;
	struct buf *ctx, *bb;
	struct stat st;
	long long *seqs;
	size_t n;
	int base, fd;

	ok(spool_valid_name("42.1") && spool_valid_name("7.12"), "names");
	ok(!spool_valid_name("42") && !spool_valid_name(".1") &&
	    !spool_valid_name("1.") && !spool_valid_name("1.2.3") &&
	    !spool_valid_name("../1.1") && !spool_valid_name("a.1"),
	    "bad names refused");

	base = tap_tmpdir(dir);
	ok(spool_list(base, &names, &err) == 0 && names[0] == NULL,
	    "no spool directory: empty list");
	spool_names_free(names);
	ok(spool_create(base, "42.1", &sp, &err) == 0, "create");
	ok(fstatat(base, "spool/42.1", &st, 0) == 0 &&
	    (st.st_mode & 0777) == 0700, "directory mode 0700");
	ok(fstatat(base, "spool/42.1/records", &st, 0) == 0 &&
	    (st.st_mode & 0777) == 0600, "records mode 0600");
	ok(spool_create(base, "42.1", &sp2, &err) == -1 &&
	    err.code == EX_CANTCREAT && strstr(err.msg, "--resend") != NULL,
	    "an existing spool is refused: %s", err.msg);
	ok(spool_open(base, "42.1", &sp2, &err) == 1, "locked while in use");
	ok(spool_set_context(sp, "session token=T\n", 16, &err) == 0 &&
	    fstatat(base, "spool/42.1/context", &st, 0) == 0 &&
	    (st.st_mode & 0777) == 0600, "context written 0600");
	ok(spool_append(sp, "log data=a seq=1", 16, &err) == 0 &&
	    spool_append(sp, "log data=bb seq=2", 17, &err) == 0 &&
	    spool_append(sp, "done seq=3", 10, &err) == 0, "append");
	is_int(sp->end, 17 + 18 + 11, "end");
	is_int(sp->lines, 3, "lines");
	ok(spool_sync(sp, &err) == 0 && !sp->dirty, "sync");
	memset(b, 0, sizeof(b));
	is_int(spool_read(sp, 17, b, sizeof(b), &err), 29, "read to end");
	is_str(b, "log data=bb seq=2\ndone seq=3\n", "read bytes");
	is_int(spool_read(sp, sp->end, b, sizeof(b), &err), 0, "read at end");
	ok(spool_ack(sp, 2, 35, &err) == 0, "ack");
	ok(spool_uploaded(sp, 2, &err) == 0 && spool_uploaded(sp, 3,
	    &err) == 0, "uploaded");
	spool_close(sp);

	/* A crash cut the last line. */
	fd = openat(base, "spool/42.1/records", O_WRONLY | O_APPEND);
	ok(fd != -1 && write(fd, "log da", 6) == 6, "cut line");
	close(fd);
	ok(spool_open(base, "42.1", &sp, &err) == 0, "reopen: %s", err.msg);
	is_int(sp->lines, 3, "cut line dropped");
	is_int(sp->end, 46, "end at the last newline");
	is_int(sp->acked, 2, "acked lines");
	is_int(sp->acked_off, 35, "acked offset");
	ok(spool_context(sp, &ctx, &err) == 0 &&
	    strcmp(ctx->data, "session token=T") == 0, "context read (as a secret)");
	buf_freezero(ctx);
	ok(spool_uploads(sp, &seqs, &n, &err) == 0 && n == 2 &&
	    seqs[0] == 2 && seqs[1] == 3, "uploads read");
	free(seqs);
	ok(spool_append(sp, "beat seq=4", 10, &err) == 0 && sp->lines == 4,
	    "append after reopen");
	spool_close(sp);

	/* An acked file that does not fit. */
	fd = openat(base, "spool/42.1/acked", O_WRONLY | O_TRUNC);
	ok(fd != -1 && write(fd, "acked seq=2 offset=30\n", 22) == 22,
	    "bad ack");
	close(fd);
	ok(spool_open(base, "42.1", &sp, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "42.1") != NULL,
	    "acked off a line boundary refused: %s", err.msg);
	fd = openat(base, "spool/42.1/acked", O_WRONLY | O_TRUNC);
	ok(fd != -1 && write(fd, "acked seq=9 offset=57\n", 22) == 22,
	    "ack past the end");
	close(fd);
	ok(spool_open(base, "42.1", &sp, &err) == -1 &&
	    err.code == EX_DATAERR, "acked past the end refused");
	ok(spool_open(base, "43.1", &sp, &err) == -1 &&
	    err.code == EX_NOINPUT, "missing spool: %s", err.msg);

	/* Durability by time: acked never runs ahead of the disk. */
	ok(spool_create(base, "8.1", &sp, &err) == 0, "a spool");
	ok(spool_append(sp, "log data=a seq=1", 16, &err) == 0 &&
	    sp->dirty && sp->synced == 0, "a line: in the OS, not on disk");
	ok(spool_ack(sp, 1, 17, &err) == 0 && sp->ack_dirty &&
	    fstatat(base, "spool/8.1/acked", &st, 0) == -1,
	    "its ack waits for the disk");
	ok(spool_sync(sp, &err) == 0 && !sp->dirty && sp->synced == 17 &&
	    !sp->ack_dirty, "sync: the line, then the ack");
	bb = NULL;
	ok(file_read(base, "spool/8.1/acked", 100, &bb, &err) == 0 &&
	    strcmp(bb->data, "acked seq=1 offset=17\n") == 0,
	    "  acked seq=1 offset=17");
	buf_free(bb);
	ok(spool_append(sp, "done seq=2", 10, &err) == 0 &&
	    spool_sync(sp, &err) == 0 && spool_ack(sp, 2, 28, &err) == 0 &&
	    !sp->ack_dirty, "an ack of lines on disk is written at once");
	bb = NULL;
	ok(file_read(base, "spool/8.1/acked", 100, &bb, &err) == 0 &&
	    strcmp(bb->data, "acked seq=2 offset=28\n") == 0,
	    "  in place: acked seq=2 offset=28");
	buf_free(bb);
	spool_close(sp);
	ok(spool_open(base, "8.1", &sp, &err) == 0 && sp->acked == 2 &&
	    sp->acked_off == 28, "and read back");
	ok(spool_remove(sp, &err) == 0, "removed");

	ok(spool_create(base, "7.2", &sp, &err) == 0, "second spool");
	spool_close(sp);
	ok(mkdirat(base, "spool/junk", 0700) == 0, "junk dir");
	ok(spool_list(base, &names, &err) == 0 && names[0] != NULL &&
	    strcmp(names[0], "42.1") == 0 && names[1] != NULL &&
	    strcmp(names[1], "7.2") == 0 && names[2] == NULL,
	    "list: spools only, sorted");
	spool_names_free(names);
	unlinkat(base, "spool/42.1/acked", 0);
	ok(spool_open(base, "42.1", &sp, &err) == 0 && sp->acked == 0,
	    "no acked file: nothing acknowledged");
	ok(spool_remove(sp, &err) == 0 &&
	    fstatat(base, "spool/42.1", &st, 0) == -1, "removed");

	/* The disk failed: the records go on in memory. */
	ok(spool_open(base, "7.2", &sp, &err) == 0 &&
	    spool_append(sp, "log data=a seq=1", 16, &err) == 0 &&
	    spool_append(sp, "beat seq=2", 10, &err) == 0, "a spool");
	ok(spool_to_memory(sp, &err) == 0 && sp->memory && sp->end == 28 &&
	    sp->lines == 2, "moved to memory, records and all");
	ok(spool_append(sp, "done seq=3", 10, &err) == 0 && sp->end == 39 &&
	    sp->lines == 3, "append in memory");
	memset(b, 0, sizeof(b));
	ok(spool_read(sp, 0, b, sizeof(b), &err) == 39 &&
	    strcmp(b, "log data=a seq=1\nbeat seq=2\ndone seq=3\n") == 0,
	    "read from memory");
	ok(fstatat(base, "spool/7.2/records", &st, 0) == 0 &&
	    st.st_size == 28, "the disk's file is left as it was");
	ok(spool_sync(sp, &err) == 0 && spool_ack(sp, 3, 39, &err) == 0 &&
	    sp->acked == 3 && sp->acked_off == 39 &&
	    spool_uploaded(sp, 3, &err) == 0 &&
	    spool_set_context(sp, "x\n", 2, &err) == 0 &&
	    fstatat(base, "spool/7.2/acked", &st, 0) == -1 &&
	    fstatat(base, "spool/7.2/uploaded", &st, 0) == -1 &&
	    fstatat(base, "spool/7.2/context", &st, 0) == -1,
	    "sync, ack, uploaded, context: in memory only");
	ok(spool_remove(sp, &err) == 0 &&
	    fstatat(base, "spool/7.2", &st, 0) == -1,
	    "removed, with its directory on disk");
	ok(spool_memory("8.1", &sp, &err) == 0 && sp->memory &&
	    spool_append(sp, "beat seq=1", 10, &err) == 0 &&
	    spool_read(sp, 0, b, sizeof(b), &err) == 11 &&
	    spool_ack(sp, 1, 11, &err) == 0, "a spool in memory only");
	ok(spool_remove(sp, &err) == 0 &&
	    fstatat(base, "spool/8.1", &st, 0) == -1, "  and gone");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "cleaned up");
	close(base);
	return tap_done();
}
