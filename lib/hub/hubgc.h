/*
 * The hub's garbage collector: removes the jobs that the retention
 * policy lets go (lib/hub/hubdb.h struct hubdb_policy) with their logs
 * and records, then every blob (source or artifact) that nothing refers
 * to and that is older than BLOB_GRACE_MS, then what uploads left in the
 * store's tmp/.  It is safe while the hub serves: a blob is removed under
 * the database's write lock, after checking that no job or artifact
 * refers to it, and one that is written or touched again meanwhile is
 * kept (lib/hub/blob.h blob_remove_old).  Last, the log files that no
 * job attempt owns and that are as old (a crash between removing a job
 * and its files leaves them), checked under the lock too.
 *
 * A run goes in steps of bounded work (a batch of jobs, the store's
 * directories until about a thousand blobs are looked at), so that a
 * server can run it between requests.  What it removes is added to the counters gc_jobs, gc_blobs
 * and gc_bytes of the database as it goes.
 */
#ifndef BB_HUBGC_H
#define BB_HUBGC_H

#include "error.h"
#include "hub.h"

struct hubgc_result {
	long long	jobs;		/* jobs removed */
	long long	blobs;		/* blobs removed */
	long long	logs;		/* log files no attempt owned */
	long long	bytes;		/* their bytes, and the jobs' records' */
};

struct hubgc;

/*
 * Starts a run on hd with policy p at time now (ms).  Returns it, or NULL
 * (EX_OSERR).  Free with hubgc_free.
 */
struct hubgc	*hubgc_new(struct hub_dir *, const struct hubdb_policy *,
		    long long, struct bb_error *);

/*
 * Does the next step.  Returns 1 while there is more to do, 0 when the
 * run is over, -1 on failure (a later call goes on with the next step).
 */
int	hubgc_step(struct hubgc *, struct bb_error *);

/* What the run has removed so far. */
const struct hubgc_result	*hubgc_result(const struct hubgc *);

void	hubgc_free(struct hubgc *);

/* A whole run.  Puts what it removed in *res.  Returns 0 or -1. */
int	hubgc_run(struct hub_dir *, const struct hubdb_policy *, long long,
	    struct hubgc_result *, struct bb_error *);

#endif
