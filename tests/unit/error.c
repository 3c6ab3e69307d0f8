/* Unit tests of lib/error.c. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sysexits.h>

#include "error.h"
#include "tap.h"

static void __attribute__((__format__(__printf__, 3, 4)))
vset(struct bb_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bb_error_vset(err, code, fmt, ap);
	va_end(ap);
}

/* True when s ends with end. */
static int
ends(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/* True when no UTF-8 character of s is cut (for the names below). */
static int
whole_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++)
		if (*p >= 0xc0 && (p[1] & 0xc0) != 0x80)
			return 0;
		else if ((*p & 0xc0) == 0x80 && !(p[-1] >= 0xc0 ||
		    (p[-1] & 0xc0) == 0x80))
			return 0;
	return 1;
}

/* A very long file name: the message keeps what failed and why. */
static void
long_names(void)
{
	struct bb_error err;
	char path[3000], utf[2001];
	size_t i;

	path[0] = '/';
	for (i = 1; i < sizeof(path) - 1; i++)
		path[i] = i % 20 == 0 ? '/' : 'd';
	path[sizeof(path) - 1] = '\0';
	bb_error_set(&err, EX_CANTCREAT, "%s.tmp: name too long", path);
	ok(strlen(err.msg) == BB_ERROR_MAX - 1 &&
	    strncmp(err.msg, "/ddd", 4) == 0 &&
	    ends(err.msg, "ddd.tmp: name too long") &&
	    strstr(err.msg, "...") != NULL, "a long name: its middle gives "
	    "way, the cause stays: ...%s", err.msg + 400);
	errno = ENAMETOOLONG;
	bb_error_errno(&err, EX_CANTCREAT, "open %s", path);
	ok(strncmp(err.msg, "open /ddd", 9) == 0 &&
	    ends(err.msg, "ddd: File name too long") && errno == ENAMETOOLONG,
	    "bb_error_errno: strerror stays at the end, errno kept");
	bb_error_set(&err, EX_DATAERR, "bad");
	bb_error_prefix(&err, "%s", path);
	ok(strlen(err.msg) == BB_ERROR_MAX - 1 && ends(err.msg, "ddd: bad"),
	    "a long prefix: the message after it stays");
	for (i = 0; i + 2 < sizeof(utf); i += 2)
		memcpy(utf + i, "\xc3\xa9", 2);
	utf[i] = '\0';
	bb_error_set(&err, EX_DATAERR, "x%s: gone", utf);
	ok(whole_utf8(err.msg) && ends(err.msg, "\xa9: gone"),
	    "no UTF-8 character cut in two");
	errno = EIO;
	bb_error_set(&err, EX_DATAERR, "%s", path);
	is_int(errno, EIO, "bb_error_set keeps errno");
	bb_error_set(&err, EX_DATAERR, "%.*s", BB_ERROR_MAX - 1, path);
	ok(strlen(err.msg) == BB_ERROR_MAX - 1 && strstr(err.msg, "...") ==
	    NULL, "a message that just fits is whole");
}

int
main(void)
{
	struct bb_error err;
	char big[2 * BB_ERROR_MAX];

	bb_error_set(&err, EX_DATAERR, "line %d: bad", 3);
	ok(err.code == EX_DATAERR && strcmp(err.msg, "line 3: bad") == 0,
	    "error set");
	bb_error_prefix(&err, "%s", "f.txt");
	is_str(err.msg, "f.txt: line 3: bad", "error prefix");
	is_int(err.code, EX_DATAERR, "the prefix keeps the code");
	errno = ENOENT;
	bb_error_errno(&err, 0, "open %s", "x");
	ok(err.code == EX_SOFTWARE && strcmp(err.msg,
	    "open x: No such file or directory") == 0, "error errno");
	is_int(errno, ENOENT, "errno is kept");
	vset(&err, EX_IOERR, "write %s", "y");
	ok(err.code == EX_IOERR && strcmp(err.msg, "write y") == 0, "vset");
	bb_error_set(&err, 0, "no code");
	is_int(err.code, EX_SOFTWARE, "code 0 is EX_SOFTWARE");

	/* Too long for msg: cut, still a string. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bb_error_set(&err, EX_DATAERR, "%s", big);
	is_int(strlen(err.msg), BB_ERROR_MAX - 1, "a long message is cut");
	bb_error_prefix(&err, "%s", "file");
	ok(strncmp(err.msg, "file: aaa", 9) == 0 &&
	    strlen(err.msg) == BB_ERROR_MAX - 1,
	    "a prefix goes in front of a long message, which is cut");
	errno = EACCES;
	bb_error_errno(&err, EX_NOPERM, "%s", big);
	ok(strlen(err.msg) == BB_ERROR_MAX - 1 && err.code == EX_NOPERM,
	    "errno on a long message: cut, not overflowed");

	long_names();

	bb_error_clear(&err);
	ok(err.code == 0 && err.msg[0] == '\0', "clear");

	errno = EPERM;
	bb_error_set(NULL, 1, "ignored");
	bb_error_errno(NULL, 1, "ignored");
	bb_error_prefix(NULL, "ignored");
	bb_error_clear(NULL);
	is_int(errno, EPERM, "NULL error is fine, errno kept");
	return tap_done();
}
