/*
 * The inside of a report (lib/worker/report.h), shared by the three files
 * that make it and by nothing else (but their unit tests):
 *
 *	report.c	the state machine and its scheduler: what each lane
 *			runs next and when, what a call's result does, how
 *			and when the report ends
 *	report_spool.c	what a report does with its spool
 *			(lib/worker/spool.h): input records numbered and
 *			appended, the files they name queued for upload, and
 *			a spool that a previous run left read again
 *	report_call.c	the HTTP calls to the hub: the lanes' clients, each
 *			call's URL and body (an events batch, the missing
 *			records again, an artifact, the finish), and running
 *			one (report_exec)
 *
 * Who frees what: a struct report owns all it points to (its spool, the
 * records it copied, the upload queue and each upload's strings, the
 * work tree's fd, the lanes' clients and calls) and report_free frees it
 * all.  A call handed out borrows from the report (its upload's path and
 * name, the spool's fd): the report stays until report_done takes it.
 */
#ifndef BB_REPORT_IMPL_H
#define BB_REPORT_IMPL_H

#include <sys/queue.h>
#include <sys/types.h>

#include "report.h"
#include "spool.h"

#define ID_MAX		32	/* longest job id */

/* A file to upload, queued in the order of its records. */
struct upload {
	TAILQ_ENTRY(upload) entry;
	long long	 seq;
	char		*path;
	char		*name;
	long long	 size;		/* -1: not known */
	char		 sha256[DIGEST_HEXLEN + 1];
};
TAILQ_HEAD(uploads, upload);

/* A lane: one call at a time on its own connection. */
struct lane {
	struct http_client *c;
	struct report_call call;
	int		 busy;		/* handed out, not done */
	int		 retrying;	/* run call again at next_ms */
	long long	 next_ms;
	struct http_retry retry;
};

struct report {
	struct report_opts o;
	struct record	 session, job;
	int		 have_session, have_job, ready;
	char		 id[ID_MAX + 1];
	long long	 attempt;
	char		 what[SPOOL_NAMEMAX + 16];	/* "job 42" */
	long long	 keepalive_ms;
	long long	 proto;		/* the bb-protocol(7) version spoken */
	size_t		 batch_max;
	long long	 max_artifact;	/* the hub's limit, or 0 */
	struct spool	*sp;
	long long	 seq;		/* numbers given so far */
	long long	 unsynced_since;	/* -1: the spool is on disk */
	struct buf	*pending;	/* lines read before the job */
	struct buf	*line;
	struct record	 tmp;
	int		 raw;		/* the hub takes raw fields */
	int		 scanning;	/* report_resume reads the spool */
	int		 resumed;	/* a spool a previous run left */
	int		 abandoning;	/* it died: the hub is told so */
	char		 spname[SPOOL_NAMEMAX];	/* "42.1" */

	/* The spool failed (the disk is full): the build is stopped. */
	int		 halted;	/* no more input is taken */
	int		 appending;	/* a record is being written */
	int		 halt_said;	/* its error record is spooled */
	char		*halt_reason;	/* "no space left on device in ..." */

	/* Events: the first line that is in no batch yet. */
	off_t		 next_off;
	long long	 next_seq;
	long long	 unsent_since;	/* -1: nothing waits */
	long long	 last_events;	/* when the last batch went */
	long long	 sent;		/* records acknowledged by this run */

	/* The 412 path: missing records sent again. */
	long long	(*miss)[2];
	size_t		 nmiss;
	char		*missing;	/* the last list, to see progress */
	int		 repairing;
	off_t		 rep_off;
	long long	 rep_seq;
	char		*scratch;

	/* Files. */
	struct uploads	 uploads;
	int		 workdir_fd;
	char		*workdir;
	int		 workdir_errno;

	/* The end of the job. */
	int		 done;
	char		 result[16];
	char		*reason;
	char		*fail_reason;	/* an artifact that failed */
	char		*cut_reason;	/* the hub takes no more records */

	/* The end of the input. */
	int		 eof;
	long long	 eof_ms;
	struct bb_error	 why;

	/* The end of the report. */
	int		 over;
	int		 code;
	int		 keep;
	char		 msg[BB_ERROR_MAX];

	struct lane	 lane[REPORT_LANES];
};

/* report.c */

/* Says something to people through o.warn, if it is set. */
void	report_warnf(struct report *, const char *, ...) __printflike(2, 3);

/*
 * Ends the report with code and a message (nothing happens if it is over
 * already); keep: the spool stays.
 */
void	report_stop(struct report *, int code, int keep, const char *, ...)
	    __printflike(4, 5);

/* Returns a new formatted string (free(3) it), or NULL. */
char	*report_strf(const char *, ...) __printflike(1, 2);

/* Frees an upload and its strings (NULL is fine). */
void	report_upload_free(struct upload *);

/* report_spool.c */

/*
 * Flushes the spool to disk (spool_sync); when the disk fails it, the
 * spool moves to memory (report_spool_failed), another failure ends the
 * report.  Returns 0 or -1.
 */
int	report_sync(struct report *, long long);

/*
 * A file could not be uploaded: says so, makes the job's result an error
 * and spools an error record that tells the hub.
 */
void	report_artifact_failed(struct report *, const char *name,
	    const char *msg, long long now);

/*
 * The spool failed with errnum (the message is in err): with a resource
 * error (no space, a quota, an I/O error), it moves to memory, and a job
 * whose done record has not come is halted: no more input, and it ends
 * as an error with that cause once what was taken is delivered.
 * Returns 0 (the caller may write again), or -1: another failure.
 */
int	report_spool_failed(struct report *, int errnum, long long now,
	    struct bb_error *);

/* report_call.c */

/*
 * Session and job are both known: reads the hub's settings (keepalive,
 * max_batch, max_artifact) and makes each lane's client.  Returns 0, or
 * -1 with err set.
 */
int	report_connect(struct report *, const struct record *session,
	    long long now, struct bb_error *);

/* Hands out the call of a lane, its result cleared. */
struct report_call	*report_hand_out(struct lane *);

/*
 * The next call of the events lane: a batch of the lines from next_off
 * on (maybe none: a keepalive), a batch of the missing records (NULL
 * when all went), or the finish.  NULL with the report over on a
 * failure.
 */
struct report_call	*report_events_call(struct report *, long long now);
struct report_call	*report_repair_call(struct report *, long long now);
struct report_call	*report_finish_call(struct report *, long long now);

/*
 * The last batch of the job's records: with a hub of bb-protocol 4 or
 * newer, when all that is left fits in one batch, the finish ends it
 * (call->finish); else a batch as report_events_call's.
 */
struct report_call	*report_last_call(struct report *, long long now);
struct report_call	*report_abandon_call(struct report *, long long now);

/*
 * The upload of u, which stays on the queue until report_done, or NULL
 * with the report over.
 */
struct report_call	*report_upload_call(struct report *, struct upload *);

#endif
