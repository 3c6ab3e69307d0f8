/*
 * Passphrases for secret keys: read from a file, from a file descriptor
 * or, when neither is named, asked on the terminal.  Never from the
 * command line.
 */
#ifndef BB_PASSPHRASE_H
#define BB_PASSPHRASE_H

#include <stddef.h>

#include "error.h"

#define PASSPHRASE_MAX	1024	/* longest passphrase, NUL included */

struct passphrase {
	const char	*file;	/* read the first line of this file, or */
	int		 fd;	/* the first line of this descriptor (-1: no) */
};

/* Makes pp the default source: the terminal. */
void	passphrase_init(struct passphrase *);

/*
 * Puts a passphrase in buf (size bytes, at most PASSPHRASE_MAX): the
 * first line of pp's file (refused, EX_NOPERM, if others may read it) or
 * descriptor, else asked on the terminal with prompt, and asked twice if
 * twice is set.  An empty passphrase is refused.  Returns 0, or -1 (no
 * terminal: EX_USAGE).  The caller wipes buf with explicit_bzero.
 */
int	passphrase_get(const struct passphrase *, const char *, int, char *,
	    size_t, struct bb_error *);

#endif
