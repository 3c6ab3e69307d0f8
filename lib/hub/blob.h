/*
 * A content-addressed store of files (job sources, artifacts): each blob
 * is kept once, under its SHA-256, as DIR/ab/abcdef... (the full hex
 * digest).  A blob is written to DIR/tmp/ first, hashed as it goes, and
 * renamed into place only once it is complete, synced and, when the caller
 * knows what to expect, checked; so a blob in the store is always whole
 * and always matches its name.  Names never come from outside: only a
 * well-formed hex digest is ever turned into a path.
 */
#ifndef BB_BLOB_H
#define BB_BLOB_H

#include <sys/types.h>

#include "digest.h"
#include "error.h"

/*
 * How long a blob or a file in tmp/ is left alone after it was last
 * written or touched: the time an upload has between the blob and the
 * record that refers to it, and another process's upload in tmp/.
 */
#define BLOB_GRACE_MS	(3600LL * 1000)

struct blob_store;
struct blob_writer;

/*
 * Opens the store in the directory path, making it (and its tmp/) if
 * need be.  Returns 0 and the store in *out, or -1.
 */
int	blob_store_open(const char *, struct blob_store **, struct bb_error *);
void	blob_store_close(struct blob_store *);

/*
 * Starts a new blob of at most max bytes.  Returns 0 and the writer in
 * *out, or -1.  A writer ends with blob_writer_commit or blob_writer_abort,
 * which free it.
 */
int	blob_writer_new(struct blob_store *, off_t, struct blob_writer **,
	    struct bb_error *);

/*
 * Appends len bytes.  Returns 0, or -1: EX_DATAERR with "too large" when
 * the blob would go over its max (see blob_writer_toolarge), EX_IOERR.
 */
int	blob_writer_add(struct blob_writer *, const void *, size_t,
	    struct bb_error *);

/* Returns 1 if an add was refused because the blob went over its max. */
int	blob_writer_toolarge(const struct blob_writer *);

/* Returns the bytes added so far. */
off_t	blob_writer_size(const struct blob_writer *);

/*
 * Finishes the blob: syncs it and moves it into place.  Puts the hex
 * digest in hex (DIGEST_HEXLEN + 1 bytes) and the size in *size (if not
 * NULL).  When want (hex) is not NULL and the digest differs, the blob is
 * dropped and 1 returned, with EX_DATAERR and a message naming both
 * digests.  Frees w either way.  Returns 0, 1 or -1.
 */
int	blob_writer_commit(struct blob_writer *, const char *, char *,
	    off_t *, struct bb_error *);
void	blob_writer_abort(struct blob_writer *);

/*
 * Copies what is left of fd into the store (at most max bytes).  Returns
 * 0 with its digest in hex and its size in *size, or -1.
 */
int	blob_put_fd(struct blob_store *, int, const char *, off_t, char *,
	    off_t *, struct bb_error *);

/*
 * Opens the blob named by hex for reading.  Returns the descriptor and
 * its size in *size (if not NULL), or -1 (EX_NOINPUT if there is no such
 * blob, EX_DATAERR if hex is not a digest).
 */
int	blob_open(struct blob_store *, const char *, off_t *, struct bb_error *);

/* Returns 1 if the store holds the blob hex, else 0. */
int	blob_exists(struct blob_store *, const char *);

/*
 * Sets the blob's time to now, as if it had just been written: a blob
 * about to be referred to again is so kept from blob_remove_old.
 * Returns 0, or -1 (EX_NOINPUT if there is no such blob).
 */
int	blob_touch(struct blob_store *, const char *, struct bb_error *);

/*
 * Calls fn(arg, hex, mtime, size) for each blob in the store's
 * subdirectory sub (0 to 255: the blobs whose digest starts with that
 * byte), mtime in milliseconds since the epoch, until fn returns
 * non-zero.  Returns what fn last returned, 0, or -1.
 */
int	blob_list(struct blob_store *, int,
	    int (*)(void *, const char *, long long, off_t), void *,
	    struct bb_error *);

/*
 * Removes the blob hex unless it was written or touched at or after
 * before (milliseconds since the epoch), even while that happens.
 * Returns 1 (removed; its size in *size if not NULL), 0 (kept, or there
 * was none), or -1.
 */
int	blob_remove_old(struct blob_store *, const char *, long long, off_t *,
	    struct bb_error *);

/*
 * Removes the files in tmp/ last written before before (ms since the
 * epoch): what a crash or a cut upload left (younger ones may be another
 * process's uploads under way).  Returns the bytes removed.
 */
long long	blob_clean_tmp(struct blob_store *, long long);

#endif
