/*
 * Artifacts: glob(7) patterns expanded inside a work tree, never outside
 * it.  Symbolic links are followed only while they stay in the tree
 * (openat2(2) RESOLVE_BENEATH), and only regular files are collected.
 * A file's path in the tree is its artifact name (artifact.h).
 */
#ifndef BB_COLLECT_H
#define BB_COLLECT_H

#include <stddef.h>

#include "error.h"

#define COLLECT_MAX	10000	/* most files collected by one job */

struct collect {
	char	**path;		/* relative to the tree, in order found */
	size_t	  n;
	char	**refused;	/* matches that lead out of the tree */
	size_t	  nrefused;
	char	**unnamed;	/* matches whose path is no artifact name */
	size_t	  nunnamed;
};

/* Makes c empty; collect_free releases what it holds. */
void	collect_init(struct collect *);
void	collect_free(struct collect *);

/*
 * Adds to c the regular files under the directory rootfd that pattern
 * matches, sorted, leaving out those c already holds.  The pattern is
 * relative ("*", "?", "[...]" and "\" as in sh(1), "*" does not match a
 * leading "."; no "..").  A match that a symbolic link takes out of the
 * tree is added to c->refused instead, and one whose path is not an
 * artifact name (artifact_name_valid) to c->unnamed.  The paths in c->path
 * are artifact names.  Returns 0 (also when nothing
 * matched), or -1: a bad pattern or more than COLLECT_MAX files
 * (EX_DATAERR), or a system error.
 */
int	collect_glob(struct collect *, int, const char *, struct bb_error *);

/*
 * Opens path, relative to rootfd, for reading, refusing anything but a
 * regular file inside the tree.  Returns the fd (O_CLOEXEC) or -1.
 */
int	collect_open(int, const char *, struct bb_error *);

/*
 * As openat(2) with O_CLOEXEC, resolving path only beneath dirfd (no
 * absolute symbolic links, no ".." out of it, no /proc magic links).
 */
int	collect_openat(int, const char *, int);

#endif
