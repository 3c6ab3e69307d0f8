/*
 * Byte counts as people write them: digits with an optional K, M, G or T
 * (powers of 1024), as in "500M" or "2G".
 */
#ifndef BB_SIZE_H
#define BB_SIZE_H

#include <stddef.h>

#include "error.h"

#define SIZE_MAX_BYTES	(1LL << 50)	/* 1024T */

/*
 * Reads a byte count from 1 to SIZE_MAX_BYTES.  Returns 0, or -1
 * (EX_USAGE) with a message that says what was expected.
 */
int	size_parse(const char *, long long *, struct bb_error *);

/*
 * Writes n (at least 1) in the shortest form size_parse reads back as the
 * same number: "2G", "1536K", "100".
 */
void	size_format(long long, char *, size_t);

#endif
