/*
 * Secret masking: the values of secrets are replaced by "[masked]" in a
 * step's output before it leaves bb-run, also when a value arrives split
 * over several reads.
 */
#ifndef BB_MASK_H
#define BB_MASK_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

#define MASK_TEXT	"[masked]"
#define MASK_MIN	4		/* shorter values are not masked */
#define MASK_MAXLEN	16384		/* longest value masked */
#define MASK_NMAX	1024		/* most values in one set */

struct mask;

/* Returns a new empty set of secrets, or NULL. */
struct mask	*mask_new(void);

/* Wipes and frees the set (NULL is fine). */
void		 mask_free(struct mask *);

/*
 * Adds a secret value of len bytes.  A value of several lines is also
 * added line by line (each line of at least MASK_MIN bytes, a trailing
 * carriage return dropped).  Returns 1 if the value will be masked, 0 if
 * it is too short to be (under MASK_MIN bytes) or already in the set, -1
 * if it is longer than MASK_MAXLEN (EX_DATAERR) or on ENOMEM (EX_OSERR).
 * The message never holds the value.
 */
int		 mask_add(struct mask *, const void *, size_t,
		    struct bb_error *);

/* Returns the number of values in the set. */
size_t		 mask_count(const struct mask *);

/*
 * Returns 1 if the variable name matches one of the default patterns
 * (*_TOKEN, *_SECRET, *_PASSWORD, *_KEY) or one of the n fnmatch(3)
 * patterns in pats, without regard to case, else 0.
 */
int		 mask_name_match(const char *, char *const *, size_t);

/*
 * The state of one stream (a step's stdout or stderr): the bytes held back
 * because they may be the start of a secret.
 */
struct mask_stream {
	struct buf	*hold;
};

/* Sets up ms; returns 0 or -1 on ENOMEM. */
int	mask_stream_init(struct mask_stream *);

/* Wipes and frees what ms holds. */
void	mask_stream_free(struct mask_stream *);

/*
 * Feeds len bytes of a stream to the masker and appends to out what can
 * be let out: every secret replaced by MASK_TEXT.  A tail that may be the
 * start of a secret is held back until later bytes decide; at most
 * MASK_MAXLEN - 1 bytes are held.  Returns 0, or -1 if out is full (errno
 * EMSGSIZE) or on ENOMEM.
 */
int	mask_feed(const struct mask *, struct mask_stream *, const void *,
	    size_t, struct buf *);

/*
 * The end of the stream: appends what is held back (no secret can be
 * completed any more) to out.  Returns 0 or -1.
 */
int	mask_finish(const struct mask *, struct mask_stream *, struct buf *);

#endif
