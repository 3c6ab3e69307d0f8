#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "artifact.h"
#include "hubwire.h"

/* Reads decimal digits at *p into *n (no overflow).  0, or -1 if none. */
static int
range_num(const char **p, off_t *n)
{
	const char *s = *p;

	*n = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*n > ((off_t)INT64_MAX - (*s - '0')) / 10)
			*n = (off_t)INT64_MAX;	/* past any end */
		else
			*n = *n * 10 + (*s - '0');
	}
	*p = s;
	return 0;
}

int
hubwire_range(const char *v, off_t size, off_t *off, off_t *len)
{
	const char *p = v;
	off_t first = -1, last = -1;

	if (strncasecmp(p, "bytes", 5) != 0)
		return 0;
	p += 5;
	p += strspn(p, " \t");
	if (*p++ != '=')
		return 0;
	p += strspn(p, " \t");
	if (*p != '-' && range_num(&p, &first) == -1)
		return 0;
	if (*p++ != '-')
		return 0;
	if (*p >= '0' && *p <= '9' && range_num(&p, &last) == -1)
		return 0;
	p += strspn(p, " \t");
	if (*p != '\0' || (first == -1 && last == -1) ||
	    (first != -1 && last != -1 && last < first))
		return 0;	/* malformed, or several ranges */
	if (first == -1) {
		/* A suffix: the last "last" bytes. */
		if (last == 0 || size == 0)
			return -1;
		*len = last < size ? last : size;
		*off = size - *len;
		return 1;
	}
	if (first >= size)
		return -1;
	if (last == -1 || last >= size)
		last = size - 1;
	*off = first;
	*len = last - first + 1;
	return 1;
}

void
hubwire_digest_b64(const char *hex, char *out)
{
	(void)digest_b64(hex, out);
}

int
hubwire_content_digest(const char *v, char *hex)
{
	unsigned char bin[DIGEST_LEN + 3];
	const char *p, *b64;
	size_t n;

	for (p = v; *p != '\0'; ) {
		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		if (n > 8 && strncasecmp(p, "sha-256=", 8) == 0) {
			b64 = p + 8;
			n -= 8;
			while (n > 0 && (b64[n - 1] == ' ' ||
			    b64[n - 1] == '\t'))
				n--;
			/* :44 base64 characters, one '=' of padding: */
			if (n != 46 || b64[0] != ':' || b64[45] != ':' ||
			    b64[44] != '=' || b64[43] == '=')
				return -1;
			if (EVP_DecodeBlock(bin, (const unsigned char *)b64 +
			    1, 44) != DIGEST_LEN + 1)
				return -1;
			digest_tohex(bin, DIGEST_LEN, hex);
			return 0;
		}
		p += n;
	}
	return -1;
}

char *
hubwire_pct_decode(const char *s, size_t len, size_t *outlen)
{
	char *out;
	size_t i, n = 0;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(out);
			return NULL;
		}
		if (digest_unhex(s + i + 1, 1, (unsigned char *)out + n) ==
		    -1) {
			free(out);
			return NULL;
		}
		n++;
		i += 2;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

int
hubwire_valid_artifact(const char *s, size_t len)
{
	return strlen(s) == len && artifact_name_valid(s);
}
