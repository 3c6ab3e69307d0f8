/*
 * What the unit tests of the HTTP client (tests/unit/http*.c) share: a
 * temporary directory (tmpdir) and a port on the loopback that refuses
 * connections.
 */
#ifndef BB_HTTP_TEST_H
#define BB_HTTP_TEST_H

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <string.h>

#include "http.h"
#include "tap.h"

#define UNUSED	__attribute__((__unused__))

static UNUSED char tmpdir[] = "/tmp/bb-http-test.XXXXXX";

/* A port on 127.0.0.1 bound and not listening: connections are refused. */
static UNUSED int
closed_port(int *sp)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s;

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	*sp = s;
	return ntohs(sin.sin_port);
}

#endif
