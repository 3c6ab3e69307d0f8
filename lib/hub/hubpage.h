/*
 * The hub's pages for people: HTML with everything that a build or a
 * worker sent escaped, a style sheet and one small script that the hub
 * serves as files (lib/hub/hubasset.h), no inline script or style, so
 * that a Content-Security-Policy of 'self' holds.  Without the script
 * the pages still show everything and reload themselves; with it they
 * follow the hub live.  Links are relative, so the pages work behind a
 * proxy that serves the hub under a path prefix.
 *
 * Times given to these functions are milliseconds since the epoch.
 */
#ifndef BB_HUBPAGE_H
#define BB_HUBPAGE_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "hubdb.h"

/*
 * Appends the status page to b: running jobs with their step and time,
 * the queue with why each job waits, the workers and their health
 * (connected when seen less than window ms before now), recent builds.
 * Returns 0 or -1.
 */
int	hubpage_index(struct hubdb *, long long, long long, struct buf *,
	    struct bb_error *);

/*
 * Appends job id's page to b: its state, steps, artifacts with their
 * signatures, attempts, recipe and the log of attempt n (0: the last),
 * its last records only unless all.  HUB_OK, HUB_NOTFOUND or -1.
 */
int	hubpage_job(struct hubdb *, long long, long long, int, long long,
	    struct buf *, struct bb_error *);

/*
 * Appends what job id's page needs to follow the job from record after
 * of attempt n on: an HTML fragment with the job's state, attempt and
 * last record number as data attributes, its summary, the log records
 * after after (at most a batch) and, when they change, its steps and
 * artifacts.  HUB_OK, HUB_NOTFOUND or -1.
 */
int	hubpage_live(struct hubdb *, long long, long long, long long,
	    long long, struct buf *, struct bb_error *);

/* What the reasons a job waits know of a worker. */
struct hubpage_worker {
	const char	*name;
	const char	*caps;		/* comma-separated */
	long long	 slots;
	long long	 running;	/* jobs it runs */
	long long	 seen;		/* Unix seconds, 0: never */
	int		 connected;
	int		 declined;	/* the job in question */
};

/*
 * Appends to b, as HTML, why a queued job that requires require
 * (comma-separated capabilities) waits, given the n workers w at now
 * (Unix seconds): no worker with a capability, declined, the workers
 * that could run it offline or busy, or waiting for a claim.  Returns 0
 * or -1.
 */
int	hubpage_why(struct buf *, const char *,
	    const struct hubpage_worker *, size_t, long long);

/*
 * Appends to b the page a browser gets instead of a page that needs a
 * token (metrics: /metrics): what token it needs and how to give it.
 * It loads nothing, so it looks the same at any path.  Returns 0 or -1.
 */
int	hubpage_signin(struct buf *, int);

/*
 * Appends len bytes of s to b with &, <, >, " and ' escaped, and control
 * bytes (but tab and newline) shown as \xNN.  Returns 0 or -1.
 */
int	hubpage_escape(struct buf *, const char *, size_t);

/*
 * Writes the Unix time secs (a decimal string) as "2026-11-21 06:35:14Z"
 * into s (len bytes; 21 are enough).  Returns 0, or -1 and "-" when secs
 * is not a time.
 */
int	hubpage_time(const char *, char *, size_t);

/* Returns 1 if key is one of a job record's times (submitted, ...). */
int	hubpage_time_key(const char *);

#endif
