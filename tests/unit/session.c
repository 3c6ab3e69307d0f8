/* Unit tests of lib/worker/session.c (all but the exchange with a hub). */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buildinfo.h"
#include "session.h"
#include "tap.h"

static char dir[] = "/tmp/bb-session.XXXXXX";

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[512];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(2);
	fchmod(fd, mode);
	close(fd);
}

static int
parse(const char *line, struct record *r)
{
	return record_parse(r, line, strlen(line), NULL);
}

int
main(void)
{
	struct bb_error err;
	struct session_opts so;
	struct session s;
	struct record a, out;
	struct caps caps;
	struct buf *b, *sec;
	char path[512], *v, big[1100], huge[5000], want[256];
	int fd[2], n;

	record_init(&a);
	record_init(&out);
	caps_init(&caps);
	b = buf_new(SESSION_HELLOMAX);
	if (mkdtemp(dir) == NULL)
		return 2;

	ok(session_valid_name("w1") && session_valid_name("build-01.lan"),
	    "worker names");
	ok(!session_valid_name("a b") && !session_valid_name("") &&
	    !session_valid_name("-x") && !session_valid_name("a:b"),
	    "bad worker names");
	memset(big, 'a', 65);
	big[65] = '\0';
	ok(!session_valid_name(big), "a name of 65 bytes is refused");

	ok(session_check_secret("s3cr3t with spaces", 18, &err) == 0,
	    "a secret with spaces");
	ok(session_check_secret("", 0, &err) == -1 && err.code == EX_DATAERR,
	    "an empty secret: %s", err.msg);
	ok(session_check_secret("a\tb", 3, &err) == -1 &&
	    strstr(err.msg, "control byte at byte 2") != NULL,
	    "a control byte: %s", err.msg);
	memset(big, 'x', sizeof(big));
	ok(session_check_secret(big, sizeof(big), &err) == -1 &&
	    strstr(err.msg, "longer than 1024") != NULL, "too long: %s",
	    err.msg);

	setenv("BB_TEST_SECRET", "envsecret", 1);
	v = getenv("BB_TEST_SECRET");
	n = session_secret_env("BB_TEST_SECRET", &sec, &err);
	ok(n == 1 && strcmp(sec->data, "envsecret") == 0,
	    "the secret from the environment");
	ok(getenv("BB_TEST_SECRET") == NULL, "removed from the environment");
	ok(v[-1] == 0 && v[-2] == 0 && v[-15] == 0, "its name too");
	ok(v[0] == '\0' && memcmp(v, "\0\0\0\0\0\0\0\0\0", 9) == 0,
	    "its value was wiped in place");
	buf_freezero(sec);
	ok(session_secret_env("BB_TEST_SECRET", &sec, &err) == 0 &&
	    sec == NULL, "an unset variable: 0");
	setenv("BB_TEST_SECRET", "a\nb", 1);
	ok(session_secret_env("BB_TEST_SECRET", &sec, &err) == -1 &&
	    getenv("BB_TEST_SECRET") == NULL,
	    "a bad secret is refused and removed: %s", err.msg);

	if (pipe(fd) == -1 || write(fd[1], "piped\n", 6) != 6)
		return 2;
	close(fd[1]);
	ok(session_secret_fd(fd[0], &sec, &err) == 0 &&
	    strcmp(sec->data, "piped") == 0, "the secret from a pipe");
	buf_freezero(sec);
	close(fd[0]);
	put("open", "x\n", 0644);
	(void)snprintf(path, sizeof(path), "%s/open", dir);
	fd[0] = open(path, O_RDONLY);
	ok(session_secret_fd(fd[0], &sec, &err) == -1 &&
	    err.code == EX_NOPERM, "a file readable by others: %s", err.msg);
	close(fd[0]);

	caps_add_list(&caps, "linux,cc", NULL);
	ok(session_hello_body(b, "linux", "x86_64", 2, &caps, &err) == 0,
	    "hello body");
	(void)snprintf(want, sizeof(want), "hello version=%s os=linux "
	    "arch=x86_64 slots=2 caps=linux,cc protocol=4 protocol_min=1\n",
	    buildinfo_version());
	is_str(b->data, want,
	    "hello record, with the versions of bb-protocol(7) it speaks");
	buf_reset(b);
	ok(session_hello_info(b, dir, &err) == 0 && b->len == 0,
	    "no info directory: nothing");
	(void)snprintf(path, sizeof(path), "%s/info", dir);
	mkdir(path, 0755);
	put("info/admin", "  Ada Lovelace <ada@example.org>\n", 0644);
	put("info/host", "\n\n", 0644);
	put("info/access_uri", "ssh://build.example.org", 0644);
	put("info/other", "not sent", 0644);
	ok(session_hello_info(b, dir, &err) == 0, "info files");
	is_str(b->data, "info name=admin value=Ada%20Lovelace%20"
	    "<ada@example.org>\ninfo name=access_uri value=ssh://"
	    "build.example.org\n", "admin and access_uri, trimmed; empty "
	    "host and other files left out");
	memset(huge, 'z', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	put("info/host", huge, 0644);
	buf_reset(b);
	ok(session_hello_info(b, dir, &err) == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "info/host: too large") != NULL,
	    "an info file over 4096 bytes: %s", err.msg);

	so.hub = "https://hub.example.org";
	so.name = "w1";
	so.slots = 2;
	so.caps = &caps;
	so.ca = NULL;
	so.pin = NULL;
	so.keepalive = 0;
	parse("session worker=w1 token=T0K keepalive=30 ttl=90 wait=60 "
	    "max_batch=100 hub=http://evil slots=9", &a);
	ok(session_make(&a, &so, &out, &err) == 0, "session_make");
	buf_reset(b);
	record_encode(&out, b, NULL);
	is_str(b->data, "session hub=https://hub.example.org worker=w1 "
	    "token=T0K keepalive=30 ttl=90 wait=60 max_batch=100 slots=2 "
	    "caps=linux,cc\n", "hub first, hub's keys, ours last and ours win");
	so.ca = "/etc/bb/ca.pem";
	so.pin = "sha256//abc=";
	parse("session token=T0K keepalive=30 ttl=90 wait=0", &a);
	ok(session_make(&a, &so, &out, &err) == 0, "session_make with ca");
	buf_reset(b);
	record_encode(&out, b, NULL);
	is_str(b->data, "session hub=https://hub.example.org worker=w1 "
	    "token=T0K keepalive=30 ttl=90 wait=0 slots=2 caps=linux,cc "
	    "ca=/etc/bb/ca.pem pin=sha256//abc=\n",
	    "worker when the hub says none; ca and pin");
	so.ca = so.pin = NULL;
	so.keepalive = 10;
	ok(session_make(&a, &so, &out, &err) == 0 &&
	    strcmp(record_get(&out, "keepalive"), "10") == 0,
	    "-k 10 lowers the hub's keepalive of 30");
	so.keepalive = 60;
	ok(session_make(&a, &so, &out, &err) == 0 &&
	    strcmp(record_get(&out, "keepalive"), "30") == 0,
	    "-k 60 leaves it");
	so.keepalive = 0;
	parse("session keepalive=30 ttl=90 wait=0", &a);
	ok(session_make(&a, &so, &out, &err) == -1 &&
	    err.code == EX_PROTOCOL && strstr(err.msg, "no token") != NULL,
	    "no token: %s", err.msg);
	parse("session token=a%20b keepalive=30 ttl=90 wait=0", &a);
	ok(session_make(&a, &so, &out, &err) == -1 &&
	    strstr(err.msg, "malformed token") != NULL &&
	    strstr(err.msg, "a b") == NULL, "a token with a space: %s",
	    err.msg);
	parse("session token=T keepalive=0 ttl=90 wait=0", &a);
	ok(session_make(&a, &so, &out, &err) == -1 &&
	    err.code == EX_PROTOCOL && strstr(err.msg, "keepalive") != NULL,
	    "keepalive=0: %s", err.msg);
	parse("session token=T keepalive=30 wait=0", &a);
	ok(session_make(&a, &so, &out, &err) == -1, "no ttl: %s", err.msg);
	parse("session token=T keepalive=30 ttl=90 wait=0 protocol=2", &a);
	ok(session_make(&a, &so, &out, &err) == 0 &&
	    strcmp(record_get(&out, "protocol"), "2") == 0,
	    "protocol=2 is taken and passed on");
	parse("session token=T keepalive=30 ttl=90 wait=0 protocol=99", &a);
	ok(session_make(&a, &so, &out, &err) == -1 && err.code == EX_CONFIG &&
	    strcmp(err.msg, "the hub speaks bb-protocol 99 to 99, this worker "
	    "1 to 4: upgrade the worker") == 0, "a hub newer by far: %s",
	    err.msg);
	parse("session token=T keepalive=30 ttl=90 wait=0 protocol=x", &a);
	ok(session_make(&a, &so, &out, &err) == -1 && err.code == EX_PROTOCOL,
	    "protocol=x: %s", err.msg);
	parse("error status=401", &a);
	ok(session_make(&a, &so, &out, &err) == -1 &&
	    strstr(err.msg, "error record") != NULL, "not a session: %s",
	    err.msg);

	parse("session hub=http://127.0.0.1:8080 worker=w1 token=T keepalive=30 "
	    "ttl=90 wait=60 slots=2 caps=linux,cc ca=/x/ca.pem", &a);
	ok(session_parse(&a, &s, &err) == 0, "session_parse");
	ok(strcmp(s.hub, "http://127.0.0.1:8080") == 0 &&
	    strcmp(s.token, "T") == 0 && strcmp(s.caps, "linux,cc") == 0 &&
	    strcmp(s.ca, "/x/ca.pem") == 0 && s.pin == NULL &&
	    s.wait == 60 && s.slots == 2 && s.ttl == 90, "its fields");
	session_free(&s);
	parse("session hub=http://h token=T", &a);
	ok(session_parse(&a, &s, &err) == 0 && s.wait == -1 &&
	    s.caps == NULL, "optional keys");
	session_free(&s);
	parse("session hub=http://h", &a);
	ok(session_parse(&a, &s, &err) == -1 && err.code == EX_DATAERR &&
	    strstr(err.msg, "no token") != NULL, "no token: %s", err.msg);
	parse("session token=T", &a);
	ok(session_parse(&a, &s, &err) == -1 &&
	    strstr(err.msg, "no hub") != NULL, "no hub: %s", err.msg);
	parse("session hub=http://h token=T ca=ca.pem", &a);
	ok(session_parse(&a, &s, &err) == -1 &&
	    strstr(err.msg, "absolute") != NULL, "relative ca: %s", err.msg);
	parse("session hub=http://h token=T wait=x", &a);
	ok(session_parse(&a, &s, &err) == -1 &&
	    strstr(err.msg, "wait") != NULL, "bad wait: %s", err.msg);
	parse("job id=1", &a);
	ok(session_parse(&a, &s, &err) == -1, "not a session");


	record_freezero(&a);
	record_freezero(&out);
	caps_free(&caps);
	buf_free(b);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		tap_diag("rm failed");
	return tap_done();
}
