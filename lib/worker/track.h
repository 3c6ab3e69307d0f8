/*
 * What a bb-run started, written down so that a later bb-run or
 * bb-worker can end it when this one died without doing so (kill -9, a
 * crash): one file a run in a directory of the worker's, records
 *
 *	track pid=PID start=TICKS workdir=PATH [scratch=PATH]
 *	step pgid=PGID start=TICKS
 *
 * where TICKS is a process's start time since boot (/proc/PID/stat), so
 * that a pid used again is never taken for the old one.  A sandboxed
 * step needs none of it (its PID namespace ends with bb-run); a step run
 * without one leaves processes that only this finds.
 */
#ifndef BB_TRACK_H
#define BB_TRACK_H

#include <sys/types.h>

#include "error.h"

struct track;

/*
 * Starts the record of this process's run in dir (made if missing):
 * its work tree and scratch directory (or NULL).  Returns it, or NULL
 * (EX_CANTCREAT).
 */
struct track	*track_start(const char *dir, const char *workdir,
		    const char *scratch, struct bb_error *);

/* Adds a step's process group (its shell's pid).  Returns 0 or -1. */
int	track_step(struct track *, pid_t, struct bb_error *);

/* The run is over and left nothing: removes the record, frees (NULL ok). */
void	track_end(struct track *);

/*
 * Ends what the runs recorded in dir left, for each run whose bb-run is
 * dead: SIGKILL to every process of its steps' groups, and to every one
 * with its BB_WORKDIR in its environment, started since (a step's
 * children that changed their group or session), until none is left;
 * then its scratch directory and its record go.  Runs still alive are
 * left alone.  Adds to *killed how many it stopped, and calls say (if
 * not NULL) with a line for each run it cleared.  Returns 0, or -1 if
 * dir cannot be read (a missing dir is fine).
 */
int	track_sweep(const char *dir, size_t *killed,
	    void (*say)(void *, const char *), void *arg, struct bb_error *);

/* The start time of pid in clock ticks since boot, or 0 if it is gone. */
unsigned long long	track_starttime(pid_t);

#endif
