#include <stdlib.h>
#include <sysexits.h>

#include "protocol.h"

int
protocol_range(const struct record *r, long long *lo, long long *hi,
    struct bb_error *err)
{
	*lo = *hi = 1;
	if (record_get(r, "protocol") != NULL &&
	    record_get_num(r, "protocol", 1, PROTOCOL_MAX, hi, err) == -1)
		return -1;
	*lo = *hi;
	if (record_get(r, "protocol_min") != NULL &&
	    record_get_num(r, "protocol_min", 1, PROTOCOL_MAX, lo,
	    err) == -1)
		return -1;
	if (*lo > *hi) {
		bb_error_set(err, EX_DATAERR, "protocol_min=%lld is above "
		    "protocol=%lld", *lo, *hi);
		return -1;
	}
	return 0;
}

int
protocol_agree(long long lo, long long hi, const char *self,
    const char *peer, long long *v, struct bb_error *err)
{
	if (hi >= PROTOCOL_MIN && lo <= PROTOCOL_VERSION) {
		*v = hi < PROTOCOL_VERSION ? hi : PROTOCOL_VERSION;
		return 0;
	}
	bb_error_set(err, EX_CONFIG, "the %s speaks bb-protocol %lld to %lld, "
	    "this %s %d to %d: upgrade the %s", peer, lo, hi, self,
	    PROTOCOL_MIN, PROTOCOL_VERSION, hi < PROTOCOL_MIN ? peer : self);
	return -1;
}
