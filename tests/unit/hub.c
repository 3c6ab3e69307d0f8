/*
 * Unit tests of lib/hub/hub.c: the hub directory init makes (modes, the
 * admin token) and what open refuses (nothing there, a half-made or
 * wrong directory); workers added with a secret; sources put into the
 * blob store (a file as it is, a directory packed the same way each
 * time, standard input); submitting a job on a source; the clock.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "hub.h"
#include "tap.h"

static char dir[] = "/tmp/bb-unit.XXXXXX";
static struct bb_error err;

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

/* Returns the permission bits of dir/name, or -1. */
static int
mode_of(const char *name)
{
	struct stat st;

	if (lstat(path(name), &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* Writes text to dir/name with mode.  Returns 0 or -1. */
static int
put(const char *name, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd, r;

	(void)unlink(path(name));
	if ((fd = open(path(name), O_WRONLY | O_CREAT | O_EXCL, mode)) == -1)
		return -1;
	r = write(fd, text, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return r == 0 ? chmod(path(name), mode) : -1;
}

/* Reads at most len - 1 bytes of dir/name into out.  Returns 0 or -1. */
static int
get(const char *name, char *out, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path(name), O_RDONLY)) == -1)
		return -1;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* The output of the shell command cmd, its last newline cut, in out. */
static const char *
sh(const char *cmd, char *out, size_t len)
{
	FILE *fp;
	size_t n = 0;

	out[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL)
		return out;
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	(void)pclose(fp);
	return out;
}

/* Returns the blob path of hex in the hub directory hub. */
static const char *
blob_path(const char *hub, const char *hex)
{
	static char p[PATH_MAX];

	(void)snprintf(p, sizeof(p), "%s/blobs/%.2s/%s", path(hub), hex, hex);
	return p;
}

/* Lists the tar.gz at file: "name:mtime " per entry, in out. */
static void
tar_list(const char *file, char *out, size_t len)
{
	struct archive_entry *e;
	struct archive *ar;
	char s[512];

	out[0] = '\0';
	ar = archive_read_new();
	archive_read_support_filter_gzip(ar);
	archive_read_support_format_tar(ar);
	if (archive_read_open_filename(ar, file, 10240) == ARCHIVE_OK)
		while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
			(void)snprintf(s, sizeof(s), "%s:%lld ",
			    archive_entry_pathname(e),
			    (long long)archive_entry_mtime(e));
			(void)strlcat(out, s, len);
		}
	archive_read_free(ar);
}

static int
get_attempts(void *arg, const struct record *r)
{
	const char *a;

	if (record_is(r, "job") && (a = record_get(r, "attempts")) != NULL)
		(void)strlcpy(arg, a, 16);
	return 0;
}

int
main(void)
{
	char tok[256], tok2[256], out[1024], cmd[PATH_MAX + 64];
	char hex[DIGEST_HEXLEN + 1], hex2[DIGEST_HEXLEN + 1];
	char secret[HUBAUTH_TOKEN_LEN + 1], hash[HUBAUTH_HASH_MAX];
	char longp[PATH_MAX];
	struct hub_dir *hd = NULL, *x = NULL;
	struct recipe *rc = NULL;
	struct buf *b = NULL;
	long long id, t;
	off_t size;
	size_t i;
	int fd, saved;

	t = (long long)time(NULL) * 1000;
	ok(hub_now() >= t && hub_now() <= t + 2000,
	    "hub_now: milliseconds since the epoch");

	ok(mkdtemp(dir) != NULL, "tmp");

	/* init: a new hub directory. */
	ok(hub_dir_init(path("hub"), &err) == 0, "init");
	is_int(mode_of("hub"), 0700, "  the directory is mode 0700");
	is_int(mode_of("hub/hub.db"), 0600, "  the database is mode 0600");
	is_int(mode_of("hub/admin.token"), 0600,
	    "  the admin token is mode 0600");
	is_int(mode_of("hub/blobs"), 0700, "  the blob store is mode 0700");
	ok(get("hub/admin.token", tok, sizeof(tok)) == 0 &&
	    strlen(tok) == HUBAUTH_TOKEN_LEN + 1 &&
	    tok[HUBAUTH_TOKEN_LEN] == '\n' &&
	    strspn(tok, "0123456789abcdef") == HUBAUTH_TOKEN_LEN,
	    "  the admin token: %d hex digits and a newline",
	    HUBAUTH_TOKEN_LEN);
	ok(hub_dir_init(path("hub"), &err) == -1 && err.code == EX_CANTCREAT &&
	    strstr(err.msg, "a hub directory already") != NULL,
	    "init again is refused: EX_CANTCREAT, %s", err.msg);
	ok(get("hub/admin.token", tok2, sizeof(tok2)) == 0 &&
	    strcmp(tok, tok2) == 0, "  and the admin token is kept");
	ok(hub_dir_init(path("hub2"), &err) == 0 &&
	    get("hub2/admin.token", tok2, sizeof(tok2)) == 0 &&
	    strcmp(tok, tok2) != 0, "another hub has another admin token");

	ok(mkdir(path("empty"), 0755) == 0, "an empty directory");
	ok(hub_dir_init(path("empty"), &err) == 0, "  init takes it");
	is_int(mode_of("empty/hub.db"), 0600, "  a database in it");
	ok(hub_dir_init(path("none/hub"), &err) == -1 &&
	    err.code == EX_CANTCREAT && strstr(err.msg, "none/hub") != NULL,
	    "init under a missing directory: EX_CANTCREAT, %s", err.msg);
	ok(put("file", "x\n", 0600) == 0 && hub_dir_init(path("file"),
	    &err) == -1 && err.code == EX_CANTCREAT,
	    "init on a file: EX_CANTCREAT, %s", err.msg);

	/*
	 * A path that mkdir takes but that is too long with "/hub.db" after
	 * it: "./" repeated, then "p".
	 */
	for (i = 0; i < PATH_MAX - 6; i += 2)
		memcpy(longp + i, "./", 2);
	longp[i] = 'p';
	longp[i + 1] = '\0';
	saved = open(".", O_RDONLY | O_DIRECTORY);
	ok(chdir(dir) == 0, "in tmp");
	ok(hub_dir_init(longp, &err) == -1 && err.code == EX_USAGE,
	    "init: a path too long for hub.db: EX_USAGE");
	ok(hub_dir_open(longp, &x, &err) == -1 && err.code == EX_USAGE,
	    "open: the same");
	ok(saved != -1 && fchdir(saved) == 0, "back");
	if (saved != -1)
		close(saved);

	/* open: what is not a hub directory is refused. */
	ok(hub_dir_open(path("none"), &x, &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "not a hub directory "
	    "(bb-hub init makes one)") != NULL,
	    "open a missing directory: EX_NOINPUT, %s", err.msg);
	ok(mkdir(path("half"), 0700) == 0 && mkdir(path("half/blobs"),
	    0700) == 0 && put("half/admin.token", tok, 0600) == 0,
	    "a half-made directory: blobs and a token, no database");
	ok(hub_dir_open(path("half"), &x, &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "not a hub directory")
	    != NULL, "  open refuses it: EX_NOINPUT");
	ok(mkdir(path("wrong"), 0700) == 0 && put("wrong/hub.db",
	    "this is not a database, it is text long enough to look at\n",
	    0600) == 0, "a directory whose hub.db is not a database");
	ok(hub_dir_open(path("wrong"), &x, &err) == -1 &&
	    err.code == EX_CONFIG, "  open refuses it: EX_CONFIG, %s", err.msg);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", path("hub2/blobs"));
	ok(system(cmd) == 0 && put("hub2/blobs", "", 0600) == 0,
	    "a hub directory whose blobs is a file");
	ok(hub_dir_open(path("hub2"), &x, &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "blobs") != NULL,
	    "  open refuses it: EX_NOINPUT, %s", err.msg);
	ok(x == NULL, "no hub directory is handed out");

	/* The admin token. */
	ok(hub_dir_open(path("hub"), &hd, &err) == 0, "open");
	ok(hub_admin_token(hd, &b, &err) == 0 && b->len ==
	    HUBAUTH_TOKEN_LEN && memcmp(b->data, tok, b->len) == 0,
	    "the admin token, without its newline");
	buf_freezero(b);
	b = NULL;
	ok(chmod(path("hub/admin.token"), 0640) == 0 &&
	    hub_admin_token(hd, &b, &err) == -1 && err.code == EX_NOPERM,
	    "readable by the group: EX_NOPERM, %s", err.msg);
	ok(put("hub/admin.token", "short\n", 0600) == 0 &&
	    hub_admin_token(hd, &b, &err) == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "too short") != NULL && b == NULL,
	    "too short: EX_CONFIG, %s", err.msg);
	ok(unlink(path("hub/admin.token")) == 0 &&
	    hub_admin_token(hd, &b, &err) == -1 && err.code == EX_NOINPUT &&
	    strstr(err.msg, "admin.token") != NULL,
	    "missing: EX_NOINPUT, %s", err.msg);
	ok(put("hub/admin.token", tok, 0600) == 0, "put it back");

	/* Workers. */
	ok(hub_valid_worker("builder-1.example_2"), "a valid worker name");
	ok(!hub_valid_worker("") && !hub_valid_worker("a b") &&
	    !hub_valid_worker("a/b") && !hub_valid_worker("w\n"),
	    "names with other bytes are not");
	(void)memset(out, 'a', HUBDB_NAME_MAX + 1);
	out[HUBDB_NAME_MAX + 1] = '\0';
	ok(!hub_valid_worker(out), "nor one over %d bytes", HUBDB_NAME_MAX);
	out[HUBDB_NAME_MAX] = '\0';
	ok(hub_valid_worker(out), "%d bytes are fine", HUBDB_NAME_MAX);
	is_int(hub_add_worker(hd, "w1", secret, &err), HUB_OK, "add a worker");
	ok(strlen(secret) == HUBAUTH_TOKEN_LEN &&
	    strspn(secret, "0123456789abcdef") == HUBAUTH_TOKEN_LEN,
	    "  with a new secret of %d hex digits", HUBAUTH_TOKEN_LEN);
	ok(hubdb_worker_secret(hd->db, "w1", hash, sizeof(hash), &err) ==
	    HUB_OK && strstr(hash, secret) == NULL &&
	    hubauth_secret_check(secret, strlen(secret), hash),
	    "  kept as a hash that the secret matches");
	ok(!hubauth_secret_check("x", 1, hash), "  and nothing else does");
	is_int(hub_add_worker(hd, "w1", secret, &err), HUB_EXISTS,
	    "the same name again: HUB_EXISTS");
	ok(hub_add_worker(hd, "bad name", secret, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "bad worker name "
	    "\"bad name\"") != NULL, "a bad name: EX_DATAERR, %s", err.msg);

	/* Sources: a file as it is. */
	ok(put("src.tgz", "not really a tarball\n", 0644) == 0, "a file");
	ok(hub_put_source(hd, path("src.tgz"), hex, &size, &err) == 0,
	    "put it");
	is_int(size, 21, "  its size");
	(void)snprintf(cmd, sizeof(cmd), "sha256sum < %s", path("src.tgz"));
	(void)sh(cmd, out, sizeof(out));
	ok(strlen(out) > 64 && strncmp(out, hex, 64) == 0,
	    "  its digest, as sha256sum says");
	(void)snprintf(cmd, sizeof(cmd), "cmp %s %s", path("src.tgz"),
	    blob_path("hub", hex));
	ok(system(cmd) == 0, "  stored as it is, under its digest");
	ok(hub_put_source(hd, path("nonexistent"), hex2, &size, &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "nonexistent") != NULL,
	    "a missing source: EX_NOINPUT, %s", err.msg);

	/* Standard input. */
	saved = dup(STDIN_FILENO);
	fd = open(path("src.tgz"), O_RDONLY);
	ok(fd != -1 && dup2(fd, STDIN_FILENO) == STDIN_FILENO, "stdin");
	ok(hub_put_source(hd, "-", hex2, &size, &err) == 0 &&
	    strcmp(hex, hex2) == 0 && size == 21, "\"-\" puts standard input");
	(void)dup2(saved, STDIN_FILENO);
	close(saved);
	if (fd != -1)
		close(fd);

	/* A directory, packed: the same tree gives the same tarball. */
	ok(mkdir(path("tree"), 0755) == 0 && mkdir(path("tree/sub"), 0755) ==
	    0 && put("tree/b", "two\n", 0644) == 0 && put("tree/a", "one\n",
	    0755) == 0 && put("tree/sub/c", "three\n", 0600) == 0, "a tree");
	(void)unsetenv("SOURCE_DATE_EPOCH");
	ok(hub_put_source(hd, path("tree"), hex, &size, &err) == 0,
	    "put a directory");
	(void)snprintf(cmd, sizeof(cmd), "sha256sum < %s",
	    blob_path("hub", hex));
	(void)sh(cmd, out, sizeof(out));
	ok(strncmp(out, hex, 64) == 0, "  stored under its digest");
	tar_list(blob_path("hub", hex), out, sizeof(out));
	is_str(out, "a:0 b:0 sub/:0 sub/c:0 ",
	    "  a tar.gz of its files in order, times 0");
	ok(put("tree/b", "two\n", 0644) == 0 &&
	    hub_put_source(hd, path("tree"), hex2, &size, &err) == 0 &&
	    strcmp(hex, hex2) == 0, "  packed again (a new mtime): the same");
	ok(setenv("SOURCE_DATE_EPOCH", "1700000000", 1) == 0 &&
	    hub_put_source(hd, path("tree"), hex2, &size, &err) == 0 &&
	    strcmp(hex, hex2) != 0, "with SOURCE_DATE_EPOCH: another");
	tar_list(blob_path("hub", hex2), out, sizeof(out));
	is_str(out, "a:1700000000 b:1700000000 sub/:1700000000 "
	    "sub/c:1700000000 ", "  its times are SOURCE_DATE_EPOCH");
	ok(setenv("SOURCE_DATE_EPOCH", "soon", 1) == 0 &&
	    hub_put_source(hd, path("tree"), hex2, &size, &err) == -1 &&
	    err.code == EX_USAGE && strstr(err.msg, "SOURCE_DATE_EPOCH soon")
	    != NULL, "a bad SOURCE_DATE_EPOCH: EX_USAGE, %s", err.msg);
	ok(setenv("SOURCE_DATE_EPOCH", "-1", 1) == 0 &&
	    hub_put_source(hd, path("tree"), hex2, &size, &err) == -1 &&
	    err.code == EX_USAGE, "a negative one: EX_USAGE, %s", err.msg);
	(void)unsetenv("SOURCE_DATE_EPOCH");

	/* Submitting a job on a source. */
	ok(recipe_parse("job hello\nstep a: true\n", 23, "t", &rc, &err) == 0,
	    "a recipe");
	is_int(hub_submit(hd, rc, hex, 0, &id, &err), HUB_OK,
	    "submit it on the packed tree");
	ok(hubdb_source(hd->db, id, hex2, &size, &err) == HUB_OK &&
	    strcmp(hex, hex2) == 0 && size > 0, "  the job's source");
	out[0] = '\0';
	ok(hubdb_job(hd->db, id, get_attempts, out, &err) == HUB_OK &&
	    out[0] == '\0', "  with the hub's attempts");
	is_int(hub_submit(hd, rc, hex, 5, &id, &err), HUB_OK,
	    "again, with at most 5 attempts");
	ok(hubdb_job(hd->db, id, get_attempts, out, &err) == HUB_OK &&
	    strcmp(out, "5") == 0, "  its attempts: %s", out);
	(void)memset(hex2, 'e', DIGEST_HEXLEN);
	hex2[DIGEST_HEXLEN] = '\0';
	ok(hub_submit(hd, rc, hex2, 0, &id, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "no source eeee") !=
	    NULL, "an unknown source: EX_DATAERR, %s", err.msg);
	ok(hub_submit(hd, rc, "../../etc/passwd", 0, &id, &err) == -1 &&
	    err.code == EX_DATAERR, "a source that is not a digest: "
	    "EX_DATAERR");
	recipe_free(rc);
	ok((rc = recipe_new()) != NULL, "a recipe with no step");
	ok(hub_submit(hd, rc, hex, 0, &id, &err) == -1 &&
	    err.code == EX_DATAERR && strcmp(err.msg, "recipe has no steps") ==
	    0, "is refused: EX_DATAERR, %s", err.msg);
	recipe_free(rc);

	/* Many jobs of one submit: a matrix, each platform, built already. */
	{
		static const char text[] = "job mx\nrequire cc\n"
		    "matrix A=1,2\nstep a: true\n";
		struct hubdb_hello hello = { "1", "Linux", "x86_64", "cc,linux",
		    1, "", 0 };
		struct hub_submit_req q;
		struct hub_submitted *v;
		size_t n;

		ok(recipe_parse(text, strlen(text), "t", &rc, &err) == 0,
		    "a recipe of a matrix");
		memset(&q, 0, sizeof(q));
		q.recipe = rc;
		q.source = hex;
		is_int(hub_submit_many(hd, &q, &v, &n, &err), HUB_OK,
		    "submitted");
		ok(n == 2 && v[0].id > 0 && v[1].id == v[0].id + 1 &&
		    strcmp(v[0].config, "A=1") == 0 &&
		    strcmp(v[1].config, "A=2") == 0 &&
		    strcmp(v[1].name, "mx") == 0 && v[1].platform == NULL,
		    "  a job a combination");
		hub_submitted_free(v, n);
		q.each = 1;
		ok(hub_submit_many(hd, &q, &v, &n, &err) == -1 &&
		    err.code == EX_DATAERR && strstr(err.msg, "no worker that "
		    "has said hello meets the requirements \"cc\"") != NULL,
		    "each platform, and no worker: %s", err.msg);
		ok(hubdb_worker_add(hd->db, "p1", "H", 1, &err) == HUB_OK &&
		    hubdb_hello(hd->db, "p1", &hello, "T1", 1, &err) == HUB_OK &&
		    hubdb_worker_add(hd->db, "p2", "H", 1, &err) == HUB_OK &&
		    hubdb_hello(hd->db, "p2", &hello, "T2", 1, &err) == HUB_OK,
		    "two workers of one platform");
		is_int(hub_submit_many(hd, &q, &v, &n, &err), HUB_OK,
		    "each platform");
		ok(n == 2 && v[0].platform != NULL &&
		    strcmp(v[0].platform, "cc,linux") == 0,
		    "  a job a combination on the one platform");
		hub_submitted_free(v, n);
		recipe_free(rc);
	}

	hub_dir_close(hd);
	hub_dir_close(NULL);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	return tap_done();
}
