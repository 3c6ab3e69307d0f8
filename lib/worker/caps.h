/*
 * Capabilities of a worker: the names a recipe's require lists, such as
 * linux, x86_64 or docker (bb-recipe(5)).  A worker has its operating
 * system and architecture, detected, and what its administrator adds.
 */
#ifndef BB_CAPS_H
#define BB_CAPS_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

#define CAPS_MAX	256	/* most capabilities of one worker */
#define CAPS_NAMEMAX	128	/* longest capability */

struct caps {
	char	**v;		/* each allocated, in the order added */
	size_t	  n;
};

/* Makes c empty; caps_free releases what it holds. */
void	caps_init(struct caps *);
void	caps_free(struct caps *);

/*
 * Adds one capability (a name in the syntax of bb-recipe(5)); one that c
 * has already is not added again.  Returns 0, or -1 with EX_USAGE for a
 * bad name or too many capabilities, EX_OSERR when out of memory.
 */
int	caps_add(struct caps *, const char *, struct bb_error *);

/*
 * Adds the capabilities of a comma-separated list ("cc,docker"); an
 * empty string adds none.  Returns 0, or -1 as caps_add (an empty item
 * is a bad name).
 */
int	caps_add_list(struct caps *, const char *, struct bb_error *);

/*
 * Writes the running system's name and architecture, in lower case, to
 * os and arch ("linux", "x86_64").  Returns 0, or -1 (EX_OSERR).
 */
int	caps_system(char *os, size_t, char *arch, size_t, struct bb_error *);

/*
 * Adds the detected capabilities: the system's name, its architecture,
 * and the same as os=NAME and arch=NAME.  Returns 0 or -1.
 */
int	caps_detect(struct caps *, struct bb_error *);

/* Returns 1 if c has the capability, else 0. */
int	caps_has(const struct caps *, const char *);

/*
 * Appends to out, comma-separated, the capabilities of the list require
 * (comma-separated, as a recipe record's require) that c lacks.  Returns
 * how many it lacks, or -1 (EX_DATAERR for a list that is not one of
 * capabilities, or out full).
 */
int	caps_missing(const struct caps *, const char *require, struct buf *,
	    struct bb_error *);

/* Appends c to out, comma-separated.  Returns 0 or -1 (out full). */
int	caps_format(const struct caps *, struct buf *, struct bb_error *);

#endif
