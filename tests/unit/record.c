/* Unit tests of lib/record.c: the bb-record(5) codec. */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "record.h"
#include "tap.h"

static int
parse(struct record *r, const char *s, struct bb_error *err)
{
	return record_parse(r, s, strlen(s), err);
}

static void
test_parse(void)
{
	struct bb_error err;
	struct record r;
	size_t n;
	const char *v;

	record_init(&r);
	is_int(parse(&r, "status step=build state=started", &err), 0,
	    "parse a simple record");
	is_str(r.type, "status", "type");
	is_int(r.nf, 2, "two fields");
	is_str(record_get(&r, "step"), "build", "step value");
	is_str(record_get(&r, "state"), "started", "state value");
	ok(record_get(&r, "rc") == NULL, "missing key is NULL");
	ok(record_is(&r, "status"), "record_is");

	is_int(parse(&r, "log data=a%20b%25c%0Ad%00e%7F", &err), 0,
	    "parse escapes");
	v = record_getn(&r, "data", &n);
	ok(n == 10 && memcmp(v, "a b%c\nd\0e\x7f", 10) == 0,
	    "escapes decode, NUL included");
	is_int(parse(&r, "log data=%c3%a9", &err), 0, "lower-case hex");
	is_str(record_get(&r, "data"), "\xc3\xa9", "lower-case hex decodes");
	is_int(parse(&r, "x k= j=", &err), 0, "empty values");
	is_str(record_get(&r, "k"), "", "empty value is empty");
	is_int(parse(&r, "done", &err), 0, "type alone");
	is_int(r.nf, 0, "no fields");
	is_int(parse(&r, "a.b-c_d k.1=\xe2\x82\xac", &err), 0,
	    "UTF-8 passes raw");
	record_free(&r);
}

/*
 * Every byte as %XX, upper and lower case, in a field and in the raw
 * field, decodes to itself; a %-escape whose digit is next to a hex
 * digit's range is refused in both.
 */
static void
test_hex_digits(void)
{
	static const char *const near[] = { "/", ":", "@", "G", "`", "g",
	    " " };
	struct bb_error err;
	struct record r;
	char line[64], want[2];
	const char *v;
	size_t i, n;
	int c, good = 1, refused = 1, form;

	record_init(&r);
	for (c = 0; c < 256; c++)
		for (form = 0; form < 4; form++) {
			(void)snprintf(line, sizeof(line), form & 1 ?
			    "x a:y%%%02x" : "x a=y%%%02X", c);
			if (form & 2)
				(void)snprintf(line, sizeof(line), form & 1 ?
				    "x a:y%%%02X" : "x a=y%%%02x", c);
			want[0] = 'y';
			want[1] = (char)c;
			if (parse(&r, line, &err) == -1 ||
			    (v = record_getn(&r, "a", &n)) == NULL || n != 2 ||
			    memcmp(v, want, 2) != 0) {
				printf("# %s does not decode\n", line);
				good = 0;
			}
		}
	ok(good, "every byte's %%XX decodes, either case, either field");
	for (i = 0; i < nitems(near); i++)
		for (form = 0; form < 4; form++) {
			(void)snprintf(line, sizeof(line), "x a%c%s%s",
			    form & 1 ? ':' : '=', form & 2 ? "%0" : "%",
			    near[i]);
			if (!(form & 2))
				(void)strlcat(line, "0", sizeof(line));
			if (parse(&r, line, &err) != -1 ||
			    strstr(err.msg, "bad %-escape") == NULL) {
				printf("# %s is not refused\n", line);
				refused = 0;
			}
		}
	ok(refused, "a %%-escape with a digit just outside 0-9, a-f, A-F "
	    "is refused");
	record_free(&r);
}

static void
test_malformed(void)
{
	static const struct {
		const char *line;
		const char *why;
	} bad[] = {
		{ "", "empty line" },
		{ "Status a=1", "bad record type" },
		{ "1x a=1", "bad record type" },
		{ "x  a=1", "bad field at byte 3" },
		{ "x a=1 ", "trailing space" },
		{ "x a", "bad field" },
		{ "x =1", "bad field" },
		{ "x A=1", "bad field" },
		{ "x a=1 a=2", "duplicate key \"a\"" },
		{ "x a=%", "bad %-escape at byte 5" },
		{ "x a=%4", "bad %-escape" },
		{ "x a=%zz", "bad %-escape" },
		{ "x a=b\tc", "unescaped control byte 0x09" },
		{ "x a=b\rc", "unescaped control byte 0x0d" },
		{ "x a=\x7f", "unescaped control byte 0x7f" },
		{ "x\ta=1", "bad record type" },
		{ "x a==", NULL },	/* '=' in a value is fine */
	};
	struct bb_error err;
	struct record r;
	size_t i;
	int rv;

	record_init(&r);
	for (i = 0; i < nitems(bad); i++) {
		bb_error_clear(&err);
		rv = parse(&r, bad[i].line, &err);
		if (bad[i].why == NULL) {
			is_int(rv, 0, "accepts line %zu of the table", i);
			continue;
		}
		ok(rv == -1 && err.code == EX_DATAERR &&
		    strstr(err.msg, bad[i].why) != NULL,
		    "refuses line %zu: %s", i, bad[i].why);
		if (rv != -1 || strstr(err.msg, bad[i].why) == NULL)
			printf("#   message: %s\n", err.msg);
	}
	/* A long type or key is refused. */
	char longkey[200];
	memset(longkey, 'k', sizeof(longkey));
	memcpy(longkey, "x ", 2);
	memcpy(longkey + 150, "=v", 3);
	ok(parse(&r, longkey, &err) == -1, "over-long key refused");
	record_free(&r);
}

/* The table-driven escape against the rule, at the buffer's very end. */
static void
test_escape(void)
{
	static const char hexd[] = "0123456789ABCDEF";
	unsigned char all[256];
	char want[3 * 256 + 1], *w = want;
	struct buf *b;
	size_t max;
	int c, good = 1;

	for (c = 0; c < 256; c++) {
		all[c] = (unsigned char)c;
		if (c <= 0x20 || c == '%' || c == 0x7f) {
			*w++ = '%';
			*w++ = hexd[c >> 4];
			*w++ = hexd[c & 0xf];
		} else
			*w++ = (char)c;
	}
	*w = '\0';
	is_int(record_encoded_len(all, 256), strlen(want),
	    "encoded length of every byte");
	for (max = strlen(want) - 1; max <= strlen(want) + 3; max++) {
		b = buf_new(max);
		if (max < strlen(want))
			good &= record_escape(b, all, 256) == -1;
		else
			good &= record_escape(b, all, 256) == 0 &&
			    b->len == strlen(want) &&
			    memcmp(b->data, want, b->len) == 0 &&
			    b->data[b->len] == '\0';
		buf_free(b);
	}
	ok(good, "every byte escaped as the rule says, with or without "
	    "spare room, and nothing over the cap");
}

static void
test_build(void)
{
	struct bb_error err;
	struct record r;
	struct buf *b = buf_new(RECORD_MAX);
	char big[RECORD_MAX];

	record_init(&r);
	ok(record_start(&r, "status", &err) == 0, "start a record");
	ok(record_set(&r, "step", "make all", &err) == 0, "set");
	ok(record_setf(&r, &err, "rc", "%d", 2) == 0, "setf");
	ok(record_set(&r, "step", "make  check", &err) == 0, "replace");
	ok(record_encode(&r, b, &err) == 0, "encode");
	is_str(b->data, "status step=make%20%20check rc=2\n",
	    "encoding, replaced key keeps its place");
	record_unset(&r, "step");
	buf_reset(b);
	(void)record_encode(&r, b, &err);
	is_str(b->data, "status rc=2\n", "unset");
	ok(record_set(&r, "Bad", "x", &err) == -1, "bad key refused");
	ok(record_start(&r, "9", &err) == -1, "bad type refused");

	long long n;
	(void)record_start(&r, "job", &err);
	(void)record_set(&r, "id", "42", &err);
	(void)record_set(&r, "neg", "-1", &err);
	(void)record_setn(&r, "nul", "4\0002", 3, &err);
	ok(record_get_num(&r, "id", 1, 100, &n, &err) == 0 && n == 42,
	    "get_num");
	ok(record_get_num(&r, "neg", 0, 100, &n, &err) == -1 &&
	    strstr(err.msg, "neg=\"-1\" is too small") != NULL,
	    "get_num range: %s", err.msg);
	ok(record_get_num(&r, "nul", 0, 100, &n, &err) == -1,
	    "get_num refuses embedded NUL");
	ok(record_get_num(&r, "gone", 0, 100, &n, &err) == -1 &&
	    strstr(err.msg, "job record without gone") != NULL,
	    "get_num missing: %s", err.msg);

	/* Encoded length is capped at RECORD_MAX, newline included. */
	memset(big, 'a', sizeof(big));
	(void)record_start(&r, "log", &err);
	(void)record_setn(&r, "data", big, RECORD_MAX - 10, &err);
	buf_reset(b);
	ok(record_encode(&r, b, &err) == 0 && b->len == RECORD_MAX,
	    "a line of exactly RECORD_MAX bytes encodes");
	(void)record_setn(&r, "data", big, RECORD_MAX - 9, &err);
	buf_reset(b);
	ok(record_encode(&r, b, &err) == -1, "one byte more does not");
	/* What encodes parses; one byte more is refused by every reader. */
	(void)record_setn(&r, "data", big, RECORD_MAX - 10, &err);
	buf_reset(b);
	(void)record_encode(&r, b, &err);
	ok(record_parse(&r, b->data, b->len - 1, &err) == 0,
	    "a line of exactly RECORD_MAX bytes parses");
	b->data[b->len - 1] = 'a';
	ok(record_parse(&r, b->data, b->len, &err) == -1 &&
	    strcmp(err.msg, "longer than 65536 bytes") == 0,
	    "one byte more is refused: %s", err.msg);
	is_int(record_fit("a b", 3, 4), 2, "fit counts escapes");
	is_int(record_fit("ab", 2, 10), 2, "fit all");
	test_escape();
	is_int(record_encoded_len("% \n", 3), 9, "encoded_len");
	record_free(&r);
	buf_free(b);
}

/*
 * The raw field against its rule, written out byte by byte: text with long
 * plain runs, escapes at every place of a 16-byte block, random rooms;
 * record_raw_add takes what fits, cut after the last newline taken, and
 * record_parse gives the bytes back.
 */
static void
test_raw_random(void)
{
	static const char pick[] = "abc -=/%\t\n\r\x7f\x01\xc3";
	struct bb_error err;
	struct record back;
	struct buf *b = buf_new(RECORD_MAX), *want = buf_new(RECORD_MAX);
	unsigned char *v = malloc(RECORD_MAX), c;
	size_t len, room, i, took, cut_in, cut_out;
	const char *p;
	ssize_t n;
	int fails = 0, iter;

	record_init(&back);
	srandom(99);
	for (iter = 0; iter < 3000; iter++) {
		len = 1 + (size_t)random() % 3000;
		for (i = 0; i < len; i++)
			v[i] = random() % (2 + iter % 40) == 0 ?
			    (unsigned char)pick[random() % (sizeof(pick) - 1)] :
			    (unsigned char)('A' + random() % 26);
		room = 3 + (size_t)random() % (2 * len + 8);
		/* The rule, a byte at a time. */
		buf_reset(want);
		(void)buf_adds(want, "log data:");
		cut_in = cut_out = 0;
		for (i = 0; i < len; i++) {
			c = v[i];
			if ((c < 0x20 && c != '\t') || c == '%' || c == 0x7f) {
				if (want->len - 9 + 3 > room)
					break;
				(void)buf_addf(want, "%%%02X", c);
				if (c == '\n') {
					cut_in = i + 1;
					cut_out = want->len;
				}
			} else {
				if (want->len - 9 + 1 > room)
					break;
				(void)buf_addc(want, (char)c);
			}
		}
		took = i;
		if (took < len && cut_in > 0) {
			took = cut_in;
			want->len = cut_out;
			want->data[want->len] = '\0';
		}
		buf_reset(b);
		(void)buf_adds(b, "log data:");
		n = record_raw_add(b, v, len, room);
		if (took == 0 ? n != 0 : n != (ssize_t)took ||
		    strcmp(b->data, want->data) != 0) {
			if (fails++ < 3)
				printf("# iteration %d: took %zd, want %zu\n",
				    iter, n, took);
			continue;
		}
		if (n > 0 && (record_parse(&back, b->data, b->len, &err) ==
		    -1 || (p = record_getn(&back, "data", &i)) == NULL ||
		    i != took || memcmp(p, v, took) != 0))
			fails++;
	}
	is_int(fails, 0, "3000 raw values: encoded as the rule says, "
	    "decoded back");
	record_free(&back);
	buf_free(b);
	buf_free(want);
	free(v);
}

/* Random values of random lengths up to the line limit round-trip. */
static void
test_roundtrip(void)
{
	struct bb_error err;
	struct record r, back;
	struct buf *b = buf_new(RECORD_MAX);
	unsigned char *v = malloc(RECORD_MAX);
	size_t len, got, room, i;
	const char *p;
	int fails = 0, iter;

	record_init(&r);
	record_init(&back);
	srandom(12345);
	for (iter = 0; iter < 2000; iter++) {
		/* Biased towards bytes that need escaping. */
		room = (size_t)random() % (RECORD_MAX - 16);
		for (i = 0; i < room; i++)
			v[i] = random() % 4 == 0 ? (unsigned char)(random() %
			    0x22) : (unsigned char)random();
		len = record_fit(v, room, RECORD_MAX - 16);
		(void)record_start(&r, "log", &err);
		(void)record_setn(&r, "data", v, len, &err);
		(void)record_set(&r, "fd", "1", &err);
		buf_reset(b);
		if (record_encode(&r, b, &err) == -1 ||
		    memchr(b->data, ' ', b->len - 1) == NULL ||
		    record_parse(&back, b->data, b->len - 1, &err) == -1) {
			fails++;
			continue;
		}
		p = record_getn(&back, "data", &got);
		if (got != len || memcmp(p, v, len) != 0)
			fails++;
		/* Only bytes 0x21-0x7e other than '%' and >= 0x80 are raw. */
		for (i = 0; i < b->len - 1; i++)
			if ((unsigned char)b->data[i] < 0x20 ||
			    b->data[i] == 0x7f)
				fails++;
	}
	is_int(fails, 0, "2000 random values round-trip byte for byte");
	record_free(&r);
	record_free(&back);
	buf_free(b);
	free(v);
}

static void
test_freezero(void)
{
	struct record r;

	record_init(&r);
	record_freezero(&r);
	ok(r.mem == NULL && r.f == NULL && r.nf == 0,
	    "record_freezero of an empty record");
	ok(record_start(&r, "session", NULL) == 0 &&
	    record_set(&r, "token", "0123456789abcdef", NULL) == 0,
	    "a record with a token");
	record_freezero(&r);
	ok(r.mem == NULL && r.f == NULL && r.nf == 0 && r.type[0] == '\0',
	    "record_freezero leaves it empty");
	ok(record_start(&r, "x", NULL) == 0 && record_get(&r, "token") == NULL,
	    "and usable again");
	record_free(&r);
}

/* The raw field: key:value to the end of the line (bb-record(5)). */
static void
test_raw(void)
{
	static const char hexd[] = "0123456789ABCDEF";
	struct bb_error err;
	struct record r, back;
	struct buf *b = buf_new(RECORD_MAX);
	unsigned char all[256];
	char want[3 * 256 + 1], *w = want, text[200];
	const char *v;
	size_t n, i;
	ssize_t took;
	int c, fails = 0, iter;

	record_init(&r);
	record_init(&back);
	is_int(parse(&r, "log step=a b fd=1 data:x y\tz%25%0A %", &err), -1,
	    "a bare %% in a raw value is refused");
	is_int(parse(&r, "log step=ab fd=1 data:x = y\tz%25%0A", &err), 0,
	    "a raw field: spaces, '=' and a tab as they are");
	v = record_getn(&r, "data", &n);
	ok(n == 9 && memcmp(v, "x = y\tz%\n", 9) == 0, "  its value decoded");
	is_str(record_raw(&r), "data", "  it is the raw field");
	is_int(r.rawpos, 16, "  at byte 16");
	is_str(record_get(&r, "fd"), "1", "  the fields before it as ever");
	is_int(parse(&r, "log data:", &err), 0, "an empty raw value");
	is_str(record_get(&r, "data"), "", "  is empty");
	is_int(parse(&r, "log d:a: b:c", &err), 0, "a raw field takes all");
	is_str(record_get(&r, "d"), "a: b:c", "  to the end of the line");
	is_int(r.nf, 1, "  one field");
	is_int(parse(&r, "log fd=1 t=2", &err), 0, "no raw field");
	ok(record_raw(&r) == NULL && r.rawpos == 0, "  none said");
	is_int(parse(&r, "log data:a\rb", &err), -1, "a raw CR is refused");
	ok(strstr(err.msg, "control byte 0x0d at byte 11") != NULL, "  %s",
	    err.msg);
	is_int(parse(&r, "log data:a\x7f", &err), -1, "a raw DEL is refused");
	is_int(parse(&r, "log data:%4", &err), -1, "a cut escape is refused");
	is_int(parse(&r, "log fd=1 fd:2", &err), -1,
	    "a key twice, once raw, is refused");
	is_int(parse(&r, "log data:\xe2\x82\xac", &err), 0, "UTF-8 raw");

	/* Encoding: the raw field last, only what must be escaped. */
	(void)record_start(&r, "log", &err);
	(void)record_set(&r, "data", "cc -O2 -c a.c\n", &err);
	(void)record_set(&r, "step", "make all", &err);
	ok(record_set_raw(&r, "data") == 0, "set the raw field");
	ok(record_set_raw(&r, "nope") == -1, "  not a key r lacks");
	(void)record_set(&r, "seq", "7", &err);
	buf_reset(b);
	ok(record_encode(&r, b, &err) == 0, "encode");
	is_str(b->data, "log step=make%20all seq=7 data:cc -O2 -c a.c%0A\n",
	    "  the raw field last, its spaces kept");
	(void)record_set_raw(&r, NULL);
	buf_reset(b);
	(void)record_encode(&r, b, &err);
	is_str(b->data, "log data=cc%20-O2%20-c%20a.c%0A step=make%20all "
	    "seq=7\n", "  none raw: every field as it was");

	for (c = 0; c < 256; c++) {
		all[c] = (unsigned char)c;
		if ((c < 0x20 && c != '\t') || c == '%' || c == 0x7f) {
			*w++ = '%';
			*w++ = hexd[c >> 4];
			*w++ = hexd[c & 0xf];
		} else
			*w++ = (char)c;
	}
	*w = '\0';
	is_int(record_raw_len(all, 256), strlen(want), "raw length of every "
	    "byte");
	buf_reset(b);
	ok(record_raw_escape(b, all, 256) == 0 && strcmp(b->data, want) == 0,
	    "every byte written raw as the rule says");
	is_int(record_raw_fit("a\nb", 3, 4), 2, "fit counts escapes");
	is_int(record_raw_fit("a\nb", 3, 3), 1, "  and stops before one");
	is_int(record_raw_fit("abcdefghijklmnop", 16, 10), 10,
	    "  in a span of plain bytes");

	/* record_raw_add cuts after the last newline that fits. */
	buf_reset(b);
	took = record_raw_add(b, "one\ntwo\nthree", 13, 12);
	ok(took == 8 && strcmp(b->data, "one%0Atwo%0A") == 0,
	    "add: cut after a newline: %zd \"%s\"", took, b->data);
	buf_reset(b);
	took = record_raw_add(b, "onetwothree", 11, 5);
	ok(took == 5 && strcmp(b->data, "onetw") == 0,
	    "add: no newline, as much as fits");
	buf_reset(b);
	took = record_raw_add(b, "one\ntwo", 7, 100);
	ok(took == 7 && strcmp(b->data, "one%0Atwo") == 0, "add: all fits");
	buf_reset(b);
	took = record_raw_add(b, "\n", 1, 2);
	ok(took == 0 && b->len == 0, "add: not even one");

	/* Random values round-trip, and nothing breaks a line. */
	srandom(54321);
	for (iter = 0; iter < 2000; iter++) {
		n = (size_t)random() % (sizeof(text));
		for (i = 0; i < n; i++)
			text[i] = random() % 3 == 0 ? (char)(random() % 0x30) :
			    (char)random();
		(void)record_start(&r, "log", &err);
		(void)record_set(&r, "fd", "1", &err);
		(void)record_setn(&r, "data", text, n, &err);
		(void)record_set_raw(&r, "data");
		buf_reset(b);
		if (record_encode(&r, b, &err) == -1 ||
		    record_parse(&back, b->data, b->len - 1, &err) == -1) {
			fails++;
			continue;
		}
		v = record_getn(&back, "data", &i);
		if (i != n || memcmp(v, text, n) != 0 ||
		    strcmp(record_raw(&back), "data") != 0)
			fails++;
		for (i = 0; i < b->len - 1; i++)
			if (((unsigned char)b->data[i] < 0x20 &&
			    b->data[i] != '\t') || b->data[i] == 0x7f)
				fails++;
	}
	is_int(fails, 0, "2000 random raw values round-trip byte for byte");
	record_free(&r);
	record_free(&back);
	buf_free(b);
}

int
main(void)
{
	test_parse();
	test_freezero();
	test_malformed();
	test_hex_digits();
	test_build();
	test_roundtrip();
	test_raw_random();
	test_raw();
	return tap_done();
}
