/* Unit tests of lib/worker/pretty.c: bytes made safe for a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pretty.h"
#include "tap.h"

/* s made safe, in a static buffer. */
static const char *
safe(const char *s, size_t len, int keep_nl)
{
	static char out[256];
	struct buf *b = buf_new(sizeof(out) - 1);

	if (pretty_safe(b, s, len, keep_nl, NULL, NULL) == -1)
		strlcpy(out, "(error)", sizeof(out));
	else
		strlcpy(out, b->data, sizeof(out));
	buf_free(b);
	return out;
}

int
main(void)
{
	struct buf *b;
	char carry[4];
	size_t n = 0;

	is_str(safe("plain text\tok", 13, 0), "plain text\tok", "ASCII as is");
	is_str(safe("a\nb", 3, 0), "a\\nb", "newline escaped");
	is_str(safe("a\nb", 3, 1), "a\nb", "newline kept when asked");
	is_str(safe("a\r\nb", 4, 1), "a\nb", "CR LF as a newline");
	is_str(safe("a\rb", 3, 1), "a\\rb", "a lone CR escaped");
	is_str(safe("\033[31mred", 8, 1), "\\033[31mred", "escapes escaped");
	is_str(safe("\x7f\x01", 2, 1), "\\177\\001", "DEL and controls");
	is_str(safe("\0", 1, 1), "\\000", "NUL");
	is_str(safe("caf\xc3\xa9 \xe2\x80\x98q\xe2\x80\x99 \xf0\x9f\x98\x80",
	    18, 0), "caf\xc3\xa9 \xe2\x80\x98q\xe2\x80\x99 \xf0\x9f\x98\x80",
	    "UTF-8 as is");
	is_str(safe("\xe2\x80\xae" "evil", 7, 0), "\\342\\200\\256evil",
	    "a bidirectional override escaped");
	is_str(safe("\xe2\x81\xa6", 3, 0), "\\342\\201\\246",
	    "a bidirectional isolate escaped");
	is_str(safe("\xc2\x9b", 2, 0), "\\302\\233", "a C1 control escaped");
	is_str(safe("\xc0\xaf", 2, 0), "\\300\\257", "an overlong form escaped");
	is_str(safe("\xed\xa0\x80", 3, 0), "\\355\\240\\200",
	    "a surrogate escaped");
	is_str(safe("\xff\xfe", 2, 0), "\\377\\376", "bytes that are no UTF-8");
	is_str(safe("\xe2\x80", 2, 0), "\\342\\200",
	    "a cut sequence without carry: escaped");

	b = buf_new(256);
	ok(pretty_safe(b, "x\xe2\x80", 3, 1, carry, &n) == 0 && n == 2 &&
	    strcmp(b->data, "x") == 0, "a cut sequence is carried");
	ok(pretty_safe(b, "\x98y", 2, 1, carry, &n) == 0 && n == 0 &&
	    strcmp(b->data, "x\xe2\x80\x98y") == 0,
	    "and joined to the next bytes");
	buf_free(b);
	b = buf_new(4);
	ok(pretty_safe(b, "\033\033", 2, 1, NULL, NULL) == -1,
	    "over the buffer's cap: -1");
	buf_free(b);
	return tap_done();
}
