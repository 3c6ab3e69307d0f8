/* Unit tests of lib/buf.c (lib/error.c has its own: error.c). */
#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "tap.h"

int
main(void)
{
	struct buf *b = buf_new(10);

	ok(b != NULL && b->len == 0, "new buffer is empty");
	ok(buf_adds(b, "hello") == 0 && strcmp(b->data, "hello") == 0, "adds");
	ok(buf_addf(b, "%d", 1234) == 0 && strcmp(b->data, "hello1234") == 0,
	    "addf");
	ok(buf_addc(b, '!') == 0 && b->len == 10, "fills to the cap");
	errno = 0;
	ok(buf_addc(b, 'x') == -1 && errno == EMSGSIZE && b->len == 10,
	    "over the cap: EMSGSIZE, nothing added");
	ok(buf_addf(b, "%s", "y") == -1 && b->len == 10, "addf over the cap");
	buf_consume(b, 5);
	is_str(b->data, "1234!", "consume");
	buf_consume(b, 99);
	ok(b->len == 0 && b->data[0] == '\0', "consume all");
	ok(buf_add(b, "a\0b", 3) == 0 && b->len == 3 && b->data[3] == '\0',
	    "binary data, NUL-ended");
	buf_freezero(b);
	buf_free(NULL);

	return tap_done();
}
