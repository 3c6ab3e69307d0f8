/*
 * Durations as people write them: 90s, 10m, 2h, 1h30m, 1d, or a bare
 * number of seconds; and the clock that times them.
 */
#ifndef BB_DURATION_H
#define BB_DURATION_H

#include "error.h"

#define DURATION_MAX	(366LL * 24 * 3600)	/* a year, in seconds */

/*
 * Parses s into seconds in [min, max].  Returns 0, or -1 with EX_DATAERR
 * and a message that says what was expected.
 */
int	duration_parse(const char *, long long, long long, long long *,
	    struct bb_error *);

/* Writes secs as the shortest form duration_parse reads back ("1h30m"). */
void	duration_format(long long, char *, size_t);

/*
 * Returns the monotonic clock (CLOCK_MONOTONIC) in milliseconds: for
 * deadlines and elapsed times, which a change of the date does not move.
 */
long long	duration_now_ms(void);

#endif
