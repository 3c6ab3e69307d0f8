/*
 * libFuzzer target: URL normalisation and resolution.  The input is a
 * base and a reference separated by a newline.  Besides crashes, it
 * checks that a normalised URL normalises to itself and that a resolved
 * URL that is said to be of the base's origin is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[2 * HTTP_URL_MAX], base[HTTP_URL_MAX], again[HTTP_URL_MAX];
	char out[HTTP_URL_MAX], *ref;
	int same;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if ((ref = strchr(in, '\n')) != NULL)
		*ref++ = '\0';
	if (http_url_normalise(in, 1, base, NULL) == -1)
		return 0;
	if (http_url_normalise(base, 1, again, NULL) == -1 ||
	    strcmp(base, again) != 0)
		abort();
	if (ref == NULL ||
	    http_url_resolve(base, ref, 1, out, &same, NULL) == -1)
		return 0;
	if (same && ref[0] != '/' && !http_same_origin(base, out))
		abort();
	return 0;
}
