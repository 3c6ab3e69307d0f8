/*
 * bb-worker(8)'s shutdown stamp, for the stages that wait for the hub
 * (bb-claim(1), bb-connect(1) -b): once basedir/shutdown.stamp is there,
 * they stop waiting as SIGTERM makes them, and the worker has no timer
 * of its own to look for it.
 */
#ifndef BB_STAMP_H
#define BB_STAMP_H

#include "error.h"

#define STAMP_NAME	"shutdown.stamp"
#define STAMP_EVERY	2		/* seconds between two looks */

/*
 * From now on, looks for basedir/shutdown.stamp every `every' seconds
 * (an interval timer and its SIGALRM, whose handler this takes) and
 * sends the calling process SIGTERM once it is there.  Returns 0, or -1
 * (EX_USAGE: basedir is too long; EX_OSERR).
 */
int	stamp_watch(const char *basedir, unsigned int every,
	    struct bb_error *);

#endif
