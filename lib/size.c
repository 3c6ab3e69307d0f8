#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "size.h"

static const char units[] = "KMGT";

int
size_parse(const char *s, long long *out, struct bb_error *err)
{
	char digits[32];
	const char *errstr, *u;
	long long mult = 1, v;
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n >= sizeof(digits))
		goto bad;
	if (s[n] != '\0') {
		if (s[n + 1] != '\0' || (u = strchr(units, s[n])) == NULL)
			goto bad;
		mult = 1LL << (10 * (u - units + 1));
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = strtonum(digits, 1, SIZE_MAX_BYTES / mult, &errstr);
	if (errstr != NULL)
		goto bad;
	*out = v * mult;
	return 0;
bad:
	bb_error_set(err, EX_USAGE, "%s: not a size (digits, then K, M, G or "
	    "T; at most 1024T)", s);
	return -1;
}

void
size_format(long long n, char *out, size_t len)
{
	int u = 0;

	while (u < 4 && n > 0 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(out, len, "%lld", n);
	else
		(void)snprintf(out, len, "%lld%c", n, units[u - 1]);
}
