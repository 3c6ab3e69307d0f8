#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct buf *
buf_new(size_t max)
{
	struct buf *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	/* data is never NULL: an empty buffer is an empty string. */
	b->size = max < 255 ? max + 1 : 256;
	if ((b->data = calloc(1, b->size)) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	free(b);
}

void
buf_freezero(struct buf *b)
{
	if (b == NULL)
		return;
	freezero(b->data, b->size);
	free(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

void *
buf_reserve(struct buf *b, size_t n)
{
	size_t want, nsize;
	char *p;

	if (n > b->max - b->len) {
		errno = EMSGSIZE;
		return NULL;
	}
	want = b->len + n + 1;
	if (want > b->size) {
		nsize = b->size ? b->size : 256;
		while (nsize < want)
			nsize *= 2;
		if ((p = recallocarray(b->data, b->size, nsize, 1)) == NULL)
			return NULL;
		b->data = p;
		b->size = nsize;
	}
	return b->data + b->len;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	char *d;

	if ((d = buf_reserve(b, n)) == NULL)
		return -1;
	if (n > 0)
		memcpy(d, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addc(struct buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	return buf_add(b, &ch, 1);
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *d;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((d = buf_reserve(b, (size_t)n)) == NULL)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}
