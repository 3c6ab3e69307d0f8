/*
 * Claiming jobs (bb-claim(1), bb-protocol(7)): the long poll, the job
 * record and its recipe records that a claim answers, the decision to
 * take a job or to decline it, and the decline.
 */
#ifndef BB_CLAIM_H
#define BB_CLAIM_H

#include <stddef.h>

#include "buf.h"
#include "caps.h"
#include "error.h"
#include "http.h"
#include "record.h"

#define CLAIM_LEASEMAX	64		/* longest lease */
#define CLAIM_BODYMAX	(4 * 1024 * 1024)	/* longest claim answer */
#define CLAIM_WHYMAX	512		/* longest decline reason */

struct claim_job {
	struct record	 job;		/* the job record as the hub sent it */
	struct buf	*recipe;	/* the records after it, encoded */
	long long	 id;
	char		 lease[CLAIM_LEASEMAX + 1];
	struct buf	*require;	/* capabilities the recipe requires,
					   comma-separated */
};

/* What a worker wants of a job before it takes it. */
struct claim_needs {
	const struct caps *caps;	/* the worker's capabilities */
	const char	*basedir;	/* where jobs are unpacked, or NULL */
	long long	 min_free;	/* bytes free under basedir */
	long long	 min_inodes;	/* inodes free under basedir */
	const char	*caches;	/* removed when the disk is short, or
					   NULL (lib/worker/cache.h) */
	size_t		*evicted;	/* adds the caches removed, or NULL */
};

/* Makes j empty; claim_job_free releases (and wipes) what it holds. */
void	claim_job_init(struct claim_job *);
void	claim_job_free(struct claim_job *);

/*
 * Reads a claim's answer: a job record (id, lease, source, size, sha256
 * present and well formed), then the recipe records.  Returns 0, or -1
 * with EX_PROTOCOL naming what is wrong (never the lease).
 */
int	claim_parse(const char *, size_t, struct claim_job *,
	    struct bb_error *);

/*
 * Checks that n->basedir (if any) has the free space and inodes n asks
 * for, removing the caches under n->caches that no job uses, least
 * recently used first, while it has not.  Returns 1 if so, 0 if not with
 * the reason in why, or -1.
 */
int	claim_check_disk(const struct claim_needs *, char *why, size_t,
	    struct bb_error *);

/*
 * Decides whether the worker takes j: its capabilities must hold all
 * that the recipe requires, and the disk must pass claim_check_disk.
 * Returns 1 to take it, 0 to decline it with a reason for people in why
 * ("lacks capabilities docker,gpu"), or -1 (a disk that cannot be
 * checked).
 */
int	claim_decide(const struct claim_job *, const struct claim_needs *,
	    char *why, size_t, struct bb_error *);

/*
 * Lowers j's keepalive to ka seconds when the hub's is longer: the
 * worker reports that often (bb-connect(1) -k).  ka < 1 changes nothing.
 * Returns 0, or -1 (EX_PROTOCOL: a malformed keepalive).
 */
int	claim_cap_keepalive(struct claim_job *, long long ka,
	    struct bb_error *);

/*
 * Asks the hub of c for a job, waiting at most wait seconds, trying
 * again on transient failures as r says.  Returns 1 with the job in j,
 * 0 when the wait ended with none, or -1 with err set as http_do_retry
 * does (EX_NOPERM: the token was refused) or EX_PROTOCOL.
 */
int	claim_poll(struct http_client *, long long wait, struct http_retry *,
	    struct claim_job *, struct bb_error *);

/*
 * Declines j with a reason.  Returns 0, also when the hub answers that
 * the lease is no longer the job's (409) or that the job was cancelled
 * (410): either way it is not this worker's; else -1.
 */
int	claim_decline(struct http_client *, const struct claim_job *,
	    const char *why, struct http_retry *, struct bb_error *);

#endif
