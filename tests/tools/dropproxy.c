/*
 * dropproxy: a TCP relay for tests that loses answers.
 *
 *	dropproxy urlfile host port dropfile
 *	dropproxy urlfile -
 *
 * Listens on a free port of 127.0.0.1, writes "http://127.0.0.1:PORT" to
 * urlfile, and relays each connection to host:port.  While dropfile
 * exists, the first bytes of an answer close both sides instead of being
 * relayed: the request reached the server, its answer is lost.  With
 * "-", it is a black hole: connections are made (by the kernel) and
 * never answered.  Runs until killed.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAIRS	64

struct pair {
	int		 c;	/* the client's side, or -1 */
	int		 s;	/* the server's side */
	long long	 sent;	/* bytes of answers relayed */
};

static void
drop(struct pair *p)
{
	close(p->c);
	close(p->s);
	p->c = p->s = -1;
}

/*
 * Relays what from has to to, at most max bytes; the bytes relayed, or
 * -1 when the pair must end.
 */
static ssize_t
relay(int from, int to, size_t max)
{
	char buf[65536];
	ssize_t n, w, off;

	if ((n = read(from, buf, max < sizeof(buf) ? max : sizeof(buf))) <= 0)
		return -1;
	for (off = 0; off < n; off += w)
		if ((w = write(to, buf + off, (size_t)(n - off))) <= 0)
			return -1;
	return n;
}

/*
 * Returns where answers are cut: -1 when path does not exist (never), 0
 * when it holds no number (at once), else the number in it.
 */
static long long
cut_at(const char *path)
{
	FILE *fp;
	long long n = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(fp, "%lld", &n) != 1 || n < 0)
		n = 0;
	fclose(fp);
	return n;
}

int
main(int argc, char *argv[])
{
	struct pair p[PAIRS];
	struct pollfd pfd[1 + 2 * PAIRS];
	struct sockaddr_in a, to;
	socklen_t len = sizeof(a);
	FILE *fp;
	long long cut;
	ssize_t n;
	int l, i, c, s, one = 1;

	if (argc != 5 && (argc != 3 || strcmp(argv[2], "-") != 0))
		errx(64, "usage: dropproxy urlfile host port dropfile");
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	if (argc == 5) {
		to.sin_port = htons((unsigned short)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
			errx(64, "%s: not an IPv4 address", argv[2]);
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(l, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(l, 16) == -1 ||
	    getsockname(l, (struct sockaddr *)&a, &len) == -1)
		err(71, "listen");
	if ((fp = fopen(argv[1], "w")) == NULL ||
	    fprintf(fp, "http://127.0.0.1:%d\n", ntohs(a.sin_port)) < 0 ||
	    fclose(fp) == EOF)
		err(73, "%s", argv[1]);
	if (argc == 3)
		for (;;)
			pause();
	for (i = 0; i < PAIRS; i++)
		p[i].c = p[i].s = -1;
	for (;;) {
		pfd[0].fd = l;
		pfd[0].events = POLLIN;
		for (i = 0; i < PAIRS; i++) {
			pfd[1 + 2 * i].fd = p[i].c;
			pfd[2 + 2 * i].fd = p[i].s;
			pfd[1 + 2 * i].events = pfd[2 + 2 * i].events = POLLIN;
		}
		if (poll(pfd, 1 + 2 * PAIRS, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(71, "poll");
		}
		if (pfd[0].revents) {
			if ((c = accept4(l, NULL, NULL, SOCK_CLOEXEC)) == -1)
				continue;
			if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
			    0)) == -1 ||
			    connect(s, (struct sockaddr *)&to, sizeof(to)) ==
			    -1) {
				if (s != -1)
					close(s);
				close(c);
				continue;
			}
			for (i = 0; i < PAIRS && p[i].c != -1; i++)
				;
			if (i == PAIRS) {
				close(c);
				close(s);
				continue;
			}
			p[i].c = c;
			p[i].s = s;
			p[i].sent = 0;
		}
		for (i = 0; i < PAIRS; i++) {
			if (p[i].c == -1)
				continue;
			n = 0;
			if (pfd[1 + 2 * i].revents)
				n = relay(p[i].c, p[i].s, SIZE_MAX);
			if (n != -1 && pfd[2 + 2 * i].revents) {
				cut = cut_at(argv[4]);
				if (cut == -1)
					n = relay(p[i].s, p[i].c, SIZE_MAX);
				else if (p[i].sent >= cut)
					n = -1;	/* the rest is lost */
				else if ((n = relay(p[i].s, p[i].c,
				    (size_t)(cut - p[i].sent))) != -1 &&
				    (p[i].sent += n) >= cut)
					n = -1;
			}
			if (n == -1)
				drop(&p[i]);
		}
	}
}
