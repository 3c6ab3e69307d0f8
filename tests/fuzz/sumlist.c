/* libFuzzer target: checksum lists (lib/release/sumlist.c) of any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "sumlist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sumlist l;
	struct bb_error err;
	struct buf *b;

	sumlist_init(&l);
	if (sumlist_parse(&l, (const char *)data, len, "fuzz", &err) == 0 &&
	    (b = buf_new(SUMLIST_MAX)) != NULL) {
		(void)sumlist_format(&l, SUMLIST_GNU, b, &err);
		buf_free(b);
	}
	sumlist_free(&l);
	return 0;
}
