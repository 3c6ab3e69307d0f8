/*
 * Unit tests of lib/http_retry.c: backoff delays, Retry-After, a sleep
 * that a flag stops, and tries that end: by their number, at a deadline,
 * or cut by it, against ports on the loopback that refuse or never
 * answer.
 */
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "duration.h"
#include "http_test.h"

/* http_do_retry against a port that refuses, then one that never answers. */
static void
test_tries(void)
{
	struct http_opts o;
	struct http_client *c;
	struct http_req req;
	struct http_resp resp;
	struct bb_error err;
	char url[256];
	int rv, s, port;

	memset(&o, 0, sizeof(o));
	o.allow_http = 1;
	http_resp_init(&resp);
	port = closed_port(&s);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	if ((c = http_client_new(url, &o, &err)) == NULL ||
	    http_client_set_token(c, "tok-SECRET2", &err) == -1)
		tap_bail("client: %s", err.msg);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/a?SECRETQ",
	    port);
	http_req_init(&req);
	req.url = url;

	/* Retries: 3 tries, then the last error. */
	{
		struct http_retry rt;

		memset(&rt, 0, sizeof(rt));
		rt.tries = 3;
		rt.first_ms = 1;
		rv = http_do_retry(c, &req, &resp, &rt, &err);
		ok(rv == -1 && rt.n == 3 && err.code == EX_TEMPFAIL,
		    "http_do_retry made 3 tries");
	}

	/* A deadline ends tries that have no limit of their own. */
	{
		struct http_retry rt;
		long long t0;

		memset(&rt, 0, sizeof(rt));
		rt.first_ms = 100;
		t0 = duration_now_ms();
		rt.deadline_ms = t0 + 700;
		rv = http_do_retry(c, &req, &resp, &rt, &err);
		/*
		 * No try and no wait starts after the deadline: on a loaded
		 * machine the last try may end a little after it, never a
		 * whole backoff (with no deadline these tries go on forever).
		 */
		ok(rv == -1 && err.code == EX_TEMPFAIL && rt.n >= 2 &&
		    duration_now_ms() - t0 < 700 + 500, "a deadline ends the "
		    "tries when it comes: %d tries, %lld ms", rt.n,
		    duration_now_ms() - t0);
		rt.deadline_ms = duration_now_ms() - 1;
		rv = http_do_retry(c, &req, &resp, &rt, &err);
		ok(rv == -1 && err.code == EX_TEMPFAIL && strstr(err.msg,
		    "no time left") != NULL, "past the deadline, no try: %s",
		    err.msg);
	}
	close(s);

	/* A server that never answers: the deadline cuts the try. */
	port = closed_port(&s);
	ok(port != -1 && listen(s, 1) == 0, "a server that never answers");
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	http_client_free(c);
	c = http_client_new(url, &o, &err);
	http_req_init(&req);
	req.url = "/v1/claim?wait=60";
	req.timeout = 90;
	req.no_idle = 1;
	{
		struct http_retry rt;
		long long t0;

		memset(&rt, 0, sizeof(rt));
		t0 = duration_now_ms();
		rt.deadline_ms = t0 + 1500;
		rv = http_do_retry(c, &req, &resp, &rt, &err);
		t0 = duration_now_ms() - t0;
		ok(rv == -1 && err.code == EX_TEMPFAIL && rt.n == 1 &&
		    t0 >= 1400 && t0 < 5000,
		    "a try is cut at the deadline: %lld ms, %s", t0, err.msg);
	}
	close(s);

	http_client_free(c);
	http_resp_free(&resp);
}

int
main(void)
{
	struct http_retry rt;
	long d;
	int i, inrange;

	memset(&rt, 0, sizeof(rt));
	rt.tries = 4;
	inrange = 1;
	for (i = 1; i <= 3; i++) {
		d = http_retry_next(&rt, 0);
		if (d < (1000L << (i - 1)) / 2 || d > 1000L << (i - 1))
			inrange = 0;
	}
	ok(inrange, "delays within half and all of 1, 2, 4 s");
	ok(http_retry_next(&rt, 0) == -1 && rt.n == 4, "4 tries, then no more");
	memset(&rt, 0, sizeof(rt));
	rt.max_ms = 4000;
	inrange = 1;
	for (i = 0; i < 40; i++) {
		d = http_retry_next(&rt, 0);
		if (i > 4 && (d < 2000 || d > 4000))
			inrange = 0;
	}
	ok(inrange && rt.n == 40, "no limit on tries; delay capped at max");
	ok(http_retry_next(&rt, 3) >= 3000, "Retry-After is honoured");
	ok(http_retry_next(&rt, 3600) == 4000, "Retry-After is capped");
	ok(http_sleep_ms(1, NULL) == 0, "sleep");
	{
		volatile sig_atomic_t stop = 1;

		ok(http_sleep_ms(100000, &stop) == -1, "sleep stopped");
	}

	test_tries();
	return tap_done();
}
