/*
 * The server's doorbell: DIR/wake, a FIFO that the admin commands ring
 * (a byte written) once they have changed the database, so that the
 * server looks at it at once instead of at its next tick (bb-hub(8)).
 * A ring is a hint: the tick still finds every change, and ringing with
 * no server listening does nothing.
 */
#ifndef BB_HUBWAKE_H
#define BB_HUBWAKE_H

#include "error.h"

/*
 * Makes dir/wake (a FIFO, mode 0600) unless it is there, and opens it for
 * the server to poll: read and write, so that it never reads an end of
 * file, non-blocking, close-on-exec.  Returns the descriptor, or -1 with
 * err set (EX_CANTCREAT: something else is in its place, or it cannot
 * be made).
 */
int	hubwake_open(const char *dir, struct bb_error *);

/* Reads what rings fd holds, to wait for the next.  Returns how many. */
int	hubwake_drain(int);

/* Rings dir/wake when a server has it open; never blocks, never fails. */
void	hubwake_ring(const char *dir);

#endif
