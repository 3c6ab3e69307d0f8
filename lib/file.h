/*
 * Files written so that a crash leaves the old version or the new one,
 * never half of one; small files read with a cap; standard descriptors.
 */
#ifndef BB_FILE_H
#define BB_FILE_H

#include <sys/types.h>

#include "buf.h"
#include "error.h"

/*
 * Writes all len bytes to fd, again after EINTR or a short write.
 * Returns 0, or -1 with errno.
 */
int	file_write_all(int, const void *, size_t);

/*
 * Writes len bytes to dirfd/name by way of name.tmp: write, fsync, rename,
 * fsync the directory.  mode applies to a new file.  Returns 0 or -1.
 */
int	file_write_atomic(int, const char *, const void *, size_t, mode_t,
	    struct bb_error *);

/*
 * As file_write_atomic, but without the fsyncs: for a file that must
 * outlive its writer (kill -9 leaves it whole in the page cache), not the
 * machine, such as a note of running processes, which a reboot ends too.
 * Returns 0 or -1.
 */
int	file_write_replace(int, const char *, const void *, size_t, mode_t,
	    struct bb_error *);

/*
 * Returns 1 if errno e says that the disk failed a write, not its
 * caller: no space left, a quota, an I/O error or a read-only file
 * system.  Else 0.
 */
int	file_disk_error(int);

/*
 * Puts the cause of a disk error e in where into buf (len bytes), for
 * people: "no space left on device in /srv/bb/work".
 */
void	file_disk_cause(int, const char *, char *, size_t);

/*
 * Reads all of dirfd/path (at most max bytes, else EX_DATAERR "too large")
 * into a new buffer *out.  Returns 0 or -1.
 */
int	file_read(int, const char *, size_t, struct buf **, struct bb_error *);

/* As file_read, for an input that must be a regular file (file_open_input). */
int	file_read_input(int, const char *, size_t, struct buf **,
	    struct bb_error *);

/*
 * As file_read, for a secret: refused (EX_NOPERM) if the file is readable
 * or writable by group or others; one trailing newline is dropped.  The
 * buffer is the caller's to buf_freezero.
 */
int	file_read_secret(int, const char *, size_t, struct buf **,
	    struct bb_error *);

/*
 * Opens dirfd/path to read it as an input: it must be a regular file.  A
 * fifo is never waited on and a device never read: both are refused.
 * Returns the descriptor (blocking, close-on-exec), or -1 with EX_NOINPUT
 * ("PATH: not a regular file (a fifo)", or the open's error).
 */
int	file_open_input(int, const char *, struct bb_error *);

/* What a file of this mode is, for messages: "a fifo", "a directory". */
const char	*file_kind(mode_t);

/* fsyncs the directory dirfd/path.  Returns 0 or -1. */
int	file_sync_dir(int, const char *, struct bb_error *);

/* Opens /dev/null on any of fd 0, 1, 2 that is closed (call it first). */
void	file_sanitise_stdfd(void);

/* Creates dir and its parents with mode; existing ones are fine. */
int	file_mkdirs(const char *, mode_t, struct bb_error *);

/*
 * Removes path and everything below it without following a symbolic
 * link or crossing a mount point; keep_top: empties path but keeps it.
 * Returns 0, or -1 (EX_IOERR).
 */
int	file_rmtree(const char *, int keep_top, struct bb_error *);

#endif
