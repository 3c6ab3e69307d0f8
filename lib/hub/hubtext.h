/*
 * The hub's records told to people, as bb-hub(8)'s admin commands print
 * them: a job a line (jobs), a worker a line and what it told of itself
 * (workers), a job whole (show), a job's log (log) with its status,
 * done and error records as "==" lines, a file fetched (fetch).
 * Untrusted bytes (names, commands, messages, log text on a terminal)
 * are made visible with strvis(3) (VIS_SAFE: tabs and newlines stay).  Each writes to the stream it is given and returns -1 when
 * the stream fails (ferror) or memory runs out, else 0; the callbacks
 * fit hubdb_jobs, hubdb_workers, hubdb_job and hubdb_log, with the
 * stream (or struct hubtext_log) as their argument.
 */
#ifndef BB_HUBTEXT_H
#define BB_HUBTEXT_H

#include <stdio.h>

#include "record.h"

/* The head of the jobs table, and a job record as its line. */
int	hubtext_jobs_head(FILE *);
int	hubtext_job_line(void *fp, const struct record *);

/* The head of the workers table, and a worker record as its lines. */
int	hubtext_workers_head(FILE *);
int	hubtext_worker_line(void *fp, const struct record *);

/*
 * The records of one job (job, step, pipeline, attempt, artifact) as
 * show says them.
 */
int	hubtext_show(void *fp, const struct record *);

/* A job's log as it is told, one line of records at a time. */
struct hubtext_log {
	FILE	*fp;
	int	 raw;		/* the records as they are */
	int	 tty;		/* log text made visible */
	char	 done[32];	/* the result of the last done record */
};

int	hubtext_log(void *log, long long seq, const char *line, size_t len);

/* A file fetch fetched: its path, outdir/name (outdir may be NULL). */
int	hubtext_fetched(FILE *, const char *outdir, const char *name);

/*
 * The line that ends a log ("== job STATE REASON") when the job's state
 * (reason may be NULL) is not the result its last done record said: a
 * stage after the build made it worse, or the attempt ended with no
 * done record.  Nothing for a job that is queued or running.
 */
int	hubtext_log_end(struct hubtext_log *, const char *state,
	    const char *reason);

#endif
