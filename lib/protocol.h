/*
 * The versions of bb-protocol(7).  A worker and a hub each speak a range
 * of versions, PROTOCOL_MIN to PROTOCOL_VERSION; at hello the worker
 * sends its range (keys protocol_min and protocol of the hello record)
 * and the hub answers with the newest version both speak (key protocol
 * of the session record), or refuses.  A side that sends no range is of
 * the first release, which speaks version 1 alone.
 *
 * So that a farm can be upgraded one machine at a time, each release
 * speaks the version of the release before it too.
 *
 *	1	the first release
 *	2	hello carries the range; sources and artifacts are
 *		downloaded with Range; a worker abandons an attempt that
 *		died (POST /v1/jobs/ID/abandon)
 *	3	records may end with a raw field (bb-record(5)); a worker
 *		sends a hub of 2 or less every field key=value
 *	4	an events batch may end with a finish record: the job's
 *		last records and its end in one call; a worker sends a hub
 *		of 3 or less its finish alone
 */
#ifndef BB_PROTOCOL_H
#define BB_PROTOCOL_H

#include "error.h"
#include "record.h"

#define PROTOCOL_VERSION	4	/* the newest this code speaks */
#define PROTOCOL_MIN		1	/* the oldest it still speaks */
#define PROTOCOL_MAX		1000000	/* the largest number taken */

/*
 * Puts in *lo and *hi the range that record r says (keys protocol_min
 * and protocol; none: 1 to 1; protocol alone: that one).  Returns 0, or
 * -1 (EX_DATAERR) when a key is not a number from 1 to PROTOCOL_MAX or
 * the range is empty.
 */
int	protocol_range(const struct record *, long long *, long long *,
	    struct bb_error *);

/*
 * Finds the newest version in both this code's range and the peer's, lo
 * to hi, and puts it in *v.  self and peer name the two sides ("hub",
 * "worker").  Returns 0, or -1 (EX_CONFIG) when there is none, with a
 * message that gives both ranges and says which side to upgrade.
 */
int	protocol_agree(long long, long long, const char *, const char *,
	    long long *, struct bb_error *);

#endif
