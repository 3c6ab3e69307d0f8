/*
 * Unit tests of lib/hub/hubdb.c: making and opening the database, what
 * it refuses to open, a second connection that sees changes, batches.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hubdb_test.h"

/* Writes len bytes of p to a new file path.  Returns 0 or -1. */
static int
put_file(const char *path, const char *p, size_t len)
{
	int fd, r;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	r = write(fd, p, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return r;
}

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", path[256], p2[256];
	struct hubdb *other, *x = NULL;
	struct stat st;

	ok(mkdtemp(dir) != NULL, "tmp");
	(void)snprintf(path, sizeof(path), "%s/hub.db", dir);
	ok(hubdb_create(path, &err) == 0, "create");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the database is mode 0600");
	ok(hubdb_create(path, &err) == -1 && err.code == EX_CANTCREAT,
	    "not over an existing one");
	ok(hubdb_open(path, &h, &err) == 0, "open");
	ok(hubdb_open(path, &other, &err) == 0, "a second connection");
	ok(!hubdb_changed(h), "nothing changed yet");
	ok(hubdb_ping(h, &err) == 0, "it answers a ping");

	/* What is not a hub database is refused, not made one. */
	(void)snprintf(p2, sizeof(p2), "%s/none.db", dir);
	ok(hubdb_open(p2, &x, &err) == -1 && err.code == EX_NOINPUT,
	    "a missing database: EX_NOINPUT");
	ok(access(p2, F_OK) == -1, "  and it is not made");
	(void)snprintf(p2, sizeof(p2), "%s/text.db", dir);
	ok(put_file(p2, "not a database, but long enough to look at\n", 44) ==
	    0, "a text file");
	ok(hubdb_open(p2, &x, &err) == -1 && err.code == EX_CONFIG,
	    "is refused: EX_CONFIG");
	ok(strstr(err.msg, p2) != NULL, "  naming the file: %s", err.msg);
	(void)snprintf(p2, sizeof(p2), "%s/empty.db", dir);
	ok(put_file(p2, "", 0) == 0,
	    "an empty file (an empty SQLite database)");
	ok(hubdb_open(p2, &x, &err) == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "not a bb-hub database") != NULL,
	    "is refused: %s", err.msg);
	ok(x == NULL, "no connection is handed out");

	/* A change on one connection is seen on the other, once. */
	is_int(hubdb_worker_add(h, "w1", "HASH", 1000, &err), HUB_OK,
	    "a change");
	ok(hubdb_changed(other), "the other connection sees the change");
	ok(!hubdb_changed(other), "once");

	/* A batch: one transaction, seen by others only when committed. */
	ok(hubdb_batch(h, 1, &err) == 0, "a batch");
	is_int(hubdb_worker_add(h, "w2", "H2", 2000, &err), HUB_OK,
	    "a change in it");
	is_int(hubdb_worker_add(h, "w2", "H2", 2000, &err), HUB_EXISTS,
	    "a refused change in it");
	is_int(hubdb_worker_add(h, "w3", "H3", 2000, &err), HUB_OK,
	    "and another change");
	is_int(hubdb_worker_secret(other, "w2", p2, sizeof(p2), &err),
	    HUB_NOTFOUND, "not seen before the commit");
	ok(hubdb_batch(h, 0, &err) == 0, "commit");
	ok(hubdb_changed(other), "the other connection sees it");
	ok(hubdb_worker_secret(other, "w2", p2, sizeof(p2), &err) == HUB_OK &&
	    strcmp(p2, "H2") == 0 && hubdb_worker_secret(other, "w3", p2,
	    sizeof(p2), &err) == HUB_OK, "both changes are in");
	is_int(hubdb_worker_add(h, "w4", "H4", 3000, &err), HUB_OK,
	    "a change after the batch is a transaction of its own");
	ok(hubdb_worker_secret(other, "w4", p2, sizeof(p2), &err) == HUB_OK,
	    "and is seen at once");

	/* Reopened, the state is there. */
	hubdb_close(h);
	ok(hubdb_open(path, &h, &err) == 0, "reopen");
	ok(hubdb_worker_secret(h, "w3", p2, sizeof(p2), &err) == HUB_OK &&
	    strcmp(p2, "H3") == 0, "what was committed is kept");

	hubdb_close(other);
	hubdb_close(h);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
	return tap_done();
}
