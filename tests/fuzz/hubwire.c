/*
 * libFuzzer target: the hub's Content-Digest, Range and path-name
 * parsers.  The input is a header value, a path segment after a first
 * byte 'P', or a Range value after a first byte 'R'.  Besides crashes,
 * it checks that a digest found prints back to a header that gives it
 * again, that an accepted artifact name has no byte that could leave the
 * blob store's naming, and that a range is always inside the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubwire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[8192], hex[DIGEST_HEXLEN + 1], again[DIGEST_HEXLEN + 1];
	char hdr[16 + HUBWIRE_B64LEN], b64[HUBWIRE_B64LEN + 1], *name;
	size_t len, i;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (size > 0 && in[0] == 'P') {
		if ((name = hubwire_pct_decode(in + 1, size - 1, &len)) == NULL)
			return 0;
		if (len > size)
			abort();
		if (hubwire_valid_artifact(name, len)) {
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				abort();
			for (i = 0; i < len; i++)
				if (name[i] == '/' || name[i] == '\0')
					abort();
		}
		free(name);
		return 0;
	}
	if (size > 0 && in[0] == 'R') {
		off_t off, n, sizes[] = { 0, 1, 100, 1 << 20 };

		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (hubwire_range(in + 1, sizes[i], &off, &n) == 1 &&
			    (off < 0 || n < 1 || off + n > sizes[i]))
				abort();
		return 0;
	}
	if (hubwire_content_digest(in, hex) == -1)
		return 0;
	if (!digest_valid_hex(hex))
		abort();
	hubwire_digest_b64(hex, b64);
	memcpy(hdr, "sha-256=:", 9);
	memcpy(hdr + 9, b64, HUBWIRE_B64LEN);
	memcpy(hdr + 9 + HUBWIRE_B64LEN, ":", 2);
	if (hubwire_content_digest(hdr, again) == -1 ||
	    strcmp(hex, again) != 0)
		abort();
	return 0;
}
