/*
 * Unit tests of lib/protocol.c: the range a hello says, and the version
 * two sides agree on, or which one to upgrade.
 */
#include <string.h>
#include <sysexits.h>

#include "protocol.h"
#include "tap.h"

static struct record r;
static struct bb_error err;
static long long lo, hi, v;

static int
range(const char *line)
{
	if (record_parse(&r, line, strlen(line), &err) == -1)
		return -2;
	return protocol_range(&r, &lo, &hi, &err);
}

int
main(void)
{
	record_init(&r);
	ok(range("hello caps=x") == 0 && lo == 1 && hi == 1,
	    "no keys: the first release, 1 to 1");
	ok(range("hello protocol=3") == 0 && lo == 3 && hi == 3,
	    "protocol alone: that one");
	ok(range("hello protocol=3 protocol_min=1") == 0 && lo == 1 && hi == 3,
	    "a range");
	ok(range("hello protocol=1 protocol_min=3") == -1 &&
	    err.code == EX_DATAERR, "an empty range: %s", err.msg);
	ok(range("hello protocol=0") == -1, "protocol=0 is refused");
	ok(range("hello protocol=2 protocol_min=x") == -1,
	    "protocol_min=x is refused: %s", err.msg);

	ok(protocol_agree(1, 1, "hub", "worker", &v, &err) == 0 && v == 1,
	    "with the first release: 1");
	ok(protocol_agree(1, PROTOCOL_VERSION, "hub", "worker", &v, &err) ==
	    0 && v == PROTOCOL_VERSION, "with this release: %d",
	    PROTOCOL_VERSION);
	ok(protocol_agree(PROTOCOL_VERSION, PROTOCOL_VERSION + 1, "hub",
	    "worker", &v, &err) == 0 && v == PROTOCOL_VERSION,
	    "with the next release: ours, the newest we speak");
	ok(protocol_agree(PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 2, "hub",
	    "worker", &v, &err) == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "upgrade the hub") != NULL,
	    "a worker two releases on: %s", err.msg);
	ok(protocol_agree(PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 1,
	    "worker", "hub", &v, &err) == -1 &&
	    strstr(err.msg, "upgrade the worker") != NULL,
	    "a hub two releases on, seen by a worker: %s", err.msg);
	record_free(&r);
	return tap_done();
}
