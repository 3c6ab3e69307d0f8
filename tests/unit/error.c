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
	    "a prefix goes in front of a long message, the end is cut");
	errno = EACCES;
	bb_error_errno(&err, EX_NOPERM, "%s", big);
	ok(strlen(err.msg) == BB_ERROR_MAX - 1 && err.code == EX_NOPERM,
	    "errno on a long message: cut, not overflowed");

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
