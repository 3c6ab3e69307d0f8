/*
 * One background thread that runs one call at a time, so that a poll(2)
 * loop goes on reading its input while a slow call (an HTTP exchange, a
 * file's digest) is under way.  When a call returns, the thread writes a
 * byte to a wake-up descriptor that the loop polls.
 *
 * The call owns its argument until bg_poll says it returned: the loop
 * must not touch it meanwhile.
 */
#ifndef BB_BG_H
#define BB_BG_H

#include "error.h"

struct bg;

/*
 * Starts a thread; wakefd (a pipe's write end, best non-blocking) gets a
 * byte each time a call returns.  Returns NULL with err set.
 */
struct bg	*bg_new(int wakefd, struct bb_error *);

/*
 * Runs fn(arg) in the thread.  Returns 0, or -1 (EX_SOFTWARE) when a
 * call is already under way.
 */
int	bg_start(struct bg *, void (*)(void *), void *, struct bb_error *);

/* Returns 1 while a call started and its return has not been seen. */
int	bg_busy(struct bg *);

/*
 * Returns 1 once when the call started last has returned (bg_busy is
 * then 0), else 0.
 */
int	bg_poll(struct bg *);

/* Waits for the call under way, if any, ends the thread, frees bg. */
void	bg_free(struct bg *);

#endif
