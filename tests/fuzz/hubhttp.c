/*
 * libFuzzer target: whole HTTP requests, the bytes a client would send,
 * into bb-hub's server: libmicrohttpd parses them, the routing table
 * (lib/hub/hubroute.c) picks a handler, the handler works on a real hub
 * directory in a temporary folder (SQLite database, blob store).
 *
 * Why a real libmicrohttpd and not a harness around the dispatch: the
 * handlers read their request through it (headers, query arguments,
 * Basic credentials, a body in pieces, chunked encoding), and claims and
 * reports are suspended and resumed by it; a fake MHD_Connection would
 * leave out exactly the joins where the hub meets its input.  So the
 * server is started with no listening socket (hub_conf.listen NULL),
 * each input goes in through one end of a socketpair(2) handed over
 * with hub_server_add_connection (MHD_add_connection), and
 * hub_server_step turns the server's loop until the answers are out.
 *
 * To get past the gates, the input may hold placeholders that the
 * harness fills in before sending: @B worker w1's name and secret in
 * base64 (for "Authorization: Basic"), @T a session token of w1, @A the
 * admin token, @J a job running under w1 and @L its lease (renewed, or a
 * new job claimed, before each input), @H the digest of a source that
 * the hub holds.  Seeds are in tests/fuzz/corpus/hubhttp/.
 *
 * Besides the sanitizers it checks that every answer starts as HTTP
 * does and that nothing appears in the temporary folder beside the hub
 * directory.  With BB_FUZZ_VERBOSE set it prints the hub's log and the
 * answers (to see what a seed reaches).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "file.h"
#include "hub.h"
#include "hubhttp.h"
#include "recipe.h"

#define INPUT_MAX	(256 * 1024)	/* after the placeholders */
#define STEPS_MAX	4000		/* server turns for one input */
#define QUIET_STEPS	8		/* turns without output: done */
#define TTL		600000

static char		 top[256], hubpath[300];
static struct hub_dir	*hd;
static struct hub_server *srv;
static char		 basic[256], token[HUBAUTH_TOKEN_LEN + 1];
static char		 tokhash[DIGEST_HEXLEN + 1];
static char		 lease[128], jobid[32], srchex[DIGEST_HEXLEN + 1];
static char		 admin[HUBAUTH_TOKEN_LEN + 1];
static long long	 job;
static int		 verbose;

static void
die(const char *what, const struct bb_error *err)
{
	fprintf(stderr, "hubhttp fuzz: %s: %s\n", what,
	    err != NULL ? err->msg : strerror(errno));
	abort();
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
cleanup(void)
{
	hub_server_free(srv);
	srv = NULL;
	hub_dir_close(hd);
	hd = NULL;
	(void)nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Submits a job and claims it as w1: sets job, jobid and lease. */
static void
new_job(void)
{
	static const char text[] = "job fuzz\nrequire linux\n"
	    "step build: make\ncollect *.tar.gz\n";
	struct recipe *rc;
	struct record rec;
	struct buf *b;
	struct bb_error err;
	int rv;

	if (recipe_parse(text, sizeof(text) - 1, "fuzz", &rc, &err) == -1)
		die("recipe", &err);
	if (hub_submit(hd, rc, srchex, 100, &job, &err) != HUB_OK)
		die("submit", &err);
	recipe_free(rc);
	record_init(&rec);
	if ((b = buf_new(1024 * 1024)) == NULL)
		die("buf", NULL);
	rv = hubdb_claim(hd->db, "w1", "linux", job, hub_now(), TTL, &rec, b,
	    &err);
	if (rv != HUB_OK)
		die("claim", rv == -1 ? &err : NULL);
	(void)strlcpy(lease, record_get(&rec, "lease"), sizeof(lease));
	(void)snprintf(jobid, sizeof(jobid), "%lld", job);
	record_free(&rec);
	buf_free(b);
}

static void
show_log(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "hub: %s\n", msg);
}

/*
 * Makes w1 (again: an input may have removed it), and a session for it:
 * sets basic and token.
 */
static void
new_session(void)
{
	struct hubdb_hello h;
	struct bb_error err;
	char secret[HUBAUTH_TOKEN_LEN + 1], pair[300];
	char hash[HUBAUTH_HASH_MAX];
	int n;

	if (hubdb_worker_secret(hd->db, "w1", hash, sizeof(hash), &err) ==
	    HUB_NOTFOUND) {
		if (hub_add_worker(hd, "w1", secret, &err) != HUB_OK)
			die("add-worker", &err);
		n = snprintf(pair, sizeof(pair), "w1:%s", secret);
		(void)EVP_EncodeBlock((unsigned char *)basic,
		    (unsigned char *)pair, n);
	}
	memset(&h, 0, sizeof(h));
	h.caps = "linux";
	h.slots = 4;
	hubauth_random(token, HUBAUTH_TOKEN_LEN);
	if (hubauth_token_hash(token, HUBAUTH_TOKEN_LEN, tokhash) == -1 ||
	    hubdb_hello(hd->db, "w1", &h, tokhash, hub_now(), &err) != HUB_OK)
		die("hello", &err);
}

/* Gets @T, @J and @L ready: the last input may have ended them. */
static void
ready(void)
{
	struct hubdb_session sess;
	struct bb_error err;

	if (hubdb_session(hd->db, tokhash, hub_now(), HUB_SESSION_IDLE, &sess,
	    &err) != HUB_OK)
		new_session();
	if (hubdb_lease(hd->db, job, lease, "w1", hub_now(), TTL, NULL, NULL,
	    &err) != HUB_OK)
		new_job();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct hub_conf conf;
	struct bb_error err;
	struct buf *tok;
	char src[320];
	const char *tmp;
	off_t size;

	(void)argc;
	(void)argv;
	/* tmpfs if there is one: the hub flushes every change to disk. */
	tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	(void)snprintf(top, sizeof(top), "%s/bb-fuzz-hubhttp.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(top) == NULL)
		die("mkdtemp", NULL);
	atexit(cleanup);
	(void)snprintf(hubpath, sizeof(hubpath), "%s/hub", top);
	if (hub_dir_init(hubpath, &err) == -1 ||
	    hub_dir_open(hubpath, &hd, &err) == -1)
		die(hubpath, &err);
	new_session();
	if (hub_admin_token(hd, &tok, &err) == -1)
		die("admin token", &err);
	(void)strlcpy(admin, tok->data, sizeof(admin));
	buf_freezero(tok);
	(void)snprintf(src, sizeof(src), "%s/src", top);
	if (file_write_atomic(AT_FDCWD, src, "fuzz source\n", 12, 0644,
	    &err) == -1 || hub_put_source(hd, src, srchex, &size, &err) == -1)
		die("source", &err);
	(void)unlink(src);
	new_job();
	memset(&conf, 0, sizeof(conf));
	conf.dir = hubpath;
	conf.keepalive = 30000;
	conf.ttl = TTL;
	conf.maxwait = 0;		/* claims answer at once */
	conf.attempts = 3;
	conf.connections = 64;
	if ((verbose = getenv("BB_FUZZ_VERBOSE") != NULL))
		conf.log = show_log;
	if (hub_server_start(&conf, &srv, &err) == -1)
		die("start", &err);
	return 0;
}

/* Replaces the placeholders of in (len bytes) into out.  Returns its length. */
static size_t
expand(const uint8_t *in, size_t len, char *out, size_t max)
{
	const char *v;
	size_t i, n = 0, vl;

	for (i = 0; i < len; i++) {
		v = NULL;
		if (in[i] == '@' && i + 1 < len) {
			switch (in[i + 1]) {
			case 'A': v = admin; break;
			case 'B': v = basic; break;
			case 'H': v = srchex; break;
			case 'J': v = jobid; break;
			case 'L': v = lease; break;
			case 'T': v = token; break;
			}
		}
		if (v != NULL) {
			vl = strlen(v);
			if (n + vl > max)
				break;
			memcpy(out + n, v, vl);
			n += vl;
			i++;
			continue;
		}
		if (n + 1 > max)
			break;
		out[n++] = (char)in[i];
	}
	return n;
}

/* Aborts if anything but the hub directory is in the temporary folder. */
static void
check_top(void)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(top)) == NULL)
		die(top, NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, "hub") != 0) {
			fprintf(stderr, "hubhttp fuzz: %s/%s appeared\n", top,
			    de->d_name);
			abort();
		}
	closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[INPUT_MAX];
	struct bb_error err;
	char got[65536], head[8];
	size_t len, off = 0, nhead = 0, i;
	ssize_t n = 0;
	int sv[2], steps, quiet = 0, gone = 0;

	ready();
	len = expand(data, size, req, sizeof(req));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		die("socketpair", NULL);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		die("fcntl", NULL);
	if (hub_server_add_connection(srv, sv[1], &err) == -1)
		die("add connection", &err);
	for (steps = 0; steps < STEPS_MAX && !gone; steps++) {
		quiet++;
		if (off < len) {
			n = write(sv[0], req + off, len - off);
			if (n > 0) {
				off += (size_t)n;
				quiet = 0;
			} else if (n == -1 && errno != EAGAIN)
				off = len;	/* the server closed */
		}
		if (hub_server_step(srv) == 0)
			gone = 1;	/* the server closed the connection */
		while ((n = read(sv[0], got, sizeof(got))) > 0) {
			quiet = 0;
			for (i = 0; i < (size_t)n && nhead < 5; i++)
				head[nhead++] = got[i];
			if (verbose)
				fwrite(got, 1, (size_t)n, stderr);
		}
		if (n == 0)
			gone = 1;
		/* Everything answered, or the server reads no more. */
		if ((off == len && quiet >= QUIET_STEPS) ||
		    quiet >= 8 * QUIET_STEPS)
			break;
	}
	close(sv[0]);
	/* Nothing stays open once the client has gone. */
	for (steps = 0; steps < 100 && hub_server_step(srv) > 0; steps++)
		;
	if (nhead >= 5 && memcmp(head, "HTTP/", 5) != 0) {
		fprintf(stderr, "hubhttp fuzz: an answer that is not HTTP\n");
		abort();
	}
	check_top();
	return 0;
}
