/*
 * Unit tests of lib/http.c: status codes, credentials checks, and
 * exchanges with a one-shot server on the loopback that answers what the
 * test says and keeps the request it got.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "http_test.h"

/*
 * Serves one connection on a fresh port: reads the request head, keeps
 * it in tmpdir/req, writes answer and closes.  Returns the port; *pid is
 * the server's.
 */
static int
serve(const char *answer, pid_t *pid)
{
	char path[256], head[8192];
	char *b, *e;
	size_t n = 0;
	ssize_t r;
	int s, c, fd, port;

	if ((port = closed_port(&s)) == -1 || listen(s, 1) == -1)
		return -1;
	if ((*pid = fork()) == -1)
		return -1;
	if (*pid > 0) {
		close(s);
		return port;
	}
	if ((c = accept(s, NULL, NULL)) == -1)
		_exit(1);
	head[0] = '\0';
	/* An answer starting with "!" is sent at once. */
	if (answer[0] == '!')
		answer++;
	else
		while (n < sizeof(head) - 1 &&
		    (r = read(c, head + n, sizeof(head) - 1 - n)) > 0) {
			n += (size_t)r;
			head[n] = '\0';
			if (strstr(head, "\r\n\r\n") != NULL)
				break;
		}
	(void)snprintf(path, sizeof(path), "%s/req", tmpdir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
		if (write(fd, head, n) == -1)
			_exit(1);
		close(fd);
	}
	/* Read a body too, so that closing does not reset. */
	if ((b = strcasestr(head, "\r\nContent-Length: ")) != NULL &&
	    (e = strstr(head, "\r\n\r\n")) != NULL) {
		size_t want = strtoul(b + 18, NULL, 10), have;

		have = n - (size_t)(e + 4 - head);
		while (have < want && (r = read(c, head, sizeof(head))) > 0)
			have += (size_t)r;
	}
	if (write(c, answer, strlen(answer)) == -1)
		_exit(1);
	close(c);
	_exit(0);
}

static char *
request_head(void)
{
	static char head[8192];
	char path[256];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/req", tmpdir);
	head[0] = '\0';
	if ((fd = open(path, O_RDONLY)) == -1)
		return head;
	n = read(fd, head, sizeof(head) - 1);
	head[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return head;
}

/* Runs one request against a one-shot server answering answer. */
static int
exchange(struct http_client *c, struct http_req *req, const char *answer,
    struct http_resp *resp, struct bb_error *err, char *url, size_t ulen)
{
	pid_t pid;
	int port, rv, st;

	if ((port = serve(answer, &pid)) == -1)
		return -2;
	(void)snprintf(url, ulen, "http://127.0.0.1:%d/v1/x?sig=SECRETQ",
	    port);
	if (req->url == NULL)
		req->url = url;
	rv = http_do(c, req, resp, err);
	(void)waitpid(pid, &st, 0);
	return rv;
}

/*
 * Retry-After (libcurl's CURLINFO_RETRY_AFTER): seconds, an HTTP date
 * made seconds from now, 0 for a date past or garbage, at most a day.
 */
static void
retry_after(struct http_client *c, struct http_resp *resp)
{
	static const struct {
		const char	*value;	/* NULL: a date, lo s from now */
		long		 lo, hi;
		const char	*what;
	} t[] = {
		{ "  30 ", 30, 30, "seconds between blanks" },
		{ "0", 0, 0, "zero" },
		{ NULL, 110, 120, "an HTTP date 120 s ahead" },
		{ NULL, -3600, -3600, "an HTTP date past: 0" },
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 0, 0, "a date long past" },
		{ "soon", 0, 0, "garbage: 0" },
		{ "-5", 0, 0, "a negative number: 0" },
		{ "999999", 86400, 86400, "over a day: a day" },
	};
	struct http_req req;
	struct bb_error err;
	char ans[256], date[64], url[256];
	const char *v;
	time_t when;
	size_t i;
	long want_lo, want_hi;
	int rv;

	for (i = 0; i < nitems(t); i++) {
		v = t[i].value;
		want_lo = t[i].lo;
		want_hi = t[i].hi;
		if (v == NULL) {
			when = time(NULL) + t[i].hi;
			(void)strftime(date, sizeof(date),
			    "%a, %d %b %Y %H:%M:%S GMT", gmtime(&when));
			v = date;
			if (want_hi < 0)
				want_lo = want_hi = 0;
		}
		(void)snprintf(ans, sizeof(ans), "HTTP/1.1 503 Busy\r\n"
		    "Retry-After: %s\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", v);
		http_req_init(&req);
		rv = exchange(c, &req, ans, resp, &err, url, sizeof(url));
		(void)request_head();
		ok(rv == -1 && err.code == EX_TEMPFAIL &&
		    resp->retry_after >= want_lo &&
		    resp->retry_after <= want_hi,
		    "Retry-After %s: %ld s", t[i].what, resp->retry_after);
	}
}

static void
test_exchanges(void)
{
	static const char *const digest_header[] = {
	    "Content-Digest: sha-256=:x=:", NULL };
	struct http_opts o;
	struct http_client *c;
	struct http_req req;
	struct http_resp resp;
	struct bb_error err;
	struct record r;
	char url[256], other[256], *head;
	size_t pos;
	int rv, fd, s, port;

	memset(&o, 0, sizeof(o));
	o.allow_http = 1;
	/* The base is the server's origin: credentials go there only. */
	http_resp_init(&resp);
	record_init(&r);

	/* A refusal with an error record: 401 is EX_NOPERM. */
	http_req_init(&req);
	c = NULL;
	{
		pid_t pid;
		int st;

		port = serve("HTTP/1.1 401 Unauthorized\r\nContent-Length: 40"
		    "\r\nConnection: close\r\n\r\nerror status=401 msg=bad%20"
		    "token%1B[31m\n", &pid);
		(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
		c = http_client_new(url, &o, &err);
		ok(c != NULL, "client for %s", url);
		ok(http_client_set_token(c, "tok-SECRET1", &err) == 0 &&
		    http_client_set_lease(c, "lease-7", &err) == 0,
		    "token and lease set");
		req.url = "/v1/jobs/1/source?x=SECRETQ";
		rv = http_do(c, &req, &resp, &err);
		(void)waitpid(pid, &st, 0);
	}
	ok(rv == -1 && err.code == EX_NOPERM && resp.status == 401,
	    "401 gives EX_NOPERM");
	ok(strstr(err.msg, "status 401: bad token\\033[31m") != NULL,
	    "message has the hub's msg, made safe: %s", err.msg);
	ok(strstr(err.msg, "GET http://127.0.0.1:") != NULL &&
	    strstr(err.msg, "/v1/jobs/1/source") != NULL,
	    "message names method and URL");
	ok(strstr(err.msg, "SECRET") == NULL, "no token or query in message");
	head = request_head();
	ok(strstr(head, "\r\nAuthorization: Bearer tok-SECRET1\r\n") != NULL,
	    "token sent to the hub's origin");
	ok(strstr(head, "\r\nBb-Lease: lease-7\r\n") != NULL,
	    "lease sent to the hub's origin");
	ok(strncmp(head, "GET /v1/jobs/1/source?x=SECRETQ HTTP/1.1\r\n", 42)
	    == 0, "path resolved against the base");

	/* Another origin (another port) gets no credentials. */
	http_req_init(&req);
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "Connection: close\r\n\r\nabc", &resp, &err, other,
	    sizeof(other));
	ok(rv == 0 && resp.status == 200 && resp.body->len == 3 &&
	    strcmp(resp.body->data, "abc") == 0, "200 from another origin");
	head = request_head();
	ok(strstr(head, "Authorization") == NULL && strstr(head, "Bb-Lease")
	    == NULL, "no token or lease to another origin");

	/* 503 with Retry-After and a body that is not a record. */
	http_req_init(&req);
	rv = exchange(c, &req, "HTTP/1.1 503 Busy\r\nRetry-After: 7\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\noops\n", &resp,
	    &err, other, sizeof(other));
	ok(rv == -1 && err.code == EX_TEMPFAIL && resp.retry_after == 7,
	    "503 is EX_TEMPFAIL, Retry-After read");
	ok(strstr(err.msg, ": status 503") != NULL && strstr(err.msg,
	    "SECRETQ") == NULL, "503 message: %s", err.msg);
	(void)request_head();
	retry_after(c, &resp);

	/* 404 is a protocol error, 302 is not followed. */
	http_req_init(&req);
	rv = exchange(c, &req, "HTTP/1.1 404 No\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", &resp, &err, other, sizeof(other));
	ok(rv == -1 && err.code == EX_PROTOCOL && resp.status == 404,
	    "404 is EX_PROTOCOL");
	ok(resp.retry_after == 0, "no Retry-After: 0, not the last one's");
	(void)request_head();
	http_req_init(&req);
	rv = exchange(c, &req, "HTTP/1.1 302 Found\r\nLocation: http://"
	    "127.0.0.1:1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	    &resp, &err, other, sizeof(other));
	ok(rv == -1 && err.code == EX_PROTOCOL && strstr(err.msg,
	    "redirects are not followed") != NULL, "302 is not followed");
	(void)request_head();

	/* Not HTTP at all. */
	http_req_init(&req);
	rv = exchange(c, &req, "garbage\r\n\r\n", &resp, &err, other,
	    sizeof(other));
	ok(rv == -1 && err.code == EX_PROTOCOL, "garbage is EX_PROTOCOL: %s",
	    err.msg);
	(void)request_head();

	/* Cut short: the length says 100. */
	http_req_init(&req);
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
	    "Connection: close\r\n\r\nshort", &resp, &err, other,
	    sizeof(other));
	ok(rv == -1 && err.code == EX_TEMPFAIL, "a cut answer is EX_TEMPFAIL");
	(void)request_head();

	/* Over the cap of the buffer. */
	http_req_init(&req);
	req.max = 4;
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "Connection: close\r\n\r\n0123456789", &resp, &err, other,
	    sizeof(other));
	ok(rv == -1 && err.code == EX_PROTOCOL && resp.over &&
	    strstr(err.msg, "longer than 4 bytes") != NULL,
	    "over the cap: %s", err.msg);
	(void)request_head();

	/* To a file descriptor, with a cap. */
	fd = open(tmpdir, O_RDWR | O_TMPFILE, 0600);
	http_req_init(&req);
	req.out_fd = fd;
	req.out_max = 10;
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "Connection: close\r\n\r\n0123456789", &resp, &err, other,
	    sizeof(other));
	ok(rv == 0 && resp.written == 10 && resp.body->len == 0 &&
	    lseek(fd, 0, SEEK_CUR) == 10, "10 bytes streamed to the fd");
	(void)request_head();
	req.out_max = 9;
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "Connection: close\r\n\r\n0123456789", &resp, &err, other,
	    sizeof(other));
	ok(rv == -1 && resp.over && resp.written == 0,
	    "a length over out_max is refused before writing");
	(void)request_head();
	req.out_max = 0;
	rv = exchange(c, &req, "HTTP/1.1 500 No\r\nContent-Length: 23\r\n"
	    "Connection: close\r\n\r\nerror status=500 msg=x\n", &resp, &err,
	    other, sizeof(other));
	ok(rv == -1 && resp.written == 0 && resp.body->len == 23 &&
	    lseek(fd, 0, SEEK_CUR) == 10, "a refusal's body is not written "
	    "to the fd");
	(void)request_head();
	close(fd);

	/* A body of records, and records in the answer. */
	http_req_init(&req);
	req.body = "hello name=w\n";
	req.len = 13;
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 31\r\n"
	    "Connection: close\r\n\r\nsession token=t keepalive=30\nx\n",
	    &resp, &err, other, sizeof(other));
	head = request_head();
	ok(rv == 0 && strncmp(head, "POST /v1/x", 10) == 0 && strstr(head,
	    "\r\nContent-Type: text/plain; charset=utf-8\r\n") != NULL &&
	    strstr(head, "\r\nContent-Length: 13\r\n") != NULL,
	    "POST of records");
	pos = 0;
	ok(http_resp_record(&resp, &pos, &r, &err) == 1 &&
	    record_is(&r, "session") && strcmp(record_get(&r, "token"), "t")
	    == 0, "first answer record");
	ok(http_resp_record(&resp, &pos, &r, &err) == 1 && record_is(&r, "x"),
	    "second answer record");
	ok(http_resp_record(&resp, &pos, &r, &err) == 0, "end of answer");
	buf_reset(resp.body);
	buf_adds(resp.body, "ok a=1\nBAD\n");
	pos = 0;
	ok(http_resp_record(&resp, &pos, &r, &err) == 1 &&
	    http_resp_record(&resp, &pos, &r, &err) == -1 &&
	    err.code == EX_PROTOCOL && strncmp(err.msg, "answer line 2:", 14)
	    == 0, "malformed answer line: %s", err.msg);
	buf_reset(resp.body);
	buf_adds(resp.body, "ok a=1");
	pos = 0;
	ok(http_resp_record(&resp, &pos, &r, &err) == -1 &&
	    err.code == EX_PROTOCOL, "answer without a last newline");

	/* Basic credentials, and PUT from a file descriptor. */
	ok(http_client_set_basic(c, "w1", "pass word", &err) == 0,
	    "basic credentials");
	fd = open(tmpdir, O_RDWR | O_TMPFILE, 0600);
	if (fd == -1 || write(fd, "0123456789", 10) != 10)
		ok(0, "temporary file");
	(void)lseek(fd, 2, SEEK_SET);
	http_req_init(&req);
	req.method = "PUT";
	req.in_fd = fd;
	req.in_size = 8;
	req.type = "application/octet-stream";
	req.url = "/v1/up";
	req.headers = digest_header;
	{
		pid_t pid;
		int st;

		port = serve("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", &pid);
		(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
		http_client_free(c);
		c = http_client_new(url, &o, &err);
		(void)http_client_set_basic(c, "w1", "pass word", &err);
		rv = http_do(c, &req, &resp, &err);
		(void)waitpid(pid, &st, 0);
	}
	head = request_head();
	ok(rv == 0 && resp.status == 201 && strncmp(head, "PUT /v1/up ", 11)
	    == 0 && strstr(head, "\r\nContent-Length: 8\r\n") != NULL &&
	    strstr(head, "\r\nContent-Digest: sha-256=:x=:\r\n") != NULL &&
	    strstr(head, "\r\nAuthorization: Basic dzE6cGFzcyB3b3Jk\r\n") !=
	    NULL, "PUT with Basic credentials");
	close(fd);
	http_req_init(&req);
	rv = exchange(c, &req, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", &resp, &err, other, sizeof(other));
	head = request_head();
	ok(rv == 0 && strncmp(head, "GET /v1/x", 9) == 0 &&
	    strstr(head, "Authorization") == NULL,
	    "no Basic credentials to another origin");

	/* Refused connection: EX_TEMPFAIL, names the host, no secret. */
	ok(http_client_set_token(c, "tok-SECRET2", &err) == 0, "token again");
	port = closed_port(&s);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/a?SECRETQ",
	    port);
	http_req_init(&req);
	req.url = url;
	rv = http_do(c, &req, &resp, &err);
	ok(rv == -1 && err.code == EX_TEMPFAIL && resp.status == 0,
	    "refused connection is EX_TEMPFAIL");
	ok(strstr(err.msg, "127.0.0.1") != NULL && strstr(err.msg, "SECRET")
	    == NULL, "message: %s", err.msg);

	close(s);

	/* https to a plain server: a TLS failure, EX_TEMPFAIL. */
	http_client_free(c);
	{
		pid_t pid;
		int st;

		port = serve("!HTTP/1.1 200 OK\r\n\r\n", &pid);
		(void)snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
		c = http_client_new(url, NULL, &err);
		http_req_init(&req);
		req.url = "/v1/x";
		rv = http_do(c, &req, &resp, &err);
		(void)waitpid(pid, &st, 0);
		(void)request_head();
	}
	ok(rv == -1 && err.code == EX_TEMPFAIL && strstr(err.msg,
	    "TLS handshake with 127.0.0.1 failed") != NULL,
	    "https to a plain server: %s", err.msg);
	http_client_free(c);
	record_free(&r);
	http_resp_free(&resp);
}

int
main(void)
{
	struct http_client *c;
	struct http_opts o;
	struct bb_error err;

	if (mkdtemp(tmpdir) == NULL)
		return 1;

	is_int(http_status_exit(401), EX_NOPERM, "401");
	is_int(http_status_exit(403), EX_NOPERM, "403");
	is_int(http_status_exit(500), EX_TEMPFAIL, "500");
	is_int(http_status_exit(503), EX_TEMPFAIL, "503");
	is_int(http_status_exit(429), EX_TEMPFAIL, "429");
	is_int(http_status_exit(404), EX_PROTOCOL, "404");
	is_int(http_status_exit(409), EX_PROTOCOL, "409");
	is_int(http_status_exit(410), EX_PROTOCOL, "410");

	memset(&o, 0, sizeof(o));
	o.pin = "sha256//short";
	ok(http_client_new("https://h", &o, &err) == NULL &&
	    err.code == EX_CONFIG, "bad pin refused: %s", err.msg);
	o.pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
	    "sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
	c = http_client_new("https://h", &o, &err);
	ok(c != NULL, "two pins");
	http_client_free(c);
	o.pin = NULL;
	o.ca = "/nonexistent/ca.pem";
	ok(http_client_new("https://h", &o, &err) == NULL &&
	    err.code == EX_CONFIG, "missing CA refused: %s", err.msg);
	ok(http_client_new("http://h", NULL, &err) == NULL &&
	    err.code == EX_DATAERR, "plain http refused by default");
	c = http_client_new("https://h/", NULL, &err);
	ok(c != NULL && strcmp(http_client_base(c), "https://h") == 0,
	    "base normalised");
	ok(http_client_set_token(c, "a SECRET", &err) == -1 &&
	    err.code == EX_DATAERR && tap_lacks(err.msg, "SECRET"),
	    "token with a space refused, not repeated: %s", err.msg);
	ok(http_client_set_token(c, "", &err) == -1, "empty token refused");
	ok(http_client_set_lease(c, "l\r\nX: y", &err) == -1,
	    "lease with CR LF refused");
	ok(http_client_set_basic(c, "a:b", "s", &err) == -1,
	    "worker name with ':' refused");
	ok(http_client_set_token(c, NULL, &err) == 0, "token cleared");
	http_client_free(c);
	c = http_client_new(NULL, NULL, &err);
	ok(c != NULL && http_client_base(c) == NULL, "client with no hub");
	http_client_free(c);
	http_client_free(NULL);

	test_exchanges();
	(void)rmdir(tmpdir);
	return tap_done();
}
