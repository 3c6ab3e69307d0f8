/*
 * Packs a source directory, or a list of files (the artifacts that one
 * stage of a pipeline gives the next), into a tar.gz the same way every
 * time: paths in strcmp order, owner root, modes 0644 or 0755, every
 * time set to mtime (SOURCE_DATE_EPOCH or 0), no gzip time stamp.
 * Regular files, directories and symbolic links only.
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

/* A file to pack at a name: an open descriptor of size bytes. */
struct hubsrc_file {
	char	*name;		/* a relative path, artifact_name_valid */
	int	 fd;
	off_t	 size;
	int	 exec;		/* mode 0755, else 0644 */
};

/*
 * Packs the n files of v, each at its name, as hubsrc_pack packs a tree:
 * the directories their names need made, paths in strcmp order (v is
 * sorted so), mtime for every time.  Returns 0, or -1 (EX_DATAERR for a
 * bad or repeated name, or a file that is not its size).
 */
int	hubsrc_pack_files(struct hubsrc_file *, size_t, long long,
	    int (*)(void *, const void *, size_t, struct bb_error *), void *,
	    struct bb_error *);

#endif
