/*
 * The inside of an archive being packed (lib/release/pack.h), shared by
 * the three files that make it and by nothing else:
 *
 *	pack.c		the archive: its formats and their options, open and
 *			close, the output file that appears whole, the
 *			checksum file, pack_run
 *	pack_tree.c	the tree: the operands normalised and sorted, each
 *			walked in order without following a link, every
 *			member's header built by hand and its data read
 *	pack_sink.c	the output: libarchive's blocks gathered into large
 *			writes and hashed, tar.gz compressed on several cores
 *
 * Who frees what: a struct pack owns all it points to (the libarchive
 * handle and entry, the buffers, the gzip chunks, the digest) and
 * pack_free frees it all; the output's fd is the caller's.
 */
#ifndef BB_PACK_IMPL_H
#define BB_PACK_IMPL_H

#include <sys/types.h>

#include <limits.h>

#include <archive.h>

#include "digest.h"
#include "error.h"
#include "pack.h"

#define PACK_OBUF	(256 * 1024)	/* output gathered into one write */
#define PACK_RBUF	(64 * 1024)	/* one read of a member's data */
#define PACK_GZ_CHUNK	(1024 * 1024)	/* tar bytes in one gzip member */
#define PACK_GZ_THREADS	64		/* most gzip members made at once */

struct gz_chunk;

struct pack {
	struct archive		*a;
	struct archive_entry	*e;
	struct pack_opts	 o;
	int			 fd;
	const char		*oname;		/* for messages */
	int			 dry;		/* pack_measure: only sizes */
	struct digest		*d;
	char			*obuf;
	size_t			 olen;
	off_t			 osize;
	int			 oerrno;	/* the write that failed */
	struct gz_chunk		*gz;		/* tar.gz: chunks compressed */
	size_t			 ngz;		/* at once */
	size_t			 gzcur;		/* the chunk being filled */
	int			 gzfailed;
	char			*rbuf;
	off_t			 done;		/* file bytes packed */
	size_t			 members;
	size_t			 nerrors;
	int			 ecode;		/* the first failure's */
	int			 excl;
	dev_t			 excl_dev;
	ino_t			 excl_ino;
	char			 path[PATH_MAX];	/* the member's */
};

/*
 * The archive cannot go on: err says why (EX_IOERR: the output failed,
 * EX_SOFTWARE: libarchive did).  pack.c.
 */
void		pack_write_error(struct pack *, struct bb_error *);

/*
 * tar.gz: sets up the chunks that threads (1 to PACK_GZ_THREADS) compress
 * at once.  Returns 0, or -1 (EX_OSERR).  pack_gz_free frees them.
 * pack_sink.c.
 */
int		pack_gz_init(struct pack *, int, struct bb_error *);
void		pack_gz_free(struct pack *);

/*
 * The callbacks of archive_write_open: the archive's bytes, gathered (or
 * compressed, for tar.gz), hashed and written to the output; the end of
 * them.  pack_sink.c.
 */
la_ssize_t	pack_sink_write(struct archive *, void *, const void *, size_t);
int		pack_sink_close(struct archive *, void *);

#endif
