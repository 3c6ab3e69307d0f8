/*
 * The logs of job attempts as files (bb-hub(8)): DIR/logs/JOB.N holds
 * the records a worker reported under attempt N of job JOB, each line
 * exactly as the worker sent it, line k the record with seq=k, so the
 * file is a copy of the start of the worker's spool and the log API can
 * send it as it is (sendfile).
 *
 * A line is appended with one write(2), so it is in the OS (it survives
 * kill -9 of the hub) when hublog_append returns; hublog_sync flushes
 * the files to disk (fdatasync), those that asked for it (the end of a
 * step, of a job) at once, all of them once a second.  A file open for
 * appending is read through once, when it is opened: a last line that a
 * crash cut is dropped, its lines are counted and hashed (the log digest
 * of bb-protocol(7) is then at hand at finish).
 *
 * Who frees what: the store owns the files it opened (hublog_close);
 * a struct hublog_file is the store's, valid until hublog_forget or
 * hublog_close.
 */
#ifndef BB_HUBLOG_H
#define BB_HUBLOG_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "digest.h"
#include "error.h"

#define HUBLOG_DIR	"logs"
#define HUBLOG_OPEN_MAX	64	/* files kept open for appending */

struct hublog_file {
	TAILQ_ENTRY(hublog_file) entry;
	long long	 job;
	long long	 n;
	int		 fd;
	off_t		 size;		/* bytes of whole lines */
	long long	 lines;		/* lines, the highest seq held */
	struct digest	*d;		/* of the lines so far */
	int		 dirty;		/* written since the last flush */
	int		 want;		/* to be flushed before answering */
	int		 broken;	/* a failed write left a cut line */
	off_t		 started;	/* writeback started up to here */
	unsigned long long *flushes;	/* the store's count */
};
TAILQ_HEAD(hublog_files, hublog_file);

struct hublog {
	int			 dirfd;
	char			*path;
	struct hublog_files	 files;		/* most recently used first */
	size_t			 nfiles;
	int			 want;		/* a file wants a flush */
	unsigned long long	 flushes;	/* fdatasync(2)s of the files */
};

/* Opens (makes, mode 0700) the store in dir/logs.  0 and *out, or -1. */
int	hublog_open(const char *, struct hublog **, struct bb_error *);
void	hublog_close(struct hublog *);

/*
 * Returns the log of attempt n of job in *out, open for appending (made
 * empty if there is none), read through once when it is first opened.
 * Returns 0, or -1.
 */
int	hublog_get(struct hublog *, long long, long long,
	    struct hublog_file **, struct bb_error *);

/*
 * Appends lines (each of the n pieces of p and len is whole lines, with
 * their newlines; nlines in all) with one write(2) a piece at most: in
 * the OS when it returns.  A failure leaves the file as it was.  Returns
 * 0, or -1 (EX_IOERR).
 */
int	hublog_append(struct hublog_file *, const struct iovec *, int,
	    long long, struct bb_error *);

/* Says that f is to be on disk before the answer (hublog_wanted). */
void	hublog_want(struct hublog *, struct hublog_file *);

/* Returns 1 if a file wants its flush before the answers go. */
int	hublog_wanted(const struct hublog *);

/*
 * Flushes to disk the files that want it (all 0), or every file written
 * since its last flush (all 1).  Returns 0, or -1 (EX_IOERR) when one
 * failed (the others are flushed all the same).
 */
int	hublog_sync(struct hublog *, int, struct bb_error *);

/* Flushes f if it was written since its last flush.  0 or -1. */
int	hublog_sync_file(struct hublog_file *, struct bb_error *);

/*
 * Puts the log digest (bb-protocol(7)) of lines 1 to last of f (last at
 * most f->lines) in hex (DIGEST_HEXLEN + 1).  Returns 0 or -1.
 */
int	hublog_digest(struct hublog_file *, long long, char *,
	    struct bb_error *);

/* Drops the lines of f after line last (last at most f->lines).  0 or -1. */
int	hublog_truncate(struct hublog_file *, long long, struct bb_error *);

/* Closes f: the attempt is over.  The file stays. */
void	hublog_forget(struct hublog *, struct hublog_file *);

/*
 * Removes the log of attempt n of job (retention), closing it first if
 * it is open.  None is fine.  Returns 0, or -1 (EX_IOERR).
 */
int	hublog_remove(struct hublog *, long long, long long,
	    struct bb_error *);

/*
 * A walk over the store's log files, for retention to find those that no
 * attempt owns.  hublog_walk_open starts one: 0 and *out, or -1.  Each
 * hublog_walk_next gives the next file named JOB.N (nothing else is
 * looked at) with its job, attempt, mtime (ms since the epoch) and size:
 * 1; 0 at the end; -1 (EX_IOERR).  A file removed during the walk is
 * fine.  hublog_walk_close ends it (NULL is fine).
 */
struct hublog_walk;
int	hublog_walk_open(struct hublog *, struct hublog_walk **,
	    struct bb_error *);
int	hublog_walk_next(struct hublog_walk *, long long *, long long *,
	    long long *, off_t *, struct bb_error *);
void	hublog_walk_close(struct hublog_walk *);

/*
 * Opens the log of attempt n of job for reading: the fd, and in *size
 * the bytes of its whole lines (a line being written, or cut by a crash,
 * is left out).  Returns the fd, or -1: errno ENOENT when there is no
 * such file (err set all the same).
 */
int	hublog_open_read(struct hublog *, long long, long long, off_t *,
	    struct bb_error *);

/*
 * Reads the whole lines of fd (size bytes, from hublog_open_read) and
 * calls fn with each after the first after (seq = line number), at most
 * limit of them (0: all).  *seen is the number of the last line read.
 * Returns 0, or -1 (EX_IOERR) when a read or fn fails.
 */
int	hublog_read_lines(int, off_t, long long, long long,
	    int (*)(void *, long long, const char *, size_t), void *,
	    long long *, struct bb_error *);

#endif
