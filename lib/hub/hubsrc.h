/*
 * Packs a source directory into a tar.gz the same way every time: paths
 * in strcmp order, owner root, modes 0644 or 0755, every time set to
 * mtime (SOURCE_DATE_EPOCH or 0), no gzip time stamp.  Regular files,
 * directories and symbolic links only.
 */
#ifndef BB_HUBSRC_H
#define BB_HUBSRC_H

#include <sys/types.h>

#include "error.h"

/*
 * Packs dir, calling out(arg, data, len) with each piece of the archive;
 * out returns 0 or -1 (err set).  Returns 0 or -1.
 */
int	hubsrc_pack(const char *, long long,
	    int (*)(void *, const void *, size_t, struct bb_error *), void *,
	    struct bb_error *);

#endif
