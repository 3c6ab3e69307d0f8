/*
 * Checksum lists: the SHA-256 of several files, one line each, in the BSD
 * format that "signify -C" and "sha256sum -c" check
 *
 *	SHA256 (name) = hex
 *
 * or in the GNU format that "sha256sum -c" checks ("hex  name").
 */
#ifndef BB_SUMLIST_H
#define BB_SUMLIST_H

#include <stddef.h>

#include "buf.h"
#include "digest.h"
#include "error.h"

#define SUMLIST_MAX	(16 * 1024 * 1024)	/* longest list */
#define SUMLIST_NAMEMAX	1000	/* longest name (signify: 1023) */
#define SUMLIST_BAD	1	/* a file does not match (as SIGN_BAD) */

enum sumlist_style {
	SUMLIST_BSD,
	SUMLIST_GNU
};

struct sumlist_entry {
	char	*name;
	char	 hex[DIGEST_HEXLEN + 1];
};

struct sumlist {
	struct sumlist_entry	*e;
	size_t			 n;
	size_t			 cap;
};

void	sumlist_init(struct sumlist *);
void	sumlist_free(struct sumlist *);

/* Empties l and keeps its memory. */
void	sumlist_clear(struct sumlist *);

/*
 * Adds name and its hex digest.  A name the style cannot carry (a newline,
 * a ')' for BSD, a backslash for GNU), an empty or over-long name, or one
 * already listed is refused (EX_DATAERR).  Returns 0 or -1.
 */
int	sumlist_add(struct sumlist *, const char *, const char *,
	    enum sumlist_style, struct bb_error *);

/* Returns 0 if sumlist_add would take name, else -1 and why. */
int	sumlist_can_add(const struct sumlist *, const char *,
	    enum sumlist_style, struct bb_error *);

/* Appends the list, one line a file in the order added, to b. */
int	sumlist_format(const struct sumlist *, enum sumlist_style, struct buf *,
	    struct bb_error *);

/*
 * Parses a list of len bytes in either style (name is for messages) and
 * adds its entries to l.  Lines for other algorithms are refused.
 * Returns 0, or -1 (EX_DATAERR, naming the line).
 */
int	sumlist_parse(struct sumlist *, const char *, size_t, const char *,
	    struct bb_error *);

/* Returns the entry for name, or NULL. */
const struct sumlist_entry *sumlist_find(const struct sumlist *,
	    const char *);

/*
 * Hashes the entry's file at dirfd and compares.  Returns 0, or -1:
 * SUMLIST_BAD when it differs, EX_NOINPUT when it cannot be opened.
 */
int	sumlist_check(const struct sumlist_entry *, int, struct bb_error *);

#endif
