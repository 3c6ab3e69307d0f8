/*
 * The hub's pages for people: plain HTML, no script, everything that a
 * build or a worker sent escaped.  Links are relative, so the pages work
 * behind a proxy that serves the hub under a path prefix.
 */
#ifndef BB_HUBPAGE_H
#define BB_HUBPAGE_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "hubdb.h"

/*
 * Appends the status page to b: workers (connected when seen less than
 * window ms before now), the queue, the running jobs and recent builds.
 * Returns 0 or -1.
 */
int	hubpage_index(struct hubdb *, long long, long long, struct buf *,
	    struct bb_error *);

/*
 * Appends job id's page to b: its state, attempts, steps, artifacts and
 * log.  HUB_OK, HUB_NOTFOUND or -1.
 */
int	hubpage_job(struct hubdb *, long long, struct buf *,
	    struct bb_error *);

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
