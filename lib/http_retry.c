/*
 * Trying again (lib/http.h): the delay before the next try (capped
 * exponential backoff with jitter, a server's Retry-After honoured up to
 * the cap), a sleep that a stop flag ends, and an exchange tried until
 * it works, the tries run out, or the deadline comes.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "http_impl.h"

#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	300000

long
http_retry_next(struct http_retry *r, long retry_after)
{
	long first = r->first_ms > 0 ? r->first_ms : RETRY_FIRST_MS;
	long max = r->max_ms > 0 ? r->max_ms : RETRY_MAX_MS;
	long d;
	int k;

	r->n++;
	if (r->tries > 0 && r->n >= r->tries)
		return -1;
	if (max > (long)UINT32_MAX)
		max = (long)UINT32_MAX;
	if (first > max)
		first = max;
	d = first;
	for (k = 1; k < r->n && d < max; k++)
		d = d > max / 2 ? max : d * 2;
	d = d / 2 + (long)arc4random_uniform((uint32_t)(d - d / 2) + 1);
	if (retry_after > 0 && retry_after > d / 1000)
		d = retry_after > max / 1000 ? max : retry_after * 1000;
	return d;
}

int
http_sleep_ms(long ms, volatile sig_atomic_t *stop)
{
	struct timespec ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	for (;;) {
		if (stop != NULL && *stop)
			return -1;
		if (nanosleep(&ts, &rem) == 0)
			return 0;
		if (errno != EINTR)
			return 0;
		ts = rem;
	}
}

/* Milliseconds left before r's deadline; LLONG_MAX when it has none. */
static long long
retry_left_ms(const struct http_retry *r)
{
	if (r->deadline_ms == 0)
		return LLONG_MAX;
	return r->deadline_ms - duration_now_ms();
}

int
http_do_retry(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, struct http_retry *r, struct bb_error *err)
{
	struct http_req try;
	off_t in0 = -1, out0 = -1;
	long long left;
	long ms;

	if (req->in_fd != -1)
		in0 = lseek(req->in_fd, 0, SEEK_CUR);
	if (req->out_fd != -1)
		out0 = lseek(req->out_fd, 0, SEEK_CUR);
	for (;;) {
		try = *req;
		if ((left = retry_left_ms(r)) <= 0) {
			bb_error_set(err, EX_TEMPFAIL, "no time left to try");
			return -1;
		}
		if (left < LLONG_MAX && (try.timeout <= 0 ||
		    try.timeout > (left + 999) / 1000))
			try.timeout = (long)((left + 999) / 1000);
		if (http_do(c, &try, resp, err) == 0)
			return 0;
		if ((err != NULL && err->code != EX_TEMPFAIL) ||
		    (c->opts.stop != NULL && *c->opts.stop))
			return -1;
		if ((req->in_fd != -1 && in0 == -1) ||
		    (resp->written > 0 && out0 == -1))
			return -1;
		if ((ms = http_retry_next(r, resp->retry_after)) == -1 ||
		    ms >= retry_left_ms(r))
			return -1;
		if (r->notify != NULL)
			r->notify(r->arg, err, ms);
		if (http_sleep_ms(ms, c->opts.stop) == -1)
			return -1;
		if ((in0 != -1 && lseek(req->in_fd, in0, SEEK_SET) == -1) ||
		    (out0 != -1 && (ftruncate(req->out_fd, out0) == -1 ||
		    lseek(req->out_fd, out0, SEEK_SET) == -1))) {
			bb_error_errno(err, EX_IOERR, "rewinding for a retry");
			return -1;
		}
	}
}
