#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <microhttpd.h>

#include "hubconn.h"
#include "hublisten.h"
#include "hubreq.h"
#include "hubsrv.h"

#define PAUSE_MS	100	/* after accept(2) ran out of descriptors */
#define LOG_MS		1000	/* the most often an error is logged */

/* The answer of a shed connection, over plain HTTP. */
#define SHED_BODY	"error status=503 reason=unavailable msg=the%20hub%20" \
			"serves%20all%20the%20connections%20it%20can\n"

struct lingering {
	int		fd;
	long long	until;
};

struct hublisten {
	int		 fd;
	int		 tls;
	unsigned int	 port;
	long long	 paused_until;
	long long	 logged;
	struct lingering lg[HUBLISTEN_LINGER];
	size_t		 nlg;
};

struct hublisten *
hublisten_open(const struct addrinfo *ai, int tls, const char *name,
    struct bb_error *err)
{
	struct hublisten *l;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int on = 1;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		bb_error_errno(err, EX_OSERR, "listen");
		return NULL;
	}
	l->tls = tls;
	if ((l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1 ||
	    (ai->ai_family == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(l->fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(l->fd, HUBLISTEN_BACKLOG) == -1 ||
	    getsockname(l->fd, (struct sockaddr *)&ss, &len) == -1) {
		bb_error_errno(err, EX_UNAVAILABLE, "cannot listen on %s",
		    name);
		hublisten_close(l);
		return NULL;
	}
	if (ss.ss_family == AF_INET)
		l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		l->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return l;
}

int
hublisten_fd(const struct hublisten *l, long long now, long long *wait)
{
	if (l == NULL)
		return -1;
	if (now < l->paused_until) {
		if (l->paused_until - now < *wait)
			*wait = l->paused_until - now;
		return -1;
	}
	return l->fd;
}

unsigned int
hublisten_port(const struct hublisten *l)
{
	return l != NULL ? l->port : 0;
}

static void
unlinger(struct hublisten *l, size_t i)
{
	close(l->lg[i].fd);
	l->lg[i] = l->lg[--l->nlg];
}

/* Answers fd 503 (plain HTTP) and closes it, or closes it (TLS). */
static void
shed(struct hublisten *l, struct hub_server *s, int fd, long long now)
{
	char head[512];
	size_t i, old;
	int n;

	hubconns_shed(s->conns);
	if (l->tls) {
		/* A plain answer would be garbage to a TLS client. */
		close(fd);
		return;
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: " HUBREQ_TEXT "\r\n"
	    "Content-Length: %zu\r\n"
	    "Retry-After: " HUBREQ_RETRY_AFTER "\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n\r\n%s", sizeof(SHED_BODY) - 1, SHED_BODY);
	if (n > 0 && (size_t)n < sizeof(head))
		(void)send(fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)shutdown(fd, SHUT_WR);
	if (l->nlg == HUBLISTEN_LINGER) {
		for (i = 1, old = 0; i < l->nlg; i++)
			if (l->lg[i].until < l->lg[old].until)
				old = i;
		unlinger(l, old);
	}
	l->lg[l->nlg].fd = fd;
	l->lg[l->nlg].until = now + HUBLISTEN_LINGER_MS;
	l->nlg++;
}

int
hublisten_accept(struct hublisten *l, struct hub_server *s, long long now)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i, fd;

	for (i = 0; i < HUBLISTEN_BATCH; i++) {
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM: not for long. */
			l->paused_until = now + PAUSE_MS;
			if (now >= l->logged) {
				l->logged = now + LOG_MS;
				hubsrv_log(s, "accept: %s (%u connections "
				    "open)", strerror(errno),
				    hubconns_count(s->conns));
			}
			return 0;
		}
		if (!hubconns_room(s->conns)) {
			shed(l, s, fd, now);
			continue;
		}
		/* It closes fd when it fails. */
		if (MHD_add_connection(s->d, fd, (struct sockaddr *)&ss,
		    len) != MHD_YES && now >= l->logged) {
			l->logged = now + LOG_MS;
			hubsrv_log(s, "libmicrohttpd refused a connection: %s",
			    strerror(errno));
		}
	}
	return 1;
}

void
hublisten_linger(struct hublisten *l, long long now)
{
	char b[4096];
	ssize_t n;
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nlg; ) {
		/* Read what came, so that the close sends no reset. */
		while ((n = recv(l->lg[i].fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (n == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR) ||
		    now >= l->lg[i].until)
			unlinger(l, i);
		else
			i++;
	}
}

void
hublisten_close(struct hublisten *l)
{
	if (l == NULL)
		return;
	while (l->nlg > 0)
		unlinger(l, 0);
	if (l->fd != -1)
		close(l->fd);
	free(l);
}
