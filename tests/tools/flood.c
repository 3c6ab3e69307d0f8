/*
 * flood: one client that tries to make an HTTP server silent, for tests.
 *
 *	flood [-b addr] [-i idle] [-s slow] [-x extra] [-w secs] host port
 *
 * From source address addr (any of 127.0.0.0/8 on Linux), opens idle
 * connections that send nothing and slow ones that trickle a request
 * head, a byte every 200 ms, and never end it; prints "open N" once all
 * are connected.  Then opens extra connections one after the other,
 * each sending a whole "GET /healthz" at once, and prints the status
 * of each answer ("answer 503", or "answer none" when the connection
 * closed without one) and its Retry-After ("retry-after 5"), then
 * "extras done".  Then keeps trickling for secs seconds (default 30), or
 * until the server has closed every idle and slow connection, printing
 * "closed K" each time the server closes more; exits 0.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hub.h"

#define MAXCONN		4096
#define TRICKLE_MS	200

static struct sockaddr_in	 src, dst;
static int			 bound;

static int
dial(void)
{
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EX_OSERR, "socket");
	if (bound && bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1)
		err(EX_OSERR, "bind %s", inet_ntoa(src.sin_addr));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1)
		err(EX_UNAVAILABLE, "connect");
	return fd;
}

static void
send_all(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* One whole request on a new connection: prints its answer's status. */
static void
extra(void)
{
	char buf[8192], *p;
	size_t have = 0;
	ssize_t n;
	int fd = dial();

	send_all(fd, "GET /healthz HTTP/1.1\r\nHost: flood\r\n"
	    "Connection: close\r\n\r\n");
	while (have < sizeof(buf) - 1 &&
	    (n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	buf[have] = '\0';
	if (strncmp(buf, "HTTP/1.1 ", 9) == 0 && have >= 12)
		printf("answer %.3s\n", buf + 9);
	else
		printf("answer none\n");
	if ((p = strcasestr(buf, "\r\nRetry-After: ")) != NULL)
		printf("retry-after %.*s\n", (int)strcspn(p + 15, "\r"),
		    p + 15);
	close(fd);
}

int
main(int argc, char *argv[])
{
	static struct pollfd pfd[MAXCONN];
	static int slow[MAXCONN];
	const char *errstr;
	long long end, next;
	int ch, i, n, nidle = 0, nslow = 0, nextra = 0, secs = 30;
	int closed = 0, shown = 0;
	char b[512];

	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "+b:i:s:w:x:")) != -1) {
		switch (ch) {
		case 'b':
			if (inet_pton(AF_INET, optarg, &src.sin_addr) != 1)
				errx(EX_USAGE, "-b %s: not an IPv4 address",
				    optarg);
			src.sin_family = AF_INET;
			bound = 1;
			break;
		case 'i':
			nidle = (int)strtonum(optarg, 0, MAXCONN / 2, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-i %s: %s", optarg, errstr);
			break;
		case 's':
			nslow = (int)strtonum(optarg, 0, MAXCONN / 2, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-s %s: %s", optarg, errstr);
			break;
		case 'w':
			secs = (int)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-w %s: %s", optarg, errstr);
			break;
		case 'x':
			nextra = (int)strtonum(optarg, 0, 1000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-x %s: %s", optarg, errstr);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2) {
usage:
		fprintf(stderr, "usage: flood [-b addr] [-i idle] [-s slow] "
		    "[-x extra] [-w secs] host port\n");
		return EX_USAGE;
	}
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[0], &dst.sin_addr) != 1)
		errx(EX_USAGE, "%s: not an IPv4 address", argv[0]);
	dst.sin_port = htons((unsigned short)strtonum(argv[1], 1, 65535,
	    &errstr));
	if (errstr != NULL)
		errx(EX_USAGE, "port %s: %s", argv[1], errstr);

	n = nidle + nslow;
	for (i = 0; i < n; i++) {
		pfd[i].fd = dial();
		pfd[i].events = POLLIN;
		slow[i] = i >= nidle;
		if (slow[i])
			send_all(pfd[i].fd, "GET /healthz HTTP/1.1\r\n"
			    "Host: flood\r\nX-Slow: ");
	}
	printf("open %d\n", n);
	for (i = 0; i < nextra; i++)
		extra();
	printf("extras done\n");

	end = hub_now() + secs * 1000LL;
	next = hub_now() + TRICKLE_MS;
	while (closed < n && hub_now() < end) {
		if (poll(pfd, (nfds_t)n, TRICKLE_MS) == -1 && errno != EINTR)
			err(EX_OSERR, "poll");
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			/* Whatever comes, the server ends it: count it. */
			if (recv(pfd[i].fd, b, sizeof(b), MSG_DONTWAIT) > 0)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			closed++;
		}
		if (hub_now() >= next) {
			next = hub_now() + TRICKLE_MS;
			for (i = 0; i < n; i++)
				if (slow[i] && pfd[i].fd != -1)
					(void)send(pfd[i].fd, "a", 1,
					    MSG_NOSIGNAL);
		}
		if (closed != shown) {
			printf("closed %d\n", closed);
			shown = closed;
		}
	}
	return 0;
}
