/*
 * Safe extraction of untrusted archives with libarchive, and the job of
 * bb-unpack(1): download a job's source, check it, extract it into a
 * fresh work directory.
 *
 * What an archive may hold: regular files, directories, symbolic links
 * whose target is relative and has no ".." component, and hard links to
 * members of the same tree.  Names are relative with no "..".  No device,
 * fifo or socket, no setuid or setgid file; modes are masked to 0755
 * (directories get u+rwx so that the tree can always be removed); owners,
 * ACLs, extended attributes and file flags are never restored.  The
 * limit on entries counts what is made, the directories that a member's
 * path implies included.  Only tar
 * (ustar, pax, GNU) and zip, uncompressed or compressed with gzip, bzip2,
 * xz, zstd or lz4, all decoded inside the process: no filter that runs an
 * external program.  Limits on the bytes of file data and the number of
 * members.  See bb-unpack(1), SECURITY.
 */
#ifndef BB_UNPACK_H
#define BB_UNPACK_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>

#include "digest.h"
#include "error.h"
#include "http.h"
#include "record.h"

#define UNPACK_MAX_BYTES	(4LL * 1024 * 1024 * 1024)	/* 4 GiB */
#define UNPACK_MAX_ENTRIES	50000LL
#define UNPACK_IDMAX		64	/* longest job id */

struct unpack {
	long long	 max_bytes;	/* file data, in all */
	long long	 max_entries;	/* files, directories, links made */
	volatile sig_atomic_t *stop;	/* when set, extraction stops */
	/* Called with each libarchive warning (ARCHIVE_WARN); or NULL. */
	void		(*warn)(void *, const char *);
	void		*arg;
	long long	 bytes;		/* what the last extraction wrote */
	long long	 entries;	/* and made: a member's directories too */
	long long	 members;
	const char	*dir;		/* where it extracts, for messages */
};

/* The fields of a job record that bb-unpack uses. */
struct unpack_job {
	char		 id[UNPACK_IDMAX + 1];
	long long	 attempt;
	const char	*source;	/* points into the record */
	long long	 size;
	char		 sha256[DIGEST_HEXLEN + 1];
	const char	*lease;		/* points into the record, or NULL */
};

/* Sets u to the default limits, no stop flag, no warnings. */
void	unpack_init(struct unpack *);

/*
 * Extracts the archive read from fd into dir, which must exist and be
 * empty; name is the archive's name in messages.  Changes the working
 * directory for the time of the call (not thread-safe).  Returns 0, or
 * -1 with everything it created in dir removed (dir stays) and err set:
 * EX_DATAERR for a refused or damaged archive (the message names the
 * member and why), EX_CANTCREAT when dir is not an empty directory,
 * EX_IOERR when writing fails, EX_SOFTWARE when libarchive would need an
 * external program for a filter we name, EX_TEMPFAIL when *u->stop.
 */
int	unpack_fd(struct unpack *, int, const char *, const char *,
	    struct bb_error *);

/*
 * Reads and checks job's id (letters, digits, ".", "_", "-", not
 * starting with "."), attempt, source, size and sha256, and its lease if
 * any.  Returns 0, or -1 (EX_DATAERR, naming the key).
 */
int	unpack_job_parse(const struct record *, struct unpack_job *,
	    struct bb_error *);

/*
 * Does job: makes workroot/ID-ATTEMPT exclusively (an existing one is
 * never reused: EX_CANTCREAT), downloads the source with c (its lease
 * set to job's; retries as r allows) into an unlinked temporary file in
 * workroot, checks its size and sha256 (EX_DATAERR), and extracts it with
 * unpack_fd.  workroot must be an absolute path.  Puts the work
 * directory's path in path (size bytes).  Returns 0, or -1 with the work
 * directory removed and err set (download failures as http_do says).
 */
int	unpack_job(struct unpack *, struct http_client *, struct http_retry *,
	    const struct unpack_job *, const char *workroot, char *path,
	    size_t size, struct bb_error *);

#endif
