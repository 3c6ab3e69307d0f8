/*
 * The hub's state in SQLite (WAL, synchronous=FULL): workers and their
 * sessions, jobs, their attempts under leases, artifacts; the records
 * workers report go to a log file per attempt (lib/hub/hublog.h, given
 * with hubdb_set_logs), those of databases made before in a table
 * (events), which is still read.  Every change is one transaction (BEGIN
 * IMMEDIATE) that checks the lease it acts under, so a change under a
 * stale lease never lands, and is on disk when the call returns, but
 * for the changes hubdb_lazy lets wait.
 *
 * Times are milliseconds since the epoch, given by the caller.  Calls
 * return -1 when the database fails (err set), else HUB_OK or another
 * HUB_* outcome, with a message for people in err.
 *
 * The calls are in lib/hub/hubdb*.c, one concern a file, which share
 * lib/hub/hubdb_impl.h.
 */
#ifndef BB_HUBDB_H
#define BB_HUBDB_H

#include <sys/types.h>

#include "buf.h"
#include "error.h"
#include "hublog.h"
#include "record.h"
#include "recipe.h"

#define HUBDB_LOG_MAX		(256LL * 1024 * 1024)	/* per attempt */
#define HUBDB_ARTIFACTS_MAX	10000			/* per attempt */
#define HUBDB_SEQ_MAX		999999999999999LL
#define HUBDB_CAPS_MAX		4096	/* a worker's caps, comma-separated */
#define HUBDB_NAME_MAX		64	/* a worker's name */
#define HUBDB_RANGES_MAX	16384	/* the have= and missing= lists */

enum hub_outcome {
	HUB_OK = 0,
	HUB_NOTFOUND,		/* no such job, worker or artifact */
	HUB_STALE,		/* the lease is not the job's */
	HUB_FINISHED,		/* the job ended under this lease */
	HUB_CANCELLED,		/* the job was cancelled */
	HUB_EXISTS,		/* worker exists; artifact with another digest */
	HUB_SAME,		/* already stored, the same */
	HUB_INCOMPLETE,		/* finish: records missing */
	HUB_MISMATCH,		/* finish: the log digest differs */
	HUB_TOOLARGE,		/* over a limit */
	HUB_UNAUTH,		/* no such session */
	HUB_NONE,		/* claim: nothing for this worker */
	HUB_CONFLICT		/* admin: the job ended already */
};

struct hubdb;

/* Makes a new database at path (it must not exist).  Returns 0 or -1. */
int	hubdb_create(const char *, struct bb_error *);

/*
 * Opens the database at path.  A database of an earlier schema is
 * migrated first, after a copy of it is made (PATH.vN.bak); one that is
 * not a hub's or is newer than this code is refused (EX_CONFIG).
 * Returns 0 and *out, or -1 (the database is then as it was).
 */
int	hubdb_open(const char *, struct hubdb **, struct bb_error *);
void	hubdb_close(struct hubdb *);

/*
 * Returns what opening the database did that its administrator should
 * hear of (a migration, and where the copy is), or NULL.
 */
const char	*hubdb_opened(const struct hubdb *);

/*
 * Starts (on 1) or commits (on 0) a batch: the changes made in between
 * are one transaction, each change a savepoint of it, so one flush to
 * disk serves them all.  Nothing done in a batch is durable before it is
 * committed.  Returns 0 or -1 (then the whole batch is rolled back).
 */
int	hubdb_batch(struct hubdb *, int, struct bb_error *);

/*
 * On 1, the commits that follow are in the OS but not flushed to disk
 * (synchronous=NORMAL) until the next one that is; on 0, each commit is
 * flushed again.  For reports, whose records are in their log files:
 * what waits is a lease's renewal and an attempt's counts.  0 or -1.
 */
int	hubdb_lazy(struct hubdb *, int, struct bb_error *);

/* Commits that wrote rows and were flushed to disk, since h was opened. */
unsigned long long hubdb_flushes(const struct hubdb *);

/* Gives h the store of the attempts' logs (the caller's to close). */
void	hubdb_set_logs(struct hubdb *, struct hublog *);

/* Returns 1 if another connection changed the database since last asked. */
int	hubdb_changed(struct hubdb *);

/* Returns 0 if the database answers, else -1. */
int	hubdb_ping(struct hubdb *, struct bb_error *);

/*
 * Returns 1 if every capability in require (comma-separated) is in caps;
 * a require of "=" and capabilities is met only by exactly those (a job
 * of one platform, bb-hub submit -e).
 */
int	hubdb_caps_match(const char *, const char *);

/*
 * Appends caps (comma-separated) to b sorted and each once: a worker's
 * platform.  Returns 0 or -1 (too long).
 */
int	hubdb_caps_norm(const char *, struct buf *);

/*
 * Calls fn with each distinct platform (hubdb_caps_norm) of the workers
 * that have said hello.  Returns 0 or -1.
 */
int	hubdb_platforms(struct hubdb *, int (*)(void *, const char *), void *,
	    struct bb_error *);

/*
 * Workers.  A name follows recipe_valid_name and is at most
 * HUBDB_NAME_MAX bytes; secret is the kept hash (lib/hub/hubauth.h).
 */
int	hubdb_worker_add(struct hubdb *, const char *, const char *,
	    long long, struct bb_error *);

/*
 * Removes a worker: its sessions end, its running jobs go back to the
 * queue (*requeued of them).  HUB_OK or HUB_NOTFOUND.
 */
int	hubdb_worker_remove(struct hubdb *, const char *, long long,
	    long long *, struct bb_error *);

/* Copies the kept hash of name's secret to out (HUBAUTH_HASH_MAX). */
int	hubdb_worker_secret(struct hubdb *, const char *, char *, size_t,
	    struct bb_error *);

struct hubdb_hello {
	const char	*version;
	const char	*os;
	const char	*arch;
	const char	*caps;		/* comma-separated */
	long long	 slots;
	const char	*info;		/* info and tool records, encoded */
	size_t		 infolen;
};

/* Records a hello and a new session whose token hashes to token. */
int	hubdb_hello(struct hubdb *, const char *, const struct hubdb_hello *,
	    const char *, long long, struct bb_error *);

struct hubdb_session {
	char	worker[HUBDB_NAME_MAX + 1];
	char	caps[HUBDB_CAPS_MAX + 1];
};

/*
 * Looks up the session whose token hashes to token; a session unused for
 * idle ms has ended.  HUB_OK and *s, or HUB_UNAUTH.
 */
int	hubdb_session(struct hubdb *, const char *, long long, long long,
	    struct hubdb_session *, struct bb_error *);

/* Ends the sessions unused for idle ms.  Returns 0 or -1. */
int	hubdb_purge_sessions(struct hubdb *, long long, long long,
	    struct bb_error *);

/*
 * Calls fn with one "worker" record per worker, by name: a worker is
 * connected when seen less than window ms ago.
 */
int	hubdb_workers(struct hubdb *, long long, long long,
	    int (*)(void *, const struct record *), void *, struct bb_error *);

/*
 * Queues a job: the recipe, the source blob (hex, size) and the most
 * attempts (0: the hub's, given to hubdb_expire), as hubdb_submit_all
 * does with force.  Returns HUB_OK and its number in *id.
 */
int	hubdb_submit(struct hubdb *, const struct recipe *, const char *,
	    off_t, int, long long, long long *, struct bb_error *);

/* A chain of stages to queue, and what became of it (hubdb_submit_all). */
struct hubdb_pipeline {
	const struct recipe	*recipe;	/* a combination, its stages */
	const char		*platform;	/* normalized caps, or NULL */
	long long		 id;		/* its first job, or 0 */
	long long		 built;		/* or the one built already */
};

/*
 * Queues each of the n pipelines of v from the source blob (hex, size),
 * in one transaction: a job a stage, the first queued (on exactly the
 * workers of platform, when it is not NULL), the others waiting, each
 * with its configuration (recipe_config).  Unless force, a pipeline that
 * was built already, from this source with this recipe and its stages on
 * this platform, every stage a success, is not queued: its first job's
 * number goes in built.  Returns HUB_OK.
 */
int	hubdb_submit_all(struct hubdb *, struct hubdb_pipeline *, size_t,
	    const char *, off_t, int, int, long long, struct bb_error *);

/* A stage waiting on the one before it, which has ended. */
struct hubdb_due {
	long long	 id;		/* the waiting stage's job */
	long long	 prev;		/* the stage before it */
	long long	 attempt;	/* that one's last attempt */
	char		 state[16];	/* and how it ended */
	char		*name;		/* its name and reason, or NULL */
	char		*reason;
};

/*
 * Finds the stages waiting on one that has ended, into a new array *out
 * of *n (hubdb_due_free frees it).  Returns 0 or -1.
 */
int	hubdb_stages_due(struct hubdb *, struct hubdb_due **, size_t *,
	    struct bb_error *);
void	hubdb_due_free(struct hubdb_due *, size_t);

/*
 * Calls fn with the name, digest, size and whether it is executable of
 * each artifact of attempt n of job id.  Returns 0, or -1 (also when fn
 * returns -1, with err set by it).
 */
int	hubdb_stage_files(struct hubdb *, long long, long long,
	    int (*)(void *, const char *, const char *, off_t, int,
	    struct bb_error *), void *, struct bb_error *);

/*
 * Queues waiting job id with the source blob (hex, size).  HUB_OK, or
 * HUB_CONFLICT when it is not waiting any more.
 */
int	hubdb_stage_queue(struct hubdb *, long long, const char *, off_t,
	    struct bb_error *);

/*
 * Ends waiting job id and the waiting stages after it: cancelled, with
 * reason.  Returns 0 or -1.
 */
int	hubdb_stage_stop(struct hubdb *, long long, const char *, long long,
	    struct bb_error *);

/*
 * Hands the oldest queued job whose require is within caps and that the
 * worker did not decline (only job id if id > 0) to the worker under a
 * new lease of ttl ms.  Fills job with a "job" record (id, lease, name,
 * attempt, size, sha256, and next, the name of the stage after it, when
 * it has one, and chain, its chain's name, when it is a later stage) and
 * appends the recipe records to recipe.
 * HUB_OK, or HUB_NONE when there is no such job.
 */
int	hubdb_claim(struct hubdb *, const char *, const char *, long long,
	    long long, long long, struct record *, struct buf *,
	    struct bb_error *);

/*
 * Undoes a claim whose answer could not be delivered: the job goes back
 * to the queue as it was, if it is still under lease and nothing was
 * reported.  HUB_OK, or another outcome when it was not undone.
 */
int	hubdb_unclaim(struct hubdb *, long long, const char *,
	    struct bb_error *);

/* Calls fn with each queued job's number and require, oldest first. */
int	hubdb_queued(struct hubdb *, int (*)(void *, long long, const char *),
	    void *, struct bb_error *);

/* Returns 1 if worker declined job id, 0 if not, -1 on failure. */
int	hubdb_declined(struct hubdb *, long long, const char *,
	    struct bb_error *);

/*
 * Checks that lease is job id's and the worker's and the job runs;
 * renews it for ttl ms when ttl > 0.  Puts the source's hex (if not
 * NULL, DIGEST_HEXLEN + 1) and size.  HUB_OK, HUB_NOTFOUND, HUB_STALE,
 * HUB_FINISHED, HUB_CANCELLED.
 */
int	hubdb_lease(struct hubdb *, long long, const char *, const char *,
	    long long, long long, char *, off_t *, struct bb_error *);

/* The worker declines job id: it goes back to the queue. */
int	hubdb_decline(struct hubdb *, long long, const char *, const char *,
	    const char *, long long, struct bb_error *);

struct hubdb_abandoned {
	long long	attempt;	/* the attempt that was abandoned */
	char		state[16];	/* the job's: queued or error (now) */
	int		again;		/* abandoned before under the lease */
};

/*
 * The worker gives up the attempt under the lease (it died with the
 * worker, say): the attempt ends "abandoned" with reason (NULL: a
 * default), and the job goes back to the queue at once, or ends in state
 * error when that was its last attempt (its own most, else defmax).
 * Abandoning again under the same lease changes nothing: HUB_OK, with
 * out->again set and the job's state now.  HUB_OK and *out, or a lease
 * outcome.
 */
int	hubdb_abandon(struct hubdb *, long long, const char *, const char *,
	    const char *, long long, int, struct hubdb_abandoned *,
	    struct bb_error *);

struct hubdb_event {
	long long	 seq;
	const char	*type;		/* typelen bytes */
	size_t		 typelen;
	const char	*line;		/* as received, no newline, then one
					   byte that may be read (its
					   newline, if the body has one) */
	size_t		 len;
	int		 end;		/* a step's end or the job's: on disk
					   before the answer (hublog_want) */
};

struct hubdb_ack {
	long long	stored;
	long long	dup;
	long long	upto;
	long long	bytes;		/* of the records stored */
};

/*
 * Stores a batch of n records under the lease, each sequence number once
 * and in order: the log holds records 1 to upto and no other, so a
 * record after a gap (the hub lost records to a power cut) is not
 * stored, and the finish asks for it again.  Renews the lease for ttl
 * ms.  All or nothing.  HUB_OK and *ack, HUB_TOOLARGE (over
 * HUBDB_LOG_MAX), or a lease outcome.
 */
int	hubdb_events(struct hubdb *, long long, const char *, const char *,
	    const struct hubdb_event *, size_t, long long, long long,
	    struct hubdb_ack *, struct bb_error *);

/*
 * Records artifact name (hex, size) of the lease's attempt and renews
 * the lease.  HUB_OK (new), HUB_SAME, HUB_EXISTS (another digest),
 * HUB_TOOLARGE (too many), or a lease outcome.
 */
int	hubdb_artifact(struct hubdb *, long long, const char *, const char *,
	    const char *, const char *, off_t, long long, long long,
	    struct bb_error *);

/* Returns 1 if result is a valid final state of a job. */
int	hubdb_valid_result(const char *);

/*
 * Returns 1 if s is a state of a job: queued, running, waiting (a stage
 * whose stage before has not ended) or a final one.
 */
int	hubdb_valid_state(const char *);

/*
 * Ends job id under the lease with result, when the records 1 to last
 * are all stored and their digest is sha256 (hex); its log is on disk
 * first.  Puts the job's attempt in *attempt and its final result in res
 * (16 bytes): on a repeated finish, the first one's.  HUB_OK;
 * HUB_INCOMPLETE with the sequence numbers held and missing as ranges in
 * have and missing; HUB_MISMATCH; or a lease outcome.
 */
int	hubdb_finish(struct hubdb *, long long, const char *, const char *,
	    const char *, const char *, long long, const char *, long long,
	    int *, char *, struct buf *, struct buf *, struct bb_error *);

/*
 * Cancels a queued, running or waiting job, and the stages after it that
 * wait.  HUB_OK, HUB_NOTFOUND, HUB_CONFLICT.
 */
int	hubdb_cancel(struct hubdb *, long long, long long, struct bb_error *);

/*
 * Ends every lease that ran out by now, except of jobs for which busy
 * returns 1: each job goes back to the queue, or ends in state error when
 * it had its most attempts (its own, else defmax).  Adds the expired
 * leases to *n.  Returns 0 or -1.
 */
int	hubdb_expire(struct hubdb *, long long, int,
	    int (*)(void *, long long), void *, long long *,
	    struct bb_error *);

/* Gives every running job's lease ttl ms from now (at start). */
int	hubdb_refresh_leases(struct hubdb *, long long, long long,
	    struct bb_error *);

/* Returns in *ms the soonest lease end (0 if none). */
int	hubdb_next_expiry(struct hubdb *, long long *, struct bb_error *);

/*
 * Calls fn with a "job" record per job, newest first, at most limit,
 * only in state (if not NULL).
 */
int	hubdb_jobs(struct hubdb *, const char *, long long,
	    int (*)(void *, const struct record *), void *, struct bb_error *);

/*
 * Calls fn with a "job" record per queued job, in the order claims take
 * them (oldest first), at most limit.
 */
int	hubdb_queue(struct hubdb *, long long,
	    int (*)(void *, const struct record *), void *, struct bb_error *);

/*
 * Calls fn with job id's "job" record, a "pipeline" record per stage of
 * its chain when it has several (stage, id, name, state, worker, reason,
 * artifacts), its recipe records, one "attempt" record per attempt and
 * one "artifact" record per artifact.  HUB_OK or HUB_NOTFOUND.
 */
int	hubdb_job(struct hubdb *, long long,
	    int (*)(void *, const struct record *), void *, struct bb_error *);

/*
 * Calls fn with each stored line (no newline) of job id's attempt *n (0:
 * the last one, then *n is set to it), in order of sequence number, from
 * the first after number after, at most limit lines (0: all).  HUB_OK or
 * HUB_NOTFOUND.
 */
int	hubdb_log(struct hubdb *, long long, long long *, long long,
	    long long, int (*)(void *, long long, const char *, size_t),
	    void *, struct bb_error *);

/*
 * Opens the log file of job id's attempt *n (0: the last one, then *n is
 * set to it) for reading: the fd in *fd and its bytes in *size, or *fd
 * -1 when the attempt's records are in the table of old databases (read
 * them with hubdb_log).  HUB_OK or HUB_NOTFOUND.
 */
int	hubdb_log_file(struct hubdb *, long long, long long *, int *, off_t *,
	    struct bb_error *);

/* Finds job id's source blob (hex, size).  HUB_OK or HUB_NOTFOUND. */
int	hubdb_source(struct hubdb *, long long, char *, off_t *,
	    struct bb_error *);

/*
 * Finds artifact name of job id's attempt n, or of its last attempt that
 * has one by that name (n 0).  HUB_OK or HUB_NOTFOUND.
 */
int	hubdb_artifact_find(struct hubdb *, long long, const char *,
	    long long, char *, off_t *, struct bb_error *);

/* Calls fn with each state and how many jobs are in it. */
int	hubdb_count(struct hubdb *, int (*)(void *, const char *, long long),
	    void *, struct bb_error *);

/*
 * Retention (lib/hub/hubdb_gc.c).  A job that has ended is kept while it
 * is pinned, younger than keep_days, or among the keep_builds newest
 * ended jobs of its name (jobs without a name count as one name).
 */
struct hubdb_policy {
	long long	keep_builds;
	long long	keep_days;
};

#define HUBDB_KEEP_BUILDS	10	/* the defaults */
#define HUBDB_KEEP_DAYS		30
#define HUBDB_KEEP_MAX		1000000

/* Pins job id (on 1) or unpins it (on 0).  HUB_OK or HUB_NOTFOUND. */
int	hubdb_pin(struct hubdb *, long long, int, struct bb_error *);

/*
 * Removes at most max jobs that the policy p lets go at time now, with
 * their attempts, records, artifacts and declines, in one transaction.
 * Puts how many in *njobs and the bytes of their records in *nbytes, and
 * adds both to the counters gc_jobs and gc_bytes.  Returns 0 or -1.
 */
int	hubdb_expire_jobs(struct hubdb *, long long,
	    const struct hubdb_policy *, long long, long long *, long long *,
	    struct bb_error *);

/*
 * Removes the log file of attempt n of job (lib/hub/hublog.h) when the
 * database holds no such attempt (a crash between removing a job and its
 * files leaves one), checked under the write lock, and adds size to the
 * counter gc_bytes.  Returns 1 when it was removed, 0 when an attempt owns
 * it (or the database has no log store), -1.
 */
int	hubdb_log_drop(struct hubdb *, long long, long long, off_t,
	    struct bb_error *);

/*
 * When no job and no artifact refers to the blob hex, calls fn(arg, hex,
 * err) while holding the write lock, so that nothing can come to refer
 * to it meanwhile; fn removes it (1), keeps it (0) or fails (-1).
 * Returns what fn returned, 0 when the blob is referred to, or -1.
 */
int	hubdb_blob_drop(struct hubdb *, const char *,
	    int (*)(void *, const char *, struct bb_error *), void *,
	    struct bb_error *);

/* Adds n to the counter name (gc_jobs, gc_blobs, gc_bytes).  0 or -1. */
int	hubdb_stat_add(struct hubdb *, const char *, long long,
	    struct bb_error *);

/* Calls fn with each counter and its value. */
int	hubdb_stats(struct hubdb *, int (*)(void *, const char *, long long),
	    void *, struct bb_error *);

/*
 * Reads into p the policy the server last ran with (what is not stored
 * is left as it is), or stores p.  0 or -1.
 */
int	hubdb_policy_get(struct hubdb *, struct hubdb_policy *,
	    struct bb_error *);
int	hubdb_policy_put(struct hubdb *, const struct hubdb_policy *,
	    struct bb_error *);

struct hubdb_metrics {
	long long	queued;		/* jobs in the queue */
	long long	oldest;		/* when the oldest was submitted, or 0 */
	long long	log_bytes;	/* of the records of every attempt */
};

/* Fills m with the figures of /metrics that the jobs make. */
int	hubdb_metrics(struct hubdb *, struct hubdb_metrics *,
	    struct bb_error *);

/*
 * Puts the start and end (0 while it runs) of the attempt of job id
 * under lease, in ms.  HUB_OK or HUB_NOTFOUND.
 */
int	hubdb_attempt_times(struct hubdb *, long long, const char *,
	    long long *, long long *, struct bb_error *);

/*
 * Puts in r the last "status" record of job id's last attempt.  HUB_OK,
 * or HUB_NOTFOUND when it has none.
 */
int	hubdb_last_status(struct hubdb *, long long, struct record *,
	    struct bb_error *);

#endif
