/*
 * The chains of stages of a hub (bb-recipe(5) stage, bb-hub(8) Stages):
 * when a stage has succeeded, the artifacts of its last attempt, each at
 * its name, are packed into a tarball (lib/hub/hubsrc.h) that goes into
 * the blob store as the next stage's source, and the next stage is
 * queued; when it has not, the stages after it end cancelled, with the
 * reason.
 */
#ifndef BB_HUBSTAGE_H
#define BB_HUBSTAGE_H

#include "error.h"
#include "hub.h"

/* What hubstage_advance did. */
struct hubstage_moved {
	long long	queued;		/* stages queued */
	long long	stopped;	/* chains stopped */
};

/*
 * Moves on every chain whose waiting stage's stage before has ended.
 * log(arg, message) is told of each (it may be NULL).  Adds to *m.
 * Returns 0, or -1 when the database fails (a chain that cannot be
 * packed is stopped, with the cause as its reason).
 */
int	hubstage_advance(struct hub_dir *, long long,
	    void (*)(void *, const char *), void *, struct hubstage_moved *,
	    struct bb_error *);

#endif
