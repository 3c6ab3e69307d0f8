/*
 * A one-line progress meter for people: bytes done, rate, time left.
 */
#ifndef BB_METER_H
#define BB_METER_H

#include <sys/types.h>

#include <stddef.h>

/* Seconds between two redraws of a meter. */
#define METER_INTERVAL	0.25

/* Writes size as "512B", "1.5KiB", "20.0MiB" into buf (len bytes). */
void	meter_size(char *, size_t, double);

/*
 * Writes the meter's text into buf (len bytes): done of total, the rate
 * over secs seconds and the time left at that rate, as in
 * "1.2GiB of 4.0GiB  30%  210.0MiB/s  0:14 left".  total may be 0
 * (unknown); secs may be 0.
 */
void	meter_format(char *, size_t, off_t, off_t, double);

#endif
