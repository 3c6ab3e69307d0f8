/*
 * Reproducible archives: a tree is walked in strcmp(3) order of the
 * members' paths and every entry is built by hand (fixed time, owner 0,
 * modes 0755 or 0644, no atime, ctime, extended attributes nor ACLs), then
 * streamed through libarchive.  The same files give the same bytes on any
 * machine, at any time, under any user, umask or TZ.
 */
#ifndef BB_PACK_H
#define BB_PACK_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "digest.h"
#include "error.h"

enum pack_format {
	PACK_TGZ,		/* pax (restricted) + gzip members, no time */
	PACK_TXZ,		/* pax + xz */
	PACK_TZST,		/* pax + zstd */
	PACK_TAR,		/* pax, uncompressed */
	PACK_ZIP		/* zip, deflate */
};

/* 1980-01-01T00:00:00Z: the oldest time a zip entry can hold. */
#define PACK_MTIME_DEFAULT	315532800

/* The most threads used when the options do not say. */
#define PACK_THREADS_DEFAULT	8

/* Deepest directory walked below an operand. */
#define PACK_DEPTH_MAX		256

struct pack_opts {
	enum pack_format format;
	int		 level;		/* -1: the format's default */
	int		 threads;	/* gzip, zstd; 0: one per CPU, <= 8 */
	time_t		 mtime;		/* every member's time */
	int		 digest;	/* hash the output */
	int		 sumfile;	/* pack_run: write OUT.sha256 */
	const char	*outname;	/* the output, for messages */
	/* Called for a member skipped or failed; the walk goes on. */
	void		(*warn)(void *, const struct bb_error *);
	/* Called as file data is packed, with the bytes so far. */
	void		(*progress)(void *, off_t);
	void		*arg;
};

struct pack;

/*
 * Parses a format's name (tar.gz, tgz, tar.xz, txz, tar.zst, tzst, tar,
 * zip).  Returns 0, or -1 (EX_USAGE) for an unknown one.
 */
int	pack_format_parse(const char *, enum pack_format *, struct bb_error *);

/* As pack_format_parse, from a file name's suffix.  -1 if none fits. */
int	pack_format_from_name(const char *, enum pack_format *);

/* Returns the format's canonical name ("tar.gz") and suffix (".tar.gz"). */
const char	*pack_format_name(enum pack_format);
const char	*pack_format_ext(enum pack_format);

/*
 * Checks a compression level for a format (gzip, xz, zip 0-9, zstd 1-19,
 * none for tar).  Returns 0, or -1 (EX_USAGE).
 */
int	pack_level_check(enum pack_format, int, struct bb_error *);

/*
 * Normalises, checks and sorts the paths to pack (relative to a root):
 * "./" and repeated or trailing slashes go, "." stays alone; an absolute
 * path or a ".." component is refused (EX_DATAERR: it would escape the
 * root).  Duplicates and paths inside another operand that is a
 * directory below rootfd are dropped.  *out is a new array of new strings in
 * the order pack_add wants them; free it with strv_free (strv.h).
 */
int	pack_paths(int, char *const *, size_t, char ***, size_t *,
	    struct bb_error *);

/*
 * Starts an archive written to fd.  opts is copied.  Returns a new handle,
 * or NULL (EX_USAGE for a bad option, EX_SOFTWARE for libarchive).
 */
struct pack	*pack_open(int, const struct pack_opts *, struct bb_error *);

/*
 * A file to leave out (the archive itself, when it is written inside the
 * tree it packs).
 */
void	pack_exclude(struct pack *, dev_t, ino_t);

/*
 * Adds path (as pack_paths gives it) below the directory rootfd: a file,
 * a symbolic link (stored as a link, never followed), or a directory and
 * all below it, in order.  Every component of path is opened without
 * following links, so nothing outside rootfd is read.  Devices, fifos and
 * sockets are skipped with a warning.  A member that cannot be read, or
 * that changes while it is read, is an error passed to opts->warn: the
 * walk goes on, and pack_close fails.  Returns -1 only when the archive
 * itself cannot go on (a write error), with err set.
 */
int	pack_add(struct pack *, int, const char *, struct bb_error *);

/*
 * As pack_add without writing: adds the size of the file data below path
 * to *total (for a progress meter).
 */
int	pack_measure(int, const char *, off_t *);

/*
 * Finishes the archive.  Returns 0 and, when the options asked for it,
 * the output's sha256 in hex (DIGEST_HEXLEN + 1 bytes), its size and the
 * number of members; or -1 when the archive could not be finished or a
 * member failed (err then says how many; its code is the first failure's).
 */
int	pack_close(struct pack *, char *, off_t *, size_t *,
	    struct bb_error *);

/* Frees p (NULL is fine) without finishing it. */
void	pack_free(struct pack *);

/*
 * An output file that appears whole or not at all: path.tmp is created
 * (mode 0666 less the umask) and renamed over path by pack_file_commit,
 * or removed by pack_file_abort.
 */
struct pack_file {
	int	fd;
	char	path[4096];
	char	tmp[4096 + 8];
};

int	pack_file_create(struct pack_file *, const char *, struct bb_error *);
int	pack_file_commit(struct pack_file *, struct bb_error *);
void	pack_file_abort(struct pack_file *);

/*
 * Writes the GNU checksum file path.sha256 ("HEX  BASENAME\n", which
 * sha256sum -c checks from the archive's directory), atomically.
 */
int	pack_write_sha256(const char *, const char *, struct bb_error *);

/* What pack_run made. */
struct pack_result {
	char	sha256[DIGEST_HEXLEN + 1];	/* when opts->digest */
	off_t	size;
	size_t	members;
};

/*
 * Packs paths (as given by a user: pack_paths sorts them) below rootfd
 * into out, a file that appears whole or not at all (with out.sha256
 * beside it when opts->sumfile), or into the descriptor outfd when out is
 * NULL.  Returns 0 and fills res, or -1: nothing is left at out then.
 */
int	pack_run(const char *, int, int, char *const *, size_t,
	    const struct pack_opts *, struct pack_result *, struct bb_error *);

#endif
