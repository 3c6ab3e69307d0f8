/*
 * freeport [N]: prints N (default 1) distinct TCP ports on 127.0.0.1 that
 * were free a moment ago, one a line, for servers in tests.  A server
 * that then finds its port taken should be started again on new ones.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	socklen_t len;
	int i, n = argc > 1 ? atoi(argv[1]) : 1, s[64];

	if (n < 1 || n > 64)
		errx(EX_USAGE, "usage: freeport [1-64]");
	/* All bound at once, so that the ports differ. */
	for (i = 0; i < n; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sin);
		if ((s[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    bind(s[i], (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    getsockname(s[i], (struct sockaddr *)&sin, &len) == -1)
			err(EX_OSERR, "socket");
		printf("%d\n", ntohs(sin.sin_port));
	}
	for (i = 0; i < n; i++)
		close(s[i]);
	return 0;
}
