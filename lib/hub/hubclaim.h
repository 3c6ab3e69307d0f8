/*
 * Claims and their long poll (bb-protocol(7) POST /v1/claim).  Every
 * claim is parked: its connection is suspended (no thread, no timer of
 * libmicrohttpd) in the server's list of waiters until a job is handed to
 * it, its wait ends, its client goes away or the server stops.  The core
 * (lib/hub/hubhttp.c) calls hubclaim_wake when jobs may be claimable,
 * and the others from its timer and at its end.
 *
 * A parked request stays the core's: these functions resume it with its
 * answer in r->resp, which the core sends and frees.
 */
#ifndef BB_HUBCLAIM_H
#define BB_HUBCLAIM_H

#include <stddef.h>

struct hub_server;
struct hubreq;

/* POST /v1/claim[?wait=SECONDS]: parks r and asks for a wake. */
void	hubclaim_claim(struct hubreq *);

/*
 * Hands queued jobs to the parked claims that can take them, oldest job
 * first, claims in the order they came, all in one transaction; then
 * answers 204 to the claims whose wait is over.
 */
void	hubclaim_wake(struct hub_server *);

/*
 * hubclaim_wake in two halves, for a caller whose own change (a submit)
 * goes in the same transaction as the claims it makes possible: one
 * flush to disk for both.  hubclaim_give hands out the jobs in the batch
 * the caller opened (hubdb_batch), or in one it opens itself when own;
 * hubclaim_settle commits that one, then answers the claims handed a job
 * if the batch was committed (committed, the caller's outcome), 503 if
 * not, and 204 to those whose wait is over.  A claim is answered only
 * once what it claimed is on disk.
 */
struct hubclaim_given {
	struct hubreq	**v;		/* the claims handed a job */
	size_t		  n;
	int		  batch;	/* hubclaim_give opened the batch */
};

void	hubclaim_give(struct hub_server *, struct hubclaim_given *, int);
void	hubclaim_settle(struct hub_server *, struct hubclaim_given *, int);

/* Answers 204 to the parked claims whose wait ended by now (ms). */
void	hubclaim_expire(struct hub_server *, long long);

/* Answers 204 to the parked claims whose client went away. */
void	hubclaim_sweep(struct hub_server *);

/* Answers 503 to every parked claim: the server is stopping. */
void	hubclaim_stop(struct hub_server *);

/* Resumes every parked claim left, so that none stays suspended. */
void	hubclaim_release(struct hub_server *);

/*
 * Forgets r when its request ends; a job handed to it that did not reach
 * its client (delivered 0) goes back to the queue.
 */
void	hubclaim_done(struct hubreq *, int);

#endif
