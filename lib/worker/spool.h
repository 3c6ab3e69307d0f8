/*
 * The spool of bb-report(1): one directory per job attempt,
 * BASEDIR/spool/JOB.ATTEMPT (mode 0700), holding
 *
 *	context		the job's session and job records (they hold a
 *			token and a lease: mode 0600, written atomically)
 *	records		every record to send, one encoded line each, line n
 *			holding seq=n; append-only; a line is sent once it
 *			is in the OS (write(2)), and the caller flushes it
 *			to disk (spool_sync) within a second
 *	acked		"acked seq=N offset=OFF" (overwritten in place:
 *			the numbers only grow): lines 1 to N (the first OFF
 *			bytes) are acknowledged by the hub; written once
 *			those lines are on disk, never ahead of them, and
 *			not flushed itself: one lost to a power cut only
 *			makes lines go again, which the hub takes once
 *	uploaded	"uploaded seq=N" for each artifact or sig record
 *			whose file the hub has stored
 *
 * A spool is locked (flock) while a bb-report uses it.  It is removed
 * when the job is finished or the hub refused it for good.
 *
 * When the disk fails it (no space left, a quota, an I/O error, a file
 * system gone read-only), a spool moves to memory (spool_to_memory): its
 * records go on in an anonymous file (memfd_create(2)), and what it would
 * write beside them (context, acked, uploaded) is kept in memory only,
 * so that its report can still tell the hub.
 */
#ifndef BB_SPOOL_H
#define BB_SPOOL_H

#include <sys/types.h>

#include <stddef.h>

#include "buf.h"
#include "error.h"

#define SPOOL_DIR	"spool"
#define SPOOL_NAMEMAX	64	/* "JOB.ATTEMPT" */

struct spool {
	int		 dirfd;		/* the job's directory */
	int		 fd;		/* records, open for appending */
	int		 ackfd;		/* acked, or -1 until written */
	char		 name[SPOOL_NAMEMAX];	/* "42.1" */
	off_t		 end;		/* bytes of whole lines in records */
	off_t		 synced;	/* of them, flushed to disk */
	off_t		 started;	/* of them, writeback started */
	long long	 lines;		/* lines in records */
	off_t		 acked_off;	/* acknowledged bytes */
	long long	 acked;		/* acknowledged lines */
	int		 ack_dirty;	/* acked not yet written */
	int		 dirty;		/* written since the last flush */
	int		 broken;	/* a failed write left a cut line */
	int		 memory;	/* held in memory: the disk failed */
	int		 diskfd;	/* records on disk, after the move */
	int		 context_dirty;	/* context not yet flushed */
};

/* Returns 1 if name is a spool's name: digits, a dot, digits. */
int	spool_valid_name(const char *);

/*
 * Makes basefd/spool/name (and basefd/spool) and opens it, locked, with
 * empty records.  An existing spool of that name is refused
 * (EX_CANTCREAT: a previous run left it; bb-report --resend sends it).
 * Returns 0 with *out set, or -1.  Close with spool_close.
 */
int	spool_create(int basefd, const char *name, struct spool **,
	    struct bb_error *);

/*
 * Opens the existing spool basefd/spool/name, locked.  A last line cut
 * by a crash (no newline) is dropped: it was never sent.  Returns 0 with
 * *out set, 1 when another process holds the spool (nothing is set),
 * or -1 (EX_NOINPUT when it does not exist, EX_DATAERR when its acked
 * file does not fit its records).
 */
int	spool_open(int basefd, const char *name, struct spool **,
	    struct bb_error *);

/*
 * Makes a spool of that name in memory only, for when spool_create
 * failed.  Returns 0 with *out set, or -1.
 */
int	spool_memory(const char *name, struct spool **, struct bb_error *);

/*
 * Moves sp to memory: its records are copied into an anonymous file,
 * where the next lines go; the file on disk stays open (a call may be
 * reading it) and its directory stays until spool_remove.  Returns 0 or
 * -1 (then sp is as it was).
 */
int	spool_to_memory(struct spool *, struct bb_error *);

/* Closes sp and its files; the directory stays.  NULL is fine. */
void	spool_close(struct spool *);

/*
 * Lists the names of the spools under basefd/spool, sorted, into a new
 * NULL-ended array (*names; free each and the array with spool_names_free).
 * No spool directory gives an empty list.  Returns 0 or -1.
 */
int	spool_list(int basefd, char ***, struct bb_error *);
void	spool_names_free(char **);

/* Writes the context (session and job lines) atomically, mode 0600. */
int	spool_set_context(struct spool *, const void *, size_t,
	    struct bb_error *);

/*
 * As spool_set_context, but on disk only at the next spool_sync, with
 * the records: for a context that a later one (the session's) replaces
 * within milliseconds.  A crash of the process still finds it whole.
 */
int	spool_set_context_lazy(struct spool *, const void *, size_t,
	    struct bb_error *);

/* Reads the context into a new buffer *out (buf_freezero it). */
int	spool_context(struct spool *, struct buf **, struct bb_error *);

/*
 * Appends one line (len bytes, without its newline, which is added): in
 * the OS when it returns, on disk after the next spool_sync.  A failed
 * write leaves records as it was.  Returns 0 or -1 (EX_IOERR).
 */
int	spool_append(struct spool *, const void *, size_t, struct bb_error *);

/*
 * Flushes records to disk (fdatasync(2)) if it was written since the
 * last time, then writes a pending acknowledgement.  0 or -1.
 */
int	spool_sync(struct spool *, struct bb_error *);

/*
 * Reads up to len bytes of records at off into p.  Returns the bytes
 * read (0 at sp->end), or -1.
 */
ssize_t	spool_read(struct spool *, off_t, void *, size_t, struct bb_error *);

/*
 * Notes that lines 1 to n (off bytes) are acknowledged, and writes it to
 * acked at once if those lines are on disk, else at the spool_sync that
 * puts them there.  0 or -1.
 */
int	spool_ack(struct spool *, long long n, off_t off, struct bb_error *);

/* Records that the file of the record seq was uploaded.  0 or -1. */
int	spool_uploaded(struct spool *, long long seq, struct bb_error *);

/*
 * Reads the uploaded list into a new array of sequence numbers (*seqs,
 * free(3) it) of *n entries.  Returns 0 or -1.
 */
int	spool_uploads(struct spool *, long long **, size_t *,
	    struct bb_error *);

/*
 * Removes the spool's files and directory (if it has them), then closes
 * it.  0 or -1.
 */
int	spool_remove(struct spool *, struct bb_error *);

#endif
