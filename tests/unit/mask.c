/* Unit tests of lib/worker/mask.c: secrets masked in a stream, split or whole. */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mask.h"
#include "tap.h"

struct mask_case {
	const char	*v[16];
	size_t		 len[16];
	size_t		 n;
};

/*
 * Feeds s to a fresh stream in pieces of step bytes (of random sizes up to
 * step if rnd); returns the output.
 */
static char *
feed(const struct mask *m, const char *s, size_t len, size_t step, int rnd)
{
	struct mask_stream ms;
	struct buf *out;
	size_t n;
	char *r;

	if (mask_stream_init(&ms) == -1 || (out = buf_new(1 << 24)) == NULL)
		abort();
	while (len > 0) {
		n = rnd ? 1 + (size_t)random() % step : step;
		if (n > len)
			n = len;
		if (mask_feed(m, &ms, s, n, out) == -1)
			abort();
		s += n;
		len -= n;
	}
	if (mask_finish(m, &ms, out) == -1)
		abort();
	mask_stream_free(&ms);
	r = strdup(out->data);
	buf_free(out);
	return r;
}

static char *
stream(const struct mask *m, const char *s, size_t len, size_t step)
{
	return feed(m, s, len, step, 0);
}

static void
is_masked(const struct mask *m, const char *in, const char *want,
    const char *what)
{
	size_t step, len = strlen(in);
	char *got;
	int good = 1;

	for (step = 1; step <= len + 1; step++) {
		got = stream(m, in, len, step);
		if (strcmp(got, want) != 0) {
			printf("# step %zu: got \"%s\"\n", step, got);
			good = 0;
		}
		free(got);
	}
	ok(good, "%s (every split)", what);
}

static void
test_basic(void)
{
	struct bb_error err;
	struct mask *m;
	char *got;

	m = mask_new();
	got = stream(m, "nothing to hide\n", 16, 5);
	is_str(got, "nothing to hide\n", "no secrets: bytes pass");
	free(got);

	is_int(mask_add(m, "hunter2", 7, &err), 1, "add a secret");
	is_int(mask_add(m, "hunter2", 7, &err), 0, "the same again: known");
	is_int(mask_add(m, "abc", 3, &err), 0, "a 3-byte value is not masked");
	is_int(mask_add(m, "", 0, &err), 0, "an empty value is not masked");
	is_int(mask_count(m), 1, "one value in the set");
	is_masked(m, "pw=hunter2\n", "pw=[masked]\n", "one secret");
	is_masked(m, "hunter2hunter2 hunter2", "[masked][masked] [masked]",
	    "secrets side by side");
	is_masked(m, "hunterhunter2hunte", "hunter[masked]hunte",
	    "a secret after its own prefix; a prefix at the end");
	is_masked(m, "hunter3", "hunter3", "an almost-secret passes");
	mask_free(m);
}

static void
test_held(void)
{
	struct mask_stream ms;
	struct bb_error err;
	struct mask *m;
	struct buf *out;

	m = mask_new();
	(void)mask_add(m, "s3cr3t-value", 12, &err);
	(void)mask_stream_init(&ms);
	out = buf_new(1024);
	(void)mask_feed(m, &ms, "ok s3cr", 7, out);
	is_str(out->data, "ok ", "a possible start of a secret is held");
	(void)mask_feed(m, &ms, "3t-v", 4, out);
	is_str(out->data, "ok ", "still held");
	(void)mask_feed(m, &ms, "alue.", 5, out);
	is_str(out->data, "ok [masked].", "completed: masked");
	(void)mask_feed(m, &ms, "s3c", 3, out);
	(void)mask_feed(m, &ms, "ret", 3, out);
	is_str(out->data, "ok [masked].s3cret",
	    "a prefix that goes wrong is let out");
	(void)mask_feed(m, &ms, "s3cr3t-valu", 11, out);
	is_str(out->data, "ok [masked].s3cret", "held at the end");
	(void)mask_finish(m, &ms, out);
	is_str(out->data, "ok [masked].s3crets3cr3t-valu",
	    "the end of the stream lets the prefix out");
	mask_stream_free(&ms);
	buf_free(out);
	mask_free(m);
}

static void
test_overlap(void)
{
	struct bb_error err;
	struct mask *m;
	char big[MASK_MAXLEN + 2];

	m = mask_new();
	(void)mask_add(m, "abcd", 4, &err);
	(void)mask_add(m, "abcdefgh", 8, &err);
	is_masked(m, "abcdefgh", "[masked]", "the longest value wins");
	is_masked(m, "abcdefgX", "[masked]efgX",
	    "a shorter value when the longer one fails");
	is_masked(m, "xabcde", "x[masked]e", "the shorter one at the end");
	(void)mask_add(m, "aaab", 4, &err);
	is_masked(m, "aaaab", "a[masked]", "an overlapping start");
	mask_free(m);

	m = mask_new();
	is_int(mask_add(m, "line-one\r\nline-two\nx", 20, &err), 1,
	    "a value of several lines");
	is_int(mask_count(m), 3, "the value and its long lines");
	is_masked(m, "[line-one] [line-two] x",
	    "[[masked]] [[masked]] x", "each line is masked alone");
	memset(big, 'x', sizeof(big));
	is_int(mask_add(m, big, sizeof(big), &err), -1, "an over-long value");
	is_int(err.code, EX_DATAERR, "is bad data");
	ok(tap_lacks(err.msg, "xxxx"), "the message hides the value");
	is_int(mask_add(m, big, MASK_MAXLEN, &err), 1, "the longest value");
	mask_free(m);
}

/* A stream of random bytes with secrets in it, fed in random pieces. */
static void
test_random(void)
{
	static const char *const vals[] = { "tok-1234", "tok-12", "AAAAAAAAB",
	    "\n\n\n\n", "xyzzy" };
	struct bb_error err;
	struct mask *m;
	struct buf *in, *want;
	char *got;
	size_t i, k, step;
	int round, good = 1;

	m = mask_new();
	for (i = 0; i < nitems(vals); i++)
		(void)mask_add(m, vals[i], strlen(vals[i]), &err);
	srandom(42);
	for (round = 0; round < 200; round++) {
		in = buf_new(1 << 20);
		want = buf_new(1 << 20);
		for (i = 0; i < 300; i++) {
			k = (size_t)random() % 12;
			if (k < nitems(vals)) {
				(void)buf_adds(in, vals[k]);
				continue;
			}
			/* Bytes that make near-misses likely. */
			(void)buf_addc(in, "AtoBk-12\nxyz"[random() % 12]);
		}
		got = stream(m, in->data, in->len, in->len);
		(void)buf_adds(want, got);
		free(got);
		step = 1 + (size_t)random() % 40;
		got = stream(m, in->data, in->len, step);
		if (strcmp(got, want->data) != 0) {
			printf("# round %d step %zu differs\n", round, step);
			good = 0;
		}
		for (i = 0; i < nitems(vals); i++)
			if (strstr(got, vals[i]) != NULL) {
				printf("# round %d: %s leaked\n", round,
				    vals[i]);
				good = 0;
			}
		free(got);
		buf_free(in);
		buf_free(want);
	}
	ok(good, "random streams: pieces give what one piece gives, "
	    "and no secret is left");
	mask_free(m);
}

/* What masking must give: at each byte the longest value there, if any. */
static char *
naive(const struct mask_case *c, const char *in, size_t len)
{
	struct buf *out;
	size_t i = 0, k, best, blen;
	char *r;

	out = buf_new(1 << 24);
	while (i < len) {
		best = c->n;
		blen = 0;
		for (k = 0; k < c->n; k++)
			if (c->len[k] > blen && c->len[k] <= len - i &&
			    memcmp(in + i, c->v[k], c->len[k]) == 0) {
				best = k;
				blen = c->len[k];
			}
		if (best < c->n) {
			(void)buf_adds(out, "[masked]");
			i += blen;
		} else
			(void)buf_addc(out, in[i++]);
	}
	r = strdup(out->data);
	buf_free(out);
	return r;
}

/*
 * Long streams against the plain definition, for values that begin with
 * one byte (memchr), a few (sixteen bytes at a time) and many (byte by
 * byte), values up to MASK_MAXLEN long, fed in pieces of one byte to
 * several times MASK_MAXLEN: a value across two pieces, or across the
 * bytes held and many pieces after, is masked all the same.
 */
static void
test_against_plain(void)
{
	static const char *const sets[][10] = {
	    { "qwerty", "qwe-long-1", "q\n\nq", NULL },
	    { "tok-1234", "tok-12", "AAAAAAAAB", "\n\n\n\n", "xyzzy",
	      "zzzz", NULL },
	    { "a1b2", "b2c3", "c3d4", "d4e5", "e5f6", "f6g7", "g7h8",
	      "h8i9", "i9j0", "j0k1" },
	};
	static const char alpha[] = "qwertyzxAB-1234abcdefghijk\n ";
	struct mask_case c;
	struct bb_error err;
	struct mask *m;
	struct buf *in;
	char *want, *got, *big;
	size_t set, i, k, max, last;
	int round, good;

	big = malloc(MASK_MAXLEN);
	for (i = 0; i < MASK_MAXLEN; i++)
		big[i] = alpha[i % 7];
	srandom(7);
	for (set = 0; set < nitems(sets); set++) {
		good = 1;
		m = mask_new();
		memset(&c, 0, sizeof(c));
		for (k = 0; k < nitems(sets[set]) && sets[set][k] != NULL;
		    k++) {
			c.v[c.n] = sets[set][k];
			c.len[c.n] = strlen(sets[set][k]);
			(void)mask_add(m, c.v[c.n], c.len[c.n], &err);
			c.n++;
		}
		if (set == 0) {
			/* The longest value there is, beginning with q. */
			big[0] = 'q';
			c.v[c.n] = big;
			c.len[c.n++] = MASK_MAXLEN;
			(void)mask_add(m, big, MASK_MAXLEN, &err);
		}
		for (round = 0; round < 12; round++) {
			in = buf_new(1 << 22);
			while (in->len < 300000) {
				k = (size_t)random() % 64;
				last = c.len[c.n - 1];
				if (k < c.n &&
				    (c.len[k] < 100 || round % 3 == 0))
					(void)buf_add(in, c.v[k], c.len[k]);
				else if (k == 63 && last > 100)
					/* The longest value but its end. */
					(void)buf_add(in, c.v[c.n - 1],
					    last - 1);
				else
					(void)buf_addc(in, alpha[(size_t)
					    random() % (sizeof(alpha) - 1)]);
			}
			want = naive(&c, in->data, in->len);
			max = round < 4 ? 7 : round < 8 ? 70000 :
			    3 * MASK_MAXLEN;
			got = feed(m, in->data, in->len, max, 1);
			if (strcmp(got, want) != 0) {
				printf("# set %zu round %d: differs\n", set,
				    round);
				good = 0;
			}
			free(want);
			free(got);
			buf_free(in);
		}
		ok(good, "value set %zu: long streams in random pieces are "
		    "masked as the plain definition says", set);
		mask_free(m);
	}
	free(big);
}

static void
test_names(void)
{
	char *extra[] = { "DEPLOY_*", "x?z" };

	ok(mask_name_match("GITHUB_TOKEN", NULL, 0), "*_TOKEN");
	ok(mask_name_match("AWS_SECRET", NULL, 0), "*_SECRET");
	ok(mask_name_match("DB_PASSWORD", NULL, 0), "*_PASSWORD");
	ok(mask_name_match("SSH_KEY", NULL, 0), "*_KEY");
	ok(mask_name_match("npm_token", NULL, 0), "without regard to case");
	ok(!mask_name_match("TOKEN", NULL, 0), "TOKEN alone does not match");
	ok(!mask_name_match("KEYBOARD", NULL, 0), "KEYBOARD does not match");
	ok(mask_name_match("DEPLOY_HOST", extra, 2), "an extra pattern");
	ok(mask_name_match("XYZ", extra, 2), "another extra pattern");
	ok(!mask_name_match("HOST", extra, 2), "no pattern matches");
}

int
main(void)
{
	test_basic();
	test_held();
	test_overlap();
	test_random();
	test_against_plain();
	test_names();
	return tap_done();
}
