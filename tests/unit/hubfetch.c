/*
 * Unit tests of lib/hub/hubfetch.c: a job's artifacts fetched from a hub
 * directory into another directory; names that are paths get their
 * directories; names that would leave the directory (absolute, "..", a
 * symbolic link on the way) are refused; a blob that does not match its
 * digest leaves nothing behind; a file already there is kept.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hubfetch.h"
#include "tap.h"

static char dir[] = "/tmp/bb-unit.XXXXXX";
static struct bb_error err;
static struct hub_dir *hd;

/* Returns dir/name in a static buffer (one of four, in turn). */
static const char *
path(const char *name)
{
	static char p[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	(void)snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* Returns the contents of dir/name (up to 255 bytes), or "". */
static const char *
slurp(const char *name)
{
	static char b[256];
	ssize_t n;
	int fd;

	b[0] = '\0';
	if ((fd = open(path(name), O_RDONLY | O_NOFOLLOW)) == -1)
		return b;
	n = read(fd, b, sizeof(b) - 1);
	b[n > 0 ? n : 0] = '\0';
	close(fd);
	return b;
}

/* Puts text into the store: its digest in hex. */
static void
put(const char *text, char *hex)
{
	int p[2];
	off_t size;

	if (pipe(p) == -1)
		return;
	if (write(p[1], text, strlen(text)) != (ssize_t)strlen(text))
		hex[0] = '\0';
	close(p[1]);
	(void)blob_put_fd(hd->blobs, p[0], "text", 1 << 20, hex, &size,
	    &err);
	close(p[0]);
}

/*
 * A finished job with the artifacts names[i] holding texts[i] (n of
 * them).  Returns its id, or 0.
 */
static long long
job(const char **names, const char **texts, size_t n)
{
	static int w;
	struct recipe *rc;
	struct record rec;
	struct buf *b = buf_new(1 << 20);
	char hex[DIGEST_HEXLEN + 1], src[DIGEST_HEXLEN + 1], lease[65];
	char worker[16];
	const char *text = "step a: true\n";
	long long id = 0, now = hub_now();
	size_t i;

	record_init(&rec);
	(void)snprintf(worker, sizeof(worker), "w%d", ++w);
	put("source", src);
	if (hubdb_worker_add(hd->db, worker, "H", now, &err) != HUB_OK ||
	    recipe_parse(text, strlen(text), "t", &rc, &err) == -1)
		return 0;
	if (hub_submit(hd, rc, src, 0, &id, &err) != HUB_OK ||
	    hubdb_claim(hd->db, worker, "", id, now, 60000, &rec, b,
	    &err) != HUB_OK)
		id = 0;
	recipe_free(rc);
	if (id != 0)
		(void)strlcpy(lease, record_get(&rec, "lease"), sizeof(lease));
	for (i = 0; id != 0 && i < n; i++) {
		put(texts[i], hex);
		if (hubdb_artifact(hd->db, id, lease, worker, names[i], hex,
		    (off_t)strlen(texts[i]), now, 60000, &err) != HUB_OK)
			id = 0;
	}
	record_free(&rec);
	buf_free(b);
	return id;
}

static int nplaced, nthere;

static void
done(void *arg, const char *name, off_t size, int there)
{
	(void)arg;
	(void)name;
	(void)size;
	if (there)
		nthere++;
	else
		nplaced++;
}

/* Fetches job id into dir/name.  Returns 0 or -1. */
static int
fetch(long long id, const char *name)
{
	struct hubfetch f;
	int rv;

	memset(&f, 0, sizeof(f));
	f.done = done;
	(void)mkdir(path(name), 0755);
	if ((f.dirfd = open(path(name), O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	rv = hubfetch_local(hd, id, &f, &err);
	close(f.dirfd);
	return rv;
}

int
main(void)
{
	const char *names[] = { "top.txt", "a/b/deep.txt", "a/side.txt" };
	const char *texts[] = { "top\n", "deep\n", "side\n" };
	const char *bad[] = { "../evil", "/abs", "a/../b", "a//b", "a/",
	    "a/./b", "x\\y" };
	const char *one;
	char cmd[PATH_MAX + 16], hex[DIGEST_HEXLEN + 1];
	long long id;
	size_t i;

	ok(mkdtemp(dir) != NULL && hub_dir_init(path("hub"), &err) == 0 &&
	    hub_dir_open(path("hub"), &hd, &err) == 0, "a hub directory");

	ok(hubfetch_valid_name("a/b/c.tar.gz") && hubfetch_valid_name("x"),
	    "names and paths of names");
	for (i = 0; i < nitems(bad); i++)
		ok(!hubfetch_valid_name(bad[i]), "%s is refused", bad[i]);

	id = job(names, texts, 3);
	ok(id > 0, "a job with three artifacts, two in directories");
	ok(fetch(id, "out") == 0 && nplaced == 3, "fetched: %s",
	    err.msg);
	is_str(slurp("out/top.txt"), "top\n", "top.txt");
	is_str(slurp("out/a/b/deep.txt"), "deep\n", "a/b/deep.txt");
	is_str(slurp("out/a/side.txt"), "side\n", "a/side.txt");
	ok(fetch(id, "out") == 0 && nthere == 3 && nplaced == 3,
	    "again: all three are there already, kept");

	/* Names that would leave the directory. */
	for (i = 0; i < 3; i++) {
		one = i == 0 ? "../evil" : i == 1 ? "/abs" : "a/../../evil";
		id = job(&one, texts, 1);
		ok(id > 0 && fetch(id, "bad") == -1 && err.code == EX_DATAERR,
		    "%s: refused: %s", one, err.msg);
	}
	ok(access(path("evil"), F_OK) == -1 && access("/abs", F_OK) == -1,
	    "  nothing was written outside");

	/* A symbolic link on the way is not followed. */
	ok(mkdir(path("outside"), 0755) == 0 && mkdir(path("sym"), 0755) ==
	    0 && symlink(path("outside"), path("sym/link")) == 0,
	    "a target directory with a link to outside it");
	one = "link/x";
	id = job(&one, texts, 1);
	ok(id > 0 && fetch(id, "sym") == -1 && err.code == EX_CANTCREAT &&
	    strstr(err.msg, "link") != NULL, "link/x is refused: %s", err.msg);
	ok(access(path("outside/x"), F_OK) == -1, "  nothing went through it");
	one = "link";
	id = job(&one, texts, 1);
	ok(id > 0 && fetch(id, "sym") == 0, "an artifact named as the link");
	is_str(slurp("sym/link"), "top\n", "  replaces the link, not its target");

	/* A blob that does not match its digest. */
	one = "c.txt";
	id = job(&one, &texts[2], 1);
	put("side\n", hex);
	(void)snprintf(cmd, sizeof(cmd), "echo tampered > %s/hub/blobs/%.2s/%s",
	    dir, hex, hex);
	ok(system(cmd) == 0, "a blob changed behind the hub's back");
	ok(fetch(id, "t") == -1 && err.code == EX_DATAERR &&
	    strstr(err.msg, "as the hub recorded") != NULL, "is refused: %s",
	    err.msg);
	(void)snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", path("t"));
	ok(system(cmd) == 0, "  and leaves nothing behind");

	/* Attempts. */
	ok(fetch(id + 100, "none") == -1 && err.code == EX_DATAERR &&
	    strstr(err.msg, "no job") != NULL, "an unknown job: %s", err.msg);
	id = job(NULL, NULL, 0);
	ok(id > 0 && fetch(id, "none") == -1 && strstr(err.msg,
	    "no artifacts of attempt 1: it is still running") != NULL,
	    "a running job without artifacts: %s", err.msg);

	hub_dir_close(hd);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	return tap_done();
}
