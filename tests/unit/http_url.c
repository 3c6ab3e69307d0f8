/*
 * Unit tests of lib/http_url.c: URLs normalised and resolved, origins
 * compared, the loopback told, and no secret of a URL in a message.
 */
#include <stdio.h>
#include <sysexits.h>

#include "http_test.h"

static void
norm(const char *in, int allow, const char *want)
{
	char out[HTTP_URL_MAX];
	struct bb_error err;

	bb_error_clear(&err);
	if (want == NULL) {
		ok(http_url_normalise(in, allow, out, &err) == -1 &&
		    err.code == EX_DATAERR, "normalise refuses %s", in);
		return;
	}
	if (http_url_normalise(in, allow, out, &err) == -1) {
		ok(0, "normalise %s", in);
		printf("#   %s\n", err.msg);
		return;
	}
	is_str(out, want, "normalise %s", in);
}

static void
resolve(const char *base, const char *ref, int allow, const char *want,
    int wsame)
{
	char out[HTTP_URL_MAX];
	struct bb_error err;
	int same = -1;

	bb_error_clear(&err);
	if (want == NULL) {
		ok(http_url_resolve(base, ref, allow, out, &same, &err) == -1 &&
		    err.code == EX_DATAERR, "resolve refuses %s", ref);
		return;
	}
	if (http_url_resolve(base, ref, allow, out, &same, &err) == -1) {
		ok(0, "resolve %s", ref);
		printf("#   %s\n", err.msg);
		return;
	}
	is_str(out, want, "resolve %s against %s", ref, base ? base : "none");
	is_int(same, wsame, "  same origin: %d", wsame);
}

int
main(void)
{
	struct bb_error err;

	norm("https://Hub.Example.ORG:8443/", 0,
	    "https://hub.example.org:8443");
	norm("https://h/bb///", 0, "https://h/bb");
	norm("https://h", 0, "https://h");
	norm("https://[::1]:8443/", 0, "https://[::1]:8443");
	norm("HTTP://127.0.0.1:80/", 1, "http://127.0.0.1:80");
	norm("http://127.0.0.1:80/", 0, NULL);
	norm("ftp://h/", 1, NULL);
	norm("file:///etc/passwd", 1, NULL);
	norm("hub.example.org", 1, NULL);
	norm("", 1, NULL);
	norm("https://h/a b", 1, NULL);
	norm("https://h/?q=1", 1, NULL);
	norm("https://h/#f", 1, NULL);
	norm("https://h:99999/", 1, NULL);
	norm("http://127.01%8080", 1, NULL);
	norm("http://h%41st/", 1, "http://hast");
	bb_error_clear(&err);
	{
		char out[HTTP_URL_MAX];

		(void)http_url_normalise("https://w:SECRET@h/", 0, out, &err);
		ok(err.code == EX_DATAERR && tap_lacks(err.msg, "SECRET"),
		    "user:password refused without repeating it: %s", err.msg);
		(void)http_url_normalise("https://w:SECRET@h:99999/", 0, out,
		    &err);
		ok(err.code == EX_DATAERR && strstr(err.msg, "SECRET") == NULL
		    && strstr(err.msg, "https://...@h:99999") != NULL,
		    "bad URL with a password not repeated: %s", err.msg);
		(void)http_url_resolve("https://h", "ftp://h/x?sig=SECRET", 0,
		    out, NULL, &err);
		ok(err.code == EX_DATAERR && tap_lacks(err.msg, "SECRET"),
		    "bad URL with a query not repeated: %s", err.msg);
	}

	resolve("https://h:8443/bb", "/v1/jobs/1/source", 0,
	    "https://h:8443/bb/v1/jobs/1/source", 1);
	resolve("https://h:8443", "https://H:8443/x?sig=1", 0,
	    "https://h:8443/x?sig=1", 1);
	resolve("https://h:8443", "https://h/x", 0, "https://h/x", 0);
	resolve("https://h", "https://h:443/x", 0, "https://h:443/x", 1);
	resolve("https://h", "https://g/x", 0, "https://g/x", 0);
	resolve("https://h:8443", "http://h:8443/x", 1, "http://h:8443/x", 0);
	resolve("https://h:8443", "http://h:8443/x", 0, NULL, 0);
	resolve("https://h", "//evil/x", 1, NULL, 0);
	resolve("https://h", "/a b", 1, NULL, 0);
	resolve("https://h", "v1/x", 1, NULL, 0);
	resolve(NULL, "/v1/x", 1, NULL, 0);
	resolve(NULL, "https://g/x", 0, "https://g/x", 0);
	resolve("https://h", "https://u:p@h/x", 0, NULL, 0);

	ok(http_same_origin("https://a:1/x", "https://A:1/y"), "origin: case");
	ok(!http_same_origin("https://a:1/x", "http://a:1/x"),
	    "origin: scheme");
	ok(!http_same_origin("https://a:1/x", "https://a:2/x"), "origin: port");
	ok(http_same_origin("http://a/x", "http://a:80/"), "origin: port 80");
	ok(!http_same_origin("https://a.b/", "https://a.b.evil/"),
	    "origin: host suffix");
	ok(!http_same_origin("junk", "junk"), "origin: junk");

	ok(http_url_loopback("http://127.0.0.1:8080"), "127.0.0.1");
	ok(http_url_loopback("http://127.1.2.3/x"), "127.1.2.3");
	ok(http_url_loopback("http://[::1]:80"), "[::1]");
	ok(http_url_loopback("http://LocalHost:1/"), "localhost");
	ok(!http_url_loopback("http://0.0.0.0:1"), "0.0.0.0 is not");
	ok(!http_url_loopback("http://128.0.0.1"), "128.0.0.1 is not");
	ok(!http_url_loopback("http://localhost.example.org"),
	    "localhost.example.org is not");
	ok(!http_url_loopback("http://[::2]"), "[::2] is not");
	ok(!http_url_loopback("not a url"), "garbage is not");
	return tap_done();
}
