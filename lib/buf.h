/*
 * A growable byte buffer with a hard cap set at creation: every buffer of
 * untrusted bytes has one.  The data is always followed by a NUL byte that
 * is not counted in len, so text can be used as a C string.
 */
#ifndef BB_BUF_H
#define BB_BUF_H

#include <stddef.h>

#include "compat.h"

struct buf {
	char	*data;
	size_t	 len;		/* bytes in use */
	size_t	 size;		/* bytes allocated */
	size_t	 max;		/* hard cap on len */
};

/*
 * Returns a new empty buffer that never holds more than max bytes, or
 * NULL.  Its data is never NULL: an empty buffer holds an empty string.
 */
struct buf	*buf_new(size_t max);

/* Frees b and its data (NULL is fine).  buf_freezero wipes it first. */
void	 buf_free(struct buf *);
void	 buf_freezero(struct buf *);

/* Makes b empty; keeps the allocation. */
void	 buf_reset(struct buf *);

/* Appends; return 0, or -1 with errno ENOMEM or EMSGSIZE (over the cap). */
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addc(struct buf *, int);
int	 buf_adds(struct buf *, const char *);
int	 buf_addf(struct buf *, const char *, ...) __printflike(2, 3);

/* Makes room for n more bytes; returns a pointer to them or NULL. */
void	*buf_reserve(struct buf *, size_t n);

/* Drops the first n bytes. */
void	 buf_consume(struct buf *, size_t n);

#endif
